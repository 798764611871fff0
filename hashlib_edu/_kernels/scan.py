"""The linear-scan kernels: bit-packed codes, popcount distances, counting top-k, radius scan.

The Hamming distance of two ±1 codes is ``popcount(q XOR b)`` on bit-packed words. Distances take
only K + 1 values, so ranking is a counting problem, not a sort: one pass keeps a histogram of
distances and a shrinking threshold (the distance of the current k-th neighbour), records the few
items at or below it in index order, and places each at its exact rank
``start[d] + seen[d]`` (ties by ascending id). Used by :mod:`hashlib_edu.retrieval` (k-NN, radius
scan) and by the metric kernels in :mod:`hashlib_edu._kernels.average_precision`.

Names used throughout: ``query_words`` (W,) / ``db_words`` (N, W) are codes packed into uint64
words; ``histogram[d]`` counts items at distance d; ``threshold`` is the distance of the current
top-th item; ``candidate_ids`` / ``candidate_distances`` hold the items seen with d <= threshold.
"""

from __future__ import annotations

import types as _pytypes

import numpy as np
from llvmlite import ir
from numba import get_num_threads, njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

#: Below this many (query, database item) pairs a kernel runs on one thread: waking the thread
#: pool costs more than it saves on tiny inputs.
PARALLEL_MIN_WORK = 1 << 20


class Kernel:
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


