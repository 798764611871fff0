"""The classroom tools in tools/: student editions, slide metadata, HTML pages.

Everything runs on tiny synthetic notebooks (a kernel start or two), except the one ``slow`` test,
which builds the student editions of the real notebooks and executes each of them.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import _nbio  # noqa: E402
import editions  # noqa: E402
import slides  # noqa: E402

PNG = base64.b64decode(  # a valid 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

SOLUTION_CODE = """# NBVAL_IGNORE_OUTPUT
cubes_helper = [i**3 for i in range(10)]  # the cube of every digit, summed below
answer_cubes = sum(cubes_helper)
answer_root, answer_label = math.isqrt(answer_cubes), "forty" + "-five"
print(f"the cubes add up to {answer_cubes}")"""

CHECK_CODE = '''from hashlib_edu.exercises import check_answer

text = """a string over
two lines"""
assert text.splitlines()[1] == "two lines"  # the wrapper must not indent inside strings
check_answer("1", answer_cubes, "e0e6a485cde89e51")
check_answer("2", answer_root, "3b285ee22f051740")
check_answer("3", answer_label, "99ae5c58ef80fe15")'''
CORRECT = "exercise 1: correct\nexercise 2: correct\nexercise 3: correct\n"

SOLUTION_TEXT = "Cubes outgrow squares because every factor above one multiplies once more."
INSTRUCTOR_NOTE = "Instructor note: the answer cell holds the solutions, so that nbval passes."


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def as_dict(nb) -> dict:
    return json.loads(nbformat.writes(nb))


def toy_notebook() -> dict:
    """An instructor edition in the notebooks' shape: setup, teaching cells, exercises."""
    cells = [
        new_markdown_cell("# Toy notebook\n\nSums of powers."),
        new_markdown_cell("## Setup"),
        new_code_cell("import math\n\nSEED = 3"),
        new_markdown_cell("## 1. Squares"),
        new_code_cell("squares = [i * i for i in range(10)]\nprint(sum(squares))"),
        new_markdown_cell("### A figure"),
        new_code_cell("from IPython.display import Image\n\nImage(data=PNG_BYTES)"),
        new_markdown_cell("## Exercises\n\n1. Sum the cubes of the digits.\n2. Its square root?"),
        tagged(new_markdown_cell(INSTRUCTOR_NOTE), "instructor"),
        tagged(new_code_cell(SOLUTION_CODE), "solution"),
        tagged(new_code_cell(CHECK_CODE), "check"),
        new_markdown_cell("Why do the cubes grow faster than the squares?"),
        tagged(new_markdown_cell(SOLUTION_TEXT), "solution"),
        new_markdown_cell("## References"),
    ]
    cells[6].source = f"PNG_BYTES = {PNG!r}\n" + cells[6].source
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return as_dict(nb)


