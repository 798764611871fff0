r"""Hash codes: the conventions of the README, as code. Everything else imports these.

* A hash code is a row of K values in {-1, +1}; ``b = sign(h)`` with **sign(0) = +1**, so there is
  never a third value 0 (DHN, Zhu et al. AAAI 2016, eq. 1; HashNet, Cao et al. ICCV 2017, eq. 1).
* The Hamming distance of two codes follows from their inner product:
  :math:`d(q, b) = \tfrac{1}{2}(K - \langle q, b \rangle)`.
* Packed codes hold bit 1 for +1 and bit 0 for -1, little-endian within a byte (faiss's layout;
  :func:`hashlib_edu.retrieval.pack_codes`).
* The quantization error of a continuous code h is :math:`\lVert h - \mathrm{sign}(h) \rVert^2 / K`
  (DHN's quantization loss per bit, eq. 5), averaged over rows.
* Two items are similar when their 0/1 label vectors share at least one label,
  :math:`s_{ij} = [\langle y_i, y_j \rangle > 0]` (both papers, section 3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from hashlib_edu._validation import (
    as_codes,
    as_labels,
    check_instance,
    check_same_bits,
    to_numpy,
)

__all__ = [
    "binarize",
    "binarize_tensor",
    "hamming_distances",
    "quantization_error",
    "share_a_label",
]


_NOT_FINITE = (
    "contains NaN or inf; sign() of them is undefined: check the model's forward pass (a "
    "diverged loss or a learning rate too large)"
)


def _check_continuous(values: np.ndarray, name: str) -> None:
    if not (np.issubdtype(values.dtype, np.floating) or np.issubdtype(values.dtype, np.integer)):
        raise TypeError(f"{name} must be numeric, got dtype {values.dtype}")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ValueError(f"{name} {_NOT_FINITE}")


def binarize(outputs: Any) -> np.ndarray:
    """b = sign(h) as ``int8`` in {-1, +1}, with sign(0) = +1; numpy array or torch tensor in.

    Raises ``ValueError`` for NaN, +inf or -inf (a diverged model: NaN has no sign, and an
    infinite h is never a valid code value) instead of silently giving -1 or +1.
    """
    values = to_numpy(outputs, "outputs")
    _check_continuous(values, "outputs")
    return np.where(values >= 0, 1, -1).astype(np.int8)


def binarize_tensor(h: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """The torch twin of :func:`binarize` for use inside training: sign(h) with sign(0) = +1.

    Keeps h's device; the result has h's dtype unless ``dtype`` is given (``torch.int8`` for
    stored codes). Not differentiable (its gradient is 0 almost everywhere). Like
    :func:`binarize`, raises ``ValueError`` for NaN, +inf or -inf.
    """
    check_instance(h, torch.Tensor, "h", "use binarize() for numpy arrays")
    if dtype is not None:
        check_instance(dtype, torch.dtype, "dtype", "e.g. torch.int8")
    if h.is_floating_point() and not bool(torch.isfinite(h).all()):
        raise ValueError(f"h {_NOT_FINITE}")
    ones = torch.ones((), dtype=h.dtype, device=h.device)
    signs = torch.where(h >= 0, ones, -ones)
    return signs if dtype is None else signs.to(dtype)


def hamming_distances(query_codes: Any, db_codes: Any) -> np.ndarray:
    r"""Dense (nq, N) ``int32`` matrix of :math:`d(q, b) = (K - \langle q, b \rangle) / 2`.

    For small inputs and teaching only: the metrics and :class:`~hashlib_edu.retrieval.HammingIndex`
    never build this matrix.
    """
    q = as_codes(query_codes, "query_codes")
    db = as_codes(db_codes, "db_codes")
    bits = check_same_bits(q, db)
    inner = q.astype(np.int32) @ db.astype(np.int32).T
    return ((bits - inner) // 2).astype(np.int32)


def quantization_error(outputs: Any) -> float:
    r"""Mean over rows of :math:`\lVert h - \mathrm{sign}(h) \rVert^2 / K`, with sign(0) = +1.

    ``outputs`` is the continuous (n, K) code h (e.g. tanh outputs), numpy or torch; 0 when every
    entry is already exactly -1 or +1 (DHN's quantization loss per bit, Zhu et al. 2016, eq. 5).
    """
    h = to_numpy(outputs, "outputs")
    if h.ndim != 2 or h.shape[0] == 0 or h.shape[1] == 0:
        raise ValueError(f"outputs must be a non-empty 2-D array (n, K), got shape {h.shape}")
    _check_continuous(h, "outputs")
    h = h.astype(np.float64)
    b = np.where(h >= 0, 1.0, -1.0)
    return float(((h - b) ** 2).mean(axis=1).mean())


def share_a_label(labels_a: Any, labels_b: Any) -> Any:
    r""":math:`s_{ij} = [\langle y_i, y_j \rangle > 0]`: do items i and j share a label? (na, nb) bool.

    0/1 label matrices in (single-label data is the one-hot case); torch tensors give a torch
    bool tensor on their device, numpy arrays a numpy bool array. Raises ``ValueError`` for a
    value other than 0/1 or a different number of classes.
    """
    if isinstance(labels_a, torch.Tensor) and isinstance(labels_b, torch.Tensor):
        for name, labels in (("labels_a", labels_a), ("labels_b", labels_b)):
            as_labels(labels, len(labels), name, name)
        _check_same_classes(labels_a.shape, labels_b.shape)
        return labels_a.float() @ labels_b.float().T > 0
    a = as_labels(labels_a, len(labels_a), "labels_a", "labels_a")
    b = as_labels(labels_b, len(labels_b), "labels_b", "labels_b")
    _check_same_classes(a.shape, b.shape)
    return a.astype(np.float32) @ b.astype(np.float32).T > 0


def _check_same_classes(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    if shape_a[1] != shape_b[1]:
        raise ValueError(f"labels have {shape_a[1]} and {shape_b[1]} classes; they must match")
