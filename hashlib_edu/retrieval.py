"""Exact Hamming retrieval over ±1 hash codes: k-nearest-neighbour and radius (hash-lookup) search.

The Hamming distance of two ±1 codes of K bits is ``d(q, b) = (K - <q, b>) / 2``; on bit-packed
codes it is ``popcount(q XOR b)``. :class:`HammingIndex` is one interface over four backends, one
class each (as faiss has one index class per method), all with the same ``search`` and
``radius_search``:

* :class:`NumpyBackend` (``"numpy"``): the readable reference. Codes are bit-packed, distances
  come from ``np.bitwise_count`` on XORed *unsigned* words (on signed ints it counts the bits of
  the absolute value, a classic bug), and the ranking is a stable ``np.argsort``.
* :class:`NumbaBackend` (``"numba"``, the fast default, ``"auto"``): compiled kernels
  (:mod:`hashlib_edu._kernels`) that never sort the database. The distance takes only K + 1
  values, so ranking is a counting problem: one pass keeps a histogram of distances and a
  shrinking threshold ``T`` (the distance of the current k-th neighbour), records the few items
  with ``d <= T`` in index order, and places each at its exact rank ``start[d] + seen[d]`` (ties
  by ascending id). Radius search uses a hash table keyed by the packed code and probes the
  ``sum_{i<=r} C(K, i)`` codes of the Hamming ball.
* :class:`FaissBackend` (``"faiss"``): ``faiss.IndexBinaryFlat`` (needs K multiple of 8; codes are
  padded with constant zero bits, which leaves every distance unchanged).
* :class:`MIHBackend` (``"mih"``): exact sub-linear search by multi-index hashing (Norouzi,
  Punjani and Fleet, CVPR 2012): m substring hash tables, probed by the pigeonhole principle, see
  :mod:`hashlib_edu.multi_index`. Same results as the linear scan, far fewer codes touched when
  the neighbours are near (learned codes); never chosen by ``"auto"``.

The backends take codes already validated by :class:`HammingIndex` (int8 ±1 arrays, queries with
the database's K, ``1 <= k <= N``, ``0 <= radius <= K``); use them through the index.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hashlib_edu._kernels.hash_table import (
    BUCKET,
    absent_key,
    ball_masks,
    ball_size,
    build_hash_table,
    hash_radius_kernel,
)
from hashlib_edu._kernels.scan import (
    block_count,
    collect_capped,
    knn_kernel,
    pack_words,
    radius_scan_kernel,
)
from hashlib_edu._ranking import numpy_distances, query_chunks
from hashlib_edu._validation import (
    as_codes,
    check_bool,
    check_choice,
    check_positive_int,
    check_radius,
    check_same_bits,
)
from hashlib_edu.multi_index import MultiIndexHashing

__all__ = [
    "BACKENDS",
    "BACKEND_CLASSES",
    "HASH_PROBE_RATIO",
    "FaissBackend",
    "HammingBackend",
    "HammingIndex",
    "MIHBackend",
    "NumbaBackend",
    "NumpyBackend",
    "pack_codes",
]

#: Hash-table radius search is used when K <= 64 and the Hamming ball has at most
#: ``ntotal // HASH_PROBE_RATIO`` codes; otherwise a linear scan is cheaper (one probe costs about
#: as much as scanning a few dozen packed codes).
HASH_PROBE_RATIO = 32


def pack_codes(codes: Any) -> np.ndarray:
    """Pack ±1 codes (n, K) into bytes (n, ceil(K / 8)) ``uint8``: bit 1 for +1, 0 for -1.

    The last byte is padded with zero bits, identical for every code, so Hamming distances of
    packed codes equal those of the ±1 codes. This is the layout faiss's binary indexes and
    :meth:`HammingIndex.to_faiss` use; pack queries with it before calling faiss directly.
    """
    array = as_codes(codes, "codes")
    return np.packbits(array > 0, axis=1, bitorder="little")


def faiss_index(codes: np.ndarray):
    """A ``faiss.IndexBinaryFlat`` holding validated ±1 ``codes``, padded to whole bytes."""
    import faiss

    packed = pack_codes(codes)
    index = faiss.IndexBinaryFlat(8 * packed.shape[1])
    index.add(packed)
    return index


def uses_hash_table(bits: int, ntotal: int, radius: int) -> bool:
    """Whether a radius search probes the hash table (K <= 64 and a small enough ball)."""
    return bits <= 64 and ball_size(bits, radius) * HASH_PROBE_RATIO <= ntotal


# ------------------------------------------------------------------------------------ backends
class HammingBackend:
    """What every backend shares: the database packed into ``uint64`` words (n, ceil(K / 64))."""

    #: the ``backend=`` name of the class
    name = ""

    def __init__(self, codes: np.ndarray) -> None:
        self.words = pack_words(codes)
        self.bits = int(codes.shape[1])

    @property
    def ntotal(self) -> int:
        """Number of database codes."""
        return int(self.words.shape[0])

    @property
    def substrings(self) -> int | None:
        """The number of substring hash tables (multi-index hashing only), else None."""
        return None

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        """Exact k nearest neighbours of the queries ``q``: (distances int32, ids int64)."""
        raise NotImplementedError

    def radius_search(self, q: np.ndarray, radius: int) -> list[np.ndarray]:  # pragma: no cover
        """Ascending int64 ids within Hamming distance ``radius``, one array per query."""
        raise NotImplementedError


class NumpyBackend(HammingBackend):
    """The readable reference: popcount distances of packed words and a stable argsort."""

    name = "numpy"

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        qw = pack_words(q)
        out_d = np.empty((q.shape[0], k), dtype=np.int32)
        out_i = np.empty((q.shape[0], k), dtype=np.int64)
        for rows in query_chunks(q.shape[0], self.ntotal, None):
            dist = numpy_distances(qw[rows], self.words)
            order = np.argsort(dist, axis=1, kind="stable")[:, :k]
            out_i[rows] = order
            out_d[rows] = np.take_along_axis(dist, order, 1)
        return out_d, out_i

    def radius_search(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        qw = pack_words(q)
        result: list[np.ndarray] = []
        for rows in query_chunks(q.shape[0], self.ntotal, None):
            dist = numpy_distances(qw[rows], self.words)
            result.extend(np.flatnonzero(row <= radius).astype(np.int64) for row in dist)
        return result


class NumbaBackend(HammingBackend):
    """Compiled counting top-k scan; radius search by hash table for small balls, else a scan."""

    name = "numba"

    def __init__(self, codes: np.ndarray) -> None:
        super().__init__(codes)
        self._table: tuple | None = None

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        max_dist = 64 * self.words.shape[1]
        blocks = block_count(len(q))
        return knn_kernel(len(q) * self.ntotal, pack_words(q), self.words, k, max_dist, blocks)

    def radius_search(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        if uses_hash_table(self.bits, self.ntotal, radius):
            return self.radius_hash(q, radius)
        return self.radius_scan(q, radius)

    def radius_scan(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        """Radius search by a linear scan of the database (any K, any radius)."""
        words = pack_words(q)
        return collect_capped(radius_scan_kernel, self.ntotal, words, 256, self.words, radius)

    def radius_hash(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        """Radius search by probing the hash table with every code of the ball (K <= 64)."""
        probes = ball_masks(self.bits, radius)
        qkeys = pack_words(q)[:, 0].copy()
        # probes are latency bound and prefetched: one thread is as fast as two unless there are
        # many queries (measured), so count a probe as one unit of work
        work = len(probes)
        return collect_capped(hash_radius_kernel, work, qkeys, 256, probes, *self._hash_table())

    def _hash_table(self) -> tuple:
        """Build (once) the table packed code -> ids, ids of a bucket in ascending order."""
        if self._table is None:
            keys = self.words[:, 0]
            sorted_ids = np.argsort(keys, kind="stable").astype(np.int64)
            sorted_keys = keys[sorted_ids]
            first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            starts = np.r_[first, len(keys)].astype(np.int64)
            unique_keys = sorted_keys[first]
            # about 2 keys per bucket of 4; 4-byte keys when they fit (a smaller table caches
            # better)
            bucket_bits = max(2, int(math.ceil(math.log2(max(len(unique_keys), 1)))))
            empty = absent_key(unique_keys)
            key_dtype = np.uint32 if self.bits <= 32 else np.uint64
            keys = np.empty((1 << bucket_bits, BUCKET), dtype=key_dtype)
            keys, groups = build_hash_table(unique_keys, keys, keys.dtype.type(empty))
            self._table = (keys, groups, empty, starts, sorted_ids)
        return self._table


class FaissBackend(HammingBackend):
    """``faiss.IndexBinaryFlat``: exact distances; rows re-sorted by (distance, id)."""

    name = "faiss"

    def __init__(self, codes: np.ndarray) -> None:
        super().__init__(codes)
        self.index = faiss_index(codes)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dist, ids = self.index.search(pack_codes(q), k)
        order = np.lexsort((ids, dist), axis=-1)  # per row, by (distance, id)
        return (
            np.take_along_axis(dist, order, 1).astype(np.int32),
            np.take_along_axis(ids, order, 1).astype(np.int64),
        )

    def radius_search(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        lims, _, ids = self.index.range_search(pack_codes(q), radius + 1)
        return [np.sort(ids[lims[i] : lims[i + 1]]).astype(np.int64) for i in range(len(q))]


class MIHBackend(HammingBackend):
    """Multi-index hashing (:class:`hashlib_edu.multi_index.MultiIndexHashing`): m substring
    tables probed by the pigeonhole principle; ``substrings`` = m (None: the paper's rule)."""

    name = "mih"

    def __init__(self, codes: np.ndarray, substrings: int | None = None) -> None:
        super().__init__(codes)
        self.mih = MultiIndexHashing.from_packed(self.words, self.bits, substrings)

    @property
    def substrings(self) -> int:
        return self.mih.substrings

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.mih.search_packed(pack_words(q), k)

    def radius_search(self, q: np.ndarray, radius: int) -> list[np.ndarray]:
        return self.mih.radius_search_packed(pack_words(q), radius)


#: The backend class of each ``backend=`` name; ``"auto"`` is the numba backend.
BACKEND_CLASSES: dict[str, type[HammingBackend]] = {
    cls.name: cls for cls in (NumbaBackend, NumpyBackend, FaissBackend, MIHBackend)
}
BACKENDS = ("auto", *BACKEND_CLASSES)
_ALIASES = {"auto": "numba"}


# --------------------------------------------------------------------------------- the index
class HammingIndex:
    """Exact Hamming search over a database of ±1 codes.

    Parameters
    ----------
    db_codes : (N, K) array of -1/+1 (numpy any dtype or torch), any K.
    backend : ``"auto"`` (= ``"numba"``), ``"numba"``, ``"numpy"``, ``"faiss"`` or ``"mih"``
        (multi-index hashing): the class of :data:`BACKEND_CLASSES` that does the searching.
    substrings : backend ``"mih"`` only: the number m of substrings (hash tables), in
        ``[ceil(K / 64), K]``; None (default) picks the paper's ``m ~ K / log2(N)``.

    ``search`` returns the exact k nearest items per query, ties broken by ascending database id
    (faiss backend: exact distances, but faiss may pick other ids among items tied at the k-th
    distance; the rows are re-sorted by (distance, id)). ``radius_search`` returns, per query, the
    ascending ids within Hamming distance ``radius`` and, with ``return_distances=True``, their
    distances too (as faiss's ``range_search`` does).
    """

    def __init__(self, db_codes, backend: str = "auto", substrings: int | None = None) -> None:
        check_choice(backend, "backend", BACKENDS)
        backend = _ALIASES.get(backend, backend)
        options = {} if substrings is None else {"substrings": substrings}
        if options and BACKEND_CLASSES[backend] is not MIHBackend:
            raise ValueError(
                f"substrings applies to backend='mih' only (got backend={backend!r}); "
                f"drop substrings or pass backend='mih'"
            )
        codes = as_codes(db_codes, "db_codes")
        self.backend = backend
        self._codes = codes
        self._index = BACKEND_CLASSES[backend](codes, **options)

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
        return self._index.substrings

    def __repr__(self) -> str:
        mib = self._index.words.nbytes / 2**20
        return (
            f"HammingIndex(ntotal={self.ntotal}, bits={self.bits}, backend={self.backend!r}, "
            f"packed={mib:.1f} MiB)"
        )

    def __len__(self) -> int:
        return self.ntotal

    def _queries(self, query_codes) -> np.ndarray:
        q = as_codes(query_codes, "query_codes")
        check_same_bits(q, self._codes, ("query_codes", "the index (db_codes)"))
        return q

    def search(self, query_codes, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest neighbours: ``(distances int32 (nq, k), ids int64 (nq, k))``.

        Rows are sorted by (distance, id): among equal distances the smaller database id comes
        first, so the result does not depend on anything but the database order.
        """
        q = self._queries(query_codes)
        k = check_positive_int(k, "k", self.ntotal, "the database size")
        return self._index.search(q, k)

    def radius_search(
        self, query_codes, radius: int, *, return_distances: bool = False
    ) -> list[np.ndarray] | tuple[list[np.ndarray], list[np.ndarray]]:
        """Ids (ascending, int64) of the database items within Hamming distance ``radius``.

        A radius >= K is valid (the ball is the whole space). With ``return_distances=True``
        returns ``(ids, distances)``: two lists with one array per query, the int32 distances
        aligned with the ids (faiss's ``range_search`` gives both too), so callers need not
        recompute them.

        numba backend: hash-table lookup of the ``sum_{i<=radius} C(K, i)`` codes of the ball when
        K <= 64 and the ball has at most ``ntotal // HASH_PROBE_RATIO`` codes, else a linear scan.
        mih backend: the m substring tables probed within ``floor(radius / m)`` (pigeonhole).
        """
        q = self._queries(query_codes)
        radius = min(check_radius(radius), self.bits)
        ids = self._index.radius_search(q, radius)
        if not check_bool(return_distances, "return_distances"):
            return ids
        qw, words = pack_words(q), self._index.words
        distances = [numpy_distances(qw[i : i + 1], words[found])[0] for i, found in enumerate(ids)]
        return ids, distances

    def uses_hash_table(self, radius: int) -> bool:
        """Whether ``radius_search`` (numba backend) probes the hash table for this radius."""
        return uses_hash_table(self.bits, self.ntotal, radius)

    def to_faiss(self):
        """A ``faiss.IndexBinaryFlat`` holding the database (pack queries with ``pack_codes``).

        faiss needs a multiple of 8 bits: codes are padded with zero bits up to the next byte,
        which leaves all Hamming distances unchanged.
        """
        return faiss_index(self._codes)
