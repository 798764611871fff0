"""The package style: one palette, one colour and marker per method, classroom-sized fonts, and
the small helpers every figure uses (a styled-figure decorator, d2l-style axis finishing, the
Axes to draw on). The input checks of the figures live with every other argument check, in
:mod:`hashlib_edu._validation`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu._validation import (
    check_ax,
    check_figsize,
    check_instance,
    check_positive_int,
    check_range,
    check_sequence,
    check_str,
)
from hashlib_edu.methods import METHODS

#: The one palette of the suite (seaborn "colorblind").
PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
#: One fixed colour and marker per method, in every figure of the suite: each method declares its
#: own in the registry (``Method.color``, ``Method.marker`` in :mod:`hashlib_edu.methods`), from
#: colour-blind-safe palettes (seaborn "colorblind", Paul Tol's).
METHOD_STYLES: dict[str, dict[str, Any]] = {key: m.style for key, m in METHODS.items()}


def method_style(method: str) -> dict[str, Any]:
    """Colour and marker of `method` (:data:`METHOD_STYLES`, from the registry); unknown names get
    a neutral grey circle."""
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
    if not callable(function):
        raise TypeError(f"styled decorates a plotting function, got {type(function).__name__}")

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(_style_rc()):
            return function(*args, **kwargs)

    return wrapper


def new_figure(nrows: int, ncols: int, figsize: tuple[float, float], **kwargs: Any):
    """A new figure of `nrows` x `ncols` panels (constrained layout), already closed in pyplot:
    it shows once, when the caller returns it. `kwargs` go to ``plt.subplots``."""
    nrows = check_positive_int(nrows, "nrows")
    ncols = check_positive_int(ncols, "ncols")
    figsize = check_figsize(figsize)
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
    _check_finish_args(ax, xlabel, ylabel, title, xscale, yscale, legend)
    xlim = None if xlim is None else check_range(xlim, "xlim")
    ylim = None if ylim is None else check_range(ylim, "ylim")
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


def _check_finish_args(ax, xlabel, ylabel, title, xscale, yscale, legend) -> None:
    check_instance(ax, Axes, "ax", "a matplotlib Axes")
    check_str(xlabel, "xlabel")
    check_str(ylabel, "ylabel")
    for name, value in (("title", title), ("xscale", xscale), ("yscale", yscale)):
        check_str(value, name, optional=True)
    check_str(legend, "legend", optional=True)


def axes_or_new(ax: Any, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and Axes to draw on: `ax` (checked) or a new one-panel figure."""
    check_ax(ax)
    figsize = check_figsize(figsize)
    if ax is None:
        return new_figure(1, 1, figsize)
    return ax.figure, ax


def panels_or_new(
    ax: Any, npanels: int, figsize: tuple[float, float], **kwargs: Any
) -> tuple[Figure, list[Axes]]:
    """The figure and `npanels` Axes (one row) to draw on: a new figure when `ax` is None
    (`kwargs` go to ``plt.subplots``), else `ax`, a sequence of exactly `npanels` Axes."""
    npanels = check_positive_int(npanels, "npanels")
    if ax is None:
        fig, axes = new_figure(1, npanels, figsize, squeeze=False, **kwargs)
        return fig, list(axes[0])
    axes = check_sequence(ax, "ax", f"a sequence of {npanels} Axes (one per panel) or None")
    if len(axes) != npanels:
        raise ValueError(f"ax must hold {npanels} Axes (one per panel), got {len(axes)}")
    for i, panel in enumerate(axes):
        check_instance(panel, Axes, f"ax[{i}]", "a matplotlib Axes")
    return axes[0].figure, axes
