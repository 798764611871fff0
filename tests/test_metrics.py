"""Metrics against plain per-query references (stable argsort), on short codes with many ties."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import torch

from hashlib_edu import metrics
from hashlib_edu.codes import hamming_distances, quantization_error
from hashlib_edu.metrics import (
    average_precisions,
    mean_average_precision,
    pr_curve_by_radius,
    precision_at_k,
    precision_at_radius,
)

BACKENDS = ["numba", "numpy"]


# ------------------------------------------------------------------------------ references
def ref_ranking(q, db, ql, dl):
    """Per query: relevance of the database in stable Hamming order (plain loops)."""
    bits = q.shape[1]
    for i in range(len(q)):
        dist = (bits - db.astype(int) @ q[i].astype(int)) // 2
        relevant = (dl.astype(int) @ ql[i].astype(int)) > 0
        order = np.argsort(dist, kind="stable")
        yield dist, relevant, order


def ref_ap(q, db, ql, dl, topk=None):
    """AP@R per query with a sequential sum, exactly as the definition reads."""
    topk = topk or len(db)
    aps = []
    for _, relevant, order in ref_ranking(q, db, ql, dl):
        hits, total = 0, 0.0
        for pos in range(topk):
            if relevant[order[pos]]:
                hits += 1
                total += hits / (pos + 1.0)
        aps.append(total / hits if hits else 0.0)
    return np.array(aps)


def ref_radius_curves(q, db, ql, dl):
    bits = q.shape[1]
    prec = np.zeros((len(q), bits + 1))
    rec = np.zeros((len(q), bits + 1))
    for i, (dist, relevant, _) in enumerate(ref_ranking(q, db, ql, dl)):
        for r in range(bits + 1):
            ball = dist <= r
            if ball.sum():
                prec[i, r] = (ball & relevant).sum() / ball.sum()
            if relevant.sum():
                rec[i, r] = (ball & relevant).sum() / relevant.sum()
    return prec, rec


def make_data(seed, n_query=12, n_db=150, bits=6, classes=4, multi=False):
    rng = np.random.default_rng(seed)
    q = rng.choice([-1, 1], size=(n_query, bits))
    db = rng.choice([-1, 1], size=(n_db, bits))
    if multi:
        ql = (rng.random((n_query, classes)) < 0.35).astype(np.float32)
        dl = (rng.random((n_db, classes)) < 0.35).astype(np.float32)
    else:
        ql = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n_query)]
        dl = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n_db)]
    return q, db, ql, dl


CASES = [
    dict(seed=0, bits=4),
    dict(seed=1, bits=6, multi=True),
    dict(seed=2, bits=8, classes=3),
    dict(seed=3, bits=70, multi=True),  # two 64-bit words
]


# ------------------------------------------------------------------------------ mAP, index ties
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("topk", [1, 10, 57, None])
def test_ap_index_ties_identical_to_stable_reference(case, backend, topk):
    q, db, ql, dl = make_data(**case)
    expected = ref_ap(q, db, ql, dl, topk)
    got = average_precisions(q, db, ql, dl, topk, backend=backend)
    np.testing.assert_array_equal(got, expected)  # same ranking, same summation order
    assert mean_average_precision(q, db, ql, dl, topk, backend=backend) == pytest.approx(
        expected.mean(), abs=1e-15
    )


def test_hand_checkable_example():
    q = np.array([[1, 1]])
    db = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]])  # distances 0, 1, 2, 1
    ql = np.array([[1, 0]])
    dl = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])  # relevant: items 0 and 2
    # ranking (ties by index): 0 (rel), 1, 3, 2 (rel): AP = (1/1 + 2/4) / 2 = 0.75
    assert mean_average_precision(q, db, ql, dl) == pytest.approx(0.75)
    # top 2: only item 0 is relevant in the top 2: AP = 1
    assert mean_average_precision(q, db, ql, dl, topk=2) == pytest.approx(1.0)
    # tie-aware: item 2 is alone at distance 2 and items 1, 3 are irrelevant: no change
    assert mean_average_precision(q, db, ql, dl, ties="expected") == pytest.approx(0.75)


def test_hand_checkable_tie_example():
    q = np.array([[1, 1]])
    db = np.array([[1, 1], [1, 1]])  # both at distance 0, only the second is relevant
    ql, dl = np.array([[1, 0]]), np.array([[0, 1], [1, 0]])
    assert mean_average_precision(q, db, ql, dl) == pytest.approx(0.5)  # index order: 1/2
    assert mean_average_precision(q, db, ql, dl, ties="expected") == pytest.approx(0.75)
    assert mean_average_precision(q, db, ql, dl, topk=1) == 0.0  # no relevant item in top 1
    assert mean_average_precision(q, db, ql, dl, topk=1, ties="expected") == pytest.approx(0.5)


def test_perfect_codes_give_ap_one_and_query_without_relevant_gives_zero():
    protos = np.array([[1, 1, 1, 1], [-1, -1, -1, -1], [1, -1, 1, -1]])
    y_db = np.repeat(np.arange(3), 5)
    db, dl = protos[y_db], np.eye(3)[y_db]
    assert mean_average_precision(protos, db, np.eye(3), dl) == 1.0
    assert mean_average_precision(protos, db, np.eye(3), dl, topk=5, ties="expected") == 1.0
    ql = np.array([[0, 0, 0]])  # a query with no label: nothing relevant, AP 0 and it counts
    assert mean_average_precision(protos[:1], db, ql, dl) == 0.0


# ------------------------------------------------------------------------------ tie-aware AP
def exact_expected_ap_by_enumeration(q, db, ql, dl, topks):
    """Mean of index-order AP over every permutation of the database (uniform tie orders)."""
    ranked = list(ref_ranking(q, db, ql, dl))
    total = np.zeros((len(topks), len(q)))
    perms = list(itertools.permutations(range(len(db))))
    for perm in perms:
        perm = np.array(perm)
        for i, (dist, relevant, _) in enumerate(ranked):
            rel = relevant[perm][np.argsort(dist[perm], kind="stable")].astype(float)
            for t, topk in enumerate(topks):
                hits = np.cumsum(rel[:topk])
                total[t, i] += (hits / np.arange(1, topk + 1) * rel[:topk]).sum() / max(hits[-1], 1)
    return total / len(perms)


def test_expected_ap_equals_exact_enumeration_over_all_orders():
    rng = np.random.default_rng(7)
    q = rng.choice([-1, 1], size=(3, 2))
    db = rng.choice([-1, 1], size=(6, 2))
    ql = np.eye(2)[[0, 1, 0]]
    dl = np.eye(2)[rng.integers(0, 2, 6)]
    topks = [1, 2, 3, 4, 5, 6]
    exact = exact_expected_ap_by_enumeration(q, db, ql, dl, topks)
    for t, topk in enumerate(topks):
        for backend in BACKENDS:
            got = average_precisions(q, db, ql, dl, topk, ties="expected", backend=backend)
            np.testing.assert_allclose(got, exact[t], rtol=0, atol=1e-12)


@pytest.mark.parametrize("multi", [False, True])
def test_expected_ap_matches_mean_over_random_tie_orders(multi):
    q, db, ql, dl = make_data(11, n_query=6, n_db=120, bits=4, multi=multi)
    topk = 25
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(600):
        perm = rng.permutation(len(db))
        samples.append(average_precisions(q, db[perm], ql, dl[perm], topk))
    samples = np.array(samples)
    sem = samples.std(axis=0) / np.sqrt(len(samples))
    got = average_precisions(q, db, ql, dl, topk, ties="expected")
    assert np.all(np.abs(got - samples.mean(axis=0)) <= 4 * sem + 1e-9)


@pytest.mark.parametrize("case", CASES)
def test_expected_ap_invariant_to_database_order_and_in_unit_interval(case):
    q, db, ql, dl = make_data(**case)
    perm = np.random.default_rng(5).permutation(len(db))
    for topk in (1, 13, None):
        a = average_precisions(q, db, ql, dl, topk, ties="expected")
        b = average_precisions(q, db[perm], ql, dl[perm], topk, ties="expected")
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        assert np.all((a >= 0) & (a <= 1))
        np.testing.assert_allclose(
            a, average_precisions(q, db, ql, dl, topk, "expected", backend="numpy"), atol=1e-13
        )


def test_index_ap_depends_on_database_order_with_ties():
    # the reason for ties="expected": with 4-bit codes, reordering the database changes AP
    q, db, ql, dl = make_data(3, bits=4)
    perm = np.random.default_rng(1).permutation(len(db))
    a = mean_average_precision(q, db, ql, dl, 10)
    b = mean_average_precision(q, db[perm], ql, dl[perm], 10)
    assert a != b


# ------------------------------------------------------------------------------ other metrics
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_radius_metrics_match_reference(case, backend):
    q, db, ql, dl = make_data(**case)
    prec, rec = ref_radius_curves(q, db, ql, dl)
    got_p, got_r = pr_curve_by_radius(q, db, ql, dl, backend=backend)
    assert got_p.shape == got_r.shape == (q.shape[1] + 1,)
    np.testing.assert_allclose(got_p, prec.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(got_r, rec.mean(axis=0), atol=1e-14)
    assert got_r[-1] == pytest.approx(np.mean([dl @ x > 0 for x in ql], axis=1).astype(bool).mean())
    for radius in (0, 2, q.shape[1] + 3):
        expected = prec[:, min(radius, q.shape[1])].mean()
        got = precision_at_radius(q, db, ql, dl, radius, backend=backend)
        assert got == pytest.approx(expected, abs=1e-14)


def test_empty_ball_counts_as_precision_zero():
    q = np.array([[1, 1, 1, 1], [-1, -1, -1, -1]])
    db = np.array([[1, 1, 1, 1]] * 3)
    ql = np.array([[1, 0], [1, 0]])
    dl = np.array([[1, 0]] * 3)
    # query 0: ball of radius 2 holds all 3 (all relevant) -> 1; query 1: empty ball -> 0, so the
    # mean is 0.5 (1.0 if empty balls were skipped, NaN if they were 0/0)
    assert precision_at_radius(q, db, ql, dl, radius=2) == pytest.approx(0.5)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_precision_at_k_matches_reference(case, backend):
    q, db, ql, dl = make_data(**case)
    ks = [1, 5, 17, len(db)]
    expected = np.zeros(len(ks))
    for _, relevant, order in ref_ranking(q, db, ql, dl):
        expected += [relevant[order[:k]].mean() for k in ks]
    got = precision_at_k(q, db, ql, dl, ks, backend=backend)
    np.testing.assert_allclose(got, expected / len(q), atol=1e-14)


def test_hamming_distances_and_quantization_error():
    rng = np.random.default_rng(0)
    q, db = rng.choice([-1, 1], size=(5, 9)), rng.choice([-1, 1], size=(7, 9))
    np.testing.assert_array_equal(hamming_distances(q, db), (q[:, None] != db[None]).sum(-1))
    assert quantization_error(np.array([[0.5, -0.5], [1.0, -1.0]])) == pytest.approx(0.125)
    assert quantization_error(np.array([[0.0, 0.0]])) == pytest.approx(1.0)  # sign(0) = +1
    assert quantization_error(torch.tensor([[0.9, -0.8]])) == pytest.approx((0.01 + 0.04) / 2)
    with pytest.raises(ValueError, match="NaN"):
        quantization_error(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        quantization_error(np.ones(3))


def test_torch_inputs_and_single_vs_multilabel_paths_agree():
    q, db, ql, dl = make_data(4, bits=5)
    as_multi = np.concatenate([dl, np.zeros((len(dl), 1))], axis=1)  # forces the packed path
    as_multi[0, -1] = 1
    ql_multi = np.concatenate([ql, np.zeros((len(ql), 1))], axis=1)
    a = average_precisions(torch.tensor(q), torch.tensor(db), torch.tensor(ql), torch.tensor(dl))
    b = average_precisions(q, db, ql_multi, as_multi)
    np.testing.assert_array_equal(a, b)


def test_chunking_does_not_change_results(monkeypatch):
    q, db, ql, dl = make_data(6, n_query=30, bits=6, multi=True)
    chunks = []
    real = metrics.query_chunks

    def spy(nq, per_query, chunk_size):
        chunks.extend(real(nq, per_query, chunk_size))
        return iter(list(real(nq, per_query, chunk_size)))

    monkeypatch.setattr(metrics, "query_chunks", spy)
    for ties in ("index", "expected"):
        chunks.clear()
        a = average_precisions(q, db, ql, dl, 20, ties, backend="numba")
        b = average_precisions(q, db, ql, dl, 20, ties, backend="numba", chunk_size=7)
        assert len(chunks) == 1 + 5  # the compiled path honours chunk_size: 30 = 7+7+7+7+2
        np.testing.assert_array_equal(a, b)
    for backend in BACKENDS:
        a = average_precisions(q, db, ql, dl, 20, backend=backend)
        b = average_precisions(q, db, ql, dl, 20, backend=backend, chunk_size=7)
        np.testing.assert_array_equal(a, b)
        pa = precision_at_k(q, db, ql, dl, [3, 9], backend=backend, chunk_size=4)
        np.testing.assert_allclose(pa, precision_at_k(q, db, ql, dl, [3, 9]), atol=1e-15)


# ------------------------------------------------------------------------------ errors
def test_bad_inputs_raise_clear_errors():
    q, db, ql, dl = make_data(0)
    with pytest.raises(ValueError, match="topk must be <= database size"):
        mean_average_precision(q, db, ql, dl, topk=len(db) + 1)
    with pytest.raises(ValueError, match="topk must be >= 1"):
        mean_average_precision(q, db, ql, dl, topk=0)
    with pytest.raises(ValueError, match="unknown ties"):
        mean_average_precision(q, db, ql, dl, ties="random")
    with pytest.raises(ValueError, match="unknown backend"):
        mean_average_precision(q, db, ql, dl, backend="cuda")
    with pytest.raises(ValueError, match="query_codes has 4 bits but db_codes has 5"):
        mean_average_precision(q[:, :4], db[:, :5], ql, dl)
    with pytest.raises(ValueError, match="query_labels has 11 rows but query_codes has 12"):
        mean_average_precision(q, db, ql[:11], dl)
    with pytest.raises(ValueError, match="classes"):
        mean_average_precision(q, db, ql[:, :3], dl)
    with pytest.raises(ValueError, match="db_codes must contain only -1 and"):
        mean_average_precision(q, np.sign(db * 0.0), ql, dl)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        precision_at_radius(q, db, ql, dl, radius=-1)
    with pytest.raises(ValueError, match="must be <= database size"):
        precision_at_k(q, db, ql, dl, [1, len(db) + 1])
    with pytest.raises(ValueError, match="non-empty sequence of integers"):
        precision_at_k(q, db, ql, dl, [])


PEAK_MEMORY_SCRIPT = """
import resource, sys
import numpy as np
from hashlib_edu.metrics import mean_average_precision, precision_at_radius

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

