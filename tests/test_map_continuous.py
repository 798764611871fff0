"""mean_average_precision_continuous (HashNet ranked by h) against the brute-force reference of
tests/map_reference.py: inner products, largest first, equal scores by ascending database index,
AP@R term by term; random data, several R, single- and multi-label, exact ties."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from map_reference import inner_product_map

from hashlib_edu.metrics import mean_average_precision_continuous

NQ, N, K = 15, 40, 6


def labels(rng: np.random.Generator, n: int, multi: bool) -> np.ndarray:
    """0/1 labels over 4 classes: one-hot, or 1-3 labels per item."""
    if not multi:
        return np.eye(4, dtype=np.int64)[rng.integers(0, 4, n)]
    rows = rng.random((n, 4)) < 0.3
    rows[np.arange(n), rng.integers(0, 4, n)] = True  # at least one label each
    return rows.astype(np.int64)


def case(seed: int, multi: bool, grid: bool):
    """Query and database outputs in (-1, 1) (float32) with their labels. On the grid (multiples
    of 1/4) every inner product is exact in float32 and float64, and many scores tie."""
    rng = np.random.default_rng(seed)
    if grid:
        q = rng.integers(-4, 5, (NQ, K)) / 4
        db = rng.integers(-4, 5, (N, K)) / 4
    else:
        q, db = np.tanh(rng.normal(size=(NQ, K))), np.tanh(rng.normal(size=(N, K)))
    return (
        q.astype(np.float32),
        db.astype(np.float32),
        labels(rng, NQ, multi),
        labels(rng, N, multi),
    )


@pytest.mark.parametrize("grid", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("multi", [False, True], ids=["single-label", "multi-label"])
@pytest.mark.parametrize("topk", [1, 3, 10, N - 1, N])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_the_brute_force_reference(seed, topk, multi, grid):
    q, db, ql, dl = case(seed, multi, grid)
    expected = inner_product_map(q, db, ql, dl, topk)
    got = mean_average_precision_continuous(q, db, ql, dl, topk)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_the_grid_case_has_ties_that_the_rule_decides():
    q, db, ql, dl = case(0, False, True)
    scores = q.astype(np.float64) @ db.T.astype(np.float64)
    tied = sum(len(row) - len(np.unique(row)) for row in scores)
    assert tied > NQ * 5  # many equal scores: the tie rule matters in these cases
    # the same items in the opposite index order score differently: a wrong tie order is seen
    flipped = inner_product_map(q, db[::-1], ql, dl[::-1], 10)
    assert flipped != pytest.approx(inner_product_map(q, db, ql, dl, 10))


def test_none_is_the_whole_database_and_chunks_and_tensors_change_nothing():
    q, db, ql, dl = case(3, True, True)
    expected = inner_product_map(q, db, ql, dl, N)
    assert mean_average_precision_continuous(q, db, ql, dl) == pytest.approx(expected, rel=1e-12)
    for chunk_size in (1, 4, 256):
        got = mean_average_precision_continuous(q, db, ql, dl, 10, chunk_size=chunk_size)
        assert got == pytest.approx(inner_product_map(q, db, ql, dl, 10), rel=1e-12)
    tensors = [torch.from_numpy(a) for a in (q, db, ql, dl)]
    assert mean_average_precision_continuous(*tensors, 10) == pytest.approx(
        inner_product_map(q, db, ql, dl, 10), rel=1e-12
    )


def test_a_hand_worked_example():
    # one query h = (1, 0); database scores <h_q, h_b> = 0.5, 0.5, 1.0, -1.0 -> ranking 2, 0, 1, 3
    # (0 before 1: equal scores by index); relevant: items 1 and 3 (label B), rel = 0, 0, 1, 1:
    # AP@4 = (1/3 + 2/4) / 2 = 5/12; AP@3 = (1/3) / 1; AP@2 = 0 (nothing relevant in the top 2)
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    db = np.array([[0.5, 0.9], [0.5, -0.9], [1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    ql, dl = np.array([[0, 1]]), np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    for topk, value in ((4, 5 / 12), (3, 1 / 3), (2, 0.0)):
        assert mean_average_precision_continuous(q, db, ql, dl, topk) == pytest.approx(value)
        assert inner_product_map(q, db, ql, dl, topk) == pytest.approx(value)
