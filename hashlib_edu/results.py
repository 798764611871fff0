"""Results of a reproduction run: the metrics of codes, summaries over seeds, claims, tables.

:func:`evaluate_codes` gives the metrics every run records (R is capped at the database size, so
a small test database can be evaluated with the protocol's R); :func:`chance_level` is the score
of a constant code. :func:`summarize` turns per-seed runs into mean ± sd rows; :func:`claim_holds` is the suite's one
criterion for stating that a method beats another (gap of the means > sum of the sds);
:func:`claims_table` and :func:`format_table` print what ``python -m hashlib_edu.reproduce --show``
shows and the README quotes.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence

import numpy as np
import torch

from .metrics import (
    map_conventions,
    mean_average_precision,
    mean_average_precision_continuous,
    precision_at_radius,
)
from .training import Encoded

__all__ = [
    "METRICS",
    "PAPER_CLAIMS",
    "claim_holds",
    "chance_level",
    "claims_table",
    "convention_values",
    "environment",
    "evaluate_codes",
    "format_table",
    "summarize",
]

METRICS = ("map", "map_expected", "precision_radius2", "quantization_error", "train_seconds")


def evaluate_codes(query, database, topk: int | None, continuous: bool = False) -> dict:
    """mAP@R (ties by index and tie-aware) and precision within Hamming radius 2 of `Encoded`
    query and database codes; with `continuous`, mAP@R of ranking by <h_q, h_b> (HashNet+C)."""
    topk = len(database.codes) if topk is None else min(topk, len(database.codes))
    if continuous:
        score = mean_average_precision_continuous(
            query.outputs, database.outputs, query.labels, database.labels, topk
        )
        return {"map": score, "map_expected": score, "topk": int(topk), "precision_radius2": None}
    args = (query.codes, database.codes, query.labels, database.labels)
    return {
        "map": float(mean_average_precision(*args, topk=topk)),
        "map_expected": float(mean_average_precision(*args, topk=topk, ties="expected")),
        "topk": int(topk),
        "precision_radius2": float(precision_at_radius(*args, radius=2)),
    }


def chance_level(data) -> dict:
    """mAP@R of a constant code (every database item tied): what a collapsed model scores."""
    q = np.ones((len(data.query), 8), dtype=np.int8)
    db = np.ones((len(data.database), 8), dtype=np.int8)
    record = evaluate_codes(
        Encoded(q, q.astype(np.float32), data.query.labels.numpy()),
        Encoded(db, db.astype(np.float32), data.database.labels.numpy()),
        data.topk,
    )
    return {"seed": int(data.seed), "map": record["map"], "map_expected": record["map_expected"]}


def convention_values(query, database, topk: int | None) -> dict:
    """`metrics.map_conventions` of `Encoded` codes, NaN (no query with a hit) as None."""
    topk = None if topk is None else min(topk, len(database.codes))
    values = map_conventions(query.codes, database.codes, query.labels, database.labels, topk)
    return {name: (None if np.isnan(v) else float(v)) for name, v in values.items()}


def environment() -> dict:
    """Versions and machine facts recorded beside every result (numbers differ between them)."""
    import numba

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }


def summarize(runs: Sequence[dict]) -> list[dict]:
    """Mean and sample standard deviation (ddof = 1; 0 for one seed) of every metric per
    (method, bits), over the seeds, in the order the runs first appear."""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        groups.setdefault((run["method"], run["bits"]), []).append(run)
    summary = []
    for (method, bits), group in groups.items():
        row = {"method": method, "bits": bits, "n_seeds": len(group)}
        for metric in METRICS:
            values = [r[metric] for r in group if r.get(metric) is not None]
            if not values:
                row[f"{metric}_mean"] = row[f"{metric}_sd"] = None
                continue
            row[f"{metric}_mean"] = float(np.mean(values))
            row[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        summary.append(row)
    return summary


def claim_holds(
    summary: Sequence[dict], better: str, worse: str, bits: int, metric: str = "map_expected"
) -> bool:
    """The suite's criterion for stating "`better` beats `worse`": the mean over seeds is higher
    by more than the sum of the two standard deviations (gap > sd_better + sd_worse)."""
    rows = {(r["method"], r["bits"]): r for r in summary}
    missing = [m for m in (better, worse) if (m, bits) not in rows]
    if missing:
        raise KeyError(f"no summary row for {missing} at {bits} bits")
    a, b = rows[(better, bits)], rows[(worse, bits)]
    gap = a[f"{metric}_mean"] - b[f"{metric}_mean"]
    return bool(gap > a[f"{metric}_sd"] + b[f"{metric}_sd"])


#: The papers' orderings the suite checks: (better, worse, what the paper says).
PAPER_CLAIMS = (
    ("hashnet", "dhn", "HashNet beats DHN"),
    ("hashnet", "itq", "HashNet beats ITQ"),
    ("hashnet", "lsh", "HashNet beats LSH"),
    ("hashnet", "hashnet-w", "the weights help (HashNet > HashNet-W)"),
    ("hashnet", "hashnet-sgn", "continuation helps (HashNet > HashNet-sgn)"),
    ("hashnet-c", "hashnet", "binarization costs mAP (HashNet+C > HashNet)"),
)


def claims_table(summary: Sequence[dict], claims=PAPER_CLAIMS, metric: str = "map_expected") -> str:
    """A markdown table: for each claim and code length, "holds" (`claim_holds`), "reversed"
    (the opposite holds) or "not shown" (the seeds cannot tell); claims whose methods are not in
    the summary are left out."""
    present = {r["method"] for r in summary}
    bits = sorted({r["bits"] for r in summary})
    lines = ["| claim | " + " | ".join(f"{b} bits" for b in bits) + " |"]
    lines.append("|---|" + "---|" * len(bits))
    for better, worse, text in claims:
        if better not in present or worse not in present:
            continue
        cells = []
        for b in bits:
            if claim_holds(summary, better, worse, b, metric):
                cells.append("holds")
            elif claim_holds(summary, worse, better, b, metric):
                cells.append("reversed")
            else:
                cells.append("not shown")
        lines.append(f"| {text} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mean_sd(row: dict, metric: str, digits: int = 4) -> str:
    mean = row[f"{metric}_mean"]
    if mean is None:
        return "-"
    if row["n_seeds"] == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {row[f'{metric}_sd']:.{digits}f}"


def format_table(results: dict) -> str:
    """The summary as a fixed-width text table: mean ± sd over the seeds of mAP@R (ties by index
    and tie-aware), precision within radius 2, quantization error and training seconds."""
    rows = results["summary"]
    topk = results["runs"][0]["topk"] if results["runs"] else 0
    columns = (f"mAP@{topk}", "mAP tie-aware", "P@r<=2", "quant.err")
    width = 17 if len(results["seeds"]) > 1 else 8
    header = f"{'method':<12} {'bits':>4} " + " ".join(f"{c:>{width}}" for c in columns)
    header += f" {'train s':>8}"
    seeds = " ".join(str(s) for s in results["seeds"])
    chance = np.mean([c["map_expected"] for c in results["chance"]])
    lines = [
        f"dataset: {results['dataset']}  seeds: {seeds}  (mean ± sd over seeds)",
        f"chance (a constant code): mAP tie-aware {chance:.4f}",
        header,
        "-" * len(header),
    ]
    for row in rows:
        cells = [
            _mean_sd(row, m)
            for m in ("map", "map_expected", "precision_radius2", "quantization_error")
        ]
        line = f"{row['method']:<12} {row['bits']:>4} " + " ".join(f"{c:>{width}}" for c in cells)
        lines.append(line + f" {row['train_seconds_mean']:>8.1f}")
    return "\n".join(lines)


def format_run(r: dict) -> str:
    p2 = "-" if r["precision_radius2"] is None else f"{r['precision_radius2']:.4f}"
    return (
        f"seed {r['seed']}  {r['method']:<12} {r['bits']:>3} bits  mAP {r['map']:.4f} "
        f"(tie-aware {r['map_expected']:.4f})  P@r<=2 {p2}  "
        f"quant.err {r['quantization_error']:.4f}  {r['train_seconds']:.1f} s"
    )
