"""tools/nbgrader_course.py: the nbgrader course folder built from the edition tags.

Unit tests on toy notebooks (no nbgrader run), then round trips with nbgrader itself in a
temporary course folder: ``nbgrader generate_assignment`` (the student copy must hold neither a
solution nor a hidden test), then ``nbgrader autograde`` of two submissions: the instructor's
notebook (full marks) and the untouched student copy (zero). The scores are read from nbgrader's
gradebook. The seven real notebooks are released (nothing executed) and searched for leaks; one
round trip runs the real ``00_hamming_space`` notebook (no training, about half a minute); the one
over all seven notebooks trains models and is marked ``nbgrader_all``.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import _nbio  # noqa: E402
import editions  # noqa: E402
import nbgrader_course  # noqa: E402

REAL_NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("0[0-6]_*.ipynb"))
INSTRUCTOR_NOTE = "Instructor note: the next cell holds the solutions."

SOLUTION_1 = """helper_squares = [i * i for i in range(BASE)]  # squares below BASE
answer_total = sum(helper_squares)
answer_root = math.isqrt(answer_total * 4)
print(f"total {answer_total}")"""
CHECK_1 = """def check_answer():
    assert answer_total == 91 + 0 * 17, "exercise 1"
    assert answer_root == int(math.sqrt(4 * 91)), "exercise 2"
    print("all answers correct")


