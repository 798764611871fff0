"""GreedyHash (Su et al., NeurIPS 2018) against the paper's formulas and the authors' code
(ssppp/GreedyHash, imagenet.py at commit e5089b2)."""

import pytest
import torch
import torch.nn.functional as F

from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.encoding import encode
from hashlib_edu.methods import METHODS
from hashlib_edu.methods.greedyhash import GreedyHashLoss, sign_straight_through
from hashlib_edu.training import train_hashing_model


def test_sign_forward_and_the_gradient_passed_straight_through():
    """imagenet.py:166-177: forward torch.sign(input), backward returns grad_output unchanged."""
    z = torch.tensor([[-2.0, -0.1, 0.0, 0.3, 5.0]], requires_grad=True)
    b = sign_straight_through(z)
    assert b.tolist() == [[-1.0, -1.0, 1.0, 1.0, 1.0]]  # sign(0) = +1, the suite's rule
    upstream = torch.tensor([[0.5, -1.0, 2.0, 3.0, -4.0]])
    (b * upstream).sum().backward()
    assert torch.equal(z.grad, upstream)  # d b / d z := 1, even where |z| > 1 and at 0
    tanh_grad = torch.autograd.grad(torch.tanh(z).sum(), z)[0]
    assert tanh_grad[0, 4] < 1e-3  # what the straight-through estimator avoids: a vanishing slope


def _authors_loss(classifier, feature, labels, alpha):
    """imagenet.py:190, :197-198, :231-234, written as the authors do."""
    code = torch.sign(feature)
    outputs = classifier(code)
    loss1 = torch.nn.CrossEntropyLoss()(outputs, labels)
    loss2 = torch.mean(torch.abs(torch.pow(torch.abs(feature) - torch.ones(feature.size()), 3)))
    return loss1 + alpha * loss2


@pytest.mark.parametrize("alpha", [0.1, 1.0])
def test_loss_equals_the_authors_code_on_single_label_data(alpha):
    torch.manual_seed(0)
    z = torch.randn(16, 12) * 1.5
    classes = torch.randint(0, 5, (16,))
    loss = GreedyHashLoss(12, 5, alpha)
    assert loss.classifier.bias is None  # nn.Linear(encode_length, num_classes, bias=False)
    ours = loss(sign_straight_through(z), z, F.one_hot(classes, 5).float())
    theirs = _authors_loss(loss.classifier, z, classes, alpha)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-6)


def test_loss_by_hand_on_one_item():
    """L = -log softmax(W b)_y + alpha mean | |z| - 1 |^3 with W = identity on 2 bits."""
    loss = GreedyHashLoss(2, 2, 0.5)
    with torch.no_grad():
        loss.classifier.weight.copy_(torch.eye(2))
    z = torch.tensor([[2.0, -0.5]])
    b = sign_straight_through(z)  # (1, -1): logits (1, -1)
    expected = -torch.log_softmax(torch.tensor([1.0, -1.0]), 0)[0] + 0.5 * (1.0 + 0.125) / 2
    assert loss(b, z, torch.tensor([[1.0, 0.0]])).item() == pytest.approx(expected.item())


def test_multi_label_items_spread_their_target_and_unlabelled_items_are_refused():
    torch.manual_seed(1)
    z = torch.randn(2, 4)
    loss = GreedyHashLoss(4, 3, 0.0)
    b = sign_straight_through(z)
    log_p = torch.log_softmax(loss.classifier(b), 1)
    both = loss(b, z, torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    expected = -(0.5 * (log_p[0, 0] + log_p[0, 1]) + log_p[1, 2]) / 2
    assert both.item() == pytest.approx(expected.item(), rel=1e-6)
    with pytest.raises(ValueError, match="at least one label"):
        loss(b, z, torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))


def test_paper_solver_is_the_authors():
    config = TrainConfig.paper("greedyhash")
    assert (config.optimizer, config.lr, config.momentum, config.weight_decay) == (
        "sgd",
        1e-3,
        0.9,
        5e-4,
    )
    assert (config.batch_size, config.hash_lr_multiplier, config.quantization_weight) == (
        32,
        1.0,
        1.0,
    )
    assert (config.lr_halving_every, config.lr_decay, config.iterations) == (25_000, 0.1, 31_250)
    assert config.pairing("greedyhash") is None and not METHODS["greedyhash"].continuation


def test_training_updates_the_classifier_and_encodes_sign_z():
    data = load_dataset("digits", seed=0, n_train=300, n_query=50)
    config = TrainConfig(iterations=40, batch_size=32, lr=3e-4, quantization_weight=0.1)
    run = train_hashing_model("greedyhash", data, 8, config=config, progress=False)
    assert run.history["beta"] == [1.0] * 40  # no continuation
    assert run.history["loss"][-1] < run.history["loss"][0]
    again = train_hashing_model("greedyhash", data, 8, config=config, progress=False)
    q, q_again = encode(run.model, data.query), encode(again.model, data.query)
    assert torch.equal(torch.from_numpy(q.codes), torch.from_numpy(q_again.codes))  # seeded


def test_the_classifier_trains_at_the_hash_layers_rate(monkeypatch):
    import hashlib_edu.training as training

    built = []
    real = training._optimizer
    monkeypatch.setattr(
        training,
        "_optimizer",
        lambda m, loss, c: built.append((loss, real(m, loss, c))) or built[-1][1],
    )
    data = load_dataset("digits", seed=0, n_train=300, n_query=50)
    config = TrainConfig(iterations=5, batch_size=32, lr=1e-4)
    train_hashing_model("greedyhash", data, 8, config=config, progress=False)
    ((loss, optimizer),) = built
    classifier = optimizer.param_groups[-1]
    assert len(classifier["params"]) == 1 and classifier["params"][0] is loss.classifier.weight
    assert classifier["initial_lr"] == pytest.approx(1e-3)  # 10 x the backbone's 1e-4