rng = np.random.default_rng(0)
nq, n, bits = 2000, 300_000, 64
q = rng.choice(np.array([-1, 1], np.int8), size=(nq, bits))
db = rng.choice(np.array([-1, 1], np.int8), size=(n, bits))
ql = np.eye(10, dtype=np.uint8)[rng.integers(0, 10, nq)]
dl = np.eye(10, dtype=np.uint8)[rng.integers(0, 10, n)]
for ties in ("index", "expected"):  # compile every kernel on a small input first
    mean_average_precision(q[:4], db[:5000], ql[:4], dl[:5000], 100, ties)
precision_at_radius(q[:4], db[:5000], ql[:4], dl[:5000])
before = peak_mib()
mean_average_precision(q, db, ql, dl, 1000)
mean_average_precision(q, db, ql, dl, 1000, ties="expected")
precision_at_radius(q, db, ql, dl)
print(before, peak_mib())
"""


@pytest.mark.slow
def test_kernels_never_build_a_dense_query_by_database_matrix():
    """Peak memory of the metrics on 2,000 x 300,000 codes: a dense distance matrix would take
    2.4 GB (int32); the counting kernels need O(N) bytes per thread."""
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    ).stdout.split()
    before, after = float(out[-2]), float(out[-1])
    dense_mib = 2000 * 300_000 * 4 / 2**20
    assert after - before < 200, (before, after)  # far below one dense matrix
    assert dense_mib > 2000
