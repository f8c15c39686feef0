"""Feedback that never shows a hidden test (nbgrader #917).

nbgrader autogrades with the hidden tests restored into each test cell, and its
feedback HTML shows the autograded notebook as it ran: hidden test code, and
tracebacks quoting it. ``HideHiddenTests`` (in ``GenerateFeedback.preprocessors``,
see nbgrader_config.py) rewrites each hidden test cell before the HTML is made:

* its source becomes one comment: the test's name and points;
* its outputs become one line: ``passed`` or ``failed: <error type>: <first line
  of the message>`` (no traceback, which would quote the test's code).

Visible tests are left alone, so a student sees their failures with the
messages of ``mlprereq.checks``. A cell is hidden when its source holds a
``### BEGIN HIDDEN TESTS`` region or its grade id has ``__hidden`` in it.
"""
from __future__ import annotations

import re

import nbformat
from nbgrader import utils as nbutils
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|\Z)", re.DOTALL)
MAX_MESSAGE = 160


def is_hidden_test(cell) -> bool:
    if cell.cell_type != "code" or not nbutils.is_grade(cell) or nbutils.is_solution(cell):
        return False
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    return "BEGIN HIDDEN TESTS" in cell.source or "__hidden" in grade_id


def one_line_result(cell) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            message = (str(out.get("evalue") or "").strip().splitlines() or [""])[0]
            text = f"failed: {out.get('ename', 'Error')}" + (f": {message}" if message else "")
            return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
    return "passed"


MIN_LINE = 12  # shorter lines ("x = 1", "import torch") say nothing of a test and occur everywhere
REDACTED = "[output removed: it quoted a hidden test]\n"


def hidden_lines(nb) -> list[str]:
    """The lines of the notebook's hidden tests a student must never see (stripped; not part of any visible cell:
    what the student sees anyway, e.g. a visible test's line, quoted in a traceback, is not a leak)."""
    visible = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and not is_hidden_test(c))
    found = []
    for cell in nb.cells:
        if is_hidden_test(cell):
            regions = [m.group(0) for m in HIDDEN_REGION.finditer(cell.source)]
            for line in "\n".join(regions or [cell.source]).splitlines():
                line = line.strip()
                if len(line) >= MIN_LINE and "HIDDEN TESTS" not in line and line not in visible:
                    found.append(line)
    return sorted(set(found), key=len, reverse=True)


def _texts(output) -> list[str]:
    texts = [output.get("text") or "", output.get("evalue") or "", *(output.get("traceback") or [])]
    texts += [v if isinstance(v, str) else "".join(v) if isinstance(v, list) else ""
              for v in (output.get("data") or {}).values()]
    return texts


# What a page renders as nothing: tags, ANSI colour codes, zero-width characters. Printed between the characters
# of a hidden test's line (one character per stream message, a <span> around each, ...) they hid it from a
# search of each output, and the feedback page showed the line as plain text (redteam leak-encoded).
_MARKUP = re.compile(r"<[^>]*>|\x1b\[[0-?]*[ -/]*[@-~]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _rendered(cell) -> str:
    """The text of all of a cell's outputs one after the other, as a page shows it."""
    import html

    return "".join(html.unescape(_MARKUP.sub("", t)).translate(_INVISIBLE)
                   for output in cell.get("outputs", []) for t in _texts(output))


def redact_outputs(cell, lines: list[str]) -> bool:
    """Replace each output of ``cell`` that contains one of ``lines`` (also HTML-escaped), and every output when
    the cell's outputs together, rendered, do; True if any was.

    An error stays an error (its text removed), so a failing cell still scores 0."""
    import html

    needles = [*lines, *(html.escape(l) for l in lines)]
    changed = False
    for i, output in enumerate(cell.get("outputs", [])):
        joined = "\n".join(_texts(output))
        if any(n in joined for n in needles):
            if output.get("output_type") == "error":
                ename = str(output.get("ename") or "Error")[:80]
                cell.outputs[i] = nbformat.v4.new_output("error", ename=ename, evalue=REDACTED.strip(),
                                                         traceback=[f"{ename}: {REDACTED.strip()}"])
            else:
                cell.outputs[i] = nbformat.v4.new_output("stream", name="stdout", text=REDACTED)
            changed = True
    rendered = _rendered(cell)
    if any(line in rendered for line in lines):  # spread over several outputs, or hidden by markup
        for i, output in enumerate(cell.get("outputs", [])):
            if output.get("output_type") != "error":
                cell.outputs[i] = nbformat.v4.new_output("stream", name="stdout", text=REDACTED)
        changed = True
    return changed


class HideHiddenTests(NbGraderPreprocessor):
    """Replace each hidden test cell's code and output by its name, points and a one-line result."""

    def preprocess_cell(self, cell, resources, cell_index):
        if not is_hidden_test(cell):
            return cell, resources
        meta = cell.metadata.get("nbgrader", {})
        name, points = meta.get("grade_id", f"cell {cell_index}"), meta.get("points", 0)
        result = one_line_result(cell)
        cell.source = f"# Hidden test {name!r} ({points:g} points): its code is not shown."
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"hidden test {name}: {result}\n")]
        return cell, resources
