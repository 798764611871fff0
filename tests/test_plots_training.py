"""Tests of the continuation figures: learning or beta (hashlib_edu.plots.saturation, the
network's z beside tanh(beta z)) and, in hashlib_edu.plots.training, the log-scale gradient panel
and the beta schedule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from hashlib_edu import plots  # noqa: E402
from hashlib_edu.continuation import BetaSchedule  # noqa: E402
from hashlib_edu.models import build_model  # noqa: E402
from hashlib_edu.plots import training as plots_training  # noqa: E402
from hashlib_edu.plots.saturation import H_ULPS, SHARE_TOLERANCE  # noqa: E402

CUT = float(np.arctanh(0.9))  # |tanh z| > 0.9  <=>  |z| > CUT


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "plots must close new figures in pyplot before returning"


def make_snapshots(betas, growth, size=(200, 16), seed=0):
    """Snapshots of codes h = tanh(beta_t z_t) in float32, z_t = z_0 * growth_t."""
    z0 = np.random.default_rng(seed).normal(scale=0.8, size=size)
    snaps, zs = [], []
    for step, (beta, grow) in enumerate(zip(betas, growth, strict=True)):
        z = z0 * grow
        zs.append(z)
        h = np.tanh(np.float32(beta) * z.astype(np.float32)).astype(np.float32)
        snapshot = {"step": 10 * step, "beta": float(beta), "outputs": h}
        snaps.append({**snapshot, "quantization_error": 0.1, "map": 0.5})
    return snaps, zs


def share(values, cut):
    return float(np.mean(np.abs(values) > cut))


# ------------------------------------------------------------------------ saturation_shares
def test_the_three_views_separate_learning_from_beta():
    betas, growth = [1.0, 1.5, 2.0, 2.5], [1.0, 1.3, 1.6, 1.6]
    snaps, zs = make_snapshots(betas, growth)
    shares = plots.saturation_shares(snaps)
    np.testing.assert_array_equal(shares["step"], [0, 10, 20, 30])
    np.testing.assert_allclose(shares["beta"], betas)
    for i, (beta, z) in enumerate(zip(betas, zs, strict=True)):
        assert shares["recorded"][i] == share(snaps[i]["outputs"], 0.9)
        # the network alone: |tanh z| > 0.9; beta alone: the step-0 z under beta_t
        assert shares["network"][i] == pytest.approx(share(z, CUT), abs=0.01)
        assert shares["beta_only"][i] == pytest.approx(share(zs[0], CUT / beta), abs=0.01)
    # at step 0 (beta = 1) all three views are the same codes
    assert shares["recorded"][0] == pytest.approx(shares["network"][0], abs=0.01)
    assert shares["beta_only"][0] == pytest.approx(shares["network"][0], abs=0.01)
    # z stops growing after step 20, beta does not: the recorded share keeps rising
    assert shares["network"][3] == pytest.approx(shares["network"][2], abs=0.005)
    assert shares["recorded"][3] > shares["recorded"][2]


def test_z_lost_to_float32_rounding_gives_nan_and_final_logits_restore_it():
    betas = [1.0, 30.0]  # at beta 30, |beta z| > 9 for most entries: float32 h is exactly +-1
    snaps, zs = make_snapshots(betas, [1.0, 1.0])
    assert np.mean(np.abs(snaps[1]["outputs"]) == 1.0) > 0.5
    shares = plots.saturation_shares(snaps)
    assert np.isnan(shares["network"][1])
    assert np.isfinite(shares["beta_only"]).all()  # z_0 was recorded at beta 1: known
    exact = plots.saturation_shares(snaps, final_logits=zs[1])
    assert exact["network"][1] == share(zs[1], CUT)
    # a torch tensor is accepted too
    tensor = plots.saturation_shares(snaps, final_logits=torch.from_numpy(zs[1]))
    assert tensor["network"][1] == exact["network"][1]


def test_the_tolerance_decides_when_a_share_counts_as_known():
    snaps, _ = make_snapshots([1.0, 5.5], [1.0, 1.0])
    strict = plots.saturation_shares(snaps, tolerance=0.0)
    loose = plots.saturation_shares(snaps, tolerance=1.0)
    assert np.isnan(strict["network"][1]) and np.isfinite(loose["network"][1])
    default = plots.saturation_shares(snaps)
    explicit = plots.saturation_shares(snaps, tolerance=SHARE_TOLERANCE)
    np.testing.assert_array_equal(default["network"], explicit["network"])


def test_an_entry_rounded_to_one_only_bounds_z_from_below():
    # h = 1.0 exactly at beta 2: |z| >= atanh(1 - H_ULPS ulp) / 2, about 4: past 1.47 for sure
    snaps = [
        {"step": 0, "beta": 1.0, "outputs": np.full((4, 4), 0.5, np.float32)},
        {"step": 1, "beta": 2.0, "outputs": np.ones((4, 4), np.float32)},
    ]
    snaps = [{**s, "quantization_error": 0.1, "map": 0.5} for s in snaps]
    assert plots.saturation_shares(snaps)["network"][1] == 1.0
    floor = np.arctanh(1 - H_ULPS * np.spacing(np.float32(1))) / 2.0
    assert CUT < floor < 5


def test_a_different_threshold_moves_every_view():
    snaps, zs = make_snapshots([1.0, 2.0], [1.0, 1.2])
    shares = plots.saturation_shares(snaps, threshold=0.5)
    assert shares["recorded"][1] == share(snaps[1]["outputs"], 0.5)
    assert shares["network"][1] == pytest.approx(share(zs[1], np.arctanh(0.5)), abs=0.01)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"threshold": 1.5}, ValueError, "threshold"),
        ({"threshold": "0.9"}, TypeError, "threshold"),
        ({"tolerance": -0.1}, ValueError, "tolerance"),
        ({"final_logits": np.zeros((3, 3))}, ValueError, "shape"),
        ({"final_logits": "z"}, TypeError, "final_logits"),
    ],
)
def test_saturation_shares_rejects_bad_input(kwargs, error, match):
    snaps, _ = make_snapshots([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(error, match=match):
        plots.saturation_shares(snaps, **kwargs)


def test_final_logits_must_reproduce_the_last_snapshot():
    snaps, zs = make_snapshots([1.0, 2.0], [1.0, 1.5])
    with pytest.raises(ValueError, match="differs from the last snapshot"):
        plots.saturation_shares(snaps, final_logits=zs[0])  # the step-0 z, not the last one
    bad = zs[1].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        plots.saturation_shares(snaps, final_logits=bad)


def test_snapshots_must_hold_the_same_items_and_positive_betas():
    snaps, _ = make_snapshots([1.0, 2.0], [1.0, 1.0])
    snaps[1] = {**snaps[1], "outputs": snaps[1]["outputs"][:10]}
    with pytest.raises(ValueError, match="same items"):
        plots.saturation_shares(snaps)
    snaps, _ = make_snapshots([1.0, 2.0], [1.0, 1.0])
    snaps[1] = {**snaps[1], "beta": 0.0}
    with pytest.raises(ValueError, match="beta"):
        plots.saturation_shares(snaps)
    with pytest.raises(TypeError):
        plots.saturation_shares({"step": 0})


# --------------------------------------------------------------------------- pre_activations
def test_pre_activations_are_the_models_logits_for_tensor_and_loader_datasets():
    torch.manual_seed(0)
    model = build_model("convpool", 8, (1, 8, 8))
    images = torch.rand(600, 1, 8, 8)

    class InMemory:
        def __init__(self):
            self.images, self.labels = images, torch.zeros(600, 3)

        def __len__(self):
            return 600

        def __getitem__(self, i):
            return self.images[i], self.labels[i]

    with torch.no_grad():
        expected = model.logits(images[:550]).numpy()
    fast = plots.pre_activations(model, InMemory(), 550)
    loader = plots.pre_activations(
        model, torch.utils.data.TensorDataset(images, torch.zeros(600)), 550
    )
    assert fast.shape == (550, 8)
    np.testing.assert_allclose(fast, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loader, expected, rtol=1e-5, atol=1e-6)
    assert plots.pre_activations(model, InMemory()).shape == (600, 8)
    with pytest.raises(ValueError, match="dataset size"):
        plots.pre_activations(model, InMemory(), 601)
    with pytest.raises(TypeError, match="count"):
        plots.pre_activations(model, InMemory(), 2.0)
    with pytest.raises(TypeError, match="logits"):
        plots.pre_activations(object(), InMemory())
    with pytest.raises(TypeError, match="dataset"):
        plots.pre_activations(model, 5)


# ---------------------------------------------------------------------- plot_learning_vs_beta
def test_learning_vs_beta_draws_the_three_views_and_the_z_histograms():
    snaps, zs = make_snapshots([1.0, 2.0, 12.0, 14.0], [1.0, 1.4, 1.4, 1.3])
    fig = plots.plot_learning_vs_beta(snaps, final_logits=zs[-1])
    z_ax, share_ax = fig.axes
    shares = plots.saturation_shares(snaps, final_logits=zs[-1])
    for key, prefix in (
        ("recorded", "h = tanh"),
        ("network", "tanh(z)"),
        ("beta_only", "tanh(βz₀)"),
    ):
        (line,) = [ln for ln in share_ax.lines if ln.get_label().startswith(prefix)]
        np.testing.assert_array_equal(line.get_xdata(), shares["step"])
        np.testing.assert_array_equal(line.get_ydata(), shares[key])
    # the gap where z was lost to rounding is named
    assert np.isnan(shares["network"][2]) and np.isfinite(shares["network"][-1])
    assert any("float32" in text.get_text() for text in share_ax.texts)
    # the left panel: |z| at the start and the end, and the two bars an entry must pass
    labels = z_ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["step 0", "step 30"]
    cuts = [ln.get_xdata()[0] for ln in z_ax.lines]
    np.testing.assert_allclose(sorted(cuts), [CUT / 14.0, CUT])
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_learning_vs_beta_without_final_logits_is_one_panel():
    snaps, _ = make_snapshots([1.0, 2.0, 3.0], [1.0, 1.2, 1.2])
    fig = plots.plot_learning_vs_beta(snaps)
    assert len(fig.axes) == 1 and not fig.axes[0].texts  # no gap: nothing lost at beta <= 3
    with pytest.raises(ValueError):
        plots.plot_learning_vs_beta(snaps, threshold=0.0)


# ------------------------------------------------------------- sign approximation, schedule
def tick_labels(ax):
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_yticklabels() if t.get_text()]


def test_gradient_panel_is_log_scale_with_plain_labels():
    fig = plots.plot_sign_approximation([1, 2, 5, 10, 50])
    grad_ax = fig.axes[1]
    assert grad_ax.get_yscale() == "log"
    low, high = grad_ax.get_ylim()
    assert low == plots_training.GRADIENT_FLOOR and high >= 50
    labels = tick_labels(grad_ax)
    assert "0.001" in labels and "1" in labels and "10" in labels
    assert not any("×" in label or "^" in label or "10^" in label for label in labels)


def test_beta_schedule_figure_is_readable():
    schedule = BetaSchedule.compressed(800)
    fig = plots.plot_beta_schedule(schedule, [1, 3, 5, 7], 800)
    (ax,) = fig.axes
    assert ax.get_title() == "β schedule over a run of 800 iterations"
    labels = tick_labels(ax)
    assert {"1", "3", "5", "7"} <= set(labels)
    assert not any("×" in label for label in labels)
    assert ax.get_xlim()[0] < 0  # the marker of beta = 1, reached at t = 0, is not cut in half
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "β = 5: reached at t = 384" in legend and "β = 1: reached at t = 0" in legend
    size = FontProperties(size=ax.get_legend().get_texts()[0].get_fontsize()).get_size_in_points()
    assert size >= 10


@pytest.mark.parametrize(
    "args, error, name",
    [
        ((7.1, [1], 800), TypeError, "BetaSchedule"),
        ((BetaSchedule(), [], 800), ValueError, "betas"),
        ((BetaSchedule(), [1, -1], 800), ValueError, r"betas\[1\]"),
        ((BetaSchedule(), {"a": 1}, 800), TypeError, "betas"),
        ((BetaSchedule(), [1], 0), ValueError, "num_iterations"),
        ((BetaSchedule(), [1], 800.0), TypeError, "num_iterations"),
    ],
)
def test_beta_schedule_rejects_bad_input(args, error, name):
    with pytest.raises(error, match=name):
        plots.plot_beta_schedule(*args)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda s: plots.saturation_shares(s, threshold=True), TypeError, "threshold"),
        (lambda s: plots.saturation_shares(s, threshold=0.0), ValueError, "threshold"),
        (lambda s: plots.saturation_shares(s, tolerance="0"), TypeError, "tolerance"),
        (lambda s: plots.saturation_shares(s, final_logits=[["a"]]), TypeError, "final_logits"),
        (lambda s: plots.saturation_shares(s[0]), TypeError, "snapshots"),
        (lambda s: plots.saturation_shares([]), ValueError, "snapshots"),
        (lambda s: plots.plot_learning_vs_beta(s, threshold="0.9"), TypeError, "threshold"),
        (lambda s: plots.plot_learning_vs_beta(s, final_logits="z"), TypeError, "final_logits"),
    ],
)
def test_saturation_arguments_name_themselves(call, error, name):
    snaps, _ = make_snapshots([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(error, match=name):
        call(snaps)
