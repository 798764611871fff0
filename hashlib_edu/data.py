"""Real data for deep hashing, offline by default: ``load_dataset(name, ...) -> HashingData``.

Every dataset follows the retrieval protocol of the deep hashing papers (DHN, AAAI 2016; HashNet,
ICCV 2017): a *query* set held out from everything else, a *database* that queries are ranked
against, and a *training* set. Labels are 0/1 vectors; two items are similar iff they share at
least one label, s_ij = 1[<y_i, y_j> > 0] (single-label data is the one-hot special case).

Datasets (``KNOWN_DATASETS``):

``"digits"``
    scikit-learn's 1,797 real 8x8 handwritten digits (bundled, no download), 1x8x8 in [0, 1],
    10 classes, ~10% similar pairs. CIFAR-like protocol: query 200 (20 per class) held out;
    database = all other 1,597 images; train = 500 (50 per class) drawn from the database
    (``train_in_database=False`` removes them from the database). R = all (``topk=None``).
``"digit-pairs"``
    Two-digit numbers 00-99: two real digit images side by side, 1x8x16, 100 single-label classes,
    ~1% similar pairs -- the offline analogue of ImageNet-100's imbalance (|S_0| >> |S_1|).
    Train 5,000 / query 500 / database 5,000 (50 / 5 / 50 per class), R = 1000.
``"digit-triples"``
    Three-digit numbers 000-999: three real digit images side by side, 1x8x24, 1,000 single-label
    classes, ~0.1% similar pairs -- a rarer variant for the imbalance sweep. Train 5,000 / query
    1,000 / database 5,000 (5 / 1 / 5 per class), R = 1000.
``"digit-sets"``
    Multi-label: two or three distinct real digits in three slots of a 1x8x24 image (an unused
    slot is black); label = which digits appear (multi-hot over 10). Similar = share a digit, the
    NUS-WIDE / MS-COCO notion; ~55% similar pairs. Train 5,000 / query 500 / database 5,000, R = 1000.
``"cifar10"``
    torchvision's CIFAR-10, pooled 60,000 images (training batches first, then the test batch),
    100 per class query (1,000), 500 per class train (5,000), database = the other 54,000
    (DeepHash-pytorch's ``cifar10`` protocol; ``train_in_database=True`` gives the 59,000 variant).
    R = all. Never downloads unless ``download=True``.
``"list"``
    The HashNet / DeepHash-pytorch list files ``train.txt``, ``test.txt`` (queries) and
    ``database.txt`` under ``root``; one line per image, ``path 0 1 0 ...``. NUS-WIDE, MS-COCO and
    ImageNet-100 lists work unchanged; pass the protocol's ``topk`` (1000 / 5000).

Composed datasets (``digit-pairs``, ``digit-triples``, ``digit-sets``) never reuse a training digit in a test image:
the 1,797 source digits are first split (stratified, seeded) into a training pool and a held-out
pool; training images are composed from the training pool only, query and database images from the
held-out pool only, and no composed image (same source indices in the same slots) is both a query
and a database item. Each composed split keeps its source indices in ``.sources``.

Randomness: every split is drawn from ``numpy.random.default_rng(SeedSequence([seed, stage]))`` with
one stream per stage, so the same seed gives identical data and, e.g., changing ``n_train`` does
not change the query set. Each split is stored in a seeded random order, never grouped by class, so
that ordering ties by database index is neutral. ``HashingData.split_manifest()`` / ``save_splits(path)`` record the splits.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "KNOWN_DATASETS",
    "HashingData",
    "ImageListDataset",
    "IndexedImageDataset",
    "TensorImageDataset",
    "load_dataset",
]

KNOWN_DATASETS = ("digits", "digit-pairs", "digit-triples", "digit-sets", "cifar10", "list")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

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

# one random stream per stage (see the module docstring)
_STAGE_QUERY, _STAGE_TRAIN, _STAGE_DATABASE, _STAGE_POOL, _STAGE_ORDER = 1, 2, 3, 4, 5

_EMPTY_SLOT = -1


# --------------------------------------------------------------------------------------------
# Split datasets
# --------------------------------------------------------------------------------------------


class TensorImageDataset(Dataset):
    """An in-memory split: ``.images`` (n, C, H, W) float32 in [0, 1] and ``.labels`` (n, C) 0/1.

    Training code may batch by index (``ds.images[idx]``, ``ds.labels[idx]``) instead of going
    through a DataLoader. ``.sources`` (composed datasets) holds the source-digit indices of each
    image, -1 for an empty slot; ``.indices`` (digits) the row indices into the source data.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        *,
        sources: np.ndarray | None = None,
        indices: np.ndarray | None = None,
    ) -> None:
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} label rows")
        self.images = images
        self.labels = labels
        self.sources = sources
        self.indices = indices

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        return f"TensorImageDataset(n={len(self)}, image_shape={tuple(self.images.shape[1:])})"


