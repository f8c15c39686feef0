"""grades.csv and the score table, one row per roster student."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from .status import Outcome
from .manual import NEEDS_MANUAL_GRADE, pending_points

COLUMNS = ["student_id", "first_name", "last_name", "email", "assignment", "score", "max_score", "status", "reason",
           "flags", "auto_score", "pending_points"]


@dataclass
class Row:
    student_id: str
    first_name: str
    last_name: str
    email: str
    assignment: str
    score: float
    max_score: float
    status: str
    reason: str
    flags: list[str] = field(default_factory=list)  # flagged for review (monkeypatching, sandbox blocks, ...)
    pending_points: float = 0.0  # written answers not graded yet (manual.py)

    @property
    def auto_score(self) -> float:
        return self.score  # what is graded so far; pending points are not in it


def assignment_max_score(gradebook, assignment: str) -> float:
    return float(gradebook.find_assignment(assignment).max_score)


def rows_for(gradebook, assignment: str, outcomes: dict[str, Outcome]) -> list[Row]:
    """Every student in the gradebook (the roster plus anyone who submitted), with a score or a reason."""
    max_score = assignment_max_score(gradebook, assignment)
    rows = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        outcome = outcomes.get(student.id)
        try:
            sub = gradebook.find_submission(assignment, student.id)
            score = float(sub.score)
        except MissingEntry:
            sub, score = None, 0.0
        if outcome is None:
            status, reason = ("graded", "") if sub is not None else ("not_submitted", "no submission")
        else:
            status, reason = outcome.status, outcome.reason
        if status not in ("graded", NEEDS_MANUAL_GRADE):
            score = 0.0
        flags = list(getattr(outcome, "flags", None) or []) if outcome is not None else []
        pending = pending_points(gradebook, assignment, student.id) if status == "graded" else 0.0
        if pending:
            status, reason = NEEDS_MANUAL_GRADE, f"{pending:g} points of written answers await a TA"
        rows.append(Row(student.id, student.first_name or "", student.last_name or "", student.email or "",
                        assignment, score, max_score, status, reason, flags, pending))
    return rows


def cell_scores(gradebook, assignment: str, student: str) -> dict[str, float]:
    """grade_id -> score of each graded cell of a student's submission."""
    sub = gradebook.find_submission(assignment, student)
    return {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}


def write_csv(rows: list[Row], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student_id, r.first_name, r.last_name, r.email, r.assignment,
                             f"{r.score:g}", f"{r.max_score:g}", r.status, r.reason, " | ".join(r.flags),
                             f"{r.auto_score:g}", f"{r.pending_points:g}"])


def format_table(rows: list[Row]) -> str:
    """The score table a TA reads in the terminal."""
    header = ("student", "assignment", "score", "status", "reason")
    body = [(r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}" + (f" + {r.pending_points:g} pending"
             if r.pending_points else ""), r.status, r.reason[:70]) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, body)])


def flagged(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.flags]


def write_flags(rows: list[Row], path: Path) -> None:
    """flagged.csv: one line per reason a submission was flagged for review."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "assignment", "score", "status", "flag"])
        for r in flagged(rows):
            for flag in r.flags:
                writer.writerow([r.student_id, r.assignment, f"{r.score:g}", r.status, flag])


def format_flags(rows: list[Row]) -> str:
    """The flagged submissions and why, for the terminal."""
    lines = []
    for r in flagged(rows):
        lines.append(f"{r.student_id} ({r.score:g}/{r.max_score:g}, {r.status}):")
        lines += [f"    {flag}" for flag in r.flags]
    return "\n".join(lines) if lines else "no submission was flagged"
