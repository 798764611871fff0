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
from .plots import set_style
from .training import resolve_device

__all__ = ["start"]


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
    chosen = resolve_device(device)
    if chosen.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    set_style()
    scale = (
        "full scale (papers' data, GPU)"
        if full_scale
        else "embedded run (data built from scikit-learn's digits, CPU minutes)"
    )
    print(f"hashlib_edu {hashlib_edu.__version__} | seed {seed} | device {chosen} | {scale}")
    return chosen
