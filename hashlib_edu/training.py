"""One training loop for DHN, HashNet and HashNet's ablations; encoding; safe checkpoints.

Methods (Cao et al., ICCV 2017, Table 3 ablations; Zhu et al., AAAI 2016):

| method        | loss                                        | weighting        | beta           |
|---------------|---------------------------------------------|------------------|----------------|
| "dhn"         | cross-entropy (alpha = dhn_scale) + lambda Q | none             | fixed at 1     |
| "hashnet"     | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | continuation |
| "hashnet-w"   | maximum likelihood, alpha = 10/K             | none             | continuation   |
| "hashnet-sgn" | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | fixed at 1   |

Pairs are all pairs within a mini-batch. The optimiser follows the official solvers: SGD with
momentum 0.9, weight decay 5e-4, the hash layer at 10x the learning rate, the learning rate halved
at regular steps. Binarization is a separate step: b = sign(z), with sign(0) = +1.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from .continuation import BetaSchedule
from .losses import dhn_loss, hashnet_loss, pairwise_similarity
from .models import HashingNetwork, build_model, parameter_groups

__all__ = [
    "METHODS",
    "TrainConfig",
    "TrainResult",
    "Encoded",
    "train_hashing_model",
    "encode",
    "binarize",
    "resolve_device",
    "save_checkpoint",
    "load_checkpoint",
]


@dataclass(frozen=True)
class Method:
    """What distinguishes the methods: the loss, the similarity weighting and the continuation."""

    loss: str
    weighted: bool
    continuation: bool


METHODS: dict[str, Method] = {
    "dhn": Method(loss="dhn", weighted=False, continuation=False),
    "hashnet": Method(loss="hashnet", weighted=True, continuation=True),
    "hashnet-w": Method(loss="hashnet", weighted=False, continuation=True),
    "hashnet-sgn": Method(loss="hashnet", weighted=True, continuation=False),
}


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a run. Defaults suit the embedded digit datasets on a laptop CPU.

    The embedded defaults train the small conv-pool net from scratch with Adam (lr 2e-3, batch
    128, 600 iterations); the papers fine-tune an ImageNet-pretrained AlexNet with SGD, which is
    `TrainConfig.paper()`. Batch 128 rather than 64: on digit-pairs (1% similar pairs) a batch of
    64 holds about 40 similar pairs, too few for 600 iterations to learn from.

    `schedule=None` uses `BetaSchedule.compressed(iterations)`: the official curve squeezed into
    the run. `lr_halving_every=None` halves the learning rate every iterations // 5 (the official
    solver halves it every 2,000 of 10,000 iterations).
    """

    iterations: int = 600
    batch_size: int = 128
    lr: float = 2e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    hash_lr_multiplier: float = 1.0
    lr_halving_every: int | None = None
    quantization_weight: float = 0.1
    dhn_scale: float = 1.0
    alpha: float | None = None
    schedule: BetaSchedule | None = None
    backbone: str = "convpool"
    pretrained: bool = False

    def __post_init__(self) -> None:
        for name in ("iterations", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")

    @classmethod
    def paper(cls, backbone: str = "alexnet", lr: float = 3e-4, **overrides) -> TrainConfig:
        """The official full-scale solver: pretrained backbone, SGD momentum 0.9, weight decay
        5e-4, batch 64, hash layer lr x10, lr halved every 2,000 of 10,000 iterations and the
        official beta schedule. lr 3e-4 is the HashNet PyTorch port's ImageNet setting."""
        settings = dict(
            iterations=10_000,
            batch_size=64,
            lr=lr,
            optimizer="sgd",
            hash_lr_multiplier=10.0,
            lr_halving_every=2000,
            schedule=BetaSchedule(),
            backbone=backbone,
            pretrained=True,
        )
        return cls(**{**settings, **overrides})

    def beta_schedule(self) -> BetaSchedule:
        return (
            self.schedule if self.schedule is not None else BetaSchedule.compressed(self.iterations)
        )

    def halving_step(self) -> int:
        return self.lr_halving_every or max(1, self.iterations // 5)


@dataclass
class TrainResult:
    """A trained model with its history (one entry per iteration) and optional snapshots."""

    model: HashingNetwork
    method: str
    bits: int
    config: TrainConfig
    history: dict[str, list] = field(default_factory=dict)
    snapshots: list[dict] = field(default_factory=list)
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


def binarize(outputs) -> np.ndarray:
    """b = sign(h) as int8 in {-1, +1}, with sign(0) mapped to +1 (never a third value 0)."""
    values = (
        outputs.detach().cpu().numpy() if isinstance(outputs, torch.Tensor) else np.asarray(outputs)
    )
    return np.where(values >= 0, 1, -1).astype(np.int8)


def _check_method(method: str) -> Method:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS)}")
    return METHODS[method]


