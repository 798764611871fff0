"""Slide metadata for live slideshows of the notebooks (RISE / ``jupyterlab-rise``).

Sets ``cell.metadata.slideshow.slide_type`` on every cell, in place, and changes nothing else in
the file: no source, output, id or other metadata key moves, and the JSON is written back the way
JupyterLab writes it (a file whose slide types are already right is not rewritten at all). The
slide types follow from the cells alone, so a second run changes nothing (idempotent), and a run
after cells were added or moved brings the whole notebook up to date.

The rules, cell by cell:

* markdown starting with a level-1 or level-2 heading: ``slide``;
* markdown starting with a level-3 (or deeper) heading: ``subslide``;
* other markdown: ``subslide`` right after a code cell (the talk about a result gets its own
  screen), else ``fragment`` (revealed on a click, on the same screen);
* code: ``fragment`` right after a markdown cell (the code and its output appear on a click
  under the text that introduces them), ``subslide`` right after a code cell (one code cell a
  screen);
* a "Setup" heading and the cells after it, up to the next heading: ``skip``.

The setup cells (imports, seeds, device) are skipped in the slideshow, not in the notebook:
run them first (Run > Run All Cells, or just the Setup section), then start the slideshow
(``make lab``, open a notebook, View > Render as Reveal Slideshow, or Alt+R); code cells stay
live in it.

Usage::

    python tools/slides.py notebooks/*.ipynb           # write the slide types in place
    python tools/slides.py --check notebooks/*.ipynb   # exit 1 if any notebook would change
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import _nbio

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SKIPPED_SECTIONS = ("setup",)


def _heading(cell: dict[str, Any]) -> tuple[int, str] | None:
    """(level, text) of the heading a markdown cell starts with, else None."""
    if cell.get("cell_type") != "markdown":
        return None
    for line in _nbio.source(cell).splitlines():
        if line.strip():
            match = _HEADING.match(line.strip())
            return (len(match.group(1)), match.group(2)) if match else None
    return None


def slide_types(nb: dict[str, Any]) -> list[str]:
    """The slide type of each cell of ``nb`` by the rules of the module docstring."""
    types = []
    in_skipped = False
    previous = None
    for cell in nb["cells"]:
        kind = cell.get("cell_type")
        heading = _heading(cell)
        if heading is not None:
            in_skipped = heading[1].strip().rstrip(":.").lower() in SKIPPED_SECTIONS
            kind_of_slide = "slide" if heading[0] <= 2 else "subslide"
        elif kind == "markdown":
            kind_of_slide = "subslide" if previous == "code" else "fragment"
        elif kind == "code":
            kind_of_slide = "subslide" if previous == "code" else "fragment"
        else:  # raw cells are not shown in a slideshow anyway
            kind_of_slide = "skip"
        types.append("skip" if in_skipped else kind_of_slide)
        previous = kind
    return types


def apply(nb: dict[str, Any]) -> int:
    """Set the slide types in ``nb`` (in place); return how many cells changed."""
    changed = 0
    for cell, slide_type in zip(nb["cells"], slide_types(nb), strict=True):
        show = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if show.get("slide_type") != slide_type:
            show["slide_type"] = slide_type
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        nb = _nbio.read(path)
        changed = apply(nb)
        if changed and args.check:
            print(f"{path}: {changed} cells need slide types (run tools/slides.py)")
            status = 1
        elif changed:
            _nbio.write_atomic(path, _nbio.dumps(nb))
            print(f"{path}: slide types set on {changed} cells")
        else:
            print(f"{path}: up to date")
    return status


if __name__ == "__main__":
    sys.exit(main())
