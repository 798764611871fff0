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
    notebook.start(seed=3)
    first = _draws()
    notebook.start(seed=3)
    assert _draws() == first
    notebook.start(seed=4)
    assert _draws() != first
    out = capsys.readouterr().out
    assert "seed 3" in out and "embedded run" in out and "hashlib_edu" in out


def test_start_reports_the_full_scale_switch_and_checks_inputs(capsys):
    notebook.start(seed=0, full_scale=True, device="cpu")
    assert "full scale" in capsys.readouterr().out
    with pytest.raises(TypeError, match="full_scale must be True or False"):
        notebook.start(full_scale=1)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        notebook.start(seed=-1)


def test_claim_prints_a_held_claim_and_raises_on_a_false_one(capsys):
    notebook.start(seed=0)
    notebook.claim("two beats one", 2 > 1)
    notebook.claim("an array reduced first", bool(np.all(np.arange(3) >= 0)))
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "✓ two beats one",
        "✓ an array reduced first",
    ]
    with pytest.raises(AssertionError, match="the claim does not hold: one beats two"):
        notebook.claim("one beats two", 1 > 2)
    with pytest.raises(TypeError, match="holds must be a bool"):
        notebook.claim("an unreduced array", np.arange(3) > 0)
    with pytest.raises(TypeError, match="statement must be a non-empty string"):
        notebook.claim("", True)


def test_an_embedded_claim_is_not_checked_at_full_scale(capsys):
    notebook.start(seed=0, full_scale=True, device="cpu")
    notebook.claim("the embedded margin", False, embedded_only=True)  # not raised
    assert "not checked at full scale" in capsys.readouterr().out
    with pytest.raises(AssertionError):
        notebook.claim("a claim for every scale", False)
    notebook.start(seed=0)
    with pytest.raises(AssertionError):
        notebook.claim("the embedded margin", False, embedded_only=True)
