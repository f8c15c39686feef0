"""A cohort on a real JupyterHub (hub/): logins in headless Chromium, the exchange, the formgrader, feedback.

One hub for the whole module (tests run in file order): accounts mlpt-*, 127.0.0.1:8741-8745,
everything removed afterwards. Screenshots of a failed step go to tests/artifacts/.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from hub_helpers import ARTIFACTS, PASSWORD, REPO, headless_chromium, missing_tools, running_hub, screenshot_on_failure
from mlprereq.grading import status

pytestmark = pytest.mark.slow
A = "03_einops"
NB = "einops_einsum.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    need = missing_tools()
    assert not need, "the hub test needs: " + "; ".join(need) + " (tests/install_hub_deps.sh installs them)"
    root = Path(tempfile.mkdtemp(prefix="mlpt-hub-", dir="/tmp"))  # students must reach their homes in it
    os.chmod(root, 0o755)
    # A deadline in the past: every submission here is late and must be marked so.
    with running_hub(root, 8741, "mlpt-", students=2, deadline="2026-01-01T00:00:00+00:00") as h:
        yield h


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


def step(page, name: str):
    """Keep a screenshot (and the page text) of a step that fails, as tests/artifacts/hub-<name>.png."""
    return screenshot_on_failure(page, f"hub-{name}")


def login(browser, hub, user: str, then: str = "**/lab**"):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(60_000)
    with step(page, f"login-{user}"):
        page.goto(hub.url + "/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")
        page.wait_for_url(then, timeout=180_000)
    return page


def open_assignments(page):
    page.wait_for_selector("text=Nbgrader", timeout=120_000)
    page.click("text=Nbgrader")
    page.click("text=Assignment List")
    page.wait_for_selector("#released_assignments_list .list_item, #fetched_assignments_list .list_item",
                           timeout=60_000)


def validate(page, expect: str):
    """Validate in the Assignments tab (the notebook's button under the fetched assignment), as a student does."""
    page.click("#fetched_assignments_list a.assignment-notebooks-link:has-text('03_einops')")
    page.click("#fetched_assignments_list button:has-text('Validate')")
    page.wait_for_selector(f"#fetched_assignments_list button.{expect}:has-text('Validate')", timeout=180_000)
    for _ in range(2):  # nbgrader shows the result in a dialog too
        if page.locator(".jp-Dialog").count():
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)


def solved_notebook() -> str:
    """The release notebook with every exercise solved (from the master), as a student would have it."""
    from mlprereq import notebooks

    master = nbformat.read(REPO / "source" / A / NB, as_version=4)
    release = nbformat.read(REPO / "release" / A / NB, as_version=4)
    return nbformat.writes(notebooks.fill_solutions(release, master, set(notebooks.exercises(master))))


def test_make_hub_starts_everything_and_prints_logins(hub):
    from mlprereq.exchange import check_gradebook

    out = hub.start_output
    assert f"The hub is up at {hub.url}/" in out and f"password for all: {PASSWORD}" in out, out
    for role, short in [("instructor", "instructor"), ("TA", "ta"), ("student", "ada"), ("student", "grace")]:
        assert f"{role} " in out and hub.user(short) in out, out
    assert f"{hub.url}/services/ml-prereqs/formgrader" in out
    with urllib.request.urlopen(f"{hub.url}/hub/api", timeout=10) as r:
        assert r.status == 200
    check_gradebook(hub.state["db_url"])  # PostgreSQL answers
    assert (hub.root / "exchange" / "ml-prereqs" / "outbound" / A / NB).is_file()  # 03_einops is released


def test_students_see_only_the_assignments_tab(hub, browser):
    page = login(browser, hub, hub.user("ada"))
    with step(page, "menu"):
        page.wait_for_selector("text=Nbgrader", timeout=120_000)
        page.click("text=Nbgrader")
        menu = page.inner_text(".lm-Menu")
        assert "Assignment List" in menu
        assert "Formgrader" not in menu and "Create" not in menu
        # The server extension is off too, not just the menu entry.
        response = page.request.get(f"{hub.url}/user/{hub.user('ada')}/formgrader")
        assert response.status == 404
    page.close()


