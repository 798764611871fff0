"""The install files agree: environment.yml installs what requirements.txt does (and the package),
pyproject.toml's runtime dependencies carry the same floors, and the licence file matches."""

from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
#: conda-forge names of PyPI packages that are published under another name there
CONDA_TO_PYPI = {"pytorch": "torch"}


def _parse(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line.replace("=>", ">="))
        name = canonicalize_name(CONDA_TO_PYPI.get(requirement.name, requirement.name))
        out[name] = str(requirement.specifier)
    return out


def _environment() -> tuple[dict[str, str], list[str]]:
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    deps = _parse(conda + pip)
    deps.pop("python"), deps.pop("pip", None)
    return deps, pip


def test_environment_yml_installs_what_requirements_txt_does():
    requirements = _parse((ROOT / "requirements.txt").read_text().splitlines())
    environment, _ = _environment()
    assert environment == requirements


def test_environment_yml_installs_the_package_itself():
    _, pip = _environment()
    assert "-e ." in pip  # Binder (repo2docker) and conda users get hashlib_edu importable


def test_pyproject_runtime_floors_are_the_requirements_floors():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _parse(project["dependencies"])
    requirements = _parse((ROOT / "requirements.txt").read_text().splitlines())
    assert runtime.items() <= requirements.items()


def test_the_licence_file_matches_the_declared_licence():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
