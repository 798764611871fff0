"""One training loop for DHN, HashNet and HashNet's ablations; encoding; safe checkpoints.

Methods (Zhu et al., AAAI 2016; Cao et al., ICCV 2017 and its ablations HashNet-W, HashNet-sgn):

| method           | loss                                         | weighting          | beta         | pairs  |
|------------------|----------------------------------------------|--------------------|--------------|--------|
| "dhn"            | cross-entropy (alpha = dhn_scale) + lambda Q | none               | fixed at 1   | all    |
| "hashnet"        | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | continuation | i != j |
| "hashnet-rank-h" | as "hashnet"; ranked by continuous h (the suite's variant, see reproduce)              |
| "hashnet-w"      | maximum likelihood, alpha = 10/K             | none               | continuation | i != j |
| "hashnet-sgn"    | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | fixed at 1   | i != j |

The paper's HashNet+C is "hashnet" with `TrainConfig(continuous_similarity=True)` (multi-label data).

Every method starts from the same pretrained trunk (`init="pretrained"`: the embedded classifier
pretraining of `hashlib_edu.pretraining` for the conv-pool net, ImageNet weights for AlexNet /
ResNet-50), as in the papers; `init="scratch"` is the labelled from-scratch experiment.

Pairs follow each method's official code (`TrainConfig.pairs`, default the method's own): DHN
takes all pairs of a mini-batch with itself, the diagonal i = j included (dhn-caffe multiplies one
batch with itself); HashNet takes the pairs i != j (its official code pairs two independently
shuffled batches, so an item meets itself only by chance). The embedded defaults use Adam with the
hash layer at 10x the backbone's learning rate (the papers' rule), the learning rate multiplied by
`lr_decay` at regular steps; `TrainConfig.paper(method)` is each paper's official SGD solver.
Binarization is a separate step: b = sign(z), with sign(0) = +1.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, TypedDict

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from ._io import atomic_write
from .cache import cached, data_fingerprint
from .codes import binarize, binarize_tensor, quantization_error
from .config import INITS, METHODS, Method, TrainConfig, check_method, tuned_settings
from .losses import (
    continuous_similarity_scale,
    dhn_loss,
    distinct_pairs_mask,
    hashnet_loss,
    pairwise_similarity,
)
from .models import HashingNetwork, build_model, parameter_groups

__all__ = [
    "INITS",
    "METHODS",
    "SNAPSHOT_KEYS",
    "Method",
    "Snapshot",
    "TrainConfig",
    "tuned_settings",
    "TrainResult",
    "Encoded",
    "train_hashing_model",
    "minibatches",
    "encode",
    "binarize",
    "resolve_device",
    "save_checkpoint",
    "load_checkpoint",
]


class Snapshot(TypedDict):
    """One moment of training, for the continuation replay (``widgets.continuation_replay``).

    ``outputs`` are the continuous codes h = tanh(βz) of the first database items, ``map`` the
    mAP@R of the codes sign(z) at that step (ties by index).
    """

    step: int
    beta: float
    outputs: np.ndarray
    quantization_error: float
    map: float


#: The keys of a :class:`Snapshot`, in order.
SNAPSHOT_KEYS: tuple[str, ...] = tuple(Snapshot.__annotations__)


@dataclass
class TrainResult:
    """A trained model with its history (one entry per iteration) and optional snapshots."""

    model: HashingNetwork
    method: str
    bits: int
    config: TrainConfig
    history: dict[str, list] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    train_seconds: float = 0.0


class Encoded(NamedTuple):
    """Binary codes (int8, +-1), continuous outputs h (float32) and labels of a dataset."""

    codes: np.ndarray
    outputs: np.ndarray
    labels: np.ndarray


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """ "auto" picks CUDA when available, else the CPU; anything else is passed to torch.device."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def minibatches(dataset: Dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    """Endless shuffled mini-batches (images, labels), every batch full (the last partial batch
    of each pass is dropped): by index for in-memory datasets, else through a DataLoader."""
    n = len(dataset)
    if batch_size > n:
        raise ValueError(
            f"batch_size {batch_size} exceeds the {n} training items; lower batch_size to at "
            f"most {n} or use a larger training split"
        )
    if hasattr(dataset, "images"):
        return _tensor_batches(dataset, batch_size, generator)
    return _loader_batches(dataset, batch_size, generator)


def _tensor_batches(dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    n = len(dataset)
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield dataset.images[idx], dataset.labels[idx]


def _loader_batches(dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator
    )
    while True:
        yield from loader


def _loss(
    method: Method, config: TrainConfig, h: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    similarity = pairwise_similarity(labels, labels)
    distinct = config.pairing(method) == "distinct"
    mask = distinct_pairs_mask(len(h), h.device) if distinct else None
    if method.loss == "dhn":
        return dhn_loss(
            h, h, similarity, config.quantization_weight, scale=config.dhn_scale, mask=mask
        )
    alpha = config.alpha if config.alpha is not None else config.alpha_scale * 10.0 / h.shape[1]
    scale = continuous_similarity_scale(labels, labels) if config.continuous_similarity else None
    return hashnet_loss(
        h, h, similarity, alpha=alpha, weighted=method.weighted, mask=mask, pair_scale=scale
    )


def train_hashing_model(
    method: str,
    data,
    bits: int,
    *,
    config: TrainConfig | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = True,
    snapshot_every: int | None = None,
    snapshot_size: int = 1000,
    cache: bool = False,
) -> TrainResult:
    """Train `method` ("dhn", "hashnet", "hashnet-rank-h", "hashnet-w", "hashnet-sgn") for `bits`-bit codes.

    `data` is a `hashlib_edu.data.HashingData`; `config=None` uses `TrainConfig.tuned(method)`.
    With `init="pretrained"` the conv-pool trunk starts from `pretraining.pretrained_trunk(data,
    seed=seed)` (cached on disk; its time is not counted in `train_seconds`). With
    `snapshot_every`, the continuous outputs of the first `snapshot_size` database items, their
    quantization error and the mAP of the current codes are recorded at step 0 and every
    `snapshot_every` iterations (for the continuation replay).

    With `cache=True` the trained model, its history and snapshots are stored on disk by
    (dataset split, method, bits, seed, config, device type, torch version) and a later call with
    the same setting loads them instead of training (:mod:`hashlib_edu.cache`): the same numbers
    in every notebook and in `make run`, each model trained once.
    """
    spec = check_method(method)
    config = config or TrainConfig.tuned(method)
    device = resolve_device(device)
    if cache:
        return _cached_training(
            method, data, bits, config, seed, device, progress, snapshot_every, snapshot_size
        )
    # both checks fail fast: missing ImageNet weights before anything runs, a batch larger than
    # the training set before the (seconds-long) embedded pretraining
    model = (
        None
        if config.backbone == "convpool"
        else _initial_model(config, data, bits, seed, device, progress)
    )
    batches = minibatches(data.train, config.batch_size, torch.Generator().manual_seed(seed))
    if model is None:
        model = _initial_model(config, data, bits, seed, device, progress)
    optimizer = _optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.StepLR(
        optimizer, config.halving_step(), gamma=config.lr_decay
    )
    schedule = config.beta_schedule()
    result = TrainResult(model, method, bits, config)
    result.history = {"step": [], "loss": [], "beta": [], "quantization_error": [], "lr": []}
    if snapshot_every:
        result.snapshots.append(_snapshot(model, data, 0, snapshot_size))
    start = time.perf_counter()
    for step in tqdm(range(config.iterations), desc=f"{method} {bits} bits", disable=not progress):
        model.train()
        beta = schedule(step) if spec.continuation else 1.0
        model.beta.fill_(beta)
        images, labels = next(batches)
        h = model(images.to(device))
        loss = _loss(spec, config, h, labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        _record(result.history, step, loss.item(), beta, quantization_error(h.detach()), lr)
        if snapshot_every and (step + 1) % snapshot_every == 0:
            result.snapshots.append(_snapshot(model, data, step + 1, snapshot_size))
    if not math.isfinite(result.history["loss"][-1]):
        raise FloatingPointError(f"{method} diverged (loss {result.history['loss'][-1]}); lower lr")
    result.train_seconds = time.perf_counter() - start
    model.eval()
    return result


def _cached_training(
    method, data, bits, config, seed, device, progress, snapshot_every, snapshot_size
) -> TrainResult:
    # HashNet and HashNet ranked by h train the same model
    training = METHODS[method].training_key()
    method_trained = next(m for m, spec in METHODS.items() if spec.training_key() == training)
    description = {
        **data_fingerprint(data),
        "method": method_trained,
        "bits": int(bits),
        "seed": int(seed),
        "config": asdict(config),
        "pairs": config.pairing(method),
        "device": device.type,
        "torch": torch.__version__,
        # taking snapshots changes the last bits of training (oneDNN picks kernels by history)
        "snapshots": [int(snapshot_every or 0), int(snapshot_size) if snapshot_every else 0],
    }

    def build() -> dict:
        result = train_hashing_model(
            method, data, bits, config=config, seed=seed, device=device, progress=progress,
            snapshot_every=snapshot_every, snapshot_size=snapshot_size,
        )  # fmt: skip
        return {
            "state_dict": {k: v.detach().cpu() for k, v in result.model.state_dict().items()},
            "history": result.history,
            "snapshots": [
                {**s, "outputs": torch.from_numpy(s["outputs"])} for s in result.snapshots
            ],
            "train_seconds": float(result.train_seconds),
        }

    name = f"{data.name}-{method_trained}-{bits}bits-seed{seed}"
    payload = cached("models", name, description, build)
    model = build_model(config.backbone, bits, tuple(data.image_shape), False)
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    snapshots = [Snapshot(**{**s, "outputs": s["outputs"].numpy()}) for s in payload["snapshots"]]
    result = TrainResult(model, method, bits, config, payload["history"], snapshots)
    result.train_seconds = payload["train_seconds"]
    return result


def _initial_model(
    config: TrainConfig, data, bits: int, seed: int, device: torch.device, progress: bool
) -> HashingNetwork:
    """The network at iteration 0: the pretrained trunk (or a seeded random one) + a new fch."""
    pretrained = config.init == "pretrained"
    trunk = None
    if pretrained and config.backbone == "convpool":
        from .pretraining import PretrainConfig, pretrained_trunk

        trunk = pretrained_trunk(
            data,
            seed=seed,
            config=PretrainConfig(labels=config.pretrain_labels),
            device=device,
            progress=progress,
        )
    torch.manual_seed(seed)
    imagenet = pretrained and config.backbone != "convpool"
    model = build_model(config.backbone, bits, tuple(data.image_shape), imagenet)
    if trunk is not None:
        model.backbone.load_state_dict(trunk)
    return model.to(device)


def _optimizer(model: HashingNetwork, config: TrainConfig) -> torch.optim.Optimizer:
    groups = parameter_groups(model, config.lr, config.hash_lr_multiplier)
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, weight_decay=config.weight_decay)
    return torch.optim.SGD(groups, momentum=config.momentum, weight_decay=config.weight_decay)


def _record(history: dict, step: int, loss: float, beta: float, qe: float, lr: float) -> None:
    """One history entry; `lr` is the backbone's learning rate used at this step."""
    keys = ("step", "loss", "beta", "quantization_error", "lr")
    for key, value in zip(keys, (step, loss, beta, qe, lr)):
        history[key].append(value)