def test_student_fetches_and_submits_twice_in_the_browser(hub, browser):
    ada = hub.user("ada")
    page = login(browser, hub, ada)
    with step(page, "fetch"):
        open_assignments(page)
        page.click("#released_assignments_list .list_item button:has-text('Fetch')")
        page.wait_for_selector("#fetched_assignments_list .list_item:has-text('03_einops')")
    home = Path(os.path.expanduser(f"~{ada}"))
    assert (home / A / NB).is_file()
    with step(page, "validate-blank"):
        validate(page, expect="btn-danger")  # the blank release fails its tests
    with step(page, "submit-first"):
        page.click("#fetched_assignments_list .list_item button:has-text('Submit')")
        page.wait_for_selector("#submitted_assignments_list .list_item:has-text('03_einops')")
    # Work on the notebook (as ada, in her home), validate it, then submit again: the last one counts.
    (home / A / NB).write_text(solved_notebook())
    subprocess.run(["chown", f"{ada}:{ada}", str(home / A / NB)], check=True)
    with step(page, "edit"):
        page.goto(f"{hub.url}/user/{ada}/lab/tree/{A}/{NB}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.locator(".jp-MarkdownCell").first.click()
        page.keyboard.press("b")  # a new code cell below, typed into and saved, as a student works
        page.keyboard.press("Enter")
        page.keyboard.type("# my notes: einsum reads like the maths")
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        page.wait_for_timeout(2000)
        # No Create Assignment panel beside a student's notebook (the labextension is disabled).
        assert page.locator("#nbgrader-create_assignemnt").count() == 0
    edited = nbformat.read(home / A / NB, as_version=4)
    assert any("my notes" in c.source for c in edited.cells)
    with step(page, "validate-submit-second"):
        page.goto(f"{hub.url}/user/{ada}/lab")
        open_assignments(page)
        validate(page, expect="btn-success")
        page.click("#fetched_assignments_list .list_item button:has-text('Submit')")
        page.wait_for_function(
            "document.querySelector('#submitted_assignments_list').innerText.split(' UTC').length >= 3",
            timeout=60_000)
    inbound = hub.root / "exchange" / "ml-prereqs" / "inbound"
    assert len([p for p in os.listdir(inbound) if p.startswith(ada + "+")]) == 2
    page.close()


def test_second_student_cannot_read_the_first_or_the_inbound(hub):
    ada, grace = hub.user("ada"), hub.user("grace")
    assert hub.as_user(grace, "nbgrader", "fetch_assignment", A).returncode == 0
    assert hub.as_user(grace, "nbgrader", "submit", A).returncode == 0
    ada_home = Path(os.path.expanduser(f"~{ada}"))
    denied = hub.as_user(grace, "cat", str(ada_home / A / NB))
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    inbound = hub.root / "exchange" / "ml-prereqs" / "inbound"
    listing = hub.as_user(grace, "ls", str(inbound))
    assert listing.returncode != 0 and "Permission denied" in listing.stderr
    # Neither the answer key nor the gradebook: its password (course config, hub state) or PostgreSQL's files.
    state = hub.root / "state"
    for secret in (hub.course_dir / "source", hub.course_dir / "nbgrader_config.py", REPO / "source",
                   state / "db_password", state / "hub.json", state / "jupyterhub.sqlite", hub.root / "pg"):
        assert hub.as_user(grace, "ls", str(secret)).returncode != 0, f"a student can read {secret}"
        assert hub.as_user(grace, "cat", str(secret)).returncode != 0, f"a student can read {secret}"


def test_submitting_an_unreleased_assignment_is_refused(hub):
    ada = hub.user("ada")
    home = Path(os.path.expanduser(f"~{ada}"))
    work = home / "99_never"
    work.mkdir()
    (work / "mine.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    subprocess.run(["chown", "-R", f"{ada}:{ada}", str(work)], check=True)
    out = hub.as_user(ada, "nbgrader", "submit", "99_never")
    assert out.returncode != 0
    assert "Assignment not found" in out.stdout + out.stderr
    assert (work / "mine.ipynb").is_file()  # the student's work stays where it was


def test_wrong_exchange_permissions_and_database_down_are_explained(hub):
    exchange = hub.root / "exchange"
    os.chmod(exchange, 0o755)
    try:
        for command in (("hub-release", A), ("collect", A, "--exchange")):
            out = hub.course(*command)
            assert out.returncode == 1 and "chmod 1777" in out.stderr, out.stderr
        assert not (hub.course_dir / "submitted").exists()  # nothing half-collected
    finally:
        os.chmod(exchange, 0o1777)
    pg = hub.state["pg_data"]
    pg_ctl = shutil.which("pg_ctl") or str(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1])
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", pg, "-m", "fast", "-w", "stop"], check=True,
                   capture_output=True)
    try:
        out = hub.course("collect", A, "--exchange")
        assert out.returncode == 1 and "does not answer" in out.stderr and "make hub" in out.stderr, out.stderr
        assert not (hub.course_dir / "submitted").exists()  # nothing half-collected
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", pg, "-l", f"{pg}/server.log", "-w",
                        "-o", f"-p {hub.port + 4} -k {pg} -c listen_addresses=127.0.0.1", "start"], check=True,
                       capture_output=True)


