"""The file-backed datasets: ``"cifar10"`` (torchvision's files) and ``"list"`` (list files).

``"cifar10"``
    torchvision's CIFAR-10, pooled 60,000 images (training batches first, then the test batch),
    100 per class query (1,000), 500 per class train (5,000), database = the other 54,000
    (DeepHash-pytorch's ``cifar10`` protocol; ``train_in_database=True`` gives the 59,000 variant).
    Never downloads unless ``download=True``.
``"list"``
    The HashNet / DeepHash-pytorch list files ``train.txt``, ``test.txt`` (queries) and
    ``database.txt`` (:data:`LIST_FILES`) under ``root``; one line per image, ``path 0 1 0 ...``.

Both find their folder through ``root=`` or the ``HASHLIB_EDU_DATA`` environment variable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._validation import check_bool, check_positive_int
from ._common import (
    check_optional_positive_int,
    one_hot,
    query_train_database,
    resolve_options,
)
from .protocol import HashingData
from .torch_datasets import ImageListDataset, IndexedImageDataset

__all__ = ["CIFAR10_CLASSES", "LIST_FILES", "build_cifar10", "build_list"]

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

LIST_FILES = {"train": "train.txt", "query": "test.txt", "database": "database.txt"}


def _resolve_root(root: str | os.PathLike | None, name: str, how: str) -> Path:
    if root is None:
        root = os.environ.get("HASHLIB_EDU_DATA")
    if root is None:
        raise FileNotFoundError(
            f"load_dataset({name!r}) needs the data directory: pass root=... "
            f"(or set the HASHLIB_EDU_DATA environment variable). {how}"
        )
    return Path(root).expanduser()


# ----- CIFAR-10 ------------------------------------------------------------------------------


def _cifar_how(root: Path | str) -> str:
    return (
        "To get CIFAR-10, run load_dataset('cifar10', root=..., download=True) once on a machine "
        "with internet access, or extract cifar-10-python.tar.gz from "
        "https://www.cs.toronto.edu/~kriz/cifar.html so that "
        f"{Path(root) / 'cifar-10-batches-py'} holds data_batch_1..5, test_batch and batches.meta."
    )


def _read_cifar(root: Path, download: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pooled CIFAR-10 via torchvision (MD5-checked): 50,000 training then 10,000 test images."""
    from torchvision.datasets import CIFAR10

    folder = root / CIFAR10.base_folder
    if not download:
        needed = [f for f, _ in CIFAR10.train_list + CIFAR10.test_list] + [CIFAR10.meta["filename"]]
        missing = [f for f in needed if not (folder / f).is_file()]
        if missing:
            raise FileNotFoundError(
                f"CIFAR-10 files {missing} not found under {folder}. {_cifar_how(root)}"
            )
    try:
        parts = [CIFAR10(str(root), train=t, download=download) for t in (True, False)]
    except RuntimeError as error:
        raise RuntimeError(
            f"CIFAR-10 under {folder} failed torchvision's MD5 integrity check ({error}); "
            f"delete the folder and download it again. {_cifar_how(root)}"
        ) from error
    pool = np.concatenate([p.data for p in parts])
    targets = np.concatenate([np.asarray(p.targets, dtype=np.int64) for p in parts])
    return pool, targets


def build_cifar10(root: Any, seed: int, options: dict[str, Any]) -> HashingData:
    """The ``"cifar10"`` protocol from the files under ``root`` (see :func:`load_dataset`)."""
    opts = resolve_options(
        "cifar10",
        {
            "n_query_per_class": 100,
            "n_train_per_class": 500,
            "train_in_database": False,
            "download": False,
            "normalize": False,
            "resize": None,
            "topk": None,
        },
        options,
    )
    per_query = check_positive_int(opts["n_query_per_class"], "n_query_per_class")
    per_train = check_positive_int(opts["n_train_per_class"], "n_train_per_class")
    in_db = check_bool(opts["train_in_database"], "train_in_database")
    download = check_bool(opts["download"], "download")
    normalize = check_bool(opts["normalize"], "normalize")
    resize = check_optional_positive_int(opts["resize"], "resize")
    topk = check_optional_positive_int(opts["topk"], "topk")
    root = _resolve_root(root, "cifar10", _cifar_how(root or "<root>"))
    pool, targets = _read_cifar(root, download)

    train, query, database = query_train_database(
        targets, per_query, per_train, in_db, seed, what="cifar10"
    )

    def split(idx: np.ndarray) -> IndexedImageDataset:
        labels = one_hot(targets[idx], 10)
        return IndexedImageDataset(pool, labels, idx, resize=resize, normalize=normalize)

    side = resize or 32
    return HashingData(
        name="cifar10",
        seed=seed,
        train=split(train),
        query=split(query),
        database=split(database),
        num_classes=10,
        topk=topk,
        image_shape=(3, side, side),
        indices={"train": train, "query": query, "database": database},
        class_names=list(CIFAR10_CLASSES),
        options={**opts, "root": str(root)},
    )


