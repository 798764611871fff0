"""Pairwise losses of DHN (Zhu et al., AAAI 2016) and HashNet (Cao et al., ICCV 2017).

Both start from the pairwise likelihood of similarity given continuous codes,

    p(s_ij | h_i, h_j) = sigma(alpha <h_i, h_j>)^s_ij (1 - sigma(alpha <h_i, h_j>))^(1 - s_ij),

whose negative log is  log(1 + exp(alpha <h_i,h_j>)) - alpha s_ij <h_i,h_j>.  It is computed in the
numerically stable form softplus(x) - s x, with softplus(x) = max(x, 0) + log(1 + exp(-|x|)).

The paper losses are sums over pairs; `reduction="mean"` (the default, what training uses) divides
the pairwise sum by the number of pairs and the quantization sum by the number of codes, so that
the learning rate does not depend on the batch size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .codes import share_a_label

__all__ = [
    "pairwise_similarity",
    "pairwise_cross_entropy",
    "quantization_loss",
    "dhn_loss",
    "hashnet_loss",
    "similarity_weights",
    "continuous_similarity_scale",
    "distinct_pairs_mask",
]

_REDUCTIONS = ("mean", "sum")


def pairwise_similarity(labels_a: torch.Tensor, labels_b: torch.Tensor) -> torch.Tensor:
    """s_ij = 1 if items i and j share at least one label, else 0 (float tensor of shape (na, nb)).

    Labels are 0/1 vectors; single-label data is the one-hot special case. The relation itself is
    :func:`hashlib_edu.codes.share_a_label`, which validates the labels (a 2 or a -1 raises).
    """
    return share_a_label(torch.as_tensor(labels_a), torch.as_tensor(labels_b)).float()


def distinct_pairs_mask(n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(n, n) boolean mask of the pairs (i, j) with i != j within one mini-batch.

    The official HashNet code pairs two independently shuffled batches, so an item is never
    paired with itself. With all in-batch pairs the n self-pairs (always similar, <h_i, h_i> =
    ||h_i||^2) are a large share of the similar pairs under 1% similarity, and act as a hidden
    push of every code towards the cube's corners; masking them keeps the official pairing.
    """
    return ~torch.eye(n, dtype=torch.bool, device=device)


def _check_pair_inputs(h_a: torch.Tensor, h_b: torch.Tensor, similarity: torch.Tensor) -> None:
    if h_a.ndim != 2 or h_b.ndim != 2 or h_a.shape[1] != h_b.shape[1]:
        raise ValueError(
            f"codes must be 2-D with the same number of bits, got {tuple(h_a.shape)} and "
            f"{tuple(h_b.shape)}"
        )
    if tuple(similarity.shape) != (h_a.shape[0], h_b.shape[0]):
        raise ValueError(
            f"similarity must have shape ({h_a.shape[0]}, {h_b.shape[0]}), got "
            f"{tuple(similarity.shape)}; build it with pairwise_similarity(labels_a, labels_b)"
        )


def _reduce(total: torch.Tensor, count, reduction: str) -> torch.Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return total / count if reduction == "mean" else total


