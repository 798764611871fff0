"""Static figures for the teaching notebooks, in one consistent style.

Every function takes plain arrays (numpy, or torch tensors which are detached to the cpu), draws
with labelled axes and returns the matplotlib :class:`~matplotlib.figure.Figure`. Functions that
accept ``ax`` draw on it and return its figure; otherwise they create a new figure.

A new figure is closed in pyplot before it is returned: in a notebook it shows exactly once when
it is the last expression of a cell (``fig = plot_...(...)`` shows nothing, ``fig`` shows it), and
figures drawn repeatedly by :mod:`hashlib_edu.widgets` never pile up in pyplot's registry.

All figures are drawn under the package style (seaborn ``"whitegrid"`` / ``"notebook"`` context,
the ``"colorblind"`` palette, larger fonts for the classroom) without touching the global
matplotlib settings; call :func:`set_style` to use the same style for your own plots.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu.continuation import BetaSchedule, scaled_tanh_grad

__all__ = [
    "PALETTE",
    "METHOD_STYLES",
    "method_style",
    "plot_imbalance_sweep",
    "RELEVANT_COLOR",
    "IRRELEVANT_COLOR",
    "set_style",
    "style_rc",
    "plot_sign_approximation",
    "plot_quantization_surrogates",
    "plot_training_history",
    "plot_code_histogram",
    "plot_continuation_snapshot",
    "check_snapshots",
    "plot_pr_curves",
    "plot_map_vs_bits",
    "plot_precision_at_k",
    "plot_retrieval_gallery",
]

#: The one palette of the suite (seaborn "colorblind").
PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
#: One fixed colour and marker per method, in every figure of the suite.
METHOD_STYLES: dict[str, dict[str, Any]] = {
    "hashnet": {"color": PALETTE[3], "marker": "o"},
    "hashnet-c": {"color": PALETTE[4], "marker": "D"},
    "hashnet-w": {"color": PALETTE[2], "marker": "^"},
    "hashnet-sgn": {"color": PALETTE[1], "marker": "v"},
    "dhn": {"color": PALETTE[0], "marker": "s"},
    "itq": {"color": PALETTE[9], "marker": "P"},
    "lsh": {"color": PALETTE[7], "marker": "X"},
}


def method_style(method: str) -> dict[str, Any]:
    """Colour and marker of `method` (METHOD_STYLES); unknown names get a neutral grey circle."""
    return METHOD_STYLES.get(method, {"color": "0.4", "marker": "o"})


RELEVANT_COLOR = "#2ca02c"  # green frame: retrieved item shares a label with the query
IRRELEVANT_COLOR = "#d62728"  # red frame: it does not
SIGN_COLOR = "0.15"  # sign(z), the target of the continuation
FONT_SCALE = 1.15


# --------------------------------------------------------------------------------------------
# Style
# --------------------------------------------------------------------------------------------
@functools.cache
def _style_rc() -> dict[str, Any]:
    rc: dict[str, Any] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=FONT_SCALE))
    rc["axes.prop_cycle"] = mpl.cycler(color=PALETTE)
    rc["figure.dpi"] = 100
    rc["savefig.dpi"] = 100
    rc["legend.frameon"] = True
    rc["legend.framealpha"] = 0.9
    rc["image.cmap"] = "viridis"
    return rc


def style_rc() -> dict[str, Any]:
    """The matplotlib rcParams of the package style (a copy)."""
    return dict(_style_rc())


def set_style() -> None:
    """Apply the package style globally: seaborn "whitegrid", "notebook" context, one palette.

    Idempotent: calling it twice leaves the same rcParams as calling it once.
    """
    mpl.rcParams.update(_style_rc())


def _styled(function: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a plotting function under the package style without changing global rcParams."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(_style_rc()):
            return function(*args, **kwargs)

    return wrapper


def _new_figure(nrows: int, ncols: int, figsize: tuple[float, float], **kwargs: Any):
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)
    plt.close(fig)  # hand the figure to the caller; pyplot must not show it a second time
    return fig, axes


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------
def _array(values: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """A float numpy array from numpy / torch / a sequence of numbers, with a shape check."""
    if type(values).__module__.startswith("torch") and hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be numeric (a numpy array, tensor or list of numbers)"
        ) from error
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


def _check_ax(ax: Any, name: str = "ax") -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")


def _check_range(value_range: Sequence[float], name: str) -> tuple[float, float]:
    if len(value_range) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {value_range!r}")
    low, high = (float(v) for v in value_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must satisfy low < high (finite), got {value_range!r}")
    return low, high


def _sign(z: np.ndarray) -> np.ndarray:
    """sign(z) with sign(0) = +1, the suite's binarization convention."""
    return np.where(z >= 0, 1.0, -1.0)


