"""The committed reference run (results/results.json, written by `make run`) reproduces.

It is what notebook 04 and the README present, so a slice of it is rerun here: seed 0 at 16 bits
for every method. The rerun must lie within the recorded spread over the seeds (a margin of 2 sd,
at least 0.03: floating point differs between machines and thread counts, so a retrained model is
not bit-identical to the recorded one).
"""

import json
from pathlib import Path

import pytest

from hashlib_edu import reproduce
from hashlib_edu.data import load_dataset
from hashlib_edu.reproduce import DEFAULT_METHODS, claims_table, format_table, run_one

RESULTS = Path(__file__).resolve().parents[1] / "results" / "results.json"
RUN_KEYS = set(reproduce.RUN_KEYS) | {"conventions"}


@pytest.fixture(scope="module")
def reference():
    return json.loads(RESULTS.read_text())


def test_reference_file_describes_the_whole_default_run(reference):
    assert reference["command"].startswith("python -m hashlib_edu.reproduce")
    assert reference["dataset"] == "digit-pairs" and reference["seeds"] == [0, 1, 2]
    expected = {(m, b, s) for m in DEFAULT_METHODS for b in (16, 32, 48, 64) for s in (0, 1, 2)}
    assert {(r["method"], r["bits"], r["seed"]) for r in reference["runs"]} == expected
    assert all(set(r) == RUN_KEYS for r in reference["runs"])
    assert {"torch", "numpy", "python", "machine", "cpu_count"} <= set(reference["environment"])
    assert len(reference["summary"]) == len(DEFAULT_METHODS) * 4


def test_no_deep_method_ends_at_a_single_code(reference):
    chance = max(c["map_expected"] for c in reference["chance"])
    for run in reference["runs"]:
        assert run["map_expected"] > 5 * chance, run


@pytest.fixture(scope="module")
def rerun():
    data = load_dataset("digit-pairs", seed=0)
    trained: dict = {}
    return {m: run_one(m, data, 16, seed=0, trained=trained)[0] for m in DEFAULT_METHODS}


@pytest.mark.parametrize("method", DEFAULT_METHODS)
def test_a_rerun_lies_within_the_recorded_spread(reference, rerun, method):
    row = next(r for r in reference["summary"] if (r["method"], r["bits"]) == (method, 16))
    for metric in ("map", "map_expected"):
        margin = max(2 * row[f"{metric}_sd"], 0.03)
        assert abs(rerun[method][metric] - row[f"{metric}_mean"]) <= margin, (method, metric)


def test_readme_shows_the_committed_table_and_claims(reference):
    readme = (RESULTS.parents[1] / "README.md").read_text()
    assert (
        format_table(reference) in readme
    )  # python -m hashlib_edu.reproduce --show results/results.json
    assert claims_table(reference["summary"]) in readme
