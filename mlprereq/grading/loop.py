"""The TA's whole loop: roster, collect, autograde, feedback, grades.csv, score table.

Autograding a cohort (:func:`run_autograde`):

1. the parent records the assignment and every student in the gradebook
   (so no two workers ever race to create the same row), and makes a SQLite
   gradebook safe for concurrent writers (parallel.concurrent_db_url);
2. it picks the submissions to grade: all of them with ``force``; otherwise
   those without a final outcome in ``grading_status/<assignment>.json``, or
   whose submission or source files changed since (a re-run after Ctrl-C or a
   crash finishes the cohort, and grades nothing twice);
3. the submissions are graded in this process (``workers=1``), in N worker
   processes, or on a Dask cluster (``scheduler=``);
4. after each finished submission the parent rewrites the status file
   atomically and logs the time it took.

A submission whose grading was cut short has no outcome, so the next run
grades it again from scratch (nbgrader's ``force``): the final grades are
those of an uninterrupted run.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from sqlalchemy.engine import make_url
from tqdm.auto import tqdm

from ..nbgrader_api import make_api
from . import parallel
from .autograde import STATUS_DIR, Outcome, grade_student, load_status, prepare_gradebook, save_status
from .collect import submitted_students

log = logging.getLogger("mlprereq.grading")
FINAL = ("graded", "failed")


def roster_ids(api) -> list[str]:
    with api.gradebook as gb:
        return [s.id for s in gb.students]


def default_workers() -> int:
    return parallel.cores()


class AlreadyRunning(RuntimeError):
    pass


@dataclass
class GradingRun:
    """What one ``run_autograde`` call did."""
    outcomes: dict[str, Outcome]  # every student's outcome (this run's or a previous run's)
    graded: list[str] = field(default_factory=list)  # graded in this run
    skipped: list[str] = field(default_factory=list)  # final outcome from an earlier run, inputs unchanged
    unfinished: dict[str, str] = field(default_factory=dict)  # student -> why this run has no outcome
    interrupted: bool = False
    seconds: float = 0.0


@contextmanager
def run_lock(root: Path, assignment: str):
    """One grading run per assignment at a time (a second one would fight over the status file)."""
    path = Path(root) / STATUS_DIR / f"{assignment}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another run is grading {assignment} in {root} right now") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def run_log(root: Path, assignment: str):
    """Append this run's log (one line per submission, with its time) to grading_status/<assignment>.log."""
    path = Path(root) / STATUS_DIR / f"{assignment}.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    old_level = log.level
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield path
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        handler.close()


def needs_grading(previous: Outcome | None, fingerprint: str, in_gradebook: bool, autograded: bool) -> bool:
    """Whether a submission must be graded (again) on a resumed run."""
    if previous is None or previous.status not in FINAL or previous.fingerprint != fingerprint:
        return True
    return previous.status == "graded" and not (in_gradebook and autograded)


