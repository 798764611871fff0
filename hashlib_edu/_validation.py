"""Every argument check of the package lives here (one style, one exception type per fault).

Every public entry point passes its arguments through these helpers, so that a wrong input fails
early with a message that names the fix. The same fault raises the same exception everywhere:

* the wrong *kind* of object (a float where an integer is needed, a list where an array is, a
  boolean code array) raises ``TypeError``;
* the right kind with a wrong *value* (a negative radius, a shape mismatch, a code that is not
  ±1, an unknown name) raises ``ValueError``.

Nothing is silently coerced: codes must already be exactly -1/+1 (a 0 from ``np.sign`` or a 0.5
from a ``tanh`` output is an error, not a rounding), and ``topk`` larger than the database is an
error, not clamped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_BINARIZE_HINT = "binarize with hashlib_edu.codes.binarize(h) (= np.where(h >= 0, 1, -1))"


def to_numpy(array: Any, name: str) -> np.ndarray:
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
    array = to_numpy(codes, name)
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
    array = to_numpy(labels, name)
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


def check_int(
    value: Any,
    name: str,
    minimum: int | None = 1,
    maximum: int | None = None,
    maximum_name: str = "",
) -> int:
    """Return ``value`` as an int if it is an integer in [minimum, maximum], else raise.

    ``TypeError`` for anything but an int / numpy integer (``True`` and ``2.0`` included),
    ``ValueError`` outside the range; ``maximum_name`` says what the bound is ("database size").
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        bound = f"{maximum_name} ({maximum})" if maximum_name else str(maximum)
        raise ValueError(f"{name} must be <= {bound}, got {value}")
    return int(value)


def check_positive_int(
    value: Any, name: str, upper: int | None = None, upper_name: str = ""
) -> int:
    """:func:`check_int` with minimum 1 (counts: k, topk, bits, chunk sizes)."""
    return check_int(value, name, 1, upper, upper_name)


def check_radius(radius: Any) -> int:
    """A Hamming radius: an integer >= 0. A radius >= K is valid (the ball is the whole space)."""
    return check_int(radius, "radius", minimum=0)


def check_seed(seed: Any) -> int:
    """A seed: an integer in [0, 2**64)."""
    value = check_int(seed, "seed", minimum=0)
    if value >= 2**64:
        raise ValueError(f"seed must be < 2**64, got {seed}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """True or False (numpy booleans included); ``TypeError`` for 0/1 and everything else."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_float(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """A finite real number in [low, high] (``open_low`` / ``open_high`` exclude the ends)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    too_low = low is not None and (number <= low if open_low else number < low)
    too_high = high is not None and (number >= high if open_high else number > high)
    if too_low or too_high:
        left, right = "(" if open_low else "[", ")" if open_high else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value}")
    return number


def check_fraction(value: Any, name: str) -> float:
    """A fraction strictly between 0 and 1."""
    return check_float(value, name, 0.0, 1.0, open_low=True, open_high=True)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of a fixed set of names (a method, a dataset, a backend); ``ValueError`` otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {list(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {list(choices)}")
    return value


def check_instance(value: Any, cls: type, name: str, where_from: str) -> Any:
    """`value` if it is a `cls`; else a TypeError naming what `name` must be and `where_from`
    one gets one (e.g. "a HashingData from hashlib_edu.data.load_dataset")."""
    if not isinstance(value, cls):
        raise TypeError(
            f"{name} must be a {cls.__name__} ({where_from}), got {type(value).__name__}"
        )
    return value
