"""A demo cohort with known scores: full marks, partial, blank and broken.

``partial`` solves the first half of the exercises. Exercises only build on
those above them, so it earns exactly the points of those exercises' test
cells. Written answers (manually graded) score 0 until a TA grades them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from .. import notebooks
from ..course import ROOT
from .layout import CourseLayout

from ..release import COURSE_FILES  # noqa: F401 - the files a course folder needs (also bench's, tests')

STUDENTS = ("full", "partial", "blank", "broken")


def make_course_dir(dest: Path, root: Path = ROOT) -> Path:
    """A fresh course directory at ``dest`` that shares source/ and release/ with ``root``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(root / name, dest / name)
    for name in ("source", "release"):
        link = dest / name
        if not link.exists():
            link.symlink_to((root / name).resolve(), target_is_directory=True)
    return dest


def submissions_for(master_path: Path, release_path: Path) -> dict[str, tuple[str | None, dict[str, float]]]:
    """student -> (notebook text, or None for broken; expected score of each graded test cell)."""
    master = nbformat.read(master_path, as_version=4)
    release = nbformat.read(release_path, as_version=4)
    tests = notebooks.test_cells(master)
    exercises = notebooks.exercises(master)
    half = set(exercises[: len(exercises) // 2])

    manual = _manual_ids(master)

    def expected(solved: set[str]) -> dict[str, float]:
        scores = {gid: (pts if notebooks.exercise_of(gid) in solved else 0.0) for gid, pts in tests.items()}
        return scores | {gid: 0.0 for gid in manual}  # written answers: 0 until a TA marks them

    def text(nb) -> str:
        return nbformat.writes(nb)

    full = notebooks.fill_solutions(release, master, set(exercises) | manual)
    partial = notebooks.fill_solutions(release, master, half)
    return {
        "full": (text(full), expected(set(exercises))),
        "partial": (text(partial), expected(half)),
        "blank": (text(release), expected(set())),
        "broken": (None, expected(set())),
    }


def _manual_ids(nb) -> set[str]:
    return {notebooks.meta(c)["grade_id"] for c in nb.cells if notebooks.meta(c).get("solution") and notebooks.meta(c).get("grade")}


def write_cohort(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """Write the four demo submissions into course/submitted/; returns expected cell scores per student."""
    layout = CourseLayout.at(course)
    expected = {}
    for master in layout.masters(assignment):
        release = layout.release(assignment) / master.name
        for student, (text, scores) in submissions_for(master, release).items():
            folder = layout.submitted(student, assignment)
            folder.mkdir(parents=True, exist_ok=True)
            # A broken upload: the notebook cut off half-way, as a failed download leaves it.
            body = text if text is not None else nbformat.writes(nbformat.read(release, as_version=4))[:500]
            (folder / master.name).write_text(body)
            expected.setdefault(student, {}).update(scores)
    return expected
