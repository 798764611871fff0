"""The same tuning budget for every deep method, on validation data built like the test data.

    python -m hashlib_edu.tune [--dataset digit-pairs] [--bits 16 64] [--seed 0] [--write]

Validation mirrors testing (:func:`hashlib_edu.data.validation_data`): the training pool of source
digits is split once more; the tuning runs (and their pretraining) train on one part, the
validation queries and the validation database are composed from the other part, so validation
queries are digits no tuning run has seen, as test queries are. Every deep method starts from a
grid of the same size, 4 learning rates x 4 values of one method-specific setting, declared by the
method in the registry (``Method.tuning``, :mod:`hashlib_edu.methods`; e.g. DHN: lambda 0, 0.3, 1,
3; HashNet and its ablations: alpha scale 1/16, 1/8, 1/4, 1/2, alpha = scale x 10/K; every method's
module says what its second setting is), and keeps the setting with the best validation mAP (tie-aware, so that the validation database's
order cannot matter), averaged over the code lengths. A choice must lie strictly inside its grid
or at a natural bound (lambda = 0): when the best value of an axis is at an open edge, the axis is
extended by one value in that direction (the grid's own ratio) and a new round runs that value
against every value of the other axis; this repeats up to `max_rounds` times. Every round is
recorded. `--write` stores the choice, every grid row and every round in hashlib_edu/tuned.json
(other methods' entries are kept), with the seed tuned on and the share of each reference seed's
test digits that the tuning runs trained on (:func:`hashlib_edu.data.source_overlap`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ._io import atomic_write
from .config import TrainConfig
from .data import HashingData, load_dataset, source_overlap, validation_data
from .encoding import encode
from .methods import METHODS
from .metrics import mean_average_precision
from .training import train_hashing_model

__all__ = ["GRID", "NATURAL_BOUNDS", "REFERENCE_SEEDS", "extend_axis", "tune", "main"]

#: Every tunable method's grid, from the registry (a method that reuses another's model, HashNet
#: ranked by h, takes that method's choice).
GRID: dict[str, dict[str, tuple]] = {
    key: dict(m.tuning) for key, m in METHODS.items() if m.tuning and m.trains_as is None
}
#: Edges a choice may sit on: lambda = 0 (no quantization term) cannot be extended.
NATURAL_BOUNDS: dict[str, float] = {"quantization_weight": 0.0}
#: The seeds of the committed reference run, for the overlap report.
REFERENCE_SEEDS = (0, 1, 2, 3, 4)
TUNED_FILE = Path(__file__).with_name("tuned.json")


def extend_axis(values: Sequence[float], best: float, name: str) -> float | None:
    """The next value of an axis whose `best` value sits on an open edge, else None.

    Values are geometric steps: below the lowest value by the ratio of the two lowest, above the
    highest by the ratio of the two highest (x10 above a grid (0, x)), to one significant digit. A natural bound (:data:`NATURAL_BOUNDS`) is no edge.
    """
    ordered = sorted(values)
    if len(ordered) < 2 or ordered[0] < best < ordered[-1]:
        return None
    if best == ordered[0]:
        if NATURAL_BOUNDS.get(name) == best:
            return None
        return _one_digit(ordered[0] * ordered[0] / ordered[1])
    if ordered[-2] <= 0:  # (0, x): no ratio to follow, step by 10
        return _one_digit(ordered[-1] * 10)
    return _one_digit(ordered[-1] * ordered[-1] / ordered[-2])


def _one_digit(value: float) -> float:
    """A grid value rounded to one significant digit (3.3e-5 -> 3e-5), as the grids are written."""
    return float(f"{value:.1g}")


def _validation_map(method: str, data: HashingData, bits: int, config: TrainConfig, seed: int):
    result = train_hashing_model(method, data, bits, config=config, seed=seed, progress=False)
    q, d = encode(result.model, data.query), encode(result.model, data.database)
    return float(
        mean_average_precision(q.codes, d.codes, q.labels, d.labels, data.topk, "expected")
    )


def _run_rows(method, settings, data, bits, base, seed, round_number, progress) -> list[dict]:
    rows = []
    for setting in settings:
        config = replace(base, **setting)
        scores = [_validation_map(method, data, b, config, seed) for b in bits]
        row = {
            "method": method,
            "round": round_number,
            **setting,
            "validation_map_by_bits": {str(b): round(s, 4) for b, s in zip(bits, scores)},
            "validation_map": round(float(np.mean(scores)), 4),
        }
        rows.append(row)
        if progress:
            print(json.dumps(row), flush=True)
    return rows


def _tune_method(method, data, bits, base, seed, max_rounds, progress):
    axes = {name: list(values) for name, values in GRID[method].items()}
    combos = [dict(zip(axes, c)) for c in itertools.product(*axes.values())]
    rows = _run_rows(method, combos, data, bits, base, seed, 1, progress)
    rounds = [{"method": method, "round": 1, "grid": {k: list(v) for k, v in axes.items()}}]
    for round_number in range(2, max_rounds + 1):
        best = max(rows, key=lambda r: r["validation_map"])
        edge = next(
            (
                (name, new)
                for name in axes
                if (new := extend_axis(axes[name], best[name], name)) is not None
            ),
            None,
        )
        if edge is None:
            break
        name, new = edge
        others = [n for n in axes if n != name]
        added = [
            {name: new, **dict(zip(others, c))}
            for c in itertools.product(*(axes[n] for n in others))
        ]
        axes[name] = sorted([*axes[name], new])
        rows += _run_rows(method, added, data, bits, base, seed, round_number, progress)
        rounds.append(
            {
                "method": method,
                "round": round_number,
                "reason": f"best {name} = {best[name]:g} at the "
                f"{'upper' if new > best[name] else 'lower'} edge of the grid",
                "added": {name: new},
            }
        )
    best = max(rows, key=lambda r: r["validation_map"])
    chosen = {name: best[name] for name in axes}
    interior = all(extend_axis(axes[n], chosen[n], n) is None for n in axes)
    rounds[-1]["final_grid"] = {k: sorted(v) for k, v in axes.items()}
    rounds[-1]["chosen_inside_grid"] = interior
    return chosen, rows, rounds


def tune(
    dataset: str = "digit-pairs",
    methods: Sequence[str] = tuple(GRID),
    bits: Sequence[int] = (16, 64),
    *,
    seed: int = 0,
    base: TrainConfig | None = None,
    fraction: float = 0.5,
    max_rounds: int = 3,
    progress: bool = True,
) -> dict:
    """Run every method's grid (and its extension rounds) on validation data built like the test
    data; returns {"settings", "grid", "rounds", "validation"}."""
    unknown = [m for m in methods if m not in GRID]
    if unknown:
        raise ValueError(f"no tuning grid for {unknown}; tunable methods: {list(GRID)}")
    data = validation_data(load_dataset(dataset, seed=seed), fraction)
    base = base or TrainConfig()
    settings, rows, rounds = {}, [], []
    for method in methods:
        chosen, method_rows, method_rounds = _tune_method(
            method, data, bits, base, seed, max_rounds, progress
        )
        settings[method] = chosen
        rows += method_rows
        rounds += method_rounds
    for key, spec in METHODS.items():
        if spec.trains_as in settings:
            settings[key] = dict(settings[spec.trains_as])
    return {"settings": settings, "grid": rows, "rounds": rounds, "validation": _describe(data)}


def _describe(data: HashingData) -> dict:
    """Sizes of the validation task and its overlap with the reference seeds' test digits."""
    record = {
        "name": data.name,
        "sizes": {s: len(getattr(data, s)) for s in ("train", "query", "database")},
        "tuning_pool": len(data.indices["tuning_pool"]),
    }
    if "validation_pool" in data.indices:
        record["validation_pool"] = len(data.indices["validation_pool"])
        record["overlap_with_reference_test_pools"] = source_overlap(data, REFERENCE_SEEDS)
    return record


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hashlib_edu.tune", description=__doc__.split("\n")[0]
    )
    p.add_argument("--dataset", default="digit-pairs")
    p.add_argument("--methods", nargs="+", default=list(GRID), choices=list(GRID))
    p.add_argument("--bits", nargs="+", type=int, default=[16, 64])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-rounds", type=int, default=3, help="extension rounds per method")
    p.add_argument("--write", action="store_true", help=f"store the choice in {TUNED_FILE.name}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    outcome = tune(
        args.dataset, args.methods, args.bits, seed=args.seed, max_rounds=args.max_rounds
    )
    command = "python -m hashlib_edu.tune " + " ".join(sys.argv[1:] if argv is None else argv)
    print(json.dumps(outcome["settings"], indent=2))
    if args.write:
        record = merge_record(_read_record(), outcome, command, args)
        text = json.dumps(record, indent=2) + "\n"
        atomic_write(TUNED_FILE, lambda handle: handle.write(text.encode()))
        print(f"wrote {TUNED_FILE}")
    return 0


