"""The shared notebook opening: seeds every generator, picks the device, validates its inputs."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from hashlib_edu import notebook


def _draws():
    return random.random(), np.random.rand(), torch.rand(1).item()  # noqa: NPY002


def test_start_seeds_python_numpy_and_torch(capsys):
    device = notebook.start(seed=3)
    first = _draws()
    notebook.start(seed=3)
    assert _draws() == first
    notebook.start(seed=4)
    assert _draws() != first
    assert device == torch.device("cpu") or device.type == "cuda"
    out = capsys.readouterr().out
    assert "seed 3" in out and "embedded run" in out and "hashlib_edu" in out


def test_start_reports_the_full_scale_switch_and_checks_inputs(capsys):
    notebook.start(seed=0, full_scale=True, device="cpu")
    assert "full scale" in capsys.readouterr().out
    with pytest.raises(TypeError, match="full_scale must be True or False"):
        notebook.start(full_scale=1)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        notebook.start(seed=-1)
