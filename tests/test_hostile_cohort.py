"""The hostile cohort (tests/hostile/build.py), graded in one batch: every student gets its stated outcome.

One `course grade` run over ~30 submissions: broken files, Colab and LMS names,
tampered cells, stderr noise, runaway code (loops, memory, fork bomb, output
flood), attempts to reach the network and the course's private files, and
monkeypatched test helpers. The normal students in the same batch must come out
exactly as alone, the machine must be left as it was, and the report and the
feedback must say what happened without giving anything away.
"""
import csv
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from hostile.build import ASSIGNMENT, NORMAL, build_cohort
from mlprereq.cli import main as course
from mlprereq.grading import report
from mlprereq.grading.status import load_status
from mlprereq.grading.sandbox import bwrap_works
from mlprereq.nbgrader_api import make_api

pytestmark = pytest.mark.slow

SETTINGS = {"COURSE_CELL_TIMEOUT": "8", "COURSE_KERNEL_MEMORY_MB": "2048", "COURSE_NOTEBOOK_DEADLINE": "150",
            "COURSE_CELL_OUTPUT_BYTES": "200000"}


class Listener:
    """A TCP server on 127.0.0.1 that records every connection (none may arrive from a sandboxed kernel)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.connections.append(addr)
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def sandbox_processes(private_root: Path) -> list:
    """Processes of this cohort's grading kernels still alive (their command line names their private folder)."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if str(private_root) in cmd:
            found.append((p.pid, cmd[:120]))
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bwrap_works():
        pytest.fail("bubblewrap is not available: the hostile cohort needs the sandbox and never skips "
                    "(`make test` installs it as root; else: sudo apt-get install -y bubblewrap)")
    private_root = Path(tempfile.mkdtemp(prefix="mlh-", dir="/tmp"))  # the kernels' private folders go here
    settings = {**SETTINGS, "COURSE_SANDBOX_TMPDIR": str(private_root)}
    old_env = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    listener = Listener()
    try:
        course_dir, expected = build_cohort(tmp_path_factory.mktemp("hostile") / "course", port=listener.port)
        start = time.monotonic()
        code = course(["--course", str(course_dir), "grade", ASSIGNMENT, "--quiet",
                       "--roster", str(course_dir / "roster.csv"), "--zip", str(course_dir / "lms_download.zip")])
        seconds = time.monotonic() - start
        assert course(["--course", str(course_dir), "report", ASSIGNMENT]) == 0
        time.sleep(1)
        leftovers = {"processes": sandbox_processes(private_root), "private_dirs": sorted(private_root.iterdir())}
        shutil.rmtree(private_root, ignore_errors=True)
    finally:
        listener.close()
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"course": course_dir, "expected": expected, "code": code, "seconds": seconds,
            "listener": listener, "leftovers": leftovers}


