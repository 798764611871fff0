"""Where a run computes (hashlib_edu.device.resolve_device): "auto" is CUDA exactly when torch
sees a GPU, explicit devices pass through, anything else is refused with the argument named.
torch.cuda.is_available is patched both ways, so both branches run on every machine."""

from __future__ import annotations

import pytest
import torch

from hashlib_edu import notebook
from hashlib_edu.device import resolve_device


@pytest.fixture(params=[True, False], ids=["cuda-available", "no-cuda"])
def cuda_available(request, monkeypatch) -> bool:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: request.param)
    return request.param


def test_auto_is_cuda_exactly_when_cuda_is_available(cuda_available):
    expected = torch.device("cuda" if cuda_available else "cpu")
    assert resolve_device("auto") == expected
    assert resolve_device() == expected  # "auto" is the default


def test_auto_on_this_machine():
    assert (resolve_device("auto").type == "cuda") == torch.cuda.is_available()


def test_explicit_devices_are_kept_whatever_is_available(cuda_available):
    assert resolve_device("cpu") == torch.device("cpu")  # the CPU even beside a GPU
    assert resolve_device("cuda") == torch.device("cuda")  # asked for: not replaced by the CPU
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    given = torch.device("cpu")
    assert resolve_device(given) == given


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "", "AUTO", "cpu0"])
def test_an_unknown_device_string_is_a_value_error(device):
    with pytest.raises(ValueError, match="device"):
        resolve_device(device)


@pytest.mark.parametrize("device", [0, 1.5, None, True, ["cpu"]])
def test_a_device_of_the_wrong_kind_is_a_type_error(device):
    with pytest.raises(TypeError, match="device"):
        resolve_device(device)


def test_the_notebook_opening_runs_where_resolve_device_says(cuda_available, monkeypatch):
    # start() sets the cuDNN flags on the GPU path: keep this test's flags out of the others
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", False)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    device = notebook.start(seed=0)
    assert device == resolve_device("auto") == torch.device("cuda" if cuda_available else "cpu")
    assert torch.backends.cudnn.deterministic is cuda_available  # only asked for on the GPU
    assert notebook.start(seed=0, device="cpu") == torch.device("cpu")
