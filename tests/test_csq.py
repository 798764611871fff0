"""CSQ (Yuan et al., CVPR 2020) against the paper's rules and the authors' code
(yuanli2333/Hadamard-Matrix-for-hashing at commit 6292910)."""

import numpy as np
import pytest
import torch
from scipy.linalg import hadamard

from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.methods import METHODS
from hashlib_edu.methods.csq import (
    RANDOM_DRAWS,
    CentralSimilarityLoss,
    hash_centres,
    item_centres,
)
from hashlib_edu.training import train_hashing_model


def _distances(centres):
    c = centres.astype(int)
    d = (c.shape[1] - c @ c.T) // 2
    return d[np.triu_indices(len(c), 1)]


def test_hadamard_centres_when_k_is_a_power_of_two_and_2k_covers_the_classes():
    """Tutorial section 1.1: ha_d[0:num_class] if num_class <= d, else [ha_d; -ha_d][0:num_class]."""
    few = hash_centres(10, 16)
    assert np.array_equal(few, hadamard(16)[:10])
    many = hash_centres(100, 64)
    assert np.array_equal(many, np.concatenate([hadamard(64), -hadamard(64)])[:100])
    assert set(_distances(many)) == {32, 64}  # any two rows: K/2 apart, or opposite
    assert many.dtype == np.int8


@pytest.mark.parametrize("classes, bits", [(100, 16), (100, 32), (100, 48), (5, 12)])
def test_random_centres_otherwise_balanced_seeded_and_the_best_of_the_draws(classes, bits):
    centres = hash_centres(classes, bits, seed=3)
    assert centres.shape == (classes, bits) and set(np.unique(centres)) == {-1, 1}
    assert (centres == -1).sum(axis=1).tolist() == [round(bits / 2)] * classes  # K/2 bits -1
    assert np.array_equal(centres, hash_centres(classes, bits, seed=3))
    assert not np.array_equal(centres, hash_centres(classes, bits, seed=4))
    # the best of RANDOM_DRAWS draws: at least as far apart as one draw from the same generator
    rng = np.random.default_rng(3)
    one = np.ones((classes, bits), dtype=np.int8)
    for row in one:
        row[rng.choice(bits, size=round(bits / 2), replace=False)] = -1
    assert _distances(centres).min() >= _distances(one).min()
    assert RANDOM_DRAWS >= 10


def test_bad_centre_arguments_are_refused():
    with pytest.raises(TypeError, match="bits"):
        hash_centres(10, 16.0)
    with pytest.raises(ValueError, match="num_classes"):
        hash_centres(0, 16)


def test_item_centres_single_and_multi_label():
    """train.py Hash_center_multilables: the mean of the classes' centres, sign, 0 -> random bit."""
    centres = torch.tensor([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0], [-1, -1, -1, -1.0]])
    fill = torch.tensor([-1.0, 1.0, -1.0, 1.0])
    labels = torch.tensor([[0, 1, 0], [1, 1, 0], [1, 1, 1]])
    got = item_centres(labels, centres, fill)
    assert got[0].tolist() == [1, -1, 1, -1]  # one label: its centre
    assert got[1].tolist() == [1, 1, -1, -1]  # mean (1, 0, 0, -1): the zeros from fill
    assert got[2].tolist() == [1, -1, -1, -1]  # mean (1/3, -1/3, -1/3, -1)
    with pytest.raises(ValueError, match="at least one label"):
        item_centres(torch.tensor([[0, 0, 0]]), centres, fill)


@pytest.mark.parametrize("weight", [0.0, 0.05])
def test_loss_equals_the_authors_code(weight):
    """train.py:76, :126-127: BCELoss(0.5 (y + 1), 0.5 (c + 1)) + lambda mean((|y| - 1)^2)."""
    torch.manual_seed(0)
    centres = hash_centres(5, 8)
    y = torch.tanh(torch.randn(12, 8) * 2)
    classes = torch.randint(0, 5, (12,))
    labels = torch.nn.functional.one_hot(classes, 5).float()
    loss = CentralSimilarityLoss(centres, np.ones(8), weight)
    hash_center = torch.as_tensor(centres, dtype=torch.float32)[classes]
    center_loss = torch.nn.BCELoss()(0.5 * (y + 1), 0.5 * (hash_center + 1))
    q_loss = torch.mean((torch.abs(y) - 1.0) ** 2)
    expected = center_loss + weight * q_loss
    assert loss(y, torch.atanh(y), labels).item() == pytest.approx(expected.item(), rel=1e-6)


def test_a_code_at_its_centre_costs_less_than_one_at_another_centre():
    centres = hash_centres(4, 8)
    loss = CentralSimilarityLoss(centres, np.ones(8), 0.0)
    label = torch.tensor([[0.0, 1.0, 0.0, 0.0]])
    near = 0.9 * torch.as_tensor(centres[1:2], dtype=torch.float32)
    far = 0.9 * torch.as_tensor(centres[2:3], dtype=torch.float32)
    assert loss(near, near, label) < loss(far, far, label)


def test_paper_solver_is_the_authors():
    config = TrainConfig.paper("csq")
    assert (config.optimizer, config.lr, config.hash_lr_multiplier) == ("adam", 1e-5, 100.0)
    assert (config.batch_size, config.lr_decay, config.quantization_weight) == (64, 0.7, 0.05)
    assert config.pairing("csq") is None and not METHODS["csq"].continuation


def test_training_pulls_codes_towards_their_centres():
    data = load_dataset("digits", seed=0, n_train=300, n_query=50)
    config = TrainConfig(iterations=40, batch_size=32, lr=3e-4, quantization_weight=0.01)
    run = train_hashing_model("csq", data, 16, config=config, progress=False)
    assert run.history["beta"] == [1.0] * 40
    assert run.history["loss"][-1] < run.history["loss"][0]
