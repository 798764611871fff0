"""Input validation shared by the metrics and the Hamming index."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlib_edu._validation import as_codes, as_labels, check_positive_int, check_same_bits


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.float32, np.float64])
def test_as_codes_accepts_any_numeric_dtype_and_returns_int8(dtype):
    codes = np.array([[1, -1, 1], [-1, -1, 1]], dtype=dtype)
    out = as_codes(codes)
    assert out.dtype == np.int8
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, [[1, -1, 1], [-1, -1, 1]])


def test_as_codes_accepts_torch_tensors_with_grad():
    codes = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], requires_grad=True)
    np.testing.assert_array_equal(as_codes(codes), [[1, -1], [-1, 1]])


def test_as_codes_makes_fortran_input_contiguous():
    codes = np.asfortranarray(np.array([[1, -1, 1], [-1, 1, 1]]))
    assert as_codes(codes).flags.c_contiguous


@pytest.mark.parametrize("bad", [0, 0.5, 2, np.nan])
def test_as_codes_rejects_values_other_than_plus_minus_one(bad):
    codes = np.array([[1.0, -1.0], [1.0, bad]])
    with pytest.raises(ValueError, match=r"query_codes must contain only -1 and \+1.*np.where"):
        as_codes(codes, "query_codes")


def test_as_codes_rejects_booleans_with_a_mapping_hint():
    with pytest.raises(TypeError, match=r"boolean.*np.where"):
        as_codes(np.array([[True, False]]))


def test_as_codes_rejects_non_arrays():
    with pytest.raises(TypeError, match="numpy array or a torch tensor"):
        as_codes([[1, -1]])


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2)])
def test_as_codes_rejects_wrong_rank(shape):
    with pytest.raises(ValueError, match="2-D"):
        as_codes(np.ones(shape))


@pytest.mark.parametrize("shape", [(0, 8), (3, 0)])
def test_as_codes_rejects_empty(shape):
    with pytest.raises(ValueError, match="empty"):
        as_codes(np.ones(shape))


def test_as_codes_rejects_strings():
    with pytest.raises(TypeError, match="dtype"):
        as_codes(np.array([["1", "-1"]]))


def test_as_labels_checks_rows_and_values():
    labels = np.array([[0, 1], [1, 1], [1, 0]], dtype=np.float32)
    out = as_labels(labels, 3)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, labels)
    with pytest.raises(ValueError, match="query_labels has 3 rows but query_codes has 4"):
        as_labels(labels, 4, "query_labels", "query_codes")
    with pytest.raises(ValueError, match="only 0 and 1"):
        as_labels(labels * 2, 3)


def test_as_labels_accepts_bool_and_torch_rejects_1d():
    np.testing.assert_array_equal(as_labels(np.array([[True, False]]), 1), [[1, 0]])
    np.testing.assert_array_equal(as_labels(torch.tensor([[0.0, 1.0]]), 1), [[0, 1]])
    with pytest.raises(ValueError, match="one-hot"):
        as_labels(np.array([0, 1, 2]), 3)


def test_check_same_bits():
    a, b = np.ones((2, 8)), np.ones((3, 8))
    assert check_same_bits(a, b) == 8
    with pytest.raises(ValueError, match="query_codes has 8 bits but db_codes has 16"):
        check_same_bits(a, np.ones((3, 16)))


def test_check_positive_int():
    assert check_positive_int(np.int64(3), "k", 5, "the database size") == 3
    with pytest.raises(ValueError, match=">= 1"):
        check_positive_int(0, "k")
    with pytest.raises(ValueError, match="k must be <= the database size"):
        check_positive_int(6, "k", 5, "the database size")
    with pytest.raises(TypeError, match="integer"):
        check_positive_int(2.0, "k")
    with pytest.raises(TypeError, match="integer"):
        check_positive_int(True, "k")
