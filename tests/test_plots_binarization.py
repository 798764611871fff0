"""Tests of the three ways through sign(z) and CSQ's centre distances
(hashlib_edu.plots.binarization): the curves are the registry's binarizations differentiated by
autograd, equal to the closed forms, and drawn with the registry's colours and labelled axes."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from hashlib_edu import methods, plots  # noqa: E402
from hashlib_edu.methods import Binarization  # noqa: E402

Z = np.linspace(-3.0, 3.0, 61)


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "plots must close new figures in pyplot before returning"


def by_way(curves):
    return {(c.method, c.beta): c for c in curves}


# ------------------------------------------------------------------------ binarization_curves
def test_the_gradients_are_the_closed_forms():
    betas = (0.5, 2.0, 7.0)
    curves = plots.binarization_curves(Z, betas)
    assert [(c.method, c.way) for c in curves] == [("hashnet", "continuation")] * 3 + [
        ("greedyhash", "straight-through"),
        ("hashnet-sgn", "relaxation"),
    ]
    found = by_way(curves)
    for beta in betas:  # d/dz tanh(βz) = β sech²(βz)
        curve = found["hashnet", beta]
        np.testing.assert_allclose(curve.value, np.tanh(beta * Z), atol=1e-12)
        np.testing.assert_allclose(curve.gradient, beta / np.cosh(beta * Z) ** 2, atol=1e-12)
    straight = found["greedyhash", 1.0]  # sign(z) forward (sign(0) = +1), 1 backward
    np.testing.assert_array_equal(straight.value, np.where(Z >= 0, 1.0, -1.0))
    np.testing.assert_array_equal(straight.gradient, np.ones_like(Z))
    relaxed = found["hashnet-sgn", 1.0]  # tanh(z) at β = 1, as in training: 1 − tanh²(z)
    np.testing.assert_allclose(relaxed.gradient, 1.0 - np.tanh(Z) ** 2, atol=1e-12)
    np.testing.assert_array_equal(straight.z, Z)


def test_the_curves_are_the_registry_binarizations(monkeypatch):
    """Replace two methods' binarizations in the registry: the curves follow."""
    tripled = Binarization("straight-through", "b = 3z", lambda z, beta: 3.0 * z)
    scaled = Binarization("continuation", "h = βz²", lambda z, beta: beta * z**2, continuation=True)
    registry = methods.METHODS
    monkeypatch.setitem(
        registry, "greedyhash", dataclasses.replace(registry["greedyhash"], binarization=tripled)
    )
    monkeypatch.setitem(
        registry, "hashnet", dataclasses.replace(registry["hashnet"], binarization=scaled)
    )
    found = by_way(plots.binarization_curves(Z, (2.0, 5.0)))
    np.testing.assert_allclose(found["greedyhash", 1.0].gradient, np.full_like(Z, 3.0))
    for beta in (2.0, 5.0):
        np.testing.assert_allclose(found["hashnet", beta].value, beta * Z**2)
        np.testing.assert_allclose(found["hashnet", beta].gradient, 2 * beta * Z)


def test_a_method_without_continuation_is_evaluated_at_beta_one_only():
    curves = plots.binarization_curves(Z, (2.0, 7.0), methods=["csq", "dhn"])
    assert [(c.method, c.beta) for c in curves] == [("csq", 1.0), ("dhn", 1.0)]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"z": "abc"}, TypeError),
        ({"z": [[0.0, 1.0]]}, ValueError),
        ({"z": []}, ValueError),
        ({"z": [0.0, np.nan]}, ValueError),
        ({"betas": 0.0}, ValueError),
        ({"betas": True}, TypeError),
        ({"betas": []}, ValueError),
        ({"betas": [2.0, "7"]}, TypeError),
        ({"methods": "hashnet"}, TypeError),
        ({"methods": ["itq"]}, ValueError),
        ({"methods": ["hashnet-x"]}, ValueError),
        ({"methods": ["hashnet", "hashnet"]}, ValueError),
    ],
)
def test_curve_inputs_are_checked(kwargs, error):
    arguments = {"z": Z, **kwargs}
    with pytest.raises(error):
        plots.binarization_curves(**arguments)


