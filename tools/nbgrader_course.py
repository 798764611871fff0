"""An nbgrader course source folder from the instructor notebooks, by the same cell tags as the
student editions (``tools/editions.py``, ``make student``).

One assignment per notebook, named after its stem: ``OUT/source/00_hamming_space/
00_hamming_space.ipynb``, next to ``OUT/nbgrader_config.py`` (course id ``hashlib-edu``). In each
notebook (cell metadata ``nbgrader``, schema version 3, as nbgrader's "Create Assignment" tool
writes it; ``grade_id`` unique in the notebook):

``solution`` code cell -> autograded answer (``solution: true``, ``grade: false``)
    The ``answer_* = None`` placeholders of the student edition, then the instructor's code
    between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. ``nbgrader generate_assignment``
    drops that region (``ClearSolutions.code_stub`` is empty in the config), so the students get
    exactly the placeholders of ``make student``.
``solution`` markdown cell -> manually graded answer (``solution`` and ``grade``, 1 point)
    Its text becomes ``*Your answer here.*`` (``ClearSolutions.text_stub``).
``check`` code cell -> autograder tests (``grade: true``, ``locked: true``, 1 point per answer)
    A visible part that prints "not answered yet" for the ``answer_*`` names still ``None``, then
    ``### BEGIN HIDDEN TESTS``: an assert that every answer is set, and the original check. The
    students see which answers are checked, never what they are compared with; an untouched copy
    scores 0, the instructor's notebook full marks. nbgrader scores a cell all or nothing: one
    wrong answer costs the cell's points (split a check cell for partial credit).
``instructor`` cell -> left out.
every other cell -> read-only (``locked: true``): autograde restores it from the source.

Outputs, execution counts and the saved widget state are cleared and the edition tags removed.
The safety checks of ``tools/editions.py`` run first: a notebook with an error is not written.
A warning is printed for an untagged cell that reads ``answer_*`` names (it copes with ``None``,
so ``make student`` copies it as it is; here it is not graded and what it compares with is visible:
tag it ``check``) and for a path that leaves the notebook's folder (``../``): nbgrader ships and
grades an assignment folder alone. ``--data PATH`` copies files into every assignment folder.

Usage::

    python tools/nbgrader_course.py --out build/nbgrader notebooks/0*.ipynb
    cd build/nbgrader && nbgrader generate_assignment 00_hamming_space   # -> release/
    # students' notebooks in submitted/<student>/<assignment>/<notebook>.ipynb, then
    nbgrader autograde 00_hamming_space                                 # -> gradebook.db
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import _nbio
import editions

COURSE_ID = "hashlib-edu"
SCHEMA_VERSION = 3
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_TESTS, END_TESTS = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CELL_TIMEOUT_S = 1800  # a cell that trains a model takes minutes; nbgrader's default is 30 s
CONFIG_HEADER = "# nbgrader configuration written by tools/nbgrader_course.py"
CONFIG = f'''{CONFIG_HEADER} (rewritten on every run)
"""Release: ``nbgrader generate_assignment NN_topic`` (source/ -> release/). Grade: the students'
notebooks in submitted/<student id>/NN_topic/NN_topic.ipynb, then ``nbgrader autograde NN_topic``
(-> autograded/, scores in gradebook.db). Run from this folder, or pass --config=<this file>."""

import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{COURSE_ID}"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# a solution cell keeps its `answer_* = None` placeholders; only the solution region goes
c.ClearSolutions.code_stub = {{"python": ""}}
c.ClearSolutions.text_stub = "{editions.MARKDOWN_PLACEHOLDER}"
# cells that train a model take minutes (nbgrader's default: 30 s)
c.Execute.timeout = {CELL_TIMEOUT_S}
# a test cell deleted by the student is put back (and fails) rather than left ungraded
c.OverwriteCells.add_missing_cells = True
'''
_OUTSIDE_PATH = re.compile(r"""["'](\.\./[^"'\n]*)["']""")


def nbgrader_metadata(
    grade_id: str,
    *,
    solution: bool = False,
    grade: bool = False,
    locked: bool = False,
    points: int | None = None,
) -> dict[str, Any]:
    """The ``nbgrader`` cell metadata of nbgrader's "Create Assignment" tool (schema 3)."""
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return meta


def solution_source(code: str) -> str:
    """A ``solution`` cell: the student edition's placeholders, then the solution region."""
    return "\n".join(
        [editions.student_solution_code(code), BEGIN_SOLUTION, code.strip("\n"), END_SOLUTION]
    )


def hidden_tests_source(code: str) -> str:
    """A ``check`` cell: which answers are missing (visible), then the check itself (hidden)."""
    quoted = [f'"{name}"' for name in editions.read_answer_names(code)]
    answers = f"_answers = ({', '.join(quoted)},)"
    if len(answers) > 100:
        answers = "_answers = (\n" + "".join(f"    {q},\n" for q in quoted) + ")"
    return "\n".join(
        [
            f"# hidden autograder tests of {len(quoted)} answer(s): all right, or no points",
            answers,
            "_unanswered = [name for name in _answers if globals().get(name) is None]",
            "if _unanswered:",
            f'    print("{editions.NOT_ANSWERED}:", ", ".join(_unanswered))',
            BEGIN_TESTS,
            f'assert not _unanswered, "{editions.NOT_ANSWERED}: " + ", ".join(_unanswered)',
            code.strip("\n"),
            END_TESTS,
        ]
    )


def course_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The nbgrader source version of an instructor notebook (a new dict)."""
    out = copy.deepcopy(nb)
    out.get("metadata", {}).pop("widgets", None)
    cells = []
    counts = {"answers": 0, "tests": 0}

    def next_id(kind: str) -> str:
        counts[kind] += 1
        return f"{kind}-{counts[kind]}"

    for index, cell in enumerate(out["cells"]):
        tags = _nbio.tags(cell)
        if editions.INSTRUCTOR in tags:
            continue
        code = _nbio.source(cell)
        is_code = cell.get("cell_type") == "code"
        if editions.SOLUTION in tags:
            if is_code:
                _nbio.set_source(cell, solution_source(code))
                meta = nbgrader_metadata(next_id("answers"), solution=True)
            else:  # nbgrader grades a written answer by hand
                meta = nbgrader_metadata(next_id("answers"), solution=True, grade=True, points=1)
        elif editions.CHECK in tags and is_code and editions.read_answer_names(code):
            _nbio.set_source(cell, hidden_tests_source(code))
            points = len(editions.read_answer_names(code))
            meta = nbgrader_metadata(next_id("tests"), grade=True, locked=True, points=points)
        else:
            meta = nbgrader_metadata(f"cell-{index:02d}", locked=True)
        cell.setdefault("metadata", {})["nbgrader"] = meta
        cell["metadata"].pop("execution", None)
        kept = [t for t in tags if t not in editions.EDITION_TAGS]
        cell["metadata"].pop("tags", None)
        if kept:
            cell["metadata"]["tags"] = kept
        if is_code:
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    out["cells"] = cells
    return out


def warnings_for(nb: dict[str, Any]) -> list[str]:
    """What nbgrader handles differently from ``make student`` (see the module docstring)."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        tags = _nbio.tags(cell)
        if cell.get("cell_type") != "code" or editions.INSTRUCTOR in tags:
            continue
        code = _nbio.source(cell)
        read = editions.read_answer_names(code)
        if read and not set(tags) & {editions.SOLUTION, editions.CHECK}:
            found.append(
                f"cell {i}: warning: untagged cell reads {', '.join(read)}: not graded, and what it "
                f"compares them with is visible to the students; tag it {editions.CHECK!r}"
            )
        for path in _OUTSIDE_PATH.findall(code):
            found.append(
                f"cell {i}: warning: reads {path!r} outside the notebook's folder; nbgrader "
                "releases and grades the assignment folder alone"
            )
    return found


def build(
    paths: list[Path], out_dir: Path, *, data: tuple[Path, ...] = (), stream: Any = None
) -> int:
    """Write the course folder; 1 if a notebook had an error (it is not written)."""
    stream = stream or sys.stderr
    status = 0
    config = out_dir / "nbgrader_config.py"
    if config.exists() and not config.read_text(encoding="utf-8").startswith(CONFIG_HEADER):
        print(f"{config}: kept (not written by this tool)", file=stream)
    else:
        _nbio.write_atomic(config, CONFIG)
    for path in paths:
        nb = _nbio.read(path)
        problems = editions.check_notebook(nb, visible_checks=False)
        for message in [str(p) for p in problems] + warnings_for(nb):
            print(f"{path}: {message}", file=stream)
        if any(p.error for p in problems):
            print(f"{path}: not written (fix the errors above)", file=stream)
            status = 1
            continue
        folder = out_dir / "source" / path.stem
        course_nb = course_notebook(nb)
        target = _nbio.write_atomic(folder / path.name, _nbio.dumps(course_nb))
        for item in data:
            if item.is_dir():
                shutil.copytree(item, folder / item.name, dirs_exist_ok=True)
            else:
                shutil.copy2(item, folder / item.name)
        metas = [c["metadata"]["nbgrader"] for c in course_nb["cells"]]
        points = sum(m.get("points", 0) for m in metas)
        tests = sum(m["grade"] and not m["solution"] for m in metas)
        print(f"wrote {target} ({tests} test cells, {points} points)", file=stream)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/nbgrader"))
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder to copy into every assignment folder (repeatable)",
    )
    args = parser.parse_args(argv)
    return build(args.notebooks, args.out, data=tuple(args.data))


if __name__ == "__main__":
    sys.exit(main())
