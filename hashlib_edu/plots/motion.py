"""Codes moving towards the corners of the cube during training (the continuation, in 2-D).

A K-bit continuous code h lives in the cube [-1, 1]^K; its binary code sign(h) is the nearest
corner. :func:`plot_code_motion` shows two of the K coordinates of a handful of database items at
one training snapshot, with each item's path since step 0, so that one static figure shows where
the codes went; :func:`hashlib_edu.explorers.code_motion_explorer` moves the same figure along the
snapshots with a slider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hashlib_edu._validation import (
    as_float_array,
    as_labels,
    check_float,
    check_index,
    check_int,
    check_positive_int,
    check_sequence,
)
from hashlib_edu.plots.style import PALETTE, finish_axes, new_figure, styled
from hashlib_edu.plots.training import check_snapshots

__all__ = ["code_paths", "corner_share", "plot_code_motion"]


def _check_bits(bits: Any, num_bits: int) -> tuple[int, int]:
    what = "two integers (the coordinates to draw)"
    pair = check_sequence(bits, "bits", what, min_length=2)
    if len(pair) != 2:
        raise ValueError(f"bits must be {what}, got {len(pair)} of them: {bits!r}")
    a, b = (check_int(v, f"bits[{i}]", 0, num_bits - 1) for i, v in enumerate(pair))
    if a == b:
        raise ValueError(f"bits must be two different coordinates in [0, {num_bits}), got {bits}")
    return a, b


def code_paths(
    snapshots: Sequence[Mapping[str, Any]],
    labels: Any,
    bits: Sequence[int] = (0, 1),
    classes: int = 4,
    per_class: int = 6,
) -> dict[str, np.ndarray]:
    """The paths to draw: ``{"paths": (snapshots, items, 2) coordinates `bits` of h, "classes":
    (items,) class of each item, "bits": the two coordinates, "steps" and "betas": (snapshots,)}``,
    for the first `per_class` items of each of the `classes` most frequent classes among the
    snapshot's items (``labels``: their 0/1 label rows, in order)."""
    snapshots = check_snapshots(snapshots)
    outputs = [np.asarray(s["outputs"], dtype=float) for s in snapshots]
    labels = as_labels(labels, len(outputs[0]), "labels", "snapshot outputs")
    a, b = _check_bits(bits, outputs[0].shape[1])
    classes = check_positive_int(classes, "classes")
    per_class = check_positive_int(per_class, "per_class")
    first = labels.argmax(1)
    counts = np.bincount(first)
    chosen = np.argsort(-counts, kind="stable")[:classes]
    rows = np.concatenate([np.flatnonzero(first == c)[:per_class] for c in chosen])
    paths = np.stack([h[rows][:, [a, b]] for h in outputs])
    return {
        "paths": paths,
        "classes": first[rows],
        "bits": (a, b),
        "steps": np.array([int(s["step"]) for s in snapshots]),
        "betas": np.array([float(s["beta"]) for s in snapshots]),
    }


def corner_share(points: np.ndarray, within: float = 0.1) -> float:
    """Share of the points (..., 2) whose both drawn coordinates are within `within` of ±1."""
    points = as_float_array(points, "points")
    if points.ndim < 1 or points.shape[-1] != 2 or points.size == 0:
        raise ValueError(f"points must be a non-empty array (..., 2), got shape {points.shape}")
    within = check_float(within, "within", 0.0)
    return float(np.mean(np.all(np.abs(np.abs(points) - 1) <= within, axis=-1)))


@styled
def plot_code_motion(
    snapshots: Sequence[Mapping[str, Any]],
    labels: Any,
    index: int = -1,
    bits: Sequence[int] = (0, 1),
    classes: int = 4,
    per_class: int = 6,
) -> Figure:
    """Two coordinates of h for a handful of items at ``snapshots[index]`` (large dots, one colour
    per class) and their paths since step 0 (thin lines), inside the square [-1, 1]^2 whose four
    corners are the binary codes. ``labels``: the 0/1 labels of the snapshot's items (the first
    items of the database: ``data.database.labels[:n]``)."""
    drawn = code_paths(snapshots, labels, bits, classes, per_class)
    count = len(drawn["steps"])
    stop = check_index(index, "index", count, "snapshots") % count
    paths, item_classes = drawn["paths"][: stop + 1], drawn["classes"]
    fig, ax = new_figure(1, 1, (7.6, 6.0))
    ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color="0.3", lw=1.5)
    ax.plot([-1, -1, 1, 1], [-1, 1, -1, 1], "s", ms=14, color="0.75", zorder=1)
    for k, c in enumerate(dict.fromkeys(item_classes.tolist())):
        mine = item_classes == c
        color = PALETTE[k % len(PALETTE)]
        for i in np.flatnonzero(mine):
            ax.plot(paths[:, i, 0], paths[:, i, 1], color=color, lw=1, alpha=0.5)
        ax.plot(*paths[-1, mine].T, "o", ms=9, color=color, mec="white", label=f"class {c}")
    share = corner_share(paths[-1])
    title = (
        f"step {drawn['steps'][stop]:,}, β = {drawn['betas'][stop]:.3g}: "
        f"{share:.0%} of these codes at a corner"
    )
    a, b = drawn["bits"]
    limits = (-1.15, 1.15)
    finish_axes(ax, f"h[{a}]", f"h[{b}]", title, xlim=limits, ylim=limits, legend=None)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    ax.set_aspect("equal")
    return fig
