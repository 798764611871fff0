r"""Average-precision kernels: relevance by rank, AP with ties by index, tie-aware AP, histograms.

Each query is one counting scan (:func:`hashlib_edu._kernels.scan.scan_top`); relevance is a class
id comparison for single-label data or an AND of bit-packed label rows for multi-label data. The
tie-aware AP (McSherry & Najork, ECIR 2008) has a closed form from the per-distance counts of all
and of relevant items, derived in :func:`expected_ap_from_hist`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hashlib_edu._kernels.scan import (
    DIST_DTYPE,
    TILE,
    Kernel,
    rank_candidates,
    scan_top,
    tile_distances,
)


@njit(cache=True)
def harmonic_sums(s, m):
    """``H1 = sum_{i=1..m} 1/(s+i)`` and ``H2 = sum_{i=1..m} (i-1)/(s+i)``."""
    h1 = 0.0
    h2 = 0.0
    for i in range(1, m + 1):
        h1 += 1.0 / (s + i)
        h2 += (i - 1.0) / (s + i)
    return h1, h2


@njit(cache=True)
def group_expectation(n, r, s, a):
    r"""E[sum of P@k rel_k] over a tie group of n items (r relevant) in random order.

    The group occupies ranks s+1..s+n and a relevant items precede it. At position i the item is
    relevant with probability r/n and, given that, the expected number of relevant items before it
    inside the group is (i-1)(r-1)/(n-1), so
    :math:`E = \frac{r}{n}\sum_{i=1}^{n} \frac{a + 1 + (i-1)\frac{r-1}{n-1}}{s+i}`.
    """
    if r == 0:
        return 0.0
    h1, h2 = harmonic_sums(s, n)
    value = (a + 1.0) * h1
    if n > 1:
        value += (r - 1.0) / (n - 1.0) * h2
    return r / n * value


@njit(cache=True)
def hypergeometric_weights(n, r, m, lo, hi):
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
def expected_ap_from_hist(counts, relevant_counts, t, topk):
    r"""Exact E[AP@R] over uniformly random orders of tied items, from per-distance counts.

    ``counts[d]``/``relevant_counts[d]``: number of items / relevant items at distance d (exact for d <= t);
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
        inner += group_expectation(counts[d], relevant_counts[d], s, a)
        s += counts[d]
        a += relevant_counts[d]
    n = counts[t]
    r = relevant_counts[t]
    m = topk - s
    h1, h2 = harmonic_sums(s, m)
    lo = max(0, m - (n - r))
    hi = min(r, m)
    weights = hypergeometric_weights(n, r, m, lo, hi)
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
def precision_sum(rel, topk):
    """``(sum_k P@k rel_k, sum_k rel_k)`` over ranks 1..topk of a relevance-by-rank vector,
    summed in rank order."""
    hits = 0
    total = 0.0
    for pos in range(topk):
        if rel[pos]:
            hits += 1
            total += hits / (pos + 1.0)
    return total, hits


@njit(cache=True, inline="always")
def related(single, query_class, db_classes, query_label_words, db_label_words, j):
    """Relevance of database item j: same class id (single-label data) or any shared label
    bit ``(query_label_words & db_label_words[j]) != 0`` (packed multi-label data)."""
    if single:
        return query_class == db_classes[j]
    for w in range(query_label_words.shape[0]):
        if query_label_words[w] & db_label_words[j, w]:
            return True
    return False


@njit(cache=True)
def relevance_by_rank(
    t,
    n_candidates,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    topk,
    buffers,
    rel,
):
    """After ``scan_top`` (threshold t, n_candidates candidates in ``buffers``): fill ``rel[0..topk-1]``
    with the relevance of the items at ranks 1..topk (ties by index), exact rank placement."""
    histogram, candidate_ids, candidate_distances, ids, dist = buffers
    rank_candidates(t, n_candidates, histogram, candidate_ids, candidate_distances, topk, ids, dist)
    for pos in range(topk):
        rel[pos] = related(
            single, query_class, db_classes, query_label_words, db_label_words, ids[pos]
        )


@njit(cache=True)
def ranked_relevance(
    query_words,
    db_words,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    topk,
    buffers,
    rel,
):
    """Fill ``rel[0..topk-1]`` with the relevance of the items at ranks 1..topk (ties by
    index): a counting scan (``scan_top``) and exact rank placement, no sort."""
    histogram, candidate_ids, candidate_distances, _, _ = buffers
    t, n_candidates = scan_top(
        query_words, db_words, topk, histogram, candidate_ids, candidate_distances
    )
    relevance_by_rank(
        t,
        n_candidates,
        single,
        query_class,
        db_classes,
        query_label_words,
        db_label_words,
        topk,
        buffers,
        rel,
    )


