"""CSQ, Central Similarity Quantization (Yuan et al., CVPR 2020): every class gets a hash centre,
and each code is pulled towards its class's centre, no pairs needed.

From the authors' code (yuanli2333/Hadamard-Matrix-for-hashing at commit 6292910):

- the centres (Tutorial_ hash_center_generation.ipynb, sections 1 and 2): for K a power of two,
  the rows of the K x K Hadamard matrix H_K, and of [H_K; -H_K] when K < #classes <= 2K (any two
  rows differ in K/2 or K bits); otherwise random centres, each with K/2 bits set to -1, redrawn
  until they are far apart (the tutorial accepts a draw whose smallest distance is >= 20 and mean
  >= 32 at K = 64). The suite keeps the best of :data:`RANDOM_DRAWS` seeded draws by smallest
  pairwise distance (then mean distance), the same rule without a threshold tied to K = 64;
- multi-label items (train.py ``Hash_center_multilables``): the mean of the item's class centres,
  binarized, each 0 replaced by the bit of one random ±1 vector drawn once per run;
- the loss (train.py:126-127): ``BCELoss(0.5 (h + 1), 0.5 (c + 1)) + λ mean((|h| - 1)^2)``,

      L = -(1/(nK)) sum_ik [ c'_ik log h'_ik + (1 - c'_ik) log(1 - h'_ik) ] + λ (1/(nK)) sum_ik (|h_ik| - 1)^2,

  h' = (h + 1)/2, c' = (c + 1)/2, h = tanh(z) (network.py: the hash layer ends in nn.Tanh).
  The suite's λ is ``TrainConfig.quantization_weight`` (options.py:22: lambda2 = 0.05;
  DeepHash-pytorch: 1e-4). train.py:129-146 also adds lambda1 = 0.2 (options.py:21) times a
  pairwise loss; the paper's objective, and the suite's CSQ, is the pointwise one above;
- the solver (train.py:76-80 and adjust_learning_rate, options.py:9, :14, :19): Adam, lr 1e-3 for
  the hash layer and 0.01 x that for the backbone, batch 64, x0.7 every 10 of 90 epochs.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.linalg import hadamard
from torch import nn

from .._validation import check_positive_int, check_seed
from ..codes import hamming_distances
from ._spec import LEARNING_RATES, TANH, Claim, Method

__all__ = [
    "RANDOM_DRAWS",
    "uses_hadamard_rows",
    "centre_distances",
    "hash_centres",
    "item_centres",
    "CentralSimilarityLoss",
    "CSQ",
]

#: How many seeded draws of random centres the suite compares (the best is kept).
RANDOM_DRAWS = 100


def uses_hadamard_rows(num_classes: int, bits: int) -> bool:
    """The paper's rule: Hadamard rows when K is a power of two and #classes <= 2K."""
    return bits & (bits - 1) == 0 and num_classes <= 2 * bits


def centre_distances(centres: np.ndarray) -> np.ndarray:
    """The Hamming distances d(c, c') = (K - <c, c'>) / 2 of every pair of centres c < c'
    (int64, :func:`hashlib_edu.codes.hamming_distances` above the diagonal)."""
    distances = hamming_distances(centres, centres).astype(np.int64)
    return distances[np.triu_indices(len(centres), k=1)]


def _min_and_mean_distance(centres: np.ndarray) -> tuple[int, float]:
    upper = centre_distances(centres)
    bits = centres.shape[1]
    return (int(upper.min()), float(upper.mean())) if len(upper) else (bits, float(bits))


def _random_centres(num_classes: int, bits: int, rng: np.random.Generator) -> np.ndarray:
    centres = np.ones((num_classes, bits), dtype=np.int8)
    for row in centres:
        row[rng.choice(bits, size=round(bits / 2), replace=False)] = -1
    return centres


