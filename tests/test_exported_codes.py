"""The main job's exported codes (``python -m hashlib_edu.reproduce --export-codes``) hold the runs
it recorded: each run's mAP@R, recomputed from its exported codes by the brute-force reference of
tests/map_reference.py (not by the package's metrics, which produced it), is the recorded value."""

from __future__ import annotations

import json

import numpy as np
import pytest
from map_reference import hamming_map, inner_product_map

from hashlib_edu.data import load_dataset
from hashlib_edu.reproduce import main

METHODS = ("hashnet", "hashnet-rank-h", "itq", "lsh")
ARGS = ["--dataset", "digits", "--methods", *METHODS, "--bits", "8", "16", "--seeds", "0"]
ARGS += ["--iterations", "20", "--init", "scratch", "--no-cache", "--quiet", "--export-codes"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("exported")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HASHLIB_EDU_CACHE", str(out / "cache"))
        assert main([*ARGS, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def runs(run_dir):
    return json.loads((run_dir / "results.json").read_text())["runs"]


def exported(run_dir, run: dict) -> dict[str, np.ndarray]:
    path = run_dir / "codes" / f"{run['method']}_{run['bits']}_seed{run['seed']}.npz"
    with np.load(path) as npz:
        return dict(npz)


def test_one_file_per_run_and_the_protocols_r(run_dir, runs):
    files = sorted(p.name for p in (run_dir / "codes").iterdir())
    assert files == sorted(f"{r['method']}_{r['bits']}_seed{r['seed']}.npz" for r in runs)
    assert len(runs) == len(METHODS) * 2
    data = load_dataset("digits", seed=0)
    for run in runs:
        assert len(exported(run_dir, run)["db_codes"]) == len(data.database)
        assert run["topk"] == (data.topk or len(data.database))  # digits: R = the whole database


@pytest.mark.parametrize("method", [m for m in METHODS if m != "hashnet-rank-h"])
def test_the_recorded_map_is_the_brute_force_map_of_the_exported_codes(run_dir, runs, method):
    for run in (r for r in runs if r["method"] == method):
        codes = exported(run_dir, run)
        assert set(np.unique(codes["db_codes"])) <= {-1, 1}
        assert len(np.unique(codes["db_codes"], axis=0)) > 10  # a ranking worth checking
        args = (codes["query_codes"], codes["db_codes"], codes["query_labels"], codes["db_labels"])
        assert run["map"] == pytest.approx(hamming_map(*args, run["topk"]), rel=1e-12)


def test_hashnet_ranked_by_h_is_the_inner_product_map_of_the_exported_outputs(run_dir, runs):
    for run in (r for r in runs if r["method"] == "hashnet-rank-h"):
        codes = exported(run_dir, run)
        args = (codes["query_outputs"], codes["db_outputs"])
        args += (codes["query_labels"], codes["db_labels"])
        # float32 scores of the package against float64 here: only near-equal scores may swap
        assert run["map"] == pytest.approx(inner_product_map(*args, run["topk"]), abs=1e-4)
        hamming = hamming_map(codes["query_codes"], codes["db_codes"], *args[2:], run["topk"])
        assert run["map"] != pytest.approx(hamming, abs=1e-4)  # ranked by h, not by the codes
