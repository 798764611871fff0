"""Exact Hamming retrieval over ±1 hash codes: k-nearest-neighbour and radius (hash-lookup) search.

The Hamming distance of two ±1 codes of K bits is ``d(q, b) = (K - <q, b>) / 2``; on bit-packed
codes it is ``popcount(q XOR b)``. :class:`HammingIndex` offers four backends:

* ``"numpy"``: the readable reference. Codes are bit-packed, distances come from
  ``np.bitwise_count`` on XORed *unsigned* words (on signed ints it counts the bits of the absolute
  value, a classic bug), and the ranking is a stable ``np.argsort``.
* ``"numba"`` (the fast default, ``"auto"``): compiled kernels that never sort the database. The
  distance takes only K + 1 values, so ranking is a counting problem: one pass keeps a histogram of
  distances and a shrinking threshold ``T`` (the distance of the current k-th neighbour), records
  the few items with ``d <= T`` in index order, and places each at its exact rank
  ``start[d] + seen[d]`` (ties by ascending id). Radius search uses a hash table keyed by the
  packed code and probes the ``sum_{i<=r} C(K, i)`` codes of the Hamming ball.
* ``"faiss"``: ``faiss.IndexBinaryFlat`` (needs K multiple of 8; codes are padded with constant
  zero bits, which leaves every distance unchanged).
* ``"mih"``: exact sub-linear search by multi-index hashing (Norouzi, Punjani and Fleet, CVPR
  2012): m substring hash tables, probed by the pigeonhole principle, see
  :mod:`hashlib_edu.multi_index`. Same results as the linear scan, far fewer codes touched when
  the neighbours are near (learned codes); never chosen by ``"auto"``.
"""

from __future__ import annotations

import math
import types as _pytypes

import numpy as np

from hashlib_edu._validation import as_codes, check_positive_int, check_same_bits

try:  # numba is a declared dependency; the numpy backend still works without it
    from llvmlite import ir
    from numba import get_num_threads, njit, prange, types
    from numba.core import cgutils
    from numba.extending import intrinsic

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only on installs without numba
    HAVE_NUMBA = False

BACKENDS = ("auto", "numba", "numpy", "faiss", "mih")
#: Hash-table radius search is used when K <= 64 and the Hamming ball has at most
#: ``ntotal // HASH_PROBE_RATIO`` codes; otherwise a linear scan is cheaper (one probe costs about
#: as much as scanning a few dozen packed codes).
HASH_PROBE_RATIO = 32


#: Below this many (query, database item) pairs a kernel runs on one thread: waking the thread
#: pool costs more than it saves on tiny inputs.
PARALLEL_MIN_WORK = 1 << 20


class _Kernel:
    """A compiled kernel in two flavours: serial for small inputs, ``parallel=True`` (``prange``
    over queries) for large ones. Call as ``kernel(work, *args)``."""

    def __init__(self, func) -> None:
        serial = _pytypes.FunctionType(
            func.__code__, func.__globals__, func.__name__ + "_serial", func.__defaults__
        )
        serial.__qualname__ = func.__qualname__ + "_serial"  # its own numba cache file
        self.serial = njit(cache=True)(serial)
        self.parallel = njit(cache=True, parallel=True)(func)
        self.__doc__ = func.__doc__

    def __call__(self, work: int, *args):
        return (self.parallel if work >= PARALLEL_MIN_WORK else self.serial)(*args)


# --------------------------------------------------------------------------------------------
# Packing
# --------------------------------------------------------------------------------------------
def pack_codes(codes) -> np.ndarray:
    """Pack ±1 codes (n, K) into bytes (n, ceil(K / 8)) ``uint8``: bit 1 for +1, 0 for -1.

    The last byte is padded with zero bits, identical for every code, so Hamming distances of
    packed codes equal those of the ±1 codes. This is the layout :meth:`HammingIndex.to_faiss`
    uses; pack queries with this function before calling faiss directly.
    """
    array = as_codes(codes, "codes")
    return np.packbits(array > 0, axis=1, bitorder="little")