def pairwise_cross_entropy(
    h_a: torch.Tensor,
    h_b: torch.Tensor,
    similarity: torch.Tensor,
    alpha: float = 1.0,
    weights: torch.Tensor | None = None,
    reduction: str = "mean",
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """sum_ij w_ij [ log(1 + exp(alpha <h_i,h_j>)) - alpha s_ij <h_i,h_j> ]  (DHN eq. 4, HashNet eq. 5).

    `alpha` scales the inner product (DHN's Caffe layer: 1; DPSH-style code: 1/2; HashNet: 10/K).
    `weights` (shape (na, nb)) default to 1. `mask` (boolean (na, nb)) keeps only the pairs where
    it is True (e.g. `distinct_pairs_mask`); `mean` divides by the number of kept pairs.
    """
    _check_pair_inputs(h_a, h_b, similarity)
    inner = alpha * (h_a @ h_b.T)
    per_pair = F.softplus(inner) - similarity * inner
    if weights is not None:
        per_pair = weights * per_pair
    if mask is None:
        return _reduce(per_pair.sum(), per_pair.numel(), reduction)
    return _reduce(per_pair[mask].sum(), max(int(mask.sum()), 1), reduction)


def quantization_loss(h: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Q = sum_i sum_k log cosh(|h_ik| - 1)  (DHN eq. 6).

    The smooth surrogate of || |h_i| - 1 ||_1, computed stably as
    log cosh(x) = |x| + softplus(-2|x|) - log 2. `mean` divides by the number of codes (rows).
    """
    x = (h.abs() - 1).abs()
    log_cosh = x + F.softplus(-2 * x) - torch.log(torch.tensor(2.0, dtype=h.dtype))
    return _reduce(log_cosh.sum(), h.shape[0], reduction)


def dhn_loss(
    h_a: torch.Tensor,
    h_b: torch.Tensor,
    similarity: torch.Tensor,
    quantization_weight: float = 0.1,
    scale: float = 1.0,
    reduction: str = "mean",
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """DHN's objective: pairwise cross-entropy + lambda * quantization loss (Zhu et al., AAAI 2016).

    L = sum_ij [ log(1 + exp(scale <h_i,h_j>)) - scale s_ij <h_i,h_j> ]
        + lambda * sum_{i in a} sum_k log cosh(|h_ik| - 1)

    lambda = `quantization_weight` (0.1 in the original dhn-caffe, 0.2 in hash-caffe). `scale` is
    the factor on the inner product: 1 in the official Caffe layer, 1/2 in DPSH-style reimplementations.
    The quantization term is taken over the rows of `h_a`; `mask` selects pairs as in
    `pairwise_cross_entropy`.
    """
    if quantization_weight < 0:
        raise ValueError(f"quantization_weight must be >= 0, got {quantization_weight}")
    pairwise = pairwise_cross_entropy(
        h_a, h_b, similarity, alpha=scale, reduction=reduction, mask=mask
    )
    return pairwise + quantization_weight * quantization_loss(h_a, reduction=reduction)


def similarity_weights(similarity: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """HashNet's weights for imbalanced similarity: w_ij = |S|/|S_1| if s_ij = 1, |S|/|S_0| if s_ij = 0.

    S is the set of all pairs (those where `mask` is True, if given), S_1 the similar and S_0 the
    dissimilar ones. If one of the two sets is empty the other gets weight 1 (|S|/|S|), so nothing
    divides by zero.
    """
    counted = similarity if mask is None else similarity[mask]
    total = counted.numel()
    n_similar = counted.sum()
    n_dissimilar = total - n_similar
    w_similar = total / n_similar if n_similar > 0 else torch.zeros(())
    w_dissimilar = total / n_dissimilar if n_dissimilar > 0 else torch.zeros(())
    return torch.where(similarity > 0, w_similar, w_dissimilar).to(similarity.dtype)


def continuous_similarity_scale(labels_a: torch.Tensor, labels_b: torch.Tensor) -> torch.Tensor:
    """HashNet's continuous similarity for multi-label data: c_ij = 4 cos^2(y_i, y_j) for similar
    pairs, 1 for dissimilar pairs.

    The official Caffe layer (`continous_similarity: true`) multiplies the pairwise gradient by
    4 <y_i, y_j>^2 / (||y_i||^2 ||y_j||^2), with 0 replaced by 1/4, so a pair sharing all its
    labels counts 4x and one sharing 1 of 3 labels 4/9 x. Used as an extra factor on w_ij.
    """
    labels_a, labels_b = torch.as_tensor(labels_a).float(), torch.as_tensor(labels_b).float()
    inner = labels_a @ labels_b.T
    # for 0/1 label vectors ||y||^2 is the number of labels
    squared_norms = labels_a.sum(1, keepdim=True).clamp_min(1) * labels_b.sum(1).clamp_min(1)[None]
    return torch.where(inner > 0, 4 * inner**2 / squared_norms, torch.ones(()))


def hashnet_loss(
    h_a: torch.Tensor,
    h_b: torch.Tensor,
    similarity: torch.Tensor,
    alpha: float | None = None,
    weighted: bool = True,
    reduction: str = "mean",
    mask: torch.Tensor | None = None,
    pair_scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """HashNet's weighted maximum likelihood (Cao et al., ICCV 2017, eq. 5).

    L = sum_ij w_ij [ log(1 + exp(alpha <h_i,h_j>)) - alpha s_ij <h_i,h_j> ]

    with w_ij from `similarity_weights` (|S|/|S_1| for similar pairs, |S|/|S_0| for dissimilar
    pairs) and alpha = 10 / K by default (the official `sigmoid_param`). `weighted=False` gives
    HashNet-W, the paper's ablation without weighting (what the 2018 PyTorch port did). `mask`
    selects pairs (weights are counted over the kept pairs); `pair_scale` multiplies w_ij (e.g.
    `continuous_similarity_scale` for multi-label data).
    """
    bits = h_a.shape[1] if h_a.ndim == 2 else 0
    alpha = 10.0 / bits if alpha is None and bits else alpha
    weights = similarity_weights(similarity, mask) if weighted else None
    if pair_scale is not None:
        weights = pair_scale if weights is None else weights * pair_scale
    return pairwise_cross_entropy(
        h_a, h_b, similarity, alpha=alpha, weights=weights, reduction=reduction, mask=mask
    )
