"""The teaching notebooks as one static book (``make book`` -> ``build/book/_build/html/``).

A jupyter-book 1.x (Sphinx) site built from the committed, executed notebooks as they are: nothing
is re-executed (``execute_notebooks: off``). It has a landing page, a table of contents with the
notebooks in the order given on the command line (the shell sorts ``notebooks/0*.ipynb`` into
teaching order), and Sphinx's full-text search (``search.html``, ``searchindex.js``).

What the book leaves out, by the cell tags of ``tools/editions.py`` (``cell.metadata.tags``):

* ``solution`` cells: they compute the ``answer_*`` variables, i.e. the solutions;
* ``instructor`` cells: notes for the teacher;
* ``check`` cells too: their code recomputes the answers, so it would give them away; and so
  is any other code cell that reads an ``answer_*`` name (``tools/editions.py`` lets a check cell
  that copes with unanswered exercises stay untagged, and such a cell shows the answers as well).

The book therefore shows the exercises without their solutions and without their checks (the
students solve them in the student edition, ``make student``). Every other cell keeps its saved
outputs, figures (``image/png``) included. Outputs that are ipywidgets views (the explorers'
controls, tqdm progress bars) are dropped, and so is the notebook's saved widget state: without a
kernel they would show dead controls and load the widget renderer from a CDN; each explorer has a
static figure beside it. The page's mathematics is still typeset by MathJax from its CDN.

``OUT/src/`` holds the staged sources (the cleaned notebooks, ``index.md``, ``_config.yml``,
``_toc.yml``), ``OUT/_build/html/`` the book; both are rewritten on every run.

Usage::

    python tools/book.py [--out build/book] notebooks/0*.ipynb
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import _nbio
from editions import CHECK, INSTRUCTOR, SOLUTION, read_answer_names

TITLE = "hashlib-edu: deep learning to hash"
LEFT_OUT = (SOLUTION, INSTRUCTOR, CHECK)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

INTRO = """# {title}

A Jupyter teaching suite, with its own small helper package `hashlib_edu`, that teaches deep
learning to hash: **DHN** (Deep Hashing Network), then **HashNet** (learning to hash by
continuation), then full retrieval with binary codes (Hamming ranking, hash-table lookup, mAP and
precision within a Hamming radius). Everything runs offline on a laptop, on real data
(scikit-learn's handwritten digits, composed into harder retrieval tasks).

This book shows the notebooks as they were last run, figures included. The exercises are there
without their solutions: to solve them, run the student edition (`make student`) in JupyterLab.

## The notebooks, in teaching order

{chapters}
"""

CONFIG = """# written by tools/book.py
title: {title}
author: the hashlib-edu authors
copyright: ""
only_build_toc_files: true
execute:
  execute_notebooks: "off"
launch_buttons:
  binderhub_url: ""
  jupyterhub_url: ""
  colab_url: ""
  deepnote_url: ""
  thebe: false
repository:
  url: ""
html:
  use_repository_button: false
  use_issues_button: false
  use_edit_page_button: false
  home_page_in_navbar: true
sphinx:
  config:
    html_show_copyright: false
"""


def left_out(cell: dict[str, Any]) -> bool:
    """Whether the book leaves the cell out: a ``solution``, ``instructor`` or ``check`` tag, or
    code that reads an ``answer_*`` name (an untagged check cell)."""
    if set(_nbio.tags(cell)) & set(LEFT_OUT):
        return True
    return cell.get("cell_type") == "code" and bool(read_answer_names(_nbio.source(cell)))


def book_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The book's copy of ``nb`` (a new dict): the cells of ``left_out`` and the widget-view
    outputs removed, the saved widget state dropped."""
    out = copy.deepcopy(nb)
    cells = [c for c in out["cells"] if not left_out(c)]
    for cell in cells:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if WIDGET_VIEW not in o.get("data", {})]
    out["cells"] = cells
    out.get("metadata", {}).pop("widgets", None)
    return out


def first_heading(nb: dict[str, Any], default: str) -> str:
    """The text of the notebook's first markdown heading, ``default`` when it has none."""
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        for line in _nbio.source(cell).splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return default


def intro_page(chapters: list[tuple[str, str]]) -> str:
    """The landing page: the suite in a few lines, then one linked line per (stem, heading)."""
    lines = [f"{i}. [{heading}]({stem}.ipynb)" for i, (stem, heading) in enumerate(chapters, 1)]
    return INTRO.format(title=TITLE, chapters="\n".join(lines))


def toc_yaml(stems: list[str]) -> str:
    """``_toc.yml``: the landing page, then the notebooks in order."""
    return "format: jb-book\nroot: index\nchapters:\n" + "".join(f"- file: {s}\n" for s in stems)


def stage(paths: list[Path], src: Path) -> None:
    """Write the book's sources to ``src`` (emptied first)."""
    stems = [p.stem for p in paths]
    duplicates = sorted({s for s in stems if stems.count(s) > 1})
    if duplicates:
        raise SystemExit(f"error: two notebooks named {', '.join(duplicates)}")
    shutil.rmtree(src, ignore_errors=True)
    chapters = []
    for path in paths:
        nb = book_notebook(_nbio.read(path))
        _nbio.write_atomic(src / path.name, _nbio.dumps(nb))
        chapters.append((path.stem, first_heading(nb, default=path.stem)))
    _nbio.write_atomic(src / "index.md", intro_page(chapters))
    _nbio.write_atomic(src / "_config.yml", CONFIG.format(title=json.dumps(TITLE)))
    _nbio.write_atomic(src / "_toc.yml", toc_yaml(stems))


def build(src: Path, out: Path) -> int:
    """Run ``jupyter-book build`` on ``src`` into ``out/_build/html``; its exit status."""
    shutil.rmtree(out / "_build", ignore_errors=True)
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main(prog_name='jupyter-book')",
        "build",
        str(src),
        "--path-output",
        str(out),
    ]
    return subprocess.run(command, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/book"))
    args = parser.parse_args(argv)
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        print(
            'error: jupyter-book is not installed: pip install "jupyter-book>=1.0.4,<2"',
            file=sys.stderr,
        )
        return 2
    stage(args.notebooks, args.out / "src")
    status = build(args.out / "src", args.out)
    index = args.out / "_build" / "html" / "index.html"
    if status != 0 or not index.is_file():
        print(
            f"error: jupyter-book build failed (exit status {status}), see its output above; "
            f"the staged sources are in {args.out / 'src'}",
            file=sys.stderr,
        )
        return status or 1
    print(f"wrote the book: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
