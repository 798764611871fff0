"""LSH and ITQ: shapes, codes, what ITQ optimises, and errors."""

import numpy as np
import pytest

from hashlib_edu.baselines import ITQ, LSH


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 20)) * 3
    return np.repeat(centres, 40, axis=0) + rng.normal(size=(200, 20))


@pytest.mark.parametrize("cls", [LSH, ITQ])
def test_codes_are_int8_plus_minus_one_and_deterministic(cls, features):
    codes = cls(12, seed=3).fit_encode(features)
    assert codes.shape == (200, 12) and codes.dtype == np.int8
    assert set(np.unique(codes)) == {-1, 1}
    assert np.array_equal(codes, cls(12, seed=3).fit_encode(features))


def test_itq_rotation_is_orthogonal_and_reduces_quantization_loss(features):
    itq = ITQ(8, seed=0, iterations=30).fit(features)
    losses = itq.quantization_loss_
    assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:]))  # alternating minimisation
    assert losses[-1] < losses[0]
    pca = np.linalg.svd(features - features.mean(0), full_matrices=False)[2][:8].T
    rotation = np.linalg.lstsq(pca, itq.projection_, rcond=None)[0]
    assert np.allclose(rotation @ rotation.T, np.eye(8), atol=1e-8)


def test_similar_items_get_close_codes(features):
    codes = ITQ(16).fit_encode(features).astype(int)
    labels = np.repeat(np.arange(5), 40)
    dist = (16 - codes @ codes.T) / 2
    same = labels[:, None] == labels[None, :]
    assert dist[same].mean() < dist[~same].mean() / 2


def test_errors_name_the_problem(features):
    with pytest.raises(RuntimeError, match="fit"):
        LSH(8).encode(features)
    with pytest.raises(ValueError, match="dimensions"):
        LSH(8).fit(features).encode(features[:, :5])
    with pytest.raises(ValueError, match="bits <= min"):
        ITQ(32).fit(features)
    with pytest.raises(ValueError, match="2-D"):
        LSH(8).fit(features[0])
    with pytest.raises(ValueError, match="bits"):
        LSH(0)
    with pytest.raises(ValueError, match="finite"):
        LSH(4).fit(np.full((3, 3), np.nan))


def test_code_is_the_sign_of_the_projection(features):
    for hasher in (LSH(8).fit(features), ITQ(8).fit(features)):
        projection = hasher.project(features)
        assert projection.shape == (200, 8)
        assert np.array_equal(np.where(projection >= 0, 1, -1), hasher.encode(features))
