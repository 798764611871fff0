"""The measurements of notebook 01 (DHN, Zhu et al., AAAI 2016), as functions the notebook calls.

* :func:`initial_model` -- the network DHN training starts from (pretrained trunk + new ``fch``),
  the same one :func:`~hashlib_edu.training.train_hashing_model` builds at iteration 0;
* :func:`code_summary` / :func:`model_summary` -- one row of retrieval numbers for a set of
  codes (mAP with ties by index and tie-aware, P@r<=2, distinct codes, quantization error);
* :func:`reference_points` -- the honest comparisons: one constant code (chance), ITQ on pixels,
  ITQ on the pretrained features, DHN at step 0;
* :func:`scale_pull` -- which way the pairwise loss wants the size of the codes to move, split by
  kind of pair (why the codes stay inside the cube without the quantization loss);
* :func:`summary_table` and :func:`plot_training_run` -- the notebook's table and training curves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from matplotlib.figure import Figure

from ._validation import (
    as_codes,
    check_bool,
    check_instance,
    check_int,
    check_positive_int,
    check_seed,
    to_numpy,
)
from .baselines import ITQ
from .batches import batches_in_order
from .codes import quantization_error, share_a_label
from .config import TrainConfig
from .data import HashingData
from .encoding import Encoded, encode
from .models import HashingNetwork, build_model
from .plots.style import PALETTE, finish_axes, new_figure, styled
from .pretraining import PretrainConfig, pretrained_trunk
from .results import evaluate_codes
from .training import TrainResult

__all__ = [
    "COLUMNS",
    "PAIR_KINDS",
    "ScalePull",
    "backbone_features",
    "codes_as_encoded",
    "code_summary",
    "model_summary",
    "summary_table",
    "initial_model",
    "plot_training_run",
    "reference_points",
    "scale_pull",
]

#: The columns a row of :func:`code_summary` holds: key -> (header, format spec).
COLUMNS: dict[str, tuple[str, str]] = {
    "qe": ("quant. error", ".4f"),
    "mean_abs_h": ("mean |h|", ".4f"),
    "distinct": ("distinct codes", ","),
    "map": ("mAP", ".4f"),
    "map_expected": ("mAP tie-aware", ".4f"),
    "p2": ("P@r<=2", ".4f"),
}

#: The kinds of pair :func:`scale_pull` splits the pull into, in order.
PAIR_KINDS: tuple[str, ...] = (
    "self-pairs i = j",
    "similar, i != j",
    "dissimilar, theta < 0",
    "dissimilar, theta >= 0",
)


def _check_data(data: Any) -> HashingData:
    return check_instance(data, HashingData, "data", "from hashlib_edu.data.load_dataset")


def _check_model(model: Any) -> HashingNetwork:
    return check_instance(model, HashingNetwork, "model", "models.build_model, TrainResult.model")


def initial_model(
    config: TrainConfig,
    data: HashingData,
    bits: int,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> HashingNetwork:
    """The network at iteration 0 of ``train_hashing_model(method, data, bits, config=config,
    seed=seed)``: the conv-pool trunk pretrained as a classifier on ``data.train``
    (:func:`~hashlib_edu.pretraining.pretrained_trunk`, cached) -- the embedded analogue of DHN's
    ImageNet-pretrained AlexNet -- and a new hash layer ``fch`` seeded with ``torch.manual_seed(seed)``.

    For the torchvision backbones (``config.backbone != "convpool"``) the trunk carries ImageNet
    weights instead. The model is returned in training mode on `device`.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    data = _check_data(data)
    bits = check_positive_int(bits, "bits")
    seed = check_seed(seed)
    pretrained = config.init == "pretrained"
    trunk = None
    if pretrained and config.backbone == "convpool":
        trunk = pretrained_trunk(
            data, seed=seed, config=PretrainConfig(labels=config.pretrain_labels), device=device
        )
    torch.manual_seed(seed)  # the hash layer's initialisation, as train_hashing_model draws it
    imagenet = pretrained and config.backbone != "convpool"
    model = build_model(config.backbone, bits, tuple(data.image_shape), imagenet)
    if trunk is not None:
        model.backbone.load_state_dict(trunk)
    return model.to(device)


