"""Ties in Hamming ranking (hashlib_edu.ties) and the tie explorer, headless: rankings, APs
checked against a direct computation, the static figures and the dropdown."""

from __future__ import annotations

from itertools import combinations, product

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from hashlib_edu import ties  # noqa: E402
from hashlib_edu.explorers import tie_explorer  # noqa: E402

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


def test_tie_explorer_draws_the_static_figures_marking_relevance_and_tie_groups(
    assert_classroom_fonts,
):
    fig = tie_explorer(order="relevant last").figure  # plot_tie_list over plot_tie_aps
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
    explorer = tie_explorer(num_random=2)
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
    assert tie_explorer(order=9, num_random=2).slider.options[-1][1] == 9


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
    for call in (ties.tie_ranking, ties.plot_tie_list, ties.plot_tie_aps, tie_explorer):
        with pytest.raises(error, match=match):
            call(order)


def test_tie_explorer_rejects_bad_num_random():
    with pytest.raises(ValueError, match="num_random"):
        tie_explorer(num_random=-1)
