"""Exact sub-linear Hamming search with multi-index hashing (MIH).

Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012
(extended in TPAMI 2014). A K-bit code is cut into ``m`` disjoint substrings of ``K // m`` or
``K // m + 1`` bits, and each substring position gets its own hash table (substring -> items).

**Pigeonhole argument.** The Hamming distance is the sum of the m substring distances, so if
``d(q, x) <= r`` then some substring has distance ``<= floor(r / m)`` (were all m larger, the sum
would exceed r). Probing every table with all substring keys within ``floor(r / m)`` of the
query's substring therefore finds every item within r; a full-code distance check removes the
other candidates. The paper sharpens this: write ``r = s * m + a`` (``0 <= a < m``); then some
substring ``b <= a`` is within ``s``, or some substring ``b > a`` is within ``s - 1`` (otherwise
the sum is at least ``(a + 1)(s + 1) + (m - a - 1) s = r + 1``). So the searches form one
sequence of *steps* ``t = 0, 1, 2, ...``: step ``t = s * m + a`` probes table ``a`` at exactly
substring distance ``s`` (one "shell"), and after step t every item with ``d <= t`` was seen.

* :meth:`MultiIndexHashing.radius_search` runs steps ``0..r`` and keeps the items with ``d <= r``.
* :meth:`MultiIndexHashing.search` (exact k-NN, the paper's incremental search) runs steps until
  k verified items have ``d <= t``; the k-th distance T is then <= t, so *every* item at distance
  T was seen and ties are broken by ascending id, exactly like the linear scan.

An item can sit in several probed buckets. It is kept only at its *first* step,
``min_b(d_b * m + b)`` over its substring distances ``d_b`` (computed from the full code at
verification), so no "seen" set is needed. Each table stores the full codes in bucket order next
to the ids (CSR layout: bucket g holds positions ``starts[g]:starts[g + 1]``), so verifying a
bucket streams through memory. A table is dense (indexed by the substring itself) when it has at
most ``max(2n, 2**16)`` buckets, else sorted unique keys + binary search. A shell with more keys
than the table has buckets visits every bucket instead, so large radii degrade to a bucket scan.
"""

from __future__ import annotations

import math

import numpy as np

from hashlib_edu._kernels.multi_index import (
    build_dense,
    extract_keys,
    mih_knn_kernel,
    mih_radius_kernel,
)
from hashlib_edu._kernels.scan import block_count, collect_capped, pack_words
from hashlib_edu._validation import as_codes, check_positive_int, check_radius, check_same_bits

__all__ = ["MultiIndexHashing", "default_substrings", "substring_bounds", "probe_counts"]


