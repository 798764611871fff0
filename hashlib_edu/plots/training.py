"""Figures of training: tanh(βz) → sign(z), DHN's quantization loss, training curves, histograms of
the continuous codes and the continuation replay (the imbalance sweep is in
:mod:`hashlib_edu.plots.imbalance`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from hashlib_edu._validation import (
    as_float_array,
    check_ax,
    check_float,
    check_index,
    check_instance,
    check_int,
    check_mapping,
    check_positive_int,
    check_range,
    check_records,
    check_sequence,
    check_str,
)
from hashlib_edu.codes import binarize
from hashlib_edu.continuation import BetaSchedule, scaled_tanh_grad
from hashlib_edu.plots.style import (
    PALETTE,
    SIGN_COLOR,
    finish_axes,
    new_figure,
    panels_or_new,
    styled,
)
from hashlib_edu.training import SNAPSHOT_KEYS

#: Lower end of the log-scale gradient panel of :func:`plot_sign_approximation`.
GRADIENT_FLOOR = 1e-4


def _sign(z: np.ndarray) -> np.ndarray:
    """sign(z) with sign(0) = +1, the suite's binarization convention."""
    return binarize(z).astype(np.float64)


def _check_betas(betas: float | Sequence[float]) -> list[float]:
    """One positive beta or a non-empty list of them, as floats."""
    is_number = isinstance(betas, int | float | np.integer | np.floating)
    if is_number and not isinstance(betas, bool):
        return [check_float(betas, "betas", 0.0, open_low=True)]
    values = check_sequence(
        betas, "betas", "a number or a list of numbers", fix="pass e.g. [1, 2, 5, 10]"
    )
    return [check_float(b, f"betas[{i}]", 0.0, open_low=True) for i, b in enumerate(values)]


def _check_schedule(schedule: Any, optional: bool = False) -> BetaSchedule | None:
    if schedule is None and optional:
        return None
    where = "hashlib_edu.continuation.BetaSchedule(...) or .compressed(n)"
    return check_instance(schedule, BetaSchedule, "schedule", where)


def first_iteration_reaching(schedule: BetaSchedule, beta: float, num_iterations: int):
    """The first iteration t < num_iterations with schedule(t) >= beta, or None."""
    _check_schedule(schedule)
    beta = check_float(beta, "beta", 0.0, open_low=True)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    values = schedule.values(num_iterations)
    reached = np.flatnonzero(values >= beta - 1e-12)
    return None if reached.size == 0 else int(reached[0] * schedule.step)


