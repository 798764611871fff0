"""Ties in Hamming ranking: one small example, its rankings under each tie order, and its figures.

K-bit codes have only K + 1 distances, so a Hamming ranking has groups of tied items and the
order inside a group changes AP = (1/H) sum_k P@k rel_k. :func:`tie_example` is one 4-bit query
and 12 database items; :func:`tie_ranking` ranks them with a chosen order inside the ties ("relevant
first", the database index order, "relevant last" or a random order) and gives the AP of that
order beside the conventions that do not depend on it (:func:`hashlib_edu.conventions.
map_conventions`: index order, the tie-aware AP of McSherry & Najork, ECIR 2008, the best and the
worst order). :func:`plot_tie_list` and :func:`plot_tie_aps` draw them in projector-sized fonts;
:func:`hashlib_edu.explorers.tie_explorer` redraws the same two figures from a dropdown.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hashlib_edu import plots
from hashlib_edu._validation import check_choice, check_int
from hashlib_edu.conventions import map_conventions
from hashlib_edu.metrics import mean_average_precision
from hashlib_edu.plots.style import axes_or_new, styled

__all__ = ["TIE_ORDERS", "plot_tie_aps", "plot_tie_list", "tie_example", "tie_ranking"]

RELEVANT_FILL, IRRELEVANT_FILL = plots.RELEVANT_COLOR, "0.88"
CHOSEN_COLOR, OTHER_COLOR = plots.PALETTE[1], "0.6"
#: Font sizes (points) of the ranked list; the figure is about 10 inches wide, so they stay
#: above 12 pt when a slide shrinks it to 80 %.
ID_SIZE, MARK_SIZE, CODE_SIZE, TEXT_SIZE = 15, 24, 17, 15

#: Named tie orders of :func:`tie_ranking`; an integer seed >= 0 gives a random order instead.
TIE_ORDERS = ("relevant first", "index", "relevant last")
#: (Hamming distance to the query, relevant?) of the 12 database items of the example, by index.
_TIE_ITEMS = (
    (2, 0),
    (1, 0),
    (3, 1),
    (1, 1),
    (2, 1),
    (0, 1),
    (2, 0),
    (1, 0),
    (3, 0),
    (2, 0),
    (1, 1),
    (3, 0),
)
_QUERY = (1, -1, 1, 1)
_RANKING_KEYS = ("query_codes", "db_codes", "query_labels", "db_labels")


def tie_example() -> dict[str, np.ndarray]:
    """The fixed example: one 4-bit query (class A) and 12 database items, 5 relevant (class A).

    Distances 0, 1, 2, 3 hold 1, 4, 4 and 3 items, so three tie groups contain both relevant and
    irrelevant items. Returns {"query_codes" (1, 4), "db_codes" (12, 4), "query_labels" (1, 3),
    "db_labels" (12, 3), "distances" (12,), "relevant" (12,) bool}.
    """
    query = np.array(_QUERY, dtype=np.int64)
    flips = {d: list(combinations(range(4), d)) for d in range(5)}
    codes, labels = [], []
    for i, (d, rel) in enumerate(_TIE_ITEMS):
        code = query.copy()
        code[list(flips[d][i % len(flips[d])])] *= -1
        codes.append(code)
        labels.append(0 if rel else 1 + i % 2)  # class A (relevant), else B or C
    return {
        "query_codes": query[None, :],
        "db_codes": np.array(codes),
        "query_labels": np.eye(3, dtype=np.int64)[[0]],
        "db_labels": np.eye(3, dtype=np.int64)[labels],
        "distances": np.array([d for d, _ in _TIE_ITEMS]),
        "relevant": np.array([bool(r) for _, r in _TIE_ITEMS]),
    }


def check_tie_order(order: Any) -> str | int:
    """`order` checked: a name of :data:`TIE_ORDERS` or an integer seed >= 0."""
    if isinstance(order, str):
        return check_choice(order, "order", TIE_ORDERS)
    if isinstance(order, int | np.integer) and not isinstance(order, bool):
        return check_int(order, "order (a random seed)", minimum=0)
    raise TypeError(
        f"order must be one of {list(TIE_ORDERS)} or an integer seed >= 0 for a random tie "
        f"order, got {type(order).__name__} {order!r}"
    )


def tie_ranking(order: str | int = "index") -> dict[str, Any]:
    """Rank :func:`tie_example` by Hamming distance with ``order`` inside each tie group.

    ``order``: "relevant first", "index" (ascending database index, a stable sort), "relevant
    last", or an integer seed (a uniformly random permutation of each group, numpy's
    ``default_rng(seed)``). AP over all R = 12 ranks, AP = (1/H) sum_k P@k rel_k:

    * ``"ap"``: this order, computed by :func:`hashlib_edu.metrics.mean_average_precision`
      (``ties="index"``) on the database permuted into this order;
    * ``"conventions"``: :func:`hashlib_edu.conventions.map_conventions` of the example (index
      order, tie-aware = expected AP over random tie orders, best and worst tie order);
    * ``"ids"``, ``"distances"``, ``"relevant"``: the ranked list; ``"precision"``: P@k at each
      rank as a Fraction (AP is their mean over the relevant ranks); ``"order"``.
    """
    order = check_tie_order(order)
    ex = tie_example()
    relevant, distances = ex["relevant"], ex["distances"]
    rng = np.random.default_rng(order) if isinstance(order, int) else None
    ranked: list[int] = []
    for d in np.unique(distances):
        group = np.flatnonzero(distances == d)  # ascending database index
        if order == "relevant first":
            group = group[np.argsort(~relevant[group], kind="stable")]
        elif order == "relevant last":
            group = group[np.argsort(relevant[group], kind="stable")]
        elif rng is not None:
            group = rng.permutation(group)
        ranked.extend(int(i) for i in group)
    ids = np.array(ranked)
    args = (ex["query_codes"], ex["db_codes"][ids], ex["query_labels"], ex["db_labels"][ids])
    hits = np.cumsum(relevant[ids])
    return {
        "order": order,
        "ids": ids,
        "distances": distances[ids],
        "relevant": relevant[ids],
        "precision": [Fraction(int(h), k) for k, h in enumerate(hits, start=1)],
        "ap": mean_average_precision(*args, ties="index", backend="numpy"),
        "conventions": map_conventions(*(ex[key] for key in _RANKING_KEYS), backend="numpy"),
    }


def order_name(order: str | int) -> str:
    """How figures and explorers name a tie order ("database index order", "random, seed 3")."""
    if isinstance(order, int):
        return f"random, seed {order}"
    return {"index": "database index order"}.get(order, order)


def _fraction_text(value: Any) -> str:
    return f"{value.numerator}/{value.denominator}" if value.denominator > 1 else "1"


def _code_text(code: np.ndarray) -> str:
    return "".join("+" if bit > 0 else "−" for bit in code)


def _draw_item(ax: Axes, k: int, item: int, relevant: bool, code: str) -> None:
    fill = RELEVANT_FILL if relevant else IRRELEVANT_FILL
    ax.add_patch(
        Rectangle((k - 0.44, 1.55), 0.88, 0.9, fc=fill, lw=0, hatch="//" if relevant else None)
    )
    box = {"boxstyle": "round,pad=0.1", "fc": fill, "ec": "none"}  # the mark stays readable
    ax.text(
        k,
        2.0,
        "✓" if relevant else "✗",
        ha="center",
        va="center",
        fontsize=MARK_SIZE,
        fontweight="bold",
        color="white" if relevant else "0.15",
        bbox=box,
    )
    ax.text(k, 3.0, f"#{item}", ha="center", va="center", fontsize=ID_SIZE)
    ax.text(k, 1.0, code, ha="center", va="center", fontsize=CODE_SIZE, family="DejaVu Sans Mono")


@styled
def plot_tie_list(order: str | int = "index", ax: Axes | None = None) -> Figure:
    """The ranked list of :func:`tie_example` with `order` in the ties.

    One column per rank k = 1..12: the database id, a ✓ (relevant: blue, hatched) or ✗ (grey),
    the item's 4-bit code in black on white, and under each relevant rank its P@k, so the AP
    (1/H) sum_k P@k rel_k is the mean of the printed fractions. Tie groups (items at the same
    Hamming distance d) are outlined and labelled with d, their size and relevant count.
    ``order``: as :func:`tie_ranking` ("relevant first", "index",
    "relevant last" or an integer seed); ``ax``: optional Axes to draw on.
    """
    r = tie_ranking(order)  # validates order
    ex = tie_example()
    fig, ax = axes_or_new(ax, (11.0, 4.7))
    n = len(r["ids"])
    for k, (item, rel) in enumerate(zip(r["ids"], r["relevant"], strict=True)):
        _draw_item(ax, k, int(item), bool(rel), _code_text(ex["db_codes"][item]))
        if rel:
            ax.text(
                k,
                0.0,
                _fraction_text(r["precision"][k]),
                ha="center",
                va="center",
                fontsize=TEXT_SIZE,
            )
    for d in np.unique(r["distances"]):
        at = np.flatnonzero(r["distances"] == d)
        lo, hi = at[0] - 0.5, at[-1] + 0.5
        ax.add_patch(Rectangle((lo + 0.03, 0.5), hi - lo - 0.06, 3.0, fill=False, ec="0.1", lw=2.5))
        hits = int(r["relevant"][at].sum())
        label = f"d = {d}" if len(at) == 1 else f"d = {d}\n{len(at)} tied, {hits} ✓"
        ax.text((lo + hi) / 2, 3.95, label, ha="center", va="center", fontsize=TEXT_SIZE - 1)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-0.45, 4.45)
    ax.set_xticks(range(n), [str(k) for k in range(1, n + 1)])
    ax.set_yticks([3.0, 2.0, 1.0, 0.0], ["database id", "relevant?", "code", "P@k"])
    ax.tick_params(length=0, labelsize=TEXT_SIZE - 1)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("rank k  (outlined: a tie group, the items at Hamming distance d)")
    query = _code_text(ex["query_codes"][0])
    ax.set_title(f"query {query}; ties: {order_name(r['order'])}", fontsize=TEXT_SIZE + 1)
    return fig


@styled
def plot_tie_aps(order: str | int = "index", ax: Axes | None = None) -> Figure:
    """AP of the tie example with `order` inside the ties, beside the conventions that do not
    depend on it: the database index order, the tie-aware AP (the expectation over uniformly
    random tie orders, McSherry & Najork, ECIR 2008), and the best and worst tie order. The
    title spells out this order's AP as the mean of its P@k at the relevant ranks.
    ``order`` and ``ax`` as in :func:`plot_tie_list`.
    """
    r = tie_ranking(order)
    c = r["conventions"]
    fig, ax = axes_or_new(ax, (10.5, 3.7))
    rows = [
        (f"this order ({order_name(r['order'])})", r["ap"], CHOSEN_COLOR),
        ("database index order", c["ties by index"], OTHER_COLOR),
        ("tie-aware (expected)", c["ties averaged (tie-aware)"], OTHER_COLOR),
        ("best: relevant first", c["best tie order"], OTHER_COLOR),
        ("worst: relevant last", c["worst tie order"], OTHER_COLOR),
    ]
    names, aps, colors = zip(*rows, strict=True)
    y = np.arange(len(rows))
    bars = ax.barh(y, aps, color=colors, edgecolor="0.2", height=0.7)
    bars[0].set_hatch("..")
    ax.bar_label(bars, [f"{v:.3f}" for v in aps], padding=4, fontsize=TEXT_SIZE)
    ax.set_yticks(y, names)
    ax.tick_params(labelsize=TEXT_SIZE - 1)
    ax.invert_yaxis()
    terms = [_fraction_text(p) for p, rel in zip(r["precision"], r["relevant"]) if rel]
    title = f"this order: AP = ({' + '.join(terms)}) / {len(terms)} = {r['ap']:.3f}"
    plots.finish_axes(
        ax, "AP of the query (R = 12, the whole database)", "", title, legend=None, xlim=(0, 1.1)
    )
    return fig
