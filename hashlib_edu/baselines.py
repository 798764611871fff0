r"""Unsupervised shallow hashing baselines of the papers' tables: LSH and ITQ, as scikit-learn
estimators.

Both are transformers in scikit-learn's sense (``BaseEstimator`` + ``TransformerMixin``):

* ``__init__`` only stores its parameters (``get_params`` / ``set_params`` / ``clone`` work);
* ``fit(X)`` checks the parameters and the (n, D) feature matrix, learns, sets the fitted
  attributes (``mean_``, ``projection_``, ``n_features_in_``, ...; trailing underscore) and
  returns ``self``;
* ``transform(X)`` returns (n, K) ``int8`` codes in {-1, +1}, ``b = sign(h)`` with sign(0) = +1
  (:func:`hashlib_edu.codes.binarize`); before ``fit`` it raises
  :class:`sklearn.exceptions.NotFittedError` (a ``ValueError`` and an ``AttributeError``);
* ``fit_transform(X)`` is ``fit(X).transform(X)``;
* ``random_state`` (an int, ``None`` or a ``numpy.random.Generator``) makes the fit
  reproducible: the same int gives the same codes.

Only scikit-learn's names: ``LSH(K, random_state=SEED).fit(X).transform(X)``.

Methods:

- **LSH** (sign random projections; Charikar, STOC 2002, "Similarity estimation techniques from
  rounding algorithms"): :math:`b = \operatorname{sign}(W^\top (x - \mu))` with
  :math:`W_{dk} \sim \mathcal N(0, 1)` i.i.d. For centred x and y at angle :math:`\theta`,
  :math:`P[b_k(x) \ne b_k(y)] = \theta / \pi`, so the expected Hamming distance is
  :math:`K \theta / \pi`: nothing is learned from the data but its mean.
- **ITQ** (iterative quantization; Gong & Lazebnik, CVPR 2011, "Iterative quantization: a
  Procrustean approach to learning binary codes"): centre, project on the top-K principal
  directions :math:`P` (D x K), :math:`V = (X - \mu) P`, then minimise the quantization loss
  :math:`Q(B, R) = \lVert B - V R \rVert_F^2` over codes :math:`B \in \{-1, +1\}^{n \times K}`
  and orthogonal :math:`R` (K x K), from a random orthogonal :math:`R`, alternating

  1. :math:`B = \operatorname{sign}(V R)` (the best codes for a fixed rotation), and
  2. the orthogonal Procrustes step: with the SVD :math:`V^\top B = U S W^\top`,
     :math:`R = U W^\top` (the rotation that best fits fixed codes).

  Neither step increases Q. Codes: :math:`b = \operatorname{sign}((x - \mu) P R)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import NotFittedError

from ._validation import check_int, check_positive_int, check_seed, to_numpy
from .codes import binarize

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sklearn_validate_data
except ImportError:  # pragma: no cover - scikit-learn 1.2 to 1.5

    def _sklearn_validate_data(estimator, X, reset, **check_params):
        return estimator._validate_data(X, reset=reset, **check_params)


__all__ = ["LSH", "ITQ"]


def _as_feature_array(X: Any, estimator: str) -> tuple[Any, int]:
    """Check X is a 2-D, non-empty, finite, numeric (n, D) matrix, with errors that name the fix.

    Returns X itself (a torch tensor as a numpy array), for scikit-learn's ``validate_data`` to
    convert and to record the column names of a DataFrame, and its number of features D.
    """
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{estimator} does not accept sparse matrices (X is {type(X).__name__}); pass a dense "
            "array with X.toarray()"
        )
    if type(X).__module__.startswith("torch"):
        X = to_numpy(X, "X")
    array = _numeric_array(X, estimator)
    if array.ndim != 2:
        raise ValueError(
            f"{estimator} needs a 2-D feature matrix (n_samples, n_features), got shape "
            f"{array.shape}. Reshape your data: X.reshape(1, -1) for a single item, "
            "X.reshape(len(X), -1) to flatten images"
        )
    for axis, what in ((0, "sample(s)"), (1, "feature(s)")):
        if array.shape[axis] == 0:
            raise ValueError(
                f"Found array with 0 {what} (shape={array.shape}) while a minimum of 1 is "
                f"required by {estimator}: pass at least one sample and one feature"
            )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(
            f"Input X contains NaN or inf ({estimator} needs finite features); drop those rows "
            "or impute them, e.g. with sklearn.impute.SimpleImputer"
        )
    return X, array.shape[1]


def _numeric_array(X: Any, estimator: str) -> np.ndarray:
    """X as a real numeric numpy array (objects that are numbers become float64)."""
    array = np.asarray(X)
    if array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported by {estimator}; pass real features, e.g. X.real or "
            "np.abs(X)"
        )
    if array.dtype.kind == "O":
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{estimator} needs numeric features, but X holds objects that are not numbers "
                f"({err}); convert the features with np.asarray(X, dtype=float)"
            ) from err
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{estimator} needs numeric features, got dtype {array.dtype}; encode text or "
            "categories as numbers first and convert with np.asarray(X, dtype=float)"
        )
    return array


def _generator(random_state: Any) -> np.random.Generator:
    """The random generator of a fit, from ``random_state``."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise TypeError(
            f"random_state must be None, an integer seed or a numpy Generator "
            f"(np.random.default_rng(seed)), got {type(random_state).__name__} {random_state!r}"
        )
    return np.random.default_rng(check_seed(random_state))


