"""LSH and ITQ: the scikit-learn estimator contract, the codes, what ITQ optimises, and errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from hashlib_edu.baselines import ITQ, LSH

HASHERS = [LSH, ITQ]


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 20)) * 3
    return np.repeat(centres, 40, axis=0) + rng.normal(size=(200, 20))


# ---- the estimator contract ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", HASHERS)
def test_init_stores_the_parameters_untouched(cls):
    # nothing is checked or converted in __init__: bad values fail in fit, not before
    odd = object()
    hasher = cls(odd, random_state=odd)
    assert hasher.n_bits is odd and hasher.random_state is odd
    assert not [name for name in vars(hasher) if name.endswith("_")]  # nothing fitted yet
    params = cls(12, random_state=3).get_params()
    assert params == {"n_bits": 12, "random_state": 3, **({"n_iter": 50} if cls is ITQ else {})}
    with pytest.raises(TypeError, match="n_bits must be an integer"):
        hasher.fit(np.ones((5, 3)))


@pytest.mark.parametrize("cls", HASHERS)
def test_fit_returns_self_and_sets_trailing_underscore_attributes(cls, features):
    hasher = cls(8, random_state=0)
    assert hasher.fit(features) is hasher
    assert hasher.n_features_in_ == 20
    assert hasher.mean_.shape == (20,) and hasher.projection_.shape == (20, 8)
    assert np.allclose(hasher.mean_, features.mean(0))
    assert list(hasher.get_feature_names_out()) == [f"{cls.__name__.lower()}{i}" for i in range(8)]


@pytest.mark.parametrize("cls", HASHERS)
def test_transform_before_fit_raises_sklearns_not_fitted_error(cls, features):
    for method in ("transform", "project"):
        with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(X\)") as info:
            getattr(cls(8), method)(features)
        assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


@pytest.mark.parametrize("cls", HASHERS)
def test_feature_count_must_match_fit(cls, features):
    hasher = cls(4, random_state=0).fit(features)
    message = f"X has 5 features, but {cls.__name__} is expecting 20 features as input"
    with pytest.raises(ValueError, match=message):
        hasher.transform(features[:, :5])


@pytest.mark.parametrize("cls", HASHERS)
def test_codes_are_int8_plus_minus_one(cls, features):
    codes = cls(12, random_state=3).fit_transform(features)
    assert codes.shape == (200, 12) and codes.dtype == np.int8
    assert set(np.unique(codes)) == {-1, 1}


@pytest.mark.parametrize("cls", HASHERS)
def test_same_random_state_gives_the_same_codes(cls, features):
    first = cls(12, random_state=3).fit_transform(features)
    assert np.array_equal(first, cls(12, random_state=3).fit_transform(features))
    generator = cls(12, random_state=np.random.default_rng(3)).fit_transform(features)
    assert np.array_equal(first, generator)  # a Generator seeded alike draws alike
    assert not np.array_equal(first, cls(12, random_state=4).fit_transform(features))
    # refitting a clone is idempotent, and None draws afresh on every fit
    hasher = cls(12, random_state=3)
    assert np.array_equal(clone(hasher).fit(features).projection_, hasher.fit(features).projection_)
    unseeded = cls(12)
    assert not np.array_equal(
        unseeded.fit(features).projection_, unseeded.fit(features).projection_
    )


@pytest.mark.parametrize("cls", HASHERS)
def test_fit_transform_equals_transform(cls, features):
    hasher = cls(8, random_state=1)
    codes = hasher.fit_transform(features)
    assert np.array_equal(codes, hasher.transform(features))


@pytest.mark.parametrize("cls", HASHERS)
def test_only_scikit_learns_names(cls):
    """No aliases: random_state is the seed's one name, transform the encoder's."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'seed'"):
        cls(8, seed=0)
    assert not hasattr(cls(8), "encode")


@pytest.mark.parametrize("cls", HASHERS)
def test_passes_scikit_learns_estimator_checks(cls):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SkipTestWarning for the array-API checks
        check_estimator(cls(1, random_state=0))  # raises on the first failed check


@pytest.mark.parametrize("cls", HASHERS)
def test_dataframe_and_torch_inputs(cls, features):
    import pandas as pd
    import torch

    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(20)])
    hasher = cls(6, random_state=0).fit(frame)
    assert list(hasher.feature_names_in_) == list(frame.columns)
    from_array = cls(6, random_state=0).fit(features)
    codes = from_array.transform(features)
    assert np.array_equal(hasher.transform(frame), codes)
    assert np.array_equal(from_array.transform(torch.from_numpy(features)), codes)
    assert np.array_equal(
        cls(6, random_state=0).fit(np.asfortranarray(features)).transform(features), codes
    )


# ---- the codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", HASHERS)
def test_code_is_the_sign_of_the_projection_with_sign_zero_plus_one(cls, features):
    hasher = cls(8, random_state=0).fit(features)
    projection = hasher.project(features)
    assert projection.shape == (200, 8)
    assert np.allclose(projection, (features - features.mean(0)) @ hasher.projection_)
    assert np.array_equal(np.where(projection >= 0, 1, -1), hasher.transform(features))
    # the mean itself projects to exactly 0 on every bit: sign(0) = +1, never 0 or -1
    assert np.all(hasher.project(hasher.mean_[None]) == 0)
    assert hasher.transform(hasher.mean_[None]).tolist() == [[1] * 8]


