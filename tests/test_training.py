"""Models, the training loop, encoding and checkpoints on the embedded digits."""

import numpy as np
import pytest
import torch

from hashlib_edu.data import load_dataset
from hashlib_edu.models import build_model, parameter_groups
from hashlib_edu.training import (
    TrainConfig,
    binarize,
    encode,
    load_checkpoint,
    save_checkpoint,
    train_hashing_model,
)

QUICK = TrainConfig(iterations=30, batch_size=32)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="module")
def hashnet_run(digits):
    return train_hashing_model("hashnet", digits, 16, config=QUICK, seed=0, progress=False)


def test_hash_layer_is_initialised_small_and_has_its_own_learning_rate():
    model = build_model("convpool", 48, (1, 8, 16))
    assert model.hash_layer.weight.std().item() == pytest.approx(0.01, rel=0.1)
    groups = parameter_groups(model, lr=0.01, hash_lr_multiplier=10)
    assert groups[1]["lr"] == pytest.approx(0.1)
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.hash_layer.parameters()}


def test_model_output_is_tanh_of_beta_z_and_encode_maps_zero_to_plus_one():
    model = build_model("convpool", 8, (1, 8, 8))
    x = torch.rand(4, 1, 8, 8)
    model.beta.fill_(3.0)
    assert torch.allclose(model(x), torch.tanh(3.0 * model.logits(x)))
    with torch.no_grad():
        model.hash_layer.weight.zero_()
        model.hash_layer.bias.zero_()
    assert torch.all(model.encode(x) == 1)
    assert binarize(np.array([[0.0, -0.2, 0.3]])).tolist() == [[1, -1, 1]]


def test_unknown_backbone_and_pretrained_convpool_are_refused():
    with pytest.raises(ValueError, match="unknown backbone"):
        build_model("vgg", 8)
    with pytest.raises(ValueError, match="pretrained"):
        build_model("convpool", 8, pretrained=True)
    with pytest.raises(ValueError, match="RGB"):
        build_model("alexnet", 8, (1, 224, 224))


def test_torchvision_backbones_build_without_weights():
    model = build_model("alexnet", 32, (3, 224, 224))
    assert model.hash_layer.in_features == 4096
    assert model(torch.rand(1, 3, 224, 224)).shape == (1, 32)


def test_training_records_history_and_continuation(hashnet_run):
    history = hashnet_run.history
    assert history["step"] == list(range(30))
    assert history["beta"][0] == 1.0 and history["beta"][-1] > 5.0  # compressed official schedule
    assert all(np.isfinite(history["loss"]))
    assert hashnet_run.model.beta.item() == pytest.approx(history["beta"][-1])


def test_dhn_and_sgn_keep_beta_at_one(digits):
    for method in ("dhn", "hashnet-sgn"):
        run = train_hashing_model(
            method, digits, 8, config=TrainConfig(iterations=3), progress=False
        )
        assert set(run.history["beta"]) == {1.0}


def test_encode_gives_int8_plus_minus_one_codes(digits, hashnet_run):
    encoded = encode(hashnet_run.model, digits.query)
    assert encoded.codes.dtype == np.int8 and set(np.unique(encoded.codes)) <= {-1, 1}
    assert encoded.codes.shape == (len(digits.query), 16)
    assert np.array_equal(
        encoded.codes, binarize(np.arctanh(np.clip(encoded.outputs, -0.999999, 0.999999)))
    )
    assert encoded.labels.shape == (len(digits.query), 10)


def test_same_seed_same_codes_different_seed_different(digits, hashnet_run):
    again = train_hashing_model("hashnet", digits, 16, config=QUICK, seed=0, progress=False)
    other = train_hashing_model("hashnet", digits, 16, config=QUICK, seed=1, progress=False)
    codes = [encode(r.model, digits.query).codes for r in (hashnet_run, again, other)]
    assert np.array_equal(codes[0], codes[1])
    assert not np.array_equal(codes[0], codes[2])


def test_training_learns_something(digits):
    from hashlib_edu.metrics import mean_average_precision

    run = train_hashing_model(
        "hashnet", digits, 16, config=TrainConfig(iterations=150), progress=False
    )
    q, d = encode(run.model, digits.query), encode(run.model, digits.database)
    assert mean_average_precision(q.codes, d.codes, q.labels, d.labels) > 0.5  # chance ~ 0.1


