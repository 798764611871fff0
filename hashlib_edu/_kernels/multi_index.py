"""Multi-index hashing kernels (Norouzi, Punjani and Fleet, CVPR 2012): substring tables, probes.

Used by :class:`hashlib_edu.multi_index.MultiIndexHashing`; the algorithm is described there.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hashlib_edu._kernels.scan import Kernel, popcount64

ALL_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


@njit(cache=True, inline="always")
def extract(row, start, length):
    """Bits ``start .. start + length - 1`` (length <= 64) of a packed code as a uint64."""
    w, off = start >> 6, start & 63
    v = row[w] >> np.uint64(off)
    if off + length > 64:  # the substring straddles two words (off > 0 here)
        v |= row[w + 1] << np.uint64(64 - off)
    if length < 64:
        v &= (np.uint64(1) << np.uint64(length)) - np.uint64(1)
    return v


@njit(cache=True)
def extract_keys(words, start, length):
    keys = np.empty(words.shape[0], dtype=np.uint64)
    for j in range(words.shape[0]):
        keys[j] = extract(words[j], start, length)
    return keys


@njit(cache=True)
def build_dense(words, start, length, ids_out, words_out, starts):
    """Counting sort by substring: ``starts`` (2**length + 1) offsets, ids ascending per bucket."""
    keys = extract_keys(words, start, length)
    starts[:] = 0
    for j in range(keys.shape[0]):
        starts[np.int64(keys[j]) + 1] += 1
    for g in range(1, starts.shape[0]):
        starts[g] += starts[g - 1]
    fill = starts[:-1].copy()
    for j in range(keys.shape[0]):
        g = np.int64(keys[j])
        p = fill[g]
        fill[g] += 1
        ids_out[p] = j
        words_out[p, :] = words[j, :]


@njit(cache=True, inline="always")
def is_first_step(query_words, a, p, t, perm_words, masks):
    """Whether step t (table a) is the first step that reaches the item at position p of table a:
    no other substring b has ``d_b * m + b < t``."""
    m, nw = masks.shape[0], query_words.shape[0]
    for b in range(m):
        if b != a:
            db = 0
            for w in range(nw):
                db += popcount64((query_words[w] ^ perm_words[a, p, w]) & masks[b, w])
            if db * m + b < t:
                return False
    return True


@njit(cache=True, inline="always")
def grown(ids, dists, c):
    """The candidate buffers (ids, dists) at twice their size, the first c entries copied."""
    ids2, dists2 = np.empty(2 * c, dtype=np.int64), np.empty(2 * c, dtype=np.int32)
    ids2[:c] = ids
    dists2[:c] = dists
    return ids2, dists2


@njit(cache=True, inline="always")
def count_and_shrink(d, k, state, histogram):
    """k-NN: count a kept item at distance d and shrink the bound to the k-th distance."""
    histogram[d] += 1
    state[1] += 1
    while state[0] > 0 and state[1] - histogram[state[0]] >= k:
        state[1] -= histogram[state[0]]
        state[0] -= 1


@njit(cache=True, inline="always")
def verify(
    query_words, a, t, lo, hi, k, state, histogram, perm_ids, perm_words, masks, ids, dists, c
):
    """Verify the items at positions lo..hi-1 of table a; append the new ones with d <= bound.

    ``state = [bound, count]``: radius search (k = 0) keeps ``bound = r``; k-NN (k > 0) counts
    the kept items with d <= bound in ``histogram`` and shrinks the bound to the k-th distance.
    """
    nw = query_words.shape[0]
    for p in range(lo, hi):
        d = 0
        for w in range(nw):
            d += popcount64(query_words[w] ^ perm_words[a, p, w])
        if d > state[0] or not is_first_step(query_words, a, p, t, perm_words, masks):
            continue
        if c == ids.shape[0]:  # grow the candidate buffers
            ids, dists = grown(ids, dists, c)
        ids[c], dists[c] = perm_ids[a, p], d
        c += 1
        if k > 0:
            count_and_shrink(d, k, state, histogram)
    return ids, dists, c


@njit(cache=True)
def probe_shell(query_words, a, s, t, k, state, histogram, tables, ids, dists, c):
    """Step t: every bucket of table a whose key is at substring distance exactly s."""
    meta, starts, ukeys, perm_ids, perm_words, masks, binom = tables
    start, length, dense = meta[a, 0], meta[a, 1], meta[a, 2]
    sbase, kbase, ngroups = meta[a, 3], meta[a, 4], meta[a, 5]
    if s > length:
        return ids, dists, c
    qkey = extract(query_words, start, length)
    count = binom[length, s]
    if count > ngroups:  # fewer buckets than keys in the shell: visit every bucket
        for g in range(ngroups):
            key = np.uint64(g) if dense else ukeys[kbase + g]
            if popcount64(key ^ qkey) == s:
                lo, hi = starts[sbase + g], starts[sbase + g + 1]
                ids, dists, c = verify(
                    query_words,
                    a,
                    t,
                    lo,
                    hi,
                    k,
                    state,
                    histogram,
                    perm_ids,
                    perm_words,
                    masks,
                    ids,
                    dists,
                    c,
                )
        return ids, dists, c
    x = np.uint64(0) if s == 0 else ALL_ONES >> np.uint64(64 - s)  # lowest s bits set
    for i in range(count):
        key = qkey ^ x
        g = -1
        if dense:
            g = np.int64(key)
        else:
            j = np.searchsorted(ukeys[kbase : kbase + ngroups], key)
            if j < ngroups and ukeys[kbase + j] == key:
                g = j
        if g >= 0:
            lo, hi = starts[sbase + g], starts[sbase + g + 1]
            ids, dists, c = verify(
                query_words,
                a,
                t,
                lo,
                hi,
                k,
                state,
                histogram,
                perm_ids,
                perm_words,
                masks,
                ids,
                dists,
                c,
            )
        if i + 1 < count:  # Gosper's hack: next mask with the same number of bits set
            u = x & (~x + np.uint64(1))
            v = x + u
            x = v | (((v ^ x) >> np.uint64(2)) // u)
    return ids, dists, c


@Kernel
def mih_radius_kernel(queries, radius, tables, cap):
    """Steps 0..radius per query; ascending ids with d <= radius, at most ``cap`` stored."""
    nq, m = queries.shape[0], tables[0].shape[0]
    out = np.empty((nq, cap), dtype=np.int64)
    counts = np.zeros(nq, dtype=np.int64)
    for i in prange(nq):
        ids, dists = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int32)
        state, histogram = np.array([radius, 0]), np.zeros(1, dtype=np.int64)
        c = 0
        for t in range(radius + 1):
            ids, dists, c = probe_shell(
                queries[i], t % m, t // m, t, 0, state, histogram, tables, ids, dists, c
            )
        found = np.sort(ids[:c])
        counts[i] = c
        out[i, : min(c, cap)] = found[: min(c, cap)]
    return out, counts


@njit(cache=True)
def knn_one(query_words, k, bits, tables, histogram, ids, dists, out_i, out_d):
    """The paper's incremental k-NN for one query; rows sorted by (distance, id)."""
    m = tables[0].shape[0]
    histogram[:] = 0
    state = np.array([bits, 0])  # [T = distance of the current k-th item, count with d <= T]
    c = 0
    for t in range(bits + 1):
        ids, dists, c = probe_shell(
            query_words, t % m, t // m, t, k, state, histogram, tables, ids, dists, c
        )
        if state[1] >= k and state[0] <= t:  # every item with d <= T has been seen
            break
    top = state[0]
    start = np.zeros(top + 1, dtype=np.int64)
    for d in range(1, top + 1):
        start[d] = start[d - 1] + histogram[d - 1]
    ties = np.empty(histogram[top], dtype=np.int64)
    nt = 0
    for j in range(c):
        d = dists[j]
        if d < top:
            out_i[start[d]], out_d[start[d]] = ids[j], d
            start[d] += 1
        elif d == top:
            ties[nt] = ids[j]
            nt += 1
    less = start[top - 1] if top > 0 else 0
    for d in range(top):  # ids within one distance in ascending order
        lo = start[d - 1] if d > 0 else 0
        out_i[lo : start[d]].sort()
    need = k - less  # the smallest ids among the items tied at the k-th distance
    if need < nt:
        ties = np.partition(ties, need - 1)[:need]
    ties.sort()
    out_i[less:k], out_d[less:k] = ties[:need], top
    return ids, dists


@Kernel
def mih_knn_kernel(queries, k, bits, tables, n_blocks):
    nq = queries.shape[0]
    out_d = np.empty((nq, k), dtype=np.int32)
    out_i = np.empty((nq, k), dtype=np.int64)
    for b in prange(n_blocks):
        histogram = np.zeros(bits + 1, dtype=np.int64)
        ids = np.empty(max(64, 2 * k), dtype=np.int64)
        dists = np.empty(ids.shape[0], dtype=np.int32)
        for i in range(b, nq, n_blocks):
            ids, dists = knn_one(
                queries[i], k, bits, tables, histogram, ids, dists, out_i[i], out_d[i]
            )
    return out_d, out_i