class _BinaryHasher(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """What LSH and ITQ share: validation, centring, b = sign((x - mu) projection_)."""

    def __init__(self, n_bits: int, *, random_state: Any = None) -> None:
        self.n_bits = n_bits
        self.random_state = random_state

    # ---- scikit-learn plumbing -----------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # float features in, int8 codes out
        return tags

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {"preserves_dtype": []}

    @property
    def _n_features_out(self) -> int:
        """Output names for get_feature_names_out: "lsh0", "lsh1", ... (one per bit)."""
        return self.projection_.shape[1]

    # ---- fitting -------------------------------------------------------------------------------
    def _check_params(self) -> int:
        return check_positive_int(self.n_bits, "n_bits")

    def _fit_data(self, X: Any) -> np.ndarray:
        """Validate X for fit; record n_features_in_ (and feature_names_in_ of a DataFrame)."""
        X, _ = _as_feature_array(X, type(self).__name__)
        # C order: the SVD of a DataFrame's (Fortran-ordered) values then equals that of the array
        return _sklearn_validate_data(self, X, reset=True, dtype=np.float64, order="C")

    def _check_fitted(self) -> None:
        if not hasattr(self, "projection_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call fit(X) (or "
                "fit_transform(X)) with training features before transform(X)"
            )

    # ---- encoding ------------------------------------------------------------------------------
    def project(self, X: Any) -> np.ndarray:
        """The real-valued projection h = (x - mean_) projection_ whose sign is the code, (n, K)."""
        self._check_fitted()
        name = type(self).__name__
        X, n_features = _as_feature_array(X, name)
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting {self.n_features_in_} "
                "features as input: transform features of the same kind as those given to fit "
                "(the same extractor and dimension), or fit again"
            )
        X = _sklearn_validate_data(self, X, reset=False, dtype=np.float64)
        return (X - self.mean_) @ self.projection_

    def transform(self, X: Any) -> np.ndarray:
        """Hash codes b = sign((x - mean_) projection_): (n, n_bits) int8 in {-1, +1}, sign(0) = +1."""
        return binarize(self.project(X))


