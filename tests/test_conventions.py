"""map_conventions against literal per-query references, on short codes with many ties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hashlib_edu import conventions
from hashlib_edu._kernels import scan as scan_kernels  # noqa: E402
from hashlib_edu._ranking import RankingInputs
from hashlib_edu.conventions import MAP_CONVENTIONS, map_conventions
from hashlib_edu.metrics import mean_average_precision

BACKENDS = ["numba", "numpy"]
INDEX, EXPECTED, BEST, WORST, RANDOM = MAP_CONVENTIONS[:5]
SKIPPED, BY_R = MAP_CONVENTIONS[5:]


# ------------------------------------------------------------------------------ references
def ranking(q, db, ql, dl):
    """Per query: distances and relevance of every database item (plain integer algebra)."""
    bits = q.shape[1]
    for i in range(len(q)):
        dist = (bits - db.astype(int) @ q[i].astype(int)) // 2
        relevant = (dl.astype(int) @ ql[i].astype(int)) > 0
        yield dist, relevant


def precision_sum(seq):
    """(sum_k P@k rel_k, number of relevant) of a relevance sequence, summed in rank order."""
    hits, total = 0, 0.0
    for pos, rel in enumerate(seq):
        if rel:
            hits += 1
            total += hits / (pos + 1.0)
    return total, hits


def ap(seq):
    total, hits = precision_sum(seq)
    return total / hits if hits else 0.0


def groups_in_top(dist, relevant, topk):
    """[(n_d, r_d, positions of the group inside the top R)] for the tie groups reaching rank R."""
    out, start = [], 0
    for d in np.unique(dist):
        n, r = int((dist == d).sum()), int(relevant[dist == d].sum())
        out.append((n, r, min(n, topk - start)))
        start += n
        if start >= topk:
            return out
    return out


def ref_bounds(dist, relevant, topk):
    """Best / worst AP by construction: relevant first / last in every tie group, and every
    admissible number x of relevant items taken into the top R from the group cut by rank R."""
    *inner, (n, r, m) = groups_in_top(dist, relevant, topk)
    best_head = [rel for n_d, r_d, _ in inner for rel in [1] * r_d + [0] * (n_d - r_d)]
    worst_head = [rel for n_d, r_d, _ in inner for rel in [0] * (n_d - r_d) + [1] * r_d]
    xs = range(max(0, m - (n - r)), min(r, m) + 1)
    best = max(ap(best_head + [1] * x + [0] * (m - x)) for x in xs)
    worst = min(ap(worst_head + [0] * (m - x) + [1] * x) for x in xs)
    return best, worst


def brute_force_tie_orders(dist, relevant, topk):
    """(max, min, mean) of AP over every arrangement of relevant items inside each tie group
    (each arrangement equally likely under a uniformly random order of the tied items)."""
    groups = groups_in_top(dist, relevant, topk)
    patterns = []
    for n, r, m in groups:
        options = []
        for ones in itertools.combinations(range(n), r):
            full = [1 if i in ones else 0 for i in range(n)]
            options.append(full[:m])
        patterns.append(options)
    values = [ap([x for part in combo for x in part]) for combo in itertools.product(*patterns)]
    return max(values), min(values), float(np.mean(values))


M64 = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def ref_random_order(dist, relevant, topk, seed, query):
    """The documented random tie order, re-implemented with Python integers: SplitMix64 stream
    from mix64(mix64(seed) ^ query); inside a group with n' items and r' relevant ones left a
    position is relevant iff u < r'/n' (one draw per undecided position)."""
    state = mix64(mix64(seed) ^ query)
    seq = []
    for n, r, m in groups_in_top(dist, relevant, topk):
        for _ in range(m):
            if r == 0:
                rel = 0
            elif r == n:
                rel = 1
            else:
                state = (state + 0x9E3779B97F4A7C15) & M64
                u = (mix64(state) >> 11) / 2.0**53
                rel = int(u * n < r)
            seq.append(rel)
            n, r = n - 1, r - rel
    return seq


def ref_conventions(q, db, ql, dl, topk=None, seed=0):
    """Every convention, literally: per-query loops over a stable ranking and the tie groups."""
    topk = topk or len(db)
    per = {name: [] for name in MAP_CONVENTIONS}
    skipped = []
    for i, (dist, relevant) in enumerate(ranking(q, db, ql, dl)):
        top = relevant[np.argsort(dist, kind="stable")][:topk]
        total, hits = precision_sum(top)
        per[INDEX].append(total / hits if hits else 0.0)
        if hits:
            skipped.append(total / hits)
        per[BY_R].append(total / topk)
        best, worst = ref_bounds(dist, relevant, topk)
        per[BEST].append(best)
        per[WORST].append(worst)
        per[RANDOM].append(ap(ref_random_order(dist, relevant, topk, seed, i)))
    means = {name: float(np.mean(values)) for name, values in per.items() if values}
    means[SKIPPED] = float(np.mean(skipped)) if skipped else math.nan
    means[EXPECTED] = mean_average_precision(q, db, ql, dl, topk, ties="expected", backend="numpy")
    return means


def per_query(q, db, ql, dl, topk=None, seed=0, backend="numba"):
    """(nq, 7) per-query columns of the implementation (index, expected, best, worst, random,
    hits, sum / R)."""
    p = RankingInputs(q, db, ql, dl, backend)
    return conventions._per_query(p, topk or len(db), np.uint64(seed), None)


def make_data(seed, n_query=12, n_db=150, bits=6, classes=4, multi=False, absent=False):
    """Random codes with many ties; ``absent``: some queries have a class no item has."""
    rng = np.random.default_rng(seed)
    q = rng.choice([-1, 1], size=(n_query, bits))
    db = rng.choice([-1, 1], size=(n_db, bits))
    if multi:
        ql = (rng.random((n_query, classes)) < 0.35).astype(np.float32)
        dl = (rng.random((n_db, classes)) < 0.35).astype(np.float32)
    else:
        extra = 1 if absent else 0
        ql = np.eye(classes + extra, dtype=np.float32)[rng.integers(0, classes + extra, n_query)]
        dl = np.eye(classes + extra, dtype=np.float32)[rng.integers(0, classes, n_db)]
    return q, db, ql, dl


CASES = [
    dict(seed=0, bits=4),
    dict(seed=1, bits=6, multi=True),
    dict(seed=2, bits=8, classes=3),
    dict(seed=3, bits=5, classes=12, absent=True),  # rare classes, queries with no relevant item
    dict(seed=4, bits=4, classes=6, multi=True, n_db=90),
    dict(seed=5, bits=70, multi=True),  # two 64-bit words
]


# ------------------------------------------------------------------------------ vs references
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("topk", [1, 7, 40, None])
def test_every_convention_matches_literal_reference(case, backend, topk):
    q, db, ql, dl = make_data(**case)
    got = map_conventions(q, db, ql, dl, topk, seed=3, backend=backend)
    want = ref_conventions(q, db, ql, dl, topk, seed=3)
    assert tuple(got) == MAP_CONVENTIONS
    for name in MAP_CONVENTIONS:
        if math.isnan(want[name]):
            assert math.isnan(got[name]), name
        else:
            assert got[name] == pytest.approx(want[name], abs=1e-12), name


@pytest.mark.parametrize("case", CASES[:4])
def test_per_query_values_match_literal_reference(case):
    q, db, ql, dl = make_data(**case)
    for topk in (3, 25):
        per = per_query(q, db, ql, dl, topk, seed=11)
        for i, (dist, relevant) in enumerate(ranking(q, db, ql, dl)):
            best, worst = ref_bounds(dist, relevant, topk)
            assert per[i, 2] == pytest.approx(best, abs=1e-12)
            assert per[i, 3] == pytest.approx(worst, abs=1e-12)
            assert per[i, 4] == ap(ref_random_order(dist, relevant, topk, 11, i))


@pytest.mark.parametrize("seed", range(6))
def test_bounds_and_expectation_equal_brute_force_over_all_tie_orders(seed):
    q, db, ql, dl = make_data(seed, n_query=4, n_db=11, bits=3, classes=2, multi=seed % 2 == 1)
    for topk in range(1, len(db) + 1):
        per = per_query(q, db, ql, dl, topk)
        for i, (dist, relevant) in enumerate(ranking(q, db, ql, dl)):
            best, worst, mean = brute_force_tie_orders(dist, relevant, topk)
            np.testing.assert_allclose(per[i, [2, 3, 1]], [best, worst, mean], rtol=0, atol=1e-12)


def test_relevant_first_is_not_the_best_order_when_rank_r_cuts_a_tie_group():
    # ranks: 1 relevant (distance 0), 2..9 irrelevant (distance 1), then a tie at distance 2 of
    # one relevant and one irrelevant item, cut by R = 10: including the relevant one gives
    # (1 + 2/10)/2 = 0.6, leaving it out gives 1
    q = np.array([[1, 1, 1]])
    db = np.array([[1, 1, 1]] + [[-1, 1, 1]] * 8 + [[-1, -1, 1]] * 2)
    ql = np.array([[1, 0]])
    dl = np.array([[1, 0]] + [[0, 1]] * 8 + [[1, 0], [0, 1]])
    got = map_conventions(q, db, ql, dl, topk=10)
    assert got[BEST] == pytest.approx(1.0)
    assert got[WORST] == pytest.approx(0.6)
    assert got[INDEX] == pytest.approx(0.6)  # the relevant item has the smaller index
    assert got[EXPECTED] == pytest.approx(0.8)


# ------------------------------------------------------------------------------ properties
@pytest.mark.parametrize("seed", range(8))
def test_orderings_between_best_and_worst_on_random_cases(seed):
    rng = np.random.default_rng(100 + seed)
    bits = int(rng.integers(2, 9))
    case = dict(bits=bits, classes=int(rng.integers(2, 8)), multi=bool(seed % 2))
    q, db, ql, dl = make_data(seed, n_query=20, n_db=int(rng.integers(20, 200)), **case)
    for topk in (1, int(rng.integers(1, len(db) + 1)), None):
        per = per_query(q, db, ql, dl, topk, seed=seed)
        index, expected, best, worst, random_order = per[:, :5].T
        eps = 1e-12
        assert np.all(best >= expected - eps) and np.all(expected >= worst - eps)
        for value in (index, random_order):
            assert np.all((worst - eps <= value) & (value <= best + eps))
        assert np.all((worst >= 0) & (best <= 1 + eps))


def test_constant_code_skipping_empty_queries_inflates_map():
    rng = np.random.default_rng(0)
    classes, n_db = 50, 2000
    db = np.ones((n_db, 16), dtype=np.int8)  # a model that maps everything to one code
    dl = np.eye(classes)[rng.integers(0, classes, n_db)]
    ql = np.eye(classes)[rng.integers(0, classes, 300)]
    got = map_conventions(db[:300], db, ql, dl, topk=20)
    # about 0.22 against 0.08: only the queries that the index order happens to serve count
    assert got[SKIPPED] > 2 * got[INDEX] and got[SKIPPED] > got[INDEX] + 0.1
    assert got[INDEX] < 0.1 and got[WORST] == 0.0
    assert got[EXPECTED] == pytest.approx(
        mean_average_precision(db[:300], db, ql, dl, 20, "expected")
    )
    assert got[BEST] == pytest.approx(
        np.mean([float(dl[:, c].any()) for c in ql.argmax(1)])
    )  # every query with a relevant item puts it first
    assert got[WORST] < got[EXPECTED] < got[BEST]


def test_agrees_with_mean_average_precision_exactly():
    q, db, ql, dl = make_data(21, bits=5, multi=True)
    for backend in BACKENDS:
        got = map_conventions(q, db, ql, dl, 30, backend=backend)
        assert got[INDEX] == mean_average_precision(q, db, ql, dl, 30, backend=backend)
        assert got[EXPECTED] == mean_average_precision(
            q, db, ql, dl, 30, "expected", backend=backend
        )


def test_divide_by_r_equals_map_when_every_query_has_r_relevant_items_first():
    protos = np.array([[1, 1, 1, 1], [-1, -1, -1, -1], [1, -1, 1, -1]])
    y_db = np.repeat(np.arange(3), 5)
    got = map_conventions(protos, protos[y_db], np.eye(3), np.eye(3)[y_db], topk=5)
    assert got[BY_R] == got[INDEX] == got[BEST] == got[WORST] == 1.0
    got = map_conventions(protos, protos[y_db], np.eye(3), np.eye(3)[y_db], topk=10)
    assert got[BY_R] == pytest.approx(0.5) and got[INDEX] == 1.0


def test_random_order_is_seeded_and_averages_to_the_tie_aware_value():
    q, db, ql, dl = make_data(8, n_query=8, n_db=120, bits=4)
    topk = 25
    first = map_conventions(q, db, ql, dl, topk, seed=1)
    assert map_conventions(q, db, ql, dl, topk, seed=1) == first
    draws = np.array([per_query(q, db, ql, dl, topk, seed=s)[:, 4] for s in range(400)])
    assert len({float(d.mean()) for d in draws}) > 100  # the seed matters with ties
    expected = per_query(q, db, ql, dl, topk)[:, 1]
    sem = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - expected) <= 4.5 * sem + 1e-12)


def test_chunking_threads_and_backend_do_not_change_results(monkeypatch):
    q, db, ql, dl = make_data(9, n_query=40, bits=5)
    whole = map_conventions(q, db, ql, dl, 20, seed=5)
    assert map_conventions(q, db, ql, dl, 20, seed=5, chunk_size=3) == whole
    monkeypatch.setattr(scan_kernels, "PARALLEL_MIN_WORK", 0)  # the parallel kernel (prange)
    assert map_conventions(q, db, ql, dl, 20, seed=5) == whole
    numpy = map_conventions(q, db, ql, dl, 20, seed=5, backend="numpy")
    assert numpy == pytest.approx(whole, abs=1e-13)


def test_no_relevant_item_anywhere_gives_nan_only_for_skipped():
    q, db, ql, dl = make_data(10, bits=4)
    got = map_conventions(q, db, np.zeros_like(ql), dl, 10)
    assert math.isnan(got[SKIPPED])
    assert all(got[name] == 0.0 for name in MAP_CONVENTIONS if name != SKIPPED)


def test_bad_inputs_raise_clear_errors():
    q, db, ql, dl = make_data(0)
    with pytest.raises(TypeError, match="seed"):
        map_conventions(q, db, ql, dl, seed=1.5)
    with pytest.raises(ValueError, match="seed"):
        map_conventions(q, db, ql, dl, seed=-1)
    with pytest.raises(ValueError, match="topk"):
        map_conventions(q, db, ql, dl, topk=len(db) + 1)
    with pytest.raises(ValueError, match="backend"):
        map_conventions(q, db, ql, dl, backend="gpu")


def test_one_import_path_through_conventions():
    """map_conventions lives in conventions only: metrics no longer re-exports it."""
    from hashlib_edu import metrics

    assert map_conventions.__module__ == "hashlib_edu.conventions"
    assert not hasattr(metrics, "map_conventions") and not hasattr(metrics, "MAP_CONVENTIONS")
