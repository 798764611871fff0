"""Helpers shared by the dataset modules: option resolution, seeded streams, the stratified split.

Private to ``hashlib_edu.data`` (the module name starts with an underscore), but its functions
have public names so that the dataset modules import no private name from one another. Argument
checks come from :mod:`hashlib_edu._validation`; :func:`check_optional_positive_int` is the one
local addition (an integer >= 1 or None: ``topk``, ``resize``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .._validation import check_positive_int

# one random stream per stage (see the package docstring); the numbers are part of every split
STAGE_QUERY, STAGE_TRAIN, STAGE_DATABASE, STAGE_POOL, STAGE_ORDER = 1, 2, 3, 4, 5

DRAWS = ("choice", "permutation")


def resolve_options(name: str, defaults: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` updated with ``options``; ``TypeError`` naming the valid options for an
    unknown one (as Python does for an unexpected keyword argument)."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unknown option(s) {unknown}; "
            f"valid options are {sorted(defaults)}"
        )
    return {**defaults, **options}


def check_optional_positive_int(value: Any, name: str) -> int | None:
    """None, or an integer >= 1 (``topk=None`` means the whole database, ``resize=None`` none)."""
    return None if value is None else check_positive_int(value, name)


def per_class(total: int, num_classes: int, name: str) -> int:
    """``total // num_classes``; ``ValueError`` naming the nearest multiples if it does not divide."""
    if total % num_classes:
        lower = total - total % num_classes
        raise ValueError(
            f"{name}={total} cannot be balanced over {num_classes} classes; "
            f"pass a multiple of {num_classes} (e.g. {lower or num_classes} or {lower + num_classes})"
        )
    return total // num_classes


def stage_rng(seed: int, stage: int) -> np.random.Generator:
    """The random stream of one stage of one seed: ``default_rng(SeedSequence([seed, stage]))``."""
    return np.random.default_rng(np.random.SeedSequence([seed, stage]))


def shuffled(seed: int, *splits: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each split's rows in a seeded random order (one stream per split, so that changing one
    split's size does not reorder the others).

    Embedded splits are drawn class by class; stored in that order, "ties by database index"
    would rank items of the query's own class together and reward codes that collide (a constant
    code would beat chance). A random order makes index-ordered ties neutral.
    """
    return tuple(
        split[np.random.default_rng([seed, STAGE_ORDER, i]).permutation(len(split))]
        for i, split in enumerate(splits)
    )


def one_hot(classes: np.ndarray, num_classes: int) -> torch.Tensor:
    """(n,) class indices -> (n, num_classes) float32 0/1 tensor."""
    labels = np.zeros((len(classes), num_classes), dtype=np.float32)
    labels[np.arange(len(classes)), classes] = 1.0
    return torch.from_numpy(labels)


def stratified_split(
    classes: np.ndarray,
    available: np.ndarray,
    count: int | Callable[[int], int],
    rng: np.random.Generator,
    *,
    what: str,
    draw: str = "choice",
) -> tuple[np.ndarray, np.ndarray]:
    """Split the (sorted, distinct) ``available`` indices class by class: ``(taken, rest)``, sorted.

    For each class ``c`` of ``np.unique(classes)``, in increasing order, the members of ``c``
    among ``available`` are found and ``k`` of them are taken, where ``k`` is ``count`` or, if
    ``count`` is a function, ``count(number of members)`` (e.g. a held-out fraction). ``rest`` is
    everything in ``available`` that was not taken. ``draw`` says how the ``k`` members are drawn
    from ``rng``:

    ``"choice"``
        ``rng.choice(members, size=k, replace=False)`` -- the query and training splits of
        ``digits`` and ``cifar10``;
    ``"permutation"``
        the first ``k`` of ``rng.permutation(members)`` -- the training / held-out source pools of
        the composed digit datasets.

    The two consume the random stream differently and so give different (equally random)
    splits; both are kept because the committed results were trained on these exact splits.
    ``ValueError`` (named by ``what``) if a class has fewer than ``k`` members.
    """
    if draw not in DRAWS:
        raise ValueError(f"draw must be one of {list(DRAWS)}, got {draw!r}")
    taken = []
    for c in np.unique(classes):
        members = available[classes[available] == c]
        k = count(len(members)) if callable(count) else count
        if len(members) < k:
            raise ValueError(
                f"{what}: class {c} has only {len(members)} images left, {k} needed; "
                f"choose smaller sizes"
            )
        if draw == "choice":
            taken.append(rng.choice(members, size=k, replace=False))
        else:
            taken.append(rng.permutation(members)[:k])
    chosen = np.sort(np.concatenate(taken))
    return chosen, np.setdiff1d(available, chosen)


def query_train_database(
    classes: np.ndarray,
    per_query: int,
    per_train: int,
    train_in_database: bool,
    seed: int,
    what: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CIFAR-like protocol of ``digits`` and ``cifar10``: ``(train, query, database)`` indices.

    ``per_query`` images of each class are held out as queries; ``per_train`` of each class are
    drawn from the rest for training; the database is the rest (``train_in_database=True``) or
    the rest without the training images. ``ValueError`` (named by ``what``) if a class is too
    small or nothing is left for the database.
    """
    query, rest = stratified_split(
        classes, np.arange(len(classes)), per_query, stage_rng(seed, STAGE_QUERY), what=what
    )
    train, outside_train = stratified_split(
        classes, rest, per_train, stage_rng(seed, STAGE_TRAIN), what=what
    )
    database = rest if train_in_database else outside_train
    if len(database) == 0:
        raise ValueError(f"{what}: no images left for the database; choose smaller sizes")
    return train, query, database
