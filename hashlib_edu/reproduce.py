"""The main job's command line: train and evaluate methods at several code lengths and seeds.

    python -m hashlib_edu.reproduce --dataset digit-pairs \
        --methods METHOD ... --bits 16 32 48 64 --seeds 0 1 2 3 4 --out runs \
        [--init pretrained|scratch] [--export-codes] [--conventions]

(every option above is a default except the bracketed ones; the methods default to every method
of the registry, :mod:`hashlib_edu.methods`; `make reference` writes the committed
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

The work itself is :mod:`hashlib_edu.experiment` (:func:`~hashlib_edu.experiment.run_experiment`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import INITS, TrainConfig
from .experiment import ALL_METHODS, DEFAULT_BITS, DEFAULT_METHODS, DEFAULT_SEEDS, run_experiment
from .methods import METHODS
from .models import BACKBONES
from .results import report

__all__ = ["main"]


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
        choices=BACKBONES,
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
        help="add each run's mAP under every published convention (conventions.map_conventions)",
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
        if METHODS[method].kind != "deep":
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
