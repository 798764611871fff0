"""Tuning on validation data carved from the training split; the same grid size for every method."""

import argparse

import numpy as np
import pytest

from hashlib_edu.data import load_dataset
from hashlib_edu.training import TrainConfig
from hashlib_edu.tune import GRID, merge_record, tune, validation_data


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def test_validation_split_comes_from_the_training_split_only(digits):
    val = validation_data(digits, n_validation=100, seed=0)
    train_rows = set(np.asarray(digits.indices["train"]).tolist())
    held_out = set(np.asarray(digits.indices["query"]).tolist())
    assert set(val.indices["query"].tolist()) <= train_rows
    assert set(val.indices["train"].tolist()) <= train_rows
    assert not set(val.indices["query"].tolist()) & set(val.indices["train"].tolist())
    assert not (set(val.indices["query"].tolist()) | set(val.indices["train"].tolist())) & held_out
    assert len(val.query) == 100 and len(val.database) == len(val.train) == 400
    assert val.train is val.database  # the rest of the training split is both


def test_every_method_gets_the_same_grid_size():
    sizes = {m: int(np.prod([len(v) for v in grid.values()])) for m, grid in GRID.items()}
    assert len(set(sizes.values())) == 1, sizes
    assert 0.0 in GRID["dhn"]["quantization_weight"]  # DHN's lambda grid includes 0


def test_tune_picks_the_best_validation_setting(monkeypatch):
    monkeypatch.setitem(GRID, "dhn", {"lr": (1e-4,), "quantization_weight": (0.0, 0.1)})
    base = TrainConfig(iterations=10)
    outcome = tune("digits", ["dhn"], [8], base=base, n_validation=100, progress=False)
    rows = outcome["grid"]
    assert [r["quantization_weight"] for r in rows] == [0.0, 0.1]
    best = max(rows, key=lambda r: r["validation_map"])
    assert outcome["settings"]["dhn"] == {
        "lr": 1e-4,
        "quantization_weight": best["quantization_weight"],
    }


def test_unknown_method_has_no_grid():
    with pytest.raises(ValueError, match="no tuning grid"):
        tune("digits", ["itq"], [8])


def test_merging_keeps_other_methods_and_their_command():
    args = argparse.Namespace(dataset="digit-pairs", bits=[16], seed=0)
    old = {
        "settings": {"dhn": {"lr": 1.0}, "hashnet": {"lr": 2.0}},
        "grid": [
            {"method": "dhn", "validation_map": 0.1},
            {"method": "hashnet", "validation_map": 0.2},
        ],
        "commands": [{"command": "tune --methods dhn", "methods": ["dhn"]}],
    }
    new = {
        "settings": {"hashnet": {"lr": 3.0}, "hashnet-c": {"lr": 3.0}},
        "grid": [{"method": "hashnet", "validation_map": 0.3}],
    }
    record = merge_record(old, new, "tune --methods hashnet", args)
    assert record["settings"] == {
        "dhn": {"lr": 1.0},
        "hashnet": {"lr": 3.0},
        "hashnet-c": {"lr": 3.0},
    }
    assert [r["validation_map"] for r in record["grid"]] == [0.1, 0.3]
    assert [c["command"] for c in record["commands"]] == [
        "tune --methods dhn",
        "tune --methods hashnet",
    ]
