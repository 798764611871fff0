"""The composed digit datasets: real digits placed side by side in 8 x 8 slots.

``"digit-pairs"``
    two-digit numbers 00-99, 1x8x16, 100 single-label classes (~1% similar pairs);
``"digit-triples"``
    three-digit numbers 000-999, 1x8x24, 1,000 single-label classes (~0.1% similar pairs);
``"digit-sets"``
    two or three distinct digits in three slots of a 1x8x24 image (an unused slot is black),
    labelled by which digits appear (multi-hot over 10; ~55% similar pairs).

None of them reuses a training digit in a test image: the 1,797 source digits are first split
(stratified, seeded, :func:`source_pools`) into a training pool and a held-out pool; training
images are composed from the training pool only, query and database images from the held-out pool
only, and no composed image (same source indices in the same slots) is both a query and a database
item. Each split keeps its source indices in ``.sources`` (-1 = empty slot).

Each builder takes ``pools=(training pool, held-out pool)`` to compose from other source digits
than :func:`source_pools` draws: tuning composes its validation task from a part of the training
pool that its runs never train on (:func:`hashlib_edu.tune.validation_data`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .._validation import check_fraction, check_positive_int
from ._common import (
    STAGE_DATABASE,
    STAGE_POOL,
    STAGE_QUERY,
    STAGE_TRAIN,
    check_optional_positive_int,
    one_hot,
    per_class,
    resolve_options,
    shuffled,
    stage_rng,
    stratified_split,
)
from .digits import digits_source
from .protocol import HashingData
from .torch_datasets import TensorImageDataset

__all__ = [
    "COMPOSED_DEFAULTS",
    "EMPTY_SLOT",
    "build_digit_pairs",
    "build_digit_sets",
    "build_digit_triples",
    "compose",
    "source_pools",
]

EMPTY_SLOT = -1

COMPOSED_DEFAULTS: dict[str, Any] = {
    "n_train": 5000,
    "n_query": 500,
    "n_database": 5000,
    "heldout_fraction": 0.5,
    "topk": 1000,
}


# ----- shared by the three datasets ----------------------------------------------------------


def source_pools(seed: int, heldout_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of the 1,797 source digits into (training pool, held-out pool), sorted:
    ``round(heldout_fraction * n_c)`` of the n_c digits of each class are held out."""
    _, targets = digits_source()
    heldout, train = stratified_split(
        targets,
        np.arange(len(targets)),
        lambda members: int(round(heldout_fraction * members)),
        stage_rng(seed, STAGE_POOL),
        what="source pools",
        draw="permutation",
    )
    return train, heldout


def compose(sources: np.ndarray) -> torch.Tensor:
    """(n, slots) source indices (-1 = black slot) -> (n, 1, 8, 8 * slots) float32 images."""
    images, _ = digits_source()
    padded = np.concatenate([images, np.zeros((1, 8, 8), dtype=np.float32)])
    tiles = padded[np.where(sources == EMPTY_SLOT, len(images), sources)]  # (n, slots, 8, 8)
    composed = tiles.transpose(0, 2, 1, 3).reshape(len(sources), 1, 8, 8 * sources.shape[1])
    return torch.from_numpy(np.ascontiguousarray(composed))


def _by_digit(pool: np.ndarray) -> list[np.ndarray]:
    _, targets = digits_source()
    return [pool[targets[pool] == d] for d in range(10)]


def _checked_options(
    name: str, defaults: dict[str, Any], options: dict[str, Any]
) -> tuple[dict[str, Any], int, int, int, float, int | None]:
    opts = resolve_options(name, defaults, options)
    return (
        opts,
        check_positive_int(opts["n_train"], "n_train"),
        check_positive_int(opts["n_query"], "n_query"),
        check_positive_int(opts["n_database"], "n_database"),
        check_fraction(opts["heldout_fraction"], "heldout_fraction"),
        check_optional_positive_int(opts["topk"], "topk"),
    )


def _composed_data(
    name: str,
    seed: int,
    opts: dict[str, Any],
    topk: int | None,
    pools: tuple[np.ndarray, np.ndarray],
    splits: tuple[np.ndarray, np.ndarray, np.ndarray],
    make_split: Callable[[np.ndarray], TensorImageDataset],
    class_names: list[str],
) -> HashingData:
    """Shuffle the (train, query, database) source rows and wrap them in ``HashingData``
    (one class per entry of ``class_names``)."""
    train, query, database = shuffled(seed, *splits)
    return HashingData(
        name=name,
        seed=seed,
        train=make_split(train),
        query=make_split(query),
        database=make_split(database),
        num_classes=len(class_names),
        topk=topk,
        image_shape=(1, 8, 8 * train.shape[1]),
        indices={
            "train_pool": pools[0],
            "heldout_pool": pools[1],
            "train": train,
            "query": query,
            "database": database,
        },
        class_names=class_names,
        options=opts,
    )


