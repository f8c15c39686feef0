"""The TA's whole loop: roster, collect, autograde, feedback, grades.csv, score table."""
from __future__ import annotations

import logging
from pathlib import Path

from tqdm.auto import tqdm

from ..nbgrader_api import make_api
from .autograde import Outcome, grade_student, load_status, prepare_gradebook, save_status
from .collect import submitted_students

log = logging.getLogger("mlprereq.grading")


def roster_ids(api) -> list[str]:
    with api.gradebook as gb:
        return [s.id for s in gb.students]


def autograde_assignment(root: Path, assignment: str, students: list[str] | None = None,
                         progress: bool = True) -> dict[str, Outcome]:
    """Autograde every submission (or ``students``); every roster student ends with an Outcome."""
    api = make_api(root)
    prepare_gradebook(api, assignment)
    submitted = submitted_students(root, assignment)
    todo = students or sorted(set(submitted) | set(roster_ids(api)))
    outcomes = load_status(root, assignment)
    failures = 0
    bar = tqdm(todo, desc=f"autograde {assignment}", unit="submission", disable=not progress)
    for student in bar:
        outcome = grade_student(api, root, assignment, student)
        outcomes[student] = outcome
        save_status(root, assignment, outcomes)
        failures += outcome.status == "failed"
        bar.set_postfix(failed=failures)
        log.info("%s %s: %s in %.1fs %s", assignment, student, outcome.status, outcome.seconds, outcome.reason)
    return outcomes


def generate_feedback(root: Path, assignment: str) -> dict:
    return make_api(root).generate_feedback(assignment, force=True)
