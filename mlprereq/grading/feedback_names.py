"""Feedback names each test instead of saying "Test cell" (issue 14).

nbgrader's feedback template (``feedback/index.html.j2``) lists every test as
``<a href="#GRADE_ID">Test cell</a>``, about 70 identical lines per assignment.
The grade id is already in the link, so :func:`name_tests` puts a readable name
built from it in place of the fixed text; :func:`name_tests_in_feedback` does
that for every feedback HTML file of an assignment (``course feedback`` calls it).

>>> name_tests('<li><a href="#squeeze__hidden_dtype">Test cell</a> (Score: 1.0 / 1.0)</li>')
'<li><a href="#squeeze__hidden_dtype">Test: squeeze, hidden, dtype</a> (Score: 1.0 / 1.0)</li>'
"""
from __future__ import annotations

import html
import re
from pathlib import Path

TEST_LINK = re.compile(r'<a href="#(?P<grade_id>[^"]+)">Test cell</a>')


def label_for(grade_id: str) -> str:
    """A readable name from a grade id: ``softmax__visible`` -> ``Test: softmax, visible``.

    >>> label_for("einops_puzzle_3__hidden")
    'Test: einops_puzzle_3, hidden'
    """
    parts = [p for p in html.unescape(grade_id).split("__") if p]
    head, *rest = parts or [grade_id]
    rest = [w for p in rest for w in p.split("_") if w]
    return html.escape("Test: " + ", ".join([head, *rest]))


def name_tests(page: str) -> str:
    """The feedback HTML with each "Test cell" link named after its grade id."""
    return TEST_LINK.sub(lambda m: f'<a href="#{m["grade_id"]}">{label_for(m["grade_id"])}</a>', page)


def name_tests_in_feedback(course: Path, assignment: str) -> int:
    """Rewrite feedback/*/ASSIGNMENT/*.html in place; returns how many files changed."""
    changed = 0
    for path in sorted(Path(course, "feedback").glob(f"*/{assignment}/*.html")):
        page = path.read_text(encoding="utf-8")
        named = name_tests(page)
        if named != page:
            path.write_text(named, encoding="utf-8")
            changed += 1
    return changed
