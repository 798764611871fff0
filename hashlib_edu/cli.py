"""The `hashlib-edu` command: the notebooks, the main job and JupyterLab, from anywhere.

    hashlib-edu notebooks DIR [--force]   copy the seven notebooks into DIR
    hashlib-edu run [reproduce options]   the main job (python -m hashlib_edu.reproduce)
    hashlib-edu lab [DIR]                 JupyterLab on DIR (the notebooks copied there if absent)

The notebooks travel with the package: an installed wheel keeps them under
``<prefix>/share/hashlib-edu/notebooks``; an editable install of a clone finds them in the clone's
``notebooks/``. They read the committed reference through :mod:`hashlib_edu.reference` (package
data), so a copy in any folder runs as it does in the clone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from ._io import atomic_write

__all__ = ["NOTEBOOKS", "copy_notebooks", "main", "notebook_folder"]

#: The notebooks, in teaching order.
NOTEBOOKS = (
    "00_hamming_space.ipynb",
    "01_dhn.ipynb",
    "02_hashnet_continuation.ipynb",
    "03_full_retrieval.ipynb",
    "04_reproduction.ipynb",
    "05_map_conventions.ipynb",
    "06_three_ways_through_sign.ipynb",
)


def _candidates() -> list[Path]:
    share = Path("share") / "hashlib-edu" / "notebooks"
    prefixes = [Path(sysconfig.get_path("data")), Path(sys.prefix), Path(sys.base_prefix)]
    return [p / share for p in prefixes] + [Path(__file__).resolve().parents[1] / "notebooks"]


def notebook_folder() -> Path:
    """Where this installation keeps the notebooks (the wheel's share folder, else the clone's)."""
    for folder in _candidates():
        if all((folder / name).is_file() for name in NOTEBOOKS):
            return folder
    searched = ", ".join(str(p) for p in _candidates())
    raise FileNotFoundError(
        f"the hashlib-edu notebooks are not installed (searched {searched}); install the package "
        "from its wheel (pip install hashlib-edu) or run from a clone"
    )


def copy_notebooks(target: str | Path, force: bool = False) -> list[Path]:
    """Copy the seven notebooks into `target` (created); existing ones are kept unless `force`."""
    target = Path(target)
    source = notebook_folder()
    existing = [name for name in NOTEBOOKS if (target / name).exists()]
    if existing and not force:
        raise FileExistsError(
            f"{target} already holds {existing}; pass --force to overwrite them, or another folder"
        )
    copied = []
    for name in NOTEBOOKS:
        data = (source / name).read_bytes()
        copied.append(atomic_write(target / name, lambda handle, data=data: handle.write(data)))
    return copied


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hashlib-edu", description=__doc__.split("\n")[0])
    commands = p.add_subparsers(dest="command", required=True)
    notebooks = commands.add_parser("notebooks", help="copy the seven notebooks into DIR")
    notebooks.add_argument("dir")
    notebooks.add_argument("--force", action="store_true", help="overwrite notebooks in DIR")
    commands.add_parser("run", help="the main job; options as python -m hashlib_edu.reproduce")
    lab = commands.add_parser("lab", help="JupyterLab on DIR, with the notebooks copied there")
    lab.add_argument("dir", nargs="?", default="hashlib-edu-notebooks")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:  # everything after "run" belongs to the main job
        from .reproduce import main as run_main

        return run_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "notebooks":
            copied = copy_notebooks(args.dir, force=args.force)
            print(f"copied {len(copied)} notebooks to {Path(args.dir).resolve()}")
            return 0
        folder = Path(args.dir)
        if not any((folder / name).exists() for name in NOTEBOOKS):  # a folder of your own copies
            copy_notebooks(folder)  # is opened as it is
    except (FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not _has_jupyterlab():
        print("error: JupyterLab is not installed; pip install jupyterlab", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, "-m", "jupyterlab", str(folder)])


def _has_jupyterlab() -> bool:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
