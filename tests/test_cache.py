"""One trained model per setting: the disk cache of `train_hashing_model(cache=True)`."""

from __future__ import annotations

import warnings

import pytest
import torch

from hashlib_edu import training
from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.training import train_hashing_model

FAST = TrainConfig.tuned("hashnet", iterations=6, init="scratch")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLIB_EDU_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def _files(cache):
    folder = cache / "models"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _train(data, method="hashnet", config=FAST, **kwargs):
    return train_hashing_model(
        method, data, 16, config=config, seed=0, device="cpu", progress=False, cache=True, **kwargs
    )


def _no_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("trained although the cache holds this model")

    monkeypatch.setattr(training, "_initial_model", fail)


def test_a_cached_model_is_loaded_not_trained_again(cache, digits, monkeypatch):
    first = _train(digits)
    (path,) = _files(cache)
    assert path.suffix == ".pt" and not list(cache.rglob("*.tmp*"))  # atomic: no temp file left
    _no_training(monkeypatch)
    second = _train(digits)
    for key, value in first.model.state_dict().items():
        assert torch.equal(value, second.model.state_dict()[key])
    assert second.history == first.history and second.train_seconds == first.train_seconds
    assert second.method == "hashnet" and second.config == FAST


def test_hashnet_and_hashnet_c_share_one_model(cache, digits, monkeypatch):
    _train(digits, "hashnet")
    _no_training(monkeypatch)
    assert _train(digits, "hashnet-rank-h").method == "hashnet-rank-h"
    assert len(_files(cache)) == 1


def test_seed_settings_and_method_are_part_of_the_key(cache, digits):
    _train(digits)
    _train(digits, config=TrainConfig.tuned("hashnet", iterations=7, init="scratch"))
    _train(digits, "hashnet-w")
    train_hashing_model("hashnet", digits, 16, config=FAST, seed=1, progress=False, cache=True)
    assert len(_files(cache)) == 4


def test_snapshots_are_cached_with_the_model(cache, digits, monkeypatch):
    plain = _train(digits)
    assert plain.snapshots == []
    replay = _train(digits, snapshot_every=3, snapshot_size=50)  # another setting: trains
    assert [s["step"] for s in replay.snapshots] == [0, 3, 6]
    assert replay.snapshots[-1]["outputs"].shape == (50, 16)
    assert len(_files(cache)) == 2
    _no_training(monkeypatch)
    again = _train(digits, snapshot_every=3, snapshot_size=50)
    assert again.snapshots[-1]["map"] == replay.snapshots[-1]["map"]
    assert (again.snapshots[-1]["outputs"] == replay.snapshots[-1]["outputs"]).all()
    assert again.snapshots[-1]["outputs"].dtype == replay.snapshots[-1]["outputs"].dtype


def test_a_corrupt_or_foreign_cache_file_is_rebuilt_not_trusted(cache, digits):
    _train(digits)
    (path,) = _files(cache)
    path.write_bytes(b"not a torch file")
    with pytest.warns(RuntimeWarning, match="rebuilt"):
        _train(digits)
    payload = torch.load(path, weights_only=True)
    payload["description"] = payload["description"].replace('"iterations": 6', '"iterations": 9')
    torch.save(payload, path)
    with pytest.warns(RuntimeWarning, match="settings differ"):
        _train(digits)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _train(digits)  # rebuilt and valid again


def test_cache_off_trains_every_time_and_writes_nothing(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("HASHLIB_EDU_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    calls = []
    real = training._initial_model
    monkeypatch.setattr(training, "_initial_model", lambda *a: calls.append(1) or real(*a))
    _train(digits)
    _train(digits)
    assert len(calls) == 2 and not list(tmp_path.iterdir())
