"""Safe checkpoints: weights and the run's description, written atomically, read without pickled code."""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path

import torch

from ._io import atomic_write
from ._validation import check_instance
from .device import resolve_device
from .models import HashingNetwork, build_model
from .training import TrainResult

__all__ = ["save_checkpoint", "load_checkpoint"]


_CHECKPOINT_FORMAT = "hashlib_edu.checkpoint/1"


def save_checkpoint(result: TrainResult, path: str | os.PathLike, image_shape) -> Path:
    """Write model weights and the run's description atomically (a temp file, then a rename)."""
    check_instance(result, TrainResult, "result", "from hashlib_edu.training.train_hashing_model")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": _CHECKPOINT_FORMAT,
        "method": result.method,
        "bits": result.bits,
        "backbone": result.config.backbone,
        "image_shape": [int(x) for x in image_shape],
        "config": {
            k: v for k, v in asdict(replace(result.config, schedule=None)).items() if v is not None
        },
        "state_dict": result.model.state_dict(),
    }
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> HashingNetwork:
    """Rebuild the model saved by `save_checkpoint` (loaded with weights_only=True: no pickled code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=resolve_device(device), weights_only=True)
    except Exception as err:
        raise ValueError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: {err}); it may be "
            "truncated or corrupt: re-create it with save_checkpoint"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a hashlib_edu checkpoint (missing format tag)")
    model = build_model(payload["backbone"], payload["bits"], tuple(payload["image_shape"]))
    model.load_state_dict(payload["state_dict"])
    return model.to(resolve_device(device)).eval()
