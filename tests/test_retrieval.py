"""HammingIndex: exact k-NN and radius search against a plain linear-scan reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlib_edu._kernels import scan as scan_kernels  # noqa: E402
from hashlib_edu.retrieval import (
    BACKEND_CLASSES,
    HammingIndex,
    MIHBackend,
    NumbaBackend,
    pack_codes,
)

BACKENDS = ["numba", "numpy", "faiss"]


def random_codes(seed, n, bits):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(n, bits))


def ref_distances(q, db):
    return (q[:, None, :] != db[None, :, :]).sum(-1)


def ref_knn(q, db, k):
    dist = ref_distances(q, db)
    ids = np.argsort(dist, axis=1, kind="stable")[:, :k]  # ties: ascending id
    return np.take_along_axis(dist, ids, 1), ids


@pytest.mark.parametrize("bits", [3, 8, 13, 64, 70])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_search_equals_stable_reference(bits, backend):
    db, q = random_codes(0, 400, bits), random_codes(1, 25, bits)
    index = HammingIndex(db, backend=backend)
    for k in (1, 7, 400):
        dist, ids = index.search(q, k)
        ref_d, ref_i = ref_knn(q, db, k)
        assert dist.dtype == np.int32 and ids.dtype == np.int64
        assert dist.shape == ids.shape == (len(q), k)
        np.testing.assert_array_equal(dist, ref_d)
        np.testing.assert_array_equal(ids, ref_i)


@pytest.mark.parametrize("bits", [5, 16, 70])
def test_faiss_backend_exact_distances(bits):
    db, q = random_codes(2, 300, bits), random_codes(3, 20, bits)
    k = 9
    dist, ids = HammingIndex(db, backend="faiss").search(q, k)
    ref_d, ref_i = ref_knn(q, db, k)
    np.testing.assert_array_equal(dist, ref_d)
    full = ref_distances(q, db)
    for i in range(len(q)):
        # every returned id really is at the returned distance ...
        np.testing.assert_array_equal(full[i, ids[i]], dist[i])
        # ... and the ids strictly inside the k-th distance are the same set
        inside = ref_d[i] < ref_d[i, -1]
        assert set(ids[i][inside]) == set(ref_i[i][inside])
        # rows are sorted by (distance, id)
        assert all((dist[i, j], ids[i, j]) < (dist[i, j + 1], ids[i, j + 1]) for j in range(k - 1))


def test_search_with_many_duplicates_breaks_ties_by_id():
    db = np.tile(random_codes(4, 3, 6), (50, 1))  # 150 codes, only 3 distinct
    q = db[:2]
    for backend in ("numba", "numpy"):
        dist, ids = HammingIndex(db, backend=backend).search(q, 60)
        np.testing.assert_array_equal(ids[0, :50], np.arange(0, 150, 3))
        np.testing.assert_array_equal(dist[0, :50], 0)
        np.testing.assert_array_equal((dist, ids), ref_knn(q, db, 60))


def ref_radius(q, db, radius):
    return [np.flatnonzero(row <= radius) for row in ref_distances(q, db)]


@pytest.mark.parametrize("bits", [4, 12, 20, 64, 70])
def test_radius_search_equals_linear_scan_for_every_backend(bits):
    db = np.concatenate([random_codes(5, 2000, bits), random_codes(5, 40, bits)])  # duplicates
    q = np.concatenate([random_codes(6, 15, bits), db[:3]])
    for radius in (0, 1, 2, 3):
        expected = ref_radius(q, db, radius)
        for backend in BACKENDS:
            got = HammingIndex(db, backend=backend).radius_search(q, radius)
            assert len(got) == len(q)
            for g, e in zip(got, expected, strict=True):
                assert g.dtype == np.int64
                np.testing.assert_array_equal(g, e)


def test_radius_search_uses_hash_table_when_ball_is_small_and_scan_otherwise():
    db, q = random_codes(7, 2000, 12), random_codes(8, 30, 12)
    index = HammingIndex(db)
    scan = NumbaBackend(db)
    assert index.uses_hash_table(1)  # 13 probes * 32 <= 2000
    assert not index.uses_hash_table(3)  # 299 probes
    assert not HammingIndex(random_codes(0, 2000, 70)).uses_hash_table(0)  # K > 64
    for radius in (1, 3):
        hashed = index.radius_search(q, radius)
        scanned = scan.radius_scan(q, radius)
        for a, b in zip(hashed, scanned, strict=True):
            np.testing.assert_array_equal(a, b)


def test_radius_search_never_matches_the_hash_tables_empty_mark():
    """Regression: the free-slot mark is a code absent from the database; a query whose ball holds
    that code once matched an empty slot and returned items outside the radius."""
    bits = 16
    every_code = np.where((np.arange(1 << bits)[:, None] >> np.arange(bits)) & 1, 1, -1)
    for missing in (0, (1 << bits) - 1, 12345):
        database = np.delete(every_code, missing, axis=0)
        index = HammingIndex(database, backend="numba")
        assert index.uses_hash_table(2)
        near = (every_code * every_code[missing]).sum(1) >= bits - 4  # within radius 2 of it
        queries = every_code[near]
        expected = HammingIndex(database, backend="numpy").radius_search(queries, 2)
        for got, want in zip(index.radius_search(queries, 2), expected):
            assert np.array_equal(got, want)


def test_radius_search_overflowing_the_first_buffer():
    db, q = random_codes(9, 3000, 6), random_codes(10, 4, 6)  # ~ 3000 * 22/64 hits per query
    for backend in ("numba", "numpy"):
        got = HammingIndex(db, backend).radius_search(q, 2)
        for g, e in zip(got, ref_radius(q, db, 2), strict=True):
            np.testing.assert_array_equal(g, e)
    for g, e in zip(NumbaBackend(db).radius_scan(q, 2), ref_radius(q, db, 2), strict=True):
        np.testing.assert_array_equal(g, e)


def test_parallel_and_serial_kernels_agree():
    db, q = random_codes(11, 5000, 24), random_codes(12, 300, 24)  # 1.5M pairs: parallel path
    assert len(q) * len(db) >= scan_kernels.PARALLEL_MIN_WORK
    index = HammingIndex(db)
    dist, ids = index.search(q, 5)
    d1, i1 = index.search(q[:7], 5)  # small: serial path
    np.testing.assert_array_equal(dist[:7], d1)
    np.testing.assert_array_equal(ids[:7], i1)
    np.testing.assert_array_equal((dist, ids), ref_knn(q, db, 5))


def test_to_faiss_and_pack_codes():
    db, q = random_codes(13, 200, 12), random_codes(14, 5, 12)
    faiss_index = HammingIndex(db).to_faiss()
    assert faiss_index.ntotal == 200 and faiss_index.d == 16
    dist, _ = faiss_index.search(pack_codes(q), 4)
    np.testing.assert_array_equal(dist, ref_knn(q, db, 4)[0])
    packed = pack_codes(np.array([[1, -1, -1, -1, -1, -1, -1, -1, 1]]))
    np.testing.assert_array_equal(packed, [[1, 1]])


def test_properties_and_repr():
    index = HammingIndex(torch.tensor(random_codes(15, 10, 9), dtype=torch.float32), "numpy")
    assert index.ntotal == len(index) == 10
    assert index.bits == 9
    assert repr(index).startswith("HammingIndex(ntotal=10, bits=9, backend='numpy'")
    assert HammingIndex(random_codes(0, 3, 4)).backend == "numba"  # auto = compiled


def test_bad_inputs():
    db = random_codes(16, 20, 8)
    index = HammingIndex(db)
    with pytest.raises(ValueError, match="unknown backend"):
        HammingIndex(db, backend="gpu")
    with pytest.raises(ValueError, match="db_codes must contain only -1 and"):
        HammingIndex(np.zeros((3, 8)))
    with pytest.raises(ValueError, match="empty"):
        HammingIndex(np.ones((0, 8)))
    with pytest.raises(ValueError, match="query_codes must contain only -1 and"):
        index.search(np.full((2, 8), 0.5), 1)
    with pytest.raises(ValueError, match="query_codes has 7 bits but the index"):
        index.search(random_codes(0, 2, 7), 1)
    with pytest.raises(ValueError, match="empty"):
        index.search(np.ones((0, 8)), 1)
    with pytest.raises(ValueError, match="k must be <= the database size"):
        index.search(db[:2], 21)
    with pytest.raises(ValueError, match="k must be >= 1"):
        index.search(db[:2], 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        index.search(db[:2], 2.5)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        index.radius_search(db[:2], -1)
    with pytest.raises(TypeError, match="boolean"):
        index.search(db[:2] > 0, 1)


@pytest.mark.parametrize("bits", [8, 13, 70])
def test_every_backend_class_gives_the_same_results(bits):
    """The backend classes behind HammingIndex agree with each other (ties by ascending id);
    faiss may pick other ids among items tied at the k-th distance, so for k < N only its
    distances are compared, and its full ranking (k = N) must match exactly."""
    db = np.concatenate([random_codes(20, 500, bits), random_codes(20, 40, bits)])  # duplicates
    q = np.concatenate([random_codes(21, 12, bits), db[:2]])
    backends = {name: cls(db) for name, cls in BACKEND_CLASSES.items()}
    reference = backends.pop("numpy")
    for k in (1, 6, len(db)):
        want_d, want_i = reference.search(q, k)
        for name, backend in backends.items():
            got_d, got_i = backend.search(q, k)
            assert got_d.dtype == np.int32 and got_i.dtype == np.int64, name
            np.testing.assert_array_equal(got_d, want_d, err_msg=name)
            if name != "faiss" or k == len(db):
                np.testing.assert_array_equal(got_i, want_i, err_msg=name)
    for radius in (0, 2, bits // 2):
        want = reference.radius_search(q, radius)
        for name, backend in backends.items():
            got = backend.radius_search(q, radius)
            assert len(got) == len(want), name
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, w, err_msg=name)


def test_index_delegates_to_the_backend_class_it_names():
    db, q = random_codes(22, 300, 16), random_codes(23, 6, 16)
    assert set(BACKEND_CLASSES) == {"numba", "numpy", "faiss", "mih"}
    for name, cls in BACKEND_CLASSES.items():
        assert cls.name == name
        index = HammingIndex(db, backend=name)
        np.testing.assert_array_equal(index.search(q, 5)[0], cls(db).search(q, 5)[0])
    assert HammingIndex(db, backend="mih").substrings == MIHBackend(db).substrings
    assert MIHBackend(db, substrings=3).substrings == 3


def test_unknown_backend_raises_naming_the_choices():
    with pytest.raises(ValueError, match="unknown backend 'gpu'") as info:
        HammingIndex(random_codes(0, 5, 8), backend="gpu")
    for name in ("auto", "numba", "numpy", "faiss", "mih"):
        assert repr(name) in str(info.value)
