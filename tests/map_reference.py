"""Brute-force references for the retrieval metrics, written in the tests from the definitions
alone (no code of hashlib_edu is used): the ground truth that mAP values of the package are checked
against.

Ranking: every database item of a query is ranked by a score, largest first; equal scores are
ordered by ascending database index (the suite's tie rule, "ties by index"). The score is
-d(q, b), the Hamming distance counted bit by bit, for codes, and the inner product <h_q, h_b>
for continuous codes. A database item is relevant iff it shares a label with the query.

AP over the top R (HashNet's mAP@R, Cao et al., ICCV 2017):

    AP@R = (1 / #relevant in the top R) * sum_{k <= R} P@k * rel_k,   P@k = (1/k) sum_{j<=k} rel_j,

and AP@R = 0 for a query with no relevant item in its top R; mAP@R is the mean over all queries.
Imported by the test modules as ``from map_reference import ...`` (pytest puts tests/ on the path).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def shares_a_label(query_labels: np.ndarray, db_labels: np.ndarray) -> np.ndarray:
    """(nq, N) booleans: does query i share at least one label with database item j?"""
    q, db = np.asarray(query_labels) > 0, np.asarray(db_labels) > 0
    return (q[:, None, :] & db[None, :, :]).any(axis=2)


def ap_at(relevant_in_rank_order: Sequence[bool], topk: int) -> float:
    """AP@topk of one ranked list of relevance flags, by the formula above, term by term."""
    hits, total = 0, 0.0
    for k, relevant in enumerate(relevant_in_rank_order[:topk], start=1):
        if relevant:
            hits += 1
            total += hits / k
    return total / hits if hits else 0.0


def rank(scores: Sequence[float]) -> list[int]:
    """Database indices by score, largest first; equal scores by ascending index."""
    return sorted(range(len(scores)), key=lambda j: (-scores[j], j))


def map_by_scores(scores: np.ndarray, relevant: np.ndarray, topk: int) -> float:
    """mAP@topk of the (nq, N) `scores` with (nq, N) relevance flags."""
    aps = []
    for row, flags in zip(scores.tolist(), relevant, strict=True):
        order = rank(row)
        aps.append(ap_at([bool(flags[j]) for j in order], topk))
    return float(np.mean(aps))


def hamming_distances(query_codes: np.ndarray, db_codes: np.ndarray) -> np.ndarray:
    """(nq, N) Hamming distances of ±1 codes: the number of bits in which they differ."""
    q, db = np.asarray(query_codes), np.asarray(db_codes)
    return (q[:, None, :] != db[None, :, :]).sum(axis=2)


def hamming_map(query_codes, db_codes, query_labels, db_labels, topk: int) -> float:
    """mAP@topk of Hamming ranking, ties by ascending database index."""
    scores = -hamming_distances(query_codes, db_codes).astype(np.float64)
    return map_by_scores(scores, shares_a_label(query_labels, db_labels), topk)


def inner_product_map(query_outputs, db_outputs, query_labels, db_labels, topk: int) -> float:
    """mAP@topk of ranking by <h_q, h_b> (float64), ties by ascending database index."""
    q = np.asarray(query_outputs, dtype=np.float64)
    db = np.asarray(db_outputs, dtype=np.float64)
    scores = (q[:, None, :] * db[None, :, :]).sum(axis=2)
    return map_by_scores(scores, shares_a_label(query_labels, db_labels), topk)
