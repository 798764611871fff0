"""Unsupervised shallow hashing baselines of the papers' tables: LSH and ITQ.

Both follow the scikit-learn estimator shape: `fit(features)` learns from a (n, D) float matrix,
`encode(features)` returns (n, K) int8 codes in {-1, +1} (sign(0) = +1).

- LSH (Charikar, STOC 2002; sign random projections): b = sign(W^T (x - mu)), W ~ N(0, I).
- ITQ (Gong & Lazebnik, CVPR 2011): centre, project on the top-K principal directions V, then
  alternate B = sign(V R) and R = argmin ||B - V R||_F over orthogonal R (orthogonal Procrustes,
  R = U W^T from the SVD of V^T B = U S W^T); b = sign((x - mu) P R).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LSH", "ITQ"]


def _check_features(features, name: str = "features") -> np.ndarray:
    array = np.asarray(features)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (n, D) array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain finite numbers")
    return array.astype(np.float64, copy=False)


def _sign(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, 1, -1).astype(np.int8)


class _Hasher:
    def __init__(self, bits: int, seed: int = 0) -> None:
        if int(bits) != bits or bits < 1:
            raise ValueError(f"bits must be a positive integer, got {bits}")
        self.bits = int(bits)
        self.seed = seed
        self.mean_: np.ndarray | None = None
        self.projection_: np.ndarray | None = None

    def project(self, features) -> np.ndarray:
        """The real-valued projection whose sign is the code: (x - mu) P, shape (n, K)."""
        if self.projection_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(features) first")
        x = _check_features(features)
        if x.shape[1] != self.mean_.shape[0]:
            raise ValueError(
                f"features have {x.shape[1]} dimensions but the hasher was fitted on "
                f"{self.mean_.shape[0]}"
            )
        return (x - self.mean_) @ self.projection_

    def encode(self, features) -> np.ndarray:
        """(n, K) int8 codes in {-1, +1}."""
        return _sign(self.project(features))

    def fit_encode(self, features) -> np.ndarray:
        return self.fit(features).encode(features)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bits={self.bits}, seed={self.seed})"


class LSH(_Hasher):
    """Sign random projections of centred features: b = sign(W^T (x - mu)), W_dk ~ N(0, 1)."""

    def fit(self, features) -> LSH:
        x = _check_features(features)
        rng = np.random.default_rng(self.seed)
        self.mean_ = x.mean(axis=0)
        self.projection_ = rng.standard_normal((x.shape[1], self.bits))
        return self


class ITQ(_Hasher):
    """Iterative quantization: PCA to K dimensions, then the rotation that best fits binary codes."""

    def __init__(self, bits: int, seed: int = 0, iterations: int = 50) -> None:
        super().__init__(bits, seed)
        if iterations < 0:
            raise ValueError(f"iterations must be >= 0, got {iterations}")
        self.iterations = iterations
        self.quantization_loss_: list[float] = []

    def fit(self, features) -> ITQ:
        x = _check_features(features)
        if self.bits > min(x.shape):
            raise ValueError(
                f"ITQ needs bits <= min(n, D) = {min(x.shape)} (PCA to K dimensions), got "
                f"{self.bits}; use LSH or richer features for longer codes"
            )
        self.mean_ = x.mean(axis=0)
        centred = x - self.mean_
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        pca = vt[: self.bits].T
        v = centred @ pca
        rng = np.random.default_rng(self.seed)
        rotation, _ = np.linalg.qr(rng.standard_normal((self.bits, self.bits)))
        self.quantization_loss_ = []
        for _ in range(self.iterations):
            b = np.where(v @ rotation >= 0, 1.0, -1.0)
            self.quantization_loss_.append(float(((b - v @ rotation) ** 2).sum()))
            u, _, wt = np.linalg.svd(v.T @ b)
            rotation = u @ wt
        self.projection_ = pca @ rotation
        return self
