"""Codes moving towards the corners of the cube during training, two coordinates at a time.

The continuation replay (:mod:`hashlib_edu.explorers.continuation`) in 2-D: the slider selects a
training snapshot and the explorer redraws :func:`hashlib_edu.plots.plot_code_motion` (a handful
of codes and the paths they took so far).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hashlib_edu.explorers.continuation import ContinuationReplay
from hashlib_edu.plots.motion import code_paths, corner_share, plot_code_motion
from hashlib_edu.plots.training import check_snapshots

__all__ = ["CodeMotion", "code_motion_explorer"]


class CodeMotion(ContinuationReplay):
    """The continuation replay in 2-D: a slider over the snapshots redrawing
    :func:`hashlib_edu.plots.plot_code_motion` (a handful of codes and their paths)."""

    def __init__(self, snapshots: list[Mapping[str, Any]], labels: Any, bits: Sequence[int]):
        drawn = code_paths(snapshots, labels, bits)  # validates before any widget exists
        self.labels, self.bits, self.paths = labels, drawn["bits"], drawn["paths"]
        super().__init__(snapshots)

    def draw(self) -> Figure:
        index = int(self.slider.value)
        return plot_code_motion(self.snapshots, self.labels, index, self.bits)

    def describe(self) -> str:
        s, index = self.current, int(self.slider.value)
        share = corner_share(self.paths[index])
        return (
            f"step <b>{int(s['step']):,}</b> · β = {float(s['beta']):.3g} · "
            f"<b>{share:.0%}</b> of these codes within 0.1 of a corner"
        )


def code_motion_explorer(
    snapshots: Sequence[Mapping[str, Any]], labels: Any, bits: Sequence[int] = (0, 1)
) -> CodeMotion:
    """A slider (and play button) over training snapshots showing two coordinates of a handful of
    codes moving towards the corners of the cube (:func:`hashlib_edu.plots.plot_code_motion`).
    ``labels``: the 0/1 labels of the snapshot's items (``data.database.labels[:n]``)."""
    return CodeMotion(check_snapshots(snapshots), labels, bits)
