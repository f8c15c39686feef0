"""Grading a cohort concurrently gives exactly the grades of stock, sequential `nbgrader autograde`,
loses no gradebook write, and survives Ctrl-C, a killed parent and a killed worker."""
import os
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from course_fixture import toy_course
from mlprereq.grading import engines, gradebook, status
from mlprereq.grading.gradebook import prepare_gradebook
from mlprereq.grading.status import Outcome, load_status
from mlprereq.grading.status import needs_grading
from mlprereq.nbgrader_api import make_api
from nbgrader.api import Gradebook, InvalidEntry
from scale_helpers import (
    VENV_BIN, cell_grades, children, cmdline, copy_course, course_cli, nbgrader_export, read_grades_csv,
    scores, sqlite_url, stock_nbgrader_autograde, stress_expected, stress_gradebook, toy_cohort,
)

COHORT = 5  # s01_full s02_partial s03_blank s04_broken s05_full


# --------------------------------------------------------------------------- fast: no notebook is executed


def test_sqlite_url_gets_a_busy_timeout_and_wal(tmp_path):
    db = tmp_path / "gradebook.db"
    url = gradebook.concurrent_db_url(f"sqlite:///{db}")
    assert url == f"sqlite:///{db}?timeout={gradebook.SQLITE_TIMEOUT}"
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert gradebook.concurrent_db_url(url) == url  # idempotent
    assert gradebook.concurrent_db_url(f"sqlite:///{db}?timeout=5").endswith("?timeout=5")  # the course's choice stays
    pg = "postgresql://grader:secret@db.example:5432/gradebook"
    assert gradebook.concurrent_db_url(pg) == pg


def test_sqlite_timeout_reaches_the_driver(tmp_path):
    """pysqlite honours ?timeout= through SQLAlchemy: a writer waits for another's lock, then writes."""
    course = toy_course(tmp_path / "course")
    api = make_api(course)
    prepare_gradebook(api, "toy")
    db = course / "gradebook.db"
    url = gradebook.concurrent_db_url(sqlite_url(course))

    holder = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    release = threading.Timer(2.0, lambda: holder.execute("COMMIT"))
    release.start()
    start = time.perf_counter()
    with Gradebook(url, "ml-prereqs") as gb:
        gb.update_or_create_student("waited")
    assert time.perf_counter() - start >= 1.5  # it waited for the lock...
    with Gradebook(url, "ml-prereqs") as gb:
        assert gb.find_student("waited")  # ...and its write is there

    # Without the timeout the same situation is an error: the test above is not vacuous.
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises((OperationalError, InvalidEntry), match="database is locked"):
            with Gradebook(f"sqlite:///{db}?timeout=0.2", "ml-prereqs") as gb:
                gb.update_or_create_student("impatient")
    finally:
        holder.execute("COMMIT")
        release.join()


def test_concurrent_gradebook_writers_lose_nothing_sqlite(tmp_path):
    """4 processes write 60 submissions' grades into one SQLite gradebook at once; every value arrives."""
    course = toy_course(tmp_path / "course")
    url = gradebook.concurrent_db_url(sqlite_url(course))
    prepare_gradebook(make_api(course, CourseDirectory__db_url=url), "toy")
    assert stress_gradebook(url) == stress_expected()


def test_resume_grades_only_what_has_no_final_outcome_or_changed():
    graded = Outcome("a", "toy", "graded", fingerprint="f1")
    failed = Outcome("a", "toy", "failed", "not a readable notebook", fingerprint="f1")
    assert needs_grading(None, "f1", False, False)  # never graded, or interrupted mid-way
    assert not needs_grading(graded, "f1", True, True)  # done, inputs unchanged
    assert needs_grading(graded, "f2", True, True)  # submission or source changed since
    assert needs_grading(graded, "f1", False, True)  # the gradebook lost it (new database)
    assert needs_grading(graded, "f1", True, False)  # autograded/ was deleted
    assert not needs_grading(failed, "f1", True, False)  # a broken notebook stays broken
    assert needs_grading(Outcome("a", "toy", "not_submitted", fingerprint="f1"), "f1", False, False)


