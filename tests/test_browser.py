"""The explorers render and respond in a real JupyterLab, driven by headless Chromium.

Starts JupyterLab on 127.0.0.1 (free port, token, temp root / runtime / data / settings dirs, a
kernelspec pointing at this interpreter) serving one notebook per explorer. Each test opens one,
runs it, moves the control (the beta slider or the share slider with the keyboard, the tie-order
dropdown with a selection) and checks that the figure (the widget's <img>) and its text change:
``sign_approximation_explorer()``, ``imbalance_explorer()``, ``tie_explorer()`` and
``code_motion_explorer()`` (on a 40-iteration training run).

A last test opens a real notebook as a live slideshow (jupyterlab-rise, ``make lab``) and checks
that reveal.js shows one slide per ``slide`` cell that tools/slides.py set.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``playwright`` Python package (no
Playwright browser download). Skipped with a reason when either is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_NAME = "hashlib-edu-test"
TOKEN = "hashlib-edu-browser-test-token"
SERVER_START_TIMEOUT_S = 90
WIDGET_TIMEOUT_MS = 90_000  # page load + kernel start + torch import on a slow CI machine
REDRAW_TIMEOUT_MS = 60_000
#: folder for a screenshot (always) and the server log (on failure); default: temp dir, failures only
ARTIFACTS = os.environ.get("HASHLIB_EDU_BROWSER_ARTIFACTS")

EXPLORER_CELL = """\
from hashlib_edu.explorers import sign_approximation_explorer

explorer = sign_approximation_explorer()
explorer"""
IMBALANCE_CELL = """\
from hashlib_edu.explorers import imbalance_explorer

explorer = imbalance_explorer(similar_share=0.01)
explorer"""
TIES_CELL = """\
from hashlib_edu.explorers import tie_explorer

explorer = tie_explorer()
explorer"""
MOTION_CELL = """\
from hashlib_edu.data import load_dataset
from hashlib_edu.config import TrainConfig
from hashlib_edu.training import train_hashing_model
from hashlib_edu.explorers import code_motion_explorer

data = load_dataset("digits", seed=0)
config = TrainConfig(iterations=40, init="scratch")
run = train_hashing_model("hashnet", data, 8, config=config, snapshot_every=10, progress=False)
n = len(run.snapshots[0]["outputs"])
explorer = code_motion_explorer(run.snapshots, data.database.labels[:n])
explorer"""
#: a real notebook opened as a live slideshow (jupyterlab-rise serves it at /rise/<path>)
SLIDES_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_map_conventions.ipynb"
#: notebook name -> the cell showing its explorer
NOTEBOOKS = {
    "explorer.ipynb": EXPLORER_CELL,
    "imbalance.ipynb": IMBALANCE_CELL,
    "ties.ipynb": TIES_CELL,
    "motion.ipynb": MOTION_CELL,
}


def _requirements_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} missing: install Debian's chromium (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python package) missing: pip install playwright (no browser download)"
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return "jupyterlab missing: pip install jupyterlab"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_notebook(path: Path, explorer_cell: str) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "hashlib-edu test",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nprint('KERNEL-PYTHON', sys.executable)"),
        nbformat.v4.new_code_cell(explorer_cell),
    ]
    nbformat.write(notebook, path)


def _write_kernelspec(data_dir: Path) -> None:
    """A kernelspec running this interpreter, so the kernel sees the same packages as pytest."""
    spec_dir = data_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hashlib-edu test",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))


def _write_lab_settings(settings_dir: Path) -> None:
    """No news / update pop-ups (and no request for them)."""
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def _wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}"
    )


def _stop_server(process: subprocess.Popen, base_url: str) -> None:
    """Ask the server to shut down (it stops its kernels), then terminate / kill it by pid."""
    if process.poll() is None:
        request = urllib.request.Request(f"{base_url}api/shutdown?token={TOKEN}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def jupyter_lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving one notebook per explorer (:data:`NOTEBOOKS`).

    Yields {"url": the sign explorer's notebook, "urls": notebook name -> URL, "log": log path}.
    """
    reason = _requirements_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {reason}")  # .ci/run installs chromium
    if reason:
        pytest.skip(reason)
    root, runtime, data = tmp_path / "root", tmp_path / "runtime", tmp_path / "data"
    config, settings, workspaces = tmp_path / "config", tmp_path / "settings", tmp_path / "ws"
    for folder in (root, runtime, data, config, settings, workspaces):
        folder.mkdir()
    _write_kernelspec(data)
    _write_lab_settings(settings)
    for name, cell in NOTEBOOKS.items():
        _write_notebook(root / name, cell)
    shutil.copy(SLIDES_NOTEBOOK, root / SLIDES_NOTEBOOK.name)
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTER_DATA_DIR=str(data),
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}", "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers often run as root
        command.append("--ServerApp.allow_root=True")
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_server(f"{base_url}api/status?token={TOKEN}", process, log)
        urls = {name: f"{base_url}lab/tree/{name}?token={TOKEN}" for name in NOTEBOOKS}
        slides = f"{base_url}rise/{SLIDES_NOTEBOOK.name}?token={TOKEN}"
        yield {"url": urls["explorer.ipynb"], "urls": urls, "slides": slides, "log": log}
    finally:
        _stop_server(process, base_url)


