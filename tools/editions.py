"""Student and instructor editions of the teaching notebooks, from one source.

The notebooks in ``notebooks/`` are the **instructor edition**: they hold the solutions, run green
under nbval. ``make book`` publishes them without the exercise cells (``tools/book.py``) and
``make nbgrader`` builds an nbgrader course from the same tags (``tools/nbgrader_course.py``). The **student edition** (``make student`` ->
``build/student/NN_topic.ipynb``) is derived from them, cell by cell, by the cell's tags
(``cell.metadata.tags``; JupyterLab: the property inspector, "Cell tags"):

``solution`` on a code cell
    The cell computes the answers of the exercises into variables named ``answer_*``. In the
    student edition its whole body is replaced by one placeholder per ``answer_*`` name the cell
    assigns at top level, in the order they are first assigned::

        # YOUR CODE HERE: replace each None by your answer
        answer_a = None  # your answer here
        answer_b = None  # your answer here

    Everything else in the cell (helper variables, comments, hints written as comments) is
    dropped: nothing of the solution survives, and the placeholders run without an error.
``solution`` on a markdown cell
    The text is replaced by ``*Your answer here.*``.
``check`` on a code cell
    The cell checks the answers. In the student edition its body runs only once every
    ``answer_*`` name it reads is set; until then it prints which ones are missing::

        _answers = ("answer_a", "answer_b")
        _unanswered = [name for name in _answers if globals().get(name) is None]
        if _unanswered:
            print("not answered yet:", ", ".join(_unanswered))
        else:
            <the original body, indented>

    A check cell that already copes with ``None`` answers (prints "not answered yet" for each
    exercise itself) may stay untagged: it is copied unchanged.
``instructor`` on any cell
    The cell is left out of the student edition (notes for the teacher, "the next cell holds
    the solutions").

Every output, execution count and execution timestamp is cleared in the student edition, and
the notebook's saved widget state dropped: no solution leaks through an output
(``--keep-outputs`` clears only those of ``solution`` and ``check`` cells). The three tags are
removed from the student edition, so running the tool on its own output changes nothing.

Safety checks. An **error** stops that notebook from being written and makes the command fail:

* an untagged code cell assigns an ``answer_*`` name (its solution would reach the students);
* an untagged code cell reads an ``answer_*`` name and does not cope with ``None`` (no
  "not answered yet" in it): the student edition would fail there -- tag it ``check``;
* a ``check`` cell reads an ``answer_*`` name that no earlier ``solution`` cell assigns;
* the student edition still contains a solution string (``solution_strings``) that is not also
  in a cell the student sees by design (the teaching cells and the check cells).

* a ``check`` cell that could let a student read an answer off it: it contains a solution's
  expression verbatim, or it uses an ``answer_*`` name other than as the answer of a
  ``check_answer(exercise, answer_x, "<digest>")`` call whose exercise and digest are literals
  (``hashlib_edu.exercises``: the answer's digest is compared, never the answer).

A **warning** is printed for a ``solution`` cell without ``answer_*``.

Usage::

    python tools/editions.py [--out build/student] [--keep-outputs] notebooks/*.ipynb
    python tools/editions.py --add-tags notebooks/*.ipynb   # tag exercise cells in place

``--add-tags`` infers the tags from the ``answer_*`` names (a code cell assigning one: ``solution``;
one only reading them, unless it already prints "not answered yet": ``check``), adds them in place
(only ``metadata.tags`` changes), prints what it tagged, and is idempotent.
"""

from __future__ import annotations

import argparse
import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _nbio
from answer_code import (
    ANSWER_PREFIX,
    CHECK_FUNCTION,
    CODE_HEADER,
    NOT_ANSWERED,
    PLACEHOLDER_LINE,
    TOOL_COMMENT,
    answer_expressions,
    answer_names,
    code_comments,
    indent_code,
    parse_code,
    read_answer_names,
    revealing_answer_uses,
)

SOLUTION, CHECK, INSTRUCTOR = "solution", "check", "instructor"
EDITION_TAGS = (SOLUTION, CHECK, INSTRUCTOR)
MARKDOWN_PLACEHOLDER = "*Your answer here.*"

# shortest strings the leak check looks for (shorter ones match by accident)
MIN_EXPRESSION, MIN_CODE_LINE, MIN_COMMENT, MIN_TEXT_LINE = 5, 12, 8, 8