class IndexedImageDataset(Dataset):
    """A lazily converted split of a uint8 (N, H, W, 3) image pool (CIFAR-10).

    ``.indices`` are the rows of the pool in this split and ``.labels`` their (n, C) 0/1 labels.
    Item = (float32 C x H x W tensor: ToTensor, optional resize, optional ImageNet normalisation,
    label vector). There is deliberately no ``.images`` attribute (54,000 float images would not
    fit comfortably in memory); use a DataLoader.
    """

    def __init__(
        self,
        pool: np.ndarray,
        labels: torch.Tensor,
        indices: np.ndarray,
        *,
        resize: int | None = None,
        normalize: bool = False,
    ) -> None:
        self._pool = pool
        self.labels = labels
        self.indices = indices
        self.resize = resize
        self.normalize = normalize

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        array = self._pool[self.indices[index]]
        image = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).float() / 255.0
        return _finish_image(image, self.resize, self.normalize), self.labels[index]

    def __repr__(self) -> str:
        return (
            f"IndexedImageDataset(n={len(self)}, resize={self.resize}, normalize={self.normalize})"
        )


class ImageListDataset(Dataset):
    """A split read from a list file: ``.paths`` (absolute), ``.labels`` (n, C) 0/1 float32.

    Images are opened with PIL at ``__getitem__``, converted to RGB, resized to
    ``image_size`` x ``image_size`` (bilinear, antialiased) and, if ``normalize``, standardised with
    the ImageNet mean and std (as the AlexNet backbones of DHN and HashNet expect).
    """

    def __init__(
        self,
        paths: Sequence[str],
        labels: torch.Tensor,
        *,
        image_size: int = 224,
        normalize: bool = True,
        list_file: str = "",
    ) -> None:
        self.paths = list(paths)
        self.labels = labels
        self.image_size = image_size
        self.normalize = normalize
        self.list_file = list_file

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        from PIL import Image

        path = self.paths[index]
        if not os.path.isfile(path):
            raise FileNotFoundError(f"image {path!r} (listed in {self.list_file}) does not exist")
        with Image.open(path) as img:
            array = np.asarray(img.convert("RGB"), dtype=np.uint8)
        image = torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255.0
        return _finish_image(image, self.image_size, self.normalize), self.labels[index]

    def __repr__(self) -> str:
        return f"ImageListDataset(n={len(self)}, list_file={self.list_file!r})"


def _finish_image(image: torch.Tensor, size: int | None, normalize: bool) -> torch.Tensor:
    """Resize a (3, H, W) tensor in [0, 1] to size x size and optionally ImageNet-normalise it."""
    if size is not None and tuple(image.shape[1:]) != (size, size):
        image = torch.nn.functional.interpolate(
            image[None], size=(size, size), mode="bilinear", align_corners=False, antialias=True
        )[0].clamp_(0.0, 1.0)
    if normalize:
        mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
        image = (image - mean) / std
    return image


# --------------------------------------------------------------------------------------------
# HashingData
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Option validation
# --------------------------------------------------------------------------------------------


def _resolve_options(
    name: str, defaults: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any]:
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unknown option(s) {unknown}; "
            f"valid options are {sorted(defaults)}"
        )
    return {**defaults, **options}