def hash_centres(num_classes: int, bits: int, seed: int = 0) -> np.ndarray:
    """One ±1 hash centre per class, an int8 array (num_classes, bits) (Yuan et al., CVPR 2020).

    Hadamard rows when ``bits`` is a power of two and num_classes <= 2 x bits (rows of H_K, then
    of -H_K), else the best of :data:`RANDOM_DRAWS` draws of balanced random centres (K/2 bits
    -1) by smallest, then mean, pairwise Hamming distance; ``seed`` makes the draw repeatable.
    """
    check_positive_int(num_classes, "num_classes")
    check_positive_int(bits, "bits")
    check_seed(seed)
    if uses_hadamard_rows(num_classes, bits):
        rows = hadamard(bits).astype(np.int8)
        return np.concatenate([rows, -rows])[:num_classes]
    rng = np.random.default_rng(seed)
    draws = [_random_centres(num_classes, bits, rng) for _ in range(RANDOM_DRAWS)]
    return max(draws, key=_min_and_mean_distance)


def item_centres(labels: torch.Tensor, centres: torch.Tensor, fill: torch.Tensor) -> torch.Tensor:
    """The centre of each item: its class's centre, or for several labels the sign of the mean of
    their centres with each 0 taken from ``fill`` (train.py ``Hash_center_multilables``).

    ``labels`` (n, C) 0/1, ``centres`` (C, K) ±1, ``fill`` (K,) ±1; returns (n, K) ±1 floats.
    """
    labels = labels.to(centres.dtype)
    counts = labels.sum(dim=1, keepdim=True)
    if bool((counts == 0).any()):
        raise ValueError("every training item needs at least one label to have a hash centre")
    mean = labels @ centres / counts
    signs = torch.sign(mean)
    return torch.where(signs == 0, fill.to(signs.dtype).expand_as(signs), signs)


class CentralSimilarityLoss(nn.Module):
    """CSQ's loss: binary cross-entropy between (h + 1)/2 and each item's centre (c + 1)/2, plus λ
    times mean((|h| - 1)^2) (Yuan et al., CVPR 2020; train.py:126-127).

    ``forward(h, z, labels)`` takes h = tanh(z), z (unused) and 0/1 label vectors.
    """

    def __init__(self, centres: np.ndarray, fill: np.ndarray, weight: float) -> None:
        super().__init__()
        self.register_buffer("centres", torch.as_tensor(centres, dtype=torch.float32))
        self.register_buffer("fill", torch.as_tensor(fill, dtype=torch.float32))
        self.weight = weight

    def forward(self, h: torch.Tensor, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        targets = item_centres(labels, self.centres, self.fill)
        central = F.binary_cross_entropy(0.5 * (h + 1.0), 0.5 * (targets + 1.0))
        quantization = torch.mean((torch.abs(h) - 1.0) ** 2)
        return central + self.weight * quantization


def _make_loss(config, bits: int, num_classes: int, seed: int) -> CentralSimilarityLoss:
    centres = hash_centres(num_classes, bits, seed)
    fill = np.where(np.random.default_rng([seed, bits]).random(bits) < 0.5, -1, 1)
    return CentralSimilarityLoss(centres, fill, config.quantization_weight)


def _solver(dataset: str) -> dict:
    """train.py:76-80, :88 and adjust_learning_rate; options.py:9, :14, :19, :22: Adam, hash layer
    lr 1e-3 and backbone 1e-5 (multi_lr 0.01), batch 64, lr x0.7 every 10 of 90 epochs (ImageNet-100:
    157 iterations an epoch, 14,063 in all, a step every 1,563), λ = 0.05."""
    return dict(
        optimizer="adam",
        batch_size=64,
        lr=1e-5,
        hash_lr_multiplier=100.0,
        iterations=14_063,
        lr_halving_every=1_563,
        lr_decay=0.7,
        quantization_weight=0.05,
    )


CSQ = Method(
    key="csq",
    name="CSQ",
    paper="Yuan et al., Central Similarity Quantization, CVPR 2020",
    color="#332288",
    marker="h",
    binarization=TANH,
    make_loss=_make_loss,
    reads=("quantization_weight",),
    tuning={"lr": LEARNING_RATES, "quantization_weight": (0.0, 0.001, 0.01, 0.1)},
    paper_solver=_solver,
    loss_summary="BCE to the class's hash centre\n+ λ·mean((|h| − 1)²)",
    claims=(Claim("csq", "hashnet", "hash centres instead of weighted pairs (CSQ > HashNet)"),),
)
