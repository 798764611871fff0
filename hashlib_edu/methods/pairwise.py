"""DHN (Zhu et al., AAAI 2016) and HashNet (Cao et al., ICCV 2017) with its ablations: the
pairwise methods of the suite, declared for the registry.

Both learn from the pairwise likelihood of similarity (:mod:`hashlib_edu.losses`):

| method           | loss                                         | weighting          | beta         | pairs  |
|------------------|----------------------------------------------|--------------------|--------------|--------|
| "dhn"            | cross-entropy (alpha = dhn_scale) + lambda Q | none               | fixed at 1   | all    |
| "hashnet"        | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | continuation | i != j |
| "hashnet-rank-h" | as "hashnet"; ranked by the continuous h (the suite's variant, not a paper's)       |
| "hashnet-w"      | maximum likelihood, alpha = 10/K             | none               | continuation | i != j |
| "hashnet-sgn"    | weighted maximum likelihood, alpha = 10/K    | |S|/|S1|, |S|/|S0| | fixed at 1   | i != j |

The paper's HashNet+C is "hashnet" with ``TrainConfig(continuous_similarity=True)`` (multi-label
data). DHN pairs a mini-batch with itself, i = j included (dhn-caffe multiplies one batch with
itself); HashNet pairs i != j (its official code pairs two independently shuffled batches).
"""

from __future__ import annotations

import torch
from torch import nn

from ..losses import (
    continuous_similarity_scale,
    dhn_loss,
    distinct_pairs_mask,
    hashnet_loss,
    pairwise_similarity,
)
from ._spec import LEARNING_RATES, SCALED_TANH, TANH, Claim, Method

__all__ = ["PairwiseLoss", "DHN", "HASHNET", "HASHNET_RANK_H", "HASHNET_W", "HASHNET_SGN"]


