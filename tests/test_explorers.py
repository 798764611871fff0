"""Tests of hashlib_edu.explorers without a browser: values, static figures, widgets, input errors."""

from __future__ import annotations

import math
from itertools import combinations, product

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from hashlib_edu import explorers, ties  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEEDS = (0, 1, 2, 3, 7, 123)


def direct_ap(relevant) -> float:
    """AP = (1/H) sum_k P@k rel_k, written out by hand (independent of the package)."""
    hits, total = 0, 0.0
    for k, rel in enumerate(relevant, start=1):
        if rel:
            hits += 1
            total += hits / k
    return total / hits


def visible_texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def assert_classroom_fonts(fig):
    fig.canvas.draw()  # tick labels exist only once drawn
    small = [(t.get_text(), t.get_fontsize()) for t in visible_texts(fig) if t.get_fontsize() < 11]
    assert not small, f"text below 11 pt: {small}"


# ------------------------------------------------------------------------------------ imbalance
def test_weights_at_one_percent_come_from_the_package_weights():
    v = explorers.imbalance_weights(0.01)
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
    v = explorers.imbalance_weights(share)
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


def test_imbalance_figure_shows_weights_and_loss_shares():
    before = plt.get_fignums()
    fig = explorers.plot_imbalance_weights(0.01)
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
    assert explorers.plot_imbalance_weights(0.2, ax=axes) is fig
    assert axes[0].get_title().startswith("at p = 20%")
    plt.close(fig)
    with pytest.raises(ValueError, match="2 matplotlib Axes"):
        explorers.plot_imbalance_weights(0.2, ax=[axes[0]])


