"""The registry (hashlib_edu.methods): every method declared once and completely; the pairwise
methods' losses as the training loop calls them (DHN's lambda and scale, HashNet's continuous
similarity, each method's pairing)."""

import pytest
import torch

from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.losses import (
    continuous_similarity_scale,
    dhn_loss,
    hashnet_loss,
    pairwise_similarity,
    quantization_loss,
)
from hashlib_edu.methods import METHODS, claims, deep_methods, get_method, method_name, pairwise
from hashlib_edu.plots import METHOD_STYLES, method_style
from hashlib_edu.training import train_hashing_model


def test_every_method_is_declared_once_and_completely():
    assert list(METHODS) == [m.key for m in METHODS.values()]
    names = [m.name for m in METHODS.values()]
    assert len(set(names)) == len(names)
    colours = [str(m.color) for m in METHODS.values()]
    assert len(set(colours)) == len(colours)
    for key in deep_methods():
        spec = METHODS[key]
        assert spec.binarization is not None and spec.make_loss is not None
        assert spec.paper_solver is not None and spec.paper
        if spec.trains_as is None:  # the same tuning budget for every method: 4 x 4 settings
            assert [len(values) for values in spec.tuning.values()] == [4, 4]
            assert "lr" in spec.tuning
        else:
            assert METHODS[spec.trains_as].kind == "deep"
    for key in ("itq", "lsh"):
        assert METHODS[key].kind == "shallow" and METHODS[key].estimator is not None


def test_styles_names_and_claims_come_from_the_registry():
    for key, spec in METHODS.items():
        assert (
            METHOD_STYLES[key] == method_style(key) == {"color": spec.color, "marker": spec.marker}
        )
        assert method_name(key) == spec.name
    assert method_name("my-variant") == "my-variant"  # a student's own method, shown as it is
    for source in ("paper", "suite"):
        for a, b, text in claims(source):
            assert a in METHODS and b in METHODS and text
    assert ("hashnet", "dhn", "HashNet beats DHN") in claims("paper")
    assert {(a, b) for a, b, _ in claims("suite")} >= {
        ("greedyhash", "hashnet"),
        ("csq", "hashnet"),
    }


def test_unknown_methods_and_kinds_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown method 'hashnet\\+c'; choose one of"):
        get_method("hashnet+c")
    with pytest.raises(ValueError, match="unknown method 'itq'"):
        get_method("itq", "deep")
    with pytest.raises(TypeError, match="method must be a string"):
        get_method(3)
    with pytest.raises(ValueError, match="source"):
        claims("blog")


def _batch(seed=0, n=6, bits=8):
    torch.manual_seed(seed)
    z = torch.randn(n, bits)
    labels = torch.eye(3)[torch.tensor([0, 0, 1, 1, 2, 2])][:n]
    return z, torch.tanh(z), labels


@pytest.mark.parametrize(
    "method, pairs, diagonal",
    [
        ("dhn", None, True),
        ("hashnet", None, False),
        ("dhn", "distinct", False),
        ("hashnet", "all", True),
    ],
)
def test_each_method_pairs_a_batch_as_its_official_code(method, pairs, diagonal):
    z, h, labels = _batch()
    config = TrainConfig(pairs=pairs, quantization_weight=0.5, alpha=0.7)
    s = pairwise_similarity(labels, labels)
    mask = None if diagonal else ~torch.eye(6, dtype=torch.bool)
    if method == "dhn":
        expected = dhn_loss(h, h, s, 0.5, mask=mask)
    else:
        expected = hashnet_loss(h, h, s, alpha=0.7, mask=mask)
    loss = METHODS[method].make_loss(config, 8, 3, 0)
    assert torch.allclose(loss(h, z, labels), expected)
    assert config.pairing(method) == (pairs or METHODS[method].pairs)


def test_dhn_lambda_and_scale_reach_its_loss():
    """L = mean over pairs of [log(1 + e^{a<h_i,h_j>}) - a s_ij <h_i,h_j>] + lambda Q / n, with
    a = dhn_scale: written out here, with all 36 pairs (i = j included)."""
    z, h, labels = _batch()
    s = pairwise_similarity(labels, labels)
    for weight, scale in ((0.0, 1.0), (0.7, 1.0), (0.7, 3.0)):
        config = TrainConfig(quantization_weight=weight, dhn_scale=scale)
        inner = scale * (h @ h.T)
        pairs = (torch.nn.functional.softplus(inner) - s * inner).mean()
        expected = pairs + weight * quantization_loss(h)
        loss = METHODS["dhn"].make_loss(config, 8, 3, 0)(h, z, labels)
        assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.fixture(scope="module")
def multi_label():
    return load_dataset("digit-sets", seed=0, n_train=200, n_query=50, n_database=200)


@pytest.mark.parametrize("continuous", [False, True])
def test_continuous_similarity_reaches_hashnet_loss_in_training(
    multi_label, monkeypatch, continuous
):
    """HashNet+C (Cao et al. 2017, section 4.3): c_ij = 4 cos^2 of the label vectors scales the
    similar pairs' terms; without it, no scale is passed."""
    seen = []
    real = pairwise.hashnet_loss

    def spy(h_a, h_b, similarity, **kwargs):
        seen.append(kwargs["pair_scale"])
        return real(h_a, h_b, similarity, **kwargs)

    batches = []
    import hashlib_edu.batches as batches_module

    real_batches = batches_module.minibatches

    def record(dataset, batch_size, generator):
        for images, labels in real_batches(dataset, batch_size, generator):
            batches.append(labels)
            yield images, labels

    monkeypatch.setattr(pairwise, "hashnet_loss", spy)
    monkeypatch.setattr("hashlib_edu.training.minibatches", record)
    config = TrainConfig(iterations=3, batch_size=32, continuous_similarity=continuous)
    run = train_hashing_model("hashnet", multi_label, 8, config=config, progress=False)
    assert len(seen) == 3 and all(torch.isfinite(torch.tensor(run.history["loss"])))
    if not continuous:
        assert all(scale is None for scale in seen)
        return
    for scale, labels in zip(seen, batches):
        assert torch.allclose(scale, continuous_similarity_scale(labels, labels))
    assert any(bool(((scale != 1) & (scale != 4)).any()) for scale in seen)  # graded similarity
