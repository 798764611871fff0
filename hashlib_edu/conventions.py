r"""One set of codes, seven mAP numbers: the conventions behind published mAP@R values.

Learning-to-hash papers compare mAP@R values computed by different scripts, and the scripts do not
agree on the definition. With the average precision of one query over its top R,

.. math::

    \mathrm{AP}_q = \frac{1}{H_q}\sum_{k=1}^{R} P@k\,\mathrm{rel}_k,\qquad
    P@k = \frac1k\sum_{j\le k}\mathrm{rel}_j,\qquad H_q = \sum_{k\le R}\mathrm{rel}_k ,

they differ in (a) the order of database items at equal Hamming distance (*ties*; with K-bit codes
there are only K + 1 distances, so ties are the rule), (b) what a query with no relevant item in its
top R (H_q = 0) contributes, and (c) the normaliser of AP. :func:`map_conventions` computes the
same codes under each convention (keys of the returned dict, in the order of
:data:`MAP_CONVENTIONS`):

``"ties by index"``
    Equal distances in ascending database index (a stable sort); AP_q = 0 when H_q = 0; mean over
    all queries. Equals ``mean_average_precision(..., ties="index")``, the package default.
``"ties averaged (tie-aware)"``
    :math:`\mathbb E_\pi[\mathrm{AP}_q(\pi)]` over uniformly random orders π of tied items, exact
    (McSherry & Najork, ECIR 2008); equals ``mean_average_precision(..., ties="expected")``.
``"best tie order"`` / ``"worst tie order"``
    :math:`\max_\pi \mathrm{AP}_q(\pi)` and :math:`\min_\pi \mathrm{AP}_q(\pi)` per query: exact
    bounds on what any tie order (any sort, any database order) can report. Every group of tied
    items that lies wholly in the top R puts its relevant items first (best) or last (worst). The
    group cut by rank R (m of its n items, r relevant, are ranked) also decides how many relevant
    items x enter the top R, and more is not always better: after a relevant item at rank 1 and
    eight irrelevant ones, a relevant item at rank 10 lowers AP from 1 to (1 + 2/10)/2 = 0.6. So
    the bound is the maximum (minimum) over x of the AP with those x items first (last) among the
    m ranked positions, with A relevant items and s items before the group:

    .. math::

        \mathrm{AP}^{best} = \max_x \frac{S^{best}_{in} + \sum_{i=1}^{x}\frac{A+i}{s+i}}{A+x},\qquad
        \mathrm{AP}^{worst} = \min_x \frac{S^{worst}_{in} + \sum_{i=1}^{x}\frac{A+i}{s+m-x+i}}{A+x}

    for :math:`\max(0, m-(n-r)) \le x \le \min(r, m)` (a term with A + x = 0 is 0). Without a cut
    (``topk=None``) x = r and the bounds are simply "relevant first / last in every tie group".
``"random tie order (seeded)"``
    AP under one uniformly random order of the tied items per query, drawn from ``seed``. This
    stands in for the order the official scripts get from numpy's default, unstable
    ``np.argsort`` (quicksort: ``np.argsort(-sim)`` in thuml/HashNet's PyTorch ``test.py`` and
    thulab's DeepHash ``get_mAPs``, ``np.argsort(hamm)`` in DeepHash-pytorch's ``CalcTopMap``).
    That order is deterministic for a given numpy build and CPU (numpy dispatches to introsort or
    to SIMD sorts depending on the machine) but arbitrary with respect to the data, and it depends
    on the whole distance array, so it cannot be reproduced without sorting every row. It is
    *emulated*, not reproduced: within each tie group the relevance pattern is a uniform random
    arrangement of its r relevant and n - r other items (only the pattern matters for AP). The
    draw is deterministic for a given seed, query index and histogram (SplitMix64 stream seeded by
    ``(seed, query index)``: position j of a group, with n' items and r' relevant ones left, is
    relevant iff a uniform u < r'/n'; no draw when r' = 0 or r' = n'). Its mean over seeds is the
    tie-aware value.
``"empty queries skipped"``
    Ties by index, but the mean runs only over queries with H_q > 0:
    :math:`\frac{1}{|Q_+|}\sum_{q\in Q_+}\mathrm{AP}_q`. This is the convention of thuml/HashNet's
    PyTorch ``test.py`` and thulab's ``get_mAPs`` (``if relevant_num != 0: APx.append(...)``); a
    constant code then scores far above chance. DeepHash-pytorch's ``CalcTopMap`` skips them in
    the sum but divides by all queries, i.e. counts them as 0 like ``"ties by index"``. NaN when
    no query has a relevant item in its top R.
``"divide by R (MAP@R)"``
    Ties by index, :math:`\frac1R\sum_{k\le R} P@k\,\mathrm{rel}_k`: pytorch-metric-learning's
    MAP@R (Musgrave et al., *A metric learning reality check*, ECCV 2020) divides by R, not by
    H_q. There R is chosen per query as its number of relevant database items; here R is
    ``topk`` for every query, so the two agree when every query has exactly ``topk`` relevant
    items (e.g. single-label data with ``topk`` = class size in the database).

Always ``best >= tie-aware >= worst``, and the index and random orders lie between best and worst.

How it is computed: one compiled pass per query, the counting scan of
:func:`hashlib_edu.metrics.mean_average_precision` (no sort), gives the distance histogram
``cnt[d]``, the relevant-item histogram ``relcnt[d]`` for d up to the distance t of the R-th item,
and the relevance of ranks 1..R in index order. Best, worst, tie-aware and random orders need only
the histograms, O(R) per query; the index, skipped and divide-by-R conventions read the ranked
relevance. Memory: per-thread buffers of O(N) and 7 numbers per query.
"""