def run_autograde(root: Path, assignment: str, students: list[str] | None = None, progress: bool = True,
                  workers: int | None = None, scheduler: str | None = None, force: bool = False) -> GradingRun:
    """Autograde the cohort (or ``students``, always regraded); every roster student ends with an Outcome.

    ``workers``: submissions graded at once on this machine (default: the
    number of cores; 1 grades in this process). ``scheduler``: the address of
    a Dask scheduler; its workers grade instead. ``force``: regrade every
    submission, even those already graded from the same files.
    """
    start = time.perf_counter()
    root = Path(root).resolve()
    workers = max(1, workers or default_workers())
    pool = None
    with run_lock(root, assignment), run_log(root, assignment) as log_path:
        try:
            submitted = set(submitted_students(root, assignment))
            outcomes = load_status(root, assignment)
            source = parallel.source_fingerprint(root, assignment)
            prints = {s: parallel.fingerprint(root, assignment, s, source) for s in sorted(submitted)}
            likely = [s for s in (students or sorted(submitted)) if s in submitted and (
                force or students or needs_grading(outcomes.get(s), prints[s], True, True))]
            if not scheduler and workers > 1 and len(likely) > 1:
                # Start the worker processes now: their imports overlap the gradebook preparation.
                pool = parallel.start_pool(min(workers, len(likely)))

            api = make_api(root)
            db_url = parallel.concurrent_db_url(api.coursedir.db_url)
            api = make_api(root, CourseDirectory__db_url=db_url)
            prepare_once(api, root, assignment, db_url, source)
            todo = list(students) if students else sorted(submitted | set(roster_ids(api)))
            parallel.precreate_students(api, [s for s in todo if s in submitted])

            run = GradingRun(outcomes)
            in_gradebook = parallel.graded_in_gradebook(api, assignment)
            to_grade = []
            for student in todo:
                if student not in submitted:  # nothing to execute: recorded right here
                    outcomes[student] = grade_student(api, root, assignment, student)
                elif force or students or needs_grading(outcomes.get(student), prints[student],
                                                        student in in_gradebook,
                                                        (root / "autograded" / student / assignment).is_dir()):
                    to_grade.append(student)
                else:
                    run.skipped.append(student)
            save_status(root, assignment, outcomes)

            engine = (f"Dask cluster {scheduler}" if scheduler else
                      f"{workers} worker processes" if workers > 1 and len(to_grade) > 1 else "this process")
            log.info("autograde %s: %d to grade, %d already graded (unchanged), %d not submitted; on %s; "
                     "gradebook %s", assignment, len(to_grade), len(run.skipped),
                     len(todo) - len(submitted & set(todo)), engine,
                     make_url(db_url).render_as_string(hide_password=True))
            if len(to_grade) > 1 and (scheduler or workers > 1):
                to_grade = parallel.longest_first(root, assignment, to_grade, outcomes)
            if not to_grade:
                results = iter(())
            elif scheduler:
                results = parallel.run_dask(to_grade, scheduler, root, assignment, db_url)
            elif workers > 1 and len(to_grade) > 1:
                results = parallel.run_local(to_grade, min(workers, len(to_grade)), root, assignment, db_url,
                                             pool=pool)
            else:
                results = ((s, grade_student(api, root, assignment, s), "") for s in to_grade)
            failures = 0  # in this run
            bar = tqdm(total=len(to_grade), desc=f"autograde {assignment}", unit="submission",
                       disable=not progress, dynamic_ncols=True)
            bar.set_postfix(failed=failures)
            try:
                for student, outcome, why_not in results:
                    bar.update(1)
                    if outcome is None:
                        run.unfinished[student] = why_not
                        log.warning("%s %s: not graded: %s", assignment, student, why_not)
                        continue
                    outcome.fingerprint = prints[student]
                    outcomes[student] = outcome
                    save_status(root, assignment, outcomes)
                    run.graded.append(student)
                    failures += outcome.status == "failed"
                    bar.set_postfix(failed=failures)
                    log.info("%s %s: %s in %.1f s%s%s", assignment, student, outcome.status, outcome.seconds,
                             f" on {outcome.worker}" if outcome.worker else "",
                             f" ({outcome.reason})" if outcome.reason else "")
            except KeyboardInterrupt:
                run.interrupted = True
                left = [s for s in to_grade if s not in run.graded and s not in run.unfinished]
                run.unfinished.update({s: "interrupted" for s in left})
                log.warning("autograde %s interrupted: %d submissions not graded; the same command finishes them",
                            assignment, len(left))
            finally:
                bar.close()
                if hasattr(results, "close"):
                    results.close()
        finally:
            if pool is not None:  # done with (run_local shut it down), not needed after all, or an error
                parallel.stop_pool(pool)
        run.seconds = time.perf_counter() - start
        log.info("autograde %s: %d graded in %.1f s, %d failed, %d unfinished; log %s", assignment, len(run.graded),
                 run.seconds, failures, len(run.unfinished), log_path)
    return run


def gradebook_name(root: Path, db_url: str) -> str:
    """The gradebook, named so that a course folder moved or copied with its SQLite file keeps the name."""
    path = parallel.sqlite_path(db_url)
    if path is not None:
        try:
            return "sqlite:" + str(Path(os.path.realpath(path)).relative_to(os.path.realpath(root)))
        except ValueError:  # the file lives outside the course folder
            return "sqlite:" + os.path.realpath(path)
    return make_url(db_url).render_as_string(hide_password=True)


def prepare_once(api, root: Path, assignment: str, db_url: str, source: bytes) -> None:
    """Record the assignment in the gradebook, unless this gradebook already has it from the same source files."""
    marker = Path(root) / STATUS_DIR / f"{assignment}.gradebook.json"
    stamp = {"db_url": gradebook_name(root, db_url), "source": source.hex()}
    try:
        with api.gradebook as gb:
            gb.find_assignment(assignment)
        if json.loads(marker.read_text()) == stamp:
            return
    except (MissingEntry, OSError, ValueError):
        pass
    prepare_gradebook(api, assignment)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(stamp))


def autograde_assignment(root: Path, assignment: str, students: list[str] | None = None,
                         progress: bool = True, workers: int | None = 1, scheduler: str | None = None,
                         force: bool = False) -> dict[str, Outcome]:
    """Autograde every submission (or ``students``); every roster student ends with an Outcome.

    Raises KeyboardInterrupt when interrupted (the status file keeps what was finished).
    """
    run = run_autograde(root, assignment, students, progress, workers, scheduler, force)
    if run.interrupted:
        raise KeyboardInterrupt
    return run.outcomes


def generate_feedback(root: Path, assignment: str) -> dict:
    return make_api(root).generate_feedback(assignment, force=True)
