"""A real course hub for tests/test_hub.py: started with hub/hubctl.py, removed (accounts too) afterwards."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HUBCTL = [sys.executable, str(REPO / "hub" / "hubctl.py")]
ARTIFACTS = REPO / "tests" / "artifacts"
PASSWORD = "test-password"


def missing_tools() -> list[str]:
    """What the hub test needs from outside Python; tests/install_hub_deps.sh installs it."""
    need = []
    if not Path("/usr/bin/chromium").exists():
        need.append("Debian's chromium (apt-get install chromium)")
    if not (REPO / "hub" / "node" / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        need.append("configurable-http-proxy (npm install --prefix hub/node configurable-http-proxy@5.3.0)")
    if os.geteuid() != 0:
        need.append("root (the hub makes system accounts)")
    if not shutil.which("bwrap"):
        need.append("bubblewrap, the grading sandbox (apt-get install bubblewrap)")
    if not shutil.which("patchelf"):
        need.append("patchelf, to copy this Python for the accounts (apt-get install patchelf)")
    return need


class Hub:
    def __init__(self, root: Path, port: int, prefix: str):
        self.root, self.port, self.prefix = Path(root), port, prefix
        self.env = dict(os.environ, HUB_ROOT=str(root), HUB_PORT=str(port), HUB_PREFIX=prefix)
        self.url = f"http://127.0.0.1:{port}"

    @property
    def state(self) -> dict:
        return json.loads((self.root / "state" / "hub.json").read_text())

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    def user(self, short: str) -> str:
        return self.prefix + short

    def make(self, target: str, *args: str, check=True):
        """`make hub` / `make hub-stop` as an admin runs them (HUB_ARGS: hubctl's options)."""
        return subprocess.run(["make", "--no-print-directory", "-C", str(REPO), target,
                               f"HUB_ARGS={' '.join(args)}"], env=self.env, check=check, capture_output=True,
                              text=True, timeout=900)

    def ctl(self, *args, check=True):
        return subprocess.run([*HUBCTL, *args], env=self.env, check=check, capture_output=True, text=True,
                              timeout=600)

    def as_user(self, user: str, *cmd, check=False, timeout=600):
        """A command run as a hub account, in its home (what a terminal on its server would do)."""
        home = Path(os.path.expanduser(f"~{user}"))
        env = {"PATH": f"{self.root / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(home), "USER": user,
               "JUPYTER_CONFIG_PATH": f"{self.root / 'etc' / 'student'}:{REPO / '.venv' / 'etc' / 'jupyter'}"}
        return subprocess.run(["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], *cmd],
                              cwd=home if home.is_dir() else "/", capture_output=True, text=True, check=check,
                              timeout=timeout)

    def course(self, *args, timeout=1800):
        """`course ...` as the course account, as a TA runs it in the formgrader's terminal."""
        grader = self.state["grader"]
        env = {"PATH": f"{self.root / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(self.root / "home" / grader)}
        return subprocess.run(["runuser", "-u", grader, "--", "env", *[f"{k}={v}" for k, v in env.items()],
                               str(self.root / "venv" / "bin" / "python"), "-m", "mlprereq.cli", "--course",
                               str(self.course_dir), *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.course_dir)


@contextmanager
def running_hub(root: Path, port: int, prefix: str, students: int, deadline: str):
    hub = Hub(root, port, prefix)
    try:
        out = hub.make("hub", "--students", str(students), "--password", PASSWORD, "--deadline", deadline,
                       check=False)
        if out.returncode:
            log = root / "state" / "jupyterhub.log"
            raise RuntimeError(f"hub start failed:\n{out.stdout}\n{out.stderr}\n"
                               + (log.read_text()[-3000:] if log.exists() else ""))
        hub.start_output = out.stdout
        yield hub
    finally:
        log = root / "state" / "jupyterhub.log"
        if log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, ARTIFACTS / "hub-jupyterhub.log")
        hub.ctl("stop", "--purge", check=False)


# ---------------------------------------------------------------- Playwright, shared with test_student_browser.py
CHROMIUM = Path("/usr/bin/chromium")  # Debian's (make system-deps); playwright cannot download browsers here


def launch_chromium(playwright):
    """Headless Debian Chromium, or a failure that says how to install it."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)"
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)


@contextmanager
def headless_chromium():
    """A running headless Chromium (closed afterwards), for a test module's ``browser`` fixture."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def screenshot_on_failure(page, name: str):
    """Keep a screenshot and the page text of a step that fails, in tests/artifacts/, and say so."""
    try:
        yield
    except BaseException as err:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.txt").write_text(page.inner_text("body"))
        except Exception:  # the page itself is gone: the original error says why
            pass
        print(f"screenshot of the failed step: {ARTIFACTS / name}.png")  # pytest shows it with the failure
        if isinstance(err, AssertionError):
            err.args = (f"{err.args[0] if err.args else ''}\n(screenshot: {ARTIFACTS / name}.png)",)
        raise
