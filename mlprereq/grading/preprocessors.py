"""The nbgrader preprocessors the course adds (nbgrader_config.py imports them all from here).

    SandboxedExecute         nbgrader's Execute in the grading sandbox (sandbox.py)
    DropOrphanGradeMetadata  a duplicated cell never makes a notebook ungradable
    StderrToStdout           a library warning never zeroes a correct answer
    HideHiddenTests          feedback never shows a hidden test (feedback.py)
"""
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils

from .feedback import HideHiddenTests
from .sandbox import SandboxedExecute

__all__ = ["SandboxedExecute", "DropOrphanGradeMetadata", "StderrToStdout", "HideHiddenTests"]


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