check_answer()"""
SOLUTION_2 = 'answer_word = "seven".upper()'
CHECK_2 = 'assert answer_word == "".join(["SEV", "EN"]), "exercise 3"'
# what the students must never see: the solutions and the hidden tests' expected values
SECRETS = [
    "sum(helper_squares)",
    "math.isqrt(answer_total * 4)",
    "[i * i for i in range(BASE)]",
    "squares below BASE",
    '"seven".upper()',
    "91 + 0 * 17",
    "math.sqrt(4 * 91)",
    '["SEV", "EN"]',
    INSTRUCTOR_NOTE,
]


def tagged(cell: Any, *tags: str) -> Any:
    cell.metadata["tags"] = list(tags)
    return cell


def toy_notebook() -> dict[str, Any]:
    """Setup, teaching cells, two exercises (solution + check each), an instructor note."""
    solution = tagged(new_code_cell(SOLUTION_1), "solution")
    solution.outputs = [new_output("stream", name="stdout", text="total 91\n")]
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Toy notebook"),
            new_code_cell("import math\n\nBASE = 7"),
            new_markdown_cell("## Exercises\n\n1. Sum the squares below `BASE`.\n2. Its root."),
            tagged(new_markdown_cell(INSTRUCTOR_NOTE), "instructor"),
            solution,
            tagged(new_code_cell(CHECK_1), "check"),
            new_markdown_cell("3. Shout the word."),
            tagged(new_code_cell(SOLUTION_2), "solution", "keep-me"),
            tagged(new_code_cell(CHECK_2), "check"),
        ],
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        },
    )
    return json.loads(nbformat.writes(nb))


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    return cell["metadata"]["nbgrader"]


def visible_part(code: str) -> str:
    """The code with the hidden test regions removed, as ``ClearHiddenTests`` does."""
    lines, hidden = [], False
    for line in code.splitlines():
        if nbgrader_course.BEGIN_TESTS in line:
            hidden = True
        elif nbgrader_course.END_TESTS in line:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# unit tests (no nbgrader run)


def test_cells_become_nbgrader_cells():
    source = toy_notebook()
    before = copy.deepcopy(source)
    course = nbgrader_course.course_notebook(source)
    texts = [_nbio.source(c) for c in course["cells"]]
    assert INSTRUCTOR_NOTE not in texts and len(course["cells"]) == len(source["cells"]) - 1
    metas = [nbgrader_meta(c) for c in course["cells"]]
    by_id = {m["grade_id"]: (m, c) for m, c in zip(metas, course["cells"])}
    assert len(by_id) == len(metas), "grade ids must be unique"

    meta, cell = by_id["answers-1"]
    assert meta == {
        "grade": False,
        "grade_id": "answers-1",
        "locked": False,
        "schema_version": 3,
        "solution": True,
    }
    code = _nbio.source(cell)
    placeholders, region = code.split(nbgrader_course.BEGIN_SOLUTION + "\n")
    assert placeholders == editions.student_solution_code(SOLUTION_1) + "\n"
    assert region == SOLUTION_1 + "\n" + nbgrader_course.END_SOLUTION
    assert cell["outputs"] == [] and cell["execution_count"] is None

    meta, cell = by_id["tests-1"]
    assert meta == {
        "grade": True,
        "grade_id": "tests-1",
        "locked": True,
        "points": 2,
        "schema_version": 3,
        "solution": False,
    }
    code = _nbio.source(cell)
    assert CHECK_1 in code  # the whole check, in the hidden region
    shown = visible_part(code)
    assert editions.NOT_ANSWERED in shown and '"answer_total"' in shown and '"answer_root"' in shown
    assert "91" not in shown and "sqrt" not in shown and "check_answer" not in shown
    assert by_id["tests-2"][0]["points"] == 1

    others = [m for m in metas if not m["grade_id"].startswith(("answers-", "tests-"))]
    assert len(others) == 4
    assert all(m["locked"] and not m["grade"] and not m["solution"] for m in others)
    # edition tags and widget state gone, other tags kept, the source notebook unchanged
    assert [_nbio.tags(c) for c in course["cells"]].count(["keep-me"]) == 1
    assert not any(set(_nbio.tags(c)) & set(editions.EDITION_TAGS) for c in course["cells"])
    assert "widgets" not in course["metadata"]
    assert source == before


def test_nbgrader_accepts_the_metadata():
    pytest.importorskip("nbgrader", reason="nbgrader is not installed")
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.from_dict(nbgrader_course.course_notebook(toy_notebook()))
    MetadataValidator().validate_nb(nb)


def test_markdown_solution_is_a_manually_graded_answer():
    nb = toy_notebook()
    nb["cells"].append(tagged(new_markdown_cell("Because cubes grow faster."), "solution"))
    meta = nbgrader_meta(nbgrader_course.course_notebook(nb)["cells"][-1])
    assert meta["solution"] and meta["grade"] and meta["points"] == 1 and not meta["locked"]
    assert editions.MARKDOWN_PLACEHOLDER in nbgrader_course.CONFIG


def test_student_view_of_a_test_cell_runs_and_reports():
    """Without its hidden region a test cell runs; with it, it fails until every answer is set."""
    code = nbgrader_course.hidden_tests_source(CHECK_2)
    printed: list[str] = []
    namespace: dict[str, Any] = {
        "answer_word": None,
        "print": lambda *a: printed.append(" ".join(a)),
    }
    exec(visible_part(code), namespace)
    assert printed == [f"{editions.NOT_ANSWERED}: answer_word"]
    with pytest.raises(AssertionError, match=editions.NOT_ANSWERED):
        exec(code, dict(namespace))
    exec(code, dict(namespace, answer_word="SEVEN"))


def test_warnings_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    nb = toy_notebook()
    copes = "print(answer_total if answer_total is not None else 'not answered yet')"
    nb["cells"].append(new_code_cell(copes))
    nb["cells"].append(new_code_cell('data = open("../results/x.json").read()'))
    ok = tmp_path / "ok.ipynb"
    ok.write_text(_nbio.dumps(nb))
    bad_nb = copy.deepcopy(nb)
    bad_nb["cells"].append(new_code_cell("answer_leak = 3"))  # untagged: editions' error
    bad = tmp_path / "bad.ipynb"
    bad.write_text(_nbio.dumps(bad_nb))

    status = nbgrader_course.main(["--out", str(tmp_path / "course"), str(ok), str(bad)])
    err = capsys.readouterr().err
    assert status == 1
    assert "untagged cell reads answer_total: not graded" in err
    assert "'../results/x.json' outside the notebook's folder" in err
    assert "bad.ipynb: not written" in err and "tag it 'solution'" in err
    assert (tmp_path / "course/source/ok/ok.ipynb").exists()
    assert not (tmp_path / "course/source/bad").exists()
    last = _nbio.read(tmp_path / "course/source/ok/ok.ipynb")["cells"][-2]
    assert nbgrader_meta(last)["locked"] and not nbgrader_meta(last)["grade"]


def test_main_writes_the_course_folder(tmp_path: Path):
    path = tmp_path / "toy.ipynb"
    path.write_text(_nbio.dumps(toy_notebook()))
    extra = tmp_path / "table.csv"
    extra.write_text("a,b\n1,2\n")
    out = tmp_path / "course"
    assert nbgrader_course.main(["--out", str(out), "--data", str(extra), str(path)]) == 0
    assert (out / "source/toy/toy.ipynb").is_file()
    assert (out / "source/toy/table.csv").read_text() == "a,b\n1,2\n"

    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(out)).load_config()
    assert config.CourseDirectory.course_id == "hashlib-edu"
    assert config.CourseDirectory.root == str(out.resolve())
    assert config.ClearSolutions.code_stub == {"python": ""}
    assert config.Execute.timeout >= 600

    # a config the teacher wrote is kept; ours is rewritten
    (out / "nbgrader_config.py").write_text("c = get_config()  # mine\n")
    assert nbgrader_course.main(["--out", str(out), str(path)]) == 0
    assert (out / "nbgrader_config.py").read_text() == "c = get_config()  # mine\n"


# ---------------------------------------------------------------------------------------------
# round trips with nbgrader


def run_nbgrader(course: Path, *args: str, timeout: float) -> None:
    """``nbgrader ARGS`` in the course folder (its nbgrader_config.py applies). nbgrader runs
    ``alembic`` from PATH when it creates the gradebook: the virtual env's bin/ goes first."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    done = subprocess.run(
        command, cwd=course, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def round_trip(
    notebook: Path, course: Path, *, timeout: float = 600
) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    """Build the course from ``notebook``, release it, autograde the instructor's notebook
    (student "instructor") and the untouched student copy (student "student"). Returns the
    student copy and {student: (score, max score)}."""
    from nbgrader.api import Gradebook

    assert nbgrader_course.main(["--out", str(course), str(notebook)]) == 0
    assignment = notebook.stem
    run_nbgrader(course, "generate_assignment", assignment, timeout=timeout)
    released = course / "release" / assignment / notebook.name
    submissions = {
        "instructor": course / "source" / assignment / notebook.name,
        "student": released,
    }
    for student, path in submissions.items():
        target = course / "submitted" / student / assignment / notebook.name
        target.parent.mkdir(parents=True)
        target.write_bytes(path.read_bytes())
    run_nbgrader(course, "autograde", assignment, timeout=timeout)
    for student in submissions:  # only a test cell may fail; the student's says what is missing
        graded = _nbio.read(course / "autograded" / student / assignment / notebook.name)
        failed = [c for c in graded["cells"] if errors(c)]
        assert [
            c["metadata"]["nbgrader"]["grade_id"] for c in failed if student == "instructor"
        ] == []
        assert all(c["metadata"]["nbgrader"]["grade"] for c in failed), student
        tests = [c for c in graded["cells"] if c["metadata"]["nbgrader"]["grade"]]
        if student == "student":
            assert tests and all(editions.NOT_ANSWERED in json.dumps(c["outputs"]) for c in tests)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", nbgrader_course.COURSE_ID) as gb:
        for student in submissions:
            submission = gb.find_submission(assignment, student)
            scores[student] = (submission.score, submission.max_score)
    return _nbio.read(released), scores


