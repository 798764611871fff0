"""The shallow baselines of the HashNet paper's Table 1, declared for the registry: ITQ (Gong and
Lazebnik, CVPR 2011) and LSH (Charikar, STOC 2002), fitted on pretrained-trunk features
(:mod:`hashlib_edu.features`)."""

from __future__ import annotations

from ..baselines import ITQ as ITQEstimator
from ..baselines import LSH as LSHEstimator
from ._spec import Method

__all__ = ["ITQ_METHOD", "LSH_METHOD"]

ITQ_METHOD = Method(
    key="itq",
    name="ITQ",
    paper="Gong and Lazebnik, Iterative Quantization, CVPR 2011",
    color="#ca9161",  # brown: far from DHN's blue on a projector
    marker="P",
    kind="shallow",
    estimator=ITQEstimator,
)
LSH_METHOD = Method(
    key="lsh",
    name="LSH",
    paper="Charikar, sign random projections, STOC 2002",
    color="#949494",
    marker="X",
    kind="shallow",
    estimator=LSHEstimator,
)