def pack_words(codes_int8: np.ndarray) -> np.ndarray:
    """Pack validated int8 ±1 codes into little-endian ``uint64`` words (n, ceil(K / 64))."""
    packed = np.packbits(codes_int8 > 0, axis=1, bitorder="little")
    n_words = -(-packed.shape[1] // 8)
    padded = np.zeros((packed.shape[0], n_words * 8), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view("<u8").astype(np.uint64, copy=False)


def pack_bits01(matrix01: np.ndarray) -> np.ndarray:
    """Pack a 0/1 matrix (labels) into ``uint64`` words, same layout as :func:`pack_words`."""
    return pack_words(np.where(matrix01 > 0, 1, -1).astype(np.int8))


@intrinsic
def popcount64(typingctx, x):
    """LLVM ``ctpop``: one POPCNT instruction on x86-64."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


@intrinsic
def prefetch(typingctx, arr, flat_index):
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
def distance(query_words, db_words, j):
    """Hamming distance between packed query words ``query_words`` and database row ``j``."""
    d = 0
    for w in range(query_words.shape[0]):
        d += popcount64(query_words[w] ^ db_words[j, w])
    return d


TILE = 512
DIST_DTYPE = np.int16  # tile distance buffer; K < 32768 bits


@njit(cache=True, inline="always")
def tile_distances(query_words, db_words, j0, j1, tile_buffer):
    """Distances of rows j0..j1-1 into ``tile_buffer``; a branch-free loop that LLVM vectorises."""
    if query_words.shape[0] == 1:
        q0 = query_words[0]
        block = db_words[j0:j1].ravel()  # contiguous 1-D view: lets LLVM vectorise the loop
        for jj in range(j1 - j0):
            tile_buffer[jj] = popcount64(q0 ^ block[jj])
    else:
        for j in range(j0, j1):
            tile_buffer[j - j0] = distance(query_words, db_words, j)


@njit(cache=True, inline="always")
def tile_min(tile_buffer, m):
    lo = tile_buffer[0]
    for jj in range(1, m):
        lo = min(lo, tile_buffer[jj])
    return lo


SAMPLE_RUNS, SAMPLE_RUN_LENGTH = 16, 128


@njit(cache=True)
def estimate_threshold(query_words, db_words, top, histogram):
    """A distance t0 that probably has slightly more than ``top`` items with ``d <= t0``.

    From the distance histogram of a sample: ``SAMPLE_RUNS`` contiguous runs of
    ``SAMPLE_RUN_LENGTH`` items spread evenly over the database (contiguous runs keep the
    sample cache friendly; spreading them guards against a database sorted by class). Only a
    starting point for :func:`scan_top_from`, which detects a too low t0.
    """
    n = db_words.shape[0]
    histogram[:] = 0
    taken = 0
    if n <= SAMPLE_RUNS * SAMPLE_RUN_LENGTH:
        return histogram.shape[0] - 1
    step = n // SAMPLE_RUNS
    for run in range(SAMPLE_RUNS):
        for j in range(run * step, run * step + SAMPLE_RUN_LENGTH):
            histogram[distance(query_words, db_words, j)] += 1
            taken += 1
    need = 1.25 * top * taken / n + 4.0
    cum = 0
    for threshold in range(histogram.shape[0]):
        cum += histogram[threshold]
        if cum >= need:
            return threshold
    return histogram.shape[0] - 1


@njit(cache=True, inline="always")
def tile_flags(query_words, db_words, j0, j1, threshold, tile_buffer, flags):
    """Distances of rows j0..j1-1 into ``tile_buffer`` and byte flags ``d <= threshold`` (vectorised)."""
    m = j1 - j0
    if query_words.shape[0] == 1:
        q0 = query_words[0]
        block = db_words[j0:j1].ravel()
        for jj in range(m):
            d = popcount64(q0 ^ block[jj])
            tile_buffer[jj] = d
            flags[jj] = d <= threshold
    else:
        for jj in range(m):
            d = distance(query_words, db_words, j0 + jj)
            tile_buffer[jj] = d
            flags[jj] = d <= threshold
    for jj in range(m, flags.shape[0]):
        flags[jj] = 0


@njit(cache=True)
def scan_top_from(query_words, db_words, top, histogram, candidate_ids, candidate_distances, t0):
    """One pass over the database for the top ``top`` items of one query, threshold from t0.

    Keeps ``histogram[d]`` (number of items at distance d) only for ``d <= T``, where ``T`` starts
    at ``t0`` and shrinks to the distance of the top-th nearest item, and records every item
    that had ``d <= T`` when it was seen (in index order). Returns ``(T, n_candidates, ok)``;
    ``ok`` is False when fewer than top items have ``d <= t0`` (t0 too low). When ok,
    ``histogram[d]`` is exact for every ``d <= T`` (T only decreases, so such items were always
    recorded). Per tile, a vectorised loop computes distances and byte flags ``d <= T``; the
    flags are then read 8 at a time as one word, so the rare hits cost the only branches.
    """
    histogram[:] = 0
    threshold = t0
    cum = 0
    n_candidates = 0
    n = db_words.shape[0]
    tile_buffer = np.empty(TILE, dtype=DIST_DTYPE)
    flags = np.zeros(TILE, dtype=np.uint8)
    words = flags.view(np.uint64)
    for j0 in range(0, n, TILE):
        tile_flags(query_words, db_words, j0, min(n, j0 + TILE), threshold, tile_buffer, flags)
        for w in range(TILE // 8):
            if words[w] == 0:
                continue
            for jj in range(8 * w, 8 * w + 8):
                d = tile_buffer[jj]
                if flags[jj] and d <= threshold:
                    histogram[d] += 1
                    cum += 1
                    candidate_ids[n_candidates] = j0 + jj
                    candidate_distances[n_candidates] = d
                    n_candidates += 1
                    while threshold > 0 and cum - histogram[threshold] >= top:
                        cum -= histogram[threshold]
                        threshold -= 1
    return threshold, n_candidates, cum >= top


@njit(cache=True)
def scan_top(query_words, db_words, top, histogram, candidate_ids, candidate_distances):
    """Exact top-``top`` candidates of one query: ``(T, n_candidates)``, see scan_top_from.

    Starts from a sampled threshold estimate, so that only about top items pass the test
    ``d <= T`` (a well predicted branch); reruns from the maximal distance if the estimate
    was too low.
    """
    t0 = estimate_threshold(query_words, db_words, top, histogram)
    threshold, n_candidates, ok = scan_top_from(
        query_words, db_words, top, histogram, candidate_ids, candidate_distances, t0
    )
    if not ok:
        threshold, n_candidates, ok = scan_top_from(
            query_words,
            db_words,
            top,
            histogram,
            candidate_ids,
            candidate_distances,
            histogram.shape[0] - 1,
        )
    return threshold, n_candidates


@njit(cache=True)
def rank_candidates(
    threshold, n_candidates, histogram, candidate_ids, candidate_distances, top, out_ids, out_d
):
    """Place the candidates with ``d <= threshold`` at their exact rank (ties by ascending id)."""
    start = np.zeros(threshold + 1, dtype=np.int64)
    for d in range(1, threshold + 1):
        start[d] = start[d - 1] + histogram[d - 1]
    seen = np.zeros(threshold + 1, dtype=np.int64)
    for c in range(n_candidates):
        d = candidate_distances[c]
        if d <= threshold:
            pos = start[d] + seen[d]
            seen[d] += 1
            if pos < top:
                out_ids[pos] = candidate_ids[c]
                out_d[pos] = d


@Kernel
def knn_kernel(query_words, db_words, k, max_dist, n_blocks):
    nq = query_words.shape[0]
    n = db_words.shape[0]
    out_d = np.empty((nq, k), dtype=np.int32)
    out_i = np.empty((nq, k), dtype=np.int64)
    for b in prange(n_blocks):
        histogram = np.zeros(max_dist + 1, dtype=np.int64)
        candidate_ids = np.empty(n, dtype=np.int64)
        candidate_distances = np.empty(n, dtype=np.int32)
        for i in range(b, nq, n_blocks):
            threshold, n_candidates = scan_top(
                query_words[i], db_words, k, histogram, candidate_ids, candidate_distances
            )
            rank_candidates(
                threshold,
                n_candidates,
                histogram,
                candidate_ids,
                candidate_distances,
                k,
                out_i[i],
                out_d[i],
            )
    return out_d, out_i


@Kernel
def radius_scan_kernel(query_words, db_words, radius, cap):
    """Linear scan: ids with ``d <= radius`` (ascending), at most ``cap`` stored per query."""
    nq = query_words.shape[0]
    n = db_words.shape[0]
    out = np.empty((nq, cap), dtype=np.int64)
    counts = np.zeros(nq, dtype=np.int64)
    for i in prange(nq):
        tile_buffer = np.empty(TILE, dtype=DIST_DTYPE)
        c = 0
        for j0 in range(0, n, TILE):
            j1 = min(n, j0 + TILE)
            tile_distances(query_words[i], db_words, j0, j1, tile_buffer)
            if tile_min(tile_buffer, j1 - j0) > radius:
                continue
            for jj in range(j1 - j0):
                if tile_buffer[jj] <= radius:
                    if c < cap:
                        out[i, c] = j0 + jj
                    c += 1
        counts[i] = c
    return out, counts


def block_count(n_queries: int) -> int:
    """Work items for a parallel query loop: a few per thread, each with its own buffers."""
    return max(1, min(n_queries, 4 * get_num_threads()))


def collect_capped(kernel, work_per_query, queries, cap, *args) -> list[np.ndarray]:
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
