"""Two explorers that make the papers' arguments hands-on: imbalance weights and tie orders.

As in :mod:`hashlib_edu.widgets`, a static figure function (for a static render, tested
headless) and an :class:`~hashlib_edu.widgets.Explorer` whose control redraws that same figure.

* **Imbalance** (HashNet, Cao et al., ICCV 2017, Sec. 3.2, weighted maximum likelihood, eqs. 3-4):
  with S all pairs, S_1 the similar and S_0 the dissimilar ones, the weights are
  w_ij = |S|/|S_1| (s_ij = 1) and |S|/|S_0| (s_ij = 0). :func:`imbalance_weights`,
  :func:`plot_imbalance_weights`, :func:`imbalance_explorer`.
* **Ties** (mAP conventions): K-bit codes have K + 1 distances, so Hamming ranking has ties and
  the order inside a tie group changes AP. :func:`tie_ranking`, :func:`plot_tie_orders`,
  :func:`tie_explorer`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hashlib_edu import plots
from hashlib_edu._validation import check_choice, check_float, check_fraction, check_int
from hashlib_edu.conventions import map_conventions
from hashlib_edu.losses import pairwise_cross_entropy, similarity_weights
from hashlib_edu.metrics import mean_average_precision
from hashlib_edu.plots.style import new_figure, styled
from hashlib_edu.widgets import Explorer

__all__ = [
    "TIE_ORDERS",
    "ImbalanceExplorer",
    "TieExplorer",
    "imbalance_explorer",
    "imbalance_weights",
    "plot_imbalance_weights",
    "plot_tie_orders",
    "tie_example",
    "tie_explorer",
    "tie_ranking",
]

SIMILAR_COLOR, DISSIMILAR_COLOR = plots.PALETTE[0], plots.PALETTE[1]  # blue / orange
RELEVANT_FILL, IRRELEVANT_FILL = plots.PALETTE[0], "0.88"  # blue / light grey: safe in greyscale
CHOSEN_COLOR, OTHER_COLOR = plots.PALETTE[1], "0.6"


def _two_axes(
    ax: Sequence[Axes] | None, nrows: int, ncols: int, figsize: tuple[float, float], **subplots: Any
) -> tuple[Figure, list[Axes]]:
    """The figure and the 2 Axes to draw on: ``ax``, or a new figure (:func:`plots.style.new_figure`)."""
    if ax is None:
        fig, axes = new_figure(nrows, ncols, figsize, **subplots)
        return fig, list(axes)
    axes = [ax] if isinstance(ax, Axes) else list(ax)
    if len(axes) != 2 or not all(isinstance(a, Axes) for a in axes):
        raise ValueError("ax must be None or a sequence of 2 matplotlib Axes (one per panel)")
    return axes[0].figure, axes


# ------------------------------------------------------------------------------------------------
# Imbalance: HashNet's weights
# ------------------------------------------------------------------------------------------------
def imbalance_weights(similar_share: float, num_pairs: int = 100_000) -> dict[str, float]:
    """HashNet's weights and the share of the loss each kind of pair carries, for a share p.

    A similarity vector of ``num_pairs`` pairs with round(p * num_pairs) similar ones goes through
    :func:`hashlib_edu.losses.similarity_weights` (Cao et al., ICCV 2017, eqs. 3-4):
    w = |S|/|S_1| = 1/p for similar and |S|/|S_0| = 1/(1 - p) for dissimilar pairs. The per-pair
    loss is :func:`hashlib_edu.losses.pairwise_cross_entropy` at the saddle h = 0, where
    log(1 + e^0) - s * 0 = log 2 for *every* pair, so the loss shares are the pair counts:
    unweighted p and 1 - p, weighted |S_1| w_1 = |S_0| w_0 = |S|, i.e. 1/2 each.

    Returns {"share" (the share used, count / num_pairs), "num_pairs", "num_similar",
    "w_similar", "w_dissimilar", "pair_loss", "unweighted_similar", "unweighted_dissimilar",
    "weighted_similar", "weighted_dissimilar"} (loss shares in [0, 1]).
    """
    share = check_fraction(similar_share, "similar_share")
    num_pairs = check_int(num_pairs, "num_pairs", minimum=2)
    n_similar = round(share * num_pairs)
    if not 0 < n_similar < num_pairs:
        raise ValueError(
            f"similar_share {share:g} gives {n_similar} of {num_pairs} similar pairs; raise "
            f"num_pairs to at least {math.ceil(2 / min(share, 1 - share))}"
        )
    similarity = (torch.arange(num_pairs) < n_similar).double()[:, None]  # |S| pairs, s = 1 first
    weights = similarity_weights(similarity)
    h = torch.zeros(num_pairs, 1, dtype=torch.float64)  # every code at the saddle h = 0

    def loss(w: torch.Tensor | None, kind: torch.Tensor) -> float:  # summed over one kind
        return float(pairwise_cross_entropy(h, h[:1], similarity, weights=w, reduction="sum",
                                            mask=kind))  # fmt: skip

    out = {"share": n_similar / num_pairs, "num_pairs": num_pairs, "num_similar": n_similar,
           "w_similar": float(weights[0, 0]), "w_dissimilar": float(weights[-1, 0]),
           "pair_loss": loss(None, similarity >= 0) / num_pairs}  # fmt: skip
    for name, w in (("unweighted", None), ("weighted", weights)):
        similar, dissimilar = loss(w, similarity > 0), loss(w, similarity == 0)
        out[f"{name}_similar"] = similar / (similar + dissimilar)
        out[f"{name}_dissimilar"] = dissimilar / (similar + dissimilar)
    return out


def _weight_text(w: float) -> str:
    return f"{w:,.0f}" if w >= 100 else f"{w:.4g}"


def _percent(value: float) -> str:
    return f"{100 * value:.3g}%"


@styled
def plot_imbalance_weights(
    similar_share: float, ax: Sequence[Axes] | None = None, num_pairs: int = 100_000
) -> Figure:
    """HashNet's weights w_ij and who carries the loss, at a share p = |S_1|/|S| of similar pairs.

    Weighted maximum likelihood (Cao et al., HashNet, ICCV 2017, Sec. 3.2, eqs. 3-4):
    w_ij = |S|/|S_1| = 1/p if s_ij = 1 and |S|/|S_0| = 1/(1 - p) if s_ij = 0. Left: both weights
    against p (log axes), marked at ``similar_share``. Right: the share of the total loss carried
    by similar / dissimilar pairs, unweighted (HashNet-W) and weighted (HashNet), at the stated
    per-pair loss log 2 (the saddle h = 0); values from :func:`imbalance_weights`.

    ``ax``: optional pair of Axes. Lines are labelled "similar pairs: w = |S|/|S1|" and
    "dissimilar pairs: w = |S|/|S0|"; the bars carry their percentage as text.
    """
    values = imbalance_weights(similar_share, num_pairs)
    p = values["share"]
    fig, (w_ax, bar_ax) = _two_axes(ax, 1, 2, (12.5, 4.8), width_ratios=[1.25, 1])
    grid = np.geomspace(min(1e-3, p), max(0.5, p), 200)
    for kind, curve, count, color, ls, marker, dy in (
        ("similar", 1 / grid, "|S1|", SIMILAR_COLOR, "-", "o", 6),
        ("dissimilar", 1 / (1 - grid), "|S0|", DISSIMILAR_COLOR, "--", "s", -6),
    ):
        w, label = values[f"w_{kind}"], f"{kind} pairs: w = |S|/{count}"
        w_ax.plot(grid, curve, color=color, ls=ls, lw=2.5, label=label)
        w_ax.plot([p], [w], marker=marker, color=color, ms=10 + dy / 3, mec="k", ls="none")
        if p <= 0.2:  # room on the right of the marker
            text = {"fontsize": 12, "color": color, "fontweight": "bold"}
            w_ax.annotate(f"w = {_weight_text(w)}", (p, w), xytext=(10, dy), **text,
                          textcoords="offset points", va="bottom" if dy > 0 else "top")  # fmt: skip
    w_ax.axvline(p, color="0.3", lw=1, ls=":")
    weights = [_weight_text(values[f"w_{kind}"]) for kind in ("similar", "dissimilar")]
    title = f"at p = {_percent(p)}: w = {weights[0]} (similar), {weights[1]} (dissimilar)"
    plots.finish_axes(w_ax, "share of similar pairs p = |S1|/|S| (log scale)",
                      "weight $w_{ij}$ (log scale)", title, xscale="log", yscale="log",
                      xlim=(grid[0] / 1.3, grid[-1] * 1.5), ylim=(0.45, 1.6 / grid[0]),
                      legend="upper right")  # fmt: skip
    # balanced single-label data with C classes has p = 1/C (after the scale is set)
    classes = [c for c in (1000, 100, 10, 2) if grid[0] <= 1 / c <= grid[-1]]
    top = w_ax.secondary_xaxis("top")
    top.set_xticks([1 / c for c in classes], [f"{c} classes" for c in classes])
    top.minorticks_off()
    top.tick_params(labelsize=11, labelcolor="0.35")
    x = np.arange(2)
    for offset, kind, color, hatch in ((-0.2, "similar", SIMILAR_COLOR, "//"),
                                       (0.2, "dissimilar", DISSIMILAR_COLOR, None)):  # fmt: skip
        shares = [values[f"unweighted_{kind}"], values[f"weighted_{kind}"]]
        bars = bar_ax.bar(x + offset, 100 * np.array(shares), width=0.38, color=color,
                          hatch=hatch, edgecolor="0.2", label=f"{kind} pairs")  # fmt: skip
        bar_ax.bar_label(bars, [_percent(s) for s in shares], padding=3, fontsize=12)
    bar_ax.set_xticks(x, ["unweighted\n(HashNet-W)", "weighted\n(HashNet)"])
    plots.finish_axes(bar_ax, "", "share of the total loss (%)",
                      "who carries the loss (log 2 per pair, h = 0)", ylim=(0, 125),
                      legend=None)  # fmt: skip
    bar_ax.legend(loc="upper center", ncols=2, fontsize="small")
    return fig


class ImbalanceExplorer(Explorer):
    """A log-scale slider for the share of similar pairs, redrawing :func:`plot_imbalance_weights`."""

    def __init__(self, similar_share: float, min_share: float, max_share: float) -> None:
        slider = widgets.FloatLogSlider(
            value=similar_share, base=10, min=math.log10(min_share), max=math.log10(max_share),
            step=0.05, description="similar pairs p", readout_format=".2%",
            continuous_update=False, style={"description_width": "initial"},
            layout=widgets.Layout(width="520px"),
        )  # fmt: skip
        self.values: dict[str, float] = {}
        super().__init__({"share": slider}, main="share")

    @property
    def share(self) -> float:
        return float(self.slider.value)

    def draw(self) -> Figure:
        self.values = imbalance_weights(self.share)
        return plot_imbalance_weights(self.share)

    def describe(self) -> str:
        v = self.values
        return (
            f"<b>p = {_percent(v['share'])}</b> similar pairs: w = {v['w_similar']:.3g} (similar), "
            f"{v['w_dissimilar']:.3g} (dissimilar). Unweighted, similar pairs carry "
            f"<b>{_percent(v['unweighted_similar'])}</b> of the loss; weighted, "
            f"<b>{_percent(v['weighted_similar'])}</b>."
        )


def imbalance_explorer(
    similar_share: float = 0.01, min_share: float = 0.001, max_share: float = 0.5
) -> ImbalanceExplorer:
    """Explore HashNet's weights w = |S|/|S_1|, |S|/|S_0| (ICCV 2017, eqs. 3-4) as p varies.

    A log-scale slider sets p = |S_1|/|S| in [``min_share``, ``max_share``] (default 0.1% to 50%)
    and redraws :func:`plot_imbalance_weights`; ``.values`` holds :func:`imbalance_weights` at p.
    """
    min_share = check_fraction(min_share, "min_share")
    max_share = check_float(max_share, "max_share", min_share, 1.0, open_low=True, open_high=True)
    share = check_float(similar_share, "similar_share (in [min_share, max_share])", min_share,
                        max_share)  # fmt: skip
    return ImbalanceExplorer(share, min_share, max_share)


# ------------------------------------------------------------------------------------------------
# Ties: the order inside groups of equal Hamming distance
# ------------------------------------------------------------------------------------------------
#: Named tie orders of :func:`tie_ranking`; an integer seed >= 0 gives a random order instead.
TIE_ORDERS = ("relevant first", "index", "relevant last")
#: (Hamming distance to the query, relevant?) of the 12 database items of the example, by index.
_TIE_ITEMS = ((2, 0), (1, 0), (3, 1), (1, 1), (2, 1), (0, 1), (2, 0), (1, 0), (3, 0), (2, 0),
              (1, 1), (3, 0))  # fmt: skip
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


def _check_order(order: Any) -> str | int:
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
    order = _check_order(order)
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


def _order_name(order: str | int) -> str:
    if isinstance(order, int):
        return f"random, seed {order}"
    return {"index": "database index order"}.get(order, order)


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}" if value.denominator > 1 else "1"


def _code_text(code: np.ndarray) -> str:
    return "".join("+" if bit > 0 else "−" for bit in code)


def _draw_ranked_list(ax: Axes, r: dict[str, Any], db_codes: np.ndarray) -> None:
    n = len(r["ids"])
    for k, (i, rel) in enumerate(zip(r["ids"], r["relevant"], strict=True)):
        fill = RELEVANT_FILL if rel else IRRELEVANT_FILL
        ax.add_patch(Rectangle((k - 0.45, 0), 0.9, 1, fc=fill, hatch="//" if rel else None, lw=0))
        box = {"boxstyle": "round,pad=0.15", "fc": fill, "ec": "none"}  # text readable on hatch
        text = {"ha": "center", "va": "center", "fontsize": 12, "bbox": box}
        text["color"] = "white" if rel else "0.15"
        ax.text(k, 0.8, f"#{i}", **text)
        ax.text(k, 0.47, "✓" if rel else "✗", **{**text, "fontsize": 22, "fontweight": "bold"})
        ax.text(k, 0.15, _code_text(db_codes[i]), family="DejaVu Sans Mono", **text)
        if rel:
            ax.text(k, -0.3, _fraction_text(r["precision"][k]), ha="center", va="center")
    for d in np.unique(r["distances"]):
        at = np.flatnonzero(r["distances"] == d)
        lo, hi = at[0] - 0.5, at[-1] + 0.5
        ax.add_patch(
            Rectangle((lo + 0.02, -0.07), hi - lo - 0.04, 1.14, fill=False, edgecolor="0.1", lw=2.5)
        )
        hits = int(r["relevant"][at].sum())
        label = f"d = {d}" if len(at) < 3 else f"d = {d}: {len(at)} tied, {hits} relevant"
        ax.text((lo + hi) / 2, 1.25, label, ha="center", va="center", fontsize=12)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-0.5, 1.45)
    ax.set_xticks(range(n), [str(k) for k in range(1, n + 1)])
    ax.set_yticks([0.5, -0.3], ["item", "P@k"])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("rank k (outlined: a tie group, items at the same Hamming distance d)")


@styled
def plot_tie_orders(order: str | int = "index", ax: Sequence[Axes] | None = None) -> Figure:
    """The ranked list of :func:`tie_example` with ``order`` inside the ties, and its AP.

    Top: ranks 1..12 as cells, relevant items blue, hatched and ✓, irrelevant grey and ✗, each
    with its database id and code; tie groups outlined; under each relevant rank its P@k, so
    AP = (1/H) sum_k P@k rel_k is the mean of the printed fractions. Bottom: AP of this order
    against the index order, the tie-aware AP (McSherry & Najork, ECIR 2008: the expectation
    over uniformly random tie orders) and the best / worst order (relevant first / last), all
    from :func:`tie_ranking`. ``order``: see :func:`tie_ranking`. ``ax``: optional pair of Axes.
    """
    r = tie_ranking(order)
    c = r["conventions"]
    ex = tie_example()
    fig, (list_ax, ap_ax) = _two_axes(ax, 2, 1, (12.5, 6.6), height_ratios=[1.35, 1])
    if ax is None:
        fig.get_layout_engine().set(hspace=0.06)
    _draw_ranked_list(list_ax, r, ex["db_codes"])
    list_ax.set_title(
        f"query {_code_text(ex['query_codes'][0])}, {len(r['ids'])} database items, "
        f"{int(r['relevant'].sum())} relevant; ties: {_order_name(r['order'])}"
    )
    rows = [
        (f"this order ({_order_name(r['order'])})", r["ap"], CHOSEN_COLOR),
        ("database index order", c["ties by index"], OTHER_COLOR),
        ("tie-aware (expected)", c["ties averaged (tie-aware)"], OTHER_COLOR),
        ("best: relevant first", c["best tie order"], OTHER_COLOR),
        ("worst: relevant last", c["worst tie order"], OTHER_COLOR),
    ]
    y = np.arange(len(rows))
    names, aps, colors = zip(*rows, strict=True)
    bars = ap_ax.barh(y, aps, color=colors, edgecolor="0.2", height=0.7)
    bars[0].set_hatch("..")
    ap_ax.bar_label(bars, [f"{v:.3f}" for v in aps], padding=4, fontsize=12)
    ap_ax.set_yticks(y, names)
    ap_ax.invert_yaxis()
    terms = [_fraction_text(pk) for pk, rel in zip(r["precision"], r["relevant"]) if rel]
    title = f"this order: AP = ({' + '.join(terms)}) / {len(terms)} = {r['ap']:.3f}"
    plots.finish_axes(ap_ax, "AP of the query (R = 12, the whole database)", "", title,
                      legend=None, xlim=(0, 1.08))  # fmt: skip
    return fig


class TieExplorer(Explorer):
    """A dropdown choosing the order inside tie groups, redrawing :func:`plot_tie_orders`."""

    def __init__(self, order: str | int, seeds: Sequence[int]) -> None:
        options: list[tuple[str, str | int]] = [
            ("relevant first (best)", "relevant first"),
            ("database index order", "index"),
            ("relevant last (worst)", "relevant last"),
        ]
        options += [(f"random order, seed {s}", s) for s in seeds]
        layout = widgets.Layout(width="360px")
        dropdown = widgets.Dropdown(options=options, value=order, description="tie order",
                                    layout=layout)  # fmt: skip
        self.ranking: dict[str, Any] = {}
        super().__init__({"order": dropdown}, main="order")

    @property
    def order(self) -> str | int:
        return self.slider.value

    def draw(self) -> Figure:
        self.ranking = tie_ranking(self.order)
        return plot_tie_orders(self.order)

    def describe(self) -> str:
        r, c = self.ranking, self.ranking["conventions"]
        return (
            f"<b>{_order_name(r['order'])}</b>: AP = <b>{r['ap']:.3f}</b>; tie-aware "
            f"{c['ties averaged (tie-aware)']:.3f}, best {c['best tie order']:.3f}, worst "
            f"{c['worst tie order']:.3f}, index order {c['ties by index']:.3f}."
        )


def tie_explorer(order: str | int = "index", num_random: int = 4) -> TieExplorer:
    """Choose the order inside the tie groups of :func:`tie_example` and see AP change.

    The dropdown offers "relevant first", "index", "relevant last" and random orders with seeds
    0 .. ``num_random`` - 1 (plus ``order`` if it is another seed); it redraws
    :func:`plot_tie_orders`. ``.ranking`` holds :func:`tie_ranking` of the current order.
    """
    order = _check_order(order)
    num_random = check_int(num_random, "num_random", minimum=0)
    seeds = list(range(num_random))
    if isinstance(order, int) and order not in seeds:
        seeds.append(order)
    return TieExplorer(order, seeds)