def _snapshot(model: HashingNetwork, data, step: int, size: int) -> Snapshot:
    from .metrics import mean_average_precision

    query = encode(model, data.query)
    database = encode(model, data.database)
    topk = min(data.topk or len(data.database), len(data.database))
    score = mean_average_precision(query.codes, database.codes, query.labels, database.labels, topk)
    return Snapshot(
        step=step,
        beta=float(model.beta),
        outputs=database.outputs[:size].copy(),
        quantization_error=quantization_error(database.outputs),
        map=float(score),
    )


def batches_in_order(dataset: Dataset, batch_size: int = 512, count: int | None = None):
    """(images, labels) of the first `count` items of `dataset` (all by default), in order, in
    batches of `batch_size`: slices of the tensors of an embedded split, else a DataLoader."""
    count = len(dataset) if count is None else count
    if hasattr(dataset, "images"):
        return (
            (
                dataset.images[i : min(i + batch_size, count)],
                dataset.labels[i : min(i + batch_size, count)],
            )
            for i in range(0, count, batch_size)
        )
    subset = dataset if count == len(dataset) else torch.utils.data.Subset(dataset, range(count))
    return iter(DataLoader(subset, batch_size=batch_size, shuffle=False))


@torch.no_grad()
def encode(model: HashingNetwork, dataset: Dataset, batch_size: int = 512) -> Encoded:
    """Codes b = sign(z) (int8, +-1, sign(0) = +1), outputs h = tanh(beta z) and labels of `dataset`."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    codes, outputs, labels = [], [], []
    for images, batch_labels in batches_in_order(dataset, batch_size):
        z = model.logits(images.to(device))
        outputs.append(torch.tanh(model.beta * z).cpu())
        codes.append(binarize_tensor(z, torch.int8).cpu())
        labels.append(torch.as_tensor(batch_labels).float())
    model.train(was_training)
    return Encoded(torch.cat(codes).numpy(), torch.cat(outputs).numpy(), torch.cat(labels).numpy())


_CHECKPOINT_FORMAT = "hashlib_edu.checkpoint/1"


def save_checkpoint(result: TrainResult, path: str | os.PathLike, image_shape) -> Path:
    """Write model weights and the run's description atomically (a temp file, then a rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": _CHECKPOINT_FORMAT,
        "method": result.method,
        "bits": result.bits,
        "backbone": result.config.backbone,
        "image_shape": [int(x) for x in image_shape],
        "config": {
            k: v for k, v in asdict(replace(result.config, schedule=None)).items() if v is not None
        },
        "state_dict": result.model.state_dict(),
    }
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> HashingNetwork:
    """Rebuild the model saved by `save_checkpoint` (loaded with weights_only=True: no pickled code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=resolve_device(device), weights_only=True)
    except Exception as err:
        raise ValueError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: {err}); it may be "
            "truncated or corrupt: re-create it with save_checkpoint"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a hashlib_edu checkpoint (missing format tag)")
    model = build_model(payload["backbone"], payload["bits"], tuple(payload["image_shape"]))
    model.load_state_dict(payload["state_dict"])
    return model.to(resolve_device(device)).eval()
