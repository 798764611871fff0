"""Answers checked by digest (hashlib_edu.exercises): right answers pass, wrong ones fail, and the
digest does not show the answer."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import numpy as np
import pytest

from hashlib_edu.exercises import answer_digest, check_answer


def test_digest_is_the_salted_sha256_of_the_canonical_text():
    expected = hashlib.sha256(b"hashlib-edu:1:0.292").hexdigest()[:16]
    assert answer_digest("1", 7 / 24) == expected
    assert answer_digest("2", 7 / 24) != expected  # salted with the exercise


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Fraction(7, 24), 7 / 24),  # a fraction and its float
        (16, 16.0),  # an integer value, whatever its type
        (np.int64(12), 12),
        (np.float32(0.5), 0.5),
        ((14, 56 / 52), [14.0, 1.0769]),  # sequences element by element, 3 significant digits
        (np.array([1, 2]), (1, 2)),
        (" HashNet ", "hashnet"),
        (np.bool_(True), True),
    ],
)
def test_equal_answers_have_equal_digests(a, b):
    assert answer_digest("x", a) == answer_digest("x", b)


@pytest.mark.parametrize(
    ("a", "b"),
    [(0.292, 0.291), (12, 13), (True, False), (1, True), ((1, 2), (2, 1)), (4_194_305, 4_194_304)],
)
def test_different_answers_have_different_digests(a, b):
    assert answer_digest("x", a) != answer_digest("x", b)


def test_check_answer_says_correct_wrong_or_not_answered(capsys):
    digest = answer_digest("2a", Fraction(7, 24))
    assert check_answer("2a", 0.2916666, digest) is None  # a check cell shows no Out[]
    check_answer("2a", None, digest)
    assert capsys.readouterr().out == "exercise 2a: correct\nexercise 2a: not answered yet\n"
    with pytest.raises(AssertionError, match="exercise 2a: 0.25 is not right, try again"):
        check_answer("2a", 0.25, digest)


def test_float_noise_at_a_rounding_boundary_does_not_decide():
    digest = answer_digest("1", 0.1035)  # '0.104' or '0.103' depending on the last bit
    check_answer("1", 0.1035 * (1 + 1e-12), digest)  # raises when not accepted
    check_answer("1", 0.1035 * (1 - 1e-12), digest)
    with pytest.raises(AssertionError):
        check_answer("1", 0.1015, digest)


def test_digits_and_inputs_are_validated():
    assert answer_digest("1", 0.1234, digits=2) == answer_digest("1", 0.12, digits=2)
    assert answer_digest("1", 0.1234, digits=4) != answer_digest("1", 0.123, digits=4)
    with pytest.raises(TypeError, match="exercise must be a non-empty string"):
        answer_digest(1, 0.5)
    with pytest.raises(TypeError, match="an answer must be a number"):
        answer_digest("1", {"a": 1})
    with pytest.raises(ValueError, match="digits"):
        answer_digest("1", 0.5, digits=0)
    with pytest.raises(ValueError, match="16 hex digits"):
        check_answer("1", 0.5, "0.5")
