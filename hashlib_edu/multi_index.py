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

from hashlib_edu._validation import as_codes, check_positive_int, check_same_bits
from hashlib_edu.retrieval import HAVE_NUMBA, _collect, _Kernel, _n_blocks, _pack_words

__all__ = ["MultiIndexHashing", "default_substrings", "substring_bounds", "probe_counts"]

if HAVE_NUMBA:
    from numba import njit, prange

    from hashlib_edu.retrieval import _popcount64

    ALL_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)

    @njit(cache=True, inline="always")
    def _extract(row, start, length):
        """Bits ``start .. start + length - 1`` (length <= 64) of a packed code as a uint64."""
        w, off = start >> 6, start & 63
        v = row[w] >> np.uint64(off)
        if off + length > 64:  # the substring straddles two words (off > 0 here)
            v |= row[w + 1] << np.uint64(64 - off)
        if length < 64:
            v &= (np.uint64(1) << np.uint64(length)) - np.uint64(1)
        return v

    @njit(cache=True)
    def _extract_keys(words, start, length):
        keys = np.empty(words.shape[0], dtype=np.uint64)
        for j in range(words.shape[0]):
            keys[j] = _extract(words[j], start, length)
        return keys

    @njit(cache=True)
    def _build_dense(words, start, length, ids_out, words_out, starts):
        """Counting sort by substring: ``starts`` (2**length + 1) offsets, ids ascending per bucket."""
        keys = _extract_keys(words, start, length)
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
    def _verify(qw, a, t, lo, hi, k, state, hist, perm_ids, perm_words, masks, ids, dists, c):
        """Verify the items at positions lo..hi-1 of table a; append the new ones with d <= bound.

        ``state = [bound, count]``: radius search (k = 0) keeps ``bound = r``; k-NN (k > 0) counts
        the kept items with d <= bound in ``hist`` and shrinks the bound to the k-th distance.
        """
        m, nw = masks.shape[0], qw.shape[0]
        for p in range(lo, hi):
            d = 0
            for w in range(nw):
                d += _popcount64(qw[w] ^ perm_words[a, p, w])
            if d > state[0]:
                continue
            first = True  # is step t the first step that reaches this item?
            for b in range(m):
                if b != a:
                    db = 0
                    for w in range(nw):
                        db += _popcount64((qw[w] ^ perm_words[a, p, w]) & masks[b, w])
                    if db * m + b < t:
                        first = False
                        break
            if not first:
                continue
            if c == ids.shape[0]:  # grow the candidate buffers
                ids2, dists2 = np.empty(2 * c, dtype=np.int64), np.empty(2 * c, dtype=np.int32)
                ids2[:c] = ids
                dists2[:c] = dists
                ids, dists = ids2, dists2
            ids[c], dists[c] = perm_ids[a, p], d
            c += 1
            if k > 0:
                hist[d] += 1
                state[1] += 1
                while state[0] > 0 and state[1] - hist[state[0]] >= k:
                    state[1] -= hist[state[0]]
                    state[0] -= 1
        return ids, dists, c

    @njit(cache=True)
    def _probe_shell(qw, a, s, t, k, state, hist, tables, ids, dists, c):
        """Step t: every bucket of table a whose key is at substring distance exactly s."""
        meta, starts, ukeys, perm_ids, perm_words, masks, binom = tables
        start, length, dense = meta[a, 0], meta[a, 1], meta[a, 2]
        sbase, kbase, ngroups = meta[a, 3], meta[a, 4], meta[a, 5]
        if s > length:
            return ids, dists, c
        qkey = _extract(qw, start, length)
        count = binom[length, s]
        if count > ngroups:  # fewer buckets than keys in the shell: visit every bucket
            for g in range(ngroups):
                key = np.uint64(g) if dense else ukeys[kbase + g]
                if _popcount64(key ^ qkey) == s:
                    lo, hi = starts[sbase + g], starts[sbase + g + 1]
                    ids, dists, c = _verify(
                        qw, a, t, lo, hi, k, state, hist, perm_ids, perm_words, masks, ids, dists, c
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
                ids, dists, c = _verify(
                    qw, a, t, lo, hi, k, state, hist, perm_ids, perm_words, masks, ids, dists, c
                )
            if i + 1 < count:  # Gosper's hack: next mask with the same number of bits set
                u = x & (~x + np.uint64(1))
                v = x + u
                x = v | (((v ^ x) >> np.uint64(2)) // u)
        return ids, dists, c

    @_Kernel
    def _mih_radius_kernel(queries, radius, tables, cap):
        """Steps 0..radius per query; ascending ids with d <= radius, at most ``cap`` stored."""
        nq, m = queries.shape[0], tables[0].shape[0]
        out = np.empty((nq, cap), dtype=np.int64)
        counts = np.zeros(nq, dtype=np.int64)
        for i in prange(nq):
            ids, dists = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int32)
            state, hist = np.array([radius, 0]), np.zeros(1, dtype=np.int64)
            c = 0
            for t in range(radius + 1):
                ids, dists, c = _probe_shell(
                    queries[i], t % m, t // m, t, 0, state, hist, tables, ids, dists, c
                )
            found = np.sort(ids[:c])
            counts[i] = c
            out[i, : min(c, cap)] = found[: min(c, cap)]
        return out, counts

    @njit(cache=True)
    def _knn_one(qw, k, bits, tables, hist, ids, dists, out_i, out_d):
        """The paper's incremental k-NN for one query; rows sorted by (distance, id)."""
        m = tables[0].shape[0]
        hist[:] = 0
        state = np.array([bits, 0])  # [T = distance of the current k-th item, count with d <= T]
        c = 0
        for t in range(bits + 1):
            ids, dists, c = _probe_shell(
                qw, t % m, t // m, t, k, state, hist, tables, ids, dists, c
            )
            if state[1] >= k and state[0] <= t:  # every item with d <= T has been seen
                break
        top = state[0]
        start = np.zeros(top + 1, dtype=np.int64)
        for d in range(1, top + 1):
            start[d] = start[d - 1] + hist[d - 1]
        ties = np.empty(hist[top], dtype=np.int64)
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

    @_Kernel
    def _mih_knn_kernel(queries, k, bits, tables, n_blocks):
        nq = queries.shape[0]
        out_d = np.empty((nq, k), dtype=np.int32)
        out_i = np.empty((nq, k), dtype=np.int64)
        for b in prange(n_blocks):
            hist = np.zeros(bits + 1, dtype=np.int64)
            ids = np.empty(max(64, 2 * k), dtype=np.int64)
            dists = np.empty(ids.shape[0], dtype=np.int32)
            for i in range(b, nq, n_blocks):
                ids, dists = _knn_one(
                    queries[i], k, bits, tables, hist, ids, dists, out_i[i], out_d[i]
                )
        return out_d, out_i


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


def _check_radius(radius: int, bits: int) -> int:
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise TypeError(f"radius must be an integer, got {type(radius).__name__}")
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    return int(min(radius, bits))


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
        self._build(_pack_words(codes), codes.shape[1], substrings)

    @classmethod
    def _from_words(cls, words: np.ndarray, bits: int, substrings: int | None = None):
        """Build from already packed ``uint64`` words (n, ceil(K / 64)) of K-bit codes."""
        self = cls.__new__(cls)
        self._build(words, bits, substrings)
        return self

    def _build(self, words: np.ndarray, bits: int, substrings: int | None) -> None:
        if not HAVE_NUMBA:  # pragma: no cover - numba is a declared dependency
            raise ImportError("MultiIndexHashing needs numba: pip install numba")
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
                _build_dense(words, start, length, perm_ids[a], perm_words[a], table_starts)
                meta[a] = (start, length, 1, sbase, 0, 2**length)
            else:  # sparse: sorted unique keys, found by binary search
                keys = _extract_keys(words, start, length)
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
        return _pack_words(q)

    def search(self, query_codes, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest neighbours: ``(distances int32 (nq, k), ids int64 (nq, k))``, rows
        sorted by (distance, id): identical to the linear scan, tie order included."""
        qw = self._queries(query_codes)
        k = check_positive_int(k, "k", self._n, "the database size")
        return self._search_words(qw, k)

    def radius_search(self, query_codes, radius: int) -> list[np.ndarray]:
        """Ids (ascending, int64) of the items within Hamming distance ``radius``, per query."""
        qw = self._queries(query_codes)
        return self._radius_words(qw, _check_radius(radius, self._bits))

    def _work(self, n_queries: int) -> int:
        return n_queries * max(1, self._n // 64)  # rough: parallel from a few queries on big data

    def _search_words(self, qw: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        blocks = _n_blocks(len(qw))
        return _mih_knn_kernel(self._work(len(qw)), qw, k, self._bits, self._tables, blocks)

    def _radius_words(self, qw: np.ndarray, radius: int) -> list[np.ndarray]:
        # room for up to 2**24 ids in all (pages are committed only when written): a query with
        # more hits than ``cap`` is searched a second time
        cap = int(min(self._n, max(256, (1 << 24) // len(qw))))
        return _collect(_mih_radius_kernel, self._work(1), qw, cap, radius, self._tables)
