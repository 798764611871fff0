"""The explorer renders and responds in a real JupyterLab, driven by headless Chromium.

Starts JupyterLab on 127.0.0.1 (free port, token, temp root / runtime / data / settings dirs, a
kernelspec pointing at this interpreter), opens a notebook that shows
``sign_approximation_explorer()``, runs it, moves the beta slider with the keyboard and checks
that the figure (the widget's <img>) changes.

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
from hashlib_edu.widgets import sign_approximation_explorer

explorer = sign_approximation_explorer()
explorer"""


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


def _write_notebook(path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "hashlib-edu test",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nprint('KERNEL-PYTHON', sys.executable)"),
        nbformat.v4.new_code_cell(EXPLORER_CELL),
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
    """A JupyterLab server on 127.0.0.1 serving a notebook with the explorer; yields its URL."""
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
    _write_notebook(root / "explorer.ipynb")
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
        yield {"url": f"{base_url}lab/tree/explorer.ipynb?token={TOKEN}", "log": log}
    finally:
        _stop_server(process, base_url)


def test_sign_explorer_renders_and_responds_in_jupyterlab(jupyter_lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(jupyter_lab["url"], wait_until="domcontentloaded", timeout=WIDGET_TIMEOUT_MS)
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
            before = image.get_attribute("src")
            kernel_line = page.locator(".jp-OutputArea-output", has_text="KERNEL-PYTHON")
            assert sys.executable in kernel_line.inner_text()
            info = page.locator(".hashlib-edu-explorer .widget-html-content")
            assert "β = 1" in info.inner_text()

            handle = page.locator(".hashlib-edu-explorer .noUi-handle")
            handle.focus()
            handle.press("End")  # beta -> the maximum, 100

            page.wait_for_function(
                "([el, old]) => el.src !== old && el.naturalWidth > 0",
                arg=[image.element_handle(), before],
                timeout=REDRAW_TIMEOUT_MS,
            )
            page.wait_for_function(
                "el => el.textContent.includes('β = 100')",
                arg=info.element_handle(),
                timeout=REDRAW_TIMEOUT_MS,
            )
            readout = page.locator(".hashlib-edu-explorer .widget-readout")
            assert readout.inner_text().strip() == "100"
            if ARTIFACTS:
                page.screenshot(path=str(Path(ARTIFACTS) / "hashlib_edu_browser.png"))
        except Exception:
            if "page" in locals():
                folder = Path(ARTIFACTS or tempfile.gettempdir())
                page.screenshot(path=str(folder / "hashlib_edu_browser_failure.png"))
                shutil.copy(jupyter_lab["log"], folder / "hashlib_edu_browser_jupyterlab.log")
            raise
        finally:
            browser.close()
