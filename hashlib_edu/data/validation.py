"""Validation data built like test data: queries and a database the tuning runs never train on.

At test time the queries and the database of a composed dataset come from the *held-out* source
digits, which no training image contains. Tuning must mirror that, or it rewards settings that
memorise training digits. :func:`validation_data` therefore splits the **training pool** of
source digits once more (stratified by digit, seeded):

- the *tuning pool* composes the tuning runs' training set (and their pretraining sees only it);
- the *validation pool* composes the validation queries and the validation database,

with the same sizes and the same composition rules as the test protocol. Nothing of the held-out
pool (the test queries and database) is touched. For ``digits``, which has no source pools, the
training split's images are split the same way, item by item.

:func:`source_overlap` measures what remains shared with other seeds: the tuning pool of one seed
and the held-out pool of another seed draw from the same 1,797 digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_fraction, check_seed
from ._common import stage_rng, stratified_split
from .composed import build_digit_pairs, build_digit_sets, build_digit_triples, source_pools
from .digits import digits_source
from .protocol import HashingData
from .torch_datasets import TensorImageDataset

__all__ = ["STAGE_VALIDATION", "source_overlap", "validation_data"]

#: The random stream of the validation split (stages 1-5 are the test protocol's).
STAGE_VALIDATION = 6

_COMPOSED = {
    "digit-pairs": build_digit_pairs,
    "digit-triples": build_digit_triples,
    "digit-sets": build_digit_sets,
}


def validation_data(data: HashingData, fraction: float = 0.5) -> HashingData:
    """A validation task carved from ``data``'s training sources only.

    Composed datasets: ``fraction`` of each digit's training-pool images form the validation pool
    (validation queries and database), the rest the tuning pool (the tuning runs' training set);
    the sizes and rules are those of ``data``. ``digits``: ``fraction`` of the training split's
    images per class are the validation items, of which a fifth per class are the queries and the
    rest the database; the other images are the training set. The name gets ``/validation``;
    ``indices["tuning_pool"]`` holds the source digits the tuning runs train on.
    """
    fraction = check_fraction(fraction, "fraction")
    if data.name in _COMPOSED:
        return _composed_validation(data, fraction)
    if data.name == "digits":
        return _digits_validation(data, fraction)
    raise ValueError(
        f"validation_data supports the embedded datasets {['digits', *_COMPOSED]}, got "
        f"{data.name!r}; tune on an embedded dataset"
    )


def _split_pool(pool: np.ndarray, classes: np.ndarray, fraction: float, seed: int):
    """(kept, validation) parts of ``pool``: ``round(fraction * n_c)`` of each class validate."""
    validation, kept = stratified_split(
        classes,
        pool,
        lambda members: int(round(fraction * members)),
        stage_rng(seed, STAGE_VALIDATION),
        what="validation split",
        draw="permutation",
    )
    return kept, validation


def _composed_validation(data: HashingData, fraction: float) -> HashingData:
    _, targets = digits_source()
    tuning_pool, validation_pool = _split_pool(
        np.asarray(data.indices["train_pool"]), targets, fraction, data.seed
    )
    options = {k: v for k, v in data.options.items() if k != "validation_fraction"}
    val = _COMPOSED[data.name](data.seed, options, pools=(tuning_pool, validation_pool))
    val.name = f"{data.name}/validation"
    val.options = {**options, "validation_fraction": fraction}
    val.indices["tuning_pool"] = val.indices.pop("train_pool")
    val.indices["validation_pool"] = val.indices.pop("heldout_pool")
    return val


def _digits_validation(data: HashingData, fraction: float) -> HashingData:
    train = data.train
    rows = np.arange(len(train))
    classes = train.labels.argmax(1).numpy()
    kept, validation = _split_pool(rows, classes, fraction, data.seed)
    query, database = stratified_split(
        classes,
        validation,
        lambda members: max(1, members // 5),
        stage_rng(data.seed, STAGE_VALIDATION + 1),
        what="validation queries",
        draw="permutation",
    )
    source = np.asarray(data.indices["train"])

    def subset(idx: np.ndarray) -> TensorImageDataset:
        return TensorImageDataset(train.images[idx], train.labels[idx], indices=source[idx])

    return HashingData(
        name=f"{data.name}/validation",
        seed=data.seed,
        train=subset(kept),
        query=subset(query),
        database=subset(database),
        num_classes=data.num_classes,
        topk=None if data.topk is None else min(data.topk, len(database)),
        image_shape=data.image_shape,
        indices={
            "train": source[kept],
            "query": source[query],
            "database": source[database],
            "tuning_pool": source[kept],
        },
        class_names=data.class_names,
        options={**data.options, "validation_fraction": fraction},
    )


def source_overlap(validation: HashingData, seeds: Sequence[int]) -> list[dict]:
    """For each reference seed, how many of its held-out (test) source digits the tuning runs of
    ``validation`` trained on: ``{"seed", "shared", "test_pool", "share"}``.

    Composed datasets only (their test pools are source digits); the tuning seed itself shares
    none by construction, other seeds share roughly (tuning pool / 1,797) of their test pool.
    """
    if "tuning_pool" not in validation.indices or "heldout_fraction" not in validation.options:
        raise ValueError("source_overlap needs the validation_data of a composed dataset")
    tuning = np.asarray(validation.indices["tuning_pool"])
    rows = []
    for seed in seeds:
        _, heldout = source_pools(check_seed(seed), validation.options["heldout_fraction"])
        shared = int(np.isin(heldout, tuning).sum())
        rows.append(
            {
                "seed": int(seed),
                "shared": shared,
                "test_pool": len(heldout),
                "share": round(shared / len(heldout), 4),
            }
        )
    return rows