@dataclass(frozen=True)
class Problem:
    """One finding of the safety checks; ``error`` ones stop the notebook from being written."""

    cell: int | None  # index in the source notebook; None: the student edition as a whole
    message: str
    error: bool = True

    def __str__(self) -> str:
        where = "student edition" if self.cell is None else f"cell {self.cell}"
        return f"{where}: {'error' if self.error else 'warning'}: {self.message}"


# ---------------------------------------------------------------------------------------------
# the student edition


def student_solution_code(code: str) -> str:
    """The student's version of a ``solution`` code cell."""
    names = answer_names(code)
    return "\n".join([CODE_HEADER] + [f"{name} = None  # your answer here" for name in names])


def student_check_code(code: str) -> str:
    """The student's version of a ``check`` code cell: the body guarded by the answers."""
    names = read_answer_names(code)
    if not names:
        return code
    quoted = [f'"{n}"' for n in names]
    one_line = f"_answers = ({', '.join(quoted)}{',' if len(quoted) == 1 else ''})"
    if len(one_line) > 100:
        one_line = "_answers = (\n" + "".join(f"    {q},\n" for q in quoted) + ")"
    body = code.strip("\n")
    tree = parse_code(body)
    if tree is not None and not tree.body:  # comments only: an empty else is a syntax error
        body += "\npass"
    return "\n".join(
        [
            one_line,
            "_unanswered = [name for name in _answers if globals().get(name) is None]",
            "if _unanswered:",
            f'    print("{NOT_ANSWERED}:", ", ".join(_unanswered))',
            "else:",
            indent_code(body),
        ]
    )


def _clear_outputs(cell: dict[str, Any]) -> None:
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.get("metadata", {}).pop("execution", None)


def _drop_edition_tags(cell: dict[str, Any]) -> None:
    meta = cell.get("metadata", {})
    if "tags" in meta:
        kept = [t for t in meta["tags"] if t not in EDITION_TAGS]
        if kept:
            meta["tags"] = kept
        else:
            del meta["tags"]


def make_student(nb: dict[str, Any], *, keep_outputs: bool = False) -> dict[str, Any]:
    """The student edition of ``nb`` (a new dict; ``nb`` is not changed)."""
    student = copy.deepcopy(nb)
    cells = []
    for cell in student["cells"]:
        cell_tags = _nbio.tags(cell)
        if INSTRUCTOR in cell_tags:
            continue
        kind = cell.get("cell_type")
        if SOLUTION in cell_tags and kind == "code":
            _nbio.set_source(cell, student_solution_code(_nbio.source(cell)))
        elif SOLUTION in cell_tags and kind in ("markdown", "raw"):
            _nbio.set_source(cell, MARKDOWN_PLACEHOLDER)
            cell.pop("attachments", None)
        elif CHECK in cell_tags and kind == "code":
            _nbio.set_source(cell, student_check_code(_nbio.source(cell)))
        if not keep_outputs or SOLUTION in cell_tags or CHECK in cell_tags:
            _clear_outputs(cell)
        _drop_edition_tags(cell)
        cells.append(cell)
    student["cells"] = cells
    if not keep_outputs:
        student.get("metadata", {}).pop("widgets", None)
    return student


# ---------------------------------------------------------------------------------------------
# what must not reach the students, and the safety checks


def normalize(text: str) -> str:
    """Whitespace runs collapsed to one space, ends stripped (indentation and line breaks do not
    hide a match)."""
    return " ".join(text.split())


