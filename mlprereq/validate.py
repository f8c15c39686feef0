"""nbgrader's Validate with a score summary first and one short message per failing test.

nbgrader's own Validator lists every failing cell with its full traceback (35
of them, about 40 KB, for a blank notebook) and no score. ``CourseValidator``
runs the same checks and reports, first, one line per exercise (✓ / ✗ / not
attempted, with points) and the total, as ``check_notebook()`` does
(``selfcheck.tally`` and ``selfcheck.summary_lines``), then each failing test's
id and its message only.

nbgrader 0.9 builds ``Validator`` by name in two places, the ``nbgrader
validate`` command and the JupyterLab Validate button's server handler (also
the hub's Assignments tab), and has no setting that picks another class. So
``install()``, called from ``nbgrader_config.py`` (which both read), points
those two names at ``CourseValidator``.
"""
from __future__ import annotations

import sys

from nbconvert.filters import strip_ansi
from nbgrader import utils
from nbgrader.validator import Validator
from traitlets import Integer

from .notebooks import exercise_of, is_solution, meta
from .selfcheck import summary_lines, tally, written_answers

__all__ = ["CourseValidator", "install", "judge", "outcome"]


def _errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _stderr(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr")


def outcome(cell) -> tuple[str, str] | None:
    """How an executed test cell did: None when it earned its points, else (status, message)."""
    errors = _errors(cell)
    if errors:
        err = errors[0]
        if err.get("ename") == "NotImplementedError":
            return "not attempted", "not attempted"
        first = strip_ansi(str(err.get("evalue", ""))).strip().splitlines()
        return "fail", f"{err.get('ename')}: {first[0]}" if first else str(err.get("ename"))
    stderr = strip_ansi(_stderr(cell)).strip()
    if stderr:  # nbgrader scores a cell that wrote to stderr 0
        return "fail", f"wrote to stderr: {stderr.splitlines()[0]}"
    score, max_score = utils.determine_grade(cell)
    if score is not None and score < max_score:
        return "fail", "partial credit"
    return None


def judge(nb):
    """``outcome`` for the cells of ``nb``, where a test of an exercise whose solution cell still raises
    NotImplementedError counts as not attempted (its test fails with a NameError for ``arr1 = ...`` answers)."""
    untouched = {meta(c).get("grade_id") for c in nb.cells if is_solution(c)
                 and any(e.get("ename") == "NotImplementedError" for e in _errors(c))}

    def verdict(cell):
        result = outcome(cell)
        if result is not None and exercise_of(meta(cell).get("grade_id", "")) in untouched:
            return "not attempted", "not attempted"
        return result

    return verdict


class CourseValidator(Validator):
    """nbgrader's Validator, reporting a per-exercise summary and short messages."""

    message_lines = Integer(
        6, help="At most this many lines of each failing test's message are shown."
    ).tag(config=True)

    def _extract_error(self, cell) -> str:
        """The exception's name and message, a few lines at most (no traceback through the course's checks)."""
        errors = _errors(cell)
        text = (f"{errors[0].get('ename')}: {errors[0].get('evalue', '')}" if errors
                else super()._extract_error(cell))
        lines = strip_ansi(text).strip().splitlines()
        if len(lines) > self.message_lines:
            lines = lines[: self.message_lines] + ["..."]
        return "\n".join(lines)

    def validate(self, filename: str) -> dict:
        self._summary, self._failed = None, []
        results = super().validate(filename)
        if self._summary is None or self.invert or set(results) - {"failed"}:
            return results  # type or checksum changes, or --invert: nbgrader's own report
        summary = "\n".join(self._summary)
        # A "not attempted" test needs no message of its own: its summary line says it.
        failed = [dict(entry, test=gid) for entry, (gid, status) in zip(results.get("failed", []), self._failed)
                  if status != "not attempted"]
        results = {"summary": summary}
        if self._failed:
            # The Validate button shows only "failed" entries: the summary goes first, as one of them.
            results["failed"] = [{"source": summary, "error": "", "raw_error": "", "test": "summary"}] + failed
        return results

    def _get_failed_cells(self, nb):
        """nbgrader's failing cells; also tallies the executed notebook for the summary."""
        verdict = judge(nb)
        self._summary = summary_lines(tally(nb, verdict), written_answers(nb))
        failed = super()._get_failed_cells(nb)
        self._failed = [(meta(c).get("grade_id", "?"), (verdict(c) or ("fail",))[0]) for c in failed]
        return failed

    def validate_and_print(self, filename: str) -> None:
        results = self.validate(filename)
        if "summary" not in results:
            return self._print_nbgrader(results)
        self.stream.write(results["summary"] + "\n")
        for entry in results.get("failed", [])[1:]:
            self.stream.write(f"\n{entry['test']}:\n{self._indent(entry['raw_error'])}\n")
        if not results.get("failed"):
            self.stream.write("Success! Your notebook passes all the tests.\n")
        return None

    def _print_nbgrader(self, results: dict) -> None:
        """nbgrader's own printout, for the cases this class leaves alone.

        That printout calls ``self.validate``; it is handed the results already
        computed rather than executing the notebook a second time.
        """
        original, self.validate = self.validate, lambda _filename: results
        try:
            super().validate_and_print("")
        finally:
            self.validate = original


def install() -> None:
    """Make ``nbgrader validate`` and the Validate button use CourseValidator."""
    from nbgrader.apps import validateapp

    validateapp.Validator = CourseValidator
    # The button's handler module is loaded by the server extension before it reads this config; elsewhere
    # (the command line, grading) importing jupyter_server for it would only cost time.
    handlers = sys.modules.get("nbgrader.server_extensions.validate_assignment.handlers")
    if handlers is not None:
        handlers.Validator = CourseValidator