def test_collect_grade_formgrader_feedback(hub, browser):
    ada, grace = hub.user("ada"), hub.user("grace")
    out = hub.course("collect", A, "--exchange")
    assert out.returncode == 0, out.stderr
    assert f"{ada}: submitted" in out.stdout and "marked late" in out.stdout
    out = hub.course("grade", A, "--workers", "2", "--quiet")
    assert out.returncode == 0, out.stdout + out.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(open(hub.course_dir / "grades.csv"))}
    # the last (solved) submission counted
    assert float(rows[ada]["score"]) == float(rows[ada]["max_score"]) > 0, (rows, out.stdout[-3000:])
    assert float(rows[grace]["score"]) < float(rows[ada]["score"])
    assert "late by" in rows[ada]["flags"] and rows[ada]["first_name"] == "Ada"

    page = login(browser, hub, hub.user("ta"))
    with step(page, "formgrader"):
        page.goto(f"{hub.url}/services/ml-prereqs/formgrader/manage_submissions/{A}")
        page.wait_for_selector("text=Lovelace", timeout=120_000)
        text = page.inner_text("body")
        assert "Lovelace, Ada" in text and "Hopper, Grace" in text
        assert "None, None" not in text
    page.close()
    # A student has no access to the formgrader service.
    page = login(browser, hub, ada)
    with step(page, "student-formgrader"):
        response = page.request.get(f"{hub.url}/services/ml-prereqs/formgrader")
        assert response.status in (403, 404) or "formgrader" not in page.url
    # `course grade` wrote the feedback as the course account, and the kernels ran in the bwrap sandbox.
    assert (hub.course_dir / "feedback" / ada / A / NB.replace(".ipynb", ".html")).is_file(), out.stdout
    records = list((status.folder(hub.course_dir) / A / "runs").glob("*/*.json"))
    assert records and all(json.loads(r.read_text())["sandbox"] == "bwrap" for r in records), records
    out = hub.course("hub-release", A, "--feedback")
    assert out.returncode == 0, out.stderr
    with step(page, "fetch-feedback"):
        page.goto(f"{hub.url}/user/{ada}/lab")
        open_assignments(page)
        page.click("#submitted_assignments_list button:has-text('Fetch Feedback')")
        home = Path(os.path.expanduser(f"~{ada}"))
        for _ in range(60):
            feedback = list(home.glob(f"{A}/feedback/*/*.html"))
            if feedback:
                break
            page.wait_for_timeout(1000)
    if not feedback:
        by_hand = hub.as_user(ada, "nbgrader", "fetch_feedback", A)
        exchange = subprocess.run(["ls", "-lR", str(hub.root / "exchange")], capture_output=True, text=True).stdout
        raise AssertionError(f"no feedback arrived:\n{out.stdout}\n{by_hand.stdout}{by_hand.stderr}\n{exchange}")
    html = feedback[0].read_text()
    master = nbformat.read(REPO / "source" / A / NB, as_version=4)
    hidden = [line for c in master.cells for line in c.source.split("### BEGIN HIDDEN TESTS")[1:]]
    assert hidden, "the master has hidden tests"
    for block in hidden:
        code = block.split("### END HIDDEN TESTS")[0].strip().splitlines()
        for line in code[:3]:
            assert line.strip() not in html or len(line.strip()) < 12, f"hidden test code in feedback: {line}"
    page.close()


def test_student_without_home_gets_a_clear_message(hub, browser):
    grace = hub.user("grace")
    home = Path(os.path.expanduser(f"~{grace}"))
    moved = home.with_name(home.name + ".away")
    subprocess.run(["pkill", "-u", grace, "-f", "jupyterhub.singleuser"], check=False)
    home.rename(moved)
    try:
        page = login(browser, hub, grace, then="**/hub/**")
        with step(page, "no-home"):
            page.wait_for_selector("text=does not exist", timeout=120_000)
            assert "nothing was created" in page.inner_text("body")
        assert not home.exists()
        page.close()
    finally:
        moved.rename(home)


def test_a_failed_step_keeps_its_screenshot(hub, browser):
    shot, text = ARTIFACTS / "hub-selfcheck.png", ARTIFACTS / "hub-selfcheck.txt"
    for kept in (shot, text):
        kept.unlink(missing_ok=True)
    page = browser.new_page()
    page.goto(hub.url + "/hub/login")
    with pytest.raises(AssertionError):
        with step(page, "selfcheck"):
            assert page.locator("#no-such-element").count() == 1
    page.close()
    assert shot.stat().st_size > 1000 and "Password" in text.read_text()
    shot.unlink()
    text.unlink()


def test_make_hub_stop_stops_everything(hub):
    """Last in the file: `make hub-stop` ends the hub, the proxy, every server and PostgreSQL."""
    state = hub.state
    accounts = [*state["students"], state["instructor"], state["ta"], state["grader"]]
    out = hub.make("hub-stop")
    assert "hub stopped" in out.stdout, out.stdout + out.stderr
    def answering() -> list[int]:  # hub, its API, the proxy's API, the formgrader, PostgreSQL
        out = []
        for port in range(hub.port, hub.port + 5):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    out.append(port)
        return out

    for _ in range(20):  # a process told to stop may take a moment to close its socket
        if not answering():
            break
        time.sleep(0.5)
    assert not answering(), f"ports {answering()} still answer after `make hub-stop`"
    for _ in range(20):  # servers get a moment to finish after the hub told them to stop
        left = [a for a in accounts if subprocess.run(["pgrep", "-u", a], capture_output=True).returncode == 0]
        if not left:
            break
        time.sleep(0.5)
    assert not left, f"processes of {left} outlived `make hub-stop`"
    assert not (Path(state["pg_data"]) / "postmaster.pid").exists()