def solution_strings(nb: dict[str, Any]) -> list[str]:
    """Strings that give a solution away, from the ``solution`` (and ``instructor``) cells:

    * the expression assigned to each ``answer_*`` name (``None`` left out);
    * each code line of a solution cell (comment cut off) of at least 12 characters, except a
      ``answer_x = None`` placeholder;
    * each comment of a solution cell (hints in comments are solutions too), tool markers such
      as ``NBVAL_IGNORE_OUTPUT`` left out;
    * each line of a solution or instructor markdown cell, and each code line of an instructor
      code cell;
    * each line of text a solution cell printed or displayed (its saved outputs).

    Whitespace is normalised (``normalize``); the list has no duplicates.
    """
    out: list[str] = []
    for cell in nb["cells"]:
        cell_tags = _nbio.tags(cell)
        if SOLUTION not in cell_tags and INSTRUCTOR not in cell_tags:
            continue
        text = _nbio.source(cell)
        for output in cell.get("outputs", []):
            shown = output.get("text", output.get("data", {}).get("text/plain", ""))
            shown = "".join(shown) if isinstance(shown, list) else shown
            out += [n for n in map(normalize, shown.splitlines()) if len(n) >= MIN_TEXT_LINE]
        if cell.get("cell_type") != "code":
            out += [n for n in map(normalize, text.splitlines()) if len(n) >= MIN_TEXT_LINE]
            continue
        out += [
            normalize(e) for e in answer_expressions(text) if len(normalize(e)) >= MIN_EXPRESSION
        ]
        comments = {row: (col, body) for row, col, body in code_comments(text)}
        for row, line in enumerate(text.splitlines(), start=1):
            code_part = line[: comments[row][0]] if row in comments else line
            code_part = normalize(code_part)
            if len(code_part) >= MIN_CODE_LINE and not PLACEHOLDER_LINE.match(code_part):
                out.append(code_part)
        for _, body in comments.values():
            body = normalize(body.lstrip("#"))
            if len(body) >= MIN_COMMENT and not TOOL_COMMENT.match(body):
                out.append(body)
    return list(dict.fromkeys(out))


def _haystack(value: Any) -> str:
    return "\n\x00\n".join(normalize(s) for s in _nbio.strings(value))


def find_leaks(
    source_nb: dict[str, Any], student_nb: dict[str, Any], *, shared_ok: bool = True
) -> list[str]:
    """Solution strings of ``source_nb`` found anywhere in ``student_nb`` (sources, outputs,
    metadata). With ``shared_ok`` a string that also appears in a cell the students see by
    design (the source or an output of an untagged teaching cell or of a ``check`` cell) is not
    counted: the tool did not leak it, the notebook shows it on purpose."""
    haystack = _haystack(student_nb)
    visible = ""
    if shared_ok:
        visible = _haystack(
            [
                c
                for c in source_nb["cells"]
                if SOLUTION not in _nbio.tags(c) and INSTRUCTOR not in _nbio.tags(c)
            ]
        )
    return [s for s in solution_strings(source_nb) if s in haystack and s not in visible]


def _solution_cell(i: int, code: str, assigned: list[str], defined: set[str],
                   expressions: list[str]) -> list[Problem]:  # fmt: skip
    """A solution cell must assign an answer; record its answers and their expressions."""
    defined.update(assigned)
    # an answer derived from other answers (answer_c = answer_a > answer_b) is a relation the
    # check has to state: not worth a warning
    expressions.extend(normalize(e) for e in answer_expressions(code) if ANSWER_PREFIX not in e)
    if not assigned:
        return [Problem(i, "solution cell assigns no answer_* name: it becomes empty", False)]
    return []


def _check_cell(i: int, code: str, read: list[str], defined: set[str], expressions: list[str],
                visible_checks: bool) -> list[Problem]:  # fmt: skip
    """A check cell must read answers set above and, when students see it, reveal none."""
    problems: list[Problem] = []
    missing = [n for n in read if n not in defined]
    if missing:
        problems.append(
            Problem(i, f"check cell reads {', '.join(missing)}, set by no solution cell above")
        )
    if not read:
        problems.append(Problem(i, "check cell reads no answer_* name: left unchanged", False))
    if not visible_checks:
        return problems
    shown = [e for e in expressions if len(e) >= MIN_EXPRESSION and e in normalize(code)]
    problems += [Problem(i, f"check cell shows a solution verbatim: {e!r}") for e in shown]
    revealing = revealing_answer_uses(code)
    if revealing:
        problems.append(
            Problem(
                i,
                f"check cell uses {', '.join(revealing)} other than in "
                f'{CHECK_FUNCTION}("<exercise>", answer, "<digest>"): a student could '
                "read the answer off it; compare digests (hashlib_edu.exercises)",
            )
        )
    return problems


def _untagged_cell(i: int, code: str, assigned: list[str], read: list[str]) -> list[Problem]:
    """An untagged cell must neither set an answer nor read one without handling None."""
    if assigned:
        return [Problem(i, f"untagged cell assigns {', '.join(assigned)}: tag it {SOLUTION!r}")]
    if read and NOT_ANSWERED not in code:
        message = (
            f"untagged cell reads {', '.join(read)} and does not handle None: tag it {CHECK!r}"
        )
        return [Problem(i, message)]
    return []


