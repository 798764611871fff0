"""Multi-index hashing: exact k-NN and radius search identical to the linear scan."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hashlib_edu import plots  # noqa: E402
from hashlib_edu._kernels import scan as scan_kernels  # noqa: E402
from hashlib_edu._kernels.multi_index import mih_radius_kernel  # noqa: E402
from hashlib_edu._kernels.scan import collect_capped, pack_words  # noqa: E402
from hashlib_edu.multi_index import (  # noqa: E402
    MultiIndexHashing,
    default_substrings,
    probe_counts,
    substring_bounds,
)
from hashlib_edu.retrieval import HammingIndex  # noqa: E402


def random_codes(seed, n, bits):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(n, bits))


def clustered_codes(seed, n, bits, n_centres=6, flip=0.06):
    """Learned-code structure: a few centres, each item a centre with a few random bit flips;
    many exact duplicates, so many ties at every distance."""
    rng = np.random.default_rng(seed)
    centres = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n_centres, bits))
    codes = centres[rng.integers(0, n_centres, n)]
    return np.where(rng.random((n, bits)) < flip, -codes, codes).astype(np.int8)


def assert_same_knn(index, reference, q, k):
    dist, ids = index.search(q, k)
    ref_d, ref_i = reference.search(q, k)
    assert dist.dtype == np.int32 and ids.dtype == np.int64
    np.testing.assert_array_equal(dist, ref_d)
    np.testing.assert_array_equal(ids, ref_i)  # ties at the k-th distance: smallest ids


def assert_same_radius(index, reference, q, radius):
    got, want = index.radius_search(q, radius), reference.radius_search(q, radius)
    assert len(got) == len(want) == len(q)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g, w)


def substring_choices(bits):
    lowest = -(-bits // 64)
    return sorted({lowest, 2, 3, bits // 2, bits, default_substrings(bits, 800)})


@pytest.mark.parametrize("bits", [16, 20, 32, 64, 70])
@pytest.mark.parametrize("data", ["random", "clustered"])
def test_search_and_radius_search_equal_the_linear_scan(bits, data):
    make = random_codes if data == "random" else clustered_codes
    db = make(0, 800, bits)
    q = np.concatenate([make(1, 12, bits), db[:3]])  # queries outside and inside the database
    reference = HammingIndex(db, backend="numpy")
    for m in substring_choices(bits):
        index = MultiIndexHashing(db, substrings=m)
        assert index.substrings == m
        # k beyond the number of distinct distances (<= K + 1), and k = n
        for k in (1, 10, bits + 5, len(db)):
            assert_same_knn(index, reference, q, k)
        for radius in range(6):
            assert_same_radius(index, reference, q, radius)


def test_clustered_codes_with_many_ties_match_the_numba_scan():
    db = np.concatenate([clustered_codes(2, 3000, 24, n_centres=3, flip=0.03)] * 2)  # duplicates
    q = clustered_codes(3, 40, 24, n_centres=3, flip=0.03)
    scan = HammingIndex(db)  # numba linear scan
    index = HammingIndex(db, backend="mih")
    assert index.substrings == default_substrings(24, len(db))
    for k in (1, 5, 50, 700):
        assert_same_knn(index, scan, q, k)
    dist, ids = index.search(q, 50)
    assert (dist == dist[:, -1:]).sum() > 5 * len(q)  # really many ties at the k-th distance
    for radius in range(6):
        assert_same_radius(index, scan, q, radius)
        assert_same_radius(index, HammingIndex(db, "numpy"), q, radius)


def test_both_table_layouts_and_the_bucket_scan_fallback():
    db, q = random_codes(4, 600, 64), random_codes(5, 10, 64)
    reference = HammingIndex(db, backend="numpy")
    sparse = MultiIndexHashing(db, substrings=1)  # one 64-bit table: sorted keys + binary search
    dense = MultiIndexHashing(db, substrings=8)  # 8-bit substrings: direct-address tables
    assert not sparse._tables[0][:, 2].any() and dense._tables[0][:, 2].all()
    # m = 1, r = 3: C(64, 3) keys > 600 buckets, so the shell visits every bucket instead
    for index in (sparse, dense):
        assert_same_radius(index, reference, q, 3)
        assert_same_knn(index, reference, q, 25)


def test_radius_results_overflowing_the_first_buffer_are_complete():
    db = clustered_codes(11, 1000, 16, n_centres=2)
    q = np.concatenate([db[:3], clustered_codes(12, 3, 16, n_centres=2)])
    index = MultiIndexHashing(db)
    qw = pack_words(q)
    for radius in (1, 3):
        # a first pass that stores only 2 ids per query, then the overflowing queries again
        got = collect_capped(mih_radius_kernel, 1, qw, 2, radius, index._tables)
        want = HammingIndex(db, "numpy").radius_search(q, radius)
        assert max(map(len, want)) > 2
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def test_parallel_kernels_agree_with_serial(monkeypatch):
    db, q = clustered_codes(6, 2000, 32), clustered_codes(7, 30, 32)
    index = HammingIndex(db, backend="mih")
    serial_knn, serial_radius = index.search(q, 9), index.radius_search(q, 4)
    monkeypatch.setattr(scan_kernels, "PARALLEL_MIN_WORK", 0)  # force the prange kernels
    np.testing.assert_array_equal(index.search(q, 9), serial_knn)
    for a, b in zip(index.radius_search(q, 4), serial_radius, strict=True):
        np.testing.assert_array_equal(a, b)


def test_hamming_index_backend_mih():
    db, q = clustered_codes(8, 500, 20), clustered_codes(9, 8, 20)
    index = HammingIndex(db, backend="mih", substrings=4)
    assert index.backend == "mih" and index.substrings == 4
    assert HammingIndex(db).backend == "numba" and HammingIndex(db).substrings is None
    assert_same_knn(index, HammingIndex(db, "numpy"), q, 12)
    assert_same_radius(index, HammingIndex(db, "numpy"), q, 7)  # radius > 0 beyond m
    everything = index.radius_search(q, 500)  # clamped to K: the whole database
    assert all(np.array_equal(found, np.arange(500)) for found in everything)


def test_automatic_substring_rule():
    assert default_substrings(64, 10_000_000) == 3  # 64 / log2(1e7) = 2.75
    assert default_substrings(64, 2**32) == 2
    assert default_substrings(32, 2**16) == 2
    assert default_substrings(16, 2000) == 1
    assert default_substrings(128, 1000) == 13  # 128 / 9.97
    assert default_substrings(64, 1) == 64  # clamped to K
    assert default_substrings(200, 2**60) == 4  # clamped to ceil(K / 64): keys fit 64 bits
    for bits, n in ((64, 800), (24, 5000), (70, 50)):
        index = MultiIndexHashing(random_codes(0, n, bits))
        assert index.substrings == default_substrings(bits, n)
        assert index.substrings == min(bits, max(1, -(-bits // 64), round(bits / math.log2(n))))
    bounds = substring_bounds(20, 3)
    assert bounds == [(0, 7), (7, 7), (14, 6)]
    assert substring_bounds(64, 64) == [(i, 1) for i in range(64)]


def test_properties_and_repr():
    index = MultiIndexHashing(random_codes(1, 100, 24), substrings=3)
    assert (index.ntotal, len(index), index.bits) == (100, 100, 24)
    assert index.substring_bounds == [(0, 8), (8, 8), (16, 8)]
    assert index.nbytes > 100 * 3 * (8 + 4)  # codes and ids per table
    assert repr(index).startswith("MultiIndexHashing(ntotal=100, bits=24, substrings=3")


def test_bad_inputs():
    db = random_codes(10, 30, 16)
    index = MultiIndexHashing(db)
    with pytest.raises(ValueError, match="db_codes must contain only -1 and"):
        MultiIndexHashing(np.zeros((3, 8)))
    with pytest.raises(TypeError, match="boolean"):
        MultiIndexHashing(db > 0)
    with pytest.raises(ValueError, match="query_codes must contain only -1 and"):
        index.search(np.full((2, 16), 0.5), 1)
    with pytest.raises(ValueError, match="query_codes has 15 bits but the index"):
        index.search(random_codes(0, 2, 15), 1)
    with pytest.raises(ValueError, match="query_codes has 17 bits but the index"):
        index.radius_search(random_codes(0, 2, 17), 1)
    with pytest.raises(ValueError, match="k must be <= the database size"):
        index.search(db[:2], 31)
    with pytest.raises(ValueError, match="k must be >= 1"):
        index.search(db[:2], 0)
    with pytest.raises(TypeError, match="k must be an integer"):
        index.search(db[:2], 2.0)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        index.radius_search(db[:2], -1)
    with pytest.raises(TypeError, match="radius must be an integer"):
        index.radius_search(db[:2], 1.5)
    with pytest.raises(ValueError, match="substrings must be >= 1"):
        MultiIndexHashing(db, substrings=0)
    with pytest.raises(ValueError, match="substrings must be <= the code length K"):
        MultiIndexHashing(db, substrings=17)
    with pytest.raises(ValueError, match=r"substrings must be >= ceil\(K / 64\) = 2"):
        MultiIndexHashing(random_codes(0, 5, 70), substrings=1)
    with pytest.raises(TypeError, match="substrings must be an integer"):
        MultiIndexHashing(db, substrings=2.0)
    with pytest.raises(ValueError, match="substrings applies to backend='mih' only"):
        HammingIndex(db, backend="numba", substrings=2)
    with pytest.raises(ValueError, match="k must be <= the database size"):
        HammingIndex(db, backend="mih").search(db[:1], 31)


# ------------------------------------------------------------------------------------ figure
def test_plot_mih_probes_draws_the_two_probe_counts():
    fig = plots.plot_mih_probes(bits=64, n=10_000, radii=range(0, 9), substrings=4)
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    single, mih = ax.lines
    assert single.get_label().startswith("single table") and mih.get_label().startswith("MIH")
    radii = np.arange(9)
    np.testing.assert_array_equal(single.get_xdata(), radii)
    expected_single = [sum(math.comb(64, i) for i in range(r + 1)) for r in radii]
    expected_mih = [4 * sum(math.comb(16, j) for j in range(r // 4 + 1)) for r in radii]
    np.testing.assert_array_equal(single.get_ydata(), expected_single)
    np.testing.assert_array_equal(mih.get_ydata(), expected_mih)
    assert ax.get_xlabel() and ax.get_ylabel() and "bits" in ax.get_xlabel()
    # default: the paper's m for 64 bits and 10M items, unequal substrings 22 + 21 + 21
    default = plots.plot_mih_probes().axes[0].lines[1].get_ydata()
    assert list(default[:4]) == [3, 3, 3, 3 + 22 + 21 + 21]
    assert probe_counts(64, 3, 3) == (1 + 64 + 2016 + 41664, 67)


def test_plot_mih_probes_validates_and_draws_on_a_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plt.close(fig)
    assert plots.plot_mih_probes(bits=32, n=1000, radii=[0, 2, 4], ax=ax) is fig
    with pytest.raises(ValueError, match="radii is empty"):
        plots.plot_mih_probes(radii=[])
    with pytest.raises(ValueError, match=r"radii\[0\] must be >= 0"):
        plots.plot_mih_probes(radii=[-1, 2])
    with pytest.raises(ValueError, match="bits must be <= 64"):
        plots.plot_mih_probes(bits=65)
