r"""Retrieval metrics for ±1 hash codes under Hamming ranking and Hamming-ball lookup.

Conventions (``docs/design.md``, section Conventions):

* codes are (n, K) arrays of -1/+1; the Hamming distance is :math:`d(q, b) = (K - \langle q, b
  \rangle) / 2`;
* labels are (n, C) 0/1 arrays and a database item is *relevant* to a query iff they share a
  label, :math:`\ell_q^\top \ell_b > 0` (single-label data is the one-hot special case);
* the database is ranked by Hamming distance; equal distances are ordered by ascending database
  index (``ties="index"``, deterministic), or averaged over all orders of the tied items
  (``ties="expected"``, the tie-aware AP of McSherry & Najork, ECIR 2008).

Average precision over the top R (mAP@R, as in HashNet, Cao et al. ICCV 2017):

.. math::

    \mathrm{AP@R} = \frac{1}{\sum_{k \le R} \mathrm{rel}_k}
                    \sum_{k=1}^{R} P@k \cdot \mathrm{rel}_k,
    \qquad P@k = \frac{1}{k} \sum_{j \le k} \mathrm{rel}_j,

and AP = 0 for a query with no relevant item in its top R (every query counts in the mean).

How it is computed. Distances take only K + 1 values, so ranking is a counting problem, not a
sort: one pass over the (bit-packed, popcount) database keeps a histogram of distances and a
shrinking threshold T (the distance of the R-th item), and records the items with d <= T in index
order; item j then has the exact rank ``start[d_j] + seen[d_j]``. This is O(N) per query with no
sort and memory O(N) bytes per thread (never a query x database matrix). The compiled kernels live
in :mod:`hashlib_edu._kernels`; ``backend="numpy"`` runs the readable sort-based reference
(:mod:`hashlib_edu._ranking`).

The conventions of other published evaluation scripts (quicksort tie order, skipping queries
without a relevant item, dividing by R, best / worst tie order) are computed side by side by
:func:`hashlib_edu.conventions.map_conventions`. The Hamming distance and the quantization error
themselves are :func:`hashlib_edu.codes.hamming_distances` and
:func:`hashlib_edu.codes.quantization_error`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hashlib_edu._kernels.average_precision import (
    ap_index_kernel,
    expected_ap_from_hist,
    expected_ap_kernel,
)
from hashlib_edu._kernels.scan import block_count
from hashlib_edu._ranking import (
    RankingInputs,
    histograms,
    numpy_histograms,
    numpy_top_relevance,
    query_chunks,
    rank_threshold,
    top_relevance,
)
from hashlib_edu._validation import (
    as_labels,
    check_choice,
    check_positive_int,
    check_radius,
    check_same_bits,
    to_numpy,
)

__all__ = [
    "TIES",
    "average_precisions",
    "mean_average_precision",
    "mean_average_precision_continuous",
    "pr_curve_by_radius",
    "precision_at_k",
    "precision_at_radius",
]

TIES = ("index", "expected")


# --------------------------------------------------------------------------------------------
# Readable references (sort-based), used for backend="numpy"
# --------------------------------------------------------------------------------------------
def ap_from_relevance(rel: np.ndarray) -> np.ndarray:
    """AP per row of a (nq, R) 0/1 relevance-by-rank matrix: sum_k P@k rel_k / sum_k rel_k."""
    rel = rel.astype(np.float64)
    hits = np.cumsum(rel, axis=1)
    precision = hits / np.arange(1, rel.shape[1] + 1)
    n_rel = hits[:, -1]
    # cumsum adds left to right, in rank order, exactly like the compiled kernel: equal values
    total = np.cumsum(precision * rel, axis=1)[:, -1]
    return np.divide(total, n_rel, out=np.zeros_like(total), where=n_rel > 0)


def _numpy_expected_ap(p: RankingInputs, topk: int, chunk_size: int | None) -> np.ndarray:
    """Tie-aware AP per query: the closed form (:func:`expected_ap_from_hist`, run as plain
    Python) on ``np.bincount`` histograms."""
    cnt, rel = numpy_histograms(p, chunk_size)
    expected = expected_ap_from_hist.py_func
    return np.array(
        [expected(cnt[i], rel[i], rank_threshold(cnt[i], topk), topk) for i in range(p.nq)]
    )


def _compiled_ap(p: RankingInputs, topk: int, ties: str, chunk_size: int | None) -> np.ndarray:
    kernel = expected_ap_kernel if ties == "expected" else ap_index_kernel
    out = np.empty(p.nq)
    # memory is O(N) per thread whatever the chunk: by default one chunk (per_query=1)
    for rows in query_chunks(p.nq, 1, chunk_size):
        nq = rows.stop - rows.start
        args = (*p.relevance_args(rows), topk, p.max_dist, block_count(nq))
        out[rows] = kernel(nq * p.n, p.query_words[rows], p.db_words, *args)
    return out


# --------------------------------------------------------------------------------------------
# Public metrics
# --------------------------------------------------------------------------------------------
def average_precisions(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    topk: int | None = None,
    ties: str = "index",
    *,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> np.ndarray:
    """Per-query AP@topk (float64 array of length nq); see :func:`mean_average_precision`."""
    check_choice(ties, "ties", TIES)
    p = RankingInputs(query_codes, db_codes, query_labels, db_labels, backend)
    topk = p.check_topk(topk)
    if p.backend == "numpy":
        if ties == "expected":
            return _numpy_expected_ap(p, topk, chunk_size)
        return ap_from_relevance(numpy_top_relevance(p, topk, chunk_size))
    return _compiled_ap(p, topk, ties, chunk_size)


def mean_average_precision(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    topk: int | None = None,
    ties: str = "index",
    *,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> float:
    r"""mAP@R of Hamming ranking: the mean over all queries of

    .. math:: \mathrm{AP@R} = \frac{1}{\sum_{k\le R}\mathrm{rel}_k}\sum_{k=1}^{R} P@k\,\mathrm{rel}_k

    with AP = 0 for a query without a relevant item in its top R.

    Parameters
    ----------
    query_codes, db_codes : (nq, K), (N, K) arrays of -1/+1 (numpy or torch).
    query_labels, db_labels : (nq, C), (N, C) 0/1 arrays; relevant iff they share a label.
    topk : R; ``None`` ranks the whole database (CIFAR-10 protocol). Must be <= N.
    ties : ``"index"`` orders equal distances by ascending database index (deterministic);
        ``"expected"`` returns the exact expectation of AP over uniformly random orders of tied
        items (closed form, see ``hashlib_edu._kernels.average_precision.expected_ap_from_hist``), independent of the database order.
    backend : ``"auto"``/``"numba"`` (compiled counting kernels) or ``"numpy"`` (sort-based
        reference).
    chunk_size : queries per chunk (default: bounded so that a chunk holds about 4M values);
        both backends honour it and give the same values for every chunk size.
    """
    return float(
        average_precisions(
            query_codes,
            db_codes,
            query_labels,
            db_labels,
            topk,
            ties,
            backend=backend,
            chunk_size=chunk_size,
        ).mean()
    )


def mean_average_precision_continuous(
    query_outputs,
    db_outputs,
    query_labels,
    db_labels,
    topk: int | None = None,
    *,
    chunk_size: int = 256,
) -> float:
    r"""mAP@R of ranking by the inner product of *continuous* codes (`hashnet-rank-h`).

    The database is ranked by :math:`\langle h_q, h_b \rangle` (largest first; equal scores by
    ascending database index), and AP@R is the same formula as :func:`mean_average_precision`
    (AP = 0 for a query with no relevant item in its top R). This is the upper reference that
    binarization gives up: Hamming ranking is the special case h = sign(h).

    ``query_outputs``, ``db_outputs`` are float (nq, K) and (N, K) arrays (numpy or torch);
    chunked over queries (``chunk_size`` rows of N float32 scores at a time).
    """
    q = _continuous(query_outputs, "query_outputs")
    db = _continuous(db_outputs, "db_outputs")
    check_same_bits(q, db, ("query_outputs", "db_outputs"))
    qlab = as_labels(query_labels, q.shape[0], "query_labels", "query_outputs")
    dblab = as_labels(db_labels, db.shape[0], "db_labels", "db_outputs")
    check_same_bits(qlab, dblab, ("query_labels (classes)", "db_labels"))
    topk = _check_topk_continuous(topk, db.shape[0])
    check_positive_int(chunk_size, "chunk_size")
    aps = []
    for lo in range(0, q.shape[0], chunk_size):
        scores = q[lo : lo + chunk_size] @ db.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :topk]
        relevant = (qlab[lo : lo + chunk_size].astype(np.float32) @ dblab.T.astype(np.float32)) > 0
        aps.append(ap_from_relevance(np.take_along_axis(relevant, order, axis=1)))
    return float(np.concatenate(aps).mean())


def _check_topk_continuous(topk, n: int) -> int:
    return n if topk is None else check_positive_int(topk, "topk", n, "database size")


def _continuous(outputs, name: str) -> np.ndarray:
    array = to_numpy(outputs, name)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, K), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"{name} must be a float array of continuous codes h, got {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf; check the model's forward pass")
    return array.astype(np.float32)


def precision_at_k(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    ks: Sequence[int] | int,
    *,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> np.ndarray:
    r"""Mean over queries of :math:`P@k = \frac{1}{k}\sum_{j\le k}\mathrm{rel}_j` for each k in ks.

    Ties are ordered by ascending database index. Every k must satisfy 1 <= k <= N.
    """
    p = RankingInputs(query_codes, db_codes, query_labels, db_labels, backend)
    ks_array = np.atleast_1d(np.asarray(ks))
    if ks_array.size == 0 or not np.issubdtype(ks_array.dtype, np.integer):
        raise ValueError(f"ks must be a non-empty sequence of integers, got {ks!r}")
    for k in ks_array:
        check_positive_int(int(k), "each k in ks", p.n, "database size")
    kmax = int(ks_array.max())
    total = np.zeros(len(ks_array))
    for _, rel in top_relevance(p, kmax, chunk_size):
        hits = np.cumsum(rel, axis=1, dtype=np.int64)
        total += hits[:, ks_array - 1].sum(axis=0)
    return total / p.nq / ks_array


def _radius_curves(cnt: np.ndarray, rel: np.ndarray):
    """Per-query precision and recall of the Hamming ball for every radius r = 0..K."""
    ball = np.cumsum(cnt, axis=1)
    hits = np.cumsum(rel, axis=1)
    precision = np.divide(hits, ball, out=np.zeros(ball.shape), where=ball > 0)
    n_rel = hits[:, -1:]
    recall = np.divide(hits, n_rel, out=np.zeros(hits.shape), where=n_rel > 0)
    return precision, recall


def pr_curve_by_radius(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    *,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Precision and recall of Hamming-ball lookup for radius r = 0..K (arrays of length K+1).

    Both are means over queries of per-query values:
    :math:`P_q(r) = |B_r(q) \cap \mathrm{Rel}_q| / |B_r(q)|` (0 for an empty ball) and
    :math:`R_q(r) = |B_r(q) \cap \mathrm{Rel}_q| / |\mathrm{Rel}_q|` (0 for a query with no
    relevant item in the database). Computed from per-query distance histograms, O(K) memory per
    query.
    """
    p = RankingInputs(query_codes, db_codes, query_labels, db_labels, backend)
    precision, recall = _radius_curves(*histograms(p, chunk_size))
    return precision.mean(axis=0), recall.mean(axis=0)


def precision_at_radius(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    radius: int = 2,
    *,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> float:
    r"""Mean over queries of the precision of the Hamming ball of radius r (default 2).

    :math:`P_q(r) = |\{b: d(q,b) \le r,\ b\ \mathrm{relevant}\}| / |\{b: d(q,b) \le r\}|`, and a
    query whose ball is empty counts as precision 0 (``docs/design.md``, Conventions). A radius
    >= K is valid: the ball is the whole database.
    """
    radius = check_radius(radius)
    p = RankingInputs(query_codes, db_codes, query_labels, db_labels, backend)
    precision, _ = _radius_curves(*histograms(p, chunk_size))
    return float(precision[:, min(int(radius), p.bits)].mean())
