"""One trained artefact per setting, on disk: the pretrained trunk and every trained model.

Training is seeded, so a (dataset, method, bits, seed, settings) tuple always gives the same
model on one machine; training it twice only costs time. Notebooks 02-04 and ``make run`` train
many of the same models: with the cache they train each once and show the same numbers.

* Where: ``$HASHLIB_EDU_CACHE`` if set, else ``~/.cache/hashlib-edu`` (:func:`cache_dir`). The
  tests point it at a fresh temporary folder, so CI always trains from a cold cache.
* Key: the SHA-256 of a JSON description holding everything that changes the result (the data
  split, the method, the settings, the seed, the torch version and the device type). The
  description is stored in the file and compared on load.
* Files are written atomically (temp file + rename, :func:`hashlib_edu._io.atomic_write`); a file
  that cannot be read, has another format or another key is rebuilt with a ``RuntimeWarning``,
  never trusted. ``HASHLIB_EDU_CACHE=off`` disables the cache (everything trains).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ._io import atomic_write

__all__ = ["cache_dir", "cache_enabled", "cache_key", "cached", "data_fingerprint"]


def cache_dir() -> Path:
    """Where trained artefacts are cached: ``$HASHLIB_EDU_CACHE``, else ``~/.cache/hashlib-edu``."""
    return Path(os.environ.get("HASHLIB_EDU_CACHE") or Path.home() / ".cache" / "hashlib-edu")


def cache_enabled() -> bool:
    """False when ``HASHLIB_EDU_CACHE=off`` (then every call trains)."""
    return os.environ.get("HASHLIB_EDU_CACHE", "").lower() != "off"


def data_fingerprint(data: Any, splits: tuple[str, ...] = ("train", "query", "database")) -> dict:
    """What identifies a dataset split for caching: name, seed, options, the split indices' hash."""
    manifest = data.split_manifest(include_indices=False)
    return {
        "dataset": data.name,
        "data_seed": data.seed,
        "options": manifest["options"],
        "indices": {split: manifest["indices_sha256"].get(split) for split in splits},
        "sizes": {split: len(getattr(data, split)) for split in splits},
        "image_shape": list(data.image_shape),
        "num_classes": data.num_classes,
    }


def cache_key(description: dict) -> str:
    """A short stable hash of a JSON-able description (sorted keys; other values via str)."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cached(
    kind: str,
    name: str,
    description: dict,
    build: Callable[[], dict],
    *,
    accept: Callable[[dict], bool] | None = None,
) -> dict:
    """The payload (a dict of tensors, lists and numbers) stored for ``description``, or built.

    ``kind`` is a sub-folder ("pretrained", "models"), ``name`` a readable file-name prefix.
    ``accept(payload)`` may refuse a stored payload that lacks something the caller needs (it is
    then rebuilt and overwritten). The payload must load with ``torch.load(weights_only=True)``:
    tensors, not numpy arrays.
    """
    description = {"format": f"hashlib_edu.{kind}/1", **description}
    key = cache_key(description)
    if not cache_enabled():
        return build()
    path = cache_dir() / kind / f"{name}-{key}.pt"
    payload = _load(path, description)
    if payload is not None and (accept is None or accept(payload)):
        return payload
    payload = build()
    stored = {"description": json.dumps(description, sort_keys=True, default=str), **payload}
    atomic_write(path, lambda handle: torch.save(stored, handle))
    return payload


def _load(path: Path, description: dict) -> dict | None:
    if not path.is_file():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        expected = json.dumps(description, sort_keys=True, default=str)
        if payload.get("description") != expected:
            raise ValueError("the stored settings differ from the requested ones")
        return {k: v for k, v in payload.items() if k != "description"}
    except Exception as err:  # truncated, corrupt or foreign file: rebuild it
        warnings.warn(
            f"ignoring the cached file {path} ({type(err).__name__}: {err}); it will be rebuilt",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
