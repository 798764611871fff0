"""The static book (tools/book.py): built with jupyter-book from the committed notebooks, nothing
re-executed; chapters in teaching order, figures and search kept, no solution in it.

Every test here runs ``jupyter-book build`` (a few seconds each, no kernel), hence ``slow``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

pytest.importorskip(
    "jupyter_book", reason='the book needs jupyter-book 1.x: pip install "jupyter-book>=1.0.4,<2"'
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import _nbio  # noqa: E402
import book  # noqa: E402

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((REPO / "notebooks").glob("0[0-5]_*.ipynb"))
STEMS = [p.stem for p in NOTEBOOKS]
HIDDEN = ("solution", "instructor", "check")
MIN_LINE = 25  # shorter lines match by accident
GENERIC = re.compile(r"^(import |from \S+ import |# ?(NBVAL_|fmt:|noqa))")
PNG = base64.b64decode(  # a valid 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# what Sphinx's smartquotes make of plain ASCII in the text of a page
TYPOGRAPHY = {"‘": "'", "’": "'", "“": '"', "”": '"', "—": "---", "–": "--", "…": "..."}


def plain(text: str) -> str:
    """Text for comparing: typographic quotes and dashes back to ASCII, whitespace collapsed."""
    for fancy, ascii_ in TYPOGRAPHY.items():
        text = text.replace(fancy, ascii_)
    return " ".join(text.split())


def page_text(page: str) -> str:
    """The text a reader sees: tags (and scripts, styles) removed, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return plain(html.unescape(re.sub(r"<[^>]+>", "", page)))


def needles(cell: dict) -> list[str]:
    """The non-trivial lines of a cell (its source and printed output); for markdown, the runs of
    text between markup characters (``**bold**`` is rendered as ``<strong>``)."""
    text = _nbio.source(cell)
    for output in cell.get("outputs", []):
        shown = output.get("text", output.get("data", {}).get("text/plain", ""))
        text += "\n" + ("".join(shown) if isinstance(shown, list) else shown)
    lines = [line.strip() for line in text.splitlines()]
    if cell.get("cell_type") == "markdown":
        lines = [run.strip() for line in lines for run in re.split(r"[*_`$\[\]()<>#|]", line)]
    return [line for line in lines if len(line) >= MIN_LINE and not GENERIC.match(line)]


def is_hidden(cell: dict) -> bool:
    """A solution/instructor/check cell, or an untagged check cell (code reading ``answer_*``)."""
    if set(_nbio.tags(cell)) & set(HIDDEN):
        return True
    return cell["cell_type"] == "code" and re.search(r"\banswer_\w", _nbio.source(cell)) is not None


def hidden_lines() -> list[tuple[str, str]]:
    """(notebook, line) for every non-trivial line of a hidden cell (``is_hidden``) that no
    visible cell of any of the notebooks shows too (a line the book shows on purpose)."""
    cells = {path.name: _nbio.read(path)["cells"] for path in NOTEBOOKS}
    visible = plain(
        "\n".join(_nbio.strings([c for v in cells.values() for c in v if not is_hidden(c)]))
    )
    found = [
        (name, n)
        for name, cs in cells.items()
        for c in cs
        if is_hidden(c)
        for n in needles(c)
        if plain(n) not in visible
    ]
    return list(dict.fromkeys(found))


def built_files(html_dir: Path) -> dict[Path, tuple[str, str]]:
    """Every page and downloadable notebook of the book: (raw text, text a reader sees)."""
    files = {}
    for path in sorted(html_dir.rglob("*")):
        if path.suffix == ".html":
            raw = path.read_text(encoding="utf-8")
            files[path] = (raw, page_text(raw))
        elif path.suffix == ".ipynb":  # _sources/: the page's download button
            strings = "\n".join(_nbio.strings(_nbio.read(path)))
            files[path] = (strings, plain(strings))
    return files


def build(out: Path, notebooks: list[Path]) -> Path:
    assert book.main(["--out", str(out), *map(str, notebooks)]) == 0
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("book"), NOTEBOOKS)


def sidebar(page: str) -> list[str]:
    """The chapter pages the sidebar's table of contents links to, in order (``#``: the page
    itself)."""
    links = re.findall(r'<li class="toctree-l1[^"]*"><a class="[^"]*" href="([^"]+)"', page)
    return [link if link == "#" else Path(link).stem for link in links]


def test_index_lists_the_six_chapters_in_order(html_dir):
    assert len(NOTEBOOKS) == 6
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    assert sidebar(index) == STEMS
    text = page_text(index)
    assert book.TITLE in text
    headings = [book.first_heading(_nbio.read(p), p.stem) for p in NOTEBOOKS]
    positions = [text.find(plain(h), text.find("teaching order")) for h in headings]
    assert -1 not in positions and positions == sorted(positions), "the landing page's list"