def default_substrings(bits: int, n: int) -> int:
    """The paper's rule ``m ~ K / log2(n)`` (substrings of about log2(n) bits), rounded to the
    nearest integer and clamped to ``[ceil(K / 64), K]`` (a substring key must fit 64 bits)."""
    ideal = bits / max(math.log2(max(n, 2)), 1.0)
    return int(min(bits, max(1, -(-bits // 64), math.floor(ideal + 0.5))))


def substring_bounds(bits: int, m: int) -> list[tuple[int, int]]:
    """``(first bit, length)`` of the m substrings: lengths K // m or K // m + 1, longer first."""
    bounds, start = [], 0
    for a in range(m):
        length = bits // m + (1 if a < bits % m else 0)
        bounds.append((start, length))
        start += length
    return bounds


def probe_counts(bits: int, radius: int, m: int) -> tuple[int, int]:
    """Buckets probed for a radius-r search: ``(single, mih)``.

    ``single = sum_{i<=r} C(K, i)`` (one table keyed by the whole code) and
    ``mih = sum_a sum_{j<=floor(r/m)} C(K_a, j)`` over the substring lengths ``K_a``, which is
    ``m * sum_{j<=floor(r/m)} C(K/m, j)`` when m divides K.
    """
    single = sum(math.comb(bits, i) for i in range(min(radius, bits) + 1))
    s = radius // m
    mih = sum(math.comb(length, j) for _, length in substring_bounds(bits, m) for j in range(s + 1))
    return single, mih


class MultiIndexHashing:
    """Exact Hamming k-NN and radius search over ±1 codes with m substring hash tables.

    Parameters
    ----------
    db_codes : (N, K) array of -1/+1 (numpy any dtype or torch), any K.
    substrings : m, the number of substrings (tables), in ``[ceil(K / 64), K]``; None picks the
        paper's ``m ~ K / log2(N)`` (:func:`default_substrings`).

    Results equal the linear scan's (:class:`~hashlib_edu.retrieval.HammingIndex`): ``search``
    rows sorted by (distance, id), ``radius_search`` ascending ids. Needs numba. Memory: per item
    and table, the code (8 bytes per 64 bits) and an id, plus the bucket offsets.
    """

    def __init__(self, db_codes, substrings: int | None = None) -> None:
        codes = as_codes(db_codes, "db_codes")
        self._build(pack_words(codes), codes.shape[1], substrings)

    @classmethod
    def from_packed(cls, words: np.ndarray, bits: int, substrings: int | None = None):
        """Build from already packed ``uint64`` words (n, ceil(K / 64)) of K-bit codes."""
        self = cls.__new__(cls)
        self._build(words, bits, substrings)
        return self

    def _build(self, words: np.ndarray, bits: int, substrings: int | None) -> None:
        n, nw = words.shape
        lowest = -(-bits // 64)
        if substrings is None:
            m = default_substrings(bits, n)
        else:
            m = check_positive_int(substrings, "substrings", bits, "the code length K")
            if m < lowest:
                raise ValueError(
                    f"substrings must be >= ceil(K / 64) = {lowest} so that every substring fits "
                    f"a 64-bit key, got {m}; pass substrings={lowest} or more (or None)"
                )
        self._bits, self._n, self._m = bits, n, m
        self._bounds = substring_bounds(bits, m)
        id_dtype = np.int32 if n < 2**31 else np.int64
        perm_ids = np.empty((m, n), dtype=id_dtype)
        perm_words = np.empty((m, n, nw), dtype=np.uint64)
        masks = np.zeros((m, nw), dtype=np.uint64)
        meta = np.zeros((m, 6), dtype=np.int64)
        starts, ukeys, sbase, kbase = [], [np.zeros(1, np.uint64)], 0, 0
        for a, (start, length) in enumerate(self._bounds):
            for bit in range(start, start + length):
                masks[a, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
            if 2**length <= max(2 * n, 1 << 16):  # dense: the substring is the bucket index
                table_starts = np.empty(2**length + 1, dtype=np.int64)
                build_dense(words, start, length, perm_ids[a], perm_words[a], table_starts)
                meta[a] = (start, length, 1, sbase, 0, 2**length)
            else:  # sparse: sorted unique keys, found by binary search
                keys = extract_keys(words, start, length)
                order = np.argsort(keys, kind="stable")
                perm_ids[a], perm_words[a], keys = order, words[order], keys[order]
                first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
                table_starts = np.r_[first, n].astype(np.int64)
                meta[a] = (start, length, 0, sbase, kbase, len(first))
                ukeys.append(keys[first])
                kbase += len(first)
            starts.append(table_starts)
            sbase += len(table_starts)
        binom = np.array([[math.comb(i, j) for j in range(65)] for i in range(65)], np.int64)
        starts_flat = np.concatenate(starts)
        keys_flat = np.concatenate(ukeys[1:] + ukeys[:1])
        self._tables = (meta, starts_flat, keys_flat, perm_ids, perm_words, masks, binom)

    # ---------------------------------------------------------------------------- properties
    @property
    def ntotal(self) -> int:
        """Number of database codes."""
        return self._n

    @property
    def bits(self) -> int:
        """Code length K."""
        return self._bits

    @property
    def substrings(self) -> int:
        """m, the number of substrings (hash tables)."""
        return self._m

    @property
    def substring_bounds(self) -> list[tuple[int, int]]:
        """``(first bit, length)`` of each substring."""
        return list(self._bounds)

    @property
    def nbytes(self) -> int:
        """Bytes held by the tables (codes and ids in bucket order, offsets, keys)."""
        return sum(array.nbytes for array in self._tables)

    def __repr__(self) -> str:
        return (
            f"MultiIndexHashing(ntotal={self.ntotal}, bits={self.bits}, "
            f"substrings={self.substrings}, tables={self.nbytes / 2**20:.1f} MiB)"
        )

    def __len__(self) -> int:
        return self._n

    # ---------------------------------------------------------------------------- search
    def _queries(self, query_codes) -> np.ndarray:
        q = as_codes(query_codes, "query_codes")
        check_same_bits(q, np.empty((0, self._bits)), ("query_codes", "the index (db_codes)"))
        return pack_words(q)

    def search(self, query_codes, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest neighbours: ``(distances int32 (nq, k), ids int64 (nq, k))``, rows
        sorted by (distance, id): identical to the linear scan, tie order included."""
        qw = self._queries(query_codes)
        k = check_positive_int(k, "k", self._n, "the database size")
        return self.search_packed(qw, k)

    def radius_search(self, query_codes, radius: int) -> list[np.ndarray]:
        """Ids (ascending, int64) of the items within Hamming distance ``radius``, per query."""
        qw = self._queries(query_codes)
        return self.radius_search_packed(qw, min(check_radius(radius), self._bits))

    def _work(self, n_queries: int) -> int:
        return n_queries * max(1, self._n // 64)  # rough: parallel from a few queries on big data

    def search_packed(self, qw: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search` for queries already packed into ``uint64`` words (no validation)."""
        blocks = block_count(len(qw))
        return mih_knn_kernel(self._work(len(qw)), qw, k, self._bits, self._tables, blocks)

    def radius_search_packed(self, qw: np.ndarray, radius: int) -> list[np.ndarray]:
        """:meth:`radius_search` for packed queries and a validated radius <= K."""
        # room for up to 2**24 ids in all (pages are committed only when written): a query with
        # more hits than ``cap`` is searched a second time
        cap = int(min(self._n, max(256, (1 << 24) // len(qw))))
        return collect_capped(mih_radius_kernel, self._work(1), qw, cap, radius, self._tables)
