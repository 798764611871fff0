"""GreedyHash (Su, Zhang, Han and Tian, NeurIPS 2018): sign(z) in the forward pass, the gradient
passed straight through in the backward pass, a classifier on the codes.

The authors' code (ssppp/GreedyHash, imagenet.py at commit e5089b2):

- the hash layer (imagenet.py:166-181): ``forward`` returns ``torch.sign(input)``, ``backward``
  returns ``grad_output`` unchanged: b = sign(z) forward, ∂L/∂z = ∂L/∂b backward;
- the network (imagenet.py:184-200): z = fc_plus(features), b = hash_layer(z), and a bias-free
  classifier on the codes, ``nn.Linear(encode_length, num_classes, bias=False)`` (:190);
- the loss (imagenet.py:231-234): ``CrossEntropyLoss(fc(b), labels) + 1 * mean(| |z| - 1 |^3)``,

      L = -(1/n) sum_i log softmax(W b_i)_{y_i} + α (1/(nK)) sum_ik | |z_ik| - 1 |^3,

  α = 1 on ImageNet (DeepHash-pytorch's GreedyHash.py uses α = 0.1). The suite's α is
  ``TrainConfig.quantization_weight``;
- the solver (imagenet.py:19-22, :209, :212-215): SGD lr 1e-3, momentum 0.9, weight decay 5e-4,
  batch 32, one learning rate for every layer, x0.1 at epoch 80 of 100.

Two departures, both documented: sign(0) = +1 (the suite's rule everywhere; ``torch.sign`` gives
0 at exactly 0), and multi-label items (the paper's code reads one class per image) take the
cross-entropy against their labels spread evenly, -sum_c (y_ic / |y_i|) log softmax(W b_i)_c,
which is the paper's loss for single-label items.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._spec import LEARNING_RATES, Binarization, Claim, Method

__all__ = ["sign_straight_through", "GreedyHashLoss", "STRAIGHT_THROUGH", "GREEDYHASH"]


class _SignStraightThrough(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: torch.Tensor) -> torch.Tensor:
        return torch.where(z >= 0, 1.0, -1.0).to(z.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        return grad_output


def sign_straight_through(z: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """b = sign(z) (sign(0) = +1) whose gradient is passed through unchanged: ∂b/∂z := 1
    (GreedyHash's hash layer, imagenet.py:166-181). ``beta`` is ignored (no continuation)."""
    return _SignStraightThrough.apply(z)


#: GreedyHash's binarization: the exact sign in training, the identity's gradient.
STRAIGHT_THROUGH = Binarization(
    "straight-through", "sign(z) forward\n∂b/∂z := 1 backward", sign_straight_through
)


def _label_targets(labels: torch.Tensor) -> torch.Tensor:
    counts = labels.sum(dim=1, keepdim=True)
    if bool((counts == 0).any()):
        raise ValueError("every training item needs at least one label for GreedyHash's classifier")
    return labels / counts


class GreedyHashLoss(nn.Module):
    """GreedyHash's loss: cross-entropy of a bias-free linear classifier on the codes b, plus α
    times the mean of | |z| - 1 |^3 (Su et al., NeurIPS 2018; imagenet.py:231-234).

    ``forward(b, z, labels)`` takes the codes b = sign(z) (from :func:`sign_straight_through`), the
    pre-activation z and 0/1 label vectors. The classifier's weights are trained with the network.
    """

    def __init__(self, bits: int, num_classes: int, weight: float) -> None:
        super().__init__()
        self.classifier = nn.Linear(bits, num_classes, bias=False)
        self.weight = weight

    def forward(self, b: torch.Tensor, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        log_probabilities = F.log_softmax(self.classifier(b), dim=1)
        classification = -(_label_targets(labels.float()) * log_probabilities).sum(dim=1).mean()
        penalty = torch.mean(torch.abs(torch.abs(z) - 1.0) ** 3)
        return classification + self.weight * penalty


def _make_loss(config, bits: int, num_classes: int, seed: int) -> GreedyHashLoss:
    return GreedyHashLoss(bits, num_classes, config.quantization_weight)


def _solver(dataset: str) -> dict:
    """imagenet.py:19-22, :209, :212-215: SGD lr 1e-3, momentum 0.9, weight decay 5e-4, batch 32,
    one learning rate for every layer, x0.1 at epoch 80 of 100 (on the 10,000 training images of
    ImageNet-100: 313 iterations an epoch, 31,250 in all, the drop at 25,000), α = 1 (:234)."""
    return dict(
        batch_size=32,
        lr=1e-3,
        hash_lr_multiplier=1.0,
        iterations=31_250,
        lr_halving_every=25_000,
        lr_decay=0.1,
        quantization_weight=1.0,
    )


GREEDYHASH = Method(
    key="greedyhash",
    name="GreedyHash",
    paper="Su et al., Greedy Hash, NeurIPS 2018",
    color="#882255",
    marker="*",
    binarization=STRAIGHT_THROUGH,
    make_loss=_make_loss,
    reads=("quantization_weight",),
    tuning={"lr": LEARNING_RATES, "quantization_weight": (0.03, 0.1, 0.3, 1.0)},
    paper_solver=_solver,
    loss_summary="cross-entropy of a classifier on b\n+ α·mean(| |z| − 1 |³)",
    claims=(
        Claim(
            "greedyhash",
            "hashnet",
            "straight-through sign instead of continuation (GreedyHash > HashNet)",
        ),
    ),
)
