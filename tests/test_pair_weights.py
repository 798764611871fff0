"""HashNet's pair weights (hashlib_edu.pair_weights) and the imbalance explorer, headless."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hashlib_edu.explorers import imbalance_explorer  # noqa: E402
from hashlib_edu.pair_weights import imbalance_weights, plot_imbalance_weights  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_weights_at_one_percent_come_from_the_package_weights():
    v = imbalance_weights(0.01)
    assert v["num_similar"] == 1000 and v["share"] == 0.01
    assert v["w_similar"] == pytest.approx(100.0)
    assert v["w_dissimilar"] == pytest.approx(1 / 0.99)
    assert v["pair_loss"] == pytest.approx(math.log(2))  # the loss of any pair at h = 0
    assert v["unweighted_similar"] == pytest.approx(0.01)
    assert v["unweighted_dissimilar"] == pytest.approx(0.99)
    assert v["weighted_similar"] == pytest.approx(0.5)
    assert v["weighted_dissimilar"] == pytest.approx(0.5)


@pytest.mark.parametrize("share", [0.001, 0.037, 0.25, 0.5, 0.9])
def test_weights_follow_eqs_3_4_for_any_share(share):
    v = imbalance_weights(share)
    p = v["num_similar"] / v["num_pairs"]
    assert v["share"] == pytest.approx(share, rel=1e-3)
    assert v["w_similar"] == pytest.approx(1 / p)
    assert v["w_dissimilar"] == pytest.approx(1 / (1 - p))
    # each kind carries |S| of the weight: |S1| w1 = |S0| w0
    assert v["num_similar"] * v["w_similar"] == pytest.approx(
        (v["num_pairs"] - v["num_similar"]) * v["w_dissimilar"]
    )
    assert v["unweighted_similar"] == pytest.approx(p)
    assert v["weighted_similar"] == pytest.approx(0.5)


def test_imbalance_figure_shows_weights_and_loss_shares(assert_classroom_fonts):
    before = plt.get_fignums()
    fig = plot_imbalance_weights(0.01)
    assert plt.get_fignums() == before  # closed in pyplot, shown once by the notebook
    w_ax, bar_ax = fig.axes[:2]
    assert w_ax.get_xscale() == "log" and w_ax.get_yscale() == "log"
    assert "share of similar pairs" in w_ax.get_xlabel() and "weight" in w_ax.get_ylabel()
    assert "%" in bar_ax.get_ylabel()
    curves = {line.get_label(): line for line in w_ax.lines if len(line.get_xdata()) > 1}
    similar = curves["similar pairs: w = |S|/|S1|"]
    dissimilar = curves["dissimilar pairs: w = |S|/|S0|"]
    np.testing.assert_allclose(similar.get_ydata(), 1 / similar.get_xdata())
    np.testing.assert_allclose(dissimilar.get_ydata(), 1 / (1 - dissimilar.get_xdata()))
    markers = sorted(
        (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for line in w_ax.lines
        if len(line.get_xdata()) == 1
    )
    np.testing.assert_allclose(markers, [(0.01, 1 / 0.99), (0.01, 100.0)])
    assert "w = 100 (similar), 1.01 (dissimilar)" in w_ax.get_title()
    heights = [patch.get_height() for patch in bar_ax.patches]
    assert heights == pytest.approx([1.0, 50.0, 99.0, 50.0])  # similar, then dissimilar bars
    assert {"1%", "50%", "99%"} <= {t.get_text() for t in bar_ax.texts}
    hatches = [patch.get_hatch() for patch in bar_ax.patches]
    assert hatches[:2] == ["//", "//"] and hatches[2:] == [None, None]  # not colour alone
    assert_classroom_fonts(fig)


def test_imbalance_figure_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert plot_imbalance_weights(0.2, ax=axes) is fig
    assert axes[0].get_title().startswith("at p = 20%")
    plt.close(fig)
    with pytest.raises(ValueError, match="ax must hold 2 Axes"):
        plot_imbalance_weights(0.2, ax=[axes[0]])


def test_imbalance_explorer_slider_redraws():
    explorer = imbalance_explorer()
    slider = explorer.slider
    assert isinstance(slider, ipywidgets.FloatLogSlider) and explorer.controls == {"share": slider}
    assert slider.base**slider.min == pytest.approx(0.001)
    assert slider.base**slider.max == pytest.approx(0.5)
    assert explorer.values["w_similar"] == pytest.approx(100)
    assert "carry <b>1%</b>" in explorer.info.value
    before = explorer.png
    assert before.startswith(PNG_MAGIC)
    slider.value = 0.1
    assert explorer.png != before and explorer.png.startswith(PNG_MAGIC)
    assert explorer.values["w_similar"] == pytest.approx(10)
    assert explorer.values["w_dissimilar"] == pytest.approx(1 / 0.9)
    assert "p = 10%" in explorer.info.value and "carry <b>10%</b>" in explorer.info.value
    assert explorer.figure.axes[1].patches[0].get_height() == pytest.approx(10)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: imbalance_weights(0.0), ValueError, r"similar_share must be in \(0, 1\)"),
        (lambda: imbalance_weights(1.0), ValueError, "similar_share"),
        (lambda: imbalance_weights(float("nan")), ValueError, "finite"),
        (lambda: imbalance_weights("1%"), TypeError, "must be a number"),
        (lambda: imbalance_weights(1e-6), ValueError, "raise num_pairs"),
        (lambda: imbalance_weights(0.1, num_pairs=1.5), TypeError, "num_pairs"),
        (lambda: plot_imbalance_weights(-0.5), ValueError, "similar_share"),
        (lambda: imbalance_explorer(0.7), ValueError, r"\[min_share, max_share\]"),
        (lambda: imbalance_explorer(min_share=0.3, max_share=0.2), ValueError,
         "max_share"),
        (lambda: imbalance_explorer(min_share=0), ValueError, "min_share"),
    ],
)  # fmt: skip
def test_imbalance_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