def _check_encoded(value: Any, name: str) -> Encoded:
    if not isinstance(value, Encoded):
        raise TypeError(
            f"{name} must be an Encoded (encoding.encode or codes_as_encoded), got "
            f"{type(value).__name__}"
        )
    return value


def code_summary(
    query: Encoded, database: Encoded, topk: int | None = None
) -> dict[str, float | int]:
    """One row of retrieval numbers for binary codes ``b = sign(h)`` (the keys of :data:`COLUMNS`).

    * ``map``: mAP@topk of Hamming ranking, ties ordered by database index; ``map_expected`` the
      same with ties averaged over all orders (McSherry & Najork 2008). ``topk=None``: the
      whole database (mAP@all).
    * ``p2``: precision within Hamming radius 2 (an empty ball counts as 0).
    * ``distinct``: the number of distinct binary codes among the database items.
    * ``qe``: quantization error of the database's continuous codes,
      ``mean_i ||h_i - sign(h_i)||^2 / K``; ``mean_abs_h``: the mean |h_ik|.
    """
    query = _check_encoded(query, "query")
    database = _check_encoded(database, "database")
    if topk is not None:
        topk = check_positive_int(topk, "topk", len(database.codes), "database size")
    ranking = evaluate_codes(query, database, topk)  # the main job's row, plus what 01 reads
    return {
        "map": ranking["map"],
        "map_expected": ranking["map_expected"],
        "p2": ranking["precision_radius2"],
        "distinct": int(len(np.unique(as_codes(database.codes, "database.codes"), axis=0))),
        "qe": float(quantization_error(database.outputs)),
        "mean_abs_h": float(np.abs(database.outputs).mean()),
    }


def model_summary(model: HashingNetwork, data: HashingData) -> dict[str, float | int]:
    """:func:`code_summary` of `model`'s codes of ``data.query`` against ``data.database``
    (ranked over the protocol's ``data.topk``)."""
    model, data = _check_model(model), _check_data(data)
    return code_summary(encode(model, data.query), encode(model, data.database), data.topk)


def codes_as_encoded(codes: Any, labels: Any) -> Encoded:
    """Binary codes of a hasher without continuous outputs (ITQ, a constant code) as an
    :class:`~hashlib_edu.encoding.Encoded`: its "continuous" outputs are the codes themselves,
    so its quantization error is 0 by construction."""
    codes = as_codes(codes, "codes")
    labels = np.asarray(to_numpy(labels, "labels"), dtype=np.float32)
    if labels.ndim != 2 or len(labels) != len(codes):
        raise ValueError(
            f"labels must be (n, classes) with one row per code ({len(codes)}), got shape "
            f"{labels.shape}"
        )
    return Encoded(codes, codes.astype(np.float32), labels)


@torch.no_grad()
def backbone_features(model: HashingNetwork, split: Any, batch_size: int = 512) -> np.ndarray:
    """The trunk's features phi(x) of every image of `split` (float64, (n, feature_dim)): what
    the papers feed their shallow baselines (AlexNet's fc7 / DeCAF7 features)."""
    model = _check_model(model)
    batch_size = check_positive_int(batch_size, "batch_size")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        features = [
            model.backbone(images.to(device)).cpu().numpy()
            for images, _ in batches_in_order(split, batch_size)
        ]
    model.train(was_training)
    return np.concatenate(features).astype(np.float64)


