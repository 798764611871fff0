"""HashNet's pair weights for imbalanced similarity, and who carries the loss: values and figure.

Weighted maximum likelihood (Cao et al., HashNet, ICCV 2017, Sec. 3.2, eqs. 3-4): with S all
pairs, S_1 the similar and S_0 the dissimilar ones, the weights are w_ij = |S|/|S_1| (s_ij = 1)
and |S|/|S_0| (s_ij = 0). :func:`imbalance_weights` computes them (and the loss shares) through
:mod:`hashlib_edu.losses`; :func:`plot_imbalance_weights` draws them, and
:func:`hashlib_edu.explorers.imbalance_explorer` redraws the same figure from a slider.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu._validation import check_fraction, check_int
from hashlib_edu.losses import pairwise_cross_entropy, similarity_weights
from hashlib_edu.plots.style import PALETTE, finish_axes, panels_or_new, styled

__all__ = ["imbalance_weights", "percent", "plot_imbalance_weights"]

SIMILAR_COLOR, DISSIMILAR_COLOR = PALETTE[0], PALETTE[1]  # blue / orange


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


def percent(value: float) -> str:
    """A share in [0, 1] as a percentage with 3 significant digits (0.01 -> "1%")."""
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
    fig, (w_ax, bar_ax) = panels_or_new(ax, 2, (12.5, 4.8), width_ratios=[1.25, 1])
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
    title = f"at p = {percent(p)}: w = {weights[0]} (similar), {weights[1]} (dissimilar)"
    finish_axes(w_ax, "share of similar pairs p = |S1|/|S| (log scale)",
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
        bar_ax.bar_label(bars, [percent(s) for s in shares], padding=3, fontsize=12)
    bar_ax.set_xticks(x, ["unweighted\n(HashNet-W)", "weighted\n(HashNet)"])
    finish_axes(bar_ax, "", "share of the total loss (%)",
                "who carries the loss (log 2 per pair, h = 0)", ylim=(0, 125),
                legend=None)  # fmt: skip
    bar_ax.legend(loc="upper center", ncols=2, fontsize="small")
    return fig
