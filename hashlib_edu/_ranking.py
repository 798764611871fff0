"""Validated inputs and backend dispatch shared by :mod:`hashlib_edu.metrics` and
:mod:`hashlib_edu.conventions` (private module; its names are public to the package).

:class:`RankingInputs` validates and bit-packs the codes and labels of one metric call once;
:func:`top_relevance` and :func:`histograms` give the relevance of ranks 1..R (ties by index) and
the per-distance counts of all / relevant items, from the compiled kernels or from the readable
sort-based numpy reference (``backend="numpy"``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from hashlib_edu._kernels.average_precision import histogram_kernel, top_relevance_kernel
from hashlib_edu._kernels.scan import block_count, pack_bits01, pack_words
from hashlib_edu._validation import (
    as_codes,
    as_labels,
    check_choice,
    check_positive_int,
    check_same_bits,
)

METRIC_BACKENDS = ("auto", "numba", "numpy")


class RankingInputs:
    """Validated, bit-packed inputs of a metric call (query / database codes and labels)."""

    def __init__(self, query_codes, db_codes, query_labels, db_labels, backend: str) -> None:
        check_choice(backend, "backend", METRIC_BACKENDS)
        q = as_codes(query_codes, "query_codes")
        db = as_codes(db_codes, "db_codes")
        self.bits = check_same_bits(q, db, ("query_codes", "db_codes"))
        self.qlab = as_labels(query_labels, q.shape[0], "query_labels", "query_codes")
        self.dblab = as_labels(db_labels, db.shape[0], "db_labels", "db_codes")
        check_same_bits(self.qlab, self.dblab, ("query_labels (classes)", "db_labels"))
        self.backend = "numba" if backend == "auto" else backend
        self.nq, self.n = q.shape[0], db.shape[0]
        self.query_words, self.db_words = pack_words(q), pack_words(db)
        self.max_dist = 64 * self.query_words.shape[1]
        self._relevance: tuple | None = None

    def check_topk(self, topk) -> int:
        """R: ``None`` means the whole database; otherwise an integer in [1, N] (not clamped)."""
        if topk is None:
            return self.n
        return check_positive_int(topk, "topk", self.n, "database size")

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
                ql, dbl = pack_bits01(self.qlab), pack_bits01(self.dblab)
            self._relevance = (single, qc, dbc, ql, dbl)
        single, qc, dbc, ql, dbl = self._relevance
        return single, qc[rows], dbc, ql[rows], dbl


def query_chunks(nq: int, per_query: int, chunk_size: int | None) -> Iterator[slice]:
    """Slices of at most ``chunk_size`` queries (default: about 4 M work items per chunk)."""
    if chunk_size is not None:
        check_positive_int(chunk_size, "chunk_size")
    step = chunk_size or max(1, (1 << 22) // max(per_query, 1))
    for lo in range(0, nq, step):
        yield slice(lo, min(nq, lo + step))


def numpy_distances(query_words: np.ndarray, db_words: np.ndarray) -> np.ndarray:
    """Hamming distances (nq, N) of packed uint64 words: popcount of XOR, summed over words.

    ``np.bitwise_count`` runs on *unsigned* words (on signed ints it counts the bits of the
    absolute value, a classic bug).
    """
    dist = np.zeros((query_words.shape[0], db_words.shape[0]), dtype=np.int32)
    for w in range(query_words.shape[1]):
        dist += np.bitwise_count(query_words[:, w, None] ^ db_words[None, :, w])
    return dist


# ------------------------------------------------------------------ readable numpy reference
def numpy_blocks(p: RankingInputs, chunk_size: int | None):
    """Yield (rows, distances, relevance) for chunks of queries: (chunk, N) int32 and bool."""
    for rows in query_chunks(p.nq, p.n, chunk_size):
        dist = numpy_distances(p.query_words[rows], p.db_words)
        relevant = (p.qlab[rows].astype(np.float32) @ p.dblab.T.astype(np.float32)) > 0
        yield rows, dist, relevant


def numpy_top_relevance(p: RankingInputs, topk: int, chunk_size: int | None) -> np.ndarray:
    """(nq, topk) relevance by rank from a stable argsort (ties by index)."""
    out = np.empty((p.nq, topk), dtype=np.uint8)
    for rows, dist, relevant in numpy_blocks(p, chunk_size):
        order = np.argsort(dist, axis=1, kind="stable")[:, :topk]
        out[rows] = np.take_along_axis(relevant, order, 1)
    return out


def numpy_histograms(p: RankingInputs, chunk_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(nq, K+1) counts of all / relevant items per distance, by ``np.bincount``."""
    cnt = np.zeros((p.nq, p.bits + 1), dtype=np.int64)
    rel = np.zeros((p.nq, p.bits + 1), dtype=np.int64)
    for rows, dist, relevant in numpy_blocks(p, chunk_size):
        for row, (d, r) in enumerate(zip(dist, relevant, strict=True)):
            cnt[rows.start + row] = np.bincount(d, minlength=p.bits + 1)
            rel[rows.start + row] = np.bincount(d[r], minlength=p.bits + 1)
    return cnt, rel


def rank_threshold(counts: np.ndarray, topk: int) -> int:
    """The distance of the R-th item: the first d with ``sum_{d' <= d} counts[d'] >= R``."""
    return int(np.searchsorted(np.cumsum(counts), topk))


# ------------------------------------------------------------------ dispatch
def top_relevance(p: RankingInputs, topk: int, chunk_size: int | None):
    """Yield (rows, relevance at ranks 1..topk) per chunk of queries, ties by index."""
    if p.backend == "numpy":
        yield slice(0, p.nq), numpy_top_relevance(p, topk, chunk_size)
        return
    for rows in query_chunks(p.nq, topk, chunk_size):
        nq = rows.stop - rows.start
        relevance = top_relevance_kernel(
            nq * p.n,
            p.query_words[rows],
            p.db_words,
            *p.relevance_args(rows),
            topk,
            p.max_dist,
            block_count(nq),
        )
        yield rows, relevance


def histograms(p: RankingInputs, chunk_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(nq, K+1) counts of all / relevant database items at each Hamming distance."""
    if p.backend == "numpy":
        return numpy_histograms(p, chunk_size)
    return histogram_kernel(p.nq * p.n, p.query_words, p.db_words, *p.relevance_args(), p.bits)