@njit(cache=True)
def count_relevant(
    t,
    n_candidates,
    candidate_ids,
    candidate_distances,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    relevant_counts,
):
    """After ``scan_top``: ``relevant_counts[d]`` = relevant items at distance d, exact for d <= t."""
    relevant_counts[:] = 0
    for c in range(n_candidates):
        d = candidate_distances[c]
        if d <= t and related(
            single, query_class, db_classes, query_label_words, db_label_words, candidate_ids[c]
        ):
            relevant_counts[d] += 1


@njit(cache=True)
def allocate_buffers(n, topk, max_dist):
    return (
        np.zeros(max_dist + 1, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int32),
        np.empty(topk, dtype=np.int64),
        np.empty(topk, dtype=np.int32),
    )


@Kernel
def top_relevance_kernel(
    query_words,
    db_words,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    topk,
    max_dist,
    n_blocks,
):
    """(nq, topk) uint8: relevance of the items at ranks 1..topk (ties by index)."""
    nq = query_words.shape[0]
    out = np.empty((nq, topk), dtype=np.uint8)
    for b in prange(n_blocks):
        buffers = allocate_buffers(db_words.shape[0], topk, max_dist)
        for i in range(b, nq, n_blocks):
            ranked_relevance(
                query_words[i],
                db_words,
                single,
                query_class[i],
                db_classes,
                query_label_words[i],
                db_label_words,
                topk,
                buffers,
                out[i],
            )
    return out


@Kernel
def ap_index_kernel(
    query_words,
    db_words,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    topk,
    max_dist,
    n_blocks,
):
    """Per-query AP@topk, ties by index: sum over ranks k of (hits_k / k) * rel_k / hits."""
    nq = query_words.shape[0]
    out = np.empty(nq)
    for b in prange(n_blocks):
        buffers = allocate_buffers(db_words.shape[0], topk, max_dist)
        rel = np.empty(topk, dtype=np.uint8)
        for i in range(b, nq, n_blocks):
            ranked_relevance(
                query_words[i],
                db_words,
                single,
                query_class[i],
                db_classes,
                query_label_words[i],
                db_label_words,
                topk,
                buffers,
                rel,
            )
            total, hits = precision_sum(rel, topk)
            out[i] = total / hits if hits > 0 else 0.0
    return out


@Kernel
def expected_ap_kernel(
    query_words,
    db_words,
    single,
    query_class,
    db_classes,
    query_label_words,
    db_label_words,
    topk,
    max_dist,
    n_blocks,
):
    """Per-query tie-aware expected AP@topk; needs only counts, no ranking pass."""
    nq = query_words.shape[0]
    n = db_words.shape[0]
    out = np.empty(nq)
    for b in prange(n_blocks):
        histogram = np.zeros(max_dist + 1, dtype=np.int64)
        relevant_counts = np.zeros(max_dist + 1, dtype=np.int64)
        candidate_ids = np.empty(n, dtype=np.int64)
        candidate_distances = np.empty(n, dtype=np.int32)
        for i in range(b, nq, n_blocks):
            t, n_candidates = scan_top(
                query_words[i], db_words, topk, histogram, candidate_ids, candidate_distances
            )
            count_relevant(
                t,
                n_candidates,
                candidate_ids,
                candidate_distances,
                single,
                query_class[i],
                db_classes,
                query_label_words[i],
                db_label_words,
                relevant_counts,
            )
            out[i] = expected_ap_from_hist(histogram, relevant_counts, t, topk)
    return out


@Kernel
def histogram_kernel(
    query_words, db_words, single, query_class, db_classes, query_label_words, db_label_words, bits
):
    """(nq, K+1) counts of all / relevant database items at each Hamming distance."""
    nq = query_words.shape[0]
    n = db_words.shape[0]
    counts = np.zeros((nq, bits + 1), dtype=np.int64)
    rel = np.zeros((nq, bits + 1), dtype=np.int64)
    for i in prange(nq):
        tile_buffer = np.empty(TILE, dtype=DIST_DTYPE)
        for j0 in range(0, n, TILE):
            j1 = min(n, j0 + TILE)
            tile_distances(query_words[i], db_words, j0, j1, tile_buffer)
            for jj in range(j1 - j0):
                d = tile_buffer[jj]
                counts[i, d] += 1
                if related(
                    single,
                    query_class[i],
                    db_classes,
                    query_label_words[i],
                    db_label_words,
                    j0 + jj,
                ):
                    rel[i, d] += 1
    return counts, rel