# ----- digit-pairs ---------------------------------------------------------------------------


def _sample_pairs(
    by_digit: list[np.ndarray], counts: tuple[int, ...], rng: np.random.Generator, pool: str
) -> list[np.ndarray]:
    """For each class 10a + b, distinct (left, right) source pairs; one block per entry of counts.

    Blocks are consecutive slices of one random permutation of all |A| x |B| pairs of the class,
    so they never share a pair. Returns one (sum over classes, 2) array per block.
    """
    blocks: list[list[np.ndarray]] = [[] for _ in counts]
    for number in range(100):
        left, right = by_digit[number // 10], by_digit[number % 10]
        available = len(left) * len(right)
        if sum(counts) > available:
            raise ValueError(
                f"digit-pairs: class {number:02d} has only {available} distinct pairs in the "
                f"{pool} pool but {sum(counts)} are needed; lower the sizes or change "
                f"heldout_fraction"
            )
        flat = rng.permutation(available)
        start = 0
        for block, count in zip(blocks, counts, strict=True):
            take = flat[start : start + count]
            start += count
            block.append(np.stack([left[take // len(right)], right[take % len(right)]], axis=1))
    return [np.concatenate(block) for block in blocks]


def _pair_split(sources: np.ndarray) -> TensorImageDataset:
    _, targets = digits_source()
    classes = 10 * targets[sources[:, 0]] + targets[sources[:, 1]]
    return TensorImageDataset(compose(sources), one_hot(classes, 100), sources=sources)


def build_digit_pairs(
    seed: int, options: dict[str, Any], pools: tuple[np.ndarray, np.ndarray] | None = None
) -> HashingData:
    """The ``"digit-pairs"`` protocol (options: :data:`COMPOSED_DEFAULTS`, multiples of 100)."""
    opts, n_train, n_query, n_database, heldout, topk = _checked_options(
        "digit-pairs", COMPOSED_DEFAULTS, options
    )
    per_train = per_class(n_train, 100, "n_train")
    per_query = per_class(n_query, 100, "n_query")
    per_db = per_class(n_database, 100, "n_database")
    pools = source_pools(seed, heldout) if pools is None else pools
    (train,) = _sample_pairs(
        _by_digit(pools[0]), (per_train,), stage_rng(seed, STAGE_TRAIN), "training"
    )
    query, database = _sample_pairs(
        _by_digit(pools[1]), (per_query, per_db), stage_rng(seed, STAGE_QUERY), "held-out"
    )
    names = [f"{n:02d}" for n in range(100)]
    splits = (train, query, database)
    return _composed_data("digit-pairs", seed, opts, topk, pools, splits, _pair_split, names)


# ----- digit-triples -------------------------------------------------------------------------


def _sample_triples(
    by_digit: list[np.ndarray], counts: tuple[int, ...], rng: np.random.Generator
) -> list[np.ndarray]:
    """For each class 100a + 10b + c, distinct (a, b, c) source triples, one block per count;
    blocks are disjoint (consecutive slices of one draw without replacement)."""
    blocks: list[list[np.ndarray]] = [[] for _ in counts]
    for number in range(1000):
        slots = [by_digit[d] for d in (number // 100, number // 10 % 10, number % 10)]
        sizes = [len(s) for s in slots]
        flat = rng.choice(int(np.prod(sizes)), size=sum(counts), replace=False)
        picks = np.unravel_index(flat, sizes)
        rows = np.stack([s[i] for s, i in zip(slots, picks, strict=True)], axis=1)
        start = 0
        for block, count in zip(blocks, counts, strict=True):
            block.append(rows[start : start + count])
            start += count
    return [np.concatenate(block) for block in blocks]


def _triple_split(sources: np.ndarray) -> TensorImageDataset:
    _, targets = digits_source()
    classes = 100 * targets[sources[:, 0]] + 10 * targets[sources[:, 1]] + targets[sources[:, 2]]
    return TensorImageDataset(compose(sources), one_hot(classes, 1000), sources=sources)


def build_digit_triples(
    seed: int, options: dict[str, Any], pools: tuple[np.ndarray, np.ndarray] | None = None
) -> HashingData:
    """The ``"digit-triples"`` protocol (as digit-pairs, ``n_query=1000``, multiples of 1000)."""
    opts, n_train, n_query, n_database, heldout, topk = _checked_options(
        "digit-triples", {**COMPOSED_DEFAULTS, "n_query": 1000}, options
    )
    per_train = per_class(n_train, 1000, "n_train")
    per_query = per_class(n_query, 1000, "n_query")
    per_db = per_class(n_database, 1000, "n_database")
    pools = source_pools(seed, heldout) if pools is None else pools
    (train,) = _sample_triples(_by_digit(pools[0]), (per_train,), stage_rng(seed, STAGE_TRAIN))
    query, database = _sample_triples(
        _by_digit(pools[1]), (per_query, per_db), stage_rng(seed, STAGE_QUERY)
    )
    names = [f"{n:03d}" for n in range(1000)]
    splits = (train, query, database)
    return _composed_data("digit-triples", seed, opts, topk, pools, splits, _triple_split, names)


# ----- digit-sets ----------------------------------------------------------------------------


def _draw_sets(n: int, by_digit: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """n random (3,) slot rows: 2 or 3 distinct digits (equally likely) in random slots, each a
    random source image of that digit from the pool; -1 marks the empty slot."""
    digits = rng.random((n, 10)).argsort(axis=1)[:, :3]
    digits[rng.random(n) < 0.5, 2] = EMPTY_SLOT
    slots = rng.random((n, 3)).argsort(axis=1)
    placed = np.take_along_axis(digits, slots, axis=1)
    sizes = np.array([len(p) for p in by_digit])
    table = np.full((10, sizes.max()), EMPTY_SLOT, dtype=np.int64)
    for d, members in enumerate(by_digit):
        table[d, : len(members)] = members
    safe = np.where(placed == EMPTY_SLOT, 0, placed)
    position = (rng.random((n, 3)) * sizes[safe]).astype(np.int64)
    return np.where(placed == EMPTY_SLOT, EMPTY_SLOT, table[safe, position])


def _set_keys(sources: np.ndarray) -> np.ndarray:
    """One int64 key per (3,) source row (same sources in the same slots = same key)."""
    base = 2048  # > 1,797 + 1
    shifted = sources.astype(np.int64) + 1
    return (shifted[:, 0] * base + shifted[:, 1]) * base + shifted[:, 2]


def _sample_sets(
    n: int, by_digit: list[np.ndarray], rng: np.random.Generator, forbidden: np.ndarray
) -> np.ndarray:
    """n distinct composed images whose keys are not in ``forbidden`` (draw, dedupe, redraw)."""
    rows = np.empty((0, 3), dtype=np.int64)
    for _ in range(100):
        rows = np.concatenate([rows, _draw_sets(n - len(rows) + 16, by_digit, rng)])
        keys = _set_keys(rows)
        _, first = np.unique(keys, return_index=True)
        keep = np.sort(first)
        keep = keep[~np.isin(keys[keep], forbidden)]
        rows = rows[keep]
        if len(rows) >= n:
            return rows[:n]
    raise ValueError(f"digit-sets: could not draw {n} distinct images; lower the sizes")


def _set_split(sources: np.ndarray) -> TensorImageDataset:
    _, targets = digits_source()
    labels = np.zeros((len(sources), 10), dtype=np.float32)
    rows, slots = np.nonzero(sources != EMPTY_SLOT)
    labels[rows, targets[sources[rows, slots]]] = 1.0
    return TensorImageDataset(compose(sources), torch.from_numpy(labels), sources=sources)


def build_digit_sets(
    seed: int, options: dict[str, Any], pools: tuple[np.ndarray, np.ndarray] | None = None
) -> HashingData:
    """The ``"digit-sets"`` protocol (options: :data:`COMPOSED_DEFAULTS`, any sizes)."""
    opts, n_train, n_query, n_database, heldout, topk = _checked_options(
        "digit-sets", COMPOSED_DEFAULTS, options
    )
    pools = source_pools(seed, heldout) if pools is None else pools
    none = np.empty(0, dtype=np.int64)
    train = _sample_sets(n_train, _by_digit(pools[0]), stage_rng(seed, STAGE_TRAIN), none)
    held = _by_digit(pools[1])
    query = _sample_sets(n_query, held, stage_rng(seed, STAGE_QUERY), none)
    database = _sample_sets(n_database, held, stage_rng(seed, STAGE_DATABASE), _set_keys(query))
    names = [str(d) for d in range(10)]
    splits = (train, query, database)
    return _composed_data("digit-sets", seed, opts, topk, pools, splits, _set_split, names)