def test_fingerprint_follows_submission_and_source(tmp_path):
    course, _ = toy_cohort(tmp_path / "course", 2)
    before = status.fingerprint(course, "toy", "s01_full")
    assert before == status.fingerprint(course, "toy", "s01_full")
    assert before != status.fingerprint(course, "toy", "s02_partial")
    nb = course / "submitted" / "s01_full" / "toy" / "toy.ipynb"
    nb.write_text(nb.read_text().replace("2 * x", "x + x"))
    assert status.fingerprint(course, "toy", "s01_full") != before
    changed = status.fingerprint(course, "toy", "s01_full")
    (course / "source" / "toy" / "data.csv").write_text("1,2\n")
    assert status.fingerprint(course, "toy", "s01_full") != changed


@pytest.mark.parametrize("cores, workers, threads", [(2, 1, 2), (2, 2, 1), (2, 8, 1), (16, 4, 4)])
def test_kernels_share_the_cores_out(monkeypatch, cores, workers, threads):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert engines.kernel_threads(workers) == threads


def test_longest_submissions_are_handed_out_first(tmp_path):
    def submit(student, size):
        folder = tmp_path / "submitted" / student / "a"
        folder.mkdir(parents=True)
        (folder / "nb.ipynb").write_text("x" * size)

    for student, size in [("blank", 10), ("full", 900), ("half", 400), ("other_full", 900)]:
        submit(student, size)
    students = ["blank", "full", "half", "other_full", "not_submitted"]
    # First grading: bigger submissions (more code and outputs) first; ties keep their order.
    assert engines.longest_first(tmp_path, "a", students, {}) == ["full", "other_full", "half", "blank",
                                                                    "not_submitted"]
    # Once graded, the last grading's time is the better guide.
    timed = {"blank": Outcome("blank", "a", "graded", seconds=30.0),
             "full": Outcome("full", "a", "graded", seconds=5.0),
             "half": Outcome("half", "a", "failed", seconds=99.0)}  # failed early: its time says nothing
    assert engines.longest_first(tmp_path, "a", students, timed)[:2] == ["blank", "full"]


def test_gradebook_is_prepared_once_per_source_even_when_the_course_folder_moves(tmp_path, monkeypatch):
    import shutil

    course = toy_course(tmp_path / "a")
    api = make_api(course)
    db_url = gradebook.concurrent_db_url(api.coursedir.db_url)
    gradebook.prepare_once(make_api(course, CourseDirectory__db_url=db_url), course, "toy", db_url,
                           status.source_fingerprint(course, "toy"))
    moved = tmp_path / "b"
    shutil.copytree(course, moved)
    calls = []
    monkeypatch.setattr(gradebook, "prepare_gradebook", lambda api, assignment: calls.append(assignment))
    moved_url = gradebook.concurrent_db_url(make_api(moved).coursedir.db_url)
    moved_api = make_api(moved, CourseDirectory__db_url=moved_url)
    gradebook.prepare_once(moved_api, moved, "toy", moved_url, status.source_fingerprint(moved, "toy"))
    assert calls == []  # the same gradebook file, the same source: nothing to record again
    (moved / "source" / "toy" / "notes.txt").write_text("changed")
    gradebook.prepare_once(moved_api, moved, "toy", moved_url, status.source_fingerprint(moved, "toy"))
    assert calls == ["toy"]


def test_cli_rejects_zero_workers(tmp_path, capsys):
    from mlprereq.cli import main as course

    with pytest.raises(SystemExit):
        course(["--course", str(tmp_path), "autograde", "toy", "--workers", "0"])
    assert "must be at least 1" in capsys.readouterr().err


# --------------------------------------------------------------------------- slow: grading a cohort


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    """The cohort graded by stock `nbgrader generate_assignment` + `nbgrader autograde`, one after another."""
    course, expected = toy_cohort(tmp_path_factory.mktemp("stock") / "course", COHORT)
    stock_nbgrader_autograde(course, "toy")
    return course, expected


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory):
    """The same cohort graded by `course grade --workers 2`, uninterrupted: the reference of the tests below."""
    course, expected = toy_cohort(tmp_path_factory.mktemp("parallel") / "course", COHORT)
    result = course_cli(course, "grade", "toy", "--workers", "2", "--quiet")
    assert f"{COHORT} submissions graded" in result.stdout
    return course, expected


