"""The figure of notebook ``05_map_conventions``: one set of codes under every mAP convention.

:func:`plot_convention_spread` draws the mAP of several models under every convention of
:func:`hashlib_edu.conventions.map_conventions`, one row per convention, each method in its own
colour and marker (:func:`~hashlib_edu.plots.method_style`) and display name
(:func:`hashlib_edu.methods.method_name`); a reference that is not a method (a constant code) is
drawn in a neutral near-black. The tie example's figures are in :mod:`hashlib_edu.ties`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu._validation import check_float, check_mapping, check_str
from hashlib_edu.conventions import MAP_CONVENTIONS
from hashlib_edu.methods import METHODS, method_name
from hashlib_edu.plots.style import axes_or_new, finish_axes, method_style, styled

__all__ = ["NON_METHOD_STYLE", "plot_convention_spread"]

#: Colour and marker of a reference that is not a method (a constant code): neutral, never a
#: colour of :data:`hashlib_edu.plots.METHOD_STYLES`.
NON_METHOD_STYLE: dict[str, Any] = {"color": "0.1", "marker": "*"}
CHANCE_COLOR = "0.1"


def _check_results(results: Any) -> dict[str, Mapping[str, float]]:
    what = "a dict model name -> map_conventions(...) of its codes"
    check_mapping(results, "results", what)
    for name, values in results.items():
        check_str(name, f"the model name {name!r} in results")
        check_mapping(values, f"results[{name!r}]", "a dict of map_conventions")
        missing = [c for c in MAP_CONVENTIONS if c not in values]
        if missing:
            raise ValueError(f"results[{name!r}] lacks the conventions {missing}")
        for convention in MAP_CONVENTIONS:
            where = f"results[{name!r}][{convention!r}]"
            check_float(values[convention], where, 0.0, 1.0, allow_nan=True)
    return dict(results)


@styled
def plot_convention_spread(
    results: Mapping[str, Mapping[str, float]],
    *,
    chance: float | None = None,
    xlabel: str = "mAP",
    ax: Axes | None = None,
) -> Figure:
    """The same codes under every mAP convention: one row per key of
    :data:`~hashlib_edu.conventions.MAP_CONVENTIONS`, one marker per model.

    ``results``: model name -> :func:`~hashlib_edu.conventions.map_conventions` of its codes.
    A method of the suite (a key of :data:`hashlib_edu.methods.METHODS`) is drawn in its
    colour and marker (:func:`~hashlib_edu.plots.method_style`) and labelled with its display
    name; any other name (a constant code, chance) in :data:`NON_METHOD_STYLE`. Models are
    dodged vertically inside a row so that equal values do not hide each other. ``chance``: the
    chance level, drawn as a dotted grey line: the tie-aware mAP of a constant code
    (:func:`hashlib_edu.results.chance_level`), i.e. the expected AP of a uniformly random
    ranking, slightly above the share of relevant pairs.
    """
    results = _check_results(results)
    if chance is not None:
        chance = check_float(chance, "chance", 0.0, 1.0)
    check_str(xlabel, "xlabel")
    fig, ax = axes_or_new(ax, (11.0, 5.0))
    y = np.arange(len(MAP_CONVENTIONS))
    spread = 0.3 if len(results) > 1 else 0.0
    for (name, values), dy in zip(results.items(), np.linspace(-spread, spread, len(results))):
        style = method_style(name) if name in METHODS else NON_METHOD_STYLE
        size = 150 if style["marker"] == "*" else 70
        ax.scatter(
            [values[c] for c in MAP_CONVENTIONS],
            y + dy,
            s=size,
            zorder=3,
            label=method_name(name),
            edgecolor="white",
            linewidth=0.6,
            **style,
        )
    if chance is not None:
        ax.axvline(chance, color=CHANCE_COLOR, ls=":", lw=2, label="chance (random ranking)")
    ax.set_yticks(y, MAP_CONVENTIONS)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    for boundary in y[1:] - 0.5:  # rows, not models, are separated
        ax.axhline(boundary, color="0.85", lw=1, zorder=0)
    finish_axes(
        ax,
        xlabel,
        "convention",
        "The same codes, seven mAP conventions",
        xlim=(-0.02, 1.02),
        legend=None,
    )
    # outside the axes: no marker hides behind it, whatever the values
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=12, framealpha=0.95)
    return fig
