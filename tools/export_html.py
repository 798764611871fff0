"""Static HTML pages of the executed notebooks (``make html`` -> ``build/html/NN_topic.html``).

One self-contained page per notebook, from the committed, executed notebooks as they are: nothing
is re-executed. nbconvert's HTML exporter (JupyterLab look) writes the outputs' images inline as
``data:`` URIs, and ``embed_images`` does the same for images the markdown cells link to, so a page
can be mailed or put on any web server on its own. (MathJax and the widget renderer still load from
their CDN when the page is opened.) The pages show the instructor edition, solutions included.

Usage::

    python tools/export_html.py [--out build/html] notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _nbio


def export(paths: list[Path], out_dir: Path) -> list[Path]:
    """Write ``out_dir/<stem>.html`` for each notebook; return the pages written."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(embed_images=True)
    pages = []
    for path in paths:
        body, _ = exporter.from_filename(str(path))
        pages.append(_nbio.write_atomic(Path(out_dir) / f"{Path(path).stem}.html", body))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/html"))
    args = parser.parse_args(argv)
    for page in export(args.notebooks, args.out):
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
