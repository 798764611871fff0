"""The teaching conventions of the committed notebooks, read from their files (nothing executed):
a frame at the top, slide-sized cells, no plumbing in the code students read, claims stated
through the package helper, a why question with a model answer, and exercises whose checks give
no answer away."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import _nbio  # noqa: E402
import editions  # noqa: E402

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: What one slide holds: a markdown cell of at most this many characters, a code cell of at most
#: this many lines (short enough to read aloud).
MAX_MARKDOWN_CHARS, MAX_CODE_LINES = 1200, 30


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request) -> dict:
    return _nbio.read(request.param)


def _cells(nb: dict, kind: str) -> list[tuple[int, str]]:
    return [(i, _nbio.source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == kind]


def test_there_are_the_seven_notebooks_in_teaching_order():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06"]


def test_each_opens_with_goals_prerequisites_and_time(notebook):
    opening = "\n".join(_nbio.source(c) for c in notebook["cells"][:4])
    assert "**Learning goals.**" in opening
    assert "**Assumes.**" in opening
    assert re.search(r"\*\*Time\.\*\* About \d+ minutes", opening)
    setup = next(s for _, s in _cells(notebook, "code"))
    assert "notebook.start(" in setup and "%matplotlib inline" in setup


def test_cells_are_slide_sized(notebook):
    long_text = [
        (i, len(s)) for i, s in _cells(notebook, "markdown") if len(s) > MAX_MARKDOWN_CHARS
    ]
    long_code = [
        (i, s.count("\n") + 1)
        for i, s in _cells(notebook, "code")
        if s.count("\n") >= MAX_CODE_LINES
    ]
    assert long_text == [], f"markdown cells over {MAX_MARKDOWN_CHARS} characters"
    assert long_code == [], f"code cells over {MAX_CODE_LINES} lines"


def test_no_plumbing_in_the_code_students_read(notebook):
    for i, code in _cells(notebook, "code"):
        assert "# fmt:" not in code, i  # formatter directives
        assert "NBVAL" not in code, i  # nbval is steered by cell tags
        assert "FULL_SCALE or" not in code, i  # claim(..., embedded_only=True) says it


def test_claims_are_stated_through_the_helper(notebook):
    code = "\n".join(s for _, s in _cells(notebook, "code"))
    assert "claim(" in code and "from hashlib_edu.notebook import" in code


def test_a_why_question_with_a_model_answer_for_the_instructor(notebook):
    instructor = [
        _nbio.source(c) for c in notebook["cells"] if editions.INSTRUCTOR in _nbio.tags(c)
    ]
    assert any(s.startswith("**Model answer (why question).**") for s in instructor)
    text = "\n".join(s for _, s in _cells(notebook, "markdown"))
    assert re.search(r"\*\*Why", text), "a why question in the exercises"


def test_checks_compare_digests_and_the_student_edition_leaks_nothing(notebook):
    """The same safety checks as `make student`, which fail on a check that recomputes an answer
    or compares it with a value (tests/test_editions.py shows they do)."""
    student = editions.make_student(notebook)
    problems = editions.check_notebook(notebook, student)
    assert [str(p) for p in problems if p.error] == []
    checks = [_nbio.source(c) for c in notebook["cells"] if editions.CHECK in _nbio.tags(c)]
    assert checks and all("check_answer(" in s for s in checks)
