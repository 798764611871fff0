"""Tuning on validation data built like the test data; grids whose choices are interior."""

import argparse
import json

import numpy as np
import pytest

from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset, source_overlap, validation_data
from hashlib_edu.tune import GRID, NATURAL_BOUNDS, TUNED_FILE, extend_axis, merge_record, tune


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def _sources(split) -> set:
    return set(np.unique(split.sources[split.sources >= 0]).tolist())


@pytest.mark.parametrize("name", ["digit-pairs", "digit-sets"])
def test_composed_validation_never_shows_a_tuning_run_its_queries_digits(name):
    data = load_dataset(name, seed=0)
    val = validation_data(data)
    trained = _sources(val.train)
    validated = _sources(val.query) | _sources(val.database)
    assert not trained & validated  # as at test time: no query digit was trained on
    assert trained <= set(data.indices["train_pool"].tolist())  # only the training pool is used
    assert validated <= set(data.indices["train_pool"].tolist())
    assert not validated & set(data.indices["heldout_pool"].tolist())  # test digits untouched
    sizes = [len(s) for s in (val.train, val.query, val.database)]
    assert sizes == [len(s) for s in (data.train, data.query, data.database)]
    assert val.name == f"{name}/validation" and val.topk == data.topk


def test_digits_validation_is_carved_from_the_training_split(digits):
    val = validation_data(digits)
    train = set(np.asarray(digits.indices["train"]).tolist())
    parts = [set(val.indices[k].tolist()) for k in ("train", "query", "database")]
    assert all(p <= train for p in parts)
    assert not parts[0] & (parts[1] | parts[2]) and not parts[1] & parts[2]
    assert [len(p) for p in parts] == [250, 50, 200]


def test_the_overlap_with_other_seeds_test_digits_is_measured():
    val = validation_data(load_dataset("digit-pairs", seed=0))
    rows = source_overlap(val, [0, 1])
    assert rows[0] == {"seed": 0, "shared": 0, "test_pool": 898, "share": 0.0}
    assert 0.15 < rows[1]["share"] < 0.35  # ~ 448 tuning digits of 1,797
    with pytest.raises(ValueError, match="composed"):
        source_overlap(validation_data(load_dataset("digits", seed=0)), [0])


def test_validation_data_rejects_file_backed_data(digits):
    digits.name = "cifar10"
    with pytest.raises(ValueError, match="embedded"):
        validation_data(digits)


def test_every_method_starts_from_a_grid_of_the_same_size():
    sizes = {m: int(np.prod([len(v) for v in grid.values()])) for m, grid in GRID.items()}
    assert len(set(sizes.values())) == 1, sizes
    assert 0.0 in GRID["dhn"]["quantization_weight"]  # DHN's lambda grid includes 0


def test_an_axis_is_extended_only_at_an_open_edge():
    assert extend_axis([1e-5, 3e-5, 1e-4, 3e-4], 3e-5, "lr") is None  # interior
    assert extend_axis([1e-5, 3e-5, 1e-4, 3e-4], 1e-5, "lr") == 3e-6  # 1e-5 / (3e-5 / 1e-5)
    assert extend_axis([1e-5, 3e-5, 1e-4, 3e-4], 3e-4, "lr") == 9e-4
    assert extend_axis([0.0, 0.3, 1.0, 3.0], 0.0, "quantization_weight") is None  # natural bound
    assert extend_axis([0.0, 0.3, 1.0, 3.0], 3.0, "quantization_weight") == 9.0
    assert extend_axis([0.0, 0.1], 0.1, "quantization_weight") == 1.0


def test_tune_extends_the_grid_until_the_choice_is_interior(monkeypatch):
    scores = {1e-3: 0.1, 1e-2: 0.3, 1e-1: 0.5, 1.0: 0.4}  # the best lr lies above the first grid
    monkeypatch.setitem(GRID, "dhn", {"lr": (1e-3, 1e-2), "quantization_weight": (0.0,)})
    monkeypatch.setattr(
        "hashlib_edu.tune._validation_map",
        lambda method, data, bits, config, seed: scores[config.lr],
    )
    outcome = tune("digits", ["dhn"], [8], progress=False)
    assert outcome["settings"]["dhn"] == {"lr": 1e-1, "quantization_weight": 0.0}
    assert [r["round"] for r in outcome["rounds"]] == [1, 2, 3]
    assert [r["lr"] for r in outcome["grid"]] == [1e-3, 1e-2, 1e-1, 1.0]
    assert outcome["rounds"][-1]["chosen_inside_grid"] is True


def test_tune_picks_the_best_validation_setting(monkeypatch):
    monkeypatch.setitem(GRID, "dhn", {"lr": (1e-4,), "quantization_weight": (0.0, 0.1)})
    base = TrainConfig(iterations=10)
    outcome = tune("digits", ["dhn"], [8], base=base, progress=False, max_rounds=0)
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


def test_the_committed_choices_are_interior_and_every_round_is_recorded():
    record = json.loads(TUNED_FILE.read_text())
    assert record["seeds"] == [0] and record["validation"]["name"] == "digit-pairs/validation"
    overlap = record["validation"]["overlap_with_reference_test_pools"]
    assert [o["seed"] for o in overlap] == [0, 1, 2, 3, 4] and overlap[0]["shared"] == 0
    for method in GRID:
        rounds = [r for r in record["rounds"] if r["method"] == method]
        final = rounds[-1]["final_grid"]
        assert rounds[-1]["chosen_inside_grid"]
        rows = [r for r in record["grid"] if r["method"] == method]
        assert len(rows) == int(np.prod([len(v) for v in final.values()]))  # every point run
        best = max(rows, key=lambda r: r["validation_map"])
        assert record["settings"][method] == {name: best[name] for name in final}
        for name, value in record["settings"][method].items():
            inside = min(final[name]) < value < max(final[name])
            assert inside or NATURAL_BOUNDS.get(name) == value, (method, name, value)
    assert record["discarded"], "the earlier rounds are kept"


def test_merging_keeps_other_methods_and_moves_replaced_rows_to_discarded():
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
        "settings": {"hashnet": {"lr": 3.0}, "hashnet-rank-h": {"lr": 3.0}},
        "grid": [{"method": "hashnet", "validation_map": 0.3}],
        "rounds": [{"method": "hashnet", "round": 1}],
    }
    record = merge_record(old, new, "tune --methods hashnet", args)
    expected = {"dhn": {"lr": 1.0}, "hashnet": {"lr": 3.0}, "hashnet-rank-h": {"lr": 3.0}}
    assert record["settings"] == expected
    assert [r["validation_map"] for r in record["grid"]] == [0.1, 0.3]
    assert record["discarded"] == [
        {"superseded_by": "tune --methods hashnet", "grid": [old["grid"][1]]}
    ]
    assert [c["command"] for c in record["commands"]] == [
        "tune --methods dhn",
        "tune --methods hashnet",
    ]
