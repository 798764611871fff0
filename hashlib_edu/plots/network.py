"""A diagram of the DHN / HashNet network, drawn from the model the package builds.

:func:`plot_network_diagram` builds the same :class:`~hashlib_edu.models.HashingNetwork` that
training builds (``models.build_model``) and reads its sizes from it — the trunk's feature
dimension, the hash layer's K units, the parameter counts — so the picture cannot drift from the
code: image -> conv-pool trunk (pretrained) -> ``fch`` (K units) -> tanh(beta z) during training
(HashNet: beta grows; DHN and HashNet-sgn: beta = 1) -> sign at test time, and, below, the pairwise
loss that two such codes h_i, h_j feed (Zhu et al., AAAI 2016; Cao et al., ICCV 2017).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .._validation import check_choice, check_image_shape, check_positive_int
from ..methods import get_method, method_name
from .style import PALETTE, new_figure, styled

__all__ = ["plot_network_diagram"]

_ARROW = {"arrowstyle": "-|>", "lw": 2.0, "color": "0.2", "mutation_scale": 18}


def _box(ax, x: float, y: float, text: str, color, width: float = 2.4) -> None:
    corner = (x - width / 2, y - 0.45)
    style = {"boxstyle": "round,pad=0.05", "facecolor": color, "edgecolor": "0.25", "alpha": 0.9}
    patch = FancyBboxPatch(corner, width, 0.9, **style)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], label: str = "") -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops=_ARROW, annotation_clip=False, zorder=5)
    if label:
        middle = ((start[0] + end[0]) / 2, max(start[1], end[1]) + 0.62)
        ax.text(*middle, label, ha="center", va="bottom", fontsize=11, color="0.2")


@styled
def plot_network_diagram(
    method: str = "hashnet",
    bits: int = 32,
    image_shape: tuple[int, int, int] = (1, 8, 16),
    backbone: str = "convpool",
) -> Figure:
    """The network `method` trains, with its sizes read from ``models.build_model(backbone, bits,
    image_shape)``: trunk, ``fch``, the training activation, the test-time sign, and the loss, as
    the method declares them in the registry (``Binarization.equation``, ``Method.loss_summary``).
    Returns the figure (one row of boxes and, below, the loss)."""
    from ..models import BACKBONES, build_model

    spec = get_method(method, "deep")
    bits = check_positive_int(bits, "bits")
    image_shape = check_image_shape(image_shape)
    check_choice(backbone, "backbone", BACKBONES)
    model = build_model(backbone, bits, image_shape, pretrained=False)
    features = model.hash_layer.in_features
    trunk_params = sum(p.numel() for p in model.backbone.parameters())
    fch_params = sum(p.numel() for p in model.hash_layer.parameters())
    fig, ax = new_figure(1, 1, figsize=(14, 5))
    shape = "×".join(str(s) for s in image_shape)
    steps = [
        (f"image x\n{shape}", "0.92"),
        (f"{backbone} trunk φ(x)\npretrained, {trunk_params:,} params", PALETTE[0]),
        (f"fch: z = W φ(x) + b\n{features} → K = {bits}\n{fch_params:,} params", PALETTE[2]),
        (spec.binarization.equation, PALETTE[1]),
        (f"b = sign(z)\n{bits} bits = {bits // 8} bytes", "0.85"),
    ]
    xs = [1.2 + 3.0 * i for i in range(len(steps))]
    for x, (text, color) in zip(xs, steps):
        _box(ax, x, 2.0, text, color)
    # each arrow carries what flows along it: the image, the trunk's features, z, then h (whose
    # sign is the code once training is over)
    labels = [f"x: {shape}", f"φ(x): {features} features", "z ∈ ℝ^K", "h ∈ (−1, 1)^K; at test time"]
    for i, label in enumerate(labels):
        _arrow(ax, (xs[i] + 1.25, 2.0), (xs[i + 1] - 1.25, 2.0), label)
    _box(ax, xs[3], 0.2, spec.loss_summary, PALETTE[3], width=4.6)
    _arrow(ax, (xs[3], 1.5), (xs[3], 0.72))
    ax.text(xs[3] + 0.15, 1.1, "pairs (h_i, h_j), s_ij = 1 if they share a label", fontsize=11)
    ax.set_xlim(-0.1, xs[-1] + 1.35)
    ax.set_ylim(-0.4, 3.0)
    ax.axis("off")
    name = method_name(method)
    ax.set_title(f"{name}: the network and its loss ({bits} bits, sizes from models.build_model)")
    return fig
