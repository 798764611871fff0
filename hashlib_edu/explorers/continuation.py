"""Replay HashNet's continuation: a slider (and play button) over training snapshots.

Each snapshot is one moment of training (:class:`hashlib_edu.training.Snapshot`); the explorer
redraws :func:`hashlib_edu.plots.plot_continuation_snapshot` (histogram of h, quantization error
and mAP up to that step) for the snapshot the slider selects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from hashlib_edu.explorers._base import Explorer
from hashlib_edu.plots.training import check_snapshots, plot_continuation_snapshot

__all__ = ["ContinuationReplay", "continuation_replay"]


class ContinuationReplay(Explorer):
    """A slider (and play button) over training snapshots, redrawing
    :func:`hashlib_edu.plots.plot_continuation_snapshot`."""

    def __init__(self, snapshots: list[Mapping[str, Any]]) -> None:
        self.snapshots = snapshots
        slider = widgets.IntSlider(
            value=0,
            min=0,
            max=len(snapshots) - 1,
            description="snapshot",
            continuous_update=False,
            layout=widgets.Layout(width="480px"),
        )
        self.play = widgets.Play(value=0, min=0, max=len(snapshots) - 1, interval=700)
        widgets.jslink((self.play, "value"), (slider, "value"))
        super().__init__({"snapshot": slider}, main="snapshot")

    def _control_row(self) -> list[widgets.Widget]:
        return [self.play, *self.controls.values()]

    @property
    def current(self) -> Mapping[str, Any]:
        """The snapshot shown now."""
        return self.snapshots[int(self.slider.value)]

    def draw(self) -> Figure:
        return plot_continuation_snapshot(self.snapshots, int(self.slider.value))

    def describe(self) -> str:
        s = self.current
        return (
            f"step <b>{int(s['step']):,}</b> · β = {float(s['beta']):.3g} · "
            f"quantization error <b>{float(s['quantization_error']):.4f}</b> · "
            f"mAP <b>{float(s['map']):.4f}</b>"
        )


def continuation_replay(snapshots: Sequence[Mapping[str, Any]]) -> ContinuationReplay:
    """Replay training: histogram of h, quantization error and mAP at each snapshot.

    ``snapshots``: non-empty list of dicts {"step": int, "beta": float, "outputs": (n, K) float
    continuous codes h in [-1, 1], "quantization_error": float, "map": float}, as recorded by
    :func:`hashlib_edu.training.train_hashing_model`. Returns a :class:`ContinuationReplay`;
    ``.slider`` selects the snapshot, ``.info`` shows its step, beta, quantization error and mAP.
    """
    return ContinuationReplay(check_snapshots(snapshots))
