"""JupyterLab as a student has it, and a notebook page in it driven as a student would (Playwright).

Used by tests/test_student_browser.py and bench/browser_setup.py.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import colab_setup
from hub_helpers import ARTIFACTS, REPO, screenshot_on_failure

KERNEL_NAME = "Python 3 (ml-prereqs)"  # as `make setup` installs it


# ---------------------------------------------------------------- the server and the browser
def free_port(ports) -> int:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1} for JupyterLab")


def student_copy(dest: Path) -> Path:
    """release/ and what the notebooks need from the repository, as a student's folder holds them."""
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "MNIST")
    shutil.copytree(REPO / "release", dest / "release", ignore=ignore)
    for part in colab_setup.ARCHIVE_PARTS:
        src = REPO / part.rstrip("/")
        if src.is_dir():
            shutil.copytree(src, dest / part.rstrip("/"), ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


class Lab:
    """`jupyter lab` serving ``folder`` on 127.0.0.1, with a token; stop() ends it and its kernels."""

    def __init__(self, folder: Path, ports: range):
        self.folder, self.port, self.token = folder, free_port(ports), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder.parent / "jupyterlab.log"
        # Fresh Jupyter config/data dirs: no trust database or settings from this machine's account.
        home = folder.parent / "jupyter-home"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "NBGRADER", "JUPYTER"))}
        env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--port-retries=0", "--allow-root", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={folder}"]
        self.proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()  # jupyter-server shuts its kernels down on SIGTERM
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.log, ARTIFACTS / "student-jupyterlab.log")


# ---------------------------------------------------------------- what a student does in the page
class Notebook:
    """One notebook open in its own browser page."""

    def __init__(self, browser, lab: Lab, path: Path):
        self.path, self.name = path, path.stem
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.set_default_timeout(60_000)
        with self.step("open"):
            self.page.goto(f"{lab.url}/lab/tree/{path.as_posix()}?reset&token={lab.token}")  # reset: only this tab
            self.page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell", timeout=120_000)
            self.wait_idle(timeout=120_000)

    def step(self, what: str):
        return screenshot_on_failure(self.page, f"student-{self.name}-{what}")

    @property
    def cells(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def wait_idle(self, timeout: float = 120_000) -> None:
        """The kernel is connected and idle: the status bar reads "<kernel> | Idle" (before it connects, the
        toolbar's execution indicator already says idle)."""
        self.page.wait_for_function(
            "() => { const bar = document.querySelector('#jp-main-statusbar');"
            " const dot = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
            " return bar && /\\| Idle/.test(bar.innerText) && dot && dot.dataset.status === 'idle'; }",
            timeout=timeout)

    def tab_classes(self) -> str:
        return self.page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").get_attribute("class")

    def trust_title(self) -> str:
        item = self.page.locator("#jp-main-statusbar [title*='code cells trusted']")
        item.wait_for()
        return item.get_attribute("title")

    def code_cell(self, text: str):
        """The code cell whose source contains ``text``."""
        cell = self.cells.filter(has=self.page.locator(".jp-InputArea", has_text=text))
        # JupyterLab renders a cell's code once it has been scrolled into view: scroll down page by page.
        scroller = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
        for _ in range(400):
            if cell.count():
                break
            at_end = scroller.evaluate(
                "el => { const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;"
                " el.scrollTop = end ? 0 : el.scrollTop + el.clientHeight * 0.9; return end; }")
            self.page.wait_for_timeout(100 if not at_end else 300)
        assert cell.count() == 1, f"{cell.count()} cells contain {text!r}"
        cell.scroll_into_view_if_needed()
        return cell

    def prompt(self, cell) -> str:
        """The cell's execution prompt, "[ ]:", "[*]:" or "[n]:"."""
        return cell.locator(".jp-InputArea-prompt").first.text_content()

    def run_setup_cell(self) -> str:
        """Select the setup cell (clicking its output, as its code is collapsed) and click the toolbar's Run.

        A collapsed cell shows no execution count: the run is over when new output replaces the old and
        the kernel is idle.
        """
        setup = self.cells.first
        old = setup.locator(".jp-OutputArea-output")
        if old.count():
            old.first.click()
            old.evaluate_all("outputs => outputs.forEach(o => o.dataset.old = 'yes')")
        self.page.click(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command='notebook:run-cell-and-select-next']")
        setup.locator(".jp-OutputArea-output:not([data-old])").first.wait_for(timeout=180_000)
        self.wait_idle()
        return "\n".join(setup.locator(".jp-OutputArea-output").all_inner_texts())

    def wait_for_run(self, cell, before: str, timeout: float = 120_000) -> str:
        """Wait until ``cell`` shows a new execution count and the kernel is idle; returns its output text."""
        self.page.wait_for_function(
            "([cell, before]) => { const p = cell.querySelector('.jp-InputArea-prompt');"
            " return p && /\\[\\d+\\]/.test(p.textContent) && p.textContent !== before; }",
            arg=[cell.element_handle(), before], timeout=timeout)
        self.wait_idle()
        return "\n".join(cell.locator(".jp-OutputArea-output").all_inner_texts())

    def run(self, cell) -> str:
        """Click into a code cell and run it with Shift+Enter."""
        before = self.prompt(cell)
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        return self.wait_for_run(cell, before)

    def type_into(self, cell, code: str) -> None:
        """Replace a cell's code as typed (inserted whole, so the editor's auto-indent does not re-indent it)."""
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(code)

    def answer(self, marker: str, code: str):
        """Type ``code`` into the exercise cell containing ``marker`` and run it (Shift+Enter); returns the cell."""
        cell = self.code_cell(marker)
        self.type_into(cell, code)
        self.page.keyboard.press("Shift+Enter")
        self.wait_for_run(cell, "[ ]:")
        return cell

    def errors(self, cell) -> list[str]:
        return cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()

    def image_bytes(self, image) -> bytes:
        """The bytes the page shows in an <img> (ipywidgets' Image uses a blob: URL)."""
        data = self.page.evaluate(
            "async img => Array.from(new Uint8Array(await (await fetch(img.src)).arrayBuffer()))",
            image.element_handle())
        return bytes(data)

    def close(self):
        self.page.close()


