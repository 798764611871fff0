"""The measurements of notebook 01 (hashlib_edu.dhn_study): each checked against a value derived
by hand or against the package function it stands beside."""

from dataclasses import replace

import matplotlib
import numpy as np
import pytest
import torch

from hashlib_edu.batches import minibatches
from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.dhn_study import (
    PAIR_KINDS,
    ScalePull,
    backbone_features,
    code_summary,
    codes_as_encoded,
    initial_model,
    model_summary,
    plot_training_run,
    reference_points,
    scale_pull,
    summary_table,
)
from hashlib_edu.encoding import Encoded, encode
from hashlib_edu.losses import dhn_loss, pairwise_cross_entropy, pairwise_similarity
from hashlib_edu.models import build_model
from hashlib_edu.training import TrainResult, train_hashing_model

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="module")
def random_net(digits):
    torch.manual_seed(0)
    return build_model("convpool", 8, tuple(digits.image_shape), False).eval()


def _one_hot(classes, n_classes):
    return np.eye(n_classes, dtype=np.float32)[classes]


# ------------------------------------------------------------------------------------ scale_pull
def test_scale_pull_is_the_derivative_of_the_pairwise_loss_along_the_scale():
    torch.manual_seed(1)
    h = torch.tanh(2 * torch.randn(24, 8, dtype=torch.float64))
    labels = torch.as_tensor(_one_hot(np.arange(24) % 3, 3))
    c = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    s = pairwise_similarity(labels, labels).double()
    # alpha scales every inner product; the mean over all n^2 pairs, i = j included
    pairwise_cross_entropy(h, h, s, alpha=c).backward()
    pull = scale_pull(h, labels)
    assert isinstance(pull, ScalePull) and list(pull.parts) == list(PAIR_KINDS)
    assert pull.total == pytest.approx(float(c.grad), rel=1e-10)


def test_scale_pull_parts_have_the_signs_the_notebook_reads():
    torch.manual_seed(2)
    h = torch.tanh(torch.randn(30, 6))
    labels = _one_hot(np.arange(30) % 5, 5)
    pull = scale_pull(h, labels)
    assert pull.parts["self-pairs i = j"] < 0  # (sigma(|h|^2) - 1) |h|^2 < 0
    assert pull.parts["dissimilar, theta < 0"] < 0  # sigma(theta) theta < 0 for theta < 0
    assert pull.parts["dissimilar, theta >= 0"] > 0  # the brake
    theta = (h @ h.T).numpy()
    dissimilar = labels @ labels.T == 0
    assert pull.unseparated == pytest.approx((theta[dissimilar] >= 0).mean())
    assert pull.mean_abs_h == pytest.approx(float(h.abs().mean()), rel=1e-6)


def test_scale_pull_self_pairs_alone():
    # two equal codes of different classes: self-pairs (sigma(||h||^2) - 1) ||h||^2 each
    h = np.full((2, 4), 0.5)
    labels = np.array([[1.0, 0.0], [0.0, 1.0]])
    pull = scale_pull(h, labels)
    norm2 = 1.0  # 4 * 0.25
    expected_self = 2 * (1 / (1 + np.exp(-norm2)) - 1) * norm2 / 4
    assert pull.parts["self-pairs i = j"] == pytest.approx(expected_self)
    assert pull.unseparated == 1.0  # theta = 1 >= 0 for the one dissimilar pair


def test_scale_pull_validates_its_inputs():
    with pytest.raises(TypeError):
        scale_pull([[0.5, 0.5], [0.1, 0.2]], np.eye(2))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        scale_pull(np.full((3, 2), 1.5), np.eye(3))
    with pytest.raises(ValueError, match="one row per code"):
        scale_pull(np.zeros((3, 2)), np.eye(2))
    with pytest.raises(ValueError, match="n >= 2"):
        scale_pull(np.zeros((1, 2)), np.eye(1))


# ------------------------------------------------------------------------------- code_summary
def test_evaluate_codes_on_a_hand_worked_example():
    # two classes, codes +1+1 and -1-1; the database holds one item of each class
    codes = np.array([[1, 1], [-1, -1]], dtype=np.int8)
    labels = _one_hot([0, 1], 2)
    database = Encoded(codes, 0.5 * codes.astype(np.float32), labels)
    row = code_summary(Encoded(codes, codes.astype(np.float32), labels), database)
    assert row["map"] == row["map_expected"] == 1.0
    assert row["p2"] == pytest.approx(0.5)  # radius 2 covers both database items (K = 2)
    assert row["distinct"] == 2
    assert row["qe"] == pytest.approx(0.25)  # ||0.5 b - b||^2 / K = 0.25
    assert row["mean_abs_h"] == pytest.approx(0.5)


def test_evaluate_codes_ties_by_index_and_tie_aware():
    # one constant code: the relevant item first by index -> AP 1; averaged over orders -> 3/4
    constant = np.ones((2, 4), dtype=np.int8)
    database = codes_as_encoded(constant, _one_hot([0, 1], 2))
    query = codes_as_encoded(constant[:1], _one_hot([0], 2))
    row = code_summary(query, database)
    assert row["map"] == 1.0 and row["map_expected"] == pytest.approx(0.75)
    assert row["distinct"] == 1 and row["qe"] == 0.0


