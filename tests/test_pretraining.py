"""The pretraining stage: seeded, cached atomically, never trusted when corrupt, training split only."""

import warnings

import numpy as np
import pytest
import torch

from hashlib_edu.cache import cache_dir
from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.encoding import encode
from hashlib_edu.pretraining import PretrainConfig, pretrained_trunk
from hashlib_edu.training import train_hashing_model

FAST = PretrainConfig(iterations=20, batch_size=64)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLIB_EDU_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def _files(cache):
    return sorted((cache / "pretrained").iterdir())


def test_pretraining_is_cached_atomically_and_reused(cache, digits):
    first = pretrained_trunk(digits, seed=0, config=FAST)
    files = _files(cache)
    assert len(files) == 1 and files[0].suffix == ".pt"  # no temporary file left behind
    stamp = files[0].stat().st_mtime_ns
    again = pretrained_trunk(digits, seed=0, config=FAST)
    assert files[0].stat().st_mtime_ns == stamp  # loaded, not retrained
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert cache_dir() == cache


def test_seed_and_settings_are_part_of_the_key(cache, digits):
    a = pretrained_trunk(digits, seed=0, config=FAST)
    b = pretrained_trunk(digits, seed=1, config=FAST)
    pretrained_trunk(digits, seed=0, config=PretrainConfig(iterations=21, batch_size=64))
    assert len(_files(cache)) == 3
    assert not torch.equal(a["fc.1.weight"], b["fc.1.weight"])


def test_a_corrupt_cache_file_is_rebuilt_not_trusted(cache, digits):
    good = pretrained_trunk(digits, seed=0, config=FAST)
    (path,) = _files(cache)
    path.write_bytes(b"truncated")
    with pytest.warns(RuntimeWarning, match="rebuilt"):
        rebuilt = pretrained_trunk(digits, seed=0, config=FAST)
    assert all(torch.equal(good[k], rebuilt[k]) for k in good)  # seeded: the same weights
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pretrained_trunk(digits, seed=0, config=FAST)  # the rebuilt file is valid again


def test_a_cache_file_of_other_settings_is_not_trusted(cache, digits):
    pretrained_trunk(digits, seed=0, config=FAST)
    (path,) = _files(cache)
    payload = torch.load(path, weights_only=True)
    payload["description"] = "something else"
    torch.save(payload, path)
    with pytest.warns(RuntimeWarning, match="settings differ"):
        pretrained_trunk(digits, seed=0, config=FAST)


def test_pretraining_sees_only_the_training_split(cache, digits, monkeypatch):
    seen = []
    import hashlib_edu.batches as batches

    original = batches.minibatches

    def spy(dataset, batch_size, generator):
        seen.append(dataset)
        return original(dataset, batch_size, generator)

    monkeypatch.setattr(batches, "minibatches", spy)
    pretrained_trunk(digits, seed=0, config=FAST)
    (batched,) = seen
    assert batched.images is digits.train.images  # the training split's images, nothing else
    assert torch.equal(batched.labels, digits.train.labels)  # with its own labels


def test_coarse_pretraining_classifies_the_first_digit_only(cache, monkeypatch):
    from dataclasses import replace

    import hashlib_edu.batches as batches
    from hashlib_edu.data.digits import digits_source

    data = load_dataset("digit-pairs", seed=0, n_train=200, n_query=100, n_database=200)
    seen = []
    original = batches.minibatches
    monkeypatch.setattr(batches, "minibatches", lambda d, b, g: seen.append(d) or original(d, b, g))
    fine = pretrained_trunk(data, seed=0, config=FAST)
    coarse = pretrained_trunk(data, seed=0, config=replace(FAST, labels="first-digit"))
    _, digit_of = digits_source()
    assert seen[1].labels.shape == (200, 10)
    assert np.array_equal(seen[1].labels.argmax(1).numpy(), digit_of[data.train.sources[:, 0]])
    assert not torch.equal(fine["conv.0.weight"], coarse["conv.0.weight"])
    assert len(_files(cache)) == 2  # the label set is part of the cache key
    with pytest.raises(ValueError, match="first-digit"):
        pretrained_trunk(load_dataset("digits", seed=0), config=replace(FAST, labels="first-digit"))
    with pytest.raises(ValueError, match="PretrainConfig.labels 'coarse'; choose one of"):
        replace(FAST, labels="coarse")


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"iterations": 0}, ValueError, "PretrainConfig.iterations"),
        ({"iterations": 2.5}, TypeError, "PretrainConfig.iterations"),  # never truncated to 2
        ({"iterations": True}, TypeError, "PretrainConfig.iterations"),
        ({"batch_size": -1}, ValueError, "PretrainConfig.batch_size"),
        ({"batch_size": 64.0}, TypeError, "PretrainConfig.batch_size"),
        ({"lr": 0.0}, ValueError, "PretrainConfig.lr"),
        ({"lr": "2e-3"}, TypeError, "PretrainConfig.lr"),
        ({"weight_decay": -1e-4}, ValueError, "PretrainConfig.weight_decay"),
        ({"weight_decay": None}, TypeError, "PretrainConfig.weight_decay"),
        ({"labels": "coarse"}, ValueError, "PretrainConfig.labels"),
        ({"labels": 1}, TypeError, "PretrainConfig.labels"),
    ],
)
def test_pretrain_config_rejects_bad_settings(kwargs, error, name):
    with pytest.raises(error, match=name):
        PretrainConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"data": "digits"}, TypeError, "data"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.0}, TypeError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"config": {"iterations": 20}}, TypeError, "config"),
        ({"device": "gpu"}, ValueError, "device"),
        ({"device": 0.5}, TypeError, "device"),
        ({"progress": "yes"}, TypeError, "progress"),
    ],
)
def test_pretrained_trunk_checks_its_arguments_before_training(cache, digits, kwargs, error, name):
    arguments = {"data": digits, "seed": 0, "config": FAST, **kwargs}
    with pytest.raises(error, match=name):
        pretrained_trunk(arguments.pop("data"), **arguments)
    assert not (cache / "pretrained").exists()  # refused before anything was trained or cached


def test_pretrained_start_gives_many_distinct_codes_on_digit_pairs(cache):
    from hashlib_edu.metrics import mean_average_precision

    data = load_dataset("digit-pairs", seed=0)
    config = TrainConfig.tuned("dhn", iterations=200)
    run = train_hashing_model("dhn", data, 16, config=config, seed=0, progress=False)
    q, d = encode(run.model, data.query), encode(run.model, data.database)
    assert len(np.unique(d.codes, axis=0)) > 100  # not one shared point
    score = mean_average_precision(q.codes, d.codes, q.labels, d.labels, 1000, ties="expected")
    assert score > 5 * 0.0164  # chance (a constant code) is 0.0164