# --------------------------------------------------------------------------------------------
# Continuation
# --------------------------------------------------------------------------------------------
def _check_betas(betas: float | Sequence[float]) -> list[float]:
    values = [betas] if np.isscalar(betas) else list(betas)
    if not values:
        raise ValueError("betas is empty; pass at least one beta, e.g. [1, 2, 5, 10]")
    for beta in values:
        if not (isinstance(beta, int | float | np.number) and math.isfinite(beta) and beta > 0):
            raise ValueError(f"every beta must be a positive finite number, got {beta!r}")
    return [float(beta) for beta in values]


def _first_iteration_reaching(schedule: BetaSchedule, beta: float, num_iterations: int):
    """The first iteration t < num_iterations with schedule(t) >= beta, or None."""
    values = schedule.values(num_iterations)
    reached = np.flatnonzero(values >= beta - 1e-12)
    return None if reached.size == 0 else int(reached[0] * schedule.step)


def _draw_schedule(ax: Axes, schedule: BetaSchedule, betas: list[float], colors, num_iterations):
    steps = np.arange(0, num_iterations, schedule.step)
    values = schedule.values(num_iterations)
    ax.step(steps, values, where="post", color=SIGN_COLOR, lw=2, label="schedule β(t)")
    ax.set_yscale("log")
    for beta, color in zip(betas, colors, strict=True):
        t = _first_iteration_reaching(schedule, beta, num_iterations)
        where = f"reached at t = {t:,}" if t is not None else "not reached"
        ax.axhline(beta, color=color, ls="--", lw=1.5, label=f"β = {beta:g}: {where}")
        if t is not None:
            ax.plot([t], [beta], "o", color=color, ms=7)
    low = min(values.min(), min(betas))
    high = max(values.max(), max(betas))
    ax.set_ylim(low / 1.3, high * 1.3)
    ax.set_xlim(0, num_iterations)
    ax.set_xlabel("training iteration t")
    ax.set_ylabel("β(t) (log scale)")
    ax.set_title(f"continuation schedule, {num_iterations:,} iterations")
    ax.legend(loc="lower right", fontsize="x-small")