def _check_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _check_topk(value: Any) -> int | None:
    return None if value is None else _check_int(value, "topk")


def _check_fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a float in (0, 1), got {type(value).__name__} {value!r}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value}")
    return float(value)


def _per_class(total: int, num_classes: int, name: str) -> int:
    if total % num_classes:
        lower = total - total % num_classes
        raise ValueError(
            f"{name}={total} cannot be balanced over {num_classes} classes; "
            f"pass a multiple of {num_classes} (e.g. {lower or num_classes} or {lower + num_classes})"
        )
    return total // num_classes


def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stage]))


def _shuffled(seed: int, *splits: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each split's rows in a seeded random order (one stream per split, so that changing one
    split's size does not reorder the others).

    Embedded splits are drawn class by class; stored in that order, "ties by database index"
    would rank items of the query's own class together and reward codes that collide (a constant
    code would beat chance). A random order makes index-ordered ties neutral.
    """
    return tuple(
        split[np.random.default_rng([seed, _STAGE_ORDER, i]).permutation(len(split))]
        for i, split in enumerate(splits)
    )


def _one_hot(classes: np.ndarray, num_classes: int) -> torch.Tensor:
    labels = np.zeros((len(classes), num_classes), dtype=np.float32)
    labels[np.arange(len(classes)), classes] = 1.0
    return torch.from_numpy(labels)


# --------------------------------------------------------------------------------------------
# digits: scikit-learn's 1,797 handwritten digits
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _digits_source() -> tuple[np.ndarray, np.ndarray]:
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


def _stratified_take(
    classes: np.ndarray, available: np.ndarray, per_class: int, rng: np.random.Generator, what: str
) -> np.ndarray:
    """Sorted indices: ``per_class`` random members of each class among ``available`` indices."""
    chosen = []
    for c in np.unique(classes):
        members = available[classes[available] == c]
        if len(members) < per_class:
            raise ValueError(
                f"{what}: class {c} has only {len(members)} images left, {per_class} needed; "
                f"choose smaller sizes"
            )
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def _load_digits_dataset(seed: int, options: dict[str, Any]) -> HashingData:
    opts = _resolve_options(
        "digits",
        {"n_query": 200, "n_train": 500, "train_in_database": True, "topk": None},
        options,
    )
    n_query = _per_class(_check_int(opts["n_query"], "n_query"), 10, "n_query")
    n_train = _per_class(_check_int(opts["n_train"], "n_train"), 10, "n_train")
    in_db = _check_bool(opts["train_in_database"], "train_in_database")
    topk = _check_topk(opts["topk"])
    images, targets = _digits_source()
    everything = np.arange(len(targets))
    query = _stratified_take(targets, everything, n_query, _rng(seed, _STAGE_QUERY), "digits")
    rest = np.setdiff1d(everything, query)
    train = _stratified_take(targets, rest, n_train, _rng(seed, _STAGE_TRAIN), "digits")
    database = rest if in_db else np.setdiff1d(rest, train)
    if len(database) == 0:
        raise ValueError("digits: no images left for the database; choose smaller sizes")
    train, query, database = _shuffled(seed, train, query, database)

    def split(idx: np.ndarray) -> TensorImageDataset:
        return TensorImageDataset(
            torch.from_numpy(images[idx][:, None].copy()),
            _one_hot(targets[idx], 10),
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


# --------------------------------------------------------------------------------------------
# composed digits: shared source-pool split
# --------------------------------------------------------------------------------------------


def _source_pools(seed: int, heldout_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of the 1,797 source digits into (training pool, held-out pool)."""
    _, targets = _digits_source()
    rng = _rng(seed, _STAGE_POOL)
    train_pool, heldout_pool = [], []
    for c in range(10):
        members = rng.permutation(np.flatnonzero(targets == c))
        n_heldout = int(round(heldout_fraction * len(members)))
        heldout_pool.append(members[:n_heldout])
        train_pool.append(members[n_heldout:])
    return np.sort(np.concatenate(train_pool)), np.sort(np.concatenate(heldout_pool))


def _by_digit(pool: np.ndarray) -> list[np.ndarray]:
    _, targets = _digits_source()
    return [pool[targets[pool] == d] for d in range(10)]


