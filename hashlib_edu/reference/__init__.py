"""The committed reference results, shipped with the package and read through :func:`load`.

``make reference`` is the one command that rewrites them (the main job ``make run`` and
``python -m hashlib_edu.reproduce`` write to the user's own folder, ``runs/`` by default):

``"results"``
    the reference run: seeds 0-4, every method, 16-64 bits on ``digit-pairs``, with the paired
    claims and the split manifests (``python -m hashlib_edu.reproduce --conventions --out ...``);
``"sweep"``
    the imbalance x training-length sweep of notebook 02 (``python -m hashlib_edu.sweep``);
``"itq_control"``
    the ITQ control of notebook 04 (``python -m hashlib_edu.itq_control``).

Notebooks and tests read these through :func:`load`, never through a path relative to a clone,
so they work the same from an installed wheel.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from .._validation import check_choice

__all__ = ["REFERENCE_FILES", "load", "path"]

#: The reference files, by name (each is ``<name>.json`` in this package).
REFERENCE_FILES = ("results", "sweep", "itq_control")


def path(name: str) -> Path:
    """Where the reference file `name` lives (inside the installed package)."""
    check_choice(name, "reference name", REFERENCE_FILES)
    return Path(str(resources.files(__name__).joinpath(f"{name}.json")))


def load(name: str) -> dict:
    """The reference file `name` (one of :data:`REFERENCE_FILES`) as a dict.

    ``load("results")["claims"]`` are the papers' claims paired over the seeds; ``"runs"`` every
    run; ``"summary"`` mean and sd per method and code length. A missing file raises
    ``FileNotFoundError`` naming the command that writes it.
    """
    file = path(name)
    if not file.is_file():
        raise FileNotFoundError(
            f"no reference file {file}; `make reference` writes it (or reinstall hashlib-edu)"
        )
    return json.loads(file.read_text())
