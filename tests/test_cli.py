"""The `hashlib-edu` command: notebooks copied out of the installation, the main job, the lab."""

import subprocess
import sys

import pytest

from hashlib_edu import cli


def test_notebooks_are_copied_into_an_empty_folder(tmp_path, capsys):
    assert cli.main(["notebooks", str(tmp_path / "nb")]) == 0
    copied = sorted(p.name for p in (tmp_path / "nb").iterdir())
    assert copied == sorted(cli.NOTEBOOKS)
    source = cli.notebook_folder()
    assert (tmp_path / "nb" / cli.NOTEBOOKS[0]).read_bytes() == (
        source / cli.NOTEBOOKS[0]
    ).read_bytes()
    assert len(cli.NOTEBOOKS) == 7 and "copied 7 notebooks" in capsys.readouterr().out


def test_existing_notebooks_are_kept_unless_forced(tmp_path, capsys):
    (tmp_path / cli.NOTEBOOKS[2]).write_text("my own edits")
    assert cli.main(["notebooks", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / cli.NOTEBOOKS[2]).read_text() == "my own edits"
    assert not (tmp_path / cli.NOTEBOOKS[0]).exists()  # nothing half-copied
    assert cli.main(["notebooks", str(tmp_path), "--force"]) == 0
    assert (tmp_path / cli.NOTEBOOKS[2]).read_text() != "my own edits"


def test_a_missing_installation_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_candidates", lambda: [tmp_path / "nowhere"])
    with pytest.raises(FileNotFoundError, match="install the package"):
        cli.notebook_folder()


def test_run_hands_every_option_to_the_main_job(monkeypatch):
    seen = []
    monkeypatch.setattr("hashlib_edu.reproduce.main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["run", "--seed", "3", "--bits", "16"]) == 0
    assert seen == [["--seed", "3", "--bits", "16"]]


def test_lab_copies_the_notebooks_then_starts_jupyterlab_there(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command: calls.append(command) or 0)
    assert cli.main(["lab", str(tmp_path / "class")]) == 0
    assert calls == [[sys.executable, "-m", "jupyterlab", str(tmp_path / "class")]]
    assert len(list((tmp_path / "class").glob("*.ipynb"))) == len(cli.NOTEBOOKS) == 7


def test_the_console_script_is_installed():
    code = (
        "from importlib.metadata import entry_points as e; "
        "print([x.value for x in e(group='console_scripts') if x.name == 'hashlib-edu'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "hashlib_edu.cli:main" in result.stdout


def test_an_unknown_command_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err
