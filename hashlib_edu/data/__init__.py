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

Composed datasets (``digit-pairs``, ``digit-triples``, ``digit-sets``) never reuse a training
digit in a test image: the 1,797 source digits are first split (stratified, seeded) into a
training pool and a held-out pool; training images are composed from the training pool only,
query and database images from the held-out pool only, and no composed image (same source indices
in the same slots) is both a query and a database item. Each composed split keeps its source
indices in ``.sources``.

Randomness: every split is drawn from ``numpy.random.default_rng(SeedSequence([seed, stage]))`` with
one stream per stage, so the same seed gives identical data and, e.g., changing ``n_train`` does
not change the query set. Each split is stored in a seeded random order, never grouped by class, so
that ordering ties by database index is neutral. ``HashingData.split_manifest()`` /
``save_splits(path)`` record the splits.

Modules (one concept each):

* ``protocol`` -- :class:`HashingData` (the three splits, manifest, repr) and
  :func:`similar_fraction`;
* ``registry`` -- :func:`load_dataset` and :data:`KNOWN_DATASETS` (name -> builder);
* ``torch_datasets`` -- the split classes :class:`TensorImageDataset`,
  :class:`IndexedImageDataset`, :class:`ImageListDataset` and their image finishing (resize,
  ImageNet normalisation);
* ``digits`` -- the scikit-learn digits (``digits_source``) and the ``"digits"`` protocol;
* ``composed`` -- ``"digit-pairs"``, ``"digit-triples"``, ``"digit-sets"`` and their shared
  source pools;
* ``files`` -- ``"cifar10"`` (torchvision's files) and ``"list"`` (list files);
* ``_common`` (private) -- option resolution, the seeded stage streams, the one stratified split
  routine, the seeded shuffle and one-hot labels.
"""

from .files import CIFAR10_CLASSES, LIST_FILES
from .protocol import HashingData, similar_fraction
from .registry import KNOWN_DATASETS, load_dataset
from .torch_datasets import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ImageListDataset,
    IndexedImageDataset,
    TensorImageDataset,
)
from .validation import source_overlap, validation_data

__all__ = [
    "CIFAR10_CLASSES",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "KNOWN_DATASETS",
    "LIST_FILES",
    "HashingData",
    "ImageListDataset",
    "IndexedImageDataset",
    "TensorImageDataset",
    "load_dataset",
    "similar_fraction",
    "source_overlap",
    "validation_data",
]