def test_snapshots_record_outputs_quantization_error_and_map(digits):
    run = train_hashing_model(
        "hashnet",
        digits,
        8,
        config=TrainConfig(iterations=20),
        progress=False,
        snapshot_every=10,
        snapshot_size=50,
    )
    assert [s["step"] for s in run.snapshots] == [0, 10, 20]  # step 0: before training
    assert run.snapshots[0]["outputs"].shape == (50, 8)
    assert all(0 <= s["map"] <= 1 and 0 <= s["quantization_error"] <= 1 for s in run.snapshots)


def test_unknown_method_is_refused(digits):
    with pytest.raises(ValueError, match="unknown method"):
        train_hashing_model("hashnet+c", digits, 8)


def test_checkpoint_round_trip(tmp_path, digits, hashnet_run):
    path = save_checkpoint(hashnet_run, tmp_path / "runs" / "hashnet.pt", digits.image_shape)
    restored = load_checkpoint(path)
    assert restored.beta.item() == pytest.approx(hashnet_run.model.beta.item())
    assert np.array_equal(
        encode(restored, digits.query).codes, encode(hashnet_run.model, digits.query).codes
    )
    assert [p.name for p in path.parent.iterdir()] == ["hashnet.pt"]  # no temp file left behind


def test_corrupt_or_foreign_checkpoints_get_clear_errors(tmp_path):
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="corrupt"):
        load_checkpoint(corrupt)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(ValueError, match="not a hashlib_edu checkpoint"):
        load_checkpoint(foreign)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")


def test_config_validation():
    with pytest.raises(ValueError, match="iterations"):
        TrainConfig(iterations=0)
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="rmsprop")


def test_batch_larger_than_the_training_set_fails_at_once():
    small = load_dataset("digits", seed=0, n_train=100)
    with pytest.raises(ValueError, match="batch_size 128 exceeds the 100 training items"):
        train_hashing_model("hashnet", small, 8, config=TrainConfig(batch_size=128))


def test_learning_rate_is_multiplied_by_lr_decay_every_step(digits):
    config = TrainConfig(iterations=10, lr_halving_every=4, lr_decay=0.3, lr=1e-4)
    run = train_hashing_model("dhn", digits, 8, config=config, progress=False)
    expected = [1e-4] * 4 + [3e-5] * 4 + [9e-6] * 2
    assert run.history["lr"] == pytest.approx(expected)


def test_paper_solvers_differ_per_method():
    dhn, hashnet = TrainConfig.paper("dhn"), TrainConfig.paper("hashnet")
    assert (dhn.lr, dhn.lr_halving_every, dhn.lr_decay) == (2e-5, 500, 0.3)
    assert (hashnet.lr, hashnet.lr_halving_every, hashnet.lr_decay) == (3e-4, 2000, 0.5)
    for config in (dhn, hashnet):
        assert config.optimizer == "sgd" and config.hash_lr_multiplier == 10.0
        assert config.backbone == "alexnet" and config.init == "pretrained"
        assert config.batch_size == 64 and config.iterations == 10_000
    assert TrainConfig.paper("hashnet", backbone="resnet50").backbone == "resnet50"


def test_tuned_defaults_come_from_the_committed_tuning_grid():
    from hashlib_edu.training import tuned_settings
    from hashlib_edu.tune import GRID

    settings = tuned_settings()
    assert set(settings) == {"dhn", "hashnet", "hashnet-c", "hashnet-w", "hashnet-sgn"}
    for method, chosen in settings.items():
        grid = GRID["hashnet" if method == "hashnet-c" else method]
        assert set(chosen) == set(grid)
        assert all(chosen[name] in values for name, values in grid.items())
        config = TrainConfig.tuned(method)
        assert all(getattr(config, name) == value for name, value in chosen.items())
    assert TrainConfig.tuned("dhn", iterations=7).iterations == 7


def test_missing_imagenet_weights_name_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"AlexNet_Weights\.IMAGENET1K_V1.*get_state_dict"):
        build_model("alexnet", 16, (3, 224, 224), pretrained=True)


def test_init_must_be_pretrained_or_scratch():
    with pytest.raises(ValueError, match="init"):
        TrainConfig(init="imagenet")


def test_hashnet_c_trains_like_hashnet(digits):
    a = train_hashing_model("hashnet", digits, 8, config=QUICK, seed=0, progress=False)
    b = train_hashing_model("hashnet-c", digits, 8, config=QUICK, seed=0, progress=False)
    assert np.array_equal(encode(a.model, digits.query).codes, encode(b.model, digits.query).codes)