class LSH(_BinaryHasher):
    r"""Locality-sensitive hashing by sign random projections (Charikar, STOC 2002).

    :math:`b = \operatorname{sign}(W^\top (x - \mu))`, :math:`W_{dk} \sim \mathcal N(0, 1)`
    i.i.d.; for centred x, y at angle :math:`\theta` each bit differs with probability
    :math:`\theta / \pi`.

    Parameters
    ----------
    n_bits : int
        Code length K (>= 1; any K, also more bits than features).
    random_state : int, numpy Generator or None
        Draws W; the same int gives the same codes. None: fresh randomness on every fit.

    Attributes
    ----------
    mean_ : ndarray (n_features,)
        :math:`\mu`, the mean of the training features.
    projection_ : ndarray (n_features, n_bits)
        W, the random Gaussian projection.
    n_features_in_ : int
        D, the number of features seen in fit (``feature_names_in_`` too for a DataFrame).
    """

    def fit(self, X: Any, y: Any = None) -> LSH:
        """Learn the mean of X and draw W; X is (n_samples, n_features); y is ignored."""
        bits = self._check_params()
        rng = _generator(self.random_state)
        X = self._fit_data(X)
        self.mean_ = X.mean(axis=0)
        self.projection_ = rng.standard_normal((X.shape[1], bits))
        return self


class ITQ(_BinaryHasher):
    r"""Iterative quantization (Gong & Lazebnik, CVPR 2011): PCA, then the rotation that best fits
    binary codes (alternating ``B = sign(V R)`` and the orthogonal Procrustes step
    ``R = U W^T`` from the SVD ``V^T B = U S W^T``).

    Parameters
    ----------
    n_bits : int
        Code length K, at most min(n_samples, n_features) (PCA to K dimensions).
    n_iter : int
        Alternating iterations (>= 0; the paper: 50). 0 keeps the random rotation.
    random_state : int, numpy Generator or None
        Draws the initial random orthogonal rotation; the same int gives the same codes.

    Attributes
    ----------
    mean_ : ndarray (n_features,)
        :math:`\mu`, the mean of the training features.
    components_ : ndarray (n_bits, n_features)
        The top-K principal directions (the rows of :math:`P^\top`).
    rotation_ : ndarray (n_bits, n_bits)
        R, orthogonal.
    projection_ : ndarray (n_features, n_bits)
        :math:`P R`: codes are ``sign((X - mean_) @ projection_)``.
    quantization_loss_ : list of float
        :math:`\lVert B - V R \rVert_F^2` at each iteration (before its Procrustes step);
        non-increasing.
    n_features_in_ : int
        D, the number of features seen in fit (``feature_names_in_`` too for a DataFrame).
    """

    def __init__(self, n_bits: int, *, n_iter: int = 50, random_state: Any = None) -> None:
        super().__init__(n_bits, random_state=random_state)
        self.n_iter = n_iter

    def fit(self, X: Any, y: Any = None) -> ITQ:
        """PCA to n_bits dimensions, then n_iter alternating steps; y is ignored."""
        bits = self._check_params()
        n_iter = check_int(self.n_iter, "n_iter", minimum=0)
        rng = _generator(self.random_state)
        X = self._fit_data(X)
        if bits > min(X.shape):
            raise ValueError(
                f"ITQ needs n_bits <= min(n_samples, n_features) = {min(X.shape)} (PCA to K "
                f"dimensions), got n_bits={bits}; use fewer bits, more or richer features, or LSH "
                "for longer codes"
            )
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        self.components_ = vt[:bits]
        v = centred @ self.components_.T
        rotation, _ = np.linalg.qr(rng.standard_normal((bits, bits)))
        self.quantization_loss_ = []
        for _ in range(n_iter):
            b = binarize(v @ rotation).astype(np.float64)
            self.quantization_loss_.append(float(((b - v @ rotation) ** 2).sum()))
            u, _, wt = np.linalg.svd(v.T @ b)  # orthogonal Procrustes: R = U W^T
            rotation = u @ wt
        self.rotation_ = rotation
        self.projection_ = self.components_.T @ rotation
        return self
