"""Three ways through sign(z), and the hash centres that replace pairs.

sign(z) has derivative 0 at every z != 0, so a loss of the codes b = sign(z) passes no gradient
back to the network. The methods of the suite take three ways through it (their binarizations in
the registry, :mod:`hashlib_edu.methods`):

* **continuation** (HashNet, Cao et al., ICCV 2017): h = tanh(βz), β raised during training,
  dh/dz = β sech²(βz);
* **straight-through** (GreedyHash, Su et al., NeurIPS 2018): b = sign(z) in the forward pass,
  the gradient passed on unchanged, ∂b/∂z := 1;
* **relaxation** (HashNet-sgn, DHN, CSQ): h = tanh(z) in training, dh/dz = 1 − tanh²(z), and
  b = sign(z) only after training.

:func:`binarization_curves` computes what each loss sees and the gradient it passes back with
torch autograd through the registry's ``Binarization.relax`` (no formula typed a second time);
:func:`plot_binarization_gradients` draws both side by side. :func:`centre_distances` and
:func:`plot_centre_distances` show CSQ's hash centres (Yuan et al., CVPR 2020): Hadamard rows,
where any two differ in K/2 or K bits, or balanced random centres.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hashlib_edu._validation import (
    as_float_array,
    check_float,
    check_int,
    check_positive_int,
    check_range,
    check_seed,
    check_sequence,
)
from hashlib_edu.methods import csq, get_method, method_name
from hashlib_edu.plots.style import (
    SIGN_COLOR,
    finish_axes,
    method_style,
    panels_or_new,
    styled,
)

__all__ = [
    "GRADIENT_FLOOR",
    "THREE_WAYS",
    "BinarizationCurve",
    "binarization_curves",
    "centre_distances",
    "plot_binarization_gradients",
    "plot_centre_distances",
]

#: One method per way through sign(z): continuation, straight-through, relaxation.
THREE_WAYS: tuple[str, ...] = ("hashnet", "greedyhash", "hashnet-sgn")
#: Lower end of the log-scale gradient panel of :func:`plot_binarization_gradients`.
GRADIENT_FLOOR = 1e-4
#: Line styles of the continuation's β values, in order (a method without continuation: solid).
_BETA_LINESTYLES = ("--", ":", "-.", (0, (8, 2, 1, 2)))
#: A distance histogram with at most this many distinct distances lists the pairs at each.
_LISTED_DISTANCES = 3


class BinarizationCurve(NamedTuple):
    """What one method's loss sees on a grid of z, and the gradient it passes back to z.

    ``value`` is ``relax(z, beta)``, ``gradient`` its derivative d value / dz by autograd; ``way``
    is the binarization's name ("continuation", "straight-through", "relaxation"), ``beta`` the
    β it was evaluated at (1 for a method without continuation, as in training).
    """

    method: str
    way: str
    beta: float
    z: np.ndarray
    value: np.ndarray
    gradient: np.ndarray


def _check_betas(betas: Any) -> list[float]:
    """One positive β or a non-empty sequence of them, as floats."""
    is_number = isinstance(betas, int | float | np.integer | np.floating)
    if is_number and not isinstance(betas, bool):
        return [check_float(betas, "betas", 0.0, open_low=True)]
    values = check_sequence(betas, "betas", "a number or a list of numbers", fix="e.g. [2, 7]")
    return [check_float(b, f"betas[{i}]", 0.0, open_low=True) for i, b in enumerate(values)]


def _check_methods(methods: Any) -> list[str]:
    """A non-empty sequence of deep methods of the registry, each with a binarization."""
    keys = check_sequence(methods, "methods", "a list of method keys", fix="e.g. THREE_WAYS")
    for key in keys:
        if get_method(key, "deep").binarization is None:
            raise ValueError(f"method {key!r} has no binarization of its own; pass another")
    if len(set(keys)) != len(keys):
        raise ValueError(f"methods {keys} name a method twice")
    return keys


def _check_z(z: Any) -> np.ndarray:
    values = as_float_array(z, "z", ndim=1)
    if values.size == 0:
        raise ValueError("z is empty; pass a grid such as np.linspace(-3, 3, 601)")
    if not np.isfinite(values).all():
        raise ValueError("z contains NaN or inf; pass finite pre-activations")
    return values


def _autograd(relax, z: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """relax(z, beta) and its element-wise derivative, by autograd in float64: relax acts entry
    by entry, so the gradient of the sum is d relax(z_i) / d z_i."""
    grid = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    value = relax(grid, beta)
    (gradient,) = torch.autograd.grad(value.sum(), grid)
    return value.detach().numpy().copy(), gradient.numpy().copy()


def binarization_curves(
    z: Any, betas: float | Sequence[float] = (2.0, 7.0), methods: Sequence[str] = THREE_WAYS
) -> list[BinarizationCurve]:
    """What the loss of each method sees of z, and the gradient it passes back, on the grid `z`.

    For each of `methods` (default :data:`THREE_WAYS`: HashNet, GreedyHash, HashNet-sgn) its
    registry binarization ``Method.binarization.relax`` is evaluated on `z` and differentiated by
    torch autograd: once per β of `betas` for a method with continuation (HashNet: tanh(βz),
    derivative β sech²(βz)), once at β = 1 otherwise, as in training (GreedyHash: sign(z) with
    the straight-through derivative 1; HashNet-sgn: tanh(z), derivative 1 − tanh²(z)).
    Returns one :class:`BinarizationCurve` per curve, in that order.
    """
    grid = _check_z(z)
    beta_values = _check_betas(betas)
    curves = []
    for key in _check_methods(methods):
        binarization = get_method(key, "deep").binarization
        for beta in beta_values if binarization.continuation else [1.0]:
            value, gradient = _autograd(binarization.relax, grid, beta)
            curves.append(BinarizationCurve(key, binarization.name, beta, grid, value, gradient))
    return curves


def _curve_styles(curves: list[BinarizationCurve]) -> list[dict[str, Any]]:
    """Colour from the method, line style from the curve's rank among the method's β values."""
    seen: dict[str, int] = {}
    styles = []
    for curve in curves:
        rank = seen.get(curve.method, 0)
        seen[curve.method] = rank + 1
        label = f"{method_name(curve.method)} ({curve.way})"
        ls = "-"
        if get_method(curve.method).continuation:
            label += f", β = {curve.beta:g}"
            ls = _BETA_LINESTYLES[rank % len(_BETA_LINESTYLES)]
        color = method_style(curve.method)["color"]
        styles.append({"color": color, "ls": ls, "lw": 2.6, "label": label})
    return styles


@styled
def plot_binarization_gradients(
    betas: float | Sequence[float] = (2.0, 7.0),
    z_range: tuple[float, float] = (-3.0, 3.0),
    methods: Sequence[str] = THREE_WAYS,
    num_points: int = 601,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """Three ways through sign(z), side by side (:func:`binarization_curves`).

    Left: what the loss sees, relax(z, β), against sign(z) (sign(0) = +1, grey). Right: the
    gradient passed back to z, d relax / dz, on a log axis from :data:`GRADIENT_FLOOR` (sign's
    own derivative, 0 at every z ≠ 0, lies below any log axis and is named in the panel):
    β sech²(βz) for the continuation (Cao et al., ICCV 2017), 1 for the straight-through
    estimator (Su et al., NeurIPS 2018), 1 − tanh²(z) for the relaxation. Each method in its
    registry colour, the continuation's β values by line style; one legend under both panels.
    ``ax``: None or two Axes to draw on.
    """
    low, high = check_range(z_range, "z_range")
    num_points = check_int(num_points, "num_points", minimum=2)
    curves = binarization_curves(np.linspace(low, high, num_points), betas, methods)
    fig, (value_ax, grad_ax) = panels_or_new(ax, 2, (13.0, 5.2))
    z = curves[0].z
    sign = np.where(z >= 0, 1.0, -1.0)
    value_ax.plot(z, sign, color=SIGN_COLOR, lw=7, alpha=0.25, solid_capstyle="butt")
    for curve, style in zip(curves, _curve_styles(curves), strict=True):
        value_ax.plot(z, curve.value, **style)
        grad_ax.plot(z, np.maximum(curve.gradient, GRADIENT_FLOOR / 10), **style)
    finish_axes(
        value_ax,
        "pre-activation z",
        "what the loss sees",
        "forward: the value the loss sees",
        xlim=(low, high),
        ylim=(-1.2, 1.2),
        legend=None,
    )
    top = 8.0 * max(1.0, max(float(c.gradient.max()) for c in curves))  # room for the note
    grad_ax.set_yscale("log")
    grad_ax.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{value:g}")
    )  # 0.001, not 10⁻³
    finish_axes(
        grad_ax,
        "pre-activation z",
        "gradient passed back to z (log scale)",
        "backward: the gradient passed to z",
        xlim=(low, high),
        ylim=(GRADIENT_FLOOR, top),
        legend=None,
    )
    note = "sign(z) itself passes 0\nat every z ≠ 0 (off this axis)"
    where = {"transform": grad_ax.transAxes, "ha": "left", "va": "top"}
    grad_ax.text(0.03, 0.97, note, fontsize="small", color=SIGN_COLOR, **where)
    handles = [Line2D([], [], color=SIGN_COLOR, lw=7, alpha=0.25, label="sign(z), for reference")]
    handles += value_ax.get_lines()[1:]
    if ax is None:
        fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize="small")
    else:
        value_ax.legend(handles=handles, loc="upper left", fontsize="small")
    return fig


def _check_lengths(bits: Any) -> list[int]:
    if isinstance(bits, int | np.integer) and not isinstance(bits, bool):
        return [check_positive_int(bits, "bits")]
    values = check_sequence(bits, "bits", "an integer or a list of integers", fix="e.g. [16, 64]")
    return [check_positive_int(b, f"bits[{i}]") for i, b in enumerate(values)]


def centre_distances(num_classes: int = 100, bits: int = 64, seed: int = 0) -> np.ndarray:
    """The Hamming distances between the hash centres of every pair of classes (int64, one per
    pair c < c'), from CSQ's :func:`~hashlib_edu.methods.csq.hash_centres` (Yuan et al., CVPR
    2020): d(c, c') = (K − ⟨c, c'⟩) / 2."""
    num_classes = check_int(num_classes, "num_classes", minimum=2)
    bits = check_positive_int(bits, "bits")
    seed = check_seed(seed)
    return csq.centre_distances(csq.hash_centres(num_classes, bits, seed))


def _draw_distance_histogram(panel: Axes, distances: np.ndarray, k: int) -> None:
    """Bars of the share of pairs per distance, a dot on each non-empty one (a bar of a few pairs
    is too thin to see), K/2 dashed, and a note: the closest pair and the mean, or with at most
    :data:`_LISTED_DISTANCES` distinct distances, the number of pairs at each."""
    counts = np.bincount(distances, minlength=k + 1)
    shares = counts / distances.size
    style = method_style("csq")
    panel.bar(np.arange(k + 1), shares, width=max(0.8, k / 40), color=style["color"])
    present = np.flatnonzero(counts)
    dots = {"ls": "none", "ms": 7, "clip_on": False, "label": "class pairs"}
    panel.plot(present, shares[present], **dots, **style)
    panel.axvline(k / 2, color=SIGN_COLOR, lw=1.5, ls="--", zorder=0, label=f"K/2 = {k / 2:g}")
    lines = [f"closest pair: {distances.min()} bits", f"mean: {distances.mean():.1f} bits"]
    if present.size <= _LISTED_DISTANCES:
        lines = [f"{counts[d]:,} pairs {d} bits apart" for d in present]
    where = {"transform": panel.transAxes, "ha": "left", "va": "top"}
    box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    panel.text(0.03, 0.96, "\n".join(lines), fontsize="small", bbox=box, **where)
    margin = 0.5 + max(0.8, k / 40) / 2
    finish_axes(
        panel,
        "Hamming distance between two centres",
        "share of class pairs",
        xlim=(-margin, k + margin),
        ylim=(0.0, 1.45 * float(shares.max())),  # room for the note and the legend
        legend="upper right",
    )


@styled
def plot_centre_distances(
    num_classes: int = 100,
    bits: int | Sequence[int] = (16, 32, 64),
    seed: int = 0,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """How far apart CSQ's hash centres are: one panel per code length in `bits`, the share of
    class pairs at each Hamming distance (:func:`centre_distances`), K/2 marked.

    With K a power of two and num_classes <= 2K the centres are Hadamard rows: any two differ in
    exactly K/2 bits, or in K (a row and its negation). Otherwise they are balanced random
    centres, whose distances spread around K/2 (Yuan et al., CVPR 2020). ``ax``: None or one Axes
    per code length.
    """
    num_classes = check_int(num_classes, "num_classes", minimum=2)
    lengths = _check_lengths(bits)
    seed = check_seed(seed)
    fig, axes = panels_or_new(ax, len(lengths), (4.6 * len(lengths), 4.2))
    for panel, k in zip(axes, lengths, strict=True):
        kind = "Hadamard rows" if csq.uses_hadamard_rows(num_classes, k) else "random, balanced"
        _draw_distance_histogram(panel, centre_distances(num_classes, k, seed), k)
        panel.set_title(f"K = {k} bits: {kind}")
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig
