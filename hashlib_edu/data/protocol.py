"""The retrieval protocol object: :class:`HashingData` (train / query / database splits of one
dataset, with their split manifest) and :func:`similar_fraction` (the share of similar pairs).

Two items are similar iff their 0/1 label vectors share at least one label,
s_ij = 1[<y_i, y_j> > 0] (single-label data is the one-hot special case).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["HashingData", "similar_fraction"]


class HashingData:
    """Train / query / database splits of one retrieval protocol.

    Attributes: ``name``, ``seed``, ``train``, ``query``, ``database`` (torch Datasets yielding
    ``(image float32 C x H x W, label float32 0/1 vector)``, each with ``.labels``), ``num_classes``,
    ``topk`` (R of mAP@R; None = the whole database), ``image_shape`` (C, H, W), ``class_names``,
    ``indices`` (dict of np.ndarray describing the seeded splits) and ``options`` (the resolved
    options, recorded in the split manifest).
    """

    def __init__(
        self,
        *,
        name: str,
        seed: int,
        train: Dataset,
        query: Dataset,
        database: Dataset,
        num_classes: int,
        topk: int | None,
        image_shape: tuple[int, int, int],
        indices: dict[str, np.ndarray],
        class_names: list[str] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.seed = seed
        self.train = train
        self.query = query
        self.database = database
        self.num_classes = num_classes
        self.topk = topk
        self.image_shape = tuple(image_shape)
        self.indices = indices
        self.class_names = class_names
        self.options = dict(options or {})

    @property
    def multi_label(self) -> bool:
        """True if some training, query or database item has more than one label."""
        return any(bool((split.labels.sum(1) > 1).any()) for split in self._splits())

    def _splits(self) -> tuple[Dataset, Dataset, Dataset]:
        return self.train, self.query, self.database

    def similar_fraction(self) -> float:
        """Fraction of query x database pairs with s_ij = 1 (they share at least one label).

        Exact, without a dense query x database matrix: the distinct label vectors of each side are
        counted and only the (distinct query vectors) x (distinct database vectors) table is formed,
        in chunks.
        """
        return similar_fraction(self.query.labels, self.database.labels)

    def split_manifest(self, include_indices: bool = True) -> dict[str, Any]:
        """A JSON-serialisable record of the splits: name, seed, options, sizes, sha256 of the
        indices and (if ``include_indices``) the indices themselves as lists."""
        manifest: dict[str, Any] = {
            "name": self.name,
            "seed": self.seed,
            "options": _jsonable(self.options),
            "sizes": {
                "train": len(self.train),
                "query": len(self.query),
                "database": len(self.database),
            },
            "num_classes": self.num_classes,
            "topk": self.topk,
            "image_shape": list(self.image_shape),
            "indices_sha256": {k: _sha256(v) for k, v in self.indices.items()},
            "index_counts": {k: int(np.asarray(v).shape[0]) for k, v in self.indices.items()},
        }
        if include_indices:
            manifest["indices"] = {k: np.asarray(v).tolist() for k, v in self.indices.items()}
        return manifest

    def save_splits(self, path: str | os.PathLike, include_indices: bool = True) -> dict[str, Any]:
        """Write ``split_manifest()`` as JSON to ``path`` (parents created) and return it."""
        manifest = self.split_manifest(include_indices=include_indices)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))
        return manifest

    def __repr__(self) -> str:
        kind = "multi-label" if self.multi_label else "single-label"
        r = "all" if self.topk is None else str(self.topk)
        return (
            f"HashingData({self.name!r}, seed={self.seed})\n"
            f"  train     {len(self.train):>7,}  images {self.image_shape}\n"
            f"  query     {len(self.query):>7,}\n"
            f"  database  {len(self.database):>7,}\n"
            f"  classes   {self.num_classes} ({kind})\n"
            f"  similar   {100 * self.similar_fraction():.2f}% of query x database pairs\n"
            f"  R (topk)  {r}"
        )


def similar_fraction(query_labels: Any, database_labels: Any, chunk: int = 1024) -> float:
    """Fraction of pairs (i, j) with <y_i, y_j> > 0, computed over distinct label vectors.

    With U_q and U_d distinct label vectors occurring n_u and m_v times,
    fraction = sum_{u, v} n_u m_v 1[<u, v> > 0] / (n_q n_d).
    """
    q_unique, q_counts = _unique_rows(query_labels)
    d_unique, d_counts = _unique_rows(database_labels)
    d_matrix = d_unique.T.astype(np.float32)
    similar = 0
    for start in range(0, len(q_unique), chunk):
        block = q_unique[start : start + chunk].astype(np.float32) @ d_matrix > 0
        similar += int(q_counts[start : start + chunk] @ block.astype(np.int64) @ d_counts)
    return similar / (int(q_counts.sum()) * int(d_counts.sum()))


def _unique_rows(labels: Any) -> tuple[np.ndarray, np.ndarray]:
    array = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"labels must be a non-empty (n, C) array, got shape {array.shape}")
    unique, counts = np.unique(array.astype(np.uint8), axis=0, return_counts=True)
    return unique, counts.astype(np.int64)


def _sha256(array: np.ndarray) -> str:
    data = np.ascontiguousarray(np.asarray(array, dtype=np.int64))
    return hashlib.sha256(str(data.shape).encode() + data.tobytes()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
