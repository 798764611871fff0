"""The package style: one palette, one colour and marker per method, classroom-sized fonts, and
the small helpers every figure uses (a styled-figure decorator, d2l-style axis finishing, input
checks for plotted arrays)."""

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

#: The one palette of the suite (seaborn "colorblind").
PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
#: One fixed colour and marker per method, in every figure of the suite.
METHOD_STYLES: dict[str, dict[str, Any]] = {
    "hashnet": {"color": PALETTE[3], "marker": "o"},
    "hashnet-rank-h": {"color": PALETTE[4], "marker": "D"},
    "hashnet-w": {"color": PALETTE[2], "marker": "^"},
    "hashnet-sgn": {"color": PALETTE[1], "marker": "v"},
    "dhn": {"color": PALETTE[0], "marker": "s"},
    "itq": {"color": PALETTE[5], "marker": "P"},  # brown: far from DHN's blue on a projector
    "lsh": {"color": PALETTE[7], "marker": "X"},
}


def method_style(method: str) -> dict[str, Any]:
    """Colour and marker of `method` (METHOD_STYLES); unknown names get a neutral grey circle."""
    return METHOD_STYLES.get(method, {"color": "0.4", "marker": "o"})


#: Relevance in galleries, colour-blind safe (Okabe-Ito blue / vermillion) and never by colour
#: alone: relevant items are also marked ✓ with a solid frame, the others ✗ with a dotted one.
RELEVANT_COLOR = "#0072B2"  # the retrieved item shares a label with the query
IRRELEVANT_COLOR = "#D55E00"  # it does not
RELEVANT_MARK, IRRELEVANT_MARK = "✓", "✗"
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


def styled(function: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a plotting function under the package style without changing global rcParams."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(_style_rc()):
            return function(*args, **kwargs)

    return wrapper


def new_figure(nrows: int, ncols: int, figsize: tuple[float, float], **kwargs: Any):
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)
    plt.close(fig)  # hand the figure to the caller; pyplot must not show it a second time
    return fig, axes


def finish_axes(
    ax: Axes,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    xscale: str | None = None,
    yscale: str | None = None,
    legend: str | None = "best",
) -> None:
    """Label, limit and scale one Axes, then draw its legend (d2l's ``set_axes``, one place).

    ``legend`` is a matplotlib legend location, or None for no legend.
    """
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if xscale is not None:
        ax.set_xscale(xscale)
    if yscale is not None:
        ax.set_yscale(yscale)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if legend is not None:
        ax.legend(loc=legend, fontsize="small")


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------
def as_float_array(values: Any, name: str, ndim: int | None = None) -> np.ndarray:
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


def check_ax(ax: Any, name: str = "ax") -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")


def axes_or_new(ax: Any, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and Axes to draw on: `ax` (checked) or a new one-panel figure."""
    check_ax(ax)
    if ax is None:
        return new_figure(1, 1, figsize)
    return ax.figure, ax


def check_range(value_range: Sequence[float], name: str) -> tuple[float, float]:
    if len(value_range) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {value_range!r}")
    low, high = (float(v) for v in value_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must satisfy low < high (finite), got {value_range!r}")
    return low, high


def check_curve_dict(curves: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(curves, Mapping):
        raise TypeError(
            f"{name} must be a dict label -> (x, y) arrays, got {type(curves).__name__}"
        )
    if not curves:
        raise ValueError(f"{name} is empty; pass at least one curve")
    return curves


def curve_pair(value: Any, label: str, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"curve {label!r} must be a pair ({names[0]}, {names[1]})")
    first = as_float_array(value[0], f"{names[0]} of {label!r}", ndim=1)
    second = as_float_array(value[1], f"{names[1]} of {label!r}", ndim=1)
    if len(first) != len(second) or len(first) == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} of {label!r} must be non-empty and of equal length, "
            f"got {len(first)} and {len(second)}"
        )
    return first, second


def check_unit(values: np.ndarray, what: str) -> None:
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(
            f"{what} must lie in [0, 1], found [{finite.min():.3g}, {finite.max():.3g}]"
        )