@_styled
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
    eq. 6). Panel 2: dh/dz = beta sech^2(beta z), which vanishes away from z = 0 as beta grows.
    With ``schedule`` (a :class:`~hashlib_edu.continuation.BetaSchedule`), panel 3 shows
    beta_t = beta_0 (1 + gamma t)^power over ``num_iterations`` and marks where each beta is
    reached.

    ``ax``: optional sequence of 2 Axes (3 with a schedule) to draw on. Lines carry labels
    ``"tanh(βz), β = <beta>"`` and ``"sign(z)"``; their data is ``z`` and the curve values.
    """
    values = _check_betas(betas)
    low, high = _check_range(z_range, "z_range")
    if schedule is not None and not isinstance(schedule, BetaSchedule):
        raise TypeError(f"schedule must be a BetaSchedule or None, got {type(schedule).__name__}")
    if isinstance(num_iterations, bool) or not isinstance(num_iterations, int | np.integer):
        raise TypeError(f"num_iterations must be an integer, got {type(num_iterations).__name__}")
    if num_iterations < 1:
        raise ValueError(f"num_iterations must be >= 1, got {num_iterations}")
    npanels = 2 if schedule is None else 3
    if ax is None:
        fig, axes = _new_figure(1, npanels, (5.0 * npanels, 4.2))
    else:
        axes = list(ax) if not isinstance(ax, Axes) else [ax]
        if len(axes) != npanels:
            raise ValueError(f"ax must hold {npanels} Axes (one per panel), got {len(axes)}")
        for a in axes:
            _check_ax(a)
        fig = axes[0].figure
    z = np.linspace(low, high, num_points)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    value_ax, grad_ax = axes[0], axes[1]
    value_ax.step(z, _sign(z), where="mid", color=SIGN_COLOR, lw=2.5, ls="--", label="sign(z)")
    for beta, color in zip(values, colors, strict=True):
        value_ax.plot(z, np.tanh(beta * z), color=color, lw=2, label=f"tanh(βz), β = {beta:g}")
        grad_ax.plot(z, scaled_tanh_grad(z, beta), color=color, lw=2, label=f"β = {beta:g}")
    value_ax.set_xlabel("pre-activation z")
    value_ax.set_ylabel("code value h")
    value_ax.set_ylim(-1.15, 1.15)
    value_ax.set_title("h = tanh(βz) approaches sign(z)")
    value_ax.legend(loc="upper left", fontsize="small")
    grad_ax.set_xlabel("pre-activation z")
    grad_ax.set_ylabel("gradient dh/dz")
    grad_ax.set_ylim(bottom=0)
    grad_ax.set_title("dh/dz = β sech²(βz) vanishes off z = 0")
    grad_ax.legend(loc="upper left", fontsize="small")
    for a in (value_ax, grad_ax):
        a.set_xlim(low, high)
    if schedule is not None:
        _draw_schedule(axes[2], schedule, values, colors, int(num_iterations))
    return fig


@_styled
def plot_quantization_surrogates(
    h_range: tuple[float, float] = (-2.0, 2.0), ax: Axes | None = None, num_points: int = 801
) -> Figure:
    """DHN's quantization loss per bit and its smooth surrogate (Zhu et al., AAAI 2016).

    Curves over h: the L1 distance | |h| - 1 |, its smooth surrogate log cosh(|h| - 1) (the
    quantization loss DHN minimises) and the squared error (h - sign h)^2 that both bound.
    """
    low, high = _check_range(h_range, "h_range")
    _check_ax(ax)
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.4, 4.4))
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
    ax.set_xlim(low, high)
    ax.set_ylim(0, 1.45 * max(c.max() for c in curves))  # room for the legend
    ax.set_xlabel("continuous code value h")
    ax.set_ylabel("quantization loss per bit")
    ax.set_title("quantization loss: zero at h = ±1")
    ax.legend(loc="upper center", fontsize="small")
    return fig


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
def _history_series(history: Mapping[str, Any], key: str, n: int) -> np.ndarray:
    series = _array(history[key], f"history[{key!r}]", ndim=1)
    if len(series) != n:
        raise ValueError(
            f"history[{key!r}] has {len(series)} values but history['step'] has {n}; "
            f"record every series at every logged step"
        )
    return series


@_styled
def plot_training_history(history: Mapping[str, Sequence[float]]) -> Figure:
    """Loss, quantization error and beta against the training step.

    ``history``: dict of equal-length lists ``"step"``, ``"loss"`` and optionally
    ``"quantization_error"`` (mean ||h - sign h||^2 / K) and ``"beta"`` (the beta panel is drawn
    only when beta changes, i.e. for HashNet's continuation).
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict of lists, got {type(history).__name__}")
    missing = [key for key in ("step", "loss") if key not in history]
    if missing:
        raise ValueError(f"history lacks {missing}; it needs at least 'step' and 'loss' lists")
    steps = _array(history["step"], "history['step']", ndim=1)
    if len(steps) == 0:
        raise ValueError("history is empty; train for at least one logged step")
    panels = [("loss", "training loss", "loss")]
    if "quantization_error" in history:
        panels.append(("quantization_error", "quantization error ‖h − sign h‖²/K", "quant. error"))
    if "beta" in history:
        beta = _history_series(history, "beta", len(steps))
        if np.ptp(beta) > 0:
            panels.append(("beta", "β (scaled tanh)", "β"))
    fig, axes = _new_figure(1, len(panels), (4.6 * len(panels), 3.8), squeeze=False)
    for i, (ax, (key, title, ylabel)) in enumerate(zip(axes[0], panels, strict=True)):
        values = _history_series(history, key, len(steps))
        ax.plot(steps, values, color=PALETTE[i], lw=2)
        ax.set_xlabel("training step")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    return fig


def _check_codes_output(outputs: Any, name: str = "outputs") -> np.ndarray:
    array = _array(outputs, name, ndim=2)
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


@_styled
def plot_code_histogram(
    outputs: Any, ax: Axes | None = None, title: str | None = None, bins: int = 40
) -> Figure:
    """Histogram of all entries of the continuous codes h (n, K) in [-1, 1].

    Mass piling up at ±1 means small quantization error; mass near 0 means bits that sign()
    decides almost at random.
    """
    values = _check_codes_output(outputs)
    _check_ax(ax)
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.0, 4.0))
    fig = ax.figure
    flat = values.ravel()
    ax.hist(flat, bins=np.linspace(-1, 1, bins + 1), weights=np.full(flat.size, 1 / flat.size))
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("continuous code value h")
    ax.set_ylabel("fraction of code entries")
    n, k = values.shape
    ax.set_title(title if title is not None else f"code values of {n} items × {k} bits")
    return fig


