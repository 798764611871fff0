"""Where HashNet's weighting and continuation start to matter: an imbalance x training-length sweep.

    python -m hashlib_edu.sweep [--datasets digits digit-pairs digit-triples] \
        [--iterations 200 800] [--bits 32] [--seeds 0 1 2 3 4] [--out runs/sweep.json]

HashNet (Cao et al., ICCV 2017) argues that (a) weighting the likelihood by |S|/|S1| and |S|/|S0|
matters because similar pairs are rare (ImageNet-100: 1%), and (b) continuation tanh(beta z) ->
sign(z) matters because codes must end binary. The embedded datasets span the first axis: `digits`
(10 classes, 10% similar pairs), `digit-pairs` (100 classes, 1%), `digit-triples` (1,000 classes,
0.1%); the second is the training length. Every point trains HashNet, HashNet-W, HashNet-sgn and
DHN with the tuned settings (chosen on digit-pairs validation data; the same settings everywhere),
pretrained start, and reports mean and sd over the seeds of the tie-aware mAP, and at every point
the two claims paired over the seeds with their 95% t interval (`results.paired_claim`: the same
criterion as the main job). The JSON file keeps the command, package versions, machine and every
run; `plots.plot_imbalance_sweep` draws it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ._io import atomic_write
from ._validation import check_bool, check_positive_int, check_seed, check_sequence, check_str
from .data import load_dataset
from .experiment import run_experiment
from .methods import get_method
from .results import environment, paired_claim

__all__ = ["SWEEP_CLAIMS", "SWEEP_METHODS", "run_sweep", "main"]

SWEEP_METHODS = ("hashnet", "hashnet-w", "hashnet-sgn", "dhn")
#: What the sweep asks at every point: (a, b, claim), paired over the seeds.
SWEEP_CLAIMS = (
    ("hashnet", "hashnet-w", "the weights help (HashNet > HashNet-W)"),
    ("hashnet", "hashnet-sgn", "continuation helps (HashNet > HashNet-sgn)"),
)


def _check_sweep(datasets, iterations, bits, seeds, methods, progress) -> None:
    for name in check_sequence(datasets, "datasets", "a list of dataset names"):
        check_str(name, "each dataset name")
    for length in check_sequence(iterations, "iterations", "a list of training lengths"):
        check_positive_int(length, "each training length")
    check_positive_int(bits, "bits")
    for seed in check_sequence(seeds, "seeds", "a list of seeds", min_length=2):
        check_seed(seed)
    for method in check_sequence(methods, "methods", "a list of method keys"):
        get_method(method)
    check_bool(progress, "progress")


def run_sweep(
    datasets: Sequence[str] = ("digits", "digit-pairs", "digit-triples"),
    iterations: Sequence[int] = (200, 800),
    bits: int = 32,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    methods: Sequence[str] = SWEEP_METHODS,
    progress: bool = True,
) -> dict[str, list[dict]]:
    """{"rows": summary rows (one per dataset, training length and method) with the similar-pair
    share, "claims": :data:`SWEEP_CLAIMS` paired over the seeds at every point, "runs": every run}."""
    _check_sweep(datasets, iterations, bits, seeds, methods, progress)
    rows, claims, runs = [], [], []
    for name in datasets:
        fraction = load_dataset(name, seed=seeds[0]).similar_fraction()
        for length in iterations:
            results = run_experiment(
                name, methods, [bits], seeds=seeds, iterations=length, progress=False
            )
            point = {"dataset": name, "similar_fraction": fraction, "iterations": length}
            runs += [{**point, **run} for run in results["runs"]]
            for a, b, text in SWEEP_CLAIMS:
                claim = paired_claim(results["runs"], a, b, bits, claim=text)
                claims.append({**point, **claim})
                if progress:
                    print(f"{name:<14} {length:>5} it  {text}: {claim['verdict']}", flush=True)
            for row in results["summary"]:
                rows.append(
                    {"dataset": name, "similar_fraction": fraction, "iterations": length, **row}
                )
                if progress:
                    print(
                        f"{name:<14} {length:>5} it  {row['method']:<12} mAP tie-aware "
                        f"{row['map_expected_mean']:.4f} ± {row['map_expected_sd']:.4f}",
                        flush=True,
                    )
    return {"rows": rows, "claims": claims, "runs": runs}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hashlib_edu.sweep", description=__doc__.split("\n")[0]
    )
    p.add_argument("--datasets", nargs="+", default=["digits", "digit-pairs", "digit-triples"])
    p.add_argument("--iterations", nargs="+", type=int, default=[200, 800])
    p.add_argument("--bits", type=int, default=32)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    p.add_argument("--out", default="runs/sweep.json")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    outcome = run_sweep(args.datasets, args.iterations, args.bits, args.seeds)
    record = {
        "command": "python -m hashlib_edu.sweep "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "bits": args.bits,
        "seeds": args.seeds,
        "environment": environment(),
        **outcome,
    }
    atomic_write(Path(args.out), lambda f: f.write((json.dumps(record, indent=2) + "\n").encode()))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
