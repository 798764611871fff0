"""Ties in Hamming ranking: choose the order inside the tie groups and see AP change.

K-bit codes have only K + 1 distances, so a Hamming ranking has groups of tied items and the
order inside a group changes AP. A dropdown chooses the order for the example of
:mod:`hashlib_edu.ties` and the explorer redraws its two static figures,
:func:`~hashlib_edu.ties.plot_tie_list` above :func:`~hashlib_edu.ties.plot_tie_aps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
from matplotlib.figure import Figure

from hashlib_edu._validation import check_int
from hashlib_edu.explorers._base import Explorer
from hashlib_edu.plots.style import new_figure, style_rc
from hashlib_edu.ties import check_tie_order, order_name, plot_tie_aps, plot_tie_list, tie_ranking

__all__ = ["TieExplorer", "tie_explorer"]


class TieExplorer(Explorer):
    """A dropdown choosing the order inside tie groups, redrawing the ranked list
    (:func:`~hashlib_edu.ties.plot_tie_list`) above its AP
    (:func:`~hashlib_edu.ties.plot_tie_aps`)."""

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
        with mpl.rc_context(style_rc()):  # the axes are made in the package style too
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
    """Choose the order inside the tie groups of :func:`hashlib_edu.ties.tie_example` and see AP
    change.

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