_SNAPSHOT_KEYS = ("step", "beta", "outputs", "quantization_error", "map")


def check_snapshots(snapshots: Any) -> list[Mapping[str, Any]]:
    """Validate continuation snapshots: a non-empty list of dicts holding ``_SNAPSHOT_KEYS``."""
    if isinstance(snapshots, Mapping) or not isinstance(snapshots, Sequence):
        raise TypeError(
            f"snapshots must be a list of dicts, got {type(snapshots).__name__}; "
            f"use TrainResult.snapshots"
        )
    if len(snapshots) == 0:
        raise ValueError("snapshots is empty; train with snapshots enabled to get at least one")
    for i, snapshot in enumerate(snapshots):
        if not isinstance(snapshot, Mapping):
            raise TypeError(f"snapshots[{i}] must be a dict, got {type(snapshot).__name__}")
        missing = [key for key in _SNAPSHOT_KEYS if key not in snapshot]
        if missing:
            raise ValueError(f"snapshots[{i}] lacks keys {missing}; each needs {_SNAPSHOT_KEYS}")
        _check_codes_output(snapshot["outputs"], f"snapshots[{i}]['outputs']")
    return list(snapshots)


@_styled
def plot_continuation_snapshot(snapshots: Sequence[Mapping[str, Any]], index: int = -1) -> Figure:
    """One moment of training: histogram of h at ``snapshots[index]``, and qe / mAP vs step.

    ``snapshots``: list of dicts {"step", "beta", "outputs" (n, K) continuous h,
    "quantization_error", "map"}. The right panel draws the quantization error and the mAP of all
    snapshots against the step and marks the selected one.
    """
    snapshots = check_snapshots(snapshots)
    if not -len(snapshots) <= index < len(snapshots):
        raise IndexError(f"index {index} out of range for {len(snapshots)} snapshots")
    current = snapshots[index]
    fig, (hist_ax, curve_ax) = _new_figure(1, 2, (11.0, 4.0), width_ratios=[1.25, 1])
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
    curve_ax.set_xlabel("training step")
    curve_ax.set_ylabel("value")
    curve_ax.set_ylim(0, max(1.0, float(np.nanmax(np.r_[qe, maps])) * 1.05))
    curve_ax.set_title("quantization error and mAP")
    curve_ax.legend(loc="center right", fontsize="small")
    return fig


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------
def _check_curve_dict(curves: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(curves, Mapping):
        raise TypeError(
            f"{name} must be a dict label -> (x, y) arrays, got {type(curves).__name__}"
        )
    if not curves:
        raise ValueError(f"{name} is empty; pass at least one curve")
    return curves


def _pair(value: Any, label: str, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"curve {label!r} must be a pair ({names[0]}, {names[1]})")
    first = _array(value[0], f"{names[0]} of {label!r}", ndim=1)
    second = _array(value[1], f"{names[1]} of {label!r}", ndim=1)
    if len(first) != len(second) or len(first) == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} of {label!r} must be non-empty and of equal length, "
            f"got {len(first)} and {len(second)}"
        )
    return first, second


