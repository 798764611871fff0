r"""Retrieval metrics for ±1 hash codes under Hamming ranking and Hamming-ball lookup.

Conventions (DESIGN.md section 2):

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
in :mod:`hashlib_edu.retrieval`; ``backend="numpy"`` runs the readable sort-based reference.

The conventions of other published evaluation scripts (quicksort tie order, skipping queries
without a relevant item, dividing by R, best / worst tie order) are computed side by side by
:func:`map_conventions`, re-exported here from :mod:`hashlib_edu.conventions`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hashlib_edu import retrieval as _r
from hashlib_edu._validation import (
    _to_numpy,
    as_codes,
    as_labels,
    check_positive_int,
    check_same_bits,
)

TIES = ("index", "expected")
METRIC_BACKENDS = ("auto", "numba", "numpy")

if _r.HAVE_NUMBA:
    from numba import njit, prange
else:  # pragma: no cover - numba is a declared dependency

    def njit(*args, **kwargs):
        """Stand-in decorator: run the plain Python function."""
        if args and callable(args[0]):
            return args[0]
        return lambda function: function


# --------------------------------------------------------------------------------------------
# Tie-aware expected AP: closed form from the distance histogram
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _harmonic_sums(s, m):
    """``H1 = sum_{i=1..m} 1/(s+i)`` and ``H2 = sum_{i=1..m} (i-1)/(s+i)``."""
    h1 = 0.0
    h2 = 0.0
    for i in range(1, m + 1):
        h1 += 1.0 / (s + i)
        h2 += (i - 1.0) / (s + i)
    return h1, h2


@njit(cache=True)
def _group_expectation(n, r, s, a):
    r"""E[sum of P@k rel_k] over a tie group of n items (r relevant) in random order.

    The group occupies ranks s+1..s+n and a relevant items precede it. At position i the item is
    relevant with probability r/n and, given that, the expected number of relevant items before it
    inside the group is (i-1)(r-1)/(n-1), so
    :math:`E = \frac{r}{n}\sum_{i=1}^{n} \frac{a + 1 + (i-1)\frac{r-1}{n-1}}{s+i}`.
    """
    if r == 0:
        return 0.0
    h1, h2 = _harmonic_sums(s, n)
    value = (a + 1.0) * h1
    if n > 1:
        value += (r - 1.0) / (n - 1.0) * h2
    return r / n * value


@njit(cache=True)
def _hypergeometric_weights(n, r, m, lo, hi):
    """P(X = x) for x = lo..hi, X = relevant items among m drawn from n holding r relevant.

    Computed by the ratio recursion from the mode (no factorials, no overflow) and normalised.
    """
    w = np.zeros(hi - lo + 1)
    mode = min(max((m + 1) * (r + 1) // (n + 2), lo), hi)
    w[mode - lo] = 1.0
    for x in range(mode + 1, hi + 1):
        w[x - lo] = w[x - 1 - lo] * (r - x + 1.0) * (m - x + 1.0) / (x * (n - r - m + x + 0.0))
    for x in range(mode - 1, lo - 1, -1):
        w[x - lo] = w[x + 1 - lo] * (x + 1.0) * (n - r - m + x + 1.0) / ((r - x) * (m - x + 0.0))
    return w / w.sum()


@njit(cache=True)
def _expected_ap_from_hist(cnt, relcnt, t, topk):
    r"""Exact E[AP@R] over uniformly random orders of tied items, from per-distance counts.

    ``cnt[d]``/``relcnt[d]``: number of items / relevant items at distance d (exact for d <= t);
    t is the distance of the R-th item. Groups d < t lie wholly in the top R; the boundary group
    d = t contributes its first m = R - start[t] positions. The number X of relevant items among
    those m is hypergeometric, and the normaliser A + X (A: relevant items with d < t) is random
    with it, so E[AP] is computed exactly by conditioning on X = x:

    .. math::

        E[AP] = \sum_x P(X=x) \frac{S_{in} + S_b(x)}{A + x},\quad
        S_b(x) = \frac{x}{m}\sum_{i=1}^{m}\frac{A + 1 + (i-1)\frac{x-1}{m-1}}{s+i}

    (given X = x the x relevant items are uniformly placed among the m positions; the orders of
    different groups are independent, so the inner sum S_in enters through its expectation).
    A term with A + x = 0 is 0 (no relevant item in the top R).
    """
    s = 0
    a = 0
    inner = 0.0
    for d in range(t):
        inner += _group_expectation(cnt[d], relcnt[d], s, a)
        s += cnt[d]
        a += relcnt[d]
    n = cnt[t]
    r = relcnt[t]
    m = topk - s
    h1, h2 = _harmonic_sums(s, m)
    lo = max(0, m - (n - r))
    hi = min(r, m)
    weights = _hypergeometric_weights(n, r, m, lo, hi)
    total = 0.0
    for x in range(lo, hi + 1):
        if a + x == 0:
            continue
        boundary = 0.0
        if x > 0:
            boundary = (a + 1.0) * h1
            if m > 1:
                boundary += (x - 1.0) / (m - 1.0) * h2
            boundary *= x / m
        total += weights[x - lo] * (inner + boundary) / (a + x)
    return total


@njit(cache=True)
def _precision_sum(rel, topk):
    """``(sum_k P@k rel_k, sum_k rel_k)`` over ranks 1..topk of a relevance-by-rank vector,
    summed in rank order."""
    hits = 0
    total = 0.0
    for pos in range(topk):
        if rel[pos]:
            hits += 1
            total += hits / (pos + 1.0)
    return total, hits


# --------------------------------------------------------------------------------------------
# Compiled kernels (counting, no sort)
# --------------------------------------------------------------------------------------------
if _r.HAVE_NUMBA:

    @njit(cache=True, inline="always")
    def _related(single, qc, dbc, ql, dbl, j):
        """Relevance of database item j: same class id (single-label data) or any shared label
        bit ``(ql & dbl[j]) != 0`` (packed multi-label data)."""
        if single:
            return qc == dbc[j]
        for w in range(ql.shape[0]):
            if ql[w] & dbl[j, w]:
                return True
        return False

    @njit(cache=True)
    def _relevance_by_rank(t, nc, single, qc, dbc, ql, dbl, topk, bufs, rel):
        """After ``_scan_top`` (threshold t, nc candidates in ``bufs``): fill ``rel[0..topk-1]``
        with the relevance of the items at ranks 1..topk (ties by index), exact rank placement."""
        hist, cand_ids, cand_d, ids, dist = bufs
        _r._rank_candidates(t, nc, hist, cand_ids, cand_d, topk, ids, dist)
        for pos in range(topk):
            rel[pos] = _related(single, qc, dbc, ql, dbl, ids[pos])

    @njit(cache=True)
    def _ranked_relevance(qw, dbw, single, qc, dbc, ql, dbl, topk, bufs, rel):
        """Fill ``rel[0..topk-1]`` with the relevance of the items at ranks 1..topk (ties by
        index): a counting scan (``_scan_top``) and exact rank placement, no sort."""
        hist, cand_ids, cand_d, _, _ = bufs
        t, nc = _r._scan_top(qw, dbw, topk, hist, cand_ids, cand_d)
        _relevance_by_rank(t, nc, single, qc, dbc, ql, dbl, topk, bufs, rel)

    @njit(cache=True)
    def _relevant_counts(t, nc, cand_ids, cand_d, single, qc, dbc, ql, dbl, relcnt):
        """After ``_scan_top``: ``relcnt[d]`` = relevant items at distance d, exact for d <= t."""
        relcnt[:] = 0
        for c in range(nc):
            d = cand_d[c]
            if d <= t and _related(single, qc, dbc, ql, dbl, cand_ids[c]):
                relcnt[d] += 1

    @njit(cache=True)
    def _buffers(n, topk, max_dist):
        return (
            np.zeros(max_dist + 1, dtype=np.int64),
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int32),
            np.empty(topk, dtype=np.int64),
            np.empty(topk, dtype=np.int32),
        )

    @_r._Kernel
    def _top_relevance_kernel(qw, dbw, single, qc, dbc, ql, dbl, topk, max_dist, n_blocks):
        """(nq, topk) uint8: relevance of the items at ranks 1..topk (ties by index)."""
        nq = qw.shape[0]
        out = np.empty((nq, topk), dtype=np.uint8)
        for b in prange(n_blocks):
            bufs = _buffers(dbw.shape[0], topk, max_dist)
            for i in range(b, nq, n_blocks):
                _ranked_relevance(qw[i], dbw, single, qc[i], dbc, ql[i], dbl, topk, bufs, out[i])
        return out

    @_r._Kernel
    def _ap_index_kernel(qw, dbw, single, qc, dbc, ql, dbl, topk, max_dist, n_blocks):
        """Per-query AP@topk, ties by index: sum over ranks k of (hits_k / k) * rel_k / hits."""
        nq = qw.shape[0]
        out = np.empty(nq)
        for b in prange(n_blocks):
            bufs = _buffers(dbw.shape[0], topk, max_dist)
            rel = np.empty(topk, dtype=np.uint8)
            for i in range(b, nq, n_blocks):
                _ranked_relevance(qw[i], dbw, single, qc[i], dbc, ql[i], dbl, topk, bufs, rel)
                total, hits = _precision_sum(rel, topk)
                out[i] = total / hits if hits > 0 else 0.0
        return out

    @_r._Kernel
    def _expected_ap_kernel(qw, dbw, single, qc, dbc, ql, dbl, topk, max_dist, n_blocks):
        """Per-query tie-aware expected AP@topk; needs only counts, no ranking pass."""
        nq = qw.shape[0]
        n = dbw.shape[0]
        out = np.empty(nq)
        for b in prange(n_blocks):
            hist = np.zeros(max_dist + 1, dtype=np.int64)
            relcnt = np.zeros(max_dist + 1, dtype=np.int64)
            cand_ids = np.empty(n, dtype=np.int64)
            cand_d = np.empty(n, dtype=np.int32)
            for i in range(b, nq, n_blocks):
                t, nc = _r._scan_top(qw[i], dbw, topk, hist, cand_ids, cand_d)
                _relevant_counts(t, nc, cand_ids, cand_d, single, qc[i], dbc, ql[i], dbl, relcnt)
                out[i] = _expected_ap_from_hist(hist, relcnt, t, topk)
        return out

    @_r._Kernel
    def _histogram_kernel(qw, dbw, single, qc, dbc, ql, dbl, bits):
        """(nq, K+1) counts of all / relevant database items at each Hamming distance."""
        nq = qw.shape[0]
        n = dbw.shape[0]
        cnt = np.zeros((nq, bits + 1), dtype=np.int64)
        rel = np.zeros((nq, bits + 1), dtype=np.int64)
        for i in prange(nq):
            dbuf = np.empty(_r.TILE, dtype=_r.DIST_DTYPE)
            for j0 in range(0, n, _r.TILE):
                j1 = min(n, j0 + _r.TILE)
                _r._tile_distances(qw[i], dbw, j0, j1, dbuf)
                for jj in range(j1 - j0):
                    d = dbuf[jj]
                    cnt[i, d] += 1
                    if _related(single, qc[i], dbc, ql[i], dbl, j0 + jj):
                        rel[i, d] += 1
        return cnt, rel


# --------------------------------------------------------------------------------------------
# Readable numpy reference (sort-based), used for backend="numpy"
# --------------------------------------------------------------------------------------------
def _numpy_blocks(p: _Prepared, chunk_size: int | None):
    """Yield (rows, distances, relevance) for chunks of queries: (chunk, N) int32 and bool."""
    for rows in _r._numpy_chunks(p.nq, p.n, chunk_size):
        dist = _r._numpy_distances(p.qw[rows], p.dbw)
        relevant = (p.qlab[rows].astype(np.float32) @ p.dblab.T.astype(np.float32)) > 0
        yield rows, dist, relevant


def _numpy_top_relevance(p: _Prepared, topk: int, chunk_size: int | None) -> np.ndarray:
    out = np.empty((p.nq, topk), dtype=np.uint8)
    for rows, dist, relevant in _numpy_blocks(p, chunk_size):
        order = np.argsort(dist, axis=1, kind="stable")[:, :topk]
        out[rows] = np.take_along_axis(relevant, order, 1)
    return out


def _numpy_histograms(p: _Prepared, chunk_size: int | None):
    cnt = np.zeros((p.nq, p.bits + 1), dtype=np.int64)
    rel = np.zeros((p.nq, p.bits + 1), dtype=np.int64)
    for rows, dist, relevant in _numpy_blocks(p, chunk_size):
        for row, (d, r) in enumerate(zip(dist, relevant, strict=True)):
            cnt[rows.start + row] = np.bincount(d, minlength=p.bits + 1)
            rel[rows.start + row] = np.bincount(d[r], minlength=p.bits + 1)
    return cnt, rel


def _numpy_expected_ap(p: _Prepared, topk: int, chunk_size: int | None) -> np.ndarray:
    cnt, rel = _numpy_histograms(p, chunk_size)
    expected = getattr(_expected_ap_from_hist, "py_func", _expected_ap_from_hist)
    out = np.empty(p.nq)
    for i in range(p.nq):
        t = int(np.searchsorted(np.cumsum(cnt[i]), topk))  # first d with cum >= topk
        out[i] = expected(cnt[i], rel[i], t, topk)
    return out


# --------------------------------------------------------------------------------------------
# Validation and dispatch
# --------------------------------------------------------------------------------------------
class _Prepared:
    """Validated, bit-packed inputs of a metric call."""

    def __init__(self, query_codes, db_codes, query_labels, db_labels, backend: str) -> None:
        if backend not in METRIC_BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {METRIC_BACKENDS}")
        if backend == "auto":
            backend = "numba" if _r.HAVE_NUMBA else "numpy"
        q = as_codes(query_codes, "query_codes")
        db = as_codes(db_codes, "db_codes")
        self.bits = check_same_bits(q, db, ("query_codes", "db_codes"))
        self.qlab = as_labels(query_labels, q.shape[0], "query_labels", "query_codes")
        self.dblab = as_labels(db_labels, db.shape[0], "db_labels", "db_codes")
        check_same_bits(self.qlab, self.dblab, ("query_labels (classes)", "db_labels"))
        self.backend = backend
        self.nq, self.n = q.shape[0], db.shape[0]
        self.qw, self.dbw = _r._pack_words(q), _r._pack_words(db)
        self.max_dist = 64 * self.qw.shape[1]
        self._relevance = None

    def relevance_args(self, rows: slice = slice(None)):
        """Kernel arguments describing relevance: (single, query classes, db classes, query
        label words, db label words). Single-label data (every row exactly one 1) is compared by
        class id, multi-label data by AND of bit-packed label rows."""
        if self._relevance is None:
            q_single = bool((self.qlab.sum(axis=1, dtype=np.int64) == 1).all())
            single = q_single and bool((self.dblab.sum(axis=1, dtype=np.int64) == 1).all())
            if single:
                qc = self.qlab.argmax(axis=1).astype(np.int32)
                dbc = self.dblab.argmax(axis=1).astype(np.int32)
                ql = np.zeros((self.nq, 1), dtype=np.uint64)
                dbl = np.zeros((1, 1), dtype=np.uint64)
            else:
                qc = np.zeros(self.nq, dtype=np.int32)
                dbc = np.zeros(1, dtype=np.int32)
                ql, dbl = _r._pack_bits01(self.qlab), _r._pack_bits01(self.dblab)
            self._relevance = (single, qc, dbc, ql, dbl)
        single, qc, dbc, ql, dbl = self._relevance
        return single, qc[rows], dbc, ql[rows], dbl


def _chunks(p: _Prepared, per_query: int, chunk_size: int | None):
    step = chunk_size or max(1, (1 << 22) // max(per_query, 1))
    for lo in range(0, p.nq, step):
        yield slice(lo, min(p.nq, lo + step))


def _top_relevance(p: _Prepared, topk: int, chunk_size: int | None):
    """Yield (rows, relevance at ranks 1..topk) per chunk of queries, ties by index."""
    if p.backend == "numpy":
        yield slice(0, p.nq), _numpy_top_relevance(p, topk, chunk_size)
        return
    for rows in _chunks(p, topk, chunk_size):
        nq = rows.stop - rows.start
        yield (
            rows,
            _top_relevance_kernel(
                nq * p.n,
                p.qw[rows],
                p.dbw,
                *p.relevance_args(rows),
                topk,
                p.max_dist,
                _r._n_blocks(nq),
            ),
        )


def _histograms(p: _Prepared, chunk_size: int | None):
    if p.backend == "numpy":
        return _numpy_histograms(p, chunk_size)
    return _histogram_kernel(p.nq * p.n, p.qw, p.dbw, *p.relevance_args(), p.bits)


def _ap_from_relevance(rel: np.ndarray) -> np.ndarray:
    """AP per row of a (nq, R) 0/1 relevance-by-rank matrix: sum_k P@k rel_k / sum_k rel_k."""
    rel = rel.astype(np.float64)
    hits = np.cumsum(rel, axis=1)
    precision = hits / np.arange(1, rel.shape[1] + 1)
    n_rel = hits[:, -1]
    # cumsum adds left to right, in rank order, exactly like the compiled kernel: equal values
    total = np.cumsum(precision * rel, axis=1)[:, -1]
    return np.divide(total, n_rel, out=np.zeros_like(total), where=n_rel > 0)


def _check_topk(topk, n: int) -> int:
    if topk is None:
        return n
    return check_positive_int(topk, "topk", n, "database size")


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
    if ties not in TIES:
        raise ValueError(f"unknown ties={ties!r}; choose 'index' (stable) or 'expected'")
    p = _Prepared(query_codes, db_codes, query_labels, db_labels, backend)
    topk = _check_topk(topk, p.n)
    if p.backend == "numpy":
        if ties == "expected":
            return _numpy_expected_ap(p, topk, chunk_size)
        return _ap_from_relevance(_numpy_top_relevance(p, topk, chunk_size))
    kernel = _expected_ap_kernel if ties == "expected" else _ap_index_kernel
    args = (*p.relevance_args(), topk, p.max_dist, _r._n_blocks(p.nq))
    return kernel(p.nq * p.n, p.qw, p.dbw, *args)


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
        items (closed form, see ``_expected_ap_from_hist``), independent of the database order.
    backend : ``"auto"``/``"numba"`` (compiled counting kernels) or ``"numpy"`` (sort-based
        reference).
    chunk_size : queries per chunk (default: bounded so that a chunk holds about 4M values).
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
    r"""mAP@R of ranking by the inner product of *continuous* codes (HashNet+C, Cao et al. 2017).

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
    topk = _check_topk(topk, db.shape[0])
    check_positive_int(chunk_size, "chunk_size")
    aps = []
    for lo in range(0, q.shape[0], chunk_size):
        scores = q[lo : lo + chunk_size] @ db.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :topk]
        relevant = (qlab[lo : lo + chunk_size].astype(np.float32) @ dblab.T.astype(np.float32)) > 0
        aps.append(_ap_from_relevance(np.take_along_axis(relevant, order, axis=1)))
    return float(np.concatenate(aps).mean())


