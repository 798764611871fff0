"""The figure of the imbalance x training-length sweep (:mod:`hashlib_edu.sweep`): what HashNet's
two ideas, the weights |S|/|S1|, |S|/|S0| and the continuation tanh(βz) → sign(z), buy as similar
pairs get rarer and training gets longer (Cao et al., HashNet, ICCV 2017)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu._validation import check_float, check_records
from hashlib_edu.plots.style import PALETTE, panels_or_new, styled

__all__ = ["SWEEP_KEYS", "plot_imbalance_sweep"]

#: The keys of a sweep summary row that :func:`plot_imbalance_sweep` reads.
SWEEP_KEYS = (
    "dataset",
    "similar_fraction",
    "iterations",
    "method",
    "map_expected_mean",
    "map_expected_sd",
)
#: The two panels: the method HashNet is compared with, and what the difference buys.
_PANELS = (("hashnet-w", "weighting"), ("hashnet-sgn", "continuation"))


def _check_rows(rows: Any) -> list[Mapping[str, Any]]:
    rows = check_records(rows, "rows", SWEEP_KEYS, fix="pass the 'rows' of hashlib_edu.sweep")
    for i, row in enumerate(rows):
        check_float(row["similar_fraction"], f"rows[{i}]['similar_fraction']", 0.0, 1.0)
        check_float(row["map_expected_mean"], f"rows[{i}]['map_expected_mean']", 0.0, 1.0)
        check_float(row["map_expected_sd"], f"rows[{i}]['map_expected_sd']", 0.0)
    return rows


def _gaps(table: dict, datasets: list, iterations: int, other: str) -> tuple[list, list, list]:
    """x (similar-pair share), mAP gap HashNet − `other` and its error bar, per dataset where
    both were run at `iterations`."""
    x, gap, err = [], [], []
    for fraction, name in datasets:
        a, b = table.get((name, iterations, "hashnet")), table.get((name, iterations, other))
        if a is None or b is None:
            continue
        x.append(fraction)
        gap.append(a["map_expected_mean"] - b["map_expected_mean"])
        err.append(float(np.hypot(a["map_expected_sd"], b["map_expected_sd"])))
    return x, gap, err


def _draw_panel(panel: Axes, table: dict, datasets: list, lengths: list, other: str) -> None:
    for n, iterations in enumerate(lengths):
        x, gap, err = _gaps(table, datasets, iterations, other)
        style = {"marker": "os^"[n % 3], "lw": 2, "ms": 7, "capsize": 3, "color": PALETTE[n]}
        panel.errorbar(x, gap, yerr=err, label=f"{iterations} iterations", **style)
    panel.axhline(0.0, color="0.3", lw=1)
    panel.set_xscale("log")
    panel.set_xticks([f for f, _ in datasets], [f"{name}\n{100 * f:.1f}%" for f, name in datasets])
    panel.minorticks_off()
    panel.set_xlabel("dataset and share of similar pairs (log scale)")


@styled
def plot_imbalance_sweep(rows: Sequence[Mapping[str, Any]], ax: Any = None) -> Figure:
    """What HashNet's two ideas buy as similar pairs get rarer and training gets longer.

    ``rows`` are summary rows of `hashlib_edu.sweep` (``dataset``, ``similar_fraction``,
    ``iterations``, ``method``, ``map_expected_mean``, ``map_expected_sd``). Left: the tie-aware
    mAP gap HashNet − HashNet-W (the weights |S|/|S1|, |S|/|S0|); right: HashNet − HashNet-sgn
    (continuation); one line per training length, x = share of similar pairs (log scale), error
    bars sqrt(sd_a^2 + sd_b^2) over the seeds. ``ax``: None or two Axes to draw on.
    """
    rows = _check_rows(rows)
    fig, axes = panels_or_new(ax, 2, (11.5, 4.2), sharey=True)
    table = {(r["dataset"], r["iterations"], r["method"]): r for r in rows}
    lengths = sorted({r["iterations"] for r in rows})
    datasets = sorted({(r["similar_fraction"], r["dataset"]) for r in rows})
    for panel, (other, what) in zip(axes, _PANELS, strict=True):
        _draw_panel(panel, table, datasets, lengths, other)
        panel.set_title(f"what {what} buys: HashNet − {other.replace('hashnet', 'HashNet')}")
    axes[0].set_ylabel("mAP gap (tie-aware)")
    axes[0].legend(loc="best", fontsize="small")
    return fig
