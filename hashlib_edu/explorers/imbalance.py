"""HashNet's weights for imbalanced similarity as the share of similar pairs moves.

Weighted maximum likelihood (Cao et al., HashNet, ICCV 2017, Sec. 3.2, eqs. 3-4): w_ij =
|S|/|S_1| for similar and |S|/|S_0| for dissimilar pairs. A log-scale slider sets the share
p = |S_1|/|S| and redraws :func:`hashlib_edu.pair_weights.plot_imbalance_weights` (the static
figure).
"""

from __future__ import annotations

import math

import ipywidgets as widgets
from matplotlib.figure import Figure

from hashlib_edu._validation import check_float, check_fraction
from hashlib_edu.explorers._base import Explorer
from hashlib_edu.pair_weights import imbalance_weights, percent, plot_imbalance_weights

__all__ = ["ImbalanceExplorer", "imbalance_explorer"]


class ImbalanceExplorer(Explorer):
    """A log-scale slider for the share of similar pairs, redrawing
    :func:`hashlib_edu.pair_weights.plot_imbalance_weights`."""

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
            f"<b>p = {percent(v['share'])}</b> similar pairs: w = {v['w_similar']:.3g} (similar), "
            f"{v['w_dissimilar']:.3g} (dissimilar). Unweighted, similar pairs carry "
            f"<b>{percent(v['unweighted_similar'])}</b> of the loss; weighted, "
            f"<b>{percent(v['weighted_similar'])}</b>."
        )


def imbalance_explorer(
    similar_share: float = 0.01, min_share: float = 0.001, max_share: float = 0.5
) -> ImbalanceExplorer:
    """Explore HashNet's weights w = |S|/|S_1|, |S|/|S_0| (ICCV 2017, eqs. 3-4) as p varies.

    A log-scale slider sets p = |S_1|/|S| in [``min_share``, ``max_share``] (default 0.1% to 50%)
    and redraws :func:`hashlib_edu.pair_weights.plot_imbalance_weights`; ``.values`` holds
    :func:`hashlib_edu.pair_weights.imbalance_weights` at p.
    """
    min_share = check_fraction(min_share, "min_share")
    max_share = check_float(max_share, "max_share", min_share, 1.0, open_low=True, open_high=True)
    share = check_float(similar_share, "similar_share (in [min_share, max_share])", min_share,
                        max_share)  # fmt: skip
    return ImbalanceExplorer(share, min_share, max_share)