def _check_unit(values: np.ndarray, what: str) -> None:
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(
            f"{what} must lie in [0, 1], found [{finite.min():.3g}, {finite.max():.3g}]"
        )


@_styled
def plot_pr_curves(
    curves: Mapping[str, tuple[Any, Any]], ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Precision-recall curves, one per label: ``{label: (precision, recall)}``.

    The pair order matches :func:`hashlib_edu.metrics.pr_curve_by_radius` (precision, recall for
    Hamming radius r = 0..K); the points are joined in radius order.
    """
    _check_curve_dict(curves, "curves")
    _check_ax(ax)
    pairs = {label: _pair(value, label, ("precision", "recall")) for label, value in curves.items()}
    for label, (precision, recall) in pairs.items():
        _check_unit(precision, f"precision of {label!r}")
        _check_unit(recall, f"recall of {label!r}")
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.0, 4.6))
    fig = ax.figure
    for label, (precision, recall) in pairs.items():
        ax.plot(recall, precision, "-o", ms=3, lw=2, label=str(label))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title if title is not None else "precision-recall by Hamming radius")
    ax.legend(loc="best", fontsize="small")
    return fig


@_styled
def plot_map_vs_bits(
    results: Sequence[Mapping[str, Any]],
    ax: Axes | None = None,
    title: str | None = None,
    metric: str = "map",
) -> Figure:
    """mAP against code length, one line per method, markers on the computed lengths only.

    ``results`` are run rows ``[{"method", "bits", "map"}, ...]`` or summary rows with
    ``"<metric>_mean"`` and ``"<metric>_sd"`` (drawn as mean ± sd error bars). Each method has its
    fixed colour and marker (`METHOD_STYLES`).
    """
    if isinstance(results, Mapping) or not isinstance(results, Sequence) or not results:
        raise ValueError("results must be a non-empty list of dicts with 'method', 'bits', 'map'")
    _check_ax(ax)
    by_method: dict[str, list[tuple[int, float, float]]] = {}
    for i, row in enumerate(results):
        if not isinstance(row, Mapping):
            raise TypeError(f"results[{i}] must be a dict, got {type(row).__name__}")
        key = f"{metric}_mean" if f"{metric}_mean" in row else metric
        missing = [k for k in ("method", "bits", key) if k not in row]
        if missing:
            raise ValueError(
                f"results[{i}] lacks keys {missing}; each needs method, bits, {metric}"
            )
        bits, value = row["bits"], float(row[key])
        spread = float(row.get(f"{metric}_sd") or 0.0)
        if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or bits < 1:
            raise ValueError(f"results[{i}]['bits'] must be a positive integer, got {bits!r}")
        if not 0 <= value <= 1:
            raise ValueError(f"results[{i}]['{key}'] must lie in [0, 1], got {value}")
        by_method.setdefault(str(row["method"]), []).append((int(bits), value, spread))
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.0, 4.4))
    fig = ax.figure
    all_bits: set[int] = set()
    for method, points in by_method.items():
        points.sort()
        bits = [b for b, _, _ in points]
        if len(set(bits)) != len(bits):
            raise ValueError(f"method {method!r} has several results for the same bits {bits}")
        all_bits.update(bits)
        values, spreads = [v for _, v, _ in points], [e for _, _, e in points]
        style = method_style(method)
        ax.plot(bits, values, lw=2, ms=7, label=method, **style)
        if any(spreads):
            ax.errorbar(bits, values, yerr=spreads, fmt="none", capsize=3, color=style["color"])
    ax.set_xticks(sorted(all_bits))
    ax.set_xlabel("code length K (bits)")
    ax.set_ylabel("mAP" if metric == "map" else metric.replace("_", " "))
    ax.set_title(title if title is not None else "mAP vs code length")
    ax.legend(loc="best", fontsize="small")
    return fig


@_styled
def plot_precision_at_k(
    curves: Mapping[str, tuple[Any, Any]], ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Precision of the top N retrieved items against N: ``{label: (ks, precisions)}``."""
    _check_curve_dict(curves, "curves")
    _check_ax(ax)
    pairs = {label: _pair(value, label, ("ks", "precisions")) for label, value in curves.items()}
    for label, (ks, precisions) in pairs.items():
        if (ks < 1).any():
            raise ValueError(f"ks of {label!r} must be >= 1")
        _check_unit(precisions, f"precisions of {label!r}")
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.0, 4.4))
    fig = ax.figure
    for label, (ks, precisions) in pairs.items():
        ax.plot(ks, precisions, "-o", ms=3, lw=2, label=str(label))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("number of retrieved items N")
    ax.set_ylabel("precision@N")
    ax.set_title(title if title is not None else "precision of the top N (Hamming ranking)")
    ax.legend(loc="best", fontsize="small")
    return fig