def reference_points(
    start: HashingNetwork, data: HashingData, bits: int, *, seed: int = 0, pixels: bool = True
) -> dict[str, dict[str, float | int]]:
    """The rows DHN is compared with (each an :func:`code_summary` row), in this order:

    * ``"chance (one constant code)"``: every item gets the code +1...+1, so every database item
      ties with every other; its tie-aware mAP is the expected AP of a random ranking;
    * ``"ITQ on pixels"`` (only with ``pixels=True``): ITQ (Gong & Lazebnik, CVPR 2011) fitted
      on the training images' pixels, `bits` bits;
    * ``"ITQ on pretrained features"``: ITQ on phi(x) of `start`'s trunk -- the start DHN gets,
      hashed without further training (the papers feed shallow methods AlexNet features);
    * ``"DHN at step 0"``: `start` itself, the pretrained trunk with the untrained hash layer.
    """
    start, data = _check_model(start), _check_data(data)
    bits = check_positive_int(bits, "bits")
    seed = check_seed(seed)
    pixels = check_bool(pixels, "pixels")
    splits = (data.train, data.query, data.database)
    rows = {}
    constant = [np.ones((len(s), bits), dtype=np.int8) for s in splits[1:]]
    rows["chance (one constant code)"] = _rank(constant, splits, data.topk)
    if pixels:
        flat = [s.images.flatten(1).numpy().astype(np.float64) for s in splits]
        itq = ITQ(bits, random_state=seed).fit(flat[0])
        rows["ITQ on pixels"] = _rank([itq.transform(x) for x in flat[1:]], splits, data.topk)
    phi = [backbone_features(start, s) for s in splits]
    itq = ITQ(bits, random_state=seed).fit(phi[0])
    rows["ITQ on pretrained features"] = _rank(
        [itq.transform(x) for x in phi[1:]], splits, data.topk
    )
    rows["DHN at step 0"] = model_summary(start, data)
    return rows


def _rank(codes: Sequence[np.ndarray], splits: Sequence[Any], topk: int | None) -> dict:
    query, database = (codes_as_encoded(c, s.labels) for c, s in zip(codes, splits[1:]))
    return code_summary(query, database, topk)


class ScalePull(NamedTuple):
    """:func:`scale_pull`'s result: the pull per kind of pair, mean |h|, the unseparated share."""

    parts: dict[str, float]
    mean_abs_h: float
    unseparated: float

    @property
    def total(self) -> float:
        """The derivative of the whole pairwise loss (the sum of the parts)."""
        return float(sum(self.parts.values()))


def scale_pull(h: Any, labels: Any) -> ScalePull:
    """Which way DHN's pairwise loss wants the size of the codes to move.

    Scale every inner product theta_ij = <h_i, h_j> by c (every code by sqrt(c)) and
    differentiate the mean pairwise cross-entropy of DHN (Zhu et al., AAAI 2016, eq. 4; all n^2
    pairs, the diagonal i = j included, as dhn-caffe) at c = 1::

        d/dc (1/n^2) sum_ij [log(1 + exp(c theta_ij)) - s_ij c theta_ij] |_(c=1)
            = (1/n^2) sum_ij (sigma(theta_ij) - s_ij) theta_ij,    theta_ij = <h_i, h_j>.

    A negative part means "the loss falls if the codes grow", a positive one "... if they
    shrink". ``parts`` splits the sum by kind of pair (:data:`PAIR_KINDS`): self-pairs, similar
    pairs i != j, dissimilar pairs already on opposite sides (theta < 0) and dissimilar pairs not
    yet separated (theta >= 0). ``unseparated`` is the share of dissimilar pairs with theta >= 0.

    `h`: continuous codes (n, K) in [-1, 1] (numpy or torch); `labels`: 0/1 label vectors (n, C).
    """
    h = torch.as_tensor(np.asarray(to_numpy(h, "h"), dtype=np.float64))
    if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] == 0:
        raise ValueError(f"h must be (n, K) codes with n >= 2, got shape {tuple(h.shape)}")
    if not torch.isfinite(h).all() or h.abs().max() > 1:
        raise ValueError("h must be continuous codes in [-1, 1] (tanh outputs), without NaN")
    labels = torch.as_tensor(to_numpy(labels, "labels"))
    if labels.ndim != 2 or len(labels) != len(h):
        raise ValueError(
            f"labels must be (n, classes) with one row per code ({len(h)}), got shape "
            f"{tuple(labels.shape)}"
        )
    s = share_a_label(labels, labels).to(torch.float64)
    theta = h @ h.T
    per_pair = (torch.sigmoid(theta) - s) * theta / theta.numel()
    self_pair = torch.eye(len(h), dtype=torch.bool)
    dissimilar = s == 0
    masks = (
        self_pair,
        (s > 0) & ~self_pair,
        dissimilar & (theta < 0),
        dissimilar & (theta >= 0),
    )
    parts = {kind: float(per_pair[m].sum()) for kind, m in zip(PAIR_KINDS, masks)}
    n_dissimilar = int(dissimilar.sum())
    unseparated = float((dissimilar & (theta >= 0)).sum()) / max(n_dissimilar, 1)
    return ScalePull(parts, float(h.abs().mean()), unseparated)


