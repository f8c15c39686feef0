"""The mark scheme beside each written answer, for the TA only (issue 14).

A written answer (``# %% [markdown] answer id=NAME``) holds the model answer
and marking notes in the master notebook; the release shows ``YOUR ANSWER
HERE`` instead (and so does the gradebook's copy of the cell), so:

* :class:`ShowMarkScheme` (last of ``Autograde.autograde_preprocessors``) puts a
  markdown cell after each written answer of the autograded notebook, quoting
  the master's text (``source/ASSIGNMENT/NOTEBOOK.ipynb`` under ``course_root``).
  The formgrader renders the autograded notebook, so a TA sees the
  scheme right under the answer they are grading.
* :class:`HideMarkScheme` (in ``GenerateFeedback.preprocessors``) removes those
  cells again before feedback is made. By default a student never sees a mark
  scheme (it would leak to the next cohort); a course that wants to show it once
  the answer is graded sets ``HideMarkScheme.show_when_graded = True``, and an
  answer still waiting for a TA never shows it.

The inserted cells carry ``metadata.mlprereq.mark_scheme_for = NAME`` and no
nbgrader metadata, so nbgrader neither grades nor checks them.
"""
from __future__ import annotations

import nbformat
from nbgrader import utils as nbutils
from functools import lru_cache
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Unicode

KEY = "mark_scheme_for"


def is_written_answer(cell) -> bool:
    return cell.cell_type == "markdown" and nbutils.is_grade(cell) and nbutils.is_solution(cell)


def mark_scheme_of(cell) -> str | None:
    """The grade id a cell is the mark scheme of, or None."""
    return cell.get("metadata", {}).get("mlprereq", {}).get(KEY)


@lru_cache(maxsize=32)
def _schemes(path: str, mtime: float) -> dict[str, str]:
    master = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells if is_written_answer(c)}


def master_schemes(course_root: str, assignment: str, notebook: str) -> dict[str, str]:
    """grade_id -> the master's text of each written answer of a notebook ({} when there is no master)."""
    path = Path(course_root, "source", assignment, f"{notebook}.ipynb")
    return _schemes(str(path), path.stat().st_mtime) if path.exists() else {}


def scheme_cell(grade_id: str, scheme: str, heading: str):
    quoted = "\n".join("> " + line if line.strip() else ">" for line in scheme.strip().splitlines())
    return nbformat.v4.new_markdown_cell(f"{heading}\n\n{quoted}", metadata={"mlprereq": {KEY: grade_id}})


class ShowMarkScheme(NbGraderPreprocessor):
    """Put the master's text of each written answer under the student's answer (for the formgrader)."""

    course_root = Unicode("", help="The course directory, whose source/ holds the master notebooks.").tag(config=True)
    heading = Unicode("**Mark scheme** (for the TA; see HideMarkScheme for what students see)",
                      help="The line above the quoted mark scheme.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        schemes = master_schemes(self.course_root or ".", info["assignment"], info["notebook"])
        cells = []
        for cell in nb.cells:
            if mark_scheme_of(cell) is not None:
                continue  # autograded twice: never two copies
            cells.append(cell)
            if is_written_answer(cell):
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                if grade_id in schemes:
                    cells.append(scheme_cell(grade_id, schemes[grade_id], self.heading))
                else:
                    self.log.warning("no mark scheme for %s in source/%s", grade_id, info["assignment"])
        nb.cells = cells
        return nb, resources


class HideMarkScheme(NbGraderPreprocessor):
    """Drop the mark scheme cells from feedback (all of them unless ``show_when_graded``)."""

    show_when_graded = Bool(False, help="Show a mark scheme in feedback once a TA has graded its answer; "
                                        "an ungraded answer's scheme is hidden always.").tag(config=True)

    def preprocess(self, nb, resources):
        graded = self._graded_answers(nb, resources) if self.show_when_graded else set()
        nb.cells = [c for c in nb.cells if mark_scheme_of(c) is None or mark_scheme_of(c) in graded]
        return nb, resources

    def _graded_answers(self, nb, resources) -> set[str]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            sub = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            return {g.name for g in sub.grades if not g.needs_manual_grade}