def _plain_log_ticks(
    ax: Axes, low: float, high: float, mantissas=(1, 2, 5), extra: Sequence[float] = ()
) -> None:
    """Label a log-scale y axis with plain numbers ("5", "0.001", never "5×10⁰") at
    ``mantissas`` times the powers of 10 in [low, high], and at `extra`; no minor ticks."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    candidates = [m * 10.0**e for e in decades for m in mantissas]
    ticks = sorted({round(t, 12) for t in (*candidates, *extra) if low <= t <= high})
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def _draw_schedule(ax: Axes, schedule: BetaSchedule, betas: list[float], colors, num_iterations):
    steps = np.arange(0, num_iterations, schedule.step)
    values = schedule.values(num_iterations)
    ax.step(steps, values, where="post", color=SIGN_COLOR, lw=2.5, label="schedule β(t)")
    for beta, color in zip(betas, colors, strict=True):
        t = first_iteration_reaching(schedule, beta, num_iterations)
        if t is None:
            label = f"β = {beta:g}: not reached"
            ax.plot([0, num_iterations], [beta, beta], color=color, ls="--", lw=1.5, label=label)
        else:  # a dashed line up to where beta is reached, a marker there
            label = f"β = {beta:g}: reached at t = {t:,}"
            style = {"ls": "--", "lw": 1.5, "marker": "o", "ms": 8, "markevery": [1]}
            ax.plot([0, t], [beta, beta], color=color, clip_on=False, label=label, **style)
    low = min(values.min(), min(betas)) / 1.3
    high = max(values.max(), max(betas)) * 1.3
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    _plain_log_ticks(ax, low, high, extra=betas)
    margin = 0.03 * num_iterations  # the marker of a beta reached at t = 0 stays whole
    ax.set_xlim(-margin, num_iterations + margin)
    ax.set_xlabel("training iteration t")
    ax.set_ylabel("β(t) (log scale)")
    ax.set_title(f"β schedule over a run of {num_iterations:,} iterations")
    ax.legend(loc="lower right", fontsize="small")


@styled
def plot_beta_schedule(
    schedule: BetaSchedule,
    betas: float | Sequence[float],
    num_iterations: int,
    ax: Axes | None = None,
) -> Figure:
    """The continuation schedule beta_t = beta_0 (1 + gamma t)^power over a run of
    `num_iterations` iterations (t = 0 ... num_iterations - 1), and where it reaches each of
    `betas` (Cao et al., HashNet, ICCV 2017; official step 200, gamma 0.005, power 0.5).

    One panel, log-scale beta with plain tick labels; each beta is a dashed line up to the
    iteration that first reaches it, marked there, and the legend says "β = 5: reached at
    t = 384" or "β = 10: not reached".
    """
    _check_schedule(schedule)
    values = _check_betas(betas)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    check_ax(ax)
    if ax is None:
        fig, ax = new_figure(1, 1, (7.2, 4.4))
    fig = ax.figure
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    _draw_schedule(ax, schedule, values, colors, num_iterations)
    return fig


@styled
def plot_sign_approximation(
    betas: float | Sequence[float],
    z_range: tuple[float, float] = (-2.0, 2.0),
    ax: Sequence[Axes] | None = None,
    schedule: BetaSchedule | None = None,
    num_iterations: int = 10_000,
    num_points: int = 801,
) -> Figure:
    """HashNet's continuation: tanh(beta z) -> sign(z) and its gradient beta sech^2(beta z).

    Panel 1: h = tanh(beta z) for each beta against sign(z) (Cao et al., HashNet, ICCV 2017,
    eq. 6). Panel 2: dh/dz = beta sech^2(beta z), which vanishes away from z = 0 as beta grows,
    on a log axis from ``GRADIENT_FLOOR`` (a linear axis would let the spike of a large beta,
    height beta at z = 0, flatten the curves of the small ones).
    With ``schedule`` (a :class:`~hashlib_edu.continuation.BetaSchedule`), panel 3 shows
    beta_t = beta_0 (1 + gamma t)^power over ``num_iterations`` and marks where each beta is
    reached.

    ``ax``: optional sequence of 2 Axes (3 with a schedule) to draw on. Lines carry labels
    ``"tanh(βz), β = <beta>"`` and ``"sign(z)"``; their data is ``z`` and the curve values.
    """
    values = _check_betas(betas)
    low, high = check_range(z_range, "z_range")
    _check_schedule(schedule, optional=True)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    num_points = check_int(num_points, "num_points", minimum=2)
    npanels = 2 if schedule is None else 3
    fig, axes = panels_or_new(ax, npanels, (5.0 * npanels, 4.2))
    z = np.linspace(low, high, num_points)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    value_ax, grad_ax = axes[0], axes[1]
    value_ax.step(z, _sign(z), where="mid", color=SIGN_COLOR, lw=2.5, ls="--", label="sign(z)")
    for beta, color in zip(values, colors, strict=True):
        value_ax.plot(z, np.tanh(beta * z), color=color, lw=2, label=f"tanh(βz), β = {beta:g}")
        grad_ax.plot(z, scaled_tanh_grad(z, beta), color=color, lw=2, label=f"β = {beta:g}")
    title = "h = tanh(βz) approaches sign(z)"
    finish_axes(
        value_ax,
        "pre-activation z",
        "code value h",
        title,
        xlim=(low, high),
        ylim=(-1.15, 1.15),
        legend="upper left",
    )
    # log scale: the spike of a large beta (height beta at z = 0) would flatten the small-beta
    # curves on a linear axis; on a log axis every curve stays readable and the decay off z = 0
    # (like exp(-2 beta |z|)) shows as what it is, orders of magnitude
    grad_low, grad_high = GRADIENT_FLOOR, 3.0 * max(values)
    grad_ax.set_yscale("log")
    grad_ax.set_ylim(grad_low, grad_high)
    _plain_log_ticks(grad_ax, grad_low, grad_high, mantissas=(1,))
    title = "dh/dz = β sech²(βz) vanishes off z = 0"
    finish_axes(
        grad_ax,
        "pre-activation z",
        "gradient dh/dz (log scale)",
        title,
        xlim=(low, high),
        legend="upper left",
    )
    if schedule is not None:
        _draw_schedule(axes[2], schedule, values, colors, int(num_iterations))
    return fig


@styled
def plot_quantization_surrogates(
    h_range: tuple[float, float] = (-2.0, 2.0), ax: Axes | None = None, num_points: int = 801
) -> Figure:
    """DHN's quantization loss per bit and its smooth surrogate (Zhu et al., AAAI 2016).

    Curves over h: the L1 distance | |h| - 1 |, its smooth surrogate log cosh(|h| - 1) (the
    quantization loss DHN minimises) and the squared error (h - sign h)^2 that both bound.
    """
    low, high = check_range(h_range, "h_range")
    check_ax(ax)
    num_points = check_int(num_points, "num_points", minimum=2)
    if ax is None:
        fig, ax = new_figure(1, 1, (6.4, 4.4))
    fig = ax.figure
    h = np.linspace(low, high, num_points)
    distance = np.abs(h) - 1.0
    curves = [np.abs(distance), np.log(np.cosh(distance)), (h - _sign(h)) ** 2]
    ax.plot(h, curves[0], lw=2, label="| |h| − 1 |  (L1)")
    ax.plot(h, curves[1], lw=2, label="log cosh(|h| − 1)  (DHN)")
    ax.plot(h, curves[2], lw=2, ls="--", label="(h − sign h)²")
    for x in (-1.0, 1.0):
        if low <= x <= high:
            ax.axvline(x, color="0.5", lw=1, ls=":")
    ylim = (0, 1.45 * max(c.max() for c in curves))  # room for the legend
    finish_axes(
        ax,
        "continuous code value h",
        "quantization loss per bit",
        "quantization loss: zero at h = ±1",
        xlim=(low, high),
        ylim=ylim,
        legend="upper center",
    )
    return fig


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
def _history_series(history: Mapping[str, Any], key: str, n: int) -> np.ndarray:
    series = as_float_array(history[key], f"history[{key!r}]", ndim=1)
    if len(series) != n:
        raise ValueError(
            f"history[{key!r}] has {len(series)} values but history['step'] has {n}; "
            f"record every series at every logged step"
        )
    return series


@styled
def plot_training_history(history: Mapping[str, Sequence[float]]) -> Figure:
    """Loss, quantization error and beta against the training step.

    ``history``: dict of equal-length lists ``"step"``, ``"loss"`` and optionally
    ``"quantization_error"`` (mean ||h - sign h||^2 / K) and ``"beta"`` (the beta panel is drawn
    only when beta changes, i.e. for HashNet's continuation).
    """
    check_mapping(history, "history", "a dict of lists", fix="use TrainResult.history")
    missing = [key for key in ("step", "loss") if key not in history]
    if missing:
        raise ValueError(f"history lacks {missing}; it needs at least 'step' and 'loss' lists")
    steps = as_float_array(history["step"], "history['step']", ndim=1)
    if len(steps) == 0:
        raise ValueError("history is empty; train for at least one logged step")
    panels = [("loss", "training loss", "loss")]
    if "quantization_error" in history:
        panels.append(("quantization_error", "quantization error ‖h − sign h‖²/K", "quant. error"))
    if "beta" in history:
        beta = _history_series(history, "beta", len(steps))
        if np.ptp(beta) > 0:
            panels.append(("beta", "β (scaled tanh)", "β"))
    fig, axes = new_figure(1, len(panels), (4.6 * len(panels), 3.8), squeeze=False)
    for i, (ax, (key, title, ylabel)) in enumerate(zip(axes[0], panels, strict=True)):
        values = _history_series(history, key, len(steps))
        ax.plot(steps, values, color=PALETTE[i], lw=2)
        ax.set_xlabel("training step")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    return fig


def _check_codes_output(outputs: Any, name: str = "outputs") -> np.ndarray:
    array = as_float_array(outputs, name, ndim=2)
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf")
    if array.min() < -1 - 1e-6 or array.max() > 1 + 1e-6:
        raise ValueError(
            f"{name} must be continuous codes h in [-1, 1] (tanh outputs), found values in "
            f"[{array.min():.3g}, {array.max():.3g}]; pass tanh(βz), not z"
        )
    return array


@styled
def plot_code_histogram(
    outputs: Any, ax: Axes | None = None, title: str | None = None, bins: int = 40
) -> Figure:
    """Histogram of all entries of the continuous codes h (n, K) in [-1, 1].

    Mass piling up at ±1 means small quantization error; mass near 0 means bits that sign()
    decides almost at random.
    """
    values = _check_codes_output(outputs)
    check_ax(ax)
    check_str(title, "title", optional=True)
    bins = check_positive_int(bins, "bins")
    if ax is None:
        fig, ax = new_figure(1, 1, (6.0, 4.0))
    fig = ax.figure
    flat = values.ravel()
    ax.hist(flat, bins=np.linspace(-1, 1, bins + 1), weights=np.full(flat.size, 1 / flat.size))
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("continuous code value h")
    ax.set_ylabel("fraction of code entries")
    n, k = values.shape
    ax.set_title(title if title is not None else f"code values of {n} items × {k} bits")
    return fig


def check_snapshots(snapshots: Any) -> list[Mapping[str, Any]]:
    """Validate continuation snapshots: a non-empty list of dicts holding ``SNAPSHOT_KEYS``
    (``step`` an integer >= 0, ``beta`` > 0, ``quantization_error`` >= 0, ``map`` in [0, 1],
    ``outputs`` continuous codes in [-1, 1])."""
    fix = "use TrainResult.snapshots (train with snapshot_every=...)"
    snapshots = check_records(snapshots, "snapshots", SNAPSHOT_KEYS, fix=fix)
    for i, snapshot in enumerate(snapshots):
        where = f"snapshots[{i}]"
        check_int(snapshot["step"], f"{where}['step']", minimum=0)
        check_float(snapshot["beta"], f"{where}['beta']", 0.0, open_low=True)
        check_float(snapshot["quantization_error"], f"{where}['quantization_error']", 0.0)
        check_float(snapshot["map"], f"{where}['map']", 0.0, 1.0)
        _check_codes_output(snapshot["outputs"], f"{where}['outputs']")
    return snapshots


@styled
def plot_continuation_snapshot(snapshots: Sequence[Mapping[str, Any]], index: int = -1) -> Figure:
    """One moment of training: histogram of h at ``snapshots[index]``, and qe / mAP vs step.

    ``snapshots``: list of dicts {"step", "beta", "outputs" (n, K) continuous h,
    "quantization_error", "map"}. The right panel draws the quantization error and the mAP of all
    snapshots against the step and marks the selected one.
    """
    snapshots = check_snapshots(snapshots)
    index = check_index(index, "index", len(snapshots), "snapshots")
    current = snapshots[index]
    fig, (hist_ax, curve_ax) = new_figure(1, 2, (11.0, 4.0), width_ratios=[1.25, 1])
    title = f"step {int(current['step']):,}, β = {float(current['beta']):.3g}"
    plot_code_histogram(current["outputs"], ax=hist_ax, title=title)
    steps = np.array([float(s["step"]) for s in snapshots])
    qe = np.array([float(s["quantization_error"]) for s in snapshots])
    maps = np.array([float(s["map"]) for s in snapshots])
    curve_ax.plot(steps, qe, "-o", ms=3, lw=2, color=PALETTE[1], label="quantization error")
    curve_ax.plot(steps, maps, "-o", ms=3, lw=2, color=PALETTE[2], label="mAP")
    x = float(current["step"])
    curve_ax.axvline(x, color="0.4", lw=1, ls=":")
    curve_ax.plot([x], [float(current["quantization_error"])], "o", ms=10, color=PALETTE[1])
    curve_ax.plot([x], [float(current["map"])], "o", ms=10, color=PALETTE[2])
    ylim = (0, max(1.0, float(np.nanmax(np.r_[qe, maps])) * 1.05))
    finish_axes(
        curve_ax,
        "training step",
        "value",
        "quantization error and mAP",
        ylim=ylim,
        legend="center right",
    )
    return fig
