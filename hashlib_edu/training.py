"""One training loop for every deep method of the registry (:mod:`hashlib_edu.methods`).

Each step: z = the hash layer's pre-activation of a shuffled mini-batch; h = the method's
binarization of z (``Method.binarization``: tanh(βz) with β from the continuation schedule for
HashNet, tanh(z) for DHN, ...); the method's loss of (h, z, labels) (``Method.make_loss``); one
optimizer step. A loss's own parameters (a classifier on the codes, say) train with the hash
layer's learning rate.

Every method starts from the same pretrained trunk (`init="pretrained"`: the embedded classifier
pretraining of `hashlib_edu.pretraining` for the conv-pool net, ImageNet weights for AlexNet /
ResNet-50), as in the papers; `init="scratch"` is the labelled from-scratch experiment. The
embedded defaults use Adam with the hash layer at 10x the backbone's learning rate (the papers'
rule), the learning rate multiplied by `lr_decay` at regular steps; `TrainConfig.paper(method)` is
each paper's official solver. Binarization at test time is a separate step: b = sign(z), with
sign(0) = +1 (:mod:`hashlib_edu.encoding`).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import TypedDict

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ._validation import check_positive_int, check_seed
from .batches import minibatches
from .cache import cached, data_fingerprint
from .codes import quantization_error
from .config import TrainConfig
from .device import resolve_device
from .encoding import encode
from .methods import Method, get_method
from .metrics import mean_average_precision
from .models import HashingNetwork, build_model, parameter_groups
from .pretraining import PretrainConfig, pretrained_trunk

__all__ = ["SNAPSHOT_KEYS", "Snapshot", "TrainResult", "train_hashing_model"]


class Snapshot(TypedDict):
    """One moment of training, for the continuation replay (``explorers.continuation_replay``).

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
    """Train the deep method `method` (a key of :data:`hashlib_edu.methods.METHODS`) for
    `bits`-bit codes.

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
    spec = get_method(method, "deep")
    check_positive_int(bits, "bits")
    check_seed(seed)
    config = config or TrainConfig.tuned(method)
    device = resolve_device(device)
    if cache:
        return _cached_training(
            spec, data, bits, config, seed, device, progress, snapshot_every, snapshot_size
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
    loss_fn = spec.make_loss(config, bits, data.num_classes, seed).to(device)
    optimizer = _optimizer(model, loss_fn, config)
    result = TrainResult(model, method, bits, config)
    result.history = {key: [] for key in HISTORY_KEYS}
    if snapshot_every:
        result.snapshots.append(_snapshot(model, data, 0, snapshot_size))
    start = time.perf_counter()
    steps = tqdm(range(config.iterations), desc=f"{method} {bits} bits", disable=not progress)
    for step in steps:
        _train_step(spec, model, loss_fn, optimizer, next(batches), step, result, device)
        if snapshot_every and (step + 1) % snapshot_every == 0:
            result.snapshots.append(_snapshot(model, data, step + 1, snapshot_size))
    if not math.isfinite(result.history["loss"][-1]):
        raise FloatingPointError(f"{method} diverged (loss {result.history['loss'][-1]}); lower lr")
    result.train_seconds = time.perf_counter() - start
    model.eval()
    return result


#: The keys of a run's history (one entry per iteration).
HISTORY_KEYS = ("step", "loss", "beta", "quantization_error", "lr")


def _train_step(spec: Method, model, loss_fn, optimizer, batch, step: int, result, device) -> None:
    """One iteration: h = the method's binarization of z, its loss, one optimizer step; the
    history records the loss, β, the quantization error of tanh(βz) and the backbone's lr."""
    model.train()
    config = result.config
    beta = config.beta_schedule()(step) if spec.continuation else 1.0
    model.beta.fill_(beta)
    images, labels = batch
    z = model.logits(images.to(device))
    h = spec.binarization.relax(z, model.beta)
    loss = loss_fn(h, z, labels.to(device))
    optimizer.zero_grad()
    loss.backward()
    lr = optimizer.param_groups[0]["lr"]
    optimizer.step()
    optimizer.scheduler.step()
    outputs = torch.tanh(model.beta * z.detach())
    values = (step, loss.item(), beta, quantization_error(outputs), lr)
    for key, value in zip(HISTORY_KEYS, values):
        result.history[key].append(value)


def _cached_training(
    spec: Method, data, bits, config, seed, device, progress, snapshot_every, snapshot_size
) -> TrainResult:
    # a method that reuses another's model (HashNet ranked by h) is cached under that method
    method, method_trained = spec.key, spec.trains_as or spec.key
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


def _optimizer(model: HashingNetwork, loss_fn: nn.Module, config: TrainConfig):
    """Adam or SGD over the backbone (lr), the hash layer and the loss's own parameters
    (lr x hash_lr_multiplier), with its step schedule attached as ``.scheduler``."""
    groups = parameter_groups(model, config.lr, config.hash_lr_multiplier)
    own = list(loss_fn.parameters())
    if own:
        groups.append({"params": own, "lr": config.lr * config.hash_lr_multiplier})
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(groups, weight_decay=config.weight_decay)
    else:
        optimizer = torch.optim.SGD(
            groups, momentum=config.momentum, weight_decay=config.weight_decay
        )
    optimizer.scheduler = torch.optim.lr_scheduler.StepLR(
        optimizer, config.halving_step(), gamma=config.lr_decay
    )
    return optimizer


def _snapshot(model: HashingNetwork, data, step: int, size: int) -> Snapshot:
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