def rows(course_dir):
    with open(course_dir / "grades.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def cell_scores(course_dir, students):
    with make_api(course_dir).gradebook as gb:
        return {s: report.cell_scores(gb, ASSIGNMENT, s) for s in students}


def test_the_batch_finishes(graded):
    assert graded["code"] == 0


def test_every_student_gets_the_stated_outcome(graded):
    course_dir, expected = graded["course"], graded["expected"]
    outcomes = load_status(course_dir, ASSIGNMENT)
    got_cells = cell_scores(course_dir, [s for s, e in expected.items() if e.status == "graded"])
    wrong = {}
    for student, exp in expected.items():
        o = outcomes.get(student)
        problems = []
        if o is None or o.status != exp.status:
            problems.append(f"status {o and o.status!r}, expected {exp.status!r} ({o and o.reason})")
        elif exp.status == "graded" and got_cells[student] != exp.cells:
            problems.append(f"cells {got_cells[student]}, expected {exp.cells} ({o.reason}; {o.flags})")
        if o is not None and exp.reason and exp.reason not in o.reason:
            problems.append(f"reason {o.reason!r} lacks {exp.reason!r}")
        for needle in exp.flags:
            if o is None or not any(needle in f for f in o.flags):
                problems.append(f"no flag mentions {needle!r}: {o and o.flags}")
        if problems:
            wrong[student] = problems
    assert wrong == {}


def test_normal_students_are_graded_as_if_alone(graded):
    course_dir, expected = graded["course"], graded["expected"]
    outcomes = load_status(course_dir, ASSIGNMENT)
    for student in NORMAL:
        o = outcomes[student]
        assert o.flags == [], (student, o.flags)
        assert o.reason == expected[student].reason, (student, o.reason)


def test_monkeypatching_and_escapes_are_flagged_and_nothing_else(graded):
    course_dir, expected = graded["course"], graded["expected"]
    flagged = {s for s, o in load_status(course_dir, ASSIGNMENT).items() if o.flags}
    must = {s for s, e in expected.items() if e.flags}
    assert must <= flagged
    # Flags are for code that tries something: a student who only broke a file or a cell is not flagged.
    clean = {"full", "partial", "blank", "absent", "corrupt-json", "colab", "copyof", "lmsname", "missing", "empty",
             "deleted-tests", "duplicated", "type-changed", "noisy", "edited-test"}
    assert not (flagged & clean), flagged & clean


def test_wrong_answers_behind_a_monkeypatch_earn_nothing(graded):
    course_dir, expected = graded["course"], graded["expected"]
    patched = [s for s in expected if s.startswith("patch-")]
    got = cell_scores(course_dir, patched)
    for student in patched:
        lost = {gid for gid, pts in expected[student].cells.items() if pts == 0}
        assert lost and all(got[student][gid] == 0 for gid in lost), student


def test_nothing_reached_the_network_or_the_course_files(graded):
    course_dir, expected = graded["course"], graded["expected"]
    assert graded["listener"].connections == []
    for exp in expected.values():
        for rel in exp.files_absent:
            assert not (course_dir / rel).exists(), rel
    assert (course_dir / "grades.csv").read_text().startswith("student_id,")  # not overwritten by the student


def test_the_machine_is_left_as_it_was(graded):
    assert graded["leftovers"]["processes"] == []
    assert graded["leftovers"]["private_dirs"] == []


def test_every_roster_student_has_a_row_with_a_score_or_a_reason(graded):
    course_dir, expected = graded["course"], graded["expected"]
    table = rows(course_dir)
    assert set(table) == set(expected)
    for student, row in table.items():
        assert row["status"] == expected[student].status, student
        assert float(row["score"]) == expected[student].score, student
        if float(row["score"]) == 0 and row["status"] != "graded":
            assert row["reason"], student


def test_the_flag_report_lists_each_flagged_submission_and_why(graded):
    course_dir = graded["course"]
    outcomes = load_status(course_dir, ASSIGNMENT)
    out = course_dir / "reports" / ASSIGNMENT
    with open(out / "flagged.csv", newline="") as f:
        listed = {}
        for r in csv.DictReader(f):
            listed.setdefault(r["student_id"], []).append(r["flag"])
    assert listed == {s: o.flags for s, o in outcomes.items() if o.flags}
    page = (out / "index.html").read_text()
    for student in listed:
        assert f"<b>{student}</b>" in page
    assert "torch.allclose" in page


def test_feedback_shows_no_hidden_test_and_no_solution(graded):
    course_dir = graded["course"]
    master = (course_dir / "source" / ASSIGNMENT / "guarded.ipynb").read_text()
    hidden_lines = ["[[1.5, -3.0]]", "[[5.0, -1.0]]", "[0.5, 0, -1, 7, 8]", "BEGIN HIDDEN TESTS"]
    assert all(h in master for h in hidden_lines)  # the needles are really in the answer key
    pages = sorted((course_dir / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= 20
    for page in pages:
        text = page.read_text()
        for h in hidden_lines + ["BEGIN SOLUTION", "mlprereq_grading_guard"]:
            assert h not in text, (page, h)
    blank = (course_dir / "feedback" / "blank" / ASSIGNMENT / "guarded.html").read_text()
    for solution_line in ("return 2 * x", "return a / 2", "sum(1 for v in values if v &gt; 0)"):
        assert solution_line not in blank
    # Hidden tests appear by name, points and a one-line result.
    assert "Hidden test &#x27;double__hidden&#x27; (2 points)" in blank or "Hidden test 'double__hidden' (2 points)" in blank
    assert "hidden test double__hidden: failed: NotImplementedError" in blank
    full = (course_dir / "feedback" / "full" / ASSIGNMENT / "guarded.html").read_text()
    assert "hidden test halve__hidden: passed" in full


def test_visible_failures_keep_their_messages(graded):
    page = (graded["course"] / "feedback" / "edited-test" / ASSIGNMENT / "guarded.html").read_text()
    assert "Value mismatch" in page  # mlprereq.checks' message for the wrong double


def test_run_records_time_every_cell(graded):
    record = json.loads((graded["course"] / "grading_status" / ASSIGNMENT / "runs" / "full" / "guarded.json").read_text())
    assert record["sandbox"] == "bwrap"
    assert {c["grade_id"] for c in record["cells"] if c["test"]} == {
        "double__visible", "double__hidden", "halve__visible", "halve__hidden",
        "count_positive__visible", "count_positive__hidden"}