def _batches(dataset: Dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    """Endless shuffled mini-batches: by index for in-memory datasets, else through a DataLoader."""
    if hasattr(dataset, "images"):
        n = len(dataset)
        while True:
            order = torch.randperm(n, generator=generator)
            for start in range(0, n - batch_size + 1, batch_size):
                idx = order[start : start + batch_size]
                yield dataset.images[idx], dataset.labels[idx]
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator
    )
    while True:
        yield from loader


def _loss(
    method: Method, config: TrainConfig, h: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    similarity = pairwise_similarity(labels, labels)
    if method.loss == "dhn":
        return dhn_loss(h, h, similarity, config.quantization_weight, scale=config.dhn_scale)
    return hashnet_loss(h, h, similarity, alpha=config.alpha, weighted=method.weighted)


def _batch_quantization_error(h: torch.Tensor) -> float:
    return float(((h - torch.where(h >= 0, 1.0, -1.0)) ** 2).sum(1).mean() / h.shape[1])


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
) -> TrainResult:
    """Train `method` ("dhn", "hashnet", "hashnet-w", "hashnet-sgn") for `bits`-bit codes.

    `data` is a `hashlib_edu.data.HashingData`. With `snapshot_every`, the continuous outputs of the
    first `snapshot_size` database items, their quantization error and the mAP of the current codes
    are recorded every `snapshot_every` iterations (for the continuation replay).
    """
    spec = _check_method(method)
    config = config or TrainConfig()
    torch.manual_seed(seed)
    device = resolve_device(device)
    model = build_model(config.backbone, bits, tuple(data.image_shape), config.pretrained).to(
        device
    )
    optimizer = _optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, config.halving_step(), gamma=0.5)
    schedule = config.beta_schedule()
    generator = torch.Generator().manual_seed(seed)
    result = TrainResult(model, method, bits, config)
    result.history = {"step": [], "loss": [], "beta": [], "quantization_error": []}
    batches = _batches(data.train, config.batch_size, generator)
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
        optimizer.step()
        scheduler.step()
        _record(result.history, step, loss.item(), beta, _batch_quantization_error(h.detach()))
        if snapshot_every and (step + 1) % snapshot_every == 0:
            result.snapshots.append(_snapshot(model, data, step + 1, snapshot_size))
    if not math.isfinite(result.history["loss"][-1]):
        raise FloatingPointError(f"{method} diverged (loss {result.history['loss'][-1]}); lower lr")
    result.train_seconds = time.perf_counter() - start
    model.eval()
    return result


def _optimizer(model: HashingNetwork, config: TrainConfig) -> torch.optim.Optimizer:
    groups = parameter_groups(model, config.lr, config.hash_lr_multiplier)
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, weight_decay=config.weight_decay)
    return torch.optim.SGD(groups, momentum=config.momentum, weight_decay=config.weight_decay)


def _record(history: dict, step: int, loss: float, beta: float, qe: float) -> None:
    for key, value in zip(("step", "loss", "beta", "quantization_error"), (step, loss, beta, qe)):
        history[key].append(value)


def _snapshot(model: HashingNetwork, data, step: int, size: int) -> dict:
    from .metrics import mean_average_precision, quantization_error

    query = encode(model, data.query)
    database = encode(model, data.database)
    topk = min(data.topk or len(data.database), len(data.database))
    score = mean_average_precision(query.codes, database.codes, query.labels, database.labels, topk)
    return {
        "step": step,
        "beta": float(model.beta),
        "outputs": database.outputs[:size].copy(),
        "quantization_error": quantization_error(database.outputs),
        "map": float(score),
    }


@torch.no_grad()
def encode(model: HashingNetwork, dataset: Dataset, batch_size: int = 512) -> Encoded:
    """Codes b = sign(z) (int8, +-1, sign(0) = +1), outputs h = tanh(beta z) and labels of `dataset`."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    codes, outputs, labels = [], [], []
    if hasattr(dataset, "images"):
        chunks = (
            (dataset.images[i : i + batch_size], dataset.labels[i : i + batch_size])
            for i in range(0, len(dataset), batch_size)
        )
    else:
        chunks = iter(DataLoader(dataset, batch_size=batch_size, shuffle=False))
    for images, batch_labels in chunks:
        z = model.logits(images.to(device))
        outputs.append(torch.tanh(model.beta * z).cpu())
        codes.append(torch.where(z >= 0, 1, -1).to(torch.int8).cpu())
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