from __future__ import annotations

import numpy as np

from hashlib_edu import metrics as _m
from hashlib_edu import retrieval as _r
from hashlib_edu.metrics import njit

__all__ = ["MAP_CONVENTIONS", "map_conventions"]

#: Keys of :func:`map_conventions`, in order (see the module docstring for the definitions).
MAP_CONVENTIONS = (
    "ties by index",
    "ties averaged (tie-aware)",
    "best tie order",
    "worst tie order",
    "random tie order (seeded)",
    "empty queries skipped",
    "divide by R (MAP@R)",
)

# per-query columns of the kernel output
_INDEX, _EXPECTED, _BEST, _WORST, _RANDOM, _HITS, _BY_R = range(7)
_N_COLUMNS = 7

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# --------------------------------------------------------------------------------------------
# Per-query conventions from the histograms and the index-order relevance
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _mix64(z):
    """SplitMix64 output function (a bijection of uint64 with good avalanche)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _stream_start(seed, query):
    """Start state of the random stream of one query: ``mix64(mix64(seed) ^ query)``."""
    return _mix64(_mix64(np.uint64(seed)) ^ np.uint64(query))


@njit(cache=True)
def _tie_order_bounds(cnt, relcnt, t, topk):
    """(max, min) of AP@topk over all orders of tied items, exact (see the module docstring)."""
    s = 0
    a = 0
    inner_best = 0.0
    inner_worst = 0.0
    for d in range(t):  # groups wholly inside the top R: relevant items first / last
        n = cnt[d]
        r = relcnt[d]
        for i in range(1, r + 1):
            inner_best += (a + i) / (s + i)
            inner_worst += (a + i) / (s + n - r + i)
        s += n
        a += r
    n = cnt[t]
    r = relcnt[t]
    m = topk - s
    lo = max(0, m - (n - r))
    hi = min(r, m)
    best = -1.0
    worst = 2.0
    boundary_best = 0.0  # sum_{i<=x} (a+i)/(s+i)
    harmonic = 0.0  # sum_{i<=x} 1/(s+m-x+i) = H(s+m) - H(s+m-x)
    for x in range(hi + 1):
        if x > 0:
            boundary_best += (a + x) / (s + x)
            harmonic += 1.0 / (s + m - x + 1)
        if x < lo:
            continue
        if a + x == 0:
            best = max(best, 0.0)
            worst = min(worst, 0.0)
            continue
        # sum_{i<=x} (a+i)/(c+i) = x - (c-a) (H(c+x) - H(c)) with c = s+m-x
        boundary_worst = x - (s + m - x - a) * harmonic
        best = max(best, (inner_best + boundary_best) / (a + x))
        worst = min(worst, (inner_worst + boundary_worst) / (a + x))
    return best, worst


@njit(cache=True)
def _random_order_ap(cnt, relcnt, t, topk, state):
    """``(sum_k P@k rel_k, hits)`` under one random order of the tied items (SplitMix64 stream
    from ``state``; one uniform per position whose relevance is not yet decided)."""
    start = 0
    hits = 0
    total = 0.0
    for d in range(t + 1):
        n_left = cnt[d]
        r_left = relcnt[d]
        length = n_left if d < t else topk - start
        for i in range(length):
            if r_left == 0:
                break
            relevant = True
            if r_left < n_left:
                state += _GOLDEN
                u = np.float64(_mix64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
                relevant = u * n_left < r_left
            n_left -= 1
            if relevant:
                r_left -= 1
                hits += 1
                total += hits / (start + i + 1.0)
        start += length
    return total, hits


@njit(cache=True)
def _query_conventions(cnt, relcnt, t, topk, rel, seed, query, out):
    """Fill ``out`` (7 columns) for one query from its histograms (exact for d <= t) and the
    relevance ``rel`` of ranks 1..topk in index order."""
    total, hits = _m._precision_sum(rel, topk)
    out[_INDEX] = total / hits if hits > 0 else 0.0
    out[_EXPECTED] = _m._expected_ap_from_hist(cnt, relcnt, t, topk)
    best, worst = _tie_order_bounds(cnt, relcnt, t, topk)
    out[_BEST] = best
    out[_WORST] = worst
    r_total, r_hits = _random_order_ap(cnt, relcnt, t, topk, _stream_start(seed, query))
    out[_RANDOM] = r_total / r_hits if r_hits > 0 else 0.0
    out[_HITS] = hits
    out[_BY_R] = total / topk


if _r.HAVE_NUMBA:
    from numba import prange

    @_r._Kernel
    def _conventions_kernel(
        qw, dbw, single, qc, dbc, ql, dbl, topk, max_dist, n_blocks, seed, first
    ):
        """(nq, 7) per-query values of every convention: one counting scan per query."""
        nq = qw.shape[0]
        out = np.empty((nq, _N_COLUMNS))
        for b in prange(n_blocks):
            bufs = _m._buffers(dbw.shape[0], topk, max_dist)
            hist, cand_ids, cand_d = bufs[0], bufs[1], bufs[2]
            relcnt = np.zeros(max_dist + 1, dtype=np.int64)
            rel = np.empty(topk, dtype=np.uint8)
            for i in range(b, nq, n_blocks):
                t, nc = _r._scan_top(qw[i], dbw, topk, hist, cand_ids, cand_d)
                _m._relevant_counts(t, nc, cand_ids, cand_d, single, qc[i], dbc, ql[i], dbl, relcnt)
                _m._relevance_by_rank(t, nc, single, qc[i], dbc, ql[i], dbl, topk, bufs, rel)
                _query_conventions(hist, relcnt, t, topk, rel, seed, first + i, out[i])
        return out


def _per_query(p, topk: int, seed: np.uint64, chunk_size: int | None) -> np.ndarray:
    """(nq, 7) per-query values: columns _INDEX, _EXPECTED, ..., _BY_R."""
    out = np.empty((p.nq, _N_COLUMNS))
    if p.backend == "numpy":  # sort-based histograms and ranking, same per-query arithmetic
        cnt, relcnt = _m._numpy_histograms(p, chunk_size)
        rel = _m._numpy_top_relevance(p, topk, chunk_size)
        for i in range(p.nq):
            t = int(np.searchsorted(np.cumsum(cnt[i]), topk))  # distance of the R-th item
            _query_conventions(cnt[i], relcnt[i], t, topk, rel[i], seed, i, out[i])
        return out
    for rows in _m._chunks(p, topk, chunk_size):
        nq = rows.stop - rows.start
        out[rows] = _conventions_kernel(
            nq * p.n,
            p.qw[rows],
            p.dbw,
            *p.relevance_args(rows),
            topk,
            p.max_dist,
            _r._n_blocks(nq),
            seed,
            rows.start,
        )
    return out


def _check_seed(seed) -> np.uint64:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return np.uint64(int(seed))


def _summarise(per: np.ndarray) -> dict[str, float]:
    has_hit = per[:, _HITS] > 0
    skipped = float(per[has_hit, _INDEX].mean()) if has_hit.any() else float("nan")
    columns = (_INDEX, _EXPECTED, _BEST, _WORST, _RANDOM, None, _BY_R)
    return {
        name: skipped if column is None else float(per[:, column].mean())
        for name, column in zip(MAP_CONVENTIONS, columns, strict=True)
    }


def map_conventions(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    topk: int | None = None,
    *,
    seed: int = 0,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> dict[str, float]:
    r"""mAP@R of the same codes under each published convention: ``{name: mAP}``.

    Keys, in the order of :data:`MAP_CONVENTIONS` (definitions, equations and the published code
    that uses each: see the module docstring of :mod:`hashlib_edu.conventions`):

    ``"ties by index"`` (= ``mean_average_precision(ties="index")``),
    ``"ties averaged (tie-aware)"`` (= ``ties="expected"``), ``"best tie order"`` and
    ``"worst tie order"`` (exact max / min over all orders of tied items),
    ``"random tie order (seeded)"`` (one seeded random tie order per query: an emulation, not a
    reproduction, of the unstable ``np.argsort`` quicksort order of the official scripts, whose
    order is fixed for a given numpy build and CPU but arbitrary),
    ``"empty queries skipped"`` (mean over queries with a relevant item in the top R, ties by
    index: thuml/HashNet ``test.py``, thulab ``get_mAPs``; NaN if there is none) and
    ``"divide by R (MAP@R)"`` (:math:`\frac1R\sum_{k\le R}P@k\,\mathrm{rel}_k`, ties by index, as
    pytorch-metric-learning's MAP@R with a common R).

    Parameters
    ----------
    query_codes, db_codes, query_labels, db_labels, topk, backend, chunk_size :
        as in :func:`hashlib_edu.metrics.mean_average_precision`.
    seed : non-negative integer seeding the random tie order (deterministic for a given seed,
        independent of threads and ``chunk_size``).

    All values are exact (no sampling except the one seeded draw of the random order) and come
    from one counting pass per query; ``best >= tie-aware >= worst`` always.
    """
    seed64 = _check_seed(seed)
    p = _m._Prepared(query_codes, db_codes, query_labels, db_labels, backend)
    topk = _m._check_topk(topk, p.n)
    return _summarise(_per_query(p, topk, seed64, chunk_size))
