"""The beta schedule and the scaled tanh."""

import numpy as np
import pytest
import torch

from hashlib_edu.continuation import BetaSchedule, scaled_tanh, scaled_tanh_grad


def test_official_schedule_values():
    schedule = BetaSchedule()
    assert schedule(0) == 1.0
    assert schedule(199) == 1.0  # held for `step` iterations
    assert schedule(200) == pytest.approx((1 + 0.005 * 200) ** 0.5)
    assert schedule(10_000) == pytest.approx(
        51**0.5
    )  # ~7.1, as in docs/design.md (facts from the papers)
    values = schedule.values(10_000)
    assert len(values) == 50 and np.all(np.diff(values) > 0)


def test_compressed_schedule_follows_the_official_curve_in_fractional_time():
    official, short = BetaSchedule(), BetaSchedule.compressed(600)
    assert short.step == 12
    for fraction in (0.0, 0.25, 0.5, 1.0):
        assert short(int(600 * fraction)) == pytest.approx(
            official(int(10_000 * fraction)), rel=0.02
        )


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"beta0": 0}, ValueError, "beta0"),
        ({"beta0": -1.0}, ValueError, "beta0"),
        ({"beta0": float("inf")}, ValueError, "beta0"),
        ({"beta0": "1"}, TypeError, "beta0"),
        ({"beta0": True}, TypeError, "beta0"),
        ({"gamma": -0.1}, ValueError, "gamma"),
        ({"gamma": None}, TypeError, "gamma"),
        ({"power": -0.5}, ValueError, "power"),
        ({"power": "0.5"}, TypeError, "power"),
        ({"step": 0}, ValueError, "step"),
        ({"step": 2.5}, TypeError, "step"),  # not truncated to 2
        ({"step": 200.0}, TypeError, "step"),
        ({"step": True}, TypeError, "step"),  # a bool is not an integer
    ],
)
def test_schedule_rejects_bad_parameters(kwargs, error, name):
    with pytest.raises(error, match=name):
        BetaSchedule(**kwargs)


def test_schedule_accepts_numpy_scalars():
    schedule = BetaSchedule(beta0=np.float64(2.0), gamma=np.float32(0.0), step=np.int64(10))
    assert schedule(25) == 2.0


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda s: s(-1), ValueError, "iteration"),
        (lambda s: s(1.5), TypeError, "iteration"),
        (lambda s: s(True), TypeError, "iteration"),
        (lambda s: s.values(0), ValueError, "num_iterations"),
        (lambda s: s.values(10.0), TypeError, "num_iterations"),
        (lambda s: BetaSchedule.compressed(0), ValueError, "num_iterations"),
        (lambda s: BetaSchedule.compressed(600.5), TypeError, "num_iterations"),
        (lambda s: BetaSchedule.compressed(600, 0), ValueError, "reference_iterations"),
        (lambda s: BetaSchedule.compressed(600, "10000"), TypeError, "reference_iterations"),
    ],
)
def test_schedule_methods_reject_bad_arguments(call, error, name):
    with pytest.raises(error, match=name):
        call(BetaSchedule())


@pytest.mark.parametrize(
    "function, z, beta, error, name",
    [
        (scaled_tanh, torch.zeros(3), 0.0, ValueError, "beta"),
        (scaled_tanh, torch.zeros(3), -2.0, ValueError, "beta"),
        (scaled_tanh, torch.zeros(3), float("nan"), ValueError, "beta"),
        (scaled_tanh, torch.zeros(3), "2", TypeError, "beta"),
        (scaled_tanh, torch.zeros(3), True, TypeError, "beta"),
        (scaled_tanh, np.zeros(3), 2.0, TypeError, "z"),
        (scaled_tanh, [0.0, 1.0], 2.0, TypeError, "z"),
        (scaled_tanh_grad, np.zeros(3), 0.0, ValueError, "beta"),
        (scaled_tanh_grad, np.zeros(3), float("inf"), ValueError, "beta"),
        (scaled_tanh_grad, np.zeros(3), None, TypeError, "beta"),
        (scaled_tanh_grad, [0.0, 1.0], 2.0, TypeError, "z"),
    ],
)
def test_scaled_tanh_rejects_bad_arguments(function, z, beta, error, name):
    with pytest.raises(error, match=name):
        function(z, beta)


def test_scaled_tanh_approaches_sign_and_its_gradient_vanishes_off_zero():
    z = torch.linspace(-1, 1, 201)
    sign = torch.where(z >= 0, 1.0, -1.0)
    gaps = [float((scaled_tanh(z, b) - sign).abs()[z.abs() > 0.1].max()) for b in (1, 10, 100)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-6
    grad = scaled_tanh_grad(np.array([0.0, 0.5]), 50.0)
    assert grad[0] == pytest.approx(50.0) and grad[1] < 1e-15


def test_scaled_tanh_grad_matches_autograd():
    z = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    (auto,) = torch.autograd.grad(scaled_tanh(z, 3.0).sum(), z)
    assert torch.allclose(auto, scaled_tanh_grad(z.detach(), 3.0))
    with pytest.raises(ValueError, match="beta"):
        scaled_tanh(z, 0.0)