def _pack_words(codes_int8: np.ndarray) -> np.ndarray:
    """Pack validated int8 ±1 codes into little-endian ``uint64`` words (n, ceil(K / 64))."""
    packed = np.packbits(codes_int8 > 0, axis=1, bitorder="little")
    n_words = -(-packed.shape[1] // 8)
    padded = np.zeros((packed.shape[0], n_words * 8), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view("<u8").astype(np.uint64, copy=False)


def _pack_bits01(matrix01: np.ndarray) -> np.ndarray:
    """Pack a 0/1 matrix (labels) into ``uint64`` words, same layout as :func:`_pack_words`."""
    return _pack_words(np.where(matrix01 > 0, 1, -1).astype(np.int8))


# --------------------------------------------------------------------------------------------
# Numba kernels (shared with hashlib_edu.metrics)
# --------------------------------------------------------------------------------------------
if HAVE_NUMBA:

    @intrinsic
    def _popcount64(typingctx, x):
        """LLVM ``ctpop``: one POPCNT instruction on x86-64."""
        if x != types.uint64:
            return None

        def codegen(context, builder, signature, args):
            return builder.ctpop(args[0])

        return types.int64(types.uint64), codegen

    @intrinsic
    def _prefetch(typingctx, arr, flat_index):
        """``llvm.prefetch`` of element ``flat_index`` of a C-contiguous array (a hint only)."""
        if not isinstance(arr, types.Array):
            return None

        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            pointer = builder.gep(array.data, [args[1]])
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
            builder.call(fn, [builder.bitcast(pointer, i8p), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return types.void(arr, types.intp), codegen

    @njit(cache=True, inline="always")
    def _distance(qw, dbw, j):
        """Hamming distance between packed query words ``qw`` and database row ``j``."""
        d = 0
        for w in range(qw.shape[0]):
            d += _popcount64(qw[w] ^ dbw[j, w])
        return d

    TILE = 512
    DIST_DTYPE = np.int16  # tile distance buffer; K < 32768 bits

    @njit(cache=True, inline="always")
    def _tile_distances(qw, dbw, j0, j1, dbuf):
        """Distances of rows j0..j1-1 into ``dbuf``; a branch-free loop that LLVM vectorises."""
        if qw.shape[0] == 1:
            q0 = qw[0]
            block = dbw[j0:j1].ravel()  # contiguous 1-D view: lets LLVM vectorise the loop
            for jj in range(j1 - j0):
                dbuf[jj] = _popcount64(q0 ^ block[jj])
        else:
            for j in range(j0, j1):
                dbuf[j - j0] = _distance(qw, dbw, j)

    @njit(cache=True, inline="always")
    def _tile_min(dbuf, m):
        lo = dbuf[0]
        for jj in range(1, m):
            lo = min(lo, dbuf[jj])
        return lo

    SAMPLE_RUNS, SAMPLE_RUN_LENGTH = 16, 128

    @njit(cache=True)
    def _estimate_threshold(qw, dbw, r, hist):
        """A distance t0 that probably has slightly more than ``r`` items with ``d <= t0``.

        From the distance histogram of a sample: ``SAMPLE_RUNS`` contiguous runs of
        ``SAMPLE_RUN_LENGTH`` items spread evenly over the database (contiguous runs keep the
        sample cache friendly; spreading them guards against a database sorted by class). Only a
        starting point for :func:`_scan_top_from`, which detects a too low t0.
        """
        n = dbw.shape[0]
        hist[:] = 0
        taken = 0
        if n <= SAMPLE_RUNS * SAMPLE_RUN_LENGTH:
            return hist.shape[0] - 1
        step = n // SAMPLE_RUNS
        for run in range(SAMPLE_RUNS):
            for j in range(run * step, run * step + SAMPLE_RUN_LENGTH):
                hist[_distance(qw, dbw, j)] += 1
                taken += 1
        need = 1.25 * r * taken / n + 4.0
        cum = 0
        for t in range(hist.shape[0]):
            cum += hist[t]
            if cum >= need:
                return t
        return hist.shape[0] - 1

    @njit(cache=True, inline="always")
    def _tile_flags(qw, dbw, j0, j1, t, dbuf, flags):
        """Distances of rows j0..j1-1 into ``dbuf`` and byte flags ``d <= t`` (vectorised)."""
        m = j1 - j0
        if qw.shape[0] == 1:
            q0 = qw[0]
            block = dbw[j0:j1].ravel()
            for jj in range(m):
                d = _popcount64(q0 ^ block[jj])
                dbuf[jj] = d
                flags[jj] = d <= t
        else:
            for jj in range(m):
                d = _distance(qw, dbw, j0 + jj)
                dbuf[jj] = d
                flags[jj] = d <= t
        for jj in range(m, flags.shape[0]):
            flags[jj] = 0

    @njit(cache=True)
    def _scan_top_from(qw, dbw, r, hist, cand_ids, cand_d, t0):
        """One pass over the database for the top ``r`` items of one query, threshold from t0.

        Keeps ``hist[d]`` (number of items at distance d) only for ``d <= T``, where ``T`` starts
        at ``t0`` and shrinks to the distance of the r-th nearest item, and records every item
        that had ``d <= T`` when it was seen (in index order). Returns ``(T, n_candidates, ok)``;
        ``ok`` is False when fewer than r items have ``d <= t0`` (t0 too low). When ok,
        ``hist[d]`` is exact for every ``d <= T`` (T only decreases, so such items were always
        recorded). Per tile, a vectorised loop computes distances and byte flags ``d <= T``; the
        flags are then read 8 at a time as one word, so the rare hits cost the only branches.
        """
        hist[:] = 0
        t = t0
        cum = 0
        nc = 0
        n = dbw.shape[0]
        dbuf = np.empty(TILE, dtype=DIST_DTYPE)
        flags = np.zeros(TILE, dtype=np.uint8)
        words = flags.view(np.uint64)
        for j0 in range(0, n, TILE):
            _tile_flags(qw, dbw, j0, min(n, j0 + TILE), t, dbuf, flags)
            for w in range(TILE // 8):
                if words[w] == 0:
                    continue
                for jj in range(8 * w, 8 * w + 8):
                    d = dbuf[jj]
                    if flags[jj] and d <= t:
                        hist[d] += 1
                        cum += 1
                        cand_ids[nc] = j0 + jj
                        cand_d[nc] = d
                        nc += 1
                        while t > 0 and cum - hist[t] >= r:
                            cum -= hist[t]
                            t -= 1
        return t, nc, cum >= r

    @njit(cache=True)
    def _scan_top(qw, dbw, r, hist, cand_ids, cand_d):
        """Exact top-``r`` candidates of one query: ``(T, n_candidates)``, see _scan_top_from.

        Starts from a sampled threshold estimate, so that only about r items pass the test
        ``d <= T`` (a well predicted branch); reruns from the maximal distance if the estimate
        was too low.
        """
        t0 = _estimate_threshold(qw, dbw, r, hist)
        t, nc, ok = _scan_top_from(qw, dbw, r, hist, cand_ids, cand_d, t0)
        if not ok:
            t, nc, ok = _scan_top_from(qw, dbw, r, hist, cand_ids, cand_d, hist.shape[0] - 1)
        return t, nc

    @njit(cache=True)
    def _rank_candidates(t, nc, hist, cand_ids, cand_d, r, out_ids, out_d):
        """Place the candidates with ``d <= t`` at their exact rank (ties by ascending id)."""
        start = np.zeros(t + 1, dtype=np.int64)
        for d in range(1, t + 1):
            start[d] = start[d - 1] + hist[d - 1]
        seen = np.zeros(t + 1, dtype=np.int64)
        for c in range(nc):
            d = cand_d[c]
            if d <= t:
                pos = start[d] + seen[d]
                seen[d] += 1
                if pos < r:
                    out_ids[pos] = cand_ids[c]
                    out_d[pos] = d

    @_Kernel
    def _knn_kernel(qw, dbw, k, max_dist, n_blocks):
        nq = qw.shape[0]
        n = dbw.shape[0]
        out_d = np.empty((nq, k), dtype=np.int32)
        out_i = np.empty((nq, k), dtype=np.int64)
        for b in prange(n_blocks):
            hist = np.zeros(max_dist + 1, dtype=np.int64)
            cand_ids = np.empty(n, dtype=np.int64)
            cand_d = np.empty(n, dtype=np.int32)
            for i in range(b, nq, n_blocks):
                t, nc = _scan_top(qw[i], dbw, k, hist, cand_ids, cand_d)
                _rank_candidates(t, nc, hist, cand_ids, cand_d, k, out_i[i], out_d[i])
        return out_d, out_i

    @_Kernel
    def _radius_scan_kernel(qw, dbw, radius, cap):
        """Linear scan: ids with ``d <= radius`` (ascending), at most ``cap`` stored per query."""
        nq = qw.shape[0]
        n = dbw.shape[0]
        out = np.empty((nq, cap), dtype=np.int64)
        counts = np.zeros(nq, dtype=np.int64)
        for i in prange(nq):
            dbuf = np.empty(TILE, dtype=DIST_DTYPE)
            c = 0
            for j0 in range(0, n, TILE):
                j1 = min(n, j0 + TILE)
                _tile_distances(qw[i], dbw, j0, j1, dbuf)
                if _tile_min(dbuf, j1 - j0) > radius:
                    continue
                for jj in range(j1 - j0):
                    if dbuf[jj] <= radius:
                        if c < cap:
                            out[i, c] = j0 + jj
                        c += 1
            counts[i] = c
        return out, counts

    @njit(cache=True, inline="always")
    def _hash_slot(key, mask):
        return ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask

    BUCKET = 4  # slots per hash bucket (16 or 32 bytes: one cache line at most)
    PREFETCH_AHEAD = 8

    @njit(cache=True)
    def _build_hash_table(unique_keys, keys, empty):
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
            b = _hash_slot(unique_keys[g], mask)
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
    def _lookup(keys, groups, empty, key, mask):
        """Group index of ``key`` in the table, or -1."""
        if key == empty:  # the free-slot mark is absent from the database by construction; a
            return -1  # probe equal to it would otherwise match a free slot (group 0)
        b = _hash_slot(key, mask)
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

    @_Kernel
    def _hash_radius_kernel(qkeys, probes, keys, groups, empty, starts, sorted_ids, cap):
        """Probe every code of the Hamming ball; ascending ids per query, at most ``cap``."""
        nq = qkeys.shape[0]
        mask = np.uint64(keys.shape[0] - 1)
        out = np.empty((nq, cap), dtype=np.int64)
        counts = np.zeros(nq, dtype=np.int64)
        for i in prange(nq):
            c = 0
            for p in range(probes.shape[0]):
                if p + PREFETCH_AHEAD < probes.shape[0]:  # hide the memory latency of probes
                    ahead = _hash_slot(qkeys[i] ^ probes[p + PREFETCH_AHEAD], mask)
                    _prefetch(keys, np.intp(ahead) * BUCKET)
                g = _lookup(keys, groups, empty, qkeys[i] ^ probes[p], mask)
                if g >= 0:
                    for s in range(starts[g], starts[g + 1]):
                        if c < cap:
                            out[i, c] = sorted_ids[s]
                        c += 1
            counts[i] = c
            out[i, : min(c, cap)].sort()
        return out, counts


def _n_blocks(n_queries: int) -> int:
    """Work items for a parallel query loop: a few per thread, each with its own buffers."""
    return max(1, min(n_queries, 4 * get_num_threads()))


def _ball_masks(bits: int, radius: int) -> np.ndarray:
    """All ``uint64`` XOR masks with at most ``radius`` of the low ``bits`` bits set."""
    from itertools import combinations

    masks = [0]
    for r in range(1, radius + 1):
        masks.extend(sum(1 << b for b in combo) for combo in combinations(range(bits), r))
    return np.array(masks, dtype=np.uint64)


def _ball_size(bits: int, radius: int) -> int:
    return sum(math.comb(bits, r) for r in range(min(radius, bits) + 1))


def _collect(kernel, work_per_query, queries, cap, *args) -> list[np.ndarray]:
    """Run a capped variable-length kernel, re-running only the queries that overflowed."""
    out, counts = kernel(len(queries) * work_per_query, queries, *args, cap)
    result = [out[i, : counts[i]].copy() for i in range(len(counts))]
    over = np.flatnonzero(counts > cap)
    if over.size:
        cap2 = int(counts[over].max())
        out2, counts2 = kernel(len(over) * work_per_query, queries[over], *args, cap2)
        for row, i in enumerate(over):
            result[i] = out2[row, : counts2[row]].copy()
    return result


# --------------------------------------------------------------------------------------------
# Numpy reference backend
# --------------------------------------------------------------------------------------------
def _numpy_distances(qw: np.ndarray, dbw: np.ndarray) -> np.ndarray:
    """Hamming distances (nq, N) of packed uint64 words: popcount of XOR, summed over words."""
    dist = np.zeros((qw.shape[0], dbw.shape[0]), dtype=np.int32)
    for w in range(qw.shape[1]):
        dist += np.bitwise_count(qw[:, w, None] ^ dbw[None, :, w])
    return dist


def _numpy_chunks(nq: int, n: int, chunk_size: int | None):
    step = chunk_size or max(1, (1 << 22) // max(n, 1))
    for lo in range(0, nq, step):
        yield slice(lo, min(nq, lo + step))


# --------------------------------------------------------------------------------------------
# Public index
# --------------------------------------------------------------------------------------------
class HammingIndex:
    """Exact Hamming search over a database of ±1 codes.

    Parameters
    ----------
    db_codes : (N, K) array of -1/+1 (numpy any dtype or torch), any K.
    backend : ``"auto"`` (= ``"numba"`` when installed, else ``"numpy"``), ``"numba"``,
        ``"numpy"``, ``"faiss"`` or ``"mih"`` (multi-index hashing, needs numba).
    substrings : backend ``"mih"`` only: the number m of substrings (hash tables), in
        ``[ceil(K / 64), K]``; None (default) picks the paper's ``m ~ K / log2(N)``.

    ``search`` returns the exact k nearest items per query, ties broken by ascending database id
    (faiss backend: exact distances, but faiss may pick other ids among items tied at the k-th
    distance; the rows are re-sorted by (distance, id)). ``radius_search`` returns, per query, the
    ascending ids within Hamming distance ``radius``.
    """

    def __init__(self, db_codes, backend: str = "auto", substrings: int | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
        if backend == "auto":
            backend = "numba" if HAVE_NUMBA else "numpy"
        if backend in ("numba", "mih") and not HAVE_NUMBA:
            raise ImportError(
                f"backend={backend!r} needs numba: pip install numba (or use 'numpy')"
            )
        if substrings is not None and backend != "mih":
            raise ValueError(
                f"substrings applies to backend='mih' only (got backend={backend!r}); "
                f"drop substrings or pass backend='mih'"
            )
        codes = as_codes(db_codes, "db_codes")
        self.backend = backend
        self._codes = codes
        self._words = _pack_words(codes)
        self._faiss = self.to_faiss() if backend == "faiss" else None
        self._table = None
        self._mih = None
        if backend == "mih":
            from hashlib_edu.multi_index import MultiIndexHashing

            self._mih = MultiIndexHashing._from_words(self._words, codes.shape[1], substrings)

    @property
    def ntotal(self) -> int:
        """Number of database codes."""
        return int(self._codes.shape[0])

    @property
    def bits(self) -> int:
        """Code length K."""
        return int(self._codes.shape[1])

    @property
    def substrings(self) -> int | None:
        """Backend ``"mih"``: the number m of substring hash tables; None for other backends."""
        return None if self._mih is None else self._mih.substrings

    def __repr__(self) -> str:
        mib = self._words.nbytes / 2**20
        return (
            f"HammingIndex(ntotal={self.ntotal}, bits={self.bits}, backend={self.backend!r}, "
            f"packed={mib:.1f} MiB)"
        )

    def __len__(self) -> int:
        return self.ntotal

    # ---------------------------------------------------------------------------- helpers
    def _queries(self, query_codes) -> np.ndarray:
        q = as_codes(query_codes, "query_codes")
        check_same_bits(q, self._codes, ("query_codes", "the index (db_codes)"))
        return q

    # ---------------------------------------------------------------------------- k-NN
    def search(self, query_codes, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest neighbours: ``(distances int32 (nq, k), ids int64 (nq, k))``.

        Rows are sorted by (distance, id): among equal distances the smaller database id comes
        first, so the result does not depend on anything but the database order.
        """
        q = self._queries(query_codes)
        k = check_positive_int(k, "k", self.ntotal, "the database size")
        if self.backend == "mih":
            return self._mih._search_words(_pack_words(q), k)
        if self.backend == "numba":
            return _knn_kernel(
                len(q) * self.ntotal,
                _pack_words(q),
                self._words,
                k,
                64 * self._words.shape[1],
                _n_blocks(len(q)),
            )
        if self.backend == "faiss":
            dist, ids = self._faiss.search(pack_codes(q), k)
            order = _rowwise_lexsort(dist, ids)
            return (
                np.take_along_axis(dist, order, 1).astype(np.int32),
                np.take_along_axis(ids, order, 1).astype(np.int64),
            )
        return self._search_numpy(q, k)

    def _search_numpy(self, q: np.ndarray, k: int, chunk_size: int | None = None):
        qw = _pack_words(q)
        out_d = np.empty((q.shape[0], k), dtype=np.int32)
        out_i = np.empty((q.shape[0], k), dtype=np.int64)
        for rows in _numpy_chunks(q.shape[0], self.ntotal, chunk_size):
            dist = _numpy_distances(qw[rows], self._words)
            order = np.argsort(dist, axis=1, kind="stable")[:, :k]
            out_i[rows] = order
            out_d[rows] = np.take_along_axis(dist, order, 1)
        return out_d, out_i

    # ---------------------------------------------------------------------------- radius
    def radius_search(self, query_codes, radius: int) -> list[np.ndarray]:
        """Ids (ascending, int64) of the database items within Hamming distance ``radius``.

        numba backend: hash-table lookup of the ``sum_{i<=radius} C(K, i)`` codes of the ball when
        K <= 64 and the ball has at most ``ntotal // HASH_PROBE_RATIO`` codes, else a linear scan.
        mih backend: the m substring tables probed within ``floor(radius / m)`` (pigeonhole).
        """
        q = self._queries(query_codes)
        if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
            raise TypeError(f"radius must be an integer, got {type(radius).__name__}")
        if radius < 0:
            raise ValueError(f"radius must be >= 0, got {radius}")
        radius = int(min(radius, self.bits))
        if self.backend == "mih":
            return self._mih._radius_words(_pack_words(q), radius)
        if self.backend == "numba":
            if self.uses_hash_table(radius):
                return self._radius_hash(q, radius)
            return self._radius_scan(q, radius)
        if self.backend == "faiss":
            lims, _, ids = self._faiss.range_search(pack_codes(q), radius + 1)
            return [np.sort(ids[lims[i] : lims[i + 1]]).astype(np.int64) for i in range(len(q))]
        return self._radius_numpy(q, radius)

    def uses_hash_table(self, radius: int) -> bool:
        """Whether ``radius_search`` (numba backend) probes the hash table for this radius."""
        return self.bits <= 64 and _ball_size(self.bits, radius) * HASH_PROBE_RATIO <= self.ntotal

    def _radius_scan(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        return _collect(_radius_scan_kernel, self.ntotal, _pack_words(q), 256, self._words, radius)

    def _radius_hash(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        probes = _ball_masks(self.bits, radius)
        qkeys = _pack_words(q)[:, 0].copy()
        # probes are latency bound and prefetched: one thread is as fast as two unless there are
        # many queries (measured), so count a probe as one unit of work
        work = len(probes)
        return _collect(_hash_radius_kernel, work, qkeys, 256, probes, *self._hash_table())

    def _hash_table(self):
        """Build (once) the table packed code -> ids, ids of a bucket in ascending order."""
        if self._table is None:
            keys = self._words[:, 0]
            sorted_ids = np.argsort(keys, kind="stable").astype(np.int64)
            sorted_keys = keys[sorted_ids]
            first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            starts = np.r_[first, len(keys)].astype(np.int64)
            unique_keys = sorted_keys[first]
            # about 2 keys per bucket of 4; 4-byte keys when they fit (a smaller table caches better)
            bucket_bits = max(2, int(math.ceil(math.log2(max(len(unique_keys), 1)))))
            empty = _absent_key(unique_keys)
            key_dtype = np.uint32 if self.bits <= 32 else np.uint64
            keys = np.empty((1 << bucket_bits, BUCKET), dtype=key_dtype)
            keys, groups = _build_hash_table(unique_keys, keys, keys.dtype.type(empty))
            self._table = (keys, groups, empty, starts, sorted_ids)
        return self._table

    def _radius_numpy(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        qw = _pack_words(q)
        result: list[np.ndarray] = []
        for rows in _numpy_chunks(q.shape[0], self.ntotal, None):
            dist = _numpy_distances(qw[rows], self._words)
            result.extend(np.flatnonzero(row <= radius).astype(np.int64) for row in dist)
        return result

    # ---------------------------------------------------------------------------- faiss
    def to_faiss(self):
        """A ``faiss.IndexBinaryFlat`` holding the database (pack queries with ``pack_codes``).

        faiss needs a multiple of 8 bits: codes are padded with zero bits up to the next byte,
        which leaves all Hamming distances unchanged.
        """
        try:
            import faiss
        except ImportError as error:  # pragma: no cover - faiss-cpu is a declared dependency
            raise ImportError("to_faiss needs faiss: pip install faiss-cpu") from error
        packed = np.packbits(self._codes > 0, axis=1, bitorder="little")
        index = faiss.IndexBinaryFlat(8 * packed.shape[1])
        index.add(packed)
        return index


def _absent_key(sorted_unique: np.ndarray) -> np.uint64:
    """The smallest uint64 not in a sorted array of unique keys (the hash table's empty mark)."""
    gaps = np.flatnonzero(sorted_unique != np.arange(len(sorted_unique), dtype=np.uint64))
    return np.uint64(gaps[0] if gaps.size else len(sorted_unique))


def _rowwise_lexsort(dist: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per-row order by (distance, id)."""
    return np.lexsort((ids, dist), axis=-1)