def errors(cell: dict[str, Any]) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def hidden_strings(source: dict[str, Any]) -> list[str]:
    """Every code line (at least 12 characters, whitespace normalised) of the ``check`` cells
    that no teaching cell shows anyway."""
    taught = "\n".join(
        editions.normalize(_nbio.source(c))
        for c in source["cells"]
        if not set(_nbio.tags(c)) & set(editions.EDITION_TAGS)
    )
    lines = [
        editions.normalize(line)
        for c in source["cells"]
        if editions.CHECK in _nbio.tags(c)
        for line in _nbio.source(c).splitlines()
    ]
    return [s for s in dict.fromkeys(lines) if len(s) >= 12 and s not in taught]


def assert_no_leak(source: dict[str, Any], released: dict[str, Any]) -> None:
    text = "\n".join(editions.normalize(s) for s in _nbio.strings(released))
    assert editions.find_leaks(source, released) == []
    hidden = hidden_strings(source)
    assert hidden, "no check cell to hide"
    assert [s for s in hidden if s in text] == []


def test_round_trip_toy(tmp_path: Path):
    pytest.importorskip("nbgrader", reason="nbgrader is not installed")
    notebook = tmp_path / "toy.ipynb"
    notebook.write_text(_nbio.dumps(toy_notebook()))
    released, scores = round_trip(notebook, tmp_path / "course", timeout=300)

    text = json.dumps(released)
    assert [s for s in SECRETS if s in text] == []
    assert_no_leak(toy_notebook(), released)
    codes = [_nbio.source(c) for c in released["cells"] if c["cell_type"] == "code"]
    assert editions.student_solution_code(SOLUTION_1) + "\n" in codes
    assert all(c.get("outputs") == [] for c in released["cells"] if c["cell_type"] == "code")
    assert scores == {"instructor": (3.0, 3.0), "student": (0.0, 3.0)}


