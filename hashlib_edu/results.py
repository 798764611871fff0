"""Results of a reproduction run: the metrics of codes, summaries over seeds, claims, tables.

:func:`evaluate_codes` gives the metrics every run records (R is capped at the database size, so
a small test database can be evaluated with the protocol's R); :func:`chance_level` is the score
of a constant code. :func:`summarize` turns per-seed runs into mean ± sd rows; :func:`paired_claim`
is the suite's one criterion for stating that a method beats another (the 95% t interval of the
per-seed paired difference lies above 0); :func:`claims_table` and :func:`format_table` print what
``python -m hashlib_edu.reproduce --show`` shows and the README quotes.
"""

from __future__ import annotations

import numbers
import os
import platform
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from scipy import stats

from .conventions import map_conventions
from .encoding import Encoded
from .methods import claims, method_name
from .metrics import (
    mean_average_precision,
    mean_average_precision_continuous,
    precision_at_radius,
)

__all__ = [
    "METRICS",
    "PAPER_CLAIMS",
    "RERUN_BITS",
    "RERUN_TOLERANCE",
    "SUITE_QUESTIONS",
    "chance_level",
    "claims_table",
    "convention_values",
    "environment",
    "evaluate_codes",
    "format_table",
    "paired_claim",
    "paired_claims",
    "report",
    "runs_with_seeds",
    "seed_differences",
    "summarize",
]

METRICS = ("map", "map_expected", "precision_radius2", "quantization_error", "train_seconds")

#: The code length at which a rerun is compared with the record of its seed: at 16 bits training
#: is volatile (a one-thread rerun in another process history moved HashNet by 0.061, about the
#: seed spread); at 64 bits it moved no method by more than 0.012.
RERUN_BITS = 64
#: How far a rerun's tie-aware mAP at RERUN_BITS may lie from the recorded value of the same seed
#: and method. Measured (docs/design.md, "Rerun tolerance"): every method retrained with one and
#: with two threads, each first in its own process; the largest difference (0.0117), times two
#: for other CPUs of the same kind.
RERUN_TOLERANCE = 0.025


def evaluate_codes(query, database, topk: int | None, continuous: bool = False) -> dict:
    """mAP@R (ties by index and tie-aware) and precision within Hamming radius 2 of `Encoded`
    query and database codes; with `continuous`, mAP@R of ranking by <h_q, h_b> (`hashnet-rank-h`)."""
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
    """`conventions.map_conventions` of `Encoded` codes, NaN (no query with a hit) as None."""
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


def _check_runs(runs: object) -> Sequence[Mapping]:
    if isinstance(runs, (str, bytes, Mapping)) or not isinstance(runs, Sequence):
        raise TypeError(
            f"runs must be a list of run records (results['runs']), not {type(runs).__name__}"
        )
    for i, run in enumerate(runs):
        if not isinstance(run, Mapping):
            raise TypeError(f"runs[{i}] must be a dict, not {type(run).__name__}")
        if "seed" not in run:
            raise ValueError(f"runs[{i}] has no 'seed': pass results['runs']")
    return runs


def runs_with_seeds(runs: Sequence[Mapping], seeds: Iterable[int]) -> list[dict]:
    """The runs of the given `seeds` only, in their original order.

    Every seed must occur in `runs` (a seed that was never run is a typo, not an empty subset),
    and a seed may be named once.
    """
    runs = _check_runs(runs)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list of integers, not {type(seeds).__name__}")
    chosen = list(seeds)
    for seed in chosen:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"each seed must be an integer, not {type(seed).__name__}")
    if not chosen:
        raise ValueError("seeds is empty: keep at least one seed")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"seeds {chosen} name a seed twice")
    present = {run["seed"] for run in runs}
    missing = sorted(set(chosen) - present)
    if missing:
        raise ValueError(f"seeds {missing} were not run; the runs have seeds {sorted(present)}")
    keep = set(chosen)
    return [dict(run) for run in runs if run["seed"] in keep]


def seed_differences(
    runs: Sequence[Mapping], a: str, b: str, bits: int, metric: str = "map_expected"
) -> dict[int, float]:
    """The paired differences d_s = metric(a, s) - metric(b, s) at `bits`, one per seed that
    has runs of both methods, ordered by seed — the data of
    :func:`paired_claim` (mean d ± t s_d / sqrt(n)). Recompute a claim on a subset of the seeds
    (leave one out, the first n) with :func:`runs_with_seeds`.
    """
    runs = _check_runs(runs)
    for name, value in (("a", a), ("b", b), ("metric", metric)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral):
        raise TypeError(f"bits must be an integer, not {type(bits).__name__}")
    values: dict[str, dict[int, float]] = {a: {}, b: {}}
    for run in runs:
        if run.get("bits") == bits and run.get("method") in values:
            if metric not in run or run[metric] is None:
                raise ValueError(f"a run of {run['method']!r} at {bits} bits has no {metric!r}")
            values[run["method"]][run["seed"]] = float(run[metric])
    seeds = sorted(set(values[a]) & set(values[b]))
    if not seeds:
        raise ValueError(f"no seed has runs of both {a!r} and {b!r} at {bits} bits")
    return {int(s): values[a][s] - values[b][s] for s in seeds}


