"""Written answers graded honestly: points a TA has not graded yet are *pending*, not zero (issue 14).

nbgrader scores an ungraded written answer 0 until a TA grades it in the
formgrader, so "2/33" looks like a final mark. :func:`pending_points` reads the
gradebook instead: every grade that ``needs_manual_grade`` counts its full
``max_score`` as pending. ``report.rows_for`` turns a graded submission with
pending points into status ``needs_manual_grade`` (grades.csv gets
``auto_score`` and ``pending_points`` columns), and ``course export --final``
refuses while any row is pending (:func:`refuse_final`).

>>> class G:  # a stand-in for nbgrader.api.Grade
...     def __init__(self, needs, max_score): self.needs_manual_grade, self.max_score = needs, max_score
>>> pending_from([G(True, 2), G(False, 1), G(True, 3)])
5.0
"""
from __future__ import annotations

from nbgrader.api import MissingEntry

NEEDS_MANUAL_GRADE = "needs_manual_grade"


def pending_from(grades) -> float:
    """Points of the grades a TA still has to give."""
    return float(sum(g.max_score or 0 for g in grades if g.needs_manual_grade))


def pending_points(gradebook, assignment: str, student: str) -> float:
    """Points of a student's submission still waiting for a TA (0 when there is no submission)."""
    try:
        sub = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return 0.0
    return pending_from(g for nb in sub.notebooks for g in nb.grades)


def final_problems(rows) -> list[str]:
    """One line per row that keeps the grades from being final."""
    return [f"{r.student_id}: {r.pending_points:g} points of written answers not graded yet"
            for r in rows if r.status == NEEDS_MANUAL_GRADE]


def refuse_final(rows) -> str | None:
    """The message ``course export --final`` prints instead of exporting, or None when all is graded."""
    problems = final_problems(rows)
    if not problems:
        return None
    return ("Not exporting final grades: written answers are still ungraded.\n  "
            + "\n  ".join(problems)
            + "\nGrade them in the formgrader (Manual Grading), then run `course export --final` again;"
              " `course export` without --final writes the provisional grades.csv.")
