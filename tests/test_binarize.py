"""b = sign(h) with sign(0) = +1 (hashlib_edu.codes.binarize and its torch twin binarize_tensor):
the codes, the kinds accepted, and NaN / +inf / -inf refused with a ValueError on both paths
(a diverged model has no codes; NaN >= 0 is False, so without the check it would silently
become -1)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlib_edu.codes import binarize, binarize_tensor

H = [[0.0, -0.2, 0.3, -0.0], [1e-30, -1e-30, 5.0, -5.0]]
SIGNS = [[1, -1, 1, 1], [1, -1, 1, -1]]  # sign(0) = sign(-0.0) = +1


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_binarize_numpy(dtype):
    values = np.array(H, dtype=np.float64).astype(dtype)
    expected = np.where(values >= 0, 1, -1)
    codes = binarize(values)
    assert codes.dtype == np.int8 and codes.tolist() == expected.tolist()
    if dtype is not np.int64:
        assert codes.tolist() == SIGNS


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_binarize_accepts_tensors_and_the_twin_agrees(dtype):
    h = torch.tensor(H, dtype=dtype, requires_grad=True)
    assert binarize(h).tolist() == SIGNS
    twin = binarize_tensor(h.detach())
    assert twin.dtype == dtype and twin.tolist() == SIGNS
    assert binarize_tensor(h.detach(), torch.int8).dtype == torch.int8


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_and_inf_are_refused_on_the_numpy_path(bad, dtype):
    values = np.array([[0.5, -0.5], [bad, 0.1]], dtype=dtype)
    with pytest.raises(ValueError, match="outputs contains NaN or inf"):
        binarize(values)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_nan_and_inf_are_refused_on_the_torch_paths(bad, dtype):
    h = torch.tensor([[0.5, -0.5], [bad, 0.1]], dtype=dtype)
    with pytest.raises(ValueError, match="outputs contains NaN or inf"):
        binarize(h)
    with pytest.raises(ValueError, match="h contains NaN or inf"):
        binarize_tensor(h)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: binarize([[0.5, -0.5]]), TypeError, "outputs"),
        (lambda: binarize(np.array([["a"]])), TypeError, "outputs"),
        (lambda: binarize_tensor(np.zeros((2, 2))), TypeError, "h"),
        (lambda: binarize_tensor(torch.zeros(2, 2), "int8"), TypeError, "dtype"),
    ],
)
def test_the_wrong_kind_is_a_type_error(call, error, name):
    with pytest.raises(error, match=name):
        call()
