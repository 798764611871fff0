"""Learning or beta? How much of the saturation of HashNet's codes h = tanh(beta z) is the
network moving z away from 0, and how much is the growing beta (Cao et al., ICCV 2017).

|tanh(beta z)| > c  <=>  |z| > atanh(c) / beta: the bar a code entry must pass falls as beta
grows, so a share of saturated entries mixes learning with a mechanical effect of the schedule.
:func:`saturation_shares` separates them from training snapshots (z recovered from the recorded
float32 h, where rounding has not lost it), :func:`pre_activations` gives the exact z of a trained
model and :func:`plot_learning_vs_beta` draws both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hashlib_edu._validation import (
    as_float_array,
    check_float,
    check_fraction,
    check_positive_int,
)
from hashlib_edu.plots.style import PALETTE, SIGN_COLOR, finish_axes, new_figure, styled
from hashlib_edu.plots.training import check_snapshots

__all__ = [
    "H_ULPS",
    "SHARE_TOLERANCE",
    "plot_learning_vs_beta",
    "pre_activations",
    "saturation_shares",
]


#: Units in the last place of error allowed in a recorded float32 h when z = atanh(h) / beta is
#: recovered from it (torch's float32 tanh is within 1 ulp on the CPU, CUDA's tanhf within 2).
H_ULPS = 2
#: A share recovered from float32 h counts as known when rounding can move it by at most this.
SHARE_TOLERANCE = 0.01


def _abs_z(outputs: np.ndarray, beta: float, ulps: int) -> tuple[np.ndarray, ...]:
    """|z| = atanh(|h|) / beta from codes h = tanh(beta z) recorded in float32, with bounds:
    h is known only to within `ulps` units in its last place, and once |beta z| passes about 9
    float32 rounds h to exactly +-1, where only a lower bound on |z| is left (atanh(1) = inf)."""
    h = np.abs(outputs.astype(np.float32))
    spread = ulps * np.spacing(h).astype(np.float64)
    values = h.astype(np.float64)
    low = np.clip(values - spread, 0.0, 1.0)
    high = np.clip(values + spread, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        return tuple(np.arctanh(v) / beta for v in (values, low, high))


def _share_beyond(abs_z: tuple[np.ndarray, ...], cut: float, tolerance: float) -> float:
    """Share of entries with |z| > cut, or NaN when float32 rounding leaves it open by more
    than `tolerance` (every uncertain entry below the cut, or every one above it)."""
    value, low, high = abs_z
    surely, maybe = float(np.mean(low > cut)), float(np.mean(high > cut))
    return float(np.mean(value > cut)) if maybe - surely <= tolerance else float("nan")


def saturation_shares(
    snapshots: Sequence[Mapping[str, Any]],
    final_logits: Any = None,
    threshold: float = 0.9,
    tolerance: float = SHARE_TOLERANCE,
) -> dict[str, np.ndarray]:
    """How much of the saturation of h = tanh(beta z) is learning and how much is beta.

    For each snapshot (step t, beta_t, the recorded h = tanh(beta_t z_t) of the same items) the
    share of code entries past `threshold` in three views (HashNet, Cao et al., ICCV 2017):

    * ``"recorded"``: |tanh(beta_t z_t)| > threshold, what training shows (both effects);
    * ``"network"``: |tanh(z_t)| > threshold, i.e. beta held at 1: how far the network itself
      has moved z from 0 (learning);
    * ``"beta_only"``: |tanh(beta_t z_0)| > threshold, z frozen at the first snapshot: what the
      growing beta alone does to codes that learned nothing (the mechanical effect).

    Since |tanh(beta z)| > c  <=>  |z| > atanh(c) / beta, the recorded share counts the z past a
    bar that falls as beta grows. z is recovered from the float32 h as atanh(h) / beta, with
    `H_ULPS` units of rounding in h; where that leaves a share open by more than `tolerance`
    (once beta z passes about 9, float32 h is exactly +-1 and z is lost) the share is NaN.
    ``final_logits`` (the pre-activations z of the same items at the last snapshot, from the
    trained model's ``logits``) makes the last ``"network"`` value exact; it must reproduce the
    last snapshot's h. Returns arrays ``"step"``, ``"beta"``, ``"recorded"``, ``"network"``,
    ``"beta_only"``.
    """
    snapshots = check_snapshots(snapshots)
    threshold = check_fraction(threshold, "threshold")
    tolerance = check_float(tolerance, "tolerance", 0.0, 1.0)
    outputs = [np.asarray(s["outputs"], dtype=np.float32) for s in snapshots]
    if any(o.shape != outputs[0].shape for o in outputs):
        raise ValueError("every snapshot must hold the codes of the same items (equal shapes)")
    betas = np.array([float(s["beta"]) for s in snapshots])
    if not (np.isfinite(betas).all() and (betas > 0).all()):
        raise ValueError(f"every snapshot's beta must be positive and finite, got {betas}")
    cut = float(np.arctanh(threshold))
    first = _abs_z(outputs[0], betas[0], H_ULPS)
    network, beta_only = [], []
    for h, beta in zip(outputs, betas, strict=True):
        network.append(_share_beyond(_abs_z(h, beta, H_ULPS), cut, tolerance))
        beta_only.append(_share_beyond(first, cut / beta, tolerance))
    if final_logits is not None:
        z = _check_final_logits(final_logits, outputs[-1], betas[-1])
        network[-1] = float(np.mean(np.abs(z) > cut))
    return {
        "step": np.array([int(s["step"]) for s in snapshots]),
        "beta": betas,
        "recorded": np.array([float(np.mean(np.abs(h) > threshold)) for h in outputs]),
        "network": np.array(network),
        "beta_only": np.array(beta_only),
    }


def _check_final_logits(final_logits: Any, last_outputs: np.ndarray, beta: float) -> np.ndarray:
    z = as_float_array(final_logits, "final_logits", ndim=2)
    if z.shape != last_outputs.shape:
        raise ValueError(
            f"final_logits has shape {z.shape} but the snapshots hold {last_outputs.shape}: "
            "pass model.logits of the same items (the first rows of the database)"
        )
    if not np.isfinite(z).all():
        raise ValueError("final_logits contains NaN or inf")
    gap = float(np.max(np.abs(np.tanh(beta * z) - last_outputs)))
    if gap > 1e-4:
        raise ValueError(
            f"tanh(β z) of final_logits differs from the last snapshot's h by up to {gap:.3g}: "
            "pass the trained model's logits of the snapshot's items"
        )
    return z


def pre_activations(model: Any, dataset: Any, count: int | None = None) -> np.ndarray:
    """The hash layer's pre-activations z (float32, shape (count, K)) of the first `count`
    items of `dataset` (all by default), from ``model.logits``: the exact z, where a recorded
    h = tanh(beta z) has lost it to float32 rounding. The model is put in eval mode."""
    import torch

    from hashlib_edu.batches import batches_in_order

    if not (isinstance(model, torch.nn.Module) and callable(getattr(model, "logits", None))):
        raise TypeError(
            f"model must be a hashing network with .logits (models.build_model, "
            f"TrainResult.model), got {type(model).__name__}"
        )
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(
            f"dataset must be a dataset of (image, label), got {type(dataset).__name__}"
        )
    total = len(dataset)
    count = total if count is None else check_positive_int(count, "count", total, "dataset size")
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        batches = batches_in_order(dataset, 512, count)
        z = [model.logits(x.to(device)).float().cpu() for x, _ in batches]
    return torch.cat(z).numpy()


@styled
def plot_learning_vs_beta(
    snapshots: Sequence[Mapping[str, Any]],
    final_logits: Any = None,
    threshold: float = 0.9,
) -> Figure:
    """Learning or beta: the network's z beside tanh(beta z) over training (HashNet).

    Right panel (:func:`saturation_shares`): the share of code entries past `threshold`, as
    recorded (|tanh(beta_t z_t)|), for the network alone (|tanh z_t|, beta = 1) and for beta
    alone (|tanh(beta_t z_0)|, z frozen at step 0), against the training step. Where float32
    rounding has lost z the network's line has a gap; ``final_logits`` (the trained model's z of
    the snapshot's items) gives its exact last point. Left panel, drawn with ``final_logits``:
    histograms of |z| at the first snapshot and at the end, with the two bars a code entry must
    pass: |z| > atanh(threshold) for |tanh z| and atanh(threshold) / beta_end for
    |tanh(beta_end z)| (|z| above 4 is counted in the last bin).
    """
    shares = saturation_shares(snapshots, final_logits, threshold)
    snapshots = list(snapshots)
    if final_logits is None:
        fig, share_ax = new_figure(1, 1, (7.0, 4.4))
    else:
        fig, (z_ax, share_ax) = new_figure(1, 2, (12.0, 4.6), width_ratios=[1, 1.15])
        _draw_z_histograms(z_ax, snapshots, final_logits, threshold)
    _draw_shares(share_ax, shares, threshold)
    return fig


def _draw_z_histograms(ax: Axes, snapshots, final_logits, threshold: float) -> None:
    first, last = snapshots[0], snapshots[-1]
    h0 = np.abs(np.asarray(first["outputs"], dtype=np.float64))
    with np.errstate(divide="ignore"):
        z0 = np.arctanh(h0) / float(first["beta"])
    z_end = np.abs(as_float_array(final_logits, "final_logits", ndim=2))
    top = 4.0
    bins = np.linspace(0.0, top, 41)
    for z, step, color, fill in (
        (z0, first["step"], PALETTE[7], True),
        (z_end, last["step"], PALETTE[0], False),
    ):
        values = np.minimum(z.ravel(), top - 1e-9)
        weights = np.full(values.size, 1.0 / values.size)
        style = (
            {"alpha": 0.35, "histtype": "stepfilled"} if fill else {"histtype": "step", "lw": 2.5}
        )
        ax.hist(
            values, bins=bins, weights=weights, color=color, label=f"step {int(step):,}", **style
        )
    if np.any(z_end >= top):  # name the last bin, which also holds every |z| beyond the axis
        last_bin = float(np.mean(z_end >= bins[-2]))
        where = {"xytext": (-10, 0), "textcoords": "offset points", "ha": "right", "va": "top"}
        ax.annotate(
            f"last bin: |z| ≥ {bins[-2]:g}", (bins[-2], last_bin), fontsize="small", **where
        )
    cut = float(np.arctanh(threshold))
    beta_end = float(last["beta"])
    ax.axvline(cut, color=SIGN_COLOR, lw=2, label=f"|tanh z| = {threshold:g}")
    label = f"|tanh(βz)| = {threshold:g} at β = {beta_end:.3g}"
    ax.axvline(cut / beta_end, color=PALETTE[3], lw=2, ls="--", label=label)
    finish_axes(
        ax,
        "network pre-activation |z|",
        "fraction of code entries",
        "the network's |z|: start and end",
        xlim=(0.0, top),
        legend="upper right",
    )


def _draw_shares(ax: Axes, shares: Mapping[str, np.ndarray], threshold: float) -> None:
    steps = shares["step"]
    views = (
        ("recorded", "h = tanh(βz), as recorded", PALETTE[0], "-o"),
        ("network", "tanh(z): the network alone (β = 1)", PALETTE[2], "--s"),
        ("beta_only", "tanh(βz₀): β alone (z frozen at step 0)", PALETTE[1], ":^"),
    )
    for key, label, color, fmt in views:
        ax.plot(steps, shares[key], fmt, color=color, lw=2.2, ms=6, label=label)
    network = shares["network"]
    known = np.flatnonzero(np.isfinite(network))
    gap = np.flatnonzero(~np.isfinite(network))
    if gap.size and known.size:
        where = float(np.mean(steps[gap]))
        level = float(network[known[known < gap[0]][-1]]) if (known < gap[0]).any() else 0.5
        note = "z lost to float32\nrounding of h"
        ax.text(
            where, level - 0.09, note, ha="center", va="top", color=PALETTE[2], fontsize="small"
        )
    betas = shares["beta"]
    finish_axes(
        ax,
        f"training step (β from {betas[0]:.3g} to {betas[-1]:.3g})",
        f"share of entries with |·| > {threshold:g}",
        "learning or β?",
        ylim=(0.0, 1.02),
        legend="lower right",
    )