# ------------------------------------------------------------------------ the gradient figure
def test_the_figure_shows_the_registry_curves_with_labels():
    fig = plots.plot_binarization_gradients(betas=(2.0, 7.0), z_range=(-3.0, 3.0))
    value_ax, grad_ax = fig.axes
    assert value_ax.get_xlabel() == grad_ax.get_xlabel() == "pre-activation z"
    assert value_ax.get_ylabel() == "what the loss sees"
    assert grad_ax.get_ylabel() == "gradient passed back to z (log scale)"
    assert grad_ax.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [
        "sign(z), for reference",
        "HashNet (continuation), β = 2",
        "HashNet (continuation), β = 7",
        "GreedyHash (straight-through)",
        "HashNet-sgn (relaxation)",
    ]
    lines = {line.get_label(): line for line in grad_ax.get_lines()}
    straight = lines["GreedyHash (straight-through)"]
    np.testing.assert_array_equal(straight.get_ydata(), 1.0)
    for label, key in (
        ("GreedyHash (straight-through)", "greedyhash"),
        ("HashNet-sgn (relaxation)", "hashnet-sgn"),
        ("HashNet (continuation), β = 7", "hashnet"),
    ):
        assert to_rgba(lines[label].get_color()) == to_rgba(plots.method_style(key)["color"])
    z, sign = value_ax.get_lines()[0].get_data()  # the reference, sign(0) = +1
    np.testing.assert_array_equal(sign, np.where(z >= 0, 1.0, -1.0))
    assert "sign(z) itself passes 0" in " ".join(t.get_text() for t in grad_ax.texts)


def test_the_figure_draws_on_given_axes_and_checks_its_arguments():
    fig, axes = plt.subplots(1, 2)
    try:
        assert plots.plot_binarization_gradients(betas=3.0, ax=list(axes)) is fig
        assert axes[0].get_legend() is not None and not fig.legends
        with pytest.raises(ValueError, match="2 Axes"):
            plots.plot_binarization_gradients(ax=[axes[0]])
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="z_range"):
        plots.plot_binarization_gradients(z_range=(1.0, -1.0))
    with pytest.raises(TypeError, match="num_points"):
        plots.plot_binarization_gradients(num_points=100.0)
    with pytest.raises(ValueError, match="betas"):
        plots.plot_binarization_gradients(betas=-1.0)


# ------------------------------------------------------------------------ hash centres
def test_centre_distances_hadamard_and_random():
    hadamard = plots.centre_distances(100, 64)
    assert hadamard.size == 100 * 99 // 2
    values, counts = np.unique(hadamard, return_counts=True)
    assert values.tolist() == [32, 64] and counts.tolist() == [4950 - 36, 36]  # row i and −row i
    random = plots.centre_distances(100, 16, seed=0)
    assert random.size == 4950 and (random % 2 == 0).all()  # balanced centres: even distances
    assert len(np.unique(random)) > 2 and random.min() < 8


def test_the_centre_figure_names_each_length_and_its_centres():
    fig = plots.plot_centre_distances(100, (16, 64))
    left, right = fig.axes
    assert left.get_title() == "K = 16 bits: random, balanced"
    assert right.get_title() == "K = 64 bits: Hadamard rows"
    for panel in (left, right):
        assert panel.get_xlabel() == "Hamming distance between two centres"
        assert panel.get_ylabel() == "share of class pairs"
        heights = [p.get_height() for p in panel.patches]
        assert sum(heights) == pytest.approx(1.0)
    assert "36 pairs 64 bits apart" in right.texts[0].get_text()
    assert "closest pair" in left.texts[0].get_text()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"num_classes": 1}, ValueError),
        ({"num_classes": True}, TypeError),
        ({"bits": 2.0}, TypeError),
        ({"bits": []}, ValueError),
        ({"bits": [16, 0]}, ValueError),
        ({"seed": -1}, ValueError),
    ],
)
def test_centre_inputs_are_checked(kwargs, error):
    with pytest.raises(error):
        plots.plot_centre_distances(**kwargs)