def test_imbalance_explorer_slider_redraws():
    explorer = explorers.imbalance_explorer()
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
        (lambda: explorers.imbalance_weights(0.0), ValueError, r"similar_share must be in \(0, 1\)"),
        (lambda: explorers.imbalance_weights(1.0), ValueError, "similar_share"),
        (lambda: explorers.imbalance_weights(float("nan")), ValueError, "finite"),
        (lambda: explorers.imbalance_weights("1%"), TypeError, "must be a number"),
        (lambda: explorers.imbalance_weights(1e-6), ValueError, "raise num_pairs"),
        (lambda: explorers.imbalance_weights(0.1, num_pairs=1.5), TypeError, "num_pairs"),
        (lambda: explorers.plot_imbalance_weights(-0.5), ValueError, "similar_share"),
        (lambda: explorers.imbalance_explorer(0.7), ValueError, r"\[min_share, max_share\]"),
        (lambda: explorers.imbalance_explorer(min_share=0.3, max_share=0.2), ValueError,
         "max_share"),
        (lambda: explorers.imbalance_explorer(min_share=0), ValueError, "min_share"),
    ],
)  # fmt: skip
def test_imbalance_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------------------- ties
def test_tie_example_has_ties_with_relevant_and_irrelevant_items():
    ex = ties.tie_example()
    q, db = ex["query_codes"], ex["db_codes"]
    assert q.shape == (1, 4) and db.shape == (12, 4)
    np.testing.assert_array_equal(ex["distances"], (4 - db @ q[0]) // 2)
    np.testing.assert_array_equal(ex["relevant"], (ex["db_labels"] @ ex["query_labels"][0]) > 0)
    mixed = [
        d
        for d in np.unique(ex["distances"])
        if 0 < ex["relevant"][ex["distances"] == d].sum() < (ex["distances"] == d).sum()
    ]
    assert len(mixed) == 3


@pytest.mark.parametrize("order", [*ties.TIE_ORDERS, *SEEDS])
def test_displayed_ap_equals_a_direct_computation(order):
    r = ties.tie_ranking(order)
    ex = ties.tie_example()
    assert sorted(r["ids"]) == list(range(12))
    assert np.all(np.diff(r["distances"]) >= 0)  # ranked by Hamming distance
    np.testing.assert_array_equal(r["relevant"], ex["relevant"][r["ids"]])
    assert r["ap"] == pytest.approx(direct_ap(r["relevant"]), abs=1e-12)
    fig = ties.plot_tie_aps(order)
    (ap_ax,) = fig.axes
    assert ap_ax.patches[0].get_width() == pytest.approx(direct_ap(r["relevant"]))
    assert ap_ax.texts[0].get_text() == f"{direct_ap(r['relevant']):.3f}"
    assert ap_ax.get_title().endswith(f"= {direct_ap(r['relevant']):.3f}")
    plt.close(fig)


def test_named_orders_are_the_index_best_and_worst_conventions():
    first, index, last = (ties.tie_ranking(o) for o in ties.TIE_ORDERS)
    c = index["conventions"]
    distances = ties.tie_example()["distances"]
    np.testing.assert_array_equal(index["ids"], np.argsort(distances, kind="stable"))
    assert index["ap"] == pytest.approx(c["ties by index"])
    assert first["ap"] == pytest.approx(c["best tie order"])
    assert last["ap"] == pytest.approx(c["worst tie order"])
    for d in np.unique(first["distances"]):
        group = first["distances"] == d
        assert list(first["relevant"][group]) == sorted(first["relevant"][group], reverse=True)
        assert list(last["relevant"][group]) == sorted(last["relevant"][group])
    assert c["worst tie order"] < c["ties averaged (tie-aware)"] < c["best tie order"]


def test_seeds_permute_inside_tie_groups_only():
    index = ties.tie_ranking("index")
    rankings = {tuple(ties.tie_ranking(seed)["ids"]) for seed in SEEDS}
    assert len(rankings) > 3  # different seeds, different orders
    assert tuple(ties.tie_ranking(2)["ids"]) == tuple(ties.tie_ranking(2)["ids"])
    for ids in rankings:
        ranked_distances = ties.tie_example()["distances"][list(ids)]
        np.testing.assert_array_equal(ranked_distances, index["distances"])


def test_tie_aware_ap_is_the_mean_over_every_tie_order():
    ex = ties.tie_example()
    patterns = []
    for d in np.unique(ex["distances"]):
        group = ex["distances"] == d
        n, hits = int(group.sum()), int(ex["relevant"][group].sum())
        patterns.append(
            [[int(i in pick) for i in range(n)] for pick in combinations(range(n), hits)]
        )
    aps = [direct_ap([r for g in combo for r in g]) for combo in product(*patterns)]
    assert len(aps) == 1 * 6 * 4 * 3
    c = ties.tie_ranking()["conventions"]
    assert c["ties averaged (tie-aware)"] == pytest.approx(np.mean(aps))
    assert c["best tie order"] == pytest.approx(max(aps))
    assert c["worst tie order"] == pytest.approx(min(aps))
    seeded = [ties.tie_ranking(seed)["ap"] for seed in SEEDS]
    assert all(min(aps) - 1e-12 <= ap <= max(aps) + 1e-12 for ap in seeded)


def test_tie_explorer_draws_the_static_figures_marking_relevance_and_tie_groups():
    fig = explorers.tie_explorer(order="relevant last").figure  # plot_tie_list over plot_tie_aps
    list_ax, ap_ax = fig.axes
    r = ties.tie_ranking("relevant last")
    assert "rank k" in list_ax.get_xlabel() and "AP" in ap_ax.get_xlabel()
    labels = [t.get_text() for t in list_ax.get_yticklabels()]
    assert labels == ["database id", "relevant?", "code", "P@k"]
    cells = [p for p in list_ax.patches if isinstance(p, Rectangle) and p.get_fill()]
    outlines = [p for p in list_ax.patches if not p.get_fill()]
    assert len(cells) == 12 and len(outlines) == len(np.unique(r["distances"]))
    assert [bool(c.get_hatch()) for c in cells] == list(r["relevant"])
    symbols = [t.get_text() for t in list_ax.texts if t.get_text() in ("✓", "✗")]
    assert symbols == ["✓" if rel else "✗" for rel in r["relevant"]]
    assert [t.get_text() for t in ap_ax.get_yticklabels()][0] == "this order (relevant last)"
    assert "relevant last" in list_ax.get_title()
    assert "(1 + 1/2 + 3/5 + 4/9 + 5/12) / 5" in ap_ax.get_title()
    assert_classroom_fonts(fig)


def test_tie_explorer_dropdown_redraws():
    explorer = explorers.tie_explorer(num_random=2)
    dropdown = explorer.slider
    assert isinstance(dropdown, ipywidgets.Dropdown) and explorer.controls == {"order": dropdown}
    values = [value for _, value in dropdown.options]
    assert values == ["relevant first", "index", "relevant last", 0, 1]
    assert explorer.order == "index"
    before = explorer.png
    dropdown.value = "relevant last"
    worst = explorer.ranking["conventions"]["worst tie order"]
    assert explorer.ranking["ap"] == pytest.approx(worst)
    assert explorer.png != before and explorer.png.startswith(PNG_MAGIC)
    assert f"AP = <b>{worst:.3f}</b>" in explorer.info.value
    explorer.update(order=1)
    assert explorer.ranking["order"] == 1 and "random, seed 1" in explorer.info.value
    assert explorers.tie_explorer(order=9, num_random=2).slider.options[-1][1] == 9


@pytest.mark.parametrize(
    "order, error, match",
    [
        ("best", ValueError, "unknown order 'best'"),
        (1.5, TypeError, "integer seed"),
        (True, TypeError, "integer seed"),
        (None, TypeError, "integer seed"),
        (-1, ValueError, "order \\(a random seed\\) must be >= 0"),
    ],
)
def test_tie_order_rejects_bad_input(order, error, match):
    for call in (ties.tie_ranking, ties.plot_tie_list, ties.plot_tie_aps, explorers.tie_explorer):
        with pytest.raises(error, match=match):
            call(order)


def test_tie_explorer_rejects_bad_num_random():
    with pytest.raises(ValueError, match="num_random"):
        explorers.tie_explorer(num_random=-1)