def paired_claim(
    runs: Sequence[dict],
    a: str,
    b: str,
    bits: int,
    claim: str = "",
    metric: str = "map_expected",
    confidence: float = 0.95,
) -> dict:
    """Is `a` better than `b` at `bits`? The paired comparison over the seeds both were run on.

    Within one seed every method shares the split, the pretrained trunk, the hash layer's
    initialisation and the batch order, so the seed-to-seed spread (mostly the data) cancels in
    the per-seed difference d_s = metric(a, s) - metric(b, s). With n seeds, mean d and sample sd
    s_d, the two-sided `confidence` t interval is  mean d ± t_{(1+confidence)/2, n-1} s_d / sqrt(n).
    Verdict: "holds" when the interval lies above 0, "reversed" when it lies below 0, else
    "not shown" (also with a single seed, where no interval exists).
    """
    differences = seed_differences(runs, a, b, bits, metric)
    seeds = list(differences)
    diffs = np.array(list(differences.values()), dtype=float)
    record = {"claim": claim, "a": a, "b": b, "bits": int(bits), "n_seeds": len(seeds)}
    record["mean_difference"] = float(diffs.mean())
    low = high = None
    if len(diffs) > 1:
        half = stats.t.ppf((1 + confidence) / 2, len(diffs) - 1) * diffs.std(ddof=1)
        half /= np.sqrt(len(diffs))
        low, high = float(diffs.mean() - half), float(diffs.mean() + half)
    record["ci_low"], record["ci_high"] = low, high
    record["verdict"] = _verdict(low, high)
    return record


def _verdict(low: float | None, high: float | None) -> str:
    if low is not None and low > 0:
        return "holds"
    if high is not None and high < 0:
        return "reversed"
    return "not shown"


#: The papers' orderings the suite checks: (a, b, what the paper says: a beats b), declared by the
#: methods in the registry (:mod:`hashlib_edu.methods`): the HashNet paper's Table 1 (HashNet vs
#: DHN, ITQ, LSH) and the ablation of its section 4.3 (HashNet vs HashNet-W and HashNet-sgn).
PAPER_CLAIMS = claims("paper")

#: Comparisons the suite adds (no paper makes them on this data): listed apart from the papers'.
SUITE_QUESTIONS = claims("suite")


def paired_claims(
    runs: Sequence[dict], claims=PAPER_CLAIMS, metric: str = "map_expected"
) -> list[dict]:
    """:func:`paired_claim` for every claim and code length in `runs` whose two methods were run
    (what results.json stores as "claims")."""
    present = {r["method"] for r in runs}
    bits = sorted({r["bits"] for r in runs})
    return [
        paired_claim(runs, a, b, k, claim=text, metric=metric)
        for a, b, text in claims
        if a in present and b in present
        for k in bits
    ]


def _claim_cell(claim: dict) -> str:
    if claim["ci_low"] is None:
        return f"{claim['verdict']} ({claim['mean_difference']:+.3f}, n = 1)"
    return (
        f"{claim['verdict']} ({claim['mean_difference']:+.3f} "
        f"[{claim['ci_low']:+.3f}, {claim['ci_high']:+.3f}])"
    )


def claims_table(claims: Sequence[dict]) -> str:
    """A markdown table of :func:`paired_claims`: one row per claim, one column per code length,
    each cell the verdict, the mean paired difference a - b and its 95% t interval."""
    if not claims:
        return ""
    bits = sorted({c["bits"] for c in claims})
    n = sorted({c["n_seeds"] for c in claims})
    seeds = f"{n[0]}" if len(n) == 1 else f"{n[0]}-{n[-1]}"
    lines = [
        f"| claim (paired over {seeds} seeds: mean a - b [95% CI]) | "
        + " | ".join(f"{b} bits" for b in bits)
        + " |",
        "|---|" + "---|" * len(bits),
    ]
    rows: dict[str, dict[int, dict]] = {}
    for c in claims:
        rows.setdefault(c["claim"], {})[c["bits"]] = c
    for text, by_bits in rows.items():
        cells = [_claim_cell(by_bits[b]) if b in by_bits else "-" for b in bits]
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
    name = max([12, *(len(method_name(r["method"])) for r in rows)])
    header = f"{'method':<{name}} {'bits':>4} " + " ".join(f"{c:>{width}}" for c in columns)
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
        line = f"{method_name(row['method']):<{name}} {row['bits']:>4} " + " ".join(
            f"{c:>{width}}" for c in cells
        )
        lines.append(line + f" {row['train_seconds_mean']:>8.1f}")
    return "\n".join(lines)


def format_run(r: dict) -> str:
    p2 = "-" if r["precision_radius2"] is None else f"{r['precision_radius2']:.4f}"
    return (
        f"seed {r['seed']}  {method_name(r['method']):<19} {r['bits']:>3} bits  mAP {r['map']:.4f} "
        f"(tie-aware {r['map_expected']:.4f})  P@r<=2 {p2}  "
        f"quant.err {r['quantization_error']:.4f}  {r['train_seconds']:.1f} s"
    )


def report(results: dict) -> str:
    """What the main job prints (and `--show` reprints): the table, the papers' claims, and the
    suite's own questions, each claim paired over the seeds with its 95% interval."""
    parts = [format_table(results), "The papers' claims:\n" + claims_table(results["claims"])]
    if results.get("questions"):
        parts.append("The suite's questions:\n" + claims_table(results["questions"]))
    return "\n\n".join(parts)