def _continuous(outputs, name: str) -> np.ndarray:
    array = _to_numpy(outputs, name)
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
    p = _Prepared(query_codes, db_codes, query_labels, db_labels, backend)
    ks_array = np.atleast_1d(np.asarray(ks))
    if ks_array.size == 0 or not np.issubdtype(ks_array.dtype, np.integer):
        raise ValueError(f"ks must be a non-empty sequence of integers, got {ks!r}")
    for k in ks_array:
        check_positive_int(int(k), "each k in ks", p.n, "database size")
    kmax = int(ks_array.max())
    total = np.zeros(len(ks_array))
    for _, rel in _top_relevance(p, kmax, chunk_size):
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
    p = _Prepared(query_codes, db_codes, query_labels, db_labels, backend)
    precision, recall = _radius_curves(*_histograms(p, chunk_size))
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
    query whose ball is empty counts as precision 0 (DESIGN.md section 2).
    """
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise TypeError(f"radius must be an integer, got {type(radius).__name__}")
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    p = _Prepared(query_codes, db_codes, query_labels, db_labels, backend)
    precision, _ = _radius_curves(*_histograms(p, chunk_size))
    return float(precision[:, min(int(radius), p.bits)].mean())


def hamming_distances(query_codes, db_codes) -> np.ndarray:
    r"""Dense (nq, N) int32 matrix of :math:`d(q, b) = (K - \langle q, b \rangle) / 2`.

    For small inputs and teaching only; the metrics never build this matrix.
    """
    q = as_codes(query_codes, "query_codes")
    db = as_codes(db_codes, "db_codes")
    bits = check_same_bits(q, db)
    inner = q.astype(np.int32) @ db.astype(np.int32).T
    return ((bits - inner) // 2).astype(np.int32)


def quantization_error(outputs) -> float:
    r"""Mean over rows of :math:`\lVert h - \mathrm{sign}(h) \rVert^2 / K`, with sign(0) = +1.

    ``outputs`` is the continuous (n, K) code h (e.g. tanh outputs), numpy or torch; 0 when every
    entry is already exactly -1 or +1.
    """
    h = _to_numpy(outputs, "outputs")
    if h.ndim != 2 or h.shape[0] == 0 or h.shape[1] == 0:
        raise ValueError(f"outputs must be a non-empty 2-D array (n, K), got shape {h.shape}")
    if not np.issubdtype(h.dtype, np.floating) and not np.issubdtype(h.dtype, np.integer):
        raise TypeError(f"outputs must be numeric, got dtype {h.dtype}")
    h = h.astype(np.float64)
    if not np.isfinite(h).all():
        raise ValueError("outputs contains NaN or inf; check the model's forward pass")
    b = np.where(h >= 0, 1.0, -1.0)
    return float(((h - b) ** 2).mean(axis=1).mean())


def __getattr__(name: str):
    """Re-export :func:`hashlib_edu.conventions.map_conventions` and ``MAP_CONVENTIONS``
    (imported lazily: :mod:`hashlib_edu.conventions` builds on this module's kernels)."""
    if name in ("map_conventions", "MAP_CONVENTIONS"):
        from hashlib_edu import conventions

        return getattr(conventions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
