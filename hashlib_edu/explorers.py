"""Two explorers that make the papers' arguments hands-on: imbalance weights and tie orders.

As in :mod:`hashlib_edu.widgets`, a static figure function (for a static render, tested
headless) and an :class:`~hashlib_edu.widgets.Explorer` whose control redraws that same figure.

* **Imbalance** (HashNet, Cao et al., ICCV 2017, Sec. 3.2, weighted maximum likelihood, eqs. 3-4):
  with S all pairs, S_1 the similar and S_0 the dissimilar ones, the weights are
  w_ij = |S|/|S_1| (s_ij = 1) and |S|/|S_0| (s_ij = 0). :func:`imbalance_weights`,
  :func:`plot_imbalance_weights`, :func:`imbalance_explorer`.
* **Ties** (mAP conventions): K-bit codes have K + 1 distances, so Hamming ranking has ties and
  the order inside a tie group changes AP. :func:`tie_explorer` redraws the two figures of
  :mod:`hashlib_edu.ties` (:func:`~hashlib_edu.ties.plot_tie_list` above
  :func:`~hashlib_edu.ties.plot_tie_aps`) for the order a dropdown chooses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu import plots
from hashlib_edu._validation import check_float, check_fraction, check_int
from hashlib_edu.losses import pairwise_cross_entropy, similarity_weights
from hashlib_edu.plots.style import new_figure, styled
from hashlib_edu.ties import check_tie_order, order_name, plot_tie_aps, plot_tie_list, tie_ranking
from hashlib_edu.widgets import Explorer

__all__ = [
    "ImbalanceExplorer",
    "TieExplorer",
    "imbalance_explorer",
    "imbalance_weights",
    "plot_imbalance_weights",
    "tie_explorer",
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


class TieExplorer(Explorer):
    """A dropdown choosing the order inside tie groups, redrawing the ranked list
    (:func:`~hashlib_edu.ties.plot_tie_list`) above its AP (:func:`~hashlib_edu.ties.plot_tie_aps`)."""

    def __init__(self, order: str | int, seeds: Sequence[int]) -> None:
        options: list[tuple[str, str | int]] = [
            ("relevant first (best)", "relevant first"),
            ("database index order", "index"),
            ("relevant last (worst)", "relevant last"),
        ]
        options += [(f"random order, seed {s}", s) for s in seeds]
        layout = widgets.Layout(width="360px")
        dropdown = widgets.Dropdown(
            options=options, value=order, description="tie order", layout=layout
        )
        self.ranking: dict[str, Any] = {}
        super().__init__({"order": dropdown}, main="order")

    @property
    def order(self) -> str | int:
        return self.slider.value

    def draw(self) -> Figure:
        self.ranking = tie_ranking(self.order)
        with mpl.rc_context(plots.style_rc()):  # the axes are made in the package style too
            fig, (list_ax, ap_ax) = new_figure(2, 1, (11.0, 8.4), height_ratios=[4.7, 3.7])
        plot_tie_list(self.order, ax=list_ax)
        plot_tie_aps(self.order, ax=ap_ax)
        return fig

    def describe(self) -> str:
        r, c = self.ranking, self.ranking["conventions"]
        return (
            f"<b>{order_name(r['order'])}</b>: AP = <b>{r['ap']:.3f}</b>; tie-aware "
            f"{c['ties averaged (tie-aware)']:.3f}, best {c['best tie order']:.3f}, worst "
            f"{c['worst tie order']:.3f}, index order {c['ties by index']:.3f}."
        )


def tie_explorer(order: str | int = "index", num_random: int = 4) -> TieExplorer:
    """Choose the order inside the tie groups of :func:`tie_example` and see AP change.

    The dropdown offers "relevant first", "index", "relevant last" and random orders with seeds
    0 .. ``num_random`` - 1 (plus ``order`` if it is another seed); it redraws
    :func:`~hashlib_edu.ties.plot_tie_list` and :func:`~hashlib_edu.ties.plot_tie_aps` (the static
    figures beside it). ``.ranking`` holds :func:`~hashlib_edu.ties.tie_ranking` of the order.
    """
    order = check_tie_order(order)
    num_random = check_int(num_random, "num_random", minimum=0)
    seeds = list(range(num_random))
    if isinstance(order, int) and order not in seeds:
        seeds.append(order)
    return TieExplorer(order, seeds)
