"""Every argument check of the package lives here (one style, one exception type per fault).

Every public entry point passes its arguments through these helpers, so that a wrong input fails
early with a message that names the fix. The same fault raises the same exception everywhere:

* the wrong *kind* of object (a float where an integer is needed, a list where an array is, a
  boolean code array) raises ``TypeError``;
* the right kind with a wrong *value* (a negative radius, a shape mismatch, a code that is not
  ±1, an unknown name) raises ``ValueError``.

Nothing is silently coerced: codes must already be exactly -1/+1 (a 0 from ``np.sign`` or a 0.5
from a ``tanh`` output is an error, not a rounding), ``topk`` larger than the database is an
error, not clamped, 2.5 iterations is a ``TypeError`` (never ``int(2.5)``), ``True`` is not an
integer and "0.5" is not a number. Messages name the argument, what was given and the fix, in the
spirit of scikit-learn's ``check_scalar``.

Families: scalars (:func:`check_int`, :func:`check_float`, :func:`check_bool`, :func:`check_str`,
:func:`check_choice`, :func:`check_seed`), containers (:func:`check_sequence`,
:func:`check_mapping`, :func:`check_records`, :func:`check_index`, :func:`check_image_shape`,
:func:`check_instance`), codes and labels (:func:`as_codes`, :func:`as_labels`) and the figures'
inputs (:func:`as_float_array`, :func:`check_ax`, :func:`check_range`, :func:`check_figsize`,
:func:`curve_pair`, :func:`check_unit`, :func:`check_images`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    allow_nan: bool = False,
) -> float:
    """A finite real number in [low, high] (``open_low`` / ``open_high`` exclude the ends);
    ``allow_nan`` lets NaN through (a value that is undefined, e.g. an mAP over no query)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if allow_nan and np.isnan(number):
        return number
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


def check_instance(
    value: Any, cls: type | tuple[type, ...], name: str, where_from: str = ""
) -> Any:
    """`value` if it is a `cls` (or one of a tuple of classes); else a TypeError naming what
    `name` must be and `where_from` one gets one (e.g. "a HashingData from
    hashlib_edu.data.load_dataset")."""
    if not isinstance(value, cls):
        classes = cls if isinstance(cls, tuple) else (cls,)
        kinds = " or ".join(c.__name__ for c in classes)
        source = f" ({where_from})" if where_from else ""
        raise TypeError(f"{name} must be a {kinds}{source}, got {type(value).__name__}")
    return value


def check_str(value: Any, name: str, *, optional: bool = False, empty: bool = True) -> str | None:
    """A string (None too when `optional`); ``empty=False`` refuses "" and blank strings."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        kind = "a string or None" if optional else "a string"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__} {value!r}")
    if not empty and not value.strip():
        raise ValueError(f"{name} is empty; pass a non-empty string")
    return value


def check_sequence(
    value: Any, name: str, what: str = "a list", *, min_length: int = 1, fix: str = ""
) -> list:
    """A list, tuple, range or 1-D array (never a string or a dict) with at least `min_length`
    items, returned as a list. `what` says what it must hold ("a list of dicts"), `fix` where a
    valid one comes from."""
    hint = f"; {fix}" if fix else ""
    is_array = isinstance(value, np.ndarray) and value.ndim == 1
    if not is_array and (
        isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence)
    ):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}{hint}")
    items = list(value)
    if not items and min_length > 0:
        raise ValueError(f"{name} is empty, needs at least {min_length} item(s){hint}")
    if len(items) < min_length:
        raise ValueError(f"{name} has {len(items)} items, needs at least {min_length}{hint}")
    return items


def check_mapping(value: Any, name: str, what: str = "a dict", *, fix: str = "") -> Mapping:
    """A non-empty dict (any Mapping); `what` says what it maps ("a dict label -> (x, y)")."""
    hint = f"; {fix}" if fix else ""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}{hint}")
    if not value:
        raise ValueError(f"{name} is empty; pass at least one entry{hint}")
    return value


def check_records(
    rows: Any, name: str, keys: Sequence[str], *, fix: str = ""
) -> list[Mapping[str, Any]]:
    """A non-empty list of dicts, each holding every key of `keys` (run rows, snapshots)."""
    rows = check_sequence(rows, name, "a list of dicts", fix=fix)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"{name}[{i}] must be a dict, got {type(row).__name__}")
        missing = [key for key in keys if key not in row]
        if missing:
            raise ValueError(f"{name}[{i}] lacks keys {missing}; each needs {list(keys)}")
    return rows


def check_index(value: Any, name: str, length: int, what: str = "items") -> int:
    """A Python index into `length` items: an integer in [-length, length)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if not -length <= value < length:
        raise ValueError(
            f"{name} must be in [{-length}, {length - 1}] for {length} {what}, got {value}"
        )
    return int(value)


