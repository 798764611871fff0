"""Hash-table radius search: probe every code of the Hamming ball of radius r around a query.

A bucketed open-addressing table maps a packed code (K <= 64 bits) to the ids holding it; a
query probes the ``sum_{i<=r} C(K, i)`` codes of its ball (XOR masks with at most r bits set).
Used by :meth:`hashlib_edu.retrieval.HammingIndex.radius_search` for small balls.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from numba import njit, prange

from hashlib_edu._kernels.scan import Kernel, prefetch


@njit(cache=True, inline="always")
def hash_slot(key, mask):
    return ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask


BUCKET = 4  # slots per hash bucket (16 or 32 bytes: one cache line at most)
PREFETCH_AHEAD = 8


@njit(cache=True)
def build_hash_table(unique_keys, keys, empty):
    """Bucketed open-addressing table: ``keys`` (n_buckets, BUCKET) -> group index.

    A key goes to the first free slot of bucket ``hash(key)``, or of the next buckets when
    that one is full. ``empty`` (a key absent from the database) marks free slots, so a probe
    reads one bucket (one cache line) and, in the common case, decides with two well
    predicted branches: found (rare) or bucket not full (a definite miss).
    """
    mask = np.uint64(keys.shape[0] - 1)
    keys[:] = empty
    groups = np.zeros(keys.shape, dtype=np.int64)
    for g in range(unique_keys.shape[0]):
        b = hash_slot(unique_keys[g], mask)
        placed = False
        while not placed:
            for slot in range(BUCKET):
                if keys[b, slot] == empty:
                    keys[b, slot] = unique_keys[g]
                    groups[b, slot] = g
                    placed = True
                    break
            b = (b + np.uint64(1)) & mask
    return keys, groups


@njit(cache=True, inline="always")
def lookup(keys, groups, empty, key, mask):
    """Group index of ``key`` in the table, or -1."""
    if key == empty:  # the free-slot mark is absent from the database by construction; a
        return -1  # probe equal to it would otherwise match a free slot (group 0)
    b = hash_slot(key, mask)
    while True:
        hit = False
        for slot in range(BUCKET):
            hit |= keys[b, slot] == key
        if hit:
            for slot in range(BUCKET):
                if keys[b, slot] == key:
                    return groups[b, slot]
        if keys[b, BUCKET - 1] == empty:
            return -1
        b = (b + np.uint64(1)) & mask


@Kernel
def hash_radius_kernel(query_keys, probes, keys, groups, empty, starts, sorted_ids, cap):
    """Probe every code of the Hamming ball; ascending ids per query, at most ``cap``."""
    nq = query_keys.shape[0]
    mask = np.uint64(keys.shape[0] - 1)
    out = np.empty((nq, cap), dtype=np.int64)
    counts = np.zeros(nq, dtype=np.int64)
    for i in prange(nq):
        c = 0
        for p in range(probes.shape[0]):
            if p + PREFETCH_AHEAD < probes.shape[0]:  # hide the memory latency of probes
                ahead = hash_slot(query_keys[i] ^ probes[p + PREFETCH_AHEAD], mask)
                prefetch(keys, np.intp(ahead) * BUCKET)
            g = lookup(keys, groups, empty, query_keys[i] ^ probes[p], mask)
            if g >= 0:
                for s in range(starts[g], starts[g + 1]):
                    if c < cap:
                        out[i, c] = sorted_ids[s]
                    c += 1
        counts[i] = c
        out[i, : min(c, cap)].sort()
    return out, counts


def ball_masks(bits: int, radius: int) -> np.ndarray:
    """All ``uint64`` XOR masks with at most ``radius`` of the low ``bits`` bits set."""
    masks = [0]
    for r in range(1, radius + 1):
        masks.extend(sum(1 << b for b in combo) for combo in combinations(range(bits), r))
    return np.array(masks, dtype=np.uint64)


def ball_size(bits: int, radius: int) -> int:
    return sum(math.comb(bits, r) for r in range(min(radius, bits) + 1))


def absent_key(sorted_unique: np.ndarray) -> np.uint64:
    """The smallest uint64 not in a sorted array of unique keys (the hash table's empty mark)."""
    gaps = np.flatnonzero(sorted_unique != np.arange(len(sorted_unique), dtype=np.uint64))
    return np.uint64(gaps[0] if gaps.size else len(sorted_unique))
