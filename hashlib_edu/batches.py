"""Mini-batches for training (endless, shuffled, seeded) and batches in order for encoding."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset

__all__ = ["minibatches", "batches_in_order"]


def minibatches(dataset: Dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    """Endless shuffled mini-batches (images, labels), every batch full (the last partial batch
    of each pass is dropped): by index for in-memory datasets, else through a DataLoader."""
    n = len(dataset)
    if batch_size > n:
        raise ValueError(
            f"batch_size {batch_size} exceeds the {n} training items; lower batch_size to at "
            f"most {n} or use a larger training split"
        )
    if hasattr(dataset, "images"):
        return _tensor_batches(dataset, batch_size, generator)
    return _loader_batches(dataset, batch_size, generator)


def _tensor_batches(dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    n = len(dataset)
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield dataset.images[idx], dataset.labels[idx]


def _loader_batches(dataset, batch_size: int, generator: torch.Generator) -> Iterator[tuple]:
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator
    )
    while True:
        yield from loader


def batches_in_order(dataset: Dataset, batch_size: int = 512, count: int | None = None):
    """(images, labels) of the first `count` items of `dataset` (all by default), in order, in
    batches of `batch_size`: slices of the tensors of an embedded split, else a DataLoader."""
    count = len(dataset) if count is None else count
    if hasattr(dataset, "images"):
        return (
            (
                dataset.images[i : min(i + batch_size, count)],
                dataset.labels[i : min(i + batch_size, count)],
            )
            for i in range(0, count, batch_size)
        )
    subset = dataset if count == len(dataset) else torch.utils.data.Subset(dataset, range(count))
    return iter(DataLoader(subset, batch_size=batch_size, shuffle=False))
