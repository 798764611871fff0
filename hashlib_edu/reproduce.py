"""The headless main job: train and evaluate methods at several code lengths and seeds.

    python -m hashlib_edu.reproduce --dataset digit-pairs \
        --methods dhn hashnet hashnet-rank-h hashnet-w hashnet-sgn itq lsh --bits 16 32 48 64 \
        --seeds 0 1 2 3 4 --out runs [--init pretrained|scratch] [--export-codes] [--conventions]

(every option above is a default except the bracketed ones; `make reference` writes the committed
reference with `--out hashlib_edu/reference`, read back by `hashlib_edu.reference.load`)

writes `OUT/results.json`: {"dataset", "seeds", "settings", "environment", "chance", "splits" (each
seed's split manifest: sizes and sha256 of the indices),
"runs": [{"method", "bits", "seed", "map", "map_expected", "topk", "precision_radius2",
"quantization_error", "train_seconds"}], "summary": [{"method", "bits", "n_seeds", "<metric>_mean",
"<metric>_sd", ...}], "claims" and "questions": [{"claim", "a", "b", "bits", "n_seeds",
"mean_difference", "ci_low", "ci_high", "verdict"}] (the papers' claims and the suite's own
questions, paired over the seeds with a 95% t interval)}, `OUT/splits_seed{seed}.json` (the seeded
split indices) and, with --export-codes, `OUT/codes/{method}_{bits}_seed{seed}.npz`. `map` orders ties by database
index, `map_expected` is the tie-aware value; `chance` is the mAP of a constant code. Every metric
is computed on the final model: nothing is selected on the test queries (the settings were chosen
on validation data by `python -m hashlib_edu.tune`).

`hashnet-rank-h` is the suite's own variant, not a paper's (the HashNet paper's "HashNet+C" is
HashNet trained with continuous similarity: `--continuous-similarity`): HashNet's model ranked by
the inner product of its continuous outputs h instead of the Hamming distance of sign(h); it
reuses the HashNet model trained in the same run. It has no hash-table lookup, so its `precision_radius2` is null.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._io import atomic_write
from .data import load_dataset
from .features import SHALLOW, run_shallow, shallow_inputs
from .metrics import (
    quantization_error,
)
from .results import (
    METRICS,
    PAPER_CLAIMS,
    SUITE_QUESTIONS,
    chance_level,
    claims_table,
    convention_values,
    environment,
    evaluate_codes,
    format_run,
    format_table,
    paired_claims,
    report,
    summarize,
)
from .training import INITS, METHODS, Encoded, TrainConfig, encode, train_hashing_model

__all__ = [
    "ALL_METHODS",
    "DEFAULT_METHODS",
    "RUN_KEYS",
    "run_one",
    "run_experiment",
    "chance_level",
    "evaluate_codes",
    "summarize",
    "PAPER_CLAIMS",
    "claims_table",
    "format_table",
    "report",
    "main",
]

ALL_METHODS = (*METHODS, *SHALLOW)
DEFAULT_METHODS = ("dhn", "hashnet", "hashnet-rank-h", "hashnet-w", "hashnet-sgn", "itq", "lsh")
DEFAULT_BITS = (16, 32, 48, 64)
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
#: The keys of every entry of results.json's "runs" (plus "conventions" with --conventions).
RUN_KEYS = ("method", "bits", "seed", *METRICS[:2], "topk", *METRICS[2:])


def _run_deep(method: str, data, bits: int, seed: int, device: str, config, progress, cache):
    result = train_hashing_model(
        method, data, bits, config=config, seed=seed, device=device, progress=progress, cache=cache
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
    trained: dict | None = None,
    shallow_init: str = "pretrained",
    conventions: bool = False,
    cache: bool = True,
    pretrain_labels: str = "own",
) -> tuple[dict, Encoded, Encoded]:
    """Train (or fit) one method at one code length; returns (run record, query, database encodings).

    `config=None` uses the method's tuned defaults (`TrainConfig.tuned`). `trained`, a dict kept
    across calls, lets methods that train the same model (HashNet and HashNet ranked by h) train it once.
    ITQ and LSH hash the pretrained trunk's features (`shallow_init="pretrained"`, embedded data)
    or the pixels (`"scratch"`, or file-backed data); `pretrain_labels` says what that trunk was
    pretrained to classify (deep methods take it from their config). `conventions` adds
    `record["conventions"]`: the mAP of the same codes under each published convention
    (`metrics.map_conventions`; null for `hashnet-rank-h`, which ranks continuous outputs). With `cache`
    (default) a deep model trained before with the same setting is loaded from the disk cache
    (`hashlib_edu.cache`) instead of trained again; its `train_seconds` are those of its training.
    """
    if method in SHALLOW:
        query, database, seconds = run_shallow(
            method, data, bits, seed, shallow_init, pretrain_labels
        )
    else:
        spec = METHODS[method]
        key = (spec.training_key(), bits, seed, config)
        if trained is not None and key in trained:
            query, database, seconds = trained[key]
        else:
            query, database, seconds = _run_deep(
                method, data, bits, seed, device, config, progress, cache
            )
            if trained is not None:
                trained[key] = (query, database, seconds)
    continuous = method in METHODS and METHODS[method].continuous_ranking
    record = {"method": method, "bits": int(bits), "seed": int(seed)}
    record.update(evaluate_codes(query, database, data.topk, continuous))
    record["quantization_error"] = float(quantization_error(database.outputs))
    record["train_seconds"] = round(float(seconds), 3)
    if conventions:
        record["conventions"] = (
            None if continuous else convention_values(query, database, data.topk)
        )
    return record, query, database


def _check_choices(methods: Sequence[str], bits: Sequence[int], seeds: Sequence[int]) -> None:
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {list(ALL_METHODS)}")
    if not methods or not bits or not seeds:
        raise ValueError("give at least one method, one code length and one seed")
    bad = [b for b in bits if int(b) != b or b < 1]
    if bad:
        raise ValueError(f"code lengths must be positive integers, got {bad}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")


def run_experiment(
    dataset: str = "digit-pairs",
    methods: Sequence[str] = DEFAULT_METHODS,
    bits: Sequence[int] = DEFAULT_BITS,
    *,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    device: str = "auto",
    root: str | None = None,
    config: TrainConfig | dict[str, TrainConfig] | None = None,
    init: str | None = None,
    iterations: int | None = None,
    out: str | os.PathLike | None = None,
    export_codes: bool = False,
    conventions: bool = False,
    progress: bool = True,
    dataset_options: dict | None = None,
    command: str | None = None,
    cache: bool = True,
    pretrain_labels: str = "own",
) -> dict:
    """Every (seed, bits, method) run on one dataset, with a per-(method, bits) summary.

    `config=None` gives each method its tuned defaults; a dict gives one config per method; `init`
    and `iterations` override them, as does `pretrain_labels` (what the embedded trunk is pretrained
    to classify, for deep and shallow methods alike). `cache` loads deep models trained before with the same setting
    (`hashlib_edu.cache`; `--no-cache` on the command line trains everything).
    Writes results.json, splits_seed{seed}.json (and codes) under `out` if given; `command` is
    recorded in results.json (the CLI passes its own command line).
    """
    _check_choices(methods, bits, seeds)
    results = {
        "command": command,
        "dataset": dataset,
        "seeds": [int(s) for s in seeds],
        "settings": {
            m: _config_for(m, config, init, iterations, pretrain_labels).describe(m)
            for m in methods
            if m in METHODS
        },
        "environment": environment(),
        "chance": [],
        "splits": {},
        "runs": [],
    }
    total = len(seeds) * len(bits) * len(methods)
    bar = tqdm(total=total, desc="runs", disable=not progress)
    for seed in seeds:
        data = load_dataset(dataset, root=root, seed=seed, **(dataset_options or {}))
        results["chance"].append(chance_level(data))
        if any(m in SHALLOW for m in methods):
            results["shallow_inputs"] = shallow_inputs(
                data, seed, init or "pretrained", pretrain_labels
            )[0]
        trained: dict = {}
        for b in bits:
            for method in methods:
                method_config = _config_for(method, config, init, iterations, pretrain_labels)
                record, query, database = run_one(
                    method,
                    data,
                    b,
                    seed=seed,
                    device=device,
                    config=method_config,
                    progress=False,
                    trained=trained,
                    shallow_init=init or "pretrained",
                    conventions=conventions,
                    cache=cache,
                    pretrain_labels=pretrain_labels,
                )
                results["runs"].append(record)
                bar.update()
                if progress:
                    tqdm.write(format_run(record))
                if out is not None and export_codes:
                    path = Path(out) / "codes" / f"{method}_{b}_seed{seed}.npz"
                    _write_codes(path, query, database)
        results["splits"][str(seed)] = data.split_manifest(include_indices=False)
        if out is not None:
            _write_json(Path(out) / f"splits_seed{seed}.json", data.split_manifest())
    bar.close()
    results["summary"] = summarize(results["runs"])
    results["claims"] = paired_claims(results["runs"], PAPER_CLAIMS)
    results["questions"] = paired_claims(results["runs"], SUITE_QUESTIONS)
    if out is not None:
        _write_json(Path(out) / "results.json", results)
    return results


def _config_for(method, config, init, iterations, pretrain_labels="own") -> TrainConfig | None:
    if method in SHALLOW:
        return None
    chosen = config.get(method) if isinstance(config, dict) else config
    chosen = chosen or TrainConfig.tuned(method)
    overrides = {k: v for k, v in (("init", init), ("iterations", iterations)) if v is not None}
    if pretrain_labels != "own":
        overrides["pretrain_labels"] = pretrain_labels
    return replace(chosen, **overrides) if overrides else chosen


def _write_json(path: Path, payload: dict) -> None:
    atomic_write(path, lambda f: f.write((json.dumps(payload, indent=2) + "\n").encode()))


def _write_codes(path: Path, query, database) -> None:
    arrays = {
        "query_codes": query.codes,
        "db_codes": database.codes,
        "query_outputs": query.outputs,
        "db_outputs": database.outputs,
        "query_labels": query.labels.astype(np.uint8),
        "db_labels": database.labels.astype(np.uint8),
    }
    atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


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
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    seeds.add_argument("--seed", type=int, default=None, help="run this one seed only")
    p.add_argument(
        "--out",
        default="runs",
        help="output folder (default runs/; the committed reference in hashlib_edu/reference/ is "
        "rewritten only by `make reference`, which names it)",
    )
    p.add_argument(
        "--export-codes", action="store_true", help="write codes/{method}_{bits}_seed{seed}.npz"
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    p.add_argument(
        "--iterations", type=int, default=None, help="training iterations (default: tuned)"
    )
    p.add_argument(
        "--init",
        default=None,
        choices=INITS,
        help="pretrained (default: the embedded classifier pretraining / ImageNet weights) or "
        "scratch (the labelled from-scratch experiment)",
    )
    p.add_argument(
        "--backbone",
        default=None,
        choices=("convpool", "alexnet", "resnet50"),
        help="default: convpool (embedded solver) or alexnet (paper solver)",
    )
    p.add_argument(
        "--solver",
        default="embedded",
        choices=("embedded", "paper"),
        help="embedded: the tuned Adam defaults for the digit sets; paper: each paper's official "
        "SGD solver on an ImageNet-pretrained backbone",
    )
    p.add_argument(
        "--continuous-similarity",
        action="store_true",
        help="HashNet's continuous similarity for multi-label data (Caffe continous_similarity)",
    )
    p.add_argument(
        "--conventions",
        action="store_true",
        help="add each run's mAP under every published convention (metrics.map_conventions)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="train every deep model even if the disk cache holds it (hashlib_edu.cache)",
    )
    p.add_argument(
        "--show",
        metavar="RESULTS_JSON",
        default=None,
        help="print the table and the claims of an existing results.json; train nothing",
    )
    return p


def _configs(args: argparse.Namespace) -> dict[str, TrainConfig]:
    """One config per deep method from the command line (the paper solver is per method)."""
    overrides = {"continuous_similarity": args.continuous_similarity}
    for name in ("init", "iterations"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    configs = {}
    for method in args.methods:
        if method not in METHODS:
            continue
        if args.solver == "paper":
            backbone = args.backbone or "alexnet"
            configs[method] = TrainConfig.paper(method, backbone=backbone, **overrides)
        else:
            backbone = args.backbone or "convpool"
            configs[method] = TrainConfig.tuned(method, backbone=backbone, **overrides)
    return configs


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.show is not None:
        print(report(json.loads(Path(args.show).read_text())))
        return 0
    seeds = [args.seed] if args.seed is not None else args.seeds
    try:
        configs = _configs(args)
        results = run_experiment(
            args.dataset,
            args.methods,
            args.bits,
            seeds=seeds,
            device=args.device,
            root=args.root,
            config=configs,
            init=args.init,
            out=args.out,
            export_codes=args.export_codes,
            conventions=args.conventions,
            progress=not args.quiet,
            cache=not args.no_cache,
            command=" ".join(
                ["python -m hashlib_edu.reproduce", *(sys.argv[1:] if argv is None else argv)]
            ),
        )
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(report(results))
    print(f"\nwrote {Path(args.out) / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