def test_lsh_bit_flip_probability_is_the_angle_over_pi():
    # Charikar 2002: P[b_k(x) != b_k(y)] = theta / pi for centred x, y
    x, y = np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])  # theta = pi / 4
    train = np.stack([x, y, -x, -y])  # mean 0: the centring leaves x and y as they are
    codes = LSH(20_000, random_state=0).fit_transform(train)
    assert np.mean(codes[0] != codes[1]) == pytest.approx(0.25, abs=0.015)
    assert np.all(codes[0] == -codes[2])  # antipodal points get complementary codes


def test_lsh_allows_more_bits_than_features(features):
    assert LSH(64, random_state=0).fit_transform(features).shape == (200, 64)


def test_itq_is_pca_then_an_orthogonal_rotation_that_reduces_quantization_loss(features):
    itq = ITQ(8, n_iter=30, random_state=0).fit(features)
    losses = itq.quantization_loss_
    assert len(losses) == 30
    assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:]))  # alternating minimisation
    assert losses[-1] < losses[0]
    assert np.allclose(itq.rotation_ @ itq.rotation_.T, np.eye(8), atol=1e-8)
    assert np.allclose(itq.projection_, itq.components_.T @ itq.rotation_)
    # components_ span the top-8 principal subspace (the right singular vectors)
    top = np.linalg.svd(features - features.mean(0), full_matrices=False)[2][:8]
    assert np.allclose(np.abs(np.linalg.det(itq.components_ @ top.T)), 1.0, atol=1e-8)
    # the last recorded loss is that of the rotation before the final Procrustes step, which
    # can only have lowered it: ||B - V R||^2 at the fitted rotation is no larger
    v = (features - itq.mean_) @ itq.components_.T
    b = np.where(v @ itq.rotation_ >= 0, 1.0, -1.0)
    assert ((b - v @ itq.rotation_) ** 2).sum() <= losses[-1] + 1e-9


def test_itq_procrustes_step_is_the_best_rotation_for_fixed_codes(features):
    itq = ITQ(6, n_iter=1, random_state=2).fit(features)
    v = (features - itq.mean_) @ itq.components_.T
    # with one iteration, rotation_ = argmin_R ||B - V R|| for the codes B of the initial R
    initial = ITQ(6, n_iter=0, random_state=2).fit(features)
    assert initial.quantization_loss_ == []
    b = np.where(v @ initial.rotation_ >= 0, 1.0, -1.0)
    best = ((b - v @ itq.rotation_) ** 2).sum()
    rng = np.random.default_rng(0)
    for _ in range(20):
        q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
        assert best <= ((b - v @ q) ** 2).sum() + 1e-9


def test_similar_items_get_close_codes(features):
    codes = ITQ(16, random_state=0).fit_transform(features).astype(int)
    labels = np.repeat(np.arange(5), 40)
    dist = (16 - codes @ codes.T) / 2
    same = labels[:, None] == labels[None, :]
    assert dist[same].mean() < dist[~same].mean() / 2


# ---- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", HASHERS)
def test_feature_matrix_errors_name_the_fix(cls, features):
    import scipy.sparse

    hasher = cls(2, random_state=0)
    with pytest.raises(ValueError, match=r"Reshape your data: X.reshape\(1, -1\)"):
        hasher.fit(features[0])
    with pytest.raises(ValueError, match="2-D feature matrix"):
        hasher.fit(features.reshape(10, 20, 20))
    with pytest.raises(ValueError, match="0 sample"):
        hasher.fit(np.empty((0, 4)))
    with pytest.raises(ValueError, match="0 feature"):
        hasher.fit(np.empty((4, 0)))
    for bad in (np.nan, np.inf):
        broken = features.copy()
        broken[3, 2] = bad
        with pytest.raises(ValueError, match="NaN or inf.*SimpleImputer"):
            hasher.fit(broken)
    with pytest.raises(TypeError, match="numeric features.*dtype=float"):
        hasher.fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="Complex data not supported"):
        hasher.fit(features + 1j)
    with pytest.raises(TypeError, match=r"sparse.*toarray\(\)"):
        hasher.fit(scipy.sparse.csr_matrix(features))
    fitted = cls(2, random_state=0).fit(features)
    broken = features.copy()
    broken[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(broken)


@pytest.mark.parametrize("cls", HASHERS)
def test_parameter_errors_are_raised_by_fit(cls, features):
    for n_bits, error in ((0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="n_bits"):
            cls(n_bits).fit(features)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        cls(4, random_state=-1).fit(features)
    with pytest.raises(TypeError, match="random_state must be None, an integer seed"):
        cls(4, random_state="zero").fit(features)


def test_itq_specific_errors(features):
    with pytest.raises(ValueError, match=r"n_bits <= min\(n_samples, n_features\) = 20"):
        ITQ(32).fit(features)
    with pytest.raises(ValueError, match="n_iter must be >= 0"):
        ITQ(4, n_iter=-1).fit(features)
    with pytest.raises(TypeError, match="n_iter"):
        ITQ(4, n_iter=5.0).fit(features)
