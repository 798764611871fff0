"""Checking a student's answer without showing it: answers are compared by digest.

The check cells of the notebooks reach the students (``make student``). A check that recomputes
the answer, or compares with a stored value, gives it away; so a check cell compares the digest
of the student's answer with a digest written into the cell (a SHA-256 of the canonical text of
the answer, salted with the exercise's name)::

    check_answer("2a", answer_self_pair_share, "5d2c...")

The instructor edition runs the same cell on the solutions, so nbval proves that every digest is
the digest of the right answer. The canonical text: integers (and floats with an integer value)
exactly, other real numbers to `digits` significant digits, strings stripped and lower-case,
booleans as ``True``/``False``, sequences and arrays element by element. Only answers that are
the same on every machine can be checked this way (exact counts, fractions, verdicts, yes/no
readings of robust effects); a number that comes out of training is asked for as a reading of
it instead.
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ._validation import check_positive_int

__all__ = ["answer_digest", "check_answer"]

#: Relative nudge tried on both sides of a real answer: float noise at a rounding boundary
#: (0.10349999 vs 0.1035) must not decide whether an answer counts as right.
_NUDGE = 1e-9


def _canonical(value: Any, digits: int, nudge: float = 0.0) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    if isinstance(value, (numbers.Real, Fraction, np.floating)):
        real = float(value)
        if not np.isfinite(real):
            return str(real)
        if real.is_integer() and abs(real) < 2**53:
            return str(int(real))
        return format(real * (1 + nudge), f".{digits}g")
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, np.ndarray) or (
        isinstance(value, Sequence) and not isinstance(value, str)
    ):
        return (
            "("
            + ",".join(_canonical(v, digits, nudge) for v in np.asarray(value, object).ravel())
            + ")"
        )
    raise TypeError(
        f"an answer must be a number, a bool, a string or a sequence of them, "
        f"not {type(value).__name__}"
    )


def answer_digest(exercise: str, value: Any, digits: int = 3, *, nudge: float = 0.0) -> str:
    """The digest a check cell stores for `value` as the answer of `exercise`: the first 16 hex
    digits of SHA-256(``"hashlib-edu:<exercise>:<canonical text>"``)."""
    if not isinstance(exercise, str) or not exercise:
        raise TypeError("exercise must be a non-empty string such as '2a'")
    digits = check_positive_int(digits, "digits")
    text = f"hashlib-edu:{exercise}:{_canonical(value, digits, nudge)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_answer(exercise: str, value: Any, digest: str, digits: int = 3) -> None:
    """Compare a student's answer with the stored `digest` (:func:`answer_digest`).

    Prints ``exercise 2a: not answered yet`` for ``None``, ``exercise 2a: correct`` when the
    answer's digest matches (also after a relative nudge of 1e-9 either way, so float noise at a
    rounding boundary does not decide), and raises ``AssertionError`` with
    "try again" otherwise. Returns None, so that a check cell shows only what it prints.
    """
    if not isinstance(digest, str) or len(digest) != 16:
        raise ValueError("digest must be the 16 hex digits answer_digest returns")
    if value is None:
        print(f"exercise {exercise}: not answered yet")
        return
    candidates = {answer_digest(exercise, value, digits, nudge=n) for n in (0.0, _NUDGE, -_NUDGE)}
    if digest not in candidates:
        raise AssertionError(f"exercise {exercise}: {value!r} is not right, try again")
    print(f"exercise {exercise}: correct")
