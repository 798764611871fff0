"""The entry point: :func:`load_dataset` and the registry of datasets (:data:`KNOWN_DATASETS`).

The registry maps each name to the function that builds its ``HashingData``; it lives apart from
:mod:`hashlib_edu.data.protocol` because the builders themselves import ``HashingData``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .._validation import check_choice, check_seed
from .composed import build_digit_pairs, build_digit_sets, build_digit_triples
from .digits import build_digits
from .files import build_cifar10, build_list
from .protocol import HashingData

__all__ = ["KNOWN_DATASETS", "load_dataset"]

# embedded datasets (offline, no root): name -> builder(seed, options)
EMBEDDED: dict[str, Callable[[int, dict[str, Any]], HashingData]] = {
    "digits": build_digits,
    "digit-pairs": build_digit_pairs,
    "digit-triples": build_digit_triples,
    "digit-sets": build_digit_sets,
}

# file-backed datasets: name -> builder(root, seed, options)
FILE_BACKED: dict[str, Callable[[Any, int, dict[str, Any]], HashingData]] = {
    "cifar10": build_cifar10,
    "list": build_list,
}

KNOWN_DATASETS = (*EMBEDDED, *FILE_BACKED)


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

    Errors: a name that is not a string or an option of the wrong type (a float size, 1 for
    True) raises TypeError, as does an unknown option; an unknown name (the message lists
    ``KNOWN_DATASETS``), a value out of range or a root given to an embedded dataset ValueError;
    missing files FileNotFoundError.
    """
    check_choice(name, "dataset", KNOWN_DATASETS)
    seed = check_seed(seed)
    if name in EMBEDDED:
        if root is not None:
            raise ValueError(f"{name!r} is embedded and takes no root; drop root=")
        return EMBEDDED[name](seed, options)
    return FILE_BACKED[name](root, seed, options)