def check_notebook(
    nb: dict[str, Any], student: dict[str, Any] | None = None, *, visible_checks: bool = True
) -> list[Problem]:
    """The safety checks of the module docstring (``student``: the edition made from ``nb``).

    ``visible_checks=False`` is for editions that hide the check cells from the students
    (nbgrader's hidden tests): there a check may recompute an answer, so the two check-cell
    rules (a solution verbatim, an answer used outside a digest check) are not applied."""
    problems: list[Problem] = []
    defined: set[str] = set()
    expressions: list[str] = []
    for i, cell in enumerate(nb["cells"]):
        cell_tags = _nbio.tags(cell)
        if cell.get("cell_type") != "code" or INSTRUCTOR in cell_tags:
            continue
        code = _nbio.source(cell)
        if parse_code(code) is None:
            problems.append(Problem(i, "the cell is not valid Python; answer names guessed", False))
        assigned, read = answer_names(code), read_answer_names(code)
        if SOLUTION in cell_tags:
            problems += _solution_cell(i, code, assigned, defined, expressions)
        elif CHECK in cell_tags:
            problems += _check_cell(i, code, read, defined, expressions, visible_checks)
        else:
            problems += _untagged_cell(i, code, assigned, read)
    if student is not None:
        problems += [
            Problem(None, f"the student edition contains a solution: {leak!r}")
            for leak in find_leaks(nb, student)
        ]
    return problems


# ---------------------------------------------------------------------------------------------
# tagging the exercise cells


def add_tags(nb: dict[str, Any]) -> list[tuple[int, str]]:
    """Tag the exercise cells of ``nb`` in place (see the module docstring); return the
    (cell index, tag) pairs added. Cells that already carry an edition tag are left alone."""
    added = []
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code" or set(_nbio.tags(cell)) & set(EDITION_TAGS):
            continue
        code = _nbio.source(cell)
        if answer_names(code):
            tag = SOLUTION
        elif read_answer_names(code) and NOT_ANSWERED not in code:
            tag = CHECK
        else:
            continue
        cell.setdefault("metadata", {}).setdefault("tags", []).append(tag)
        added.append((i, tag))
    return added


# ---------------------------------------------------------------------------------------------
# command line


def build(paths: list[Path], out_dir: Path, *, keep_outputs: bool = False, stream=None) -> int:
    """Write the student edition of each notebook to ``out_dir``; 1 if any had an error.
    Findings and what was written go to ``stream`` (standard error)."""
    stream = stream or sys.stderr
    status = 0
    for path in paths:
        nb = _nbio.read(path)
        student = make_student(nb, keep_outputs=keep_outputs)
        problems = check_notebook(nb, student)
        for p in problems:
            print(f"{path}: {p}", file=stream)
        if any(p.error for p in problems):
            print(f"{path}: not written (fix the errors above)", file=stream)
            status = 1
            continue
        target = _nbio.write_atomic(out_dir / path.name, _nbio.dumps(student))
        counts = {t: sum(t in _nbio.tags(c) for c in nb["cells"]) for t in EDITION_TAGS}
        summary = ", ".join(f"{n} {t}" for t, n in counts.items())
        print(f"wrote {target} ({summary})", file=stream)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/student"))
    parser.add_argument(
        "--keep-outputs",
        action="store_true",
        help="keep the outputs of untagged cells (check that none shows an answer)",
    )
    parser.add_argument(
        "--add-tags",
        action="store_true",
        help="tag the exercise cells in place, write nothing else",
    )
    args = parser.parse_args(argv)
    if args.add_tags:
        for path in args.notebooks:
            nb = _nbio.read(path)
            added = add_tags(nb)
            if added:
                _nbio.write_atomic(path, _nbio.dumps(nb))
            for i, tag in added:
                first = _nbio.source(nb["cells"][i]).split("\n", 1)[0]
                print(f"{path}: cell {i} ({first[:60]!r}) tagged {tag!r}")
        return 0
    return build(args.notebooks, args.out, keep_outputs=args.keep_outputs)


if __name__ == "__main__":
    sys.exit(main())
