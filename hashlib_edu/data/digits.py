"""The ``"digits"`` dataset: scikit-learn's 1,797 real 8x8 handwritten digits (bundled, offline).

:func:`digits_source` reads the source images once (also the raw material of the composed digit
datasets in :mod:`hashlib_edu.data.composed`); :func:`build_digits` draws the CIFAR-like protocol
from them: query 200 (20 per class) held out, database = all other 1,597 images, train 500
(50 per class) drawn from the database (``train_in_database=False`` removes them from it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._validation import check_bool, check_positive_int
from ._common import (
    check_optional_positive_int,
    one_hot,
    per_class,
    query_train_database,
    resolve_options,
    shuffled,
)
from .protocol import HashingData
from .torch_datasets import TensorImageDataset

__all__ = ["DIGITS_DEFAULTS", "build_digits", "digits_source"]

DIGITS_DEFAULTS: dict[str, Any] = {
    "n_query": 200,
    "n_train": 500,
    "train_in_database": True,
    "topk": None,
}


@lru_cache(maxsize=1)
def digits_source() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as float32 (n, 8, 8) in [0, 1] (pixel / 16) and their classes (read-only).

    Reads the CSV that ``sklearn.datasets.load_digits`` reads (64 pixel columns, then the class)
    straight from the installed package, which skips the ~2 s import of scikit-learn; falls back to
    ``load_digits()`` if the file is not where scikit-learn keeps it.
    """
    table = _read_digits_csv()
    images = (table[:, :64].reshape(-1, 8, 8) / 16.0).astype(np.float32)
    targets = table[:, 64].astype(np.int64)
    images.flags.writeable = False
    targets.flags.writeable = False
    return images, targets


def _read_digits_csv() -> np.ndarray:
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return np.loadtxt(path, delimiter=",")
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return np.column_stack([bunch.data, bunch.target])


def build_digits(seed: int, options: dict[str, Any]) -> HashingData:
    """The ``"digits"`` protocol for a checked ``seed`` and the user's ``options``
    (see :data:`DIGITS_DEFAULTS`; sizes are multiples of 10)."""
    opts = resolve_options("digits", DIGITS_DEFAULTS, options)
    n_query = per_class(check_positive_int(opts["n_query"], "n_query"), 10, "n_query")
    n_train = per_class(check_positive_int(opts["n_train"], "n_train"), 10, "n_train")
    in_db = check_bool(opts["train_in_database"], "train_in_database")
    topk = check_optional_positive_int(opts["topk"], "topk")
    images, targets = digits_source()
    protocol = query_train_database(targets, n_query, n_train, in_db, seed, what="digits")
    train, query, database = shuffled(seed, *protocol)

    def split(idx: np.ndarray) -> TensorImageDataset:
        return TensorImageDataset(
            torch.from_numpy(images[idx][:, None].copy()),
            one_hot(targets[idx], 10),
            indices=idx,
        )

    return HashingData(
        name="digits",
        seed=seed,
        train=split(train),
        query=split(query),
        database=split(database),
        num_classes=10,
        topk=topk,
        image_shape=(1, 8, 8),
        indices={"train": train, "query": query, "database": database},
        class_names=[str(d) for d in range(10)],
        options=opts,
    )
