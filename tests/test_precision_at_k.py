"""Tests of plots.plot_precision_at_k: each method in its own colour, marker and display name,
whatever the order of the dict; other labels in the palette; the plotted data; input validation
(headless, Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from hashlib_edu import plots  # noqa: E402
from hashlib_edu.config import METHOD_NAMES  # noqa: E402
from hashlib_edu.plots import plot_precision_at_k  # noqa: E402

KS, AT_K = np.array([1, 10, 100]), np.array([0.9, 0.8, 0.6])


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "plots must close new figures in pyplot before returning"


def lines_by_label(fig):
    return {line.get_label(): line for line in fig.axes[0].lines}


@pytest.mark.parametrize("order", [("hashnet", "dhn", "itq"), ("itq", "dhn", "hashnet")])
def test_each_method_styled_by_its_key_not_by_the_order(order):
    curves = {m: (KS, AT_K * (i + 1) / 3) for i, m in enumerate(order)}
    fig = plot_precision_at_k(curves)
    lines = lines_by_label(fig)
    assert set(lines) == {METHOD_NAMES[m] for m in order}
    for i, method in enumerate(order):
        line, style = lines[METHOD_NAMES[method]], plots.method_style(method)
        assert to_rgba(line.get_color()) == to_rgba(style["color"])
        assert line.get_marker() == style["marker"]
        np.testing.assert_array_equal(line.get_xdata(), KS)
        np.testing.assert_allclose(line.get_ydata(), AT_K * (i + 1) / 3)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "precision@N" and ax.get_legend() is not None


def test_other_labels_take_the_palette_as_given():
    fig = plot_precision_at_k({"my hash": (KS, AT_K), "HashNet": (KS, AT_K)})
    lines = lines_by_label(fig)
    assert list(lines) == ["my hash", "HashNet"]  # not a key of the suite: shown as given
    assert to_rgba(lines["my hash"].get_color()) == to_rgba(plots.PALETTE[0])


def test_the_suite_variant_is_labelled_by_its_display_name():
    fig = plot_precision_at_k({"hashnet-rank-h": (KS, AT_K)})
    assert list(lines_by_label(fig)) == ["HashNet ranked by h"]


def test_log_scale_with_plain_numbers_on_request():
    fig = plot_precision_at_k({"lsh": (KS, AT_K)}, xscale="log")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel()
    fig.canvas.draw()
    shown = {t.get_text() for t in ax.get_xticklabels()}
    assert {"1", "10", "100"} <= shown  # plain numbers, not powers of ten
    linear = plot_precision_at_k({"lsh": (KS, AT_K)}, xscale="linear")
    assert linear.axes[0].get_xscale() == "linear"
    assert "log" not in linear.axes[0].get_xlabel()


def test_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    plt.close(fig)
    assert plot_precision_at_k({"dhn": (KS, AT_K)}, ax=ax, title="t") is fig
    assert ax.get_title() == "t" and len(ax.lines) == 1


@pytest.mark.parametrize(
    "curves, error, match",
    [
        ({}, ValueError, "empty"),
        ([("hashnet", (KS, AT_K))], TypeError, "dict"),
        ({"hashnet": (KS, AT_K[:2])}, ValueError, "equal length"),
        ({"hashnet": (KS, [0.5, 1.5, 0.2])}, ValueError, r"\[0, 1\]"),
        ({"hashnet": ([0, 10, 100], AT_K)}, ValueError, ">= 1"),
        ({"hashnet": (KS, ["a", "b", "c"])}, TypeError, "numeric"),
    ],
)
def test_reject_bad_curves(curves, error, match):
    with pytest.raises(error, match=match):
        plot_precision_at_k(curves)


def test_reject_bad_ax_and_scale():
    with pytest.raises(TypeError, match="Axes"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, ax="left")
    with pytest.raises(ValueError, match="xscale"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, xscale="symlog")
    with pytest.raises(TypeError, match="xscale"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, xscale=10)
