"""The same tuning budget for every deep method, chosen on validation data (never the queries).

    python -m hashlib_edu.tune [--dataset digit-pairs] [--bits 16 64] [--seed 0] [--write]

A validation split is carved from the training split: `n_validation` training items become
validation queries, the rest of the training split is both the validation database and the
training set of the tuning runs (the pretraining stage, too, sees only that rest). Every deep
method gets a grid of the same size: the learning rate x one method-specific setting,

| method                     | learning rate          | second setting                                    |
|----------------------------|------------------------|---------------------------------------------------|
| dhn                        | 3e-5, 1e-4             | lambda (quantization weight) 0, 0.1, 1, 10 (DHN cross-validates lambda) |
| hashnet, hashnet-w, -sgn   | 3e-5, 1e-4             | alpha scale 1/8, 1/4, 1/2, 1 (alpha = scale * 10 / K) |

(a first round that also tried lr 3e-4 found it collapsing every method, so the grid stops at 1e-4)
and keeps the setting with the best validation mAP (tie-aware, `ties="expected"`, so that the
validation database's order cannot matter), averaged over the code lengths given. `--write` stores
the choice and the whole grid of the tuned methods in hashlib_edu/tuned.json (other methods'
entries are kept, with the command that chose them), which `TrainConfig.tuned(method)` reads:
those are the package defaults. HashNet+C uses HashNet's model, hence HashNet's settings.
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
from .data import HashingData, TensorImageDataset, load_dataset
from .metrics import mean_average_precision
from .training import TrainConfig, encode, train_hashing_model

__all__ = ["GRID", "validation_data", "tune", "main"]

LEARNING_RATES = (3e-5, 1e-4)
ALPHA_SCALES = (0.125, 0.25, 0.5, 1.0)
GRID: dict[str, dict[str, tuple]] = {
    "dhn": {"lr": LEARNING_RATES, "quantization_weight": (0.0, 0.1, 1.0, 10.0)},
    "hashnet": {"lr": LEARNING_RATES, "alpha_scale": ALPHA_SCALES},
    "hashnet-w": {"lr": LEARNING_RATES, "alpha_scale": ALPHA_SCALES},
    "hashnet-sgn": {"lr": LEARNING_RATES, "alpha_scale": ALPHA_SCALES},
}
TUNED_FILE = Path(__file__).with_name("tuned.json")


def validation_data(data: HashingData, n_validation: int = 500, seed: int = 0) -> HashingData:
    """Validation queries carved from ``data.train``; the rest of it is database and training set.

    Only in-memory training splits (the embedded datasets) are supported.
    """
    train = data.train
    if not isinstance(train, TensorImageDataset):
        raise TypeError("validation_data needs an in-memory training split (embedded datasets)")
    if not 0 < n_validation < len(train):
        raise ValueError(f"n_validation must be in [1, {len(train) - 1}], got {n_validation}")
    order = np.random.default_rng([seed, 7]).permutation(len(train))
    val, rest = order[:n_validation], order[n_validation:]

    def subset(rows: np.ndarray) -> TensorImageDataset:
        return TensorImageDataset(train.images[rows], train.labels[rows])

    base = np.asarray(data.indices["train"])
    rest_split = subset(rest)
    return HashingData(
        name=f"{data.name}/validation",
        seed=data.seed,
        train=rest_split,
        query=subset(val),
        database=rest_split,
        num_classes=data.num_classes,
        topk=None if data.topk is None else min(data.topk, len(rest)),
        image_shape=data.image_shape,
        indices={"train": base[rest], "query": base[val]},
        class_names=data.class_names,
        options={**data.options, "n_validation": n_validation},
    )


def _validation_map(method: str, data: HashingData, bits: int, config: TrainConfig, seed: int):
    result = train_hashing_model(method, data, bits, config=config, seed=seed, progress=False)
    q, d = encode(result.model, data.query), encode(result.model, data.database)
    return mean_average_precision(q.codes, d.codes, q.labels, d.labels, data.topk, "expected")


def tune(
    dataset: str = "digit-pairs",
    methods: Sequence[str] = tuple(GRID),
    bits: Sequence[int] = (16, 64),
    *,
    seed: int = 0,
    base: TrainConfig | None = None,
    n_validation: int = 500,
    progress: bool = True,
) -> dict:
    """Run every method's grid on the validation split; returns {"settings", "grid"}."""
    unknown = [m for m in methods if m not in GRID]
    if unknown:
        raise ValueError(f"no tuning grid for {unknown}; tunable methods: {list(GRID)}")
    data = validation_data(load_dataset(dataset, seed=seed), n_validation, seed=seed)
    base = base or TrainConfig()
    rows, settings = [], {}
    for method in methods:
        names, values = zip(*GRID[method].items())
        best = None
        for combo in itertools.product(*values):
            setting = dict(zip(names, combo))
            config = replace(base, **setting)
            scores = [_validation_map(method, data, b, config, seed) for b in bits]
            row = {"method": method, **setting, "validation_map": round(float(np.mean(scores)), 4)}
            rows.append(row)
            if progress:
                print(json.dumps(row), flush=True)
            if best is None or row["validation_map"] > best["validation_map"]:
                best = row
        settings[method] = {k: best[k] for k in names}
    if "hashnet" in settings:
        settings["hashnet-c"] = dict(settings["hashnet"])
    return {"settings": settings, "grid": rows}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hashlib_edu.tune", description=__doc__.split("\n")[0]
    )
    p.add_argument("--dataset", default="digit-pairs")
    p.add_argument("--methods", nargs="+", default=list(GRID), choices=list(GRID))
    p.add_argument("--bits", nargs="+", type=int, default=[16, 64])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--write", action="store_true", help=f"store the choice in {TUNED_FILE.name}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    outcome = tune(args.dataset, args.methods, args.bits, seed=args.seed)
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
    """tuned.json with the newly tuned methods replaced and the others kept as they were."""
    tuned = set(outcome["settings"])
    settings = {m: s for m, s in old.get("settings", {}).items() if m not in tuned}
    grid = [row for row in old.get("grid", []) if row["method"] not in tuned]
    commands = [c for c in old.get("commands", []) if not tuned >= set(c["methods"])]
    commands.append({"command": command, "methods": sorted(tuned)})
    return {
        "dataset": args.dataset,
        "bits": args.bits,
        "seed": args.seed,
        "criterion": "validation mAP (tie-aware), mean over the code lengths",
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "torch": torch.__version__,
        "commands": commands,
        "settings": {**settings, **outcome["settings"]},
        "grid": grid + outcome["grid"],
    }


if __name__ == "__main__":
    raise SystemExit(main())