@pytest.mark.slow
def test_parallel_grades_equal_stock_nbgrader_per_cell(stock, parallel_run):
    (stock_course, expected), (par_course, _) = stock, parallel_run
    stock_grades = cell_grades(sqlite_url(stock_course), "toy")
    par_grades = cell_grades(sqlite_url(par_course), "toy")
    assert par_grades == stock_grades  # every cell: auto score, manual score, needs-manual-grade flag
    assert set(par_grades) == set(expected)  # the broken one too (nbgrader records it, all None)
    graded = {s: e for s, e in expected.items() if "broken" not in s}
    assert {s: scores(par_grades)[s] for s in graded} == graded


@pytest.mark.slow
def test_parallel_grades_csv_equals_stock_nbgrader(stock, parallel_run, tmp_path):
    (stock_course, _), (par_course, _) = stock, parallel_run
    stock_rows = nbgrader_export(sqlite_url(stock_course), tmp_path / "stock.csv")
    par_rows = nbgrader_export(sqlite_url(par_course), tmp_path / "parallel.csv")
    assert par_rows == stock_rows and len(par_rows) == COHORT
    # The course's own grades.csv (what the TA uploads) says the same per student.
    ours = read_grades_csv(par_course / "grades.csv")
    for row in stock_rows:
        mine = ours[row["student_id"]]
        assert float(mine["score"]) == float(row["score"]), row["student_id"]
        assert float(mine["max_score"]) == float(row["max_score"])
    assert ours["s04_broken"]["status"] == "failed"


@pytest.mark.slow
def test_log_has_a_time_per_submission_and_status_names_the_worker(parallel_run):
    course, _ = parallel_run
    log = (course / "grading_status" / "toy.log").read_text()
    for i, kind in enumerate(["full", "partial", "blank", "broken", "full"], start=1):
        student = f"s{i:02d}_{kind}"
        assert f"toy {student}: {'failed' if kind == 'broken' else 'graded'} in " in log, student
    outcomes = load_status(course, "toy")
    assert len({o.worker for o in outcomes.values()}) == 2  # two worker processes shared the cohort
    assert all(o.seconds > 0 and o.fingerprint for o in outcomes.values())


@pytest.mark.slow
def test_rerun_grades_nothing_and_regrading_one_student_touches_no_other(parallel_run, tmp_path):
    course = copy_course(parallel_run[0], tmp_path / "course")
    before = cell_grades(sqlite_url(course), "toy")
    status_before = load_status(course, "toy")
    stamps = {p: p.stat().st_mtime_ns for p in (course / "autograded").rglob("*.ipynb")}

    result = course_cli(course, "autograde", "toy", "--workers", "2")
    assert "0 submissions graded" in result.stdout and f"{COHORT} already graded" in result.stdout
    assert cell_grades(sqlite_url(course), "toy") == before

    # s02_partial resubmits a complete notebook; only s02 is graded again.
    full = (course / "submitted" / "s01_full" / "toy" / "toy.ipynb").read_text()
    (course / "submitted" / "s02_partial" / "toy" / "toy.ipynb").write_text(full)
    result = course_cli(course, "autograde", "toy", "--workers", "2")
    assert "1 submissions graded" in result.stdout
    after = cell_grades(sqlite_url(course), "toy")
    assert after["s02_partial"] == before["s01_full"]
    assert {s: g for s, g in after.items() if s != "s02_partial"} == {s: g for s, g in before.items() if s != "s02_partial"}
    for path, stamp in stamps.items():
        if "s02_partial" not in str(path):
            assert path.stat().st_mtime_ns == stamp, path
    status_after = load_status(course, "toy")
    assert {s: o for s, o in status_after.items() if s != "s02_partial"} == \
           {s: o for s, o in status_before.items() if s != "s02_partial"}

    # An explicit --student regrades that student even though nothing changed.
    result = course_cli(course, "autograde", "toy", "--student", "s03_blank")
    assert "1 submissions graded" in result.stdout
    assert cell_grades(sqlite_url(course), "toy") == after


