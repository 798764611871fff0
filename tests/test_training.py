"""Models, the training loop, encoding and checkpoints on the embedded digits."""

import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from hashlib_edu import training
from hashlib_edu.batches import minibatches
from hashlib_edu.checkpoints import load_checkpoint, save_checkpoint
from hashlib_edu.codes import binarize
from hashlib_edu.config import TrainConfig
from hashlib_edu.data import HashingData, TensorImageDataset, load_dataset
from hashlib_edu.encoding import encode
from hashlib_edu.methods import pairwise
from hashlib_edu.models import build_model, parameter_groups
from hashlib_edu.training import train_hashing_model

QUICK = TrainConfig(iterations=30, batch_size=32)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="module")
def hashnet_run(digits):
    return train_hashing_model("hashnet", digits, 16, config=QUICK, seed=0, progress=False)


@pytest.fixture
def optimizers(monkeypatch):
    """The optimizers train_hashing_model builds, in order."""
    built = []
    real = training._optimizer

    def spy(model, loss_fn, config):
        built.append(real(model, loss_fn, config))
        return built[-1]

    monkeypatch.setattr(training, "_optimizer", spy)
    return built


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


@pytest.mark.timeout(30)  # a hang guard; the bound under test is the one second below
@pytest.mark.parametrize("in_memory", [True, False], ids=["tensor-batches", "dataloader"])
def test_batch_larger_than_the_training_set_fails_within_a_second(monkeypatch, in_memory):
    small = load_dataset("digits", seed=0, n_train=100)
    if not in_memory:
        small = _without_images(small)

    def no_pretraining(*args, **kwargs):
        raise AssertionError("the batch check must come before the (seconds-long) pretraining")

    import hashlib_edu.pretraining

    monkeypatch.setattr(hashlib_edu.pretraining, "pretrained_trunk", no_pretraining)
    torch.cuda.is_available()  # device="auto": the one-time CUDA driver probe is not timed
    start = time.perf_counter()
    with pytest.raises(ValueError, match="batch_size 128 exceeds the 100 training items; lower"):
        train_hashing_model("hashnet", small, 8, config=TrainConfig(batch_size=128), progress=False)
    assert time.perf_counter() - start < 1.0


def test_learning_rate_is_multiplied_by_lr_decay_every_step(digits, optimizers):
    config = TrainConfig(iterations=10, lr_halving_every=4, lr_decay=0.3, lr=1e-4, batch_size=32)
    run = train_hashing_model("dhn", digits, 8, config=config, progress=False)
    expected = [1e-4] * 4 + [3e-5] * 4 + [9e-6] * 2  # "lr": the backbone's rate at each step
    assert run.history["lr"] == pytest.approx(expected, rel=1e-12)
    # both groups decay together: the hash layer keeps its 10x (after 10 steps: x 0.3^2)
    (optimizer,) = optimizers
    lrs = [group["lr"] for group in optimizer.param_groups]
    assert lrs == pytest.approx([1e-4 * 0.09, 1e-3 * 0.09], rel=1e-12)