# ----- list files (HashNet / DeepHash-pytorch format) ----------------------------------------


def _parse_list_file(path: Path, image_root: Path) -> tuple[list[str], np.ndarray]:
    """Read ``path label_0 label_1 ...`` lines; blank lines are skipped."""
    paths: list[str] = []
    rows: list[list[int]] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) < 2:
            raise ValueError(
                f"{path}, line {number}: expected 'image_path 0 1 0 ...', got {line!r}"
            )
        if any(t not in ("0", "1") for t in tokens[1:]):
            raise ValueError(
                f"{path}, line {number}: labels must be 0 or 1 separated by spaces, got "
                f"{' '.join(tokens[1:])!r}"
            )
        if rows and len(tokens) - 1 != len(rows[0]):
            raise ValueError(
                f"{path}, line {number}: {len(tokens) - 1} labels but earlier lines have "
                f"{len(rows[0])}; every line needs the same number of labels"
            )
        image = Path(tokens[0])
        paths.append(str(image if image.is_absolute() else image_root / image))
        rows.append([int(t) for t in tokens[1:]])
    if not rows:
        raise ValueError(f"{path} lists no images")
    return paths, np.asarray(rows, dtype=np.float32)


def _check_paths_exist(paths: list[str], list_file: Path) -> None:
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        shown = ", ".join(repr(p) for p in missing[:3])
        raise FileNotFoundError(
            f"{len(missing)} of {len(paths)} images listed in {list_file} do not exist "
            f"(first: {shown}); check image_root= (relative paths are resolved against it)"
        )


def build_list(root: Any, seed: int, options: dict[str, Any]) -> HashingData:
    """The ``"list"`` protocol from the list files under ``root`` (see :func:`load_dataset`)."""
    opts = resolve_options(
        "list",
        {
            "image_root": None,
            "image_size": 224,
            "normalize": True,
            "topk": None,
            "check_files": True,
        },
        options,
    )
    image_size = check_positive_int(opts["image_size"], "image_size")
    normalize = check_bool(opts["normalize"], "normalize")
    check_files = check_bool(opts["check_files"], "check_files")
    topk = check_optional_positive_int(opts["topk"], "topk")
    how = "It must contain train.txt, test.txt (queries) and database.txt."
    root = _resolve_root(root, "list", how)
    if not root.is_dir():
        raise FileNotFoundError(f"list directory {root} does not exist. {how}")
    image_root = root if opts["image_root"] is None else Path(opts["image_root"]).expanduser()
    if not image_root.is_dir():
        raise FileNotFoundError(f"image_root {image_root} does not exist")

    splits: dict[str, ImageListDataset] = {}
    for split, filename in LIST_FILES.items():
        list_file = root / filename
        if not list_file.is_file():
            raise FileNotFoundError(f"list file {list_file} not found. {how}")
        paths, labels = _parse_list_file(list_file, image_root)
        if splits and labels.shape[1] != next(iter(splits.values())).labels.shape[1]:
            first = next(iter(splits.values()))
            raise ValueError(
                f"{list_file} has {labels.shape[1]} labels per line but {first.list_file} has "
                f"{first.labels.shape[1]}; all three list files must use the same label set"
            )
        if check_files:
            _check_paths_exist(paths, list_file)
        splits[split] = ImageListDataset(
            paths,
            torch.from_numpy(labels),
            image_size=image_size,
            normalize=normalize,
            list_file=str(list_file),
        )
    num_classes = int(splits["train"].labels.shape[1])
    return HashingData(
        name="list",
        seed=seed,
        num_classes=num_classes,
        topk=topk,
        image_shape=(3, image_size, image_size),
        indices={k: np.arange(len(v)) for k, v in splits.items()},
        class_names=[str(c) for c in range(num_classes)],
        options={
            **opts,
            "root": str(root),
            "image_root": str(image_root),
            "list_sha256": {k: _file_sha256(root / f) for k, f in LIST_FILES.items()},
        },
        **splits,
    )


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
