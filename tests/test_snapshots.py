"""Training snapshots hold the numbers of the model at that step, recomputed here independently:
the mAP@R of its codes by the brute-force reference (tests/map_reference.py, ties by index), its
continuous codes h = tanh(beta z) and their quantization error, from the model's own logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from map_reference import hamming_map

from hashlib_edu.config import TrainConfig
from hashlib_edu.data import load_dataset
from hashlib_edu.training import SNAPSHOT_KEYS, train_hashing_model

BITS, EVERY, SIZE = 8, 10, 50
CONFIG = TrainConfig(iterations=20, batch_size=32, init="scratch")


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="module")
def run(digits):
    return train_hashing_model(
        "hashnet",
        digits,
        BITS,
        config=CONFIG,
        seed=0,
        device="cpu",
        progress=False,
        snapshot_every=EVERY,
        snapshot_size=SIZE,
    )


def logits(model: torch.nn.Module, images: torch.Tensor) -> np.ndarray:
    """z of every image, in batches of 512 (the batch size the package encodes with, so that
    float32 rounding is the same), the model in eval mode."""
    model.eval()
    with torch.no_grad():
        parts = [model.logits(images[i : i + 512]) for i in range(0, len(images), 512)]
    return torch.cat(parts).numpy()


def test_snapshots_are_taken_at_step_zero_and_every_few_steps(run):
    assert [s["step"] for s in run.snapshots] == [0, EVERY, 2 * EVERY]
    for snapshot in run.snapshots:
        assert tuple(snapshot) == SNAPSHOT_KEYS
        assert snapshot["outputs"].shape == (SIZE, BITS)
        assert snapshot["outputs"].dtype == np.float32


def test_the_last_snapshot_is_the_trained_model_recomputed_independently(run, digits):
    last = run.snapshots[-1]
    assert last["step"] == CONFIG.iterations  # taken after the last step: the returned model
    beta = float(run.model.beta)
    assert last["beta"] == beta
    z_query = logits(run.model, digits.query.images)
    z_db = logits(run.model, digits.database.images)
    query_codes, db_codes = np.where(z_query >= 0, 1, -1), np.where(z_db >= 0, 1, -1)
    assert len(np.unique(db_codes, axis=0)) > 20  # varied codes: the ranking is not trivial
    topk = min(digits.topk or len(db_codes), len(db_codes))
    expected = hamming_map(
        query_codes, db_codes, digits.query.labels.numpy(), digits.database.labels.numpy(), topk
    )
    assert last["map"] == pytest.approx(expected, rel=1e-12)
    h = np.tanh(np.float32(beta) * z_db)
    np.testing.assert_allclose(last["outputs"], h[:SIZE], rtol=0, atol=1e-6)
    error = np.mean((h.astype(np.float64) - np.where(h >= 0, 1.0, -1.0)) ** 2)
    assert last["quantization_error"] == pytest.approx(error, rel=1e-5)


def test_training_moves_the_snapshots(run):
    first, last = run.snapshots[0], run.snapshots[-1]
    assert not np.array_equal(first["outputs"], last["outputs"])
    assert first["map"] != last["map"]
