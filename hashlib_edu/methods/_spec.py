"""What a method of the suite is: :class:`Method` (one declaration per method), how it passes
sign(z) (:class:`Binarization`), the comparisons it takes part in (:class:`Claim`).

The registry (:mod:`hashlib_edu.methods`) holds one :class:`Method` per method; training, tuning,
the main job, the plots and the README table read it. docs/design.md ("Adding a method") gives the
recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

#: The learning rates every deep method's tuning grid starts from (the same budget for all).
LEARNING_RATES: tuple[float, ...] = (1e-5, 3e-5, 1e-4, 3e-4)
#: The kinds of method: trained networks ("deep") and estimators on fixed features ("shallow").
KINDS = ("deep", "shallow")
#: How a method pairs a mini-batch: "all" pairs with itself (i = j included), "distinct" pairs
#: i != j, or None for a pointwise loss (each item against its own label or hash centre).
PAIRINGS = ("all", "distinct")


@dataclass(frozen=True)
class Binarization:
    """How the network's pre-activation z reaches the loss during training.

    ``relax(z, beta)`` is what the loss sees: tanh(βz) with β from the continuation schedule,
    tanh(z), or sign(z) with a straight-through gradient. At test time every method uses
    b = sign(z) (sign(0) = +1). ``continuation`` says whether β follows the schedule (else β = 1).
    """

    name: str
    equation: str
    relax: Callable[[torch.Tensor, float], torch.Tensor]
    continuation: bool = False


def _scaled_tanh(z: torch.Tensor, beta: float) -> torch.Tensor:
    return torch.tanh(beta * z)


def _tanh(z: torch.Tensor, beta: float) -> torch.Tensor:
    return torch.tanh(z)


#: HashNet's continuation: h = tanh(βz), β raised by the schedule (Cao et al., ICCV 2017, eq. 9).
SCALED_TANH = Binarization(
    "continuation", "tanh(βz)\nβ grows (continuation)", _scaled_tanh, continuation=True
)
#: A fixed relaxation binarized after training: h = tanh(z) (DHN, HashNet-sgn, ...).
TANH = Binarization("relaxation", "tanh(z)\nβ = 1", _tanh)


@dataclass(frozen=True)
class Claim:
    """A comparison of two methods, paired by seed: `a` beats `b`. ``source`` is "paper" (a
    paper's reported ordering the suite checks) or "suite" (a question no paper asks)."""

    a: str
    b: str
    text: str
    source: str = "suite"


#: Builds a method's training loss: (config, bits, number of classes, seed) -> a module whose
#: forward(h, z, labels) is the loss of a mini-batch (h = the relaxed codes, z the pre-activation).
LossFactory = Callable[[Any, int, int, int], nn.Module]


@dataclass(frozen=True)
class Method:
    """One method of the suite, declared once.

    - ``key``: the name the code and the command line take; ``name``: the display name of every
      figure, legend and table; ``paper``: its reference; ``color`` / ``marker``: its fixed style.
    - deep methods: ``binarization``, ``make_loss`` (a :data:`LossFactory`), ``pairs`` (how the
      loss pairs a mini-batch, None for pointwise losses), ``reads`` (the TrainConfig fields its
      loss reads beyond the shared ones), ``tuning`` (its grid, the same size for every method),
      ``paper_solver`` (dataset -> the official solver's settings), ``trains_as`` (a method whose
      trained model it reuses), ``continuous_ranking`` (rank by <h_q, h_i> instead of Hamming).
    - shallow methods: ``estimator`` (a scikit-learn style class: fit / transform).
    - ``claims``: the comparisons it takes part in (:class:`Claim`); ``loss_summary``: its loss
      in two short lines (the network diagram's loss box).
    """

    key: str
    name: str
    paper: str
    color: Any
    marker: str
    kind: str = "deep"
    binarization: Binarization | None = None
    make_loss: LossFactory | None = None
    pairs: str | None = None
    reads: tuple[str, ...] = ()
    tuning: Mapping[str, tuple] = field(default_factory=dict)
    paper_solver: Callable[[str], dict] | None = None
    trains_as: str | None = None
    continuous_ranking: bool = False
    estimator: type | None = None
    claims: tuple[Claim, ...] = ()
    loss_summary: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.pairs is not None and self.pairs not in PAIRINGS:
            raise ValueError(f"{self.key}: pairs must be one of {PAIRINGS} or None")
        deep = (self.binarization, self.make_loss)
        if self.kind == "deep" and None in deep and self.trains_as is None:
            raise ValueError(f"{self.key}: a deep method needs a binarization and a loss")
        if self.kind == "shallow" and self.estimator is None:
            raise ValueError(f"{self.key}: a shallow method needs an estimator")

    @property
    def continuation(self) -> bool:
        """Whether β follows the continuation schedule (else β = 1 throughout)."""
        return self.binarization is not None and self.binarization.continuation

    @property
    def style(self) -> dict[str, Any]:
        """The colour and marker of every figure of the suite."""
        return {"color": self.color, "marker": self.marker}
