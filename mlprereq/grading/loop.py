"""The TA's whole loop: roster, collect, autograde, feedback, grades.csv, score table.

Autograding a cohort (:func:`run_autograde`):

1. the parent records the assignment and every student in the gradebook
   (so no two workers ever race to create the same row), and makes a SQLite
   gradebook safe for concurrent writers (gradebook.concurrent_db_url);
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

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from tqdm.auto import tqdm

from ..nbgrader_api import make_api
from . import engines, gradebook, status
from .collect import submitted_students
from .layout import CourseLayout, installed_package_problem
from .status import AlreadyRunning, Outcome, needs_grading, run_lock  # noqa: F401 - the CLI's and tests' names

log = logging.getLogger("mlprereq.grading")


class WrongInstall(RuntimeError):
    """The venv's mlprereq is not the one of the course being graded: every kernel would die."""


@dataclass
class GradingRun:
    """What one ``run_autograde`` call did."""
    outcomes: dict[str, Outcome]  # every student's outcome (this run's or a previous run's)
    graded: list[str] = field(default_factory=list)  # graded in this run
    skipped: list[str] = field(default_factory=list)  # final outcome from an earlier run, inputs unchanged
    unfinished: dict[str, str] = field(default_factory=dict)  # student -> why this run has no outcome
    interrupted: bool = False
    seconds: float = 0.0


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
    layout = CourseLayout.at(root)
    problem = installed_package_problem()
    if problem:
        raise WrongInstall(problem)
    workers = max(1, workers or engines.cores())
    force = force or bool(students)
    pool = None
    with run_lock(root, assignment), status.run_log(root, assignment) as log_path:
        try:
            submitted = set(submitted_students(root, assignment))
            outcomes = status.load_status(root, assignment)
            source = status.source_fingerprint(root, assignment)
            prints = {s: status.fingerprint(root, assignment, s, source) for s in sorted(submitted)}
            # What the status file alone says must be graded (the gradebook is not open yet) ...
            stale = {s for s in submitted if force or status.is_stale(outcomes.get(s), prints[s])}
            likely = [s for s in (students or sorted(submitted)) if s in stale]
            in_pool = not scheduler and workers > 1
            if in_pool and len(likely) > 1:
                # ... to start the worker processes now: their imports overlap the gradebook preparation.
                pool = engines.start_pool(min(workers, len(likely)))

            db_url = gradebook.concurrent_db_url(make_api(root).coursedir.db_url)
            api = make_api(root, CourseDirectory__db_url=db_url)
            gradebook.prepare_once(api, root, assignment, db_url, source)
            todo = list(students) if students else sorted(submitted | set(gradebook.roster_ids(api)))
            gradebook.precreate_students(api, [s for s in todo if s in submitted])

            run = GradingRun(outcomes)
            in_gradebook = gradebook.graded_in_gradebook(api, assignment)
            to_grade = []
            for student in todo:
                if student not in submitted:  # nothing to execute: recorded right here
                    outcomes[student] = engines.grade_student(api, root, assignment, student)
                elif student in stale or status.grade_lost(outcomes[student], student in in_gradebook,
                                                           layout.autograded(student, assignment).is_dir()):
                    to_grade.append(student)
                else:
                    run.skipped.append(student)
            status.save_status(root, assignment, outcomes)

            many = len(to_grade) > 1
            engine = (f"Dask cluster {scheduler}" if scheduler else
                      f"{workers} worker processes" if in_pool and many else "this process")
            log.info("autograde %s: %d to grade, %d already graded (unchanged), %d not submitted; on %s; "
                     "gradebook %s", assignment, len(to_grade), len(run.skipped),
                     len(todo) - len(submitted & set(todo)), engine,
                     make_url(db_url).render_as_string(hide_password=True))
            if many and (scheduler or in_pool):
                to_grade = engines.longest_first(root, assignment, to_grade, outcomes)
            if not to_grade:
                results = iter(())
            elif scheduler:
                results = engines.run_dask(to_grade, scheduler, root, assignment, db_url)
            elif in_pool and many:
                results = engines.run_local(to_grade, min(workers, len(to_grade)), root, assignment, db_url,
                                            pool=pool)
            else:
                results = ((s, engines.grade_student(api, root, assignment, s), "") for s in to_grade)
            failures = _collect(results, run, to_grade, prints, root, assignment, progress)
        finally:
            if pool is not None:  # done with (run_local shut it down), not needed after all, or an error
                engines.stop_pool(pool)
        run.seconds = time.perf_counter() - start
        log.info("autograde %s: %d graded in %.1f s, %d failed, %d unfinished; log %s", assignment, len(run.graded),
                 run.seconds, failures, len(run.unfinished), log_path)
    return run


def _collect(results, run: GradingRun, to_grade: list[str], prints: dict, root: Path, assignment: str,
             progress: bool) -> int:
    """Record each result as it comes (the status file after every one); returns how many failed."""
    outcomes = run.outcomes
    failures = 0
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
            status.save_status(root, assignment, outcomes)
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
    return failures


def generate_feedback(root: Path, assignment: str) -> dict:
    return make_api(root).generate_feedback(assignment, force=True)
