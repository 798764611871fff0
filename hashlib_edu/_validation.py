"""Input checks shared by :mod:`hashlib_edu.metrics` and :mod:`hashlib_edu.retrieval`.

Every public entry point that takes hash codes or labels passes them through these helpers, so
that a wrong input fails early with a message that names the fix. Nothing is silently coerced:
codes must already be exactly -1/+1 (a 0 from ``np.sign`` or a 0.5 from a ``tanh`` output is an
error, not a rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_BINARIZE_HINT = "binarize with hashlib_edu.training.binarize / np.where(h >= 0, 1, -1)"


def _to_numpy(array: Any, name: str) -> np.ndarray:
    """Return a numpy view of a numpy array or a torch tensor (detached, on cpu)."""
    if isinstance(array, np.ndarray):
        return array
    module = type(array).__module__
    if module.startswith("torch") and hasattr(array, "detach"):
        return array.detach().cpu().numpy()
    raise TypeError(
        f"{name} must be a numpy array or a torch tensor, got {type(array).__name__}; "
        f"wrap it with np.asarray({name})"
    )


def _check_2d_nonempty(array: np.ndarray, name: str, what: str) -> None:
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n, {what}), got shape {array.shape}; "
            f"reshape a single item with {name}[None, :]"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); pass at least one row and column")


def as_codes(codes: Any, name: str = "codes") -> np.ndarray:
    """Validate ±1 hash codes and return them as a C-contiguous ``int8`` array of shape (n, K).

    Accepts numpy arrays of any integer or float dtype and torch tensors. Raises ``TypeError``
    for other objects and for boolean arrays, ``ValueError`` for a wrong shape, an empty array or
    any value other than -1 and +1.
    """
    array = _to_numpy(codes, name)
    if array.dtype == np.bool_:
        raise TypeError(
            f"{name} is boolean; hash codes must be -1/+1: map them with np.where({name}, 1, -1)"
        )
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must have an integer or float dtype, got {array.dtype}")
    _check_2d_nonempty(array, name, "K bits")
    bad = (array != 1) & (array != -1)
    if bad.any():
        found = array[bad].flat[0]
        raise ValueError(f"{name} must contain only -1 and +1 (found {found!r}); {_BINARIZE_HINT}")
    return np.ascontiguousarray(array, dtype=np.int8)


def as_labels(
    labels: Any, n_rows: int, name: str = "labels", codes_name: str = "codes"
) -> np.ndarray:
    """Validate a 0/1 label matrix of shape (n_rows, C) and return it as ``uint8``.

    Boolean labels are accepted (True means 1). Raises ``ValueError`` for a wrong shape, a row
    count different from the codes (message e.g. "query_labels has 5 rows but query_codes has 4"),
    or values other than 0 and 1 (one-hot encode class indices first).
    """
    array = _to_numpy(labels, name)
    if array.ndim == 1:
        raise ValueError(
            f"{name} must be a 2-D 0/1 matrix (n, C), got a 1-D array; one-hot encode class "
            f"indices with np.eye(num_classes)[{name}]"
        )
    _check_2d_nonempty(array, name, "C classes")
    if array.shape[0] != n_rows:
        raise ValueError(f"{name} has {array.shape[0]} rows but {codes_name} has {n_rows}")
    if array.dtype != np.bool_:
        if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
            raise TypeError(f"{name} must have a numeric or boolean dtype, got {array.dtype}")
        bad = (array != 0) & (array != 1)
        if bad.any():
            found = array[bad].flat[0]
            raise ValueError(
                f"{name} must contain only 0 and 1 (found {found!r}); labels are 0/1 vectors, "
                f"one-hot encode class indices with np.eye(num_classes)[indices]"
            )
    return np.ascontiguousarray(array, dtype=np.uint8)


def check_same_bits(
    a: np.ndarray, b: np.ndarray, names: Sequence[str] = ("query_codes", "db_codes")
) -> int:
    """Raise ``ValueError`` unless two code arrays have the same number of bits; return K."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} has {a.shape[1]} bits but {names[1]} has {b.shape[1]}; both must come "
            f"from the same model and code length"
        )
    return int(a.shape[1])


def check_positive_int(
    value: Any, name: str, upper: int | None = None, upper_name: str = ""
) -> int:
    """Return ``value`` as an int if it is an integer in [1, upper], else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    if upper is not None and value > upper:
        raise ValueError(f"{name} must be <= {upper_name} ({upper}), got {value}")
    return int(value)
