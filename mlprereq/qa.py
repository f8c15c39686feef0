"""Checks that the autograder tests themselves are right.

* ``validate``: nbgrader's Validator on a notebook (all tests pass, or with
  ``invert=True`` all fail).
* ``AnswerProbe``: runs a master notebook once in a kernel, then swaps in
  other answers for one exercise at a time and reports which of its test cells
  pass: plausible wrong answers must fail at least one, other correct answers
  must pass all.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader import utils as nbgrader_utils
from nbgrader.validator import Validator

from .nbgrader_api import load_config
from .course import ROOT
from .notebooks import meta, solution_cells, tests_of


@contextmanager
def grading_env(kind: str = "validate"):
    """Mark the kernel as an nbgrader run, as nbgrader itself does."""
    old = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = kind
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old


def validate(path: Path, invert: bool = False, ignore_checksums: bool = False, root: Path = ROOT) -> dict:
    """nbgrader's verdict on a notebook: {} when all tests pass (or with invert, all fail)."""
    config = load_config(root)
    config.Validator.invert = invert
    config.Validator.ignore_checksums = ignore_checksums
    return Validator(config=config).validate(str(path))


def with_master_tests(student_nb, master_nb):
    """The student's notebook with every test cell as in the master (hidden tests included), as autograding sees it."""
    tests = {meta(c)["grade_id"]: c.source for c in master_nb.cells if meta(c).get("grade") and not meta(c).get("solution")}
    nb = nbformat.from_dict(student_nb)
    for cell in nb.cells:
        if meta(cell).get("grade_id") in tests:
            cell.source = tests[meta(cell)["grade_id"]]
    return nb


def cell_passed(cell) -> bool:
    score, max_score = nbgrader_utils.determine_grade(cell)
    return score == max_score


def error_text(cell) -> str:
    errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errs:
        return f"{errs[0].ename}: {errs[0].evalue}"
    errs = [o.text for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    return "stderr: " + "".join(errs)[:300] if errs else ""


class AnswerProbe:
    """A kernel with a master notebook executed in it, for trying other answers."""

    def __init__(self, path: Path, timeout: int = 300):
        self.path = Path(path)
        self.nb = nbformat.read(self.path, as_version=4)
        self.client = NotebookClient(
            self.nb, timeout=timeout, allow_errors=True, kernel_name="python3",
            resources={"metadata": {"path": str(self.path.parent)}},
        )
        self._ctx = None
        self.solutions = solution_cells(self.nb)
        self.index = {id(c): i for i, c in enumerate(self.nb.cells)}
        self.by_grade_id = {meta(c).get("grade_id"): c for c in self.nb.cells if meta(c).get("grade_id")}

    def __enter__(self):
        self._env = grading_env("validate")
        self._env.__enter__()
        self._ctx = self.client.setup_kernel()
        self._ctx.__enter__()
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, i)
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self._env.__exit__(*exc)

    def failures(self) -> dict[str, str]:
        """Cells of the executed master that went wrong: test cells that did not pass, other cells that raised."""
        out = {}
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code" or cell.get("id") == "qa-scratch":
                continue
            graded = bool(meta(cell).get("grade"))
            errored = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            if (graded and not cell_passed(cell)) or (not graded and errored):
                out[meta(cell).get("grade_id", f"cell {i}")] = error_text(cell)
        return out

    def _run(self, source: str, like=None):
        """Execute ``source`` in a scratch cell at the end of the notebook; returns a copy of that cell."""
        if not self.nb.cells or self.nb.cells[-1].get("id") != "qa-scratch":
            scratch = nbformat.v4.new_code_cell("")
            scratch.id = "qa-scratch"
            self.nb.cells.append(scratch)
        cell = self.nb.cells[-1]
        cell.source, cell.outputs = source, []
        cell.metadata = nbformat.from_dict(dict(like.metadata)) if like is not None else nbformat.NotebookNode()
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        return nbformat.from_dict(self.nb.cells[-1])

    def try_answer(self, exercise: str, code: str) -> dict[str, tuple[bool, str]]:
        """Run ``code`` in place of the exercise's solution, then its tests: grade_id -> (passed, error)."""
        results = {}
        try:
            self._run(code)
            for gid in tests_of(self.nb, exercise):
                test = self.by_grade_id[gid]
                cell = self._run(test.source, like=test)
                results[gid] = (cell_passed(cell), error_text(cell))
        finally:
            self._run(self.solutions[exercise].source)  # restore the master's answer
        return results