def wait_for(predicate, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def _as_from_a_terminal() -> None:
    # An ignored or blocked SIGINT is inherited across exec, and Python then never turns Ctrl-C into
    # KeyboardInterrupt: whatever the test process does with SIGINT, give the command the default and an
    # unblocked signal, as a shell in a terminal does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_grading(course):
    return subprocess.Popen([str(VENV_BIN / "course"), "--course", str(course), "autograde", "toy", "--workers", "2",
                             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_as_from_a_terminal)


def pool_workers(pid: int) -> list[int]:
    return [c for c in children(pid) if "spawn_main" in cmdline(c)]


def grading_workers(pid: int) -> list[int]:
    """Pool workers with a kernel (or its sandbox) running under them: in the middle of grading a submission."""
    return [w for w in pool_workers(pid) if children(w)]


def slow_down(course, seconds: float = 4) -> None:
    """Give every readable submission an ungraded cell that sleeps: the run lasts long enough to be cut off
    half-way however fast the machine grades, and no grade changes."""
    import nbformat

    for path in (course / "submitted").glob("*/toy/toy.ipynb"):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - the broken upload stays broken
            continue
        nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
        nbformat.write(nb, path)


def n_outcomes(course) -> int:
    return len(load_status(course, "toy"))


def n_graded(course) -> int:
    """Submissions a kernel has graded so far (a broken upload's outcome comes before any grading starts)."""
    return sum(o.status == "graded" for o in load_status(course, "toy").values())


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "kill -9 of the grading command"])
def test_interrupted_run_then_rerun_gives_the_uninterrupted_grades(how, parallel_run, tmp_path):
    course, _ = toy_cohort(tmp_path / "course", COHORT)
    slow_down(course)
    proc = start_grading(course)
    try:
        workers = wait_for(lambda: pool_workers(proc.pid), 120, "the worker processes")
        # Interrupt right after the first outcome: 3 submissions are still to come (2 of them in flight).
        wait_for(lambda: n_graded(course) >= 1, 600, "a first graded submission", poll=0.05)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the whole process group
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 130, (out, err)
            assert "interrupted" in err and "run the same command again" in err
        else:
            proc.kill()
            proc.communicate(timeout=60)
        # Its worker processes are gone with it: nothing keeps grading behind the next run's back.
        wait_for(lambda: not any(os.path.exists(f"/proc/{w}") and "spawn_main" in cmdline(w) for w in workers),
                 30, "the worker processes to exit")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done = n_outcomes(course)
    assert 1 <= done < COHORT, f"{done} outcomes: the run was not cut off half-way"

    result = course_cli(course, "autograde", "toy", "--workers", "2", "--quiet")
    assert f"{COHORT - done} submissions graded" in result.stdout
    assert cell_grades(sqlite_url(course), "toy") == cell_grades(sqlite_url(parallel_run[0]), "toy")
    assert {s: o.status for s, o in load_status(course, "toy").items()} == \
           {s: o.status for s, o in load_status(parallel_run[0], "toy").items()}


@pytest.mark.slow
def test_killed_worker_is_replaced_and_its_submission_regraded(parallel_run, tmp_path):
    course, _ = toy_cohort(tmp_path / "course", COHORT)
    proc = start_grading(course)
    try:
        victim = wait_for(lambda: grading_workers(proc.pid), 600, "a worker grading a submission")[0]
        os.kill(victim, signal.SIGKILL)
        out, err = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, (out, err)
    assert "a grading process died" in (course / "grading_status" / "toy.log").read_text()
    assert cell_grades(sqlite_url(course), "toy") == cell_grades(sqlite_url(parallel_run[0]), "toy")
    # Running it again changes nothing.
    result = course_cli(course, "autograde", "toy", "--workers", "2", "--quiet")
    assert "0 submissions graded" in result.stdout
    assert cell_grades(sqlite_url(course), "toy") == cell_grades(sqlite_url(parallel_run[0]), "toy")


def test_second_run_on_the_same_assignment_is_refused(tmp_path, capsys):
    from mlprereq.cli import main as course
    from mlprereq.grading.status import run_lock

    with run_lock(tmp_path, "toy"):  # another TA's run, in the middle of grading
        assert course(["--course", str(tmp_path), "autograde", "toy", "--quiet"]) == 2
    assert "another run is grading toy" in capsys.readouterr().err