def summary_table(
    rows: Mapping[str, Mapping[str, float | int]],
    columns: Sequence[str],
    title: str = "",
) -> str:
    """A fixed-width text table: one line per row (its name first), one column per key of
    `columns` (headers and formats from :data:`COLUMNS`). A key a row lacks is left blank."""
    if not isinstance(rows, Mapping) or not rows:
        raise TypeError("rows must be a non-empty dict {row name: {column key: value}}")
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"columns must be a list of keys of COLUMNS, got {columns!r}")
    unknown = [key for key in columns if key not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown columns {unknown}; choose from {list(COLUMNS)}")
    first = max(len(title), *(len(str(name)) for name in rows))
    widths = [max(len(COLUMNS[key][0]), 9) for key in columns]
    lines = [
        " | ".join([title.ljust(first)] + [COLUMNS[k][0].rjust(w) for k, w in zip(columns, widths)])
    ]
    for name, row in rows.items():
        cells = [
            format(row[key], COLUMNS[key][1]).rjust(w) if key in row else " " * w
            for key, w in zip(columns, widths)
        ]
        while cells and not cells[-1].strip():
            cells.pop()  # no dangling separators after the last value
        lines.append(" | ".join([str(name).ljust(first), *cells]))
    return "\n".join(lines)


@styled
def plot_training_run(result: TrainResult, window: int | None = None) -> Figure:
    """Three panels of one training run: the loss per step with its moving mean over `window`
    steps (default: a fortieth of the run), the backbone's learning rate (log scale; the hash
    layer runs at ``config.hash_lr_multiplier`` times it), and the mAP of the current codes at
    the run's snapshots (``train_hashing_model(..., snapshot_every=...)``; empty without). Dotted
    lines mark the learning-rate steps, every ``config.halving_step()`` iterations."""
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
    loss = np.asarray(result.history.get("loss", []), dtype=float)
    if len(loss) == 0:
        raise ValueError("result.history holds no loss; train for at least one step")
    window = (
        max(1, len(loss) // 40) if window is None else check_int(window, "window", 1, len(loss))
    )
    steps = np.asarray(result.history["step"])
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    fig, axes = new_figure(1, 3, (15, 4.2))
    axes[0].plot(steps, loss, lw=0.8, alpha=0.35, color=PALETTE[0], label="per step")
    axes[0].plot(
        steps[window - 1 :], smooth, lw=2, color=PALETTE[0], label=f"mean of {window} steps"
    )
    finish_axes(axes[0], "training step", "loss (per pair, + λ·Q per code)", "training loss")
    axes[1].plot(steps, result.history["lr"], lw=2, color=PALETTE[2])
    lr_title = f"learning rate (hash layer ×{result.config.hash_lr_multiplier:g})"
    finish_axes(
        axes[1], "training step", "backbone learning rate", lr_title, yscale="log", legend=None
    )
    if result.snapshots:
        marks = [(s["step"], s["map"]) for s in result.snapshots]
        axes[2].plot(*zip(*marks), "-o", lw=2, color=PALETTE[3])
    finish_axes(
        axes[2], "training step", "mAP (query set)", "mAP of the current codes", legend=None
    )
    halving = result.config.halving_step()
    for ax in axes[[0, 2]]:
        for step in range(halving, result.config.iterations, halving):
            ax.axvline(step, color="0.6", lw=1, ls=":")
    return fig