def _compose(sources: np.ndarray) -> torch.Tensor:
    """(n, slots) source indices (-1 = black slot) -> (n, 1, 8, 8 * slots) float32 images."""
    images, _ = _digits_source()
    padded = np.concatenate([images, np.zeros((1, 8, 8), dtype=np.float32)])
    tiles = padded[np.where(sources == _EMPTY_SLOT, len(images), sources)]  # (n, slots, 8, 8)
    composed = tiles.transpose(0, 2, 1, 3).reshape(len(sources), 1, 8, 8 * sources.shape[1])
    return torch.from_numpy(np.ascontiguousarray(composed))


def _composed_defaults() -> dict[str, Any]:
    return {
        "n_train": 5000,
        "n_query": 500,
        "n_database": 5000,
        "heldout_fraction": 0.5,
        "topk": 1000,
    }


def _check_composed(opts: dict[str, Any]) -> tuple[int, int, int, float, int | None]:
    return (
        _check_int(opts["n_train"], "n_train"),
        _check_int(opts["n_query"], "n_query"),
        _check_int(opts["n_database"], "n_database"),
        _check_fraction(opts["heldout_fraction"], "heldout_fraction"),
        _check_topk(opts["topk"]),
    )


# ----- digit-pairs --------------------------------------------------------------------------


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
    _, targets = _digits_source()
    classes = 10 * targets[sources[:, 0]] + targets[sources[:, 1]]
    return TensorImageDataset(_compose(sources), _one_hot(classes, 100), sources=sources)


def _load_digit_pairs(seed: int, options: dict[str, Any]) -> HashingData:
    opts = _resolve_options("digit-pairs", _composed_defaults(), options)
    n_train, n_query, n_database, heldout, topk = _check_composed(opts)
    per_train = _per_class(n_train, 100, "n_train")
    per_query = _per_class(n_query, 100, "n_query")
    per_db = _per_class(n_database, 100, "n_database")
    train_pool, heldout_pool = _source_pools(seed, heldout)
    (train,) = _sample_pairs(
        _by_digit(train_pool), (per_train,), _rng(seed, _STAGE_TRAIN), "training"
    )
    query, database = _sample_pairs(
        _by_digit(heldout_pool), (per_query, per_db), _rng(seed, _STAGE_QUERY), "held-out"
    )
    train, query, database = _shuffled(seed, train, query, database)
    return HashingData(
        name="digit-pairs",
        seed=seed,
        train=_pair_split(train),
        query=_pair_split(query),
        database=_pair_split(database),
        num_classes=100,
        topk=topk,
        image_shape=(1, 8, 16),
        indices=_composed_indices(train_pool, heldout_pool, train, query, database),
        class_names=[f"{n:02d}" for n in range(100)],
        options=opts,
    )


def _composed_indices(
    train_pool: np.ndarray,
    heldout_pool: np.ndarray,
    train: np.ndarray,
    query: np.ndarray,
    database: np.ndarray,
) -> dict[str, np.ndarray]:
    return {
        "train_pool": train_pool,
        "heldout_pool": heldout_pool,
        "train": train,
        "query": query,
        "database": database,
    }


# ----- digit-triples ------------------------------------------------------------------------


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
    _, targets = _digits_source()
    classes = 100 * targets[sources[:, 0]] + 10 * targets[sources[:, 1]] + targets[sources[:, 2]]
    return TensorImageDataset(_compose(sources), _one_hot(classes, 1000), sources=sources)