# --------------------------------------------------------------------------------------------
# Retrieval gallery
# --------------------------------------------------------------------------------------------
def _check_images(images: Any, name: str) -> np.ndarray:
    """Float images (n, C, H, W), C in {1, 3}, as a numpy view: no copy of a large database."""
    if type(images).__module__.startswith("torch") and hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    array = np.asarray(images)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} must be float images in [0, 1], got dtype {array.dtype}; "
            f"convert uint8 images with {name} / 255"
        )
    if array.ndim != 4 or array.shape[1] not in (1, 3):
        raise ValueError(
            f"{name} must have shape (n, C, H, W) with C = 1 (grayscale) or 3 (RGB), got "
            f"{array.shape}"
        )
    if len(array) == 0:
        raise ValueError(f"{name} is empty")
    return array


def _to_display(image: np.ndarray) -> np.ndarray:
    """(C, H, W) float -> (H, W) or (H, W, 3) in [0, 1]; values outside (normalised RGB) clip."""
    image = np.clip(image, 0.0, 1.0)
    return image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))


def _show_image(ax: Axes, image: np.ndarray, frame: str | None, title: str, lw: float = 4) -> None:
    ax.imshow(_to_display(image), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_title(title, fontsize="small", color=frame or "black")
    for spine in ax.spines.values():
        spine.set_visible(frame is not None)
        if frame is not None:
            spine.set_edgecolor(frame)
            spine.set_linewidth(lw)


@_styled
def plot_retrieval_gallery(
    query_images: Any,
    db_images: Any,
    query_ids: Sequence[int] | np.ndarray,
    ids: Any,
    distances: Any,
    relevant: Any,
    title: str | None = None,
) -> Figure:
    """Rows = queries: the query image, then its retrieved database items in rank order.

    ``query_ids`` (nq,) indexes ``query_images``; row i of ``ids`` / ``distances`` / ``relevant``
    (nq, k) holds the database indices, Hamming distances and relevance (shares a label) of the
    items retrieved for query ``query_ids[i]`` (e.g. from ``HammingIndex.search``). Each result
    is titled "d = <distance>" and framed green if relevant, red if not. Images are float arrays
    (n, C, H, W), C = 1 or 3, in [0, 1]; values outside (normalised RGB) are clipped for display.
    k may be 0 (e.g. an empty Hamming ball): the row then shows only the query.
    """
    queries = _check_images(query_images, "query_images")
    database = _check_images(db_images, "db_images")
    query_ids = np.asarray(query_ids)
    if query_ids.ndim != 1 or len(query_ids) == 0 or not np.issubdtype(query_ids.dtype, np.integer):
        raise ValueError(f"query_ids must be a non-empty 1-D integer array, got {query_ids!r}")
    if query_ids.min() < 0 or query_ids.max() >= len(queries):
        raise ValueError(f"query_ids must index query_images (0..{len(queries) - 1})")
    ids = np.asarray(ids)
    distances = np.asarray(distances)
    relevant = np.asarray(relevant)
    nq = len(query_ids)
    for name, array in (("ids", ids), ("distances", distances), ("relevant", relevant)):
        if array.ndim != 2 or array.shape[0] != nq:
            raise ValueError(
                f"{name} must have shape (len(query_ids), k) = ({nq}, k), got {array.shape}"
            )
    if not ids.shape == distances.shape == relevant.shape:
        raise ValueError(
            f"ids, distances and relevant must have the same shape, got {ids.shape}, "
            f"{distances.shape}, {relevant.shape}"
        )
    if ids.size and (not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0):
        raise ValueError("ids must be non-negative integer indices into db_images")
    if ids.size and ids.max() >= len(database):
        raise ValueError(f"ids must index db_images (0..{len(database) - 1}), found {ids.max()}")
    k = ids.shape[1]
    ncols = 1 + max(k, 1)
    if title is None:
        title = "Hamming retrieval (green: relevant, red: not)"
    width = max(1.55 * ncols, 0.12 * len(title))  # wide enough for the title
    fig, axes = _new_figure(nq, ncols, (width, 1.85 * nq), squeeze=False)
    for row, query in enumerate(query_ids):
        _show_image(axes[row, 0], queries[query], "black", f"query {int(query)}", lw=2)
        for col in range(k):
            color = RELEVANT_COLOR if bool(relevant[row, col]) else IRRELEVANT_COLOR
            title_text = f"d = {int(distances[row, col])}"
            _show_image(axes[row, col + 1], database[ids[row, col]], color, title_text)
        if k == 0:
            axes[row, 1].axis("off")
            axes[row, 1].text(0.5, 0.5, "no item\nretrieved", ha="center", va="center")
    fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------------------------
# Multi-index hashing
# --------------------------------------------------------------------------------------------
@_styled
def plot_mih_probes(
    bits: int = 64,
    n: int = 10_000_000,
    radii: Sequence[int] = range(0, 9),
    substrings: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Hash buckets probed by a radius-r search: one table of K bits vs multi-index hashing.

    One table keyed by the whole code probes every code of the Hamming ball,
    ``sum_{i<=r} C(K, i)``; MIH (Norouzi et al., CVPR 2012) probes each of its m substring tables
    within ``floor(r / m)``: ``m * sum_{j<=floor(r/m)} C(K/m, j)`` (summed over the actual
    substring lengths when m does not divide K). ``substrings=None`` uses the paper's rule
    ``m ~ K / log2(n)``. Log-scale y axis; the two lines are labelled "single table" and "MIH".
    """
    from hashlib_edu._validation import check_positive_int
    from hashlib_edu.multi_index import default_substrings, probe_counts

    _check_ax(ax)
    bits = check_positive_int(bits, "bits", 64, "64 (one hash key)")
    n = check_positive_int(n, "n")
    radii = list(radii)
    if not radii or any(
        isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 0 for r in radii
    ):
        raise ValueError(f"radii must be a non-empty sequence of integers >= 0, got {radii!r}")
    if substrings is None:
        m = default_substrings(bits, n)
    else:
        m = check_positive_int(substrings, "substrings", bits, "the code length bits")
    counts = np.array([probe_counts(bits, int(r), m) for r in radii], dtype=float)
    if ax is None:
        fig, ax = _new_figure(1, 1, (6.4, 4.4))
    else:
        fig = ax.figure
    ax.plot(radii, counts[:, 0], marker="o", lw=2, label=f"single table: Σ C({bits}, i), i ≤ r")
    lengths = "–".join(str(length) for length in sorted({bits // m, -(-bits // m)}))
    label = f"MIH: {m} tables of {lengths} bits, Σ C(K/m, j), j ≤ ⌊r/{m}⌋"
    ax.plot(radii, counts[:, 1], marker="s", lw=2, label=label)
    ax.set_yscale("log")
    ax.set_xticks(radii)
    ax.set_xlabel("search radius r (bits)")
    ax.set_ylabel("buckets probed per query (log scale)")
    ax.set_title(f"{bits}-bit codes, N = {n:,}: hash-table probes")
    ax.legend(loc="upper left", fontsize="small")
    return fig


__all__.append("plot_mih_probes")


@_styled
def plot_imbalance_sweep(rows: Sequence[Mapping[str, Any]], ax: Any = None) -> Figure:
    """What HashNet's two ideas buy as similar pairs get rarer and training gets longer.

    ``rows`` are summary rows of `hashlib_edu.sweep` (``dataset``, ``similar_fraction``,
    ``iterations``, ``method``, ``map_expected_mean``, ``map_expected_sd``). Left: the tie-aware
    mAP gap HashNet − HashNet-W (the weights |S|/|S1|, |S|/|S0|); right: HashNet − HashNet-sgn
    (continuation); one line per training length, x = share of similar pairs (log scale), error
    bars sqrt(sd_a^2 + sd_b^2) over the seeds.
    """
    if not rows:
        raise ValueError("rows must be a non-empty list of sweep summary rows")
    table = {(r["dataset"], r["iterations"], r["method"]): r for r in rows}
    if ax is None:
        fig, axes = _new_figure(1, 2, (11.5, 4.2), sharey=True)
    else:
        axes = list(ax)
        fig = axes[0].figure
    lengths = sorted({r["iterations"] for r in rows})
    datasets = sorted({(r["similar_fraction"], r["dataset"]) for r in rows})
    for panel, (other, what) in zip(
        axes, (("hashnet-w", "weighting"), ("hashnet-sgn", "continuation"))
    ):
        for n, iterations in enumerate(lengths):
            x, gap, err = [], [], []
            for fraction, name in datasets:
                a, b = (
                    table.get((name, iterations, "hashnet")),
                    table.get((name, iterations, other)),
                )
                if a is None or b is None:
                    continue
                x.append(fraction)
                gap.append(a["map_expected_mean"] - b["map_expected_mean"])
                err.append(float(np.hypot(a["map_expected_sd"], b["map_expected_sd"])))
            panel.errorbar(
                x,
                gap,
                yerr=err,
                marker="os^"[n % 3],
                lw=2,
                ms=7,
                capsize=3,
                color=PALETTE[n],
                label=f"{iterations} iterations",
            )
        panel.axhline(0.0, color="0.3", lw=1)
        panel.set_xscale("log")
        panel.set_xticks(
            [f for f, _ in datasets], [f"{name}\n{100 * f:.1f}%" for f, name in datasets]
        )
        panel.minorticks_off()
        panel.set_xlabel("dataset and share of similar pairs (log scale)")
        panel.set_title(f"what {what} buys: HashNet − {other.replace('hashnet', 'HashNet')}")
    axes[0].set_ylabel("mAP gap (tie-aware)")
    axes[0].legend(loc="best", fontsize="small")
    return fig
