"""The settings of a training run: the five methods, their hyperparameters, the tuned defaults.

:class:`TrainConfig` holds every hyperparameter; ``TrainConfig.tuned(method)`` gives the settings
``python -m hashlib_edu.tune`` chose on validation data (``hashlib_edu/tuned.json``) and
``TrainConfig.paper(method)`` each paper's official solver (DHN: Zhu et al., AAAI 2016; HashNet:
Cao et al., ICCV 2017). :data:`METHODS` says what distinguishes the methods.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .continuation import BetaSchedule

__all__ = [
    "INITS",
    "METHODS",
    "METHOD_NAMES",
    "PAIRINGS",
    "PAPER_DATASETS",
    "PRETRAIN_LABELS",
    "Method",
    "TrainConfig",
    "check_method",
    "method_name",
    "tuned_settings",
]


@dataclass(frozen=True)
class Method:
    """What distinguishes the methods: the loss, the similarity weighting and the continuation."""

    loss: str
    weighted: bool
    continuation: bool
    continuous_ranking: bool = False
    pairs: str = "distinct"

    def training_key(self) -> tuple[str, bool, bool]:
        """Methods with the same key train the same model (HashNet and HashNet ranked by h)."""
        return self.loss, self.weighted, self.continuation


METHODS: dict[str, Method] = {
    "dhn": Method(loss="dhn", weighted=False, continuation=False, pairs="all"),
    "hashnet": Method(loss="hashnet", weighted=True, continuation=True),
    "hashnet-rank-h": Method(
        loss="hashnet", weighted=True, continuation=True, continuous_ranking=True
    ),
    "hashnet-w": Method(loss="hashnet", weighted=False, continuation=True),
    "hashnet-sgn": Method(loss="hashnet", weighted=True, continuation=False),
}

#: The one display name of every method of the suite (deep and shallow), used in every figure,
#: legend, table and text; the keys are the names the code and the command line take.
METHOD_NAMES: dict[str, str] = {
    "hashnet": "HashNet",
    "hashnet-rank-h": "HashNet ranked by h",
    "hashnet-w": "HashNet-W",
    "hashnet-sgn": "HashNet-sgn",
    "dhn": "DHN",
    "itq": "ITQ",
    "lsh": "LSH",
}

INITS = ("pretrained", "scratch")
#: How a mini-batch is paired: "all" in-batch pairs including i = j (dhn-caffe multiplies one
#: batch with itself), or "distinct" pairs i != j (HashNet's two independently shuffled batches).
PAIRINGS = ("all", "distinct")
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
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1], got {self.lr_decay}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        if self.pretrain_labels not in PRETRAIN_LABELS:
            raise ValueError(
                f"pretrain_labels must be one of {PRETRAIN_LABELS}, got {self.pretrain_labels!r}"
            )
        if self.pairs is not None and self.pairs not in PAIRINGS:
            raise ValueError(
                f"pairs must be one of {PAIRINGS} or None (the method's own), got {self.pairs!r}"
            )

    def pairing(self, method: str | Method) -> str:
        """The pairing `method` (a name or a `Method`) trains with: `pairs`, or the method's
        official one (None)."""
        return self.pairs or (method if isinstance(method, Method) else check_method(method)).pairs

    @classmethod
    def paper(
        cls,
        method: str = "hashnet",
        backbone: str = "alexnet",
        dataset: str = "imagenet",
        **overrides,
    ) -> TrainConfig:
        """The official full-scale solver of `method`'s paper, ImageNet-pretrained backbone.

        Read line by line from the official code (docs/design.md, "The official solvers"):

        - HashNet (thuml/HashNet, Caffe): SGD momentum 0.9, weight decay 5e-4, lr halved every
          2,000 of 10,000 iterations, hash layer lr x10, the official beta schedule, alpha = 10/K;
          base lr 2e-4 for ImageNet (caffe/models/train/imagenet/solver.prototxt:2) and 5e-5 for
          NUS-WIDE and COCO (models/train/{nuswide_81,coco}/solver.prototxt:2); pairs across two
          independently shuffled batches of 256 (train_val.prototxt:17, :39), here one batch of
          256 paired i != j.
        - DHN (zhuhan1236/dhn-caffe, models/nus_wide): SGD momentum 0.9, weight decay 5e-4, batch
          64, base lr 2e-5 multiplied by 0.3 every 500 of 10,000 iterations (solver.prototxt:3-11),
          hash layer lr x10, lambda (q_gamma) 0.1 (train_val.prototxt:372), all 64 x 64 pairs of
          the batch with itself (pairwise_loss_layer.cu:70-77).
        """
        spec = check_method(method)
        if dataset not in PAPER_DATASETS:
            raise ValueError(f"dataset must be one of {PAPER_DATASETS}, got {dataset!r}")
        settings = dict(
            iterations=10_000,
            optimizer="sgd",
            hash_lr_multiplier=10.0,
            schedule=BetaSchedule(),
            backbone=backbone,
            init="pretrained",
        )
        if spec.loss == "dhn":
            settings.update(
                batch_size=64, lr=2e-5, lr_halving_every=500, lr_decay=0.3, quantization_weight=0.1
            )
        else:
            lr = 2e-4 if dataset == "imagenet" else 5e-5
            settings.update(batch_size=256, lr=lr, lr_halving_every=2000, lr_decay=0.5)
        return cls(**{**settings, **overrides})

    @classmethod
    def tuned(cls, method: str, **overrides) -> TrainConfig:
        """The defaults for `method`: the settings `python -m hashlib_edu.tune` chose on
        validation data (recorded in hashlib_edu/tuned.json), then `overrides`."""
        check_method(method)
        settings = tuned_settings().get(method, {})
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
        """:meth:`describe` without the settings `method`'s training never reads (DHN's
        quantization weight for the HashNet family, HashNet's alpha and beta schedule for DHN,
        the schedule without continuation, SGD's momentum under Adam), so that a printed config
        shows only what the method uses."""
        unused = _unused_by(self, check_method(method))
        return {k: v for k, v in self.describe(method).items() if k not in unused}


#: Settings only one family of methods reads: DHN's quantization term, HashNet's likelihood and
#: continuation (HashNet-sgn and DHN keep beta = 1 whatever the schedule says).
_DHN_ONLY = ("quantization_weight", "dhn_scale")
_HASHNET_ONLY = ("alpha", "alpha_scale", "continuous_similarity")


def _unused_by(config: TrainConfig, spec: Method) -> set[str]:
    unused = set(_HASHNET_ONLY if spec.loss == "dhn" else _DHN_ONLY)
    if not spec.continuation:
        unused.add("schedule")
    if config.optimizer != "sgd":
        unused.add("momentum")
    return unused


def tuned_settings() -> dict[str, dict]:
    """Per-method settings chosen by `python -m hashlib_edu.tune` (empty if never tuned)."""
    if not _TUNED_FILE.is_file():
        return {}
    allowed = {f.name for f in fields(TrainConfig)}
    settings = json.loads(_TUNED_FILE.read_text())["settings"]
    return {m: {k: v for k, v in s.items() if k in allowed} for m, s in settings.items()}


def check_method(method: str) -> Method:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS)}")
    return METHODS[method]


def method_name(method: str) -> str:
    """The display name of `method` (:data:`METHOD_NAMES`); a name the suite does not know is
    shown as it is (a student's own variant)."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string such as 'hashnet', not {type(method).__name__}")
    return METHOD_NAMES.get(method, method)
