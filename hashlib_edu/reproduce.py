"""The headless main job: train and evaluate methods at several code lengths, print and save a table.

    python -m hashlib_edu.reproduce --dataset digit-pairs \
        --methods dhn hashnet hashnet-w hashnet-sgn itq lsh --bits 16 32 48 64 \
        --seed 0 --out results [--export-codes] [--device auto]

writes `results/results.json` ({"dataset", "seed", "runs": [{"method", "bits", "map", "topk",
"precision_radius2", "quantization_error", "train_seconds"}]}), `results/splits.json` (the seeded
split indices) and, with --export-codes, `results/codes/{method}_{bits}.npz`.
Every metric is computed on the final model: nothing is selected on the test queries.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .baselines import ITQ, LSH
from .data import load_dataset
from .metrics import mean_average_precision, precision_at_radius, quantization_error
from .training import METHODS, Encoded, TrainConfig, encode, train_hashing_model

__all__ = ["ALL_METHODS", "run_experiment", "evaluate_codes", "format_table", "main"]

SHALLOW = {"itq": ITQ, "lsh": LSH}
ALL_METHODS = (*METHODS, *SHALLOW)
DEFAULT_METHODS = ("dhn", "hashnet", "hashnet-w", "hashnet-sgn", "itq", "lsh")
DEFAULT_BITS = (16, 32, 48, 64)


def evaluate_codes(query, database, topk: int | None) -> dict:
    """mAP@R and precision within Hamming radius 2 of `Encoded` query and database codes."""
    topk = len(database.codes) if topk is None else min(topk, len(database.codes))
    args = (query.codes, database.codes, query.labels, database.labels)
    return {
        "map": float(mean_average_precision(*args, topk=topk)),
        "topk": int(topk),
        "precision_radius2": float(precision_at_radius(*args, radius=2)),
    }


def _pixels(dataset, size: int = 32) -> np.ndarray:
    """Flattened images for the shallow baselines (large images pooled to size x size first)."""
    if hasattr(dataset, "images"):
        images = dataset.images
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=False)
        images = torch.cat([x for x, _ in loader])
    if images.shape[-1] > size:
        images = torch.nn.functional.adaptive_avg_pool2d(images, size)
    return images.flatten(1).numpy().astype(np.float64)


def _run_shallow(method: str, data, bits: int, seed: int):
    start = time.perf_counter()
    hasher = SHALLOW[method](bits, seed=seed).fit(_pixels(data.train))
    seconds = time.perf_counter() - start
    encoded = []
    for split in (data.query, data.database):
        features = _pixels(split)
        outputs = np.tanh(hasher.project(features)).astype(np.float32)
        encoded.append(Encoded(hasher.encode(features), outputs, split.labels.numpy()))
    return encoded[0], encoded[1], seconds


def _run_deep(method: str, data, bits: int, seed: int, device: str, config, progress: bool):
    result = train_hashing_model(
        method, data, bits, config=config, seed=seed, device=device, progress=progress
    )
    return (
        encode(result.model, data.query),
        encode(result.model, data.database),
        result.train_seconds,
    )


def run_one(
    method: str,
    data,
    bits: int,
    *,
    seed: int = 0,
    device: str = "auto",
    config: TrainConfig | None = None,
    progress: bool = False,
) -> tuple[dict, object, object]:
    """Train (or fit) one method at one code length; returns (run record, query, database encodings)."""
    if method in SHALLOW:
        query, database, seconds = _run_shallow(method, data, bits, seed)
    else:
        query, database, seconds = _run_deep(method, data, bits, seed, device, config, progress)
    record = {"method": method, "bits": int(bits), **evaluate_codes(query, database, data.topk)}
    record["quantization_error"] = float(quantization_error(database.outputs))
    record["train_seconds"] = round(float(seconds), 3)
    return record, query, database


def _check_choices(methods: Sequence[str], bits: Sequence[int]) -> None:
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {list(ALL_METHODS)}")
    if not methods or not bits:
        raise ValueError("give at least one method and one code length")
    bad = [b for b in bits if int(b) != b or b < 1]
    if bad:
        raise ValueError(f"code lengths must be positive integers, got {bad}")


def run_experiment(
    dataset: str = "digit-pairs",
    methods: Sequence[str] = DEFAULT_METHODS,
    bits: Sequence[int] = DEFAULT_BITS,
    *,
    seed: int = 0,
    device: str = "auto",
    root: str | None = None,
    config: TrainConfig | None = None,
    out: str | os.PathLike | None = None,
    export_codes: bool = False,
    progress: bool = True,
    dataset_options: dict | None = None,
) -> dict:
    """Every (method, bits) run on one dataset; writes results.json (and codes) under `out` if given."""
    _check_choices(methods, bits)
    data = load_dataset(dataset, root=root, seed=seed, **(dataset_options or {}))
    results = {"dataset": dataset, "seed": int(seed), "runs": []}
    for b in bits:
        for method in methods:
            record, query, database = run_one(
                method, data, b, seed=seed, device=device, config=config, progress=progress
            )
            results["runs"].append(record)
            if progress:
                tqdm.write(_format_row(record))
            if out is not None and export_codes:
                _write_codes(Path(out) / "codes" / f"{method}_{b}.npz", query, database)
    if out is not None:
        _write_json(Path(out) / "results.json", results)
        _write_json(Path(out) / "splits.json", data.split_manifest())
    return results


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(path: Path, payload: dict) -> None:
    _atomic_write(path, lambda f: f.write((json.dumps(payload, indent=2) + "\n").encode()))


def _write_codes(path: Path, query, database) -> None:
    arrays = {
        "query_codes": query.codes,
        "db_codes": database.codes,
        "query_labels": query.labels.astype(np.uint8),
        "db_labels": database.labels.astype(np.uint8),
    }
    _atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


def format_table(results: dict) -> str:
    """The results as a fixed-width text table (mAP@R, precision within radius 2, QE, seconds)."""
    runs = results["runs"]
    topk = runs[0]["topk"] if runs else 0
    header = f"{'method':<12} {'bits':>4} {f'mAP@{topk}':>9} {'P@r<=2':>7} {'quant.err':>9} {'train s':>8}"
    lines = [f"dataset: {results['dataset']}  seed: {results['seed']}", header, "-" * len(header)]
    lines.extend(_format_row(r) for r in runs)
    return "\n".join(lines)


def _format_row(r: dict) -> str:
    return (
        f"{r['method']:<12} {r['bits']:>4} {r['map']:>9.4f} {r['precision_radius2']:>7.4f} "
        f"{r['quantization_error']:>9.4f} {r['train_seconds']:>8.1f}"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hashlib_edu.reproduce", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--dataset", default="digit-pairs", help="digits, digit-pairs, digit-sets, cifar10 or list"
    )
    p.add_argument("--root", default=None, help="data folder for cifar10 / list datasets")
    p.add_argument(
        "--methods",
        nargs="+",
        default=list(DEFAULT_METHODS),
        choices=ALL_METHODS,
        metavar="METHOD",
        help=f"any of {', '.join(ALL_METHODS)}",
    )
    p.add_argument("--bits", nargs="+", type=int, default=list(DEFAULT_BITS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results")
    p.add_argument("--export-codes", action="store_true", help="write codes/{method}_{bits}.npz")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    p.add_argument(
        "--iterations", type=int, default=None, help="training iterations (default: TrainConfig)"
    )
    p.add_argument("--backbone", default="convpool", choices=("convpool", "alexnet", "resnet50"))
    p.add_argument(
        "--pretrained", action="store_true", help="ImageNet weights for alexnet/resnet50"
    )
    p.add_argument(
        "--solver",
        default="embedded",
        choices=("embedded", "paper"),
        help="embedded: Adam defaults for the digit sets; paper: SGD, 10,000 iterations, official beta schedule",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _config(args: argparse.Namespace) -> TrainConfig:
    overrides = {"backbone": args.backbone, "pretrained": args.pretrained}
    if args.iterations is not None:
        overrides["iterations"] = args.iterations
    if args.solver == "paper":
        return TrainConfig.paper(**overrides)
    return TrainConfig(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        results = run_experiment(
            args.dataset,
            args.methods,
            args.bits,
            seed=args.seed,
            device=args.device,
            root=args.root,
            config=_config(args),
            out=args.out,
            export_codes=args.export_codes,
            progress=not args.quiet,
        )
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(format_table(results))
    print(f"\nwrote {Path(args.out) / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