def checked_answers(source: dict[str, Any]) -> int:
    """The points of a notebook: one per answer a ``check`` cell reads."""
    return sum(
        len(editions.read_answer_names(_nbio.source(c)))
        for c in source["cells"]
        if editions.CHECK in _nbio.tags(c)
    )


def real_round_trip(name: str, course: Path) -> None:
    source = _nbio.read(REPO / "notebooks" / name)
    start = time.perf_counter()
    released, scores = round_trip(REPO / "notebooks" / name, course, timeout=3600)
    print(f"{name}: nbgrader round trip {time.perf_counter() - start:.1f} s, scores {scores}")
    assert_no_leak(source, released)
    points = checked_answers(source)
    assert points > 0, f"{name}: no check cell grades an answer (tag the check cell 'check')"
    assert scores == {"instructor": (points, points), "student": (0.0, points)}


@pytest.mark.slow
def test_release_real_notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """All seven notebooks released (nothing executed), with nbgrader's API in this process: no
    solution and no hidden test in a student copy, every code cell valid Python, one point per
    checked answer."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed")
    from IPython.core.inputtransformer2 import TransformerManager
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    course = tmp_path / "course"
    paths = [str(REPO / "notebooks" / name) for name in REAL_NOTEBOOKS]
    assert nbgrader_course.main(["--out", str(course), *paths]) == 0
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    api = NbGraderAPI(config=config)
    for name in REAL_NOTEBOOKS:
        assignment = Path(name).stem
        result = api.generate_assignment(assignment)
        assert result["success"], result.get("error") or result.get("log")
        source = _nbio.read(REPO / "notebooks" / name)
        released = _nbio.read(course / "release" / assignment / name)
        assert_no_leak(source, released)
        for cell in released["cells"]:
            if cell["cell_type"] == "code":
                compile(TransformerManager().transform_cell(_nbio.source(cell)), name, "exec")
        points = [c["metadata"]["nbgrader"].get("points", 0) for c in released["cells"]]
        assert sum(points) == checked_answers(source) > 0, name


@pytest.mark.slow
def test_round_trip_real_00(tmp_path: Path):
    pytest.importorskip("nbgrader", reason="nbgrader is not installed")
    real_round_trip("00_hamming_space.ipynb", tmp_path / "course")


@pytest.mark.slow
@pytest.mark.nbgrader_all
@pytest.mark.parametrize("name", REAL_NOTEBOOKS[1:])
def test_round_trip_real(name: str, tmp_path: Path):
    """Every other notebook, trained models and all (minutes; the disk cache of models helps;
    00 is `test_round_trip_real_00`)."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed")
    real_round_trip(name, tmp_path / "course")
