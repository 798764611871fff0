"""The settings of a training run: the hyperparameters, the tuned defaults, the papers' solvers.

:class:`TrainConfig` holds every hyperparameter; ``TrainConfig.tuned(method)`` gives the settings
``python -m hashlib_edu.tune`` chose on validation data (``hashlib_edu/tuned.json``) and
``TrainConfig.paper(method)`` each paper's official solver (declared by the method in the registry,
:mod:`hashlib_edu.methods`, which says what distinguishes the methods).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ._validation import check_bool, check_choice, check_float, check_instance, check_positive_int
from .continuation import BetaSchedule
from .methods import PAIRINGS, Method, get_method
from .models import BACKBONES

__all__ = [
    "INITS",
    "METHOD_SETTINGS",
    "OPTIMIZERS",
    "PAPER_DATASETS",
    "PRETRAIN_LABELS",
    "SHARED_SETTINGS",
    "TrainConfig",
    "tuned_settings",
]

INITS = ("pretrained", "scratch")
OPTIMIZERS = ("adam", "sgd")
#: What the embedded pretraining classifies: the training split's own labels ("own"), or, for the
#: composed digit sets, only the digit in the first slot ("first-digit": 10 classes, coarser than
#: the 100 / 1,000 relevance classes; the analogue of ImageNet-1k features used for a task whose
#: classes the pretraining never named).
PRETRAIN_LABELS = ("own", "first-digit")
#: The benchmarks whose official HashNet solver `TrainConfig.paper` knows (base lr differs).
PAPER_DATASETS = ("imagenet", "nus-wide", "coco")
_TUNED_FILE = Path(__file__).with_name("tuned.json")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a run. Defaults suit the embedded digit datasets on a laptop CPU.

    The embedded defaults fine-tune the pretrained conv-pool trunk (`init="pretrained"`) with Adam,
    the hash layer at 10x the backbone's learning rate (the papers' rule), batch 128, the
    learning rate multiplied by `lr_decay` every `lr_halving_every` iterations. Each method's
    tuned settings (chosen on validation data by `python -m hashlib_edu.tune`) are
    `TrainConfig.tuned(method)`, which `train_hashing_model` uses when no config is given. The
    papers' own solvers are `TrainConfig.paper(method)`.

    `schedule=None` uses `BetaSchedule.compressed(iterations)`: the official curve squeezed into
    the run. `lr_halving_every=None` steps the learning rate every iterations // 5 (the official
    HashNet solver halves it every 2,000 of 10,000 iterations). `alpha=None` is HashNet's
    `alpha_scale * 10 / K`. `pairs=None` pairs each mini-batch as the method's official code
    does (`Method.pairs`: DHN all pairs with i = j, HashNet i != j); "all" or "distinct" forces one.
    `pretrain_labels` is what the embedded pretraining classifies (`PRETRAIN_LABELS`).
    `quantization_weight` weighs the method's quantization term (DHN's λ; each method's module in
    :mod:`hashlib_edu.methods` says what it weighs there).
    """

    iterations: int = 800
    batch_size: int = 128
    lr: float = 1e-4
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    hash_lr_multiplier: float = 10.0
    lr_halving_every: int | None = None
    lr_decay: float = 0.5
    quantization_weight: float = 0.1
    dhn_scale: float = 1.0
    alpha: float | None = None
    alpha_scale: float = 1.0
    continuous_similarity: bool = False
    schedule: BetaSchedule | None = None
    backbone: str = "convpool"
    init: str = "pretrained"
    pairs: str | None = None
    pretrain_labels: str = "own"

    def __post_init__(self) -> None:
        for name in ("iterations", "batch_size"):
            check_positive_int(getattr(self, name), name)
        if self.lr_halving_every is not None:
            check_positive_int(self.lr_halving_every, "lr_halving_every")
        check_float(self.lr, "lr", 0.0, open_low=True)
        check_float(self.lr_decay, "lr_decay", 0.0, 1.0, open_low=True)
        for name in ("momentum", "weight_decay", "quantization_weight"):
            check_float(getattr(self, name), name, 0.0)
        for name in ("hash_lr_multiplier", "dhn_scale", "alpha_scale"):
            check_float(getattr(self, name), name, 0.0, open_low=True)
        if self.alpha is not None:
            check_float(self.alpha, "alpha", 0.0, open_low=True)
        check_bool(self.continuous_similarity, "continuous_similarity")
        if self.schedule is not None:
            check_instance(self.schedule, BetaSchedule, "schedule", "hashlib_edu.continuation")
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.init, "init", INITS)
        check_choice(self.backbone, "backbone", BACKBONES)
        check_choice(self.pretrain_labels, "pretrain_labels", PRETRAIN_LABELS)
        if self.pairs is not None:
            check_choice(self.pairs, "pairs", PAIRINGS)

    def pairing(self, method: str | Method) -> str | None:
        """The pairing `method` (a key or a :class:`Method`) trains with: `pairs`, or the method's
        own (None for a pointwise method, which pairs nothing)."""
        spec = method if isinstance(method, Method) else get_method(method, "deep")
        return None if spec.pairs is None else self.pairs or spec.pairs

    @classmethod
    def paper(
        cls,
        method: str = "hashnet",
        backbone: str = "alexnet",
        dataset: str = "imagenet",
        **overrides,
    ) -> TrainConfig:
        """The official full-scale solver of `method`'s paper, ImageNet-pretrained backbone.

        Shared by every paper: SGD (momentum 0.9, weight decay 5e-4), 10,000 iterations, the hash
        layer at 10x the backbone's learning rate, the official beta schedule; then each method's
        own settings, read line by line from its official code (``Method.paper_solver``, cited in
        its module of :mod:`hashlib_edu.methods`; docs/design.md, "The official solvers").
        """
        spec = get_method(method, "deep")
        check_choice(dataset, "dataset", PAPER_DATASETS)
        settings = dict(
            iterations=10_000,
            optimizer="sgd",
            hash_lr_multiplier=10.0,
            schedule=BetaSchedule(),
            backbone=backbone,
            init="pretrained",
        )
        settings.update(spec.paper_solver(dataset))
        return cls(**{**settings, **overrides})

    @classmethod
    def tuned(cls, method: str, **overrides) -> TrainConfig:
        """The defaults for `method`: the settings `python -m hashlib_edu.tune` chose on
        validation data (recorded in hashlib_edu/tuned.json), then `overrides`."""
        spec = get_method(method, "deep")
        settings = tuned_settings().get(spec.trains_as or spec.key, {})
        return cls(**{**settings, **overrides})

    def beta_schedule(self) -> BetaSchedule:
        return (
            self.schedule if self.schedule is not None else BetaSchedule.compressed(self.iterations)
        )

    def halving_step(self) -> int:
        return self.lr_halving_every or max(1, self.iterations // 5)

    def describe(self, method: str | None = None) -> dict:
        """The settings as a JSON-friendly dict (the beta schedule by its parameters; with
        `method`, the pairing it resolves to)."""
        out = asdict(replace(self, schedule=None))
        out["schedule"] = asdict(self.beta_schedule())
        if method is not None:
            out["pairs"] = self.pairing(method)
        return out

    def used_settings(self, method: str) -> dict:
        """:meth:`describe` without the settings `method`'s training never reads (another
        method's loss settings, the schedule without continuation, the pairing of a pointwise
        loss, SGD's momentum under Adam), so that a printed config shows only what it uses."""
        spec = get_method(method, "deep")
        unused = set(METHOD_SETTINGS) - set(spec.reads)
        if not spec.continuation:
            unused.add("schedule")
        if spec.pairs is None:
            unused.add("pairs")
        if self.optimizer != "sgd":
            unused.add("momentum")
        return {k: v for k, v in self.describe(method).items() if k not in unused}


#: The settings only some methods' losses read (each method lists its own in ``Method.reads``).
METHOD_SETTINGS = (
    "quantization_weight",
    "dhn_scale",
    "alpha",
    "alpha_scale",
    "continuous_similarity",
)
#: The settings every deep method reads.
SHARED_SETTINGS = tuple(f.name for f in fields(TrainConfig) if f.name not in METHOD_SETTINGS)


def tuned_settings() -> dict[str, dict]:
    """Per-method settings chosen by `python -m hashlib_edu.tune` (empty if never tuned)."""
    if not _TUNED_FILE.is_file():
        return {}
    allowed = {f.name for f in fields(TrainConfig)}
    settings = json.loads(_TUNED_FILE.read_text())["settings"]
    return {m: {k: v for k, v in s.items() if k in allowed} for m, s in settings.items()}
