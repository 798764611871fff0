"""The one opening every notebook runs: seeds, device, determinism, style, version.

``device = notebook.start(seed=SEED, full_scale=FULL_SCALE)`` seeds Python's ``random``, NumPy's
legacy global generator and torch (CPU and every GPU), picks the device, asks cuDNN for
deterministic kernels on the GPU path (``deterministic=True``, ``benchmark=False``: the promise
"same seed, same machine, same numbers" holds there too), applies the package's figure style and
prints one line saying what runs where. Everything the notebooks compute is seeded explicitly as
well; the global seeds cover code a student adds.
"""

from __future__ import annotations

import random

import numpy as np
import torch

import hashlib_edu

from ._validation import check_bool, check_seed
from .device import resolve_device
from .plots import set_style

__all__ = ["claim", "start"]

#: Whether the notebook was started at full scale (set by :func:`start`; read by :func:`claim`).
_state = {"full_scale": False}


def start(
    seed: int = 0, full_scale: bool = False, device: str | torch.device = "auto"
) -> torch.device:
    """Seed everything, choose the device, set the cuDNN flags and the style; return the device.

    ``full_scale=False`` is the embedded run (digits datasets, a laptop CPU, about a minute per
    notebook); ``True`` the papers' scale (CIFAR-10 or list files, ImageNet weights, a GPU).
    """
    seed = check_seed(seed)
    full_scale = check_bool(full_scale, "full_scale")
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the legacy global generator, for added code)
    torch.manual_seed(seed)
    _state["full_scale"] = full_scale
    chosen = resolve_device(device)
    if chosen.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    set_style()
    scale = (
        "full scale (papers' data, GPU)"
        if full_scale
        else "embedded run (data built from scikit-learn's digits, a laptop CPU)"
    )
    print(f"hashlib_edu {hashlib_edu.__version__} | seed {seed} | device {chosen} | {scale}")
    return chosen


def claim(statement: str, holds: bool, *, embedded_only: bool = False) -> None:
    """State a claim of the notebook and check it: print ``✓ statement`` when `holds` is true,
    raise ``AssertionError`` naming the claim when it is false.

    A claim about the embedded run's own numbers (a margin measured on the digit datasets) is
    marked ``embedded_only=True``: after ``start(full_scale=True)`` it is printed as not checked
    instead of being tested against data it was never measured on. So the notebooks state
    their claims as sentences, ``claim("HashNet beats DHN at every length", all(...))``.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError("statement must be a non-empty string saying what is claimed")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(
            f"holds must be a bool (the claim's test), not {type(holds).__name__}; "
            "reduce arrays with all(...) or any(...) first"
        )
    embedded_only = check_bool(embedded_only, "embedded_only")
    if embedded_only and _state["full_scale"]:
        print(f"- not checked at full scale (a claim about the embedded run): {statement}")
        return
    if not holds:
        raise AssertionError(f"the claim does not hold: {statement}")
    print(f"✓ {statement}")