def _load_digit_triples(seed: int, options: dict[str, Any]) -> HashingData:
    defaults = {**_composed_defaults(), "n_query": 1000}
    opts = _resolve_options("digit-triples", defaults, options)
    n_train, n_query, n_database, heldout, topk = _check_composed(opts)
    per_train = _per_class(n_train, 1000, "n_train")
    per_query = _per_class(n_query, 1000, "n_query")
    per_db = _per_class(n_database, 1000, "n_database")
    train_pool, heldout_pool = _source_pools(seed, heldout)
    (train,) = _sample_triples(_by_digit(train_pool), (per_train,), _rng(seed, _STAGE_TRAIN))
    query, database = _sample_triples(
        _by_digit(heldout_pool), (per_query, per_db), _rng(seed, _STAGE_QUERY)
    )
    train, query, database = _shuffled(seed, train, query, database)
    return HashingData(
        name="digit-triples",
        seed=seed,
        train=_triple_split(train),
        query=_triple_split(query),
        database=_triple_split(database),
        num_classes=1000,
        topk=topk,
        image_shape=(1, 8, 24),
        indices=_composed_indices(train_pool, heldout_pool, train, query, database),
        class_names=[f"{n:03d}" for n in range(1000)],
        options=opts,
    )


# ----- digit-sets ---------------------------------------------------------------------------