def test_evaluate_codes_validates_its_inputs():
    enc = codes_as_encoded(np.ones((2, 4)), np.eye(2))
    with pytest.raises(TypeError, match="Encoded"):
        code_summary((enc.codes, enc.outputs, enc.labels), enc)
    with pytest.raises(ValueError, match="database size"):
        code_summary(enc, enc, topk=3)
    with pytest.raises(ValueError):
        codes_as_encoded(np.zeros((2, 4)), np.eye(2))  # 0 is not a code value
    with pytest.raises(ValueError, match="one row per code"):
        codes_as_encoded(np.ones((2, 4)), np.eye(3))


def test_evaluate_model_ranks_the_models_own_codes(digits, random_net):
    query, database = encode(random_net, digits.query), encode(random_net, digits.database)
    assert model_summary(random_net, digits) == code_summary(query, database, digits.topk)
    with pytest.raises(TypeError, match="HashingNetwork"):
        model_summary(random_net.backbone, digits)
    with pytest.raises(TypeError, match="HashingData"):
        model_summary(random_net, digits.query)


# ----------------------------------------------------------------------- reference points, phi
def test_backbone_features_are_the_trunks_outputs(digits, random_net):
    phi = backbone_features(random_net, digits.query, batch_size=64)
    with torch.no_grad():
        direct = random_net.backbone(digits.query.images[:5]).numpy()
    assert phi.shape == (len(digits.query), 256) and phi.dtype == np.float64
    np.testing.assert_allclose(phi[:5], direct, rtol=1e-5, atol=1e-6)


def test_reference_points(digits, random_net):
    rows = reference_points(random_net, digits, 8, seed=0)
    assert list(rows) == [
        "chance (one constant code)",
        "ITQ on pixels",
        "ITQ on pretrained features",
        "DHN at step 0",
    ]
    chance = rows["chance (one constant code)"]
    assert chance["distinct"] == 1
    # tie-aware chance: about the share of similar pairs (10 balanced classes)
    assert abs(chance["map_expected"] - digits.similar_fraction()) < 0.02
    assert rows["ITQ on pixels"]["map"] > chance["map"] + 0.2  # pixels of digits carry the class
    assert rows["DHN at step 0"] == model_summary(random_net, digits)
    no_pixels = reference_points(random_net, digits, 8, pixels=False)
    assert "ITQ on pixels" not in no_pixels
    assert no_pixels["ITQ on pretrained features"] == rows["ITQ on pretrained features"]
    with pytest.raises(TypeError):
        reference_points(random_net, digits, 8, pixels=1)
    with pytest.raises(ValueError):
        reference_points(random_net, digits, 0)


# -------------------------------------------------------------------------------- initial_model
def test_initial_model_is_where_train_hashing_model_starts(digits, tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLIB_EDU_CACHE", str(tmp_path))
    config = replace(TrainConfig.tuned("dhn"), iterations=1)
    run = train_hashing_model("dhn", digits, 16, config=config, seed=3, progress=False)
    net = initial_model(config, digits, 16, seed=3)
    images, labels = next(
        minibatches(digits.train, config.batch_size, torch.Generator().manual_seed(3))
    )
    with torch.no_grad():
        h = net.train()(images)
        loss = dhn_loss(h, h, pairwise_similarity(labels, labels), config.quantization_weight)
    assert float(loss) == pytest.approx(run.history["loss"][0], rel=1e-6)
    other_seed = initial_model(config, digits, 16, seed=4)
    assert not torch.equal(other_seed.hash_layer.weight, net.hash_layer.weight)
    with pytest.raises(TypeError, match="TrainConfig"):
        initial_model({"lr": 1e-4}, digits, 16)
    with pytest.raises(ValueError):
        initial_model(config, digits, 0)


# ---------------------------------------------------------------------------- table and figure
def test_format_table():
    rows = {"a": {"map": 0.5, "distinct": 1234}, "longer name": {"map": 0.25}}
    text = summary_table(rows, ["map", "distinct"], title="32 bits")
    lines = text.splitlines()
    assert lines[0].split(" | ") == ["32 bits    ", "      mAP", "distinct codes"]
    assert lines[1] == "a           |    0.5000 |          1,234"
    assert lines[2] == "longer name |    0.2500"  # a missing key is left blank
    with pytest.raises(ValueError, match="unknown columns"):
        summary_table(rows, ["precision"])
    with pytest.raises(TypeError):
        summary_table({}, ["map"])
    with pytest.raises(TypeError):
        summary_table(rows, "map")


def _fake_result(n=80, snapshots=True):
    config = replace(TrainConfig.tuned("dhn"), iterations=n)
    history = {"step": list(range(n)), "loss": list(np.linspace(3, 1, n)), "lr": [1e-4] * n}
    snaps = [{"step": s, "map": 0.4 + s / 200} for s in (0, 40, 80)] if snapshots else []
    return TrainResult(None, "dhn", 8, config, history, snaps)


def test_plot_training_run():
    result = _fake_result()
    fig = plot_training_run(result)
    axes = fig.axes
    assert len(axes) == 3
    assert [len(ax.lines) for ax in axes] == [2 + 4, 1, 1 + 4]  # + 4 dotted lr steps (every 16)
    assert axes[0].lines[1].get_label() == "mean of 2 steps"
    assert axes[1].get_yscale() == "log"
    np.testing.assert_allclose(axes[2].lines[0].get_ydata(), [0.4, 0.6, 0.8])
    assert len(plot_training_run(_fake_result(snapshots=False)).axes[2].lines) == 4
    with pytest.raises(TypeError):
        plot_training_run(result.history)
    with pytest.raises(ValueError):
        plot_training_run(result, window=0)
    empty = _fake_result()
    empty.history = {"step": [], "loss": [], "lr": []}
    with pytest.raises(ValueError, match="no loss"):
        plot_training_run(empty)