def check_image_shape(value: Any, name: str = "image_shape") -> tuple[int, int, int]:
    """(C, H, W) of an image: a tuple or list of three integers >= 1."""
    items = check_sequence(value, name, "a (C, H, W) tuple of integers", min_length=3)
    if len(items) != 3:
        raise ValueError(f"{name} must have 3 entries (C, H, W), got {value!r}")
    return tuple(check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(items))


# --------------------------------------------------------------------------------------------
# Plotted arrays and figure arguments (matplotlib is imported only when an Axes is checked)
# --------------------------------------------------------------------------------------------
def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def as_float_array(values: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """A float64 numpy array from a numpy array, a torch tensor or a (nested) list of numbers.

    ``TypeError`` for anything that is not numbers (strings, booleans, dicts, None),
    ``ValueError`` for a ragged list or a number of dimensions other than `ndim`.
    """
    if _is_tensor(values):
        values = values.detach().cpu().numpy()
    if values is None or isinstance(values, str | bytes | Mapping):
        raise TypeError(f"{name} must be numbers (an array, tensor or list), got {values!r}")
    try:
        array = np.asarray(values)
    except ValueError as error:  # a ragged nested list
        raise ValueError(f"{name} must be a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be numeric (a numpy array, tensor or list of numbers), got dtype "
            f"{array.dtype}"
        )
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array.astype(np.float64, copy=False)


def check_ax(ax: Any, name: str = "ax") -> None:
    """None or a matplotlib Axes."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")


def check_range(value_range: Any, name: str) -> tuple[float, float]:
    """A pair of finite numbers (low, high) with low < high."""
    pair = check_sequence(value_range, name, "a pair of numbers (low, high)", min_length=2)
    if len(pair) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {value_range!r}")
    low, high = (check_float(v, f"{name}[{i}]") for i, v in enumerate(pair))
    if not low < high:
        raise ValueError(f"{name} must satisfy low < high, got {value_range!r}")
    return low, high


def check_figsize(figsize: Any, name: str = "figsize") -> tuple[float, float]:
    """A figure size (width, height) in inches: two positive finite numbers."""
    pair = check_sequence(figsize, name, "a pair of numbers (width, height)", min_length=2)
    if len(pair) != 2:
        raise ValueError(f"{name} must be a pair (width, height), got {figsize!r}")
    width, height = (check_float(v, f"{name}[{i}]", 0.0, open_low=True) for i, v in enumerate(pair))
    return width, height


def curve_pair(value: Any, label: str, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The two equal-length 1-D arrays of one curve `label` (e.g. precision and recall)."""
    where = f"curve {label!r}"
    pair = check_sequence(value, where, f"a pair ({names[0]}, {names[1]})", min_length=2)
    if len(pair) != 2:
        raise ValueError(f"{where} must be a pair ({names[0]}, {names[1]}), got {len(pair)} items")
    first = as_float_array(pair[0], f"{names[0]} of {label!r}", ndim=1)
    second = as_float_array(pair[1], f"{names[1]} of {label!r}", ndim=1)
    if len(first) != len(second) or len(first) == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} of {label!r} must be non-empty and of equal length, "
            f"got {len(first)} and {len(second)}"
        )
    return first, second


def check_unit(values: np.ndarray, what: str) -> None:
    """Every finite value in [0, 1] (a precision, a recall, an mAP)."""
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(
            f"{what} must lie in [0, 1], found [{finite.min():.3g}, {finite.max():.3g}]"
        )


def check_images(images: Any, name: str) -> np.ndarray:
    """Float images (n, C, H, W), C in {1, 3}, as a numpy view: no copy of a large database."""
    if _is_tensor(images):
        images = images.detach().cpu().numpy()
    if not isinstance(images, np.ndarray):
        raise TypeError(
            f"{name} must be a float image array (n, C, H, W) or tensor, got "
            f"{type(images).__name__}"
        )
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(
            f"{name} must be float images in [0, 1], got dtype {images.dtype}; "
            f"convert uint8 images with {name} / 255"
        )
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"{name} must have shape (n, C, H, W) with C = 1 (grayscale) or 3 (RGB), got "
            f"{images.shape}"
        )
    if len(images) == 0:
        raise ValueError(f"{name} is empty")
    return images