class PairwiseLoss(nn.Module):
    """The loss of a pairwise method on one mini-batch paired with itself.

    ``family`` "dhn": DHN's cross-entropy with alpha = ``dhn_scale`` plus λ (``quantization_weight``)
    times its quantization loss; "hashnet": HashNet's (weighted) maximum likelihood with
    alpha = ``alpha`` or ``alpha_scale`` x 10 / K, and the continuous similarity c_ij when
    ``continuous_similarity``. ``distinct`` masks the pairs i = j.
    """

    def __init__(self, config, family: str, weighted: bool, distinct: bool) -> None:
        super().__init__()
        self.config, self.family, self.weighted, self.distinct = config, family, weighted, distinct

    def forward(self, h: torch.Tensor, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        similarity = pairwise_similarity(labels, labels)
        mask = distinct_pairs_mask(len(h), h.device) if self.distinct else None
        config = self.config
        if self.family == "dhn":
            return dhn_loss(
                h, h, similarity, config.quantization_weight, scale=config.dhn_scale, mask=mask
            )
        alpha = config.alpha if config.alpha is not None else config.alpha_scale * 10.0 / h.shape[1]
        scale = (
            continuous_similarity_scale(labels, labels) if config.continuous_similarity else None
        )
        return hashnet_loss(
            h, h, similarity, alpha=alpha, weighted=self.weighted, mask=mask, pair_scale=scale
        )


def _pairwise(family: str, weighted: bool, pairs: str):
    def make_loss(config, bits: int, num_classes: int, seed: int) -> PairwiseLoss:
        return PairwiseLoss(config, family, weighted, (config.pairs or pairs) == "distinct")

    return make_loss


def _dhn_solver(dataset: str) -> dict:
    """dhn-caffe models/nus_wide: SGD momentum 0.9, weight decay 5e-4, batch 64, base lr 2e-5
    multiplied by 0.3 every 500 of 10,000 iterations (solver.prototxt:3-11), hash layer lr x10,
    lambda (q_gamma) 0.1 (train_val.prototxt:372), all 64 x 64 pairs of the batch with itself
    (pairwise_loss_layer.cu:70-77)."""
    return dict(batch_size=64, lr=2e-5, lr_halving_every=500, lr_decay=0.3, quantization_weight=0.1)


def _hashnet_solver(dataset: str) -> dict:
    """thuml/HashNet (Caffe): SGD momentum 0.9, weight decay 5e-4, lr halved every 2,000 of 10,000
    iterations, hash layer lr x10, the official beta schedule, alpha = 10/K; base lr 2e-4 for
    ImageNet (caffe/models/train/imagenet/solver.prototxt:2) and 5e-5 for NUS-WIDE and COCO
    (models/train/{nuswide_81,coco}/solver.prototxt:2); pairs across two independently shuffled
    batches of 256 (train_val.prototxt:17, :39), here one batch of 256 paired i != j."""
    lr = 2e-4 if dataset == "imagenet" else 5e-5
    return dict(batch_size=256, lr=lr, lr_halving_every=2000, lr_decay=0.5)


_HASHNET_PAPER = "Cao et al., HashNet, ICCV 2017"
_HASHNET_READS = ("alpha", "alpha_scale", "continuous_similarity")
_ALPHA_GRID = {"lr": LEARNING_RATES, "alpha_scale": (0.0625, 0.125, 0.25, 0.5)}


_WEIGHTED = "weighted pairwise likelihood\nw_ij = |S|/|S1| or |S|/|S0|, α = scale·10/K"


def _hashnet_variant(key, name, color, marker, weighted=True, binarization=SCALED_TANH, **extra):
    summary = _WEIGHTED if weighted else "pairwise likelihood, w_ij = 1\nα = scale·10/K"
    return Method(
        key=key,
        name=name,
        paper=_HASHNET_PAPER,
        color=color,
        marker=marker,
        binarization=binarization,
        make_loss=_pairwise("hashnet", weighted, "distinct"),
        pairs="distinct",
        reads=_HASHNET_READS,
        tuning=_ALPHA_GRID,
        paper_solver=_hashnet_solver,
        loss_summary=summary,
        **extra,
    )


DHN = Method(
    key="dhn",
    name="DHN",
    paper="Zhu et al., Deep Hashing Network, AAAI 2016",
    color="#0173b2",
    marker="s",
    binarization=TANH,
    make_loss=_pairwise("dhn", False, "all"),
    pairs="all",
    reads=("quantization_weight", "dhn_scale"),
    tuning={"lr": LEARNING_RATES, "quantization_weight": (0.0, 0.3, 1.0, 3.0)},
    paper_solver=_dhn_solver,
    loss_summary="pairwise cross-entropy + λ·Σ log cosh(|h| − 1)\nα = 1, pairs i = j included",
)

#: The HashNet paper's orderings (Table 1: HashNet vs DHN, ITQ, LSH; the ablation of section 4.3).
_HASHNET_CLAIMS = (
    Claim("hashnet", "dhn", "HashNet beats DHN", "paper"),
    Claim("hashnet", "itq", "HashNet beats ITQ", "paper"),
    Claim("hashnet", "lsh", "HashNet beats LSH", "paper"),
    Claim("hashnet", "hashnet-w", "the weights help (HashNet > HashNet-W)", "paper"),
    Claim("hashnet", "hashnet-sgn", "continuation helps (HashNet > HashNet-sgn)", "paper"),
)

HASHNET = _hashnet_variant("hashnet", "HashNet", "#d55e00", "o", claims=_HASHNET_CLAIMS)
HASHNET_RANK_H = _hashnet_variant(
    "hashnet-rank-h",
    "HashNet ranked by h",
    "#cc78bc",
    "D",
    trains_as="hashnet",
    continuous_ranking=True,
    claims=(
        Claim(
            "hashnet-rank-h",
            "hashnet",
            "ranking by h instead of sign(h) (HashNet ranked by h > HashNet)",
        ),
    ),
)
HASHNET_W = _hashnet_variant("hashnet-w", "HashNet-W", "#029e73", "^", weighted=False)
HASHNET_SGN = _hashnet_variant("hashnet-sgn", "HashNet-sgn", "#de8f05", "v", binarization=TANH)
