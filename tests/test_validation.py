"""The one family of argument checks (hashlib_edu._validation): wrong kind -> TypeError, wrong
value -> ValueError, the argument named in the message, nothing coerced."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlib_edu._validation import (
    as_codes,
    as_float_array,
    as_labels,
    check_ax,
    check_bool,
    check_choice,
    check_figsize,
    check_float,
    check_image_shape,
    check_images,
    check_index,
    check_instance,
    check_int,
    check_mapping,
    check_positive_int,
    check_range,
    check_records,
    check_same_bits,
    check_sequence,
    check_str,
    check_unit,
    curve_pair,
)


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


# ----------------------------------------------------------- the one family: kind vs value
@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: check_int(2.5, "iterations"), TypeError, "iterations"),  # never truncated
        (lambda: check_int(False, "iterations"), TypeError, "iterations"),
        (lambda: check_int("3", "iterations"), TypeError, "iterations"),
        (lambda: check_int(-1, "radius", minimum=0), ValueError, "radius"),
        (lambda: check_float("0.5", "lr"), TypeError, "lr"),
        (lambda: check_float(True, "lr"), TypeError, "lr"),
        (lambda: check_float(np.nan, "lr"), ValueError, "lr"),
        (lambda: check_float(0.0, "lr", 0.0, open_low=True), ValueError, "lr"),
        (lambda: check_float(2.0, "p", 0.0, 1.0), ValueError, "p"),
        (lambda: check_bool(1, "progress"), TypeError, "progress"),
        (lambda: check_str(3, "title"), TypeError, "title"),
        (lambda: check_str(None, "title"), TypeError, "title"),
        (lambda: check_str("  ", "title", empty=False), ValueError, "title"),
        (lambda: check_choice(1, "xscale", ("log",)), TypeError, "xscale"),
        (lambda: check_choice("symlog", "xscale", ("log",)), ValueError, "xscale"),
        (lambda: check_instance(3, (str, bytes), "device"), TypeError, "device"),
        (lambda: check_sequence("ab", "betas"), TypeError, "betas"),
        (lambda: check_sequence({"a": 1}, "betas"), TypeError, "betas"),
        (lambda: check_sequence(5, "betas"), TypeError, "betas"),
        (lambda: check_sequence(np.zeros((2, 2)), "betas"), TypeError, "betas"),
        (lambda: check_sequence([], "betas"), ValueError, "betas"),
        (lambda: check_sequence([1], "pair", min_length=2), ValueError, "pair"),
        (lambda: check_mapping([("a", 1)], "curves"), TypeError, "curves"),
        (lambda: check_mapping({}, "curves"), ValueError, "curves"),
        (lambda: check_records({"step": 0}, "snapshots", ("step",)), TypeError, "snapshots"),
        (lambda: check_records([3], "snapshots", ("step",)), TypeError, r"snapshots\[0\]"),
        (lambda: check_records([{}], "snapshots", ("step",)), ValueError, r"snapshots\[0\]"),
        (lambda: check_index(1.0, "index", 3), TypeError, "index"),
        (lambda: check_index(3, "index", 3), ValueError, "index"),
        (lambda: check_index(-4, "index", 3), ValueError, "index"),
        (lambda: check_image_shape("1x8x8"), TypeError, "image_shape"),
        (lambda: check_image_shape((1, 8)), ValueError, "image_shape"),
        (lambda: check_image_shape((1, 8, 8, 1)), ValueError, "image_shape"),
        (lambda: check_image_shape((1, 8.0, 8)), TypeError, r"image_shape\[1\]"),
        (lambda: check_image_shape((1, 0, 8)), ValueError, r"image_shape\[1\]"),
        (lambda: as_float_array("abc", "values"), TypeError, "values"),
        (lambda: as_float_array(["a", "b"], "values"), TypeError, "values"),
        (lambda: as_float_array(["1.5"], "values"), TypeError, "values"),  # not parsed
        (lambda: as_float_array([True, False], "values"), TypeError, "values"),
        (lambda: as_float_array(None, "values"), TypeError, "values"),
        (lambda: as_float_array([[1.0], [1.0, 2.0]], "values"), ValueError, "values"),
        (lambda: as_float_array([[1.0]], "values", ndim=1), ValueError, "values"),
        (lambda: check_ax("left"), TypeError, "ax"),
        (lambda: check_range(2.0, "z_range"), TypeError, "z_range"),
        (lambda: check_range((0, 1, 2), "z_range"), ValueError, "z_range"),
        (lambda: check_range(("0", 1), "z_range"), TypeError, r"z_range\[0\]"),
        (lambda: check_range((1, 1), "z_range"), ValueError, "z_range"),
        (lambda: check_range((0, np.inf), "z_range"), ValueError, r"z_range\[1\]"),
        (lambda: check_figsize((6, 0)), ValueError, r"figsize\[1\]"),
        (lambda: check_figsize("6x4"), TypeError, "figsize"),
        (lambda: curve_pair(0.5, "HashNet", ("p", "r")), TypeError, "HashNet"),
        (lambda: curve_pair([[0.5]], "HashNet", ("p", "r")), ValueError, "HashNet"),
        (lambda: curve_pair(([0.5], [0.1, 0.2]), "HashNet", ("p", "r")), ValueError, "HashNet"),
        (lambda: check_images([[[[0.5]]]], "db_images"), TypeError, "db_images"),
        (lambda: check_images(np.zeros((2, 1, 4, 4), np.uint8), "db_images"), TypeError, "255"),
        (lambda: check_images(np.zeros((2, 2, 4, 4)), "db_images"), ValueError, "db_images"),
        (lambda: check_images(np.zeros((0, 1, 4, 4)), "db_images"), ValueError, "db_images"),
    ],
)
def test_wrong_kind_is_a_type_error_and_wrong_value_a_value_error(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_the_helpers_return_the_checked_value():
    assert check_instance("cpu", (str, bytes), "device") == "cpu"
    assert check_str(None, "title", optional=True) is None
    assert check_sequence(range(3), "radii") == [0, 1, 2]
    assert check_sequence(np.array([1.0, 2.0]), "betas") == [1.0, 2.0]
    assert check_sequence([], "methods", min_length=0) == []
    assert check_index(-3, "index", 3) == -3
    assert check_image_shape([1, np.int64(8), 8]) == (1, 8, 8)
    assert check_range((np.float32(-1), 2), "z_range") == (-1.0, 2.0)
    assert check_figsize((6, 4.5)) == (6.0, 4.5)
    np.testing.assert_array_equal(as_float_array(torch.tensor([1, 2]), "x"), [1.0, 2.0])
    assert as_float_array(np.arange(3, dtype=np.int8), "x").dtype == np.float64
    assert np.isnan(check_float(np.nan, "map", 0.0, 1.0, allow_nan=True))
    with pytest.raises(ValueError, match="map"):
        check_float(np.inf, "map", 0.0, 1.0, allow_nan=True)  # only NaN is let through
    first, second = curve_pair((np.array([1.0, 0.5]), [0.1, 1]), "a", ("p", "r"))
    assert first.tolist() == [1.0, 0.5] and second.tolist() == [0.1, 1.0]
    images = np.zeros((2, 1, 4, 4), np.float32)
    assert check_images(images, "db_images") is images  # a view, no copy
    check_unit(np.array([0.0, 1.0, np.nan]), "precision")
    with pytest.raises(ValueError, match="precision"):
        check_unit(np.array([0.0, 1.5]), "precision")
