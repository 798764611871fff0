"""Kernels of :func:`hashlib_edu.conventions.map_conventions`: every mAP convention in one scan.

Per query, from the distance histograms and the index-order relevance: AP with ties by index,
tie-aware AP, exact best / worst tie order, one seeded random tie order (SplitMix64 stream), the
number of hits and AP divided by R. Columns of the (nq, 7) output are the ``COLUMN_*`` constants.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hashlib_edu._kernels.average_precision import (
    allocate_buffers,
    count_relevant,
    expected_ap_from_hist,
    precision_sum,
    relevance_by_rank,
)
from hashlib_edu._kernels.scan import Kernel, scan_top

INDEX, EXPECTED, BEST, WORST, RANDOM, HITS, BY_R = range(7)
N_COLUMNS = 7

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def mix64(z):
    """SplitMix64 output function (a bijection of uint64 with good avalanche)."""
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def stream_start(seed, query):
    """Start state of the random stream of one query: ``mix64(mix64(seed) ^ query)``."""
    return mix64(mix64(np.uint64(seed)) ^ np.uint64(query))


@njit(cache=True)
def tie_order_bounds(counts, relevant_counts, t, topk):
    """(max, min) of AP@topk over all orders of tied items, exact (see the module docstring)."""
    s = 0
    a = 0
    inner_best = 0.0
    inner_worst = 0.0
    for d in range(t):  # groups wholly inside the top R: relevant items first / last
        n = counts[d]
        r = relevant_counts[d]
        for i in range(1, r + 1):
            inner_best += (a + i) / (s + i)
            inner_worst += (a + i) / (s + n - r + i)
        s += n
        a += r
    n = counts[t]
    r = relevant_counts[t]
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
def random_order_ap(counts, relevant_counts, t, topk, state):
    """``(sum_k P@k rel_k, hits)`` under one random order of the tied items (SplitMix64 stream
    from ``state``; one uniform per position whose relevance is not yet decided)."""
    start = 0
    hits = 0
    total = 0.0
    for d in range(t + 1):
        n_left = counts[d]
        r_left = relevant_counts[d]
        length = n_left if d < t else topk - start
        for i in range(length):
            if r_left == 0:
                break
            relevant = True
            if r_left < n_left:
                state += GOLDEN
                u = np.float64(mix64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
                relevant = u * n_left < r_left
            n_left -= 1
            if relevant:
                r_left -= 1
                hits += 1
                total += hits / (start + i + 1.0)
        start += length
    return total, hits


@njit(cache=True)
def query_conventions(counts, relevant_counts, t, topk, rel, seed, query, out):
    """Fill ``out`` (7 columns) for one query from its histograms (exact for d <= t) and the
    relevance ``rel`` of ranks 1..topk in index order."""
    total, hits = precision_sum(rel, topk)
    out[INDEX] = total / hits if hits > 0 else 0.0
    out[EXPECTED] = expected_ap_from_hist(counts, relevant_counts, t, topk)
    best, worst = tie_order_bounds(counts, relevant_counts, t, topk)
    out[BEST] = best
    out[WORST] = worst
    r_total, r_hits = random_order_ap(counts, relevant_counts, t, topk, stream_start(seed, query))
    out[RANDOM] = r_total / r_hits if r_hits > 0 else 0.0
    out[HITS] = hits
    out[BY_R] = total / topk


@Kernel
def conventions_kernel(
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
    seed,
    first,
):
    """(nq, 7) per-query values of every convention: one counting scan per query."""
    nq = query_words.shape[0]
    out = np.empty((nq, N_COLUMNS))
    for b in prange(n_blocks):
        buffers = allocate_buffers(db_words.shape[0], topk, max_dist)
        histogram, candidate_ids, candidate_distances = buffers[0], buffers[1], buffers[2]
        relevant_counts = np.zeros(max_dist + 1, dtype=np.int64)
        rel = np.empty(topk, dtype=np.uint8)
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
            relevance_by_rank(
                t,
                n_candidates,
                single,
                query_class[i],
                db_classes,
                query_label_words[i],
                db_label_words,
                topk,
                buffers,
                rel,
            )
            query_conventions(histogram, relevant_counts, t, topk, rel, seed, first + i, out[i])
    return out
