"""Suite-wide pytest hooks: a cold cache per test run, and a per-notebook time table after an
nbval run (for the README)."""

import atexit
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

# Every test run (and every notebook kernel nbval starts, which inherits the environment) trains
# from a cold cache of pretrained trunks unless HASHLIB_EDU_CACHE is set explicitly.
if "HASHLIB_EDU_CACHE" not in os.environ:
    os.environ["HASHLIB_EDU_CACHE"] = tempfile.mkdtemp(prefix="hashlib-edu-cache-")
    atexit.register(shutil.rmtree, os.environ["HASHLIB_EDU_CACHE"], ignore_errors=True)

_NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _NOTEBOOK_SECONDS[Path(path).name] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if not _NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook times (nbval, all cells)")
    for name, seconds in sorted(_NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{name:<36} {seconds:6.1f} s")
    terminalreporter.write_line(f"{'total':<36} {sum(_NOTEBOOK_SECONDS.values()):6.1f} s")