@contextmanager
def _running_explorer(jupyter_lab, notebook: str):
    """Open ``notebook`` in headless Chromium, run all cells and wait for the explorer's figure.

    Yields (page, image locator, info locator). On failure saves a screenshot and the server log
    (to $HASHLIB_EDU_BROWSER_ARTIFACTS or the temp dir); always closes the browser.
    """
    from playwright.sync_api import sync_playwright

    stem = Path(notebook).stem
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            url = jupyter_lab["urls"][notebook]
            page.goto(url, wait_until="domcontentloaded", timeout=WIDGET_TIMEOUT_MS)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WIDGET_TIMEOUT_MS)
            # wait until the notebook is bound to its kernel, then run every cell
            page.wait_for_function(
                """() => {
                    const app = window.jupyterapp;
                    const widget = app && app.shell.currentWidget;
                    const kernel = widget && widget.sessionContext && widget.sessionContext.session
                        && widget.sessionContext.session.kernel;
                    return kernel && kernel.status === 'idle';
                }""",
                timeout=WIDGET_TIMEOUT_MS,
            )
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            image = page.locator(".hashlib-edu-explorer img")
            image.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
            page.wait_for_function(
                "el => el.src && el.naturalWidth > 0", arg=image.element_handle(), timeout=30_000
            )
            kernel_line = page.locator(".jp-OutputArea-output", has_text="KERNEL-PYTHON")
            assert sys.executable in kernel_line.inner_text()
            yield page, image, page.locator(".hashlib-edu-explorer .widget-html-content")
            if ARTIFACTS:
                page.screenshot(path=str(Path(ARTIFACTS) / f"hashlib_edu_browser_{stem}.png"))
        except Exception:
            if "page" in locals():
                folder = Path(ARTIFACTS or tempfile.gettempdir())
                page.screenshot(path=str(folder / f"hashlib_edu_browser_{stem}_failure.png"))
                shutil.copy(jupyter_lab["log"], folder / f"hashlib_edu_browser_{stem}.log")
            raise
        finally:
            browser.close()


def _wait_for_redraw(page, image, info, old_src: str, text: str) -> None:
    """Wait until the <img> shows a new PNG and the text line contains ``text``."""
    page.wait_for_function(
        "([el, old]) => el.src !== old && el.naturalWidth > 0",
        arg=[image.element_handle(), old_src],
        timeout=REDRAW_TIMEOUT_MS,
    )
    page.wait_for_function(
        "([el, text]) => el.textContent.includes(text)",
        arg=[info.element_handle(), text],
        timeout=REDRAW_TIMEOUT_MS,
    )


def _slide_to_the_end(jupyter_lab, notebook: str, first: str, last: str) -> str:
    """Open ``notebook``'s explorer, check its text line shows ``first``, press End on its slider,
    wait for the new figure and a text line showing ``last``; returns the slider's readout."""
    with _running_explorer(jupyter_lab, notebook) as (page, image, info):
        before = image.get_attribute("src")
        assert first in info.inner_text()
        handle = page.locator(".hashlib-edu-explorer .noUi-handle")
        handle.focus()
        handle.press("End")
        _wait_for_redraw(page, image, info, before, last)
        return page.locator(".hashlib-edu-explorer .widget-readout").inner_text().strip()


def test_sign_explorer_renders_and_responds_in_jupyterlab(jupyter_lab):
    # beta -> the maximum, 100
    assert _slide_to_the_end(jupyter_lab, "explorer.ipynb", "β = 1", "β = 100") == "100"


def test_imbalance_explorer_renders_and_responds_in_jupyterlab(jupyter_lab):
    first, last = (
        "p = 1% similar pairs: w = 100 (similar)",
        "p = 50% similar pairs: w = 2 (similar)",
    )
    assert _slide_to_the_end(jupyter_lab, "imbalance.ipynb", first, last) == "50.00%"


def test_code_motion_explorer_renders_and_responds_in_jupyterlab(jupyter_lab):
    # the last snapshot (index 4) is step 40
    assert _slide_to_the_end(jupyter_lab, "motion.ipynb", "step 0 ·", "step 40 ·") == "4"


def test_tie_explorer_renders_and_responds_in_jupyterlab(jupyter_lab):
    from hashlib_edu.ties import tie_ranking

    worst = tie_ranking("relevant last")["ap"]
    with _running_explorer(jupyter_lab, "ties.ipynb") as (page, image, info):
        before = image.get_attribute("src")
        assert info.inner_text().startswith("database index order: AP = ")
        dropdown = page.locator(".hashlib-edu-explorer select")
        dropdown.select_option(label="relevant last (worst)")
        _wait_for_redraw(page, image, info, before, f"relevant last: AP = {worst:.3f}")
        selected = dropdown.evaluate("el => el.options[el.selectedIndex].text")
        assert selected.replace("\xa0", " ") == "relevant last (worst)"  # ipywidgets uses nbsp
        assert f"worst {worst:.3f}" in info.inner_text()


def test_notebook_opens_as_live_slides(jupyter_lab):
    from playwright.sync_api import sync_playwright

    cells = json.loads(SLIDES_NOTEBOOK.read_text())["cells"]
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type") for c in cells]
    expected = kinds.count("slide")
    assert expected >= 5  # every section heading starts a slide
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(
                jupyter_lab["slides"], wait_until="domcontentloaded", timeout=WIDGET_TIMEOUT_MS
            )
            page.wait_for_selector(".reveal .slides > section", timeout=WIDGET_TIMEOUT_MS)
            shown = page.locator(".reveal .slides > section").count()
            assert shown == expected, f"{shown} slides for {expected} slide cells"
            title = page.locator(".reveal .slides > section").first.inner_text()
            assert "One set of codes, seven mAPs" in title
            if ARTIFACTS:
                page.screenshot(path=str(Path(ARTIFACTS) / "hashlib_edu_browser_slides.png"))
        except Exception:
            if "page" in locals():
                folder = Path(ARTIFACTS or tempfile.gettempdir())
                page.screenshot(path=str(folder / "hashlib_edu_browser_slides_failure.png"))
                shutil.copy(jupyter_lab["log"], folder / "hashlib_edu_browser_slides.log")
            raise
        finally:
            browser.close()
