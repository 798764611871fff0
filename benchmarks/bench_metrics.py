"""mAP@1000 at the ImageNet-100 protocol size: the standard evaluation loop vs hashlib_edu.

Data: 5,000 queries x 128,503 database items, 64 bits, 100 single-label classes; codes are
correlated with the labels (each item is its class prototype with 20% of the bits flipped).

* standard loop: the per-query loop of the popular reimplementations (DeepHash-pytorch
  ``CalcTopMap``): relevance of the whole database by a label inner product, Hamming distances as
  0.5 * (K - <q, b>) on float32 codes, a full ``np.argsort`` (quicksort), AP over the top R. It is
  timed on the first ``--standard-queries`` queries and extrapolated per query.
* stable reference: the same loop with ``np.argsort(kind="stable")``; hashlib_edu's per-query AP
  (ties by index) must be identical to it, value for value.
* hashlib_edu: ``mean_average_precision`` on all queries, ties="index" and ties="expected".
* all conventions: ``map_conventions`` (index, tie-aware, best and worst tie order, seeded random
  tie order, empty queries skipped, divide by R) in one call, timed against one
  ``mean_average_precision`` call (the target is under 3x).

Run ``python benchmarks/bench_metrics.py`` (or ``benchmarks/run_all.py`` for the full table).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N_QUERY, N_DB, BITS, CLASSES, TOPK = 5000, 128_503, 64, 100, 1000


def imagenet_like(seed: int = 0, flip: float = 0.2):
    """Codes correlated with single labels: class prototype with a fraction of bits flipped."""
    rng = np.random.default_rng(seed)
    protos = rng.choice(np.array([-1, 1], dtype=np.int8), size=(CLASSES, BITS))

    def make(n):
        y = rng.integers(0, CLASSES, n)
        flips = rng.random((n, BITS)) < flip
        codes = np.where(flips, -protos[y], protos[y]).astype(np.int8)
        return codes, np.eye(CLASSES, dtype=np.float32)[y]

    db, db_labels = make(N_DB)
    q, q_labels = make(N_QUERY)
    return q, db, q_labels, db_labels


def standard_loop(q, db, ql, dl, topk, kind="quicksort"):
    """Per-query AP as in the common reimplementations (float codes, full argsort)."""
    qf, dbf = q.astype(np.float32), db.astype(np.float32)
    aps = np.zeros(len(q))
    for i in range(len(q)):
        relevant = (ql[i] @ dl.T > 0).astype(np.float32)
        hamming = 0.5 * (BITS - qf[i] @ dbf.T)
        order = np.argsort(hamming, kind=kind)
        rel = relevant[order][:topk].astype(np.float64)
        # AP = sum_k P@k rel_k / #rel, summed in rank order (np.cumsum adds left to right)
        hits = np.cumsum(rel)
        if hits[-1] > 0:
            aps[i] = np.cumsum(hits / np.arange(1, topk + 1) * rel)[-1] / hits[-1]
    return aps


def _median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def ours_only(repeats: int = 3) -> dict:
    """hashlib_edu timings on all queries (run in a fresh process to measure its peak memory)."""
    from hashlib_edu.metrics import average_precisions, map_conventions

    q, db, ql, dl = imagenet_like()
    average_precisions(q[:16], db, ql[:16], dl, TOPK)  # load / compile kernels
    average_precisions(q[:16], db, ql[:16], dl, TOPK, ties="expected")
    map_conventions(q[:16], db, ql[:16], dl, TOPK)
    t_index, ap_index = _median_time(lambda: average_precisions(q, db, ql, dl, TOPK), repeats)
    t_exp, ap_exp = _median_time(
        lambda: average_precisions(q, db, ql, dl, TOPK, ties="expected"), repeats
    )
    t_conv, conv = _median_time(lambda: map_conventions(q, db, ql, dl, TOPK), repeats)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "t_index": t_index,
        "t_expected": t_exp,
        "t_conventions": t_conv,
        "conventions": conv,
        "map_index": float(ap_index.mean()),
        "map_expected": float(ap_exp.mean()),
        "ap_index_head": ap_index[:500].tolist(),
        "peak_mib": peak_mib,
    }


def run(standard_queries: int = 200, repeats: int = 3) -> list[dict]:
    """Measure, check identity with the stable reference, return table rows."""
    child = subprocess.run(
        [sys.executable, __file__, "--ours-only", "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    ours = json.loads(child.stdout.strip().splitlines()[-1])

    q, db, ql, dl = imagenet_like()
    sub = slice(0, standard_queries)
    t_std, ap_std = _median_time(lambda: standard_loop(q[sub], db, ql[sub], dl, TOPK), repeats)
    ap_stable = standard_loop(q[sub], db, ql[sub], dl, TOPK, kind="stable")
    ours_head = np.array(ours["ap_index_head"])[:standard_queries]
    n_equal = int((ours_head == ap_stable).sum())
    assert n_equal == standard_queries, (
        f"hashlib_edu AP differs from the stable reference on {standard_queries - n_equal} "
        f"queries (max |diff| {np.abs(ours_head - ap_stable).max():.3g})"
    )
    quick_diff = float(np.abs(ap_std - ap_stable).max())
    std_per_query = t_std / standard_queries
    std_total = std_per_query * N_QUERY
    label = f"mAP@{TOPK}, {N_QUERY:,} q x {N_DB:,} db, {BITS} bits"
    return [
        {
            "benchmark": label,
            "method": f"standard loop (quicksort; {standard_queries} q timed, extrapolated)",
            "time_s": std_total,
            "per_query_ms": std_per_query * 1e3,
            "speedup": 1.0,
            "check": f"max |AP - stable ref| = {quick_diff:.3g} (quicksort tie order)",
        },
        {
            "benchmark": label,
            "method": "hashlib_edu ties='index'",
            "time_s": ours["t_index"],
            "per_query_ms": ours["t_index"] / N_QUERY * 1e3,
            "speedup": std_total / ours["t_index"],
            "check": f"AP identical to stable ref on {n_equal}/{standard_queries} q; "
            f"mAP {ours['map_index']:.4f}; peak RSS {ours['peak_mib']:.0f} MiB",
        },
        {
            "benchmark": label,
            "method": "hashlib_edu ties='expected'",
            "time_s": ours["t_expected"],
            "per_query_ms": ours["t_expected"] / N_QUERY * 1e3,
            "speedup": std_total / ours["t_expected"],
            "check": f"{ours['t_expected'] / ours['t_index']:.2f}x the index-order cost; "
            f"mAP {ours['map_expected']:.4f}",
        },
        _conventions_row(label, ours, std_total),
    ]


def _conventions_row(label: str, ours: dict, std_total: float) -> dict:
    """The "all conventions" row; checks that its index / tie-aware values equal the metric's."""
    conv = ours["conventions"]
    assert conv["ties by index"] == ours["map_index"], "map_conventions: index order differs"
    assert abs(conv["ties averaged (tie-aware)"] - ours["map_expected"]) < 1e-12
    assert conv["best tie order"] >= conv["ties averaged (tie-aware)"] >= conv["worst tie order"]
    spread = ", ".join(
        f"{name} {conv[name]:.4f}"
        for name in ("best tie order", "worst tie order", "empty queries skipped")
    )
    return {
        "benchmark": label,
        "method": "hashlib_edu map_conventions (all 7 conventions)",
        "time_s": ours["t_conventions"],
        "per_query_ms": ours["t_conventions"] / N_QUERY * 1e3,
        "speedup": std_total / ours["t_conventions"],
        "check": f"{ours['t_conventions'] / ours['t_index']:.2f}x one mean_average_precision "
        f"call; {spread}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours-only", action="store_true", help="internal: child process")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--standard-queries", type=int, default=200)
    args = parser.parse_args()
    if args.ours_only:
        print(json.dumps(ours_only(args.repeats)))
        return
    for row in run(args.standard_queries, args.repeats):
        print(row)


if __name__ == "__main__":
    main()