def execute(nb: dict, cwd: Path, timeout: int = 120) -> dict:
    """Run every cell in a fresh kernel (raises on the first error); return the executed copy."""
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    NotebookClient(
        node, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return as_dict(node)


def printed(cell: dict) -> str:
    return "".join(_nbio.source({"source": o.get("text", "")}) for o in cell.get("outputs", []))


def cell_starting(nb: dict, prefix: str) -> dict:
    return next(c for c in nb["cells"] if _nbio.source(c).startswith(prefix))


@pytest.fixture(scope="module")
def instructor(tmp_path_factory) -> dict:
    """The toy instructor edition, executed (outputs included, as committed notebooks are)."""
    return execute(toy_notebook(), tmp_path_factory.mktemp("instructor"))


@pytest.fixture(scope="module")
def student(instructor) -> dict:
    return editions.make_student(instructor)


# --------------------------------------------------------------------------------------------
# student edition


def test_instructor_edition_runs_green(instructor):
    check = cell_starting(instructor, "from hashlib_edu.exercises")
    assert printed(check) == CORRECT
    assert "the cubes add up to 2025" in printed(cell_starting(instructor, "# NBVAL"))


def test_student_edition_runs_top_to_bottom(student, tmp_path):
    assert not any(c.get("outputs") for c in student["cells"])  # nothing executed shows
    placeholder = cell_starting(student, editions.CODE_HEADER)
    assert _nbio.source(placeholder).splitlines()[1:] == [
        "answer_cubes = None  # your answer here",
        "answer_root = None  # your answer here",
        "answer_label = None  # your answer here",
    ]
    assert editions.MARKDOWN_PLACEHOLDER in [_nbio.source(c) for c in student["cells"]]
    ran = execute(student, tmp_path)  # raises CellExecutionError on any error
    check = cell_starting(ran, "_answers = ")
    assert printed(check) == "not answered yet: answer_cubes, answer_root, answer_label\n"


def test_student_edition_checks_the_students_answers(student, tmp_path):
    answered = copy.deepcopy(student)
    cell = cell_starting(answered, editions.CODE_HEADER)
    cell["source"] = "answer_cubes = 2025\nanswer_root = 45\nanswer_label = 'forty-five'"
    partly = copy.deepcopy(answered)
    cell_starting(partly, "answer_cubes")["source"] = (
        "answer_cubes = 2025\nanswer_root = None\nanswer_label = 'forty-five'"
    )
    ran = execute(answered, tmp_path)
    assert printed(cell_starting(ran, "_answers = ")) == CORRECT
    wrong = copy.deepcopy(answered)
    cell_starting(wrong, "answer_cubes")["source"] = (
        "answer_cubes = 2024\nanswer_root = 45\nanswer_label = 'forty-five'"
    )
    with pytest.raises(Exception, match="exercise 1: 2024 is not right"):
        execute(wrong, tmp_path)
    ran = execute(partly, tmp_path)
    assert printed(cell_starting(ran, "_answers = ")) == "not answered yet: answer_root\n"


def test_student_edition_contains_no_solution(instructor, student):
    secrets = editions.solution_strings(instructor)
    for expected in [
        "sum(cubes_helper)",  # an answer's expression
        'math.isqrt(answer_cubes), "forty" + "-five"',  # a tuple assignment's value
        "cubes_helper = [i**3 for i in range(10)]",  # a helper line of the solution cell
        "the cube of every digit, summed below",  # a comment (hint)
        "the cubes add up to 2025",  # the solution cell's output
        SOLUTION_TEXT,
        INSTRUCTOR_NOTE,
    ]:
        assert expected in secrets  # the check below is not vacuous
    assert editions.find_leaks(instructor, student, shared_ok=False) == []
    everything = "\n".join(_nbio.strings(student))
    assert "2025" not in everything and "cubes_helper" not in everything
    assert "NBVAL_IGNORE_OUTPUT" not in everything
    assert all(set(_nbio.tags(c)) & set(editions.EDITION_TAGS) == set() for c in student["cells"])
    assert len(student["cells"]) == len(instructor["cells"]) - 1  # the instructor note is gone


def test_leak_check_finds_a_leak(instructor, student):
    leaky = copy.deepcopy(student)
    cell = cell_starting(leaky, editions.CODE_HEADER)
    cell["source"] += "\nanswer_cubes = sum(cubes_helper)"
    found = editions.find_leaks(instructor, leaky, shared_ok=False)
    assert found == ["sum(cubes_helper)", "answer_cubes = sum(cubes_helper)"]
    leaky = copy.deepcopy(student)
    leaky["cells"][2]["outputs"] = [new_output("stream", text="the cubes add up to 2025\n")]
    assert editions.find_leaks(instructor, leaky) == ["the cubes add up to 2025"]
    # and the command refuses to write such a notebook
    problems = editions.check_notebook(instructor, leaky)
    assert [p.error for p in problems] == [True]


def test_student_edition_is_stable(instructor, student):
    before = copy.deepcopy(instructor)
    assert editions.make_student(instructor) == student  # deterministic
    assert instructor == before  # the source is not changed
    assert editions.make_student(student) == student  # rerunning on the output changes nothing


def test_keep_outputs_keeps_only_the_teaching_outputs(instructor):
    kept = editions.make_student(instructor, keep_outputs=True)
    assert printed(cell_starting(kept, "squares = ")) == "285\n"
    assert cell_starting(kept, editions.CODE_HEADER)["outputs"] == []
    assert cell_starting(kept, "_answers = ")["outputs"] == []
    assert editions.find_leaks(instructor, kept, shared_ok=False) == []


def test_indent_code_keeps_multiline_strings():
    code = 's = """one\n  two\nthree"""\nt = f"""x\n{s}\ny"""\nif s:\n    u = 1\n'
    namespace: dict = {}
    exec("if True:\n" + editions.indent_code(code), namespace)
    assert namespace["s"] == "one\n  two\nthree" and namespace["t"] == "x\none\n  two\nthree\ny"
    assert namespace["u"] == 1


def test_names_read_from_code():
    code = "# NBVAL\n%time x = 1\nanswer_b = 2\nanswer_a, (other, answer_c) = 1, (2, 3)\n"
    code += "def f():\n    answer_local = 1\n[answer_comp for answer_comp in range(2)]"
    assert editions.answer_names(code) == ["answer_b", "answer_a", "answer_c"]
    check = "def check():\n    assert answer_a.shape == answer_b\n\ncheck()\nprint(answer_c)"
    assert editions.read_answer_names(check) == ["answer_a", "answer_b", "answer_c"]
    wrapped = editions.student_check_code(check)
    assert wrapped.startswith('_answers = ("answer_a", "answer_b", "answer_c")')
    compile(wrapped, "<check>", "exec")
    compile(editions.student_check_code("print(answer_x)\n# only comments below"), "<c>", "exec")


def test_safety_checks_and_the_command(instructor, tmp_path, capsys):
    untagged = copy.deepcopy(instructor)
    for cell in untagged["cells"]:
        cell["metadata"].pop("tags", None)
    messages = [str(p) for p in editions.check_notebook(untagged)]
    assert any("untagged cell assigns answer_cubes" in m and "error" in m for m in messages)
    assert any("untagged cell reads answer_cubes" in m for m in messages)
    handles_none = copy.deepcopy(untagged)
    cell_starting(handles_none, "from hashlib_edu.exercises")["source"] = (
        'print("not answered yet" if answer_cubes is None else "ok")'
    )
    cell_starting(handles_none, "# NBVAL").setdefault("metadata", {})["tags"] = ["solution"]
    assert not any(p.error for p in editions.check_notebook(handles_none))
    assert not any(p.error for p in editions.check_notebook(instructor))  # digest checks only
    # a check a student could read the answer off: an error, unless the checks are hidden
    for leak, message in [
        ("\nprint(sum(cubes_helper))", "verbatim"),
        ("\nassert answer_cubes == 45**2", "uses answer_cubes other than in check_answer"),
        ('\ncheck_answer("1", answer_root, str(45))', "uses answer_root other than"),
        ('\ncheck_answer("1", answer_root + 1, "e0e6a485cde89e51")', "uses answer_root"),
    ]:
        revealing = copy.deepcopy(instructor)
        cell_starting(revealing, "from hashlib_edu.exercises")["source"] += leak
        found = [p for p in editions.check_notebook(revealing) if message in p.message]
        assert len(found) == 1 and found[0].error, leak
        hidden = editions.check_notebook(revealing, visible_checks=False)
        assert not any(p.error for p in hidden), leak
    orphan = copy.deepcopy(instructor)
    cell_starting(orphan, "from hashlib_edu.exercises")["source"] += "\nprint(answer_missing)"
    assert any("answer_missing" in str(p) for p in editions.check_notebook(orphan))

    (tmp_path / "src").mkdir()
    good, bad = tmp_path / "src" / "00_good.ipynb", tmp_path / "src" / "01_bad.ipynb"
    good.write_text(_nbio.dumps(instructor))
    bad.write_text(_nbio.dumps(untagged))
    out = tmp_path / "build" / "student"
    assert editions.main([str(good), str(bad), "--out", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["00_good.ipynb"]  # no temp file left over
    assert _nbio.read(out / "00_good.ipynb") == editions.make_student(instructor)
    assert "01_bad.ipynb: not written" in capsys.readouterr().err


def test_add_tags_infers_the_convention(instructor, tmp_path):
    untagged = copy.deepcopy(instructor)
    for cell in untagged["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"].pop("tags", None)
    path = tmp_path / "nb.ipynb"
    path.write_text(_nbio.dumps(untagged))
    assert editions.main(["--add-tags", str(path)]) == 0
    tagged_once = path.read_text()
    assert _nbio.read(path) == instructor  # exactly the tags of the toy notebook
    assert editions.main(["--add-tags", str(path)]) == 0
    assert path.read_text() == tagged_once


# --------------------------------------------------------------------------------------------
# slides


def without_slideshow(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow", None)
    return nb


def test_slides_types_idempotent_and_nothing_else(instructor, tmp_path):
    nb = copy.deepcopy(instructor)
    nb["cells"][4]["metadata"]["scrolled"] = True
    nb["cells"][4]["metadata"]["slideshow"] = {"slide_type": "notes", "other": 1}
    path = tmp_path / "toy.ipynb"
    path.write_text(_nbio.dumps(nb))
    assert slides.main(["--check", str(path)]) == 1
    assert slides.main([str(path)]) == 0
    once = path.read_text()
    assert slides.main([str(path)]) == 0 and slides.main(["--check", str(path)]) == 0
    assert path.read_text() == once  # idempotent, byte for byte
    after = json.loads(once)
    types = [c["metadata"]["slideshow"]["slide_type"] for c in after["cells"]]
    assert types == [
        "slide",  # "# Toy notebook"
        "skip",  # "## Setup"
        "skip",  # the setup code
        "slide",  # "## 1. Squares"
        "fragment",  # code after text
        "subslide",  # "### A figure"
        "fragment",
        "slide",  # "## Exercises"
        "fragment",  # text after text
        "fragment",  # code after text
        "subslide",  # code after code
        "subslide",  # text after code
        "fragment",
        "slide",  # "## References"
    ]
    assert after["cells"][4]["metadata"]["slideshow"]["other"] == 1  # other keys kept
    assert without_slideshow(after) == without_slideshow(nb)  # ids, outputs, metadata unchanged


def test_slides_on_the_real_notebooks_touch_only_slide_types(tmp_path):
    for source in sorted((REPO / "notebooks").glob("*.ipynb")):
        copied = Path(shutil.copy(source, tmp_path / source.name))
        before = _nbio.read(copied)
        assert copied.read_text(encoding="utf-8") == _nbio.dumps(before)  # same serialisation
        assert slides.main([str(copied)]) == 0
        after = _nbio.read(copied)
        assert without_slideshow(after) == without_slideshow(before)
        headings = [
            c
            for c in after["cells"]
            if c["cell_type"] == "markdown" and _nbio.source(c).startswith(("# ", "## "))
        ]
        assert headings and all(
            c["metadata"]["slideshow"]["slide_type"] in ("slide", "skip") for c in headings
        )


def test_committed_notebooks_have_their_slide_types():
    """tools/slides.py --check: a cell added or moved without rerunning the tool fails here."""
    assert slides.main(["--check", *map(str, sorted((REPO / "notebooks").glob("*.ipynb")))]) == 0


def test_jupyterlab_rise_is_installed():
    assert "jupyterlab-rise" in (REPO / "requirements.txt").read_text()
    jupyter = Path(sys.executable).with_name("jupyter")
    listed = subprocess.run(
        [str(jupyter), "labextension", "list"], capture_output=True, text=True, timeout=60
    )
    assert "jupyterlab-rise" in listed.stdout + listed.stderr
    import jupyterlab_rise  # noqa: F401


# --------------------------------------------------------------------------------------------
# HTML


# --------------------------------------------------------------------------------------------
# the real notebooks


@pytest.mark.slow
def test_real_notebooks_student_editions(tmp_path, monkeypatch):
    """make student's editions of the real notebooks: written, leak-free, and each one runs top to
    bottom in a fresh kernel (from a cold training cache of its own) saying "not answered yet"."""
    sources = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    out = tmp_path / "student"
    status = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "editions.py"),
            "--out",
            str(out),
            *map(str, sources),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert status.returncode == 0, status.stderr  # tagged, and nothing leaks
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in sources]
    monkeypatch.setenv("HASHLIB_EDU_CACHE", str(tmp_path / "cache"))  # the kernels inherit it
    for source in sources:
        instructor, student = _nbio.read(source), _nbio.read(out / source.name)
        assert editions.find_leaks(instructor, student) == [], source.name
        if not any(editions.answer_names(_nbio.source(c)) for c in instructor["cells"]):
            continue
        assert editions.NOT_ANSWERED in "\n".join(_nbio.strings(student)), source.name
        ran = execute(student, REPO / "notebooks", timeout=300)  # raises on an error
        said = "\n".join(printed(c) for c in ran["cells"])
        assert editions.NOT_ANSWERED in said, source.name
        assert "correct" not in said.replace("not answered", ""), source.name
