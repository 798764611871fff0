"""The per-seed differences behind a paired claim, and seed subsets (hashlib_edu.results)."""

import numpy as np
import pytest

from hashlib_edu import reference
from hashlib_edu.results import paired_claim, runs_with_seeds, seed_differences


def _runs():
    values = {"a": [0.5, 0.6, 0.7], "b": [0.4, 0.65, 0.5]}
    return [
        {"method": m, "bits": 16, "seed": s, "map_expected": v}
        for m, vs in values.items()
        for s, v in enumerate(vs)
    ] + [{"method": "a", "bits": 32, "seed": 0, "map_expected": 0.9}]


def test_seed_differences_are_paired_by_seed():
    d = seed_differences(_runs(), "a", "b", 16)
    assert list(d) == [0, 1, 2]
    assert np.allclose(list(d.values()), [0.1, -0.05, 0.2])
    # only seeds with both methods count
    assert seed_differences(_runs()[1:], "a", "b", 16).keys() == {1, 2}


def test_seed_differences_are_the_data_of_paired_claim():
    results = reference.load("results")
    d = np.array(list(seed_differences(results["runs"], "hashnet", "itq", 16).values()))
    record = paired_claim(results["runs"], "hashnet", "itq", 16)
    assert record["n_seeds"] == len(d) == 5
    assert d.mean() == pytest.approx(record["mean_difference"])


def test_runs_with_seeds_keeps_only_those_seeds():
    runs = _runs()
    kept = runs_with_seeds(runs, [0, 2])
    assert {r["seed"] for r in kept} == {0, 2}
    assert len(kept) == 5
    kept[0]["map_expected"] = -1.0  # a copy: the original runs are untouched
    assert runs[0]["map_expected"] == 0.5
    left_out = paired_claim(runs_with_seeds(runs, [0, 2]), "a", "b", 16)
    assert left_out["n_seeds"] == 2
    assert left_out["mean_difference"] == pytest.approx(0.15)


@pytest.mark.parametrize(
    ("runs", "seeds", "error"),
    [
        ("results", [0], TypeError),
        ({"runs": []}, [0], TypeError),
        ([1, 2], [0], TypeError),
        ([{"method": "a"}], [0], ValueError),
        (None, [0], TypeError),
        ("ok", 0, TypeError),
        ("ok", "01", TypeError),
        ("ok", [0.0], TypeError),
        ("ok", [True], TypeError),
        ("ok", [], ValueError),
        ("ok", [0, 0], ValueError),
        ("ok", [7], ValueError),
    ],
)
def test_runs_with_seeds_checks_its_inputs(runs, seeds, error):
    runs = _runs() if runs == "ok" else runs
    with pytest.raises(error):
        runs_with_seeds(runs, seeds)


def test_seed_differences_checks_its_inputs():
    runs = _runs()
    with pytest.raises(TypeError):
        seed_differences(runs, "a", 1, 16)
    with pytest.raises(TypeError):
        seed_differences(runs, "a", "b", 16.0)
    with pytest.raises(TypeError):
        seed_differences(runs, "a", "b", True)
    with pytest.raises(TypeError):
        seed_differences({"runs": runs}, "a", "b", 16)
    with pytest.raises(ValueError, match="no seed"):
        seed_differences(runs, "a", "b", 64)
    with pytest.raises(ValueError, match="no seed"):
        seed_differences(runs, "a", "c", 16)
    with pytest.raises(ValueError, match="has no 'map'"):
        seed_differences(runs, "a", "b", 16, metric="map")