def test_every_chapter_has_its_page_and_figures(html_dir):
    for stem in STEMS:
        page = (html_dir / f"{stem}.html").read_text(encoding="utf-8")
        assert sidebar(page) == ["#" if s == stem else s for s in STEMS]
        images = re.findall(r'<img[^>]*src="([^"]+)"', page)
        assert images, f"{stem}: no figure"
        assert all((html_dir / src).is_file() for src in images if not src.startswith("data:"))
        for src in images:
            assert not src.startswith("http"), f"{stem}: an image loads from the network: {src}"


def test_search_page_and_index(html_dir):
    assert (html_dir / "search.html").is_file()
    index = (html_dir / "searchindex.js").read_text(encoding="utf-8")
    for stem in STEMS:
        assert f'"{stem}"' in index, f"{stem} is not in the search index"


def test_no_solution_instructor_or_check_text_in_the_book(html_dir):
    lines = hidden_lines()
    assert {name for name, _ in lines} == {p.name for p in NOTEBOOKS}  # every notebook has some
    files = built_files(html_dir)
    assert len([p for p in files if p.suffix == ".html"]) >= 9  # 6 chapters, index, search, ...
    leaks = [
        f"{path.relative_to(html_dir)}: {line!r} (from {name})"
        for path, (raw, text) in files.items()
        for name, line in lines
        if html.escape(line) in raw or html.escape(line, quote=False) in raw or plain(line) in text
    ]
    assert not leaks, "\n".join(leaks)


def test_the_leak_search_would_see_code_and_text(html_dir):
    """The search of the test above finds what the book does show: a long code line of a
    visible cell (split into highlighting spans in the page) and a line of a markdown cell."""
    nb = _nbio.read(NOTEBOOKS[0])
    _, text = built_files(html_dir)[html_dir / f"{STEMS[0]}.html"]
    visible = [c for c in nb["cells"] if not is_hidden(c)]
    for kind in ("code", "markdown"):
        shown = [n for c in visible if c["cell_type"] == kind for n in needles(c)]
        assert shown and sum(plain(n) in text for n in shown) >= 0.8 * len(shown), kind


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def test_toy_notebook_solution_never_reaches_the_page(tmp_path):
    secret = {
        "solution": "SOLUTION-MARKER-7f3a9c",
        "instructor": "INSTRUCTOR-MARKER-51be02",
        "check": "CHECK-MARKER-c04d8e",
        "solution output": "PRINTED-MARKER-9d21aa",
    }
    figure = new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()})
    widget = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2},
            "text/plain": "WIDGET-MARKER-3e5f11",
        },
    )
    solution = new_code_cell(
        f'answer_x = "{secret["solution"]}"\nprint("{secret["solution output"]}")',
        outputs=[new_output("stream", name="stdout", text=secret["solution output"] + "\n")],
    )
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Toy chapter: a marker hunt\n\nVISIBLE-MARKER-0a0a0a"),
            new_code_cell("plot_something()", outputs=[figure, widget]),
            tagged(new_markdown_cell(f"**Instructor.** {secret['instructor']}"), "instructor"),
            tagged(solution, "solution"),
            tagged(new_code_cell(f'assert answer_x != "{secret["check"]}"'), "check"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    source = tmp_path / "toy.ipynb"
    source.write_text(nbformat.writes(nb), encoding="utf-8")
    out = tmp_path / "book"
    html_dir = build(out, [source])

    page = (html_dir / "toy.html").read_text(encoding="utf-8")
    assert "VISIBLE-MARKER-0a0a0a" in page  # the page is the toy's
    assert "<img" in page
    assert "Toy chapter: a marker hunt" in (html_dir / "index.html").read_text(encoding="utf-8")
    everything = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
    )
    for what, marker in secret.items():
        assert marker not in everything, f"the {what} reached the book"
    assert "WIDGET-MARKER-3e5f11" not in everything  # widget outputs are dropped
    staged = json.loads((out / "src" / "toy.ipynb").read_text(encoding="utf-8"))
    assert "widgets" not in staged["metadata"]


def test_a_failed_build_fails_the_command(tmp_path, monkeypatch, capsys):
    nb = new_notebook(cells=[new_markdown_cell("# Fails")])
    source = tmp_path / "fails.ipynb"
    source.write_text(nbformat.writes(nb), encoding="utf-8")
    monkeypatch.setattr(book, "build", lambda src, out: 2)
    assert book.main(["--out", str(tmp_path / "book"), str(source)]) == 2
    assert "jupyter-book build failed" in capsys.readouterr().err