def test_default_lr_schedule_halves_every_fifth_of_the_run(digits):
    config = TrainConfig(iterations=10, lr=1e-4, batch_size=32)
    assert (config.lr_halving_every, config.lr_decay, config.halving_step()) == (None, 0.5, 2)
    run = train_hashing_model("hashnet", digits, 8, config=config, progress=False)
    assert run.history["lr"] == pytest.approx([1e-4 * 0.5 ** (t // 2) for t in range(10)])
    assert TrainConfig(iterations=3).halving_step() == 1  # never 0 for short runs


@pytest.mark.parametrize("method", ["dhn", "hashnet"])
def test_training_with_the_paper_solver_uses_sgd_and_its_rates(digits, optimizers, method):
    # the solver on the conv-pool net (no ImageNet weights needed): a few iterations
    config = TrainConfig.paper(
        method, backbone="convpool", init="scratch", iterations=3, batch_size=16
    )
    run = train_hashing_model(method, digits, 8, config=config, progress=False)
    (optimizer,) = optimizers
    assert isinstance(optimizer, torch.optim.SGD)
    base = 2e-5 if method == "dhn" else 2e-4
    assert run.history["lr"] == pytest.approx([base] * 3)
    for group, lr in zip(optimizer.param_groups, (base, 10 * base)):
        assert (group["lr"], group["momentum"], group["weight_decay"]) == (
            pytest.approx(lr),
            0.9,
            5e-4,
        )
    assert run.history["beta"] == [1.0] * 3  # official schedule: beta steps at t = 200


def test_hashnet_w_trains_without_the_similarity_weights(digits, monkeypatch):
    """HashNet-W (Cao et al. 2017, Table 3): HashNet's loss with w_ij = 1 instead of |S|/|S_1|,
    |S|/|S_0|; the same continuation, the same start and batches."""
    from hashlib_edu.losses import hashnet_loss

    calls = []

    def spy(h_a, h_b, similarity, **kwargs):
        value = hashnet_loss(h_a, h_b, similarity, **kwargs)
        calls.append((h_a.detach().clone(), similarity.clone(), kwargs, value.item()))
        return value

    monkeypatch.setattr(pairwise, "hashnet_loss", spy)
    config = TrainConfig(iterations=8, batch_size=32)
    runs, first = {}, {}
    for method in ("hashnet", "hashnet-w"):
        calls.clear()
        runs[method] = train_hashing_model(method, digits, 8, config=config, progress=False)
        assert len(calls) == 8
        assert {kwargs["weighted"] for _, _, kwargs, _ in calls} == {method == "hashnet"}
        first[method] = calls[0]
    for method, (h, s, kwargs, value) in first.items():
        # step 0 against the paper's sum, with the weights of eq. 3-4 or with none
        mask, alpha = kwargs["mask"], kwargs["alpha"]
        n, n_similar = int(mask.sum()), float(s[mask].sum())
        assert 0 < n_similar < n
        if method == "hashnet":
            w = torch.where(s > 0, n / n_similar, n / (n - n_similar))
        else:
            w = torch.ones_like(s)
        inner = alpha * h @ h.T
        literal = (w * (F.softplus(inner) - s * inner))[mask].sum() / n
        assert value == pytest.approx(literal.item(), rel=1e-5)
        assert runs[method].history["loss"][0] == value
    # the same model and batch at step 0 (same seed): only the weighting differs
    assert torch.equal(first["hashnet"][0], first["hashnet-w"][0])
    losses = [runs[m].history["loss"][0] for m in ("hashnet", "hashnet-w")]
    assert losses[0] != pytest.approx(losses[1], rel=1e-3)
    betas = [runs[m].history["beta"] for m in ("hashnet", "hashnet-w")]
    assert betas[0] == betas[1] and betas[0][-1] > 1.0  # both use the continuation
    codes = [encode(runs[m].model, digits.query).codes for m in ("hashnet", "hashnet-w")]
    assert not np.array_equal(*codes)


class _WithoutImages(Dataset):
    """A split without ``.images`` (like CIFAR-10 or a list file): batches come from a DataLoader."""

    def __init__(self, split) -> None:
        self._split = split
        self.labels = split.labels

    def __len__(self) -> int:
        return len(self._split)

    def __getitem__(self, index):
        return self._split[index]


def _without_images(data):
    return HashingData(
        name=f"{data.name}-loader",
        seed=data.seed,
        train=_WithoutImages(data.train),
        query=_WithoutImages(data.query),
        database=_WithoutImages(data.database),
        num_classes=data.num_classes,
        topk=data.topk,
        image_shape=data.image_shape,
        indices=data.indices,
    )


def test_dataloader_batches_are_full_seeded_shuffled_epochs():
    # 10 items whose pixels hold their index; batch 3: three full batches per pass, 1 item dropped
    images = torch.arange(10.0).reshape(10, 1, 1, 1).expand(10, 1, 4, 4).clone()
    split = _WithoutImages(TensorImageDataset(images, torch.eye(10)))

    def item_ids(seed, count=6):
        batches = minibatches(split, 3, torch.Generator().manual_seed(seed))
        ids = []
        for _ in range(count):
            x, y = next(batches)
            assert x.shape == (3, 1, 4, 4) and y.shape == (3, 10)
            assert torch.equal(y.argmax(1).float(), x[:, 0, 0, 0])  # images keep their labels
            ids.append(x[:, 0, 0, 0].long().tolist())
        return ids

    ids = item_ids(0)
    for epoch in (ids[:3], ids[3:]):
        items = sum(epoch, [])
        assert len(set(items)) == 9  # each item at most once per pass
    assert sum(ids[:3], []) != sum(ids[3:], [])  # reshuffled every pass
    assert item_ids(0) == ids and item_ids(1) != ids  # seeded by the generator


def test_training_and_encoding_through_a_dataloader(digits):
    data = _without_images(digits)
    config = TrainConfig(iterations=5, batch_size=32, init="scratch")
    runs = [train_hashing_model("hashnet", data, 8, config=config, progress=False) for _ in "ab"]
    assert runs[0].history["step"] == list(range(5))
    assert all(np.isfinite(runs[0].history["loss"]))
    first, again = (encode(run.model, data.query) for run in runs)
    assert np.array_equal(first.codes, again.codes)  # the DataLoader shuffle is seeded
    # encoding through a DataLoader (chunks of 64 and a partial last one) = in-memory encoding
    through_loader = encode(runs[0].model, data.database, batch_size=64)
    in_memory = encode(runs[0].model, digits.database, batch_size=64)
    for got, expected in zip(through_loader, in_memory):
        assert np.array_equal(got, expected)
    assert through_loader.codes.shape == (len(digits.database), 8)


def test_a_file_backed_list_dataset_trains_and_encodes(list_root):
    data = load_dataset("list", root=list_root, seed=0, image_size=16)
    assert not hasattr(data.train, "images")  # the full-scale path: images read on access
    config = TrainConfig(iterations=3, batch_size=2, init="scratch")
    run = train_hashing_model("hashnet", data, 8, config=config, progress=False)
    assert len(run.history["loss"]) == 3 and all(np.isfinite(run.history["loss"]))
    encoded = encode(run.model, data.database, batch_size=3)  # 4 items: 3 + a partial 1
    assert encoded.codes.shape == (4, 8) and encoded.codes.dtype == np.int8
    assert set(np.unique(encoded.codes)) <= {-1, 1}
    assert np.array_equal(encoded.labels, data.database.labels.numpy())


@pytest.mark.parametrize(
    "backbone, weights", [("alexnet", "AlexNet_Weights"), ("resnet50", "ResNet50_Weights")]
)
def test_missing_imagenet_weights_name_the_file_and_the_fix(offline_hub, backbone, weights):
    import torchvision

    expected = {"alexnet": "IMAGENET1K_V1", "resnet50": "IMAGENET1K_V2"}[backbone]
    url = getattr(getattr(torchvision.models, weights), expected).url
    with pytest.raises(FileNotFoundError) as info:
        build_model(backbone, 16, (3, 224, 224), pretrained=True)
    message = str(info.value)
    assert f"{weights}.{expected}" in message
    assert str(offline_hub / Path(url).name) in message  # where the file must be
    assert "get_state_dict()" in message and url in message  # how to fetch it
    assert "init='scratch'" in message  # and the alternative
    assert not offline_hub.exists()  # nothing was fetched


def test_weights_on_disk_pass_the_check(offline_hub):
    import torchvision

    from hashlib_edu.models import _check_weights_available

    weights = torchvision.models.AlexNet_Weights.IMAGENET1K_V1
    with pytest.raises(FileNotFoundError):
        _check_weights_available(weights)
    offline_hub.mkdir(parents=True)
    (offline_hub / Path(weights.url).name).touch()
    _check_weights_available(weights)  # found: no error
    _check_weights_available(None)  # no weights asked for: nothing to check


def test_hashnet_c_trains_like_hashnet(digits):
    a = train_hashing_model("hashnet", digits, 8, config=QUICK, seed=0, progress=False)
    b = train_hashing_model("hashnet-rank-h", digits, 8, config=QUICK, seed=0, progress=False)
    assert np.array_equal(encode(a.model, digits.query).codes, encode(b.model, digits.query).codes)
