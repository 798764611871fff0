"""The main job as a library: train and evaluate methods at several code lengths and seeds.

:func:`run_experiment` runs every (seed, bits, method) of one dataset and writes results.json
(the format is described in :mod:`hashlib_edu.reproduce`, its command line); :func:`run_one` is one
method at one code length (the notebooks' entry point). The methods are the registry's
(:mod:`hashlib_edu.methods`): the deep ones trained with their tuned settings
(:meth:`hashlib_edu.config.TrainConfig.tuned`), the shallow ones fitted on the pretrained trunk's
features (:mod:`hashlib_edu.features`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._io import atomic_write
from .codes import quantization_error
from .config import TrainConfig
from .data import load_dataset
from .encoding import Encoded, encode
from .features import run_shallow, shallow_inputs
from .methods import METHODS, get_method
from .results import (
    METRICS,
    PAPER_CLAIMS,
    SUITE_QUESTIONS,
    chance_level,
    convention_values,
    environment,
    evaluate_codes,
    format_run,
    paired_claims,
    summarize,
)
from .training import train_hashing_model

__all__ = [
    "ALL_METHODS",
    "DEFAULT_BITS",
    "DEFAULT_METHODS",
    "DEFAULT_SEEDS",
    "RUN_KEYS",
    "run_one",
    "run_experiment",
]

#: Every method of the registry; the main job runs them all by default, in registry order.
ALL_METHODS = tuple(METHODS)
DEFAULT_METHODS = ALL_METHODS
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
    (`conventions.map_conventions`; null for `hashnet-rank-h`, which ranks continuous outputs). With `cache`
    (default) a deep model trained before with the same setting is loaded from the disk cache
    (`hashlib_edu.cache`) instead of trained again; its `train_seconds` are those of its training.
    """
    spec = get_method(method)
    if spec.kind == "shallow":
        query, database, seconds = run_shallow(
            method, data, bits, seed, shallow_init, pretrain_labels
        )
    else:
        key = (spec.trains_as or method, bits, seed, config)
        if trained is not None and key in trained:
            query, database, seconds = trained[key]
        else:
            query, database, seconds = _run_deep(
                method, data, bits, seed, device, config, progress, cache
            )
            if trained is not None:
                trained[key] = (query, database, seconds)
    continuous = spec.continuous_ranking
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
            if METHODS[m].kind == "deep"
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
        if any(METHODS[m].kind == "shallow" for m in methods):
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
    if METHODS[method].kind == "shallow":
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