def _draw_sets(n: int, by_digit: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """n random (3,) slot rows: 2 or 3 distinct digits (equally likely) in random slots, each a
    random source image of that digit from the pool; -1 marks the empty slot."""
    digits = rng.random((n, 10)).argsort(axis=1)[:, :3]
    digits[rng.random(n) < 0.5, 2] = _EMPTY_SLOT
    slots = rng.random((n, 3)).argsort(axis=1)
    placed = np.take_along_axis(digits, slots, axis=1)
    sizes = np.array([len(p) for p in by_digit])
    table = np.full((10, sizes.max()), _EMPTY_SLOT, dtype=np.int64)
    for d, members in enumerate(by_digit):
        table[d, : len(members)] = members
    safe = np.where(placed == _EMPTY_SLOT, 0, placed)
    position = (rng.random((n, 3)) * sizes[safe]).astype(np.int64)
    return np.where(placed == _EMPTY_SLOT, _EMPTY_SLOT, table[safe, position])


def _set_keys(sources: np.ndarray) -> np.ndarray:
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
    _, targets = _digits_source()
    labels = np.zeros((len(sources), 10), dtype=np.float32)
    rows, slots = np.nonzero(sources != _EMPTY_SLOT)
    labels[rows, targets[sources[rows, slots]]] = 1.0
    return TensorImageDataset(_compose(sources), torch.from_numpy(labels), sources=sources)


def _load_digit_sets(seed: int, options: dict[str, Any]) -> HashingData:
    opts = _resolve_options("digit-sets", _composed_defaults(), options)
    n_train, n_query, n_database, heldout, topk = _check_composed(opts)
    train_pool, heldout_pool = _source_pools(seed, heldout)
    none = np.empty(0, dtype=np.int64)
    train = _sample_sets(n_train, _by_digit(train_pool), _rng(seed, _STAGE_TRAIN), none)
    held = _by_digit(heldout_pool)
    query = _sample_sets(n_query, held, _rng(seed, _STAGE_QUERY), none)
    database = _sample_sets(n_database, held, _rng(seed, _STAGE_DATABASE), _set_keys(query))
    train, query, database = _shuffled(seed, train, query, database)
    return HashingData(
        name="digit-sets",
        seed=seed,
        train=_set_split(train),
        query=_set_split(query),
        database=_set_split(database),
        num_classes=10,
        topk=topk,
        image_shape=(1, 8, 24),
        indices=_composed_indices(train_pool, heldout_pool, train, query, database),
        class_names=[str(d) for d in range(10)],
        options=opts,
    )


# --------------------------------------------------------------------------------------------
# CIFAR-10 (torchvision)
# --------------------------------------------------------------------------------------------


def _resolve_root(root: str | os.PathLike | None, name: str, how: str) -> Path:
    if root is None:
        root = os.environ.get("HASHLIB_EDU_DATA")
    if root is None:
        raise FileNotFoundError(
            f"load_dataset({name!r}) needs the data directory: pass root=... "
            f"(or set the HASHLIB_EDU_DATA environment variable). {how}"
        )
    return Path(root).expanduser()


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


def _load_cifar10(root: Any, seed: int, options: dict[str, Any]) -> HashingData:
    opts = _resolve_options(
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
    per_query = _check_int(opts["n_query_per_class"], "n_query_per_class")
    per_train = _check_int(opts["n_train_per_class"], "n_train_per_class")
    in_db = _check_bool(opts["train_in_database"], "train_in_database")
    download = _check_bool(opts["download"], "download")
    normalize = _check_bool(opts["normalize"], "normalize")
    resize = None if opts["resize"] is None else _check_int(opts["resize"], "resize")
    topk = _check_topk(opts["topk"])
    root = _resolve_root(root, "cifar10", _cifar_how(root or "<root>"))
    pool, targets = _read_cifar(root, download)

    everything = np.arange(len(targets))
    query = _stratified_take(targets, everything, per_query, _rng(seed, _STAGE_QUERY), "cifar10")
    rest = np.setdiff1d(everything, query)
    train = _stratified_take(targets, rest, per_train, _rng(seed, _STAGE_TRAIN), "cifar10")
    database = rest if in_db else np.setdiff1d(rest, train)
    if len(database) == 0:
        raise ValueError("cifar10: no images left for the database; choose smaller sizes")

    def split(idx: np.ndarray) -> IndexedImageDataset:
        labels = _one_hot(targets[idx], 10)
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


# --------------------------------------------------------------------------------------------
# list files (HashNet / DeepHash-pytorch format)
# --------------------------------------------------------------------------------------------

LIST_FILES = {"train": "train.txt", "query": "test.txt", "database": "database.txt"}


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


def _load_list(root: Any, seed: int, options: dict[str, Any]) -> HashingData:
    opts = _resolve_options(
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
    image_size = _check_int(opts["image_size"], "image_size")
    normalize = _check_bool(opts["normalize"], "normalize")
    check_files = _check_bool(opts["check_files"], "check_files")
    topk = _check_topk(opts["topk"])
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


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

_EMBEDDED: dict[str, Callable[[int, dict[str, Any]], HashingData]] = {
    "digits": _load_digits_dataset,
    "digit-pairs": _load_digit_pairs,
    "digit-triples": _load_digit_triples,
    "digit-sets": _load_digit_sets,
}


def load_dataset(
    name: str, root: str | os.PathLike | None = None, seed: int = 0, **options: Any
) -> HashingData:
    """Load a retrieval protocol: ``HashingData`` with ``.train``, ``.query``, ``.database``.

    ``name`` is one of ``KNOWN_DATASETS``. ``root`` is only used by ``"cifar10"`` (the folder that
    holds ``cifar-10-batches-py``) and ``"list"`` (the folder with the list files); it defaults to
    the ``HASHLIB_EDU_DATA`` environment variable. ``seed`` fixes every split. Options:

    - digits: ``n_query=200``, ``n_train=500`` (multiples of 10), ``train_in_database=True``,
      ``topk=None``.
    - digit-pairs / digit-sets: ``n_train=5000``, ``n_query=500``, ``n_database=5000`` (multiples of
      100 for digit-pairs), ``heldout_fraction=0.5`` (share of source digits held out of
      training), ``topk=1000``.
    - digit-triples: as digit-pairs, with ``n_query=1000`` and multiples of 1000.
    - cifar10: ``n_query_per_class=100``, ``n_train_per_class=500``, ``train_in_database=False``,
      ``download=False``, ``normalize=False`` (ImageNet mean/std), ``resize=None`` (e.g. 224 for
      AlexNet), ``topk=None``.
    - list: ``image_root=None`` (defaults to root), ``image_size=224``, ``normalize=True``,
      ``topk=None`` (pass 1000 for ImageNet-100, 5000 for NUS-WIDE / MS-COCO), ``check_files=True``.

    Unknown names raise ValueError, unknown options TypeError, missing files FileNotFoundError.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {list(KNOWN_DATASETS)}")
    seed = _check_int(seed, "seed", minimum=0)
    if name in _EMBEDDED:
        if root is not None:
            raise ValueError(f"{name!r} is embedded and takes no root; drop root=")
        return _EMBEDDED[name](seed, options)
    if name == "cifar10":
        return _load_cifar10(root, seed, options)
    if name == "list":
        return _load_list(root, seed, options)
    raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(KNOWN_DATASETS)}")