def _read_record() -> dict:
    return json.loads(TUNED_FILE.read_text()) if TUNED_FILE.is_file() else {}


def merge_record(old: dict, outcome: dict, command: str, args: argparse.Namespace) -> dict:
    """tuned.json with the newly tuned methods replaced and the others kept as they were; the
    replaced methods' earlier grid rows move to `discarded` (nothing run is forgotten)."""
    tuned = set(outcome["settings"])
    settings = {m: s for m, s in old.get("settings", {}).items() if m not in tuned}
    grid = [row for row in old.get("grid", []) if row["method"] not in tuned]
    rounds = [r for r in old.get("rounds", []) if r["method"] not in tuned]
    replaced = [row for row in old.get("grid", []) if row["method"] in tuned]
    discarded = list(old.get("discarded", []))
    if replaced:
        discarded.append({"superseded_by": command, "grid": replaced})
    commands = [c for c in old.get("commands", []) if not tuned >= set(c["methods"])]
    commands.append({"command": command, "methods": sorted(tuned)})
    return {
        "dataset": args.dataset,
        "bits": args.bits,
        "seeds": [args.seed],
        "criterion": "validation mAP (tie-aware), mean over the code lengths",
        "validation": outcome.get("validation", old.get("validation")),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "torch": torch.__version__,
        "commands": commands,
        "settings": {**settings, **outcome["settings"]},
        "grid": grid + outcome["grid"],
        "rounds": rounds + outcome.get("rounds", []),
        "discarded": discarded,
    }


if __name__ == "__main__":
    raise SystemExit(main())
