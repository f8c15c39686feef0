"""The nbgrader preprocessors the course adds (nbgrader_config.py imports them all from here).

    SandboxedExecute         nbgrader's Execute in the grading sandbox (sandbox.py)
    DropOrphanGradeMetadata  a duplicated cell never makes a notebook ungradable
    StderrToStdout           a library warning never zeroes a correct answer
    HideHiddenTests          feedback never shows a hidden test (feedback.py)
    RestoreCourseCells       the course's code cells run as released, in their place (course_cells.py)
"""
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils
from traitlets import Unicode

from .feedback import HideHiddenTests
from .sandbox import SandboxedExecute

__all__ = ["SandboxedExecute", "DropOrphanGradeMetadata", "StderrToStdout", "HideHiddenTests", "RestoreCourseCells"]


class StderrToStdout(NbGraderPreprocessor):
    """Move stderr output of graded cells to stdout.

    nbgrader scores a test cell 0 when it wrote anything to stderr, so a correct
    answer that triggers a library warning would lose its points. The text is
    kept (as stdout) so the TA still sees it; real failures are exceptions and
    are untouched.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if utils.is_grade(cell) and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class DropOrphanGradeMetadata(NbGraderPreprocessor):
    """Drop nbgrader metadata that has no grade_id (what DeduplicateIds leaves on a duplicated cell).

    nbgrader 0.9's OverwriteCells.add_missing_task_cells reads ``grade_id`` of
    every cell with nbgrader metadata and fails on such a cell, so a notebook
    with a duplicated cell could not be graded at all. Runs in
    ``Autograde.sanitize_preprocessors`` right after DeduplicateIds.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.get("metadata", {})
        if "nbgrader" in meta and not meta["nbgrader"].get("grade_id"):
            del meta["nbgrader"]
        return cell, resources


class RestoreCourseCells(NbGraderPreprocessor):
    """Put back, from the release, each course code cell that was deleted, stripped of its metadata or moved.

    Runs in ``Autograde.sanitize_preprocessors`` after OverwriteCells, which restores the source of a locked
    cell only where its grade_id still is. The review notes each one (review.integrity_notes).
    """

    course_root = Unicode("", help="the course folder whose release/ holds the notebooks as students got them "
                                   "(default: the nearest folder above the notebook with an nbgrader_config.py)"
                          ).tag(config=True)

    def release_notebook(self, resources):
        from .layout import CourseLayout

        info = resources.get("nbgrader") or {}
        path = (resources.get("metadata") or {}).get("path")
        layout = CourseLayout.at(self.course_root) if self.course_root else (CourseLayout.find(Path(path)) if path else None)
        if layout is None or not info.get("assignment") or not info.get("notebook"):
            return None
        from .review import load_course_notebook

        release = layout.release(info["assignment"]) / f"{info['notebook']}.ipynb"
        nb = load_course_notebook(release)
        if nb is None:
            self.log.warning("course cells not restored: cannot read %s", release)
        return nb

    def preprocess(self, nb, resources):
        from .course_cells import restore_course_cells

        release = self.release_notebook(resources)
        if release is not None:
            nb.cells, notes = restore_course_cells(nb.cells, release.cells)
            for note in notes:
                self.log.warning("%s", note)
        return nb, resources
