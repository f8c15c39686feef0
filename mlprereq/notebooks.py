"""The course's conventions for nbgrader cells.

* A solution cell's grade_id names its exercise: ``batched_softmax``.
* Its test cells are ``<exercise>__<suffix>``: ``batched_softmax__visible``,
  ``batched_softmax__hidden``. Hidden tests sit in their own cells between
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
* Exercises only use exercises above them, so a notebook whose first k
  exercises are solved earns exactly the points of their tests.
"""
from __future__ import annotations

import ast
import re

import nbformat

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
MARK_SCHEME = re.compile(r"^[ \t]*=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===[ \t]*\n?", re.DOTALL | re.MULTILINE)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def exercise_of(grade_id: str) -> str:
    return grade_id.split("__", 1)[0]


def is_test(cell) -> bool:
    m = meta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def is_solution(cell) -> bool:
    m = meta(cell)
    return bool(m.get("solution")) and not m.get("grade") and cell.cell_type == "code"


def is_course_cell(cell) -> bool:
    """A read-only code cell the course wrote (imports, helpers, demos, the setup cell): locked, not graded."""
    m = meta(cell)
    return (cell.cell_type == "code" and bool(m.get("locked")) and bool(m.get("grade_id")) and not m.get("grade")
            and not m.get("solution") and not m.get("task"))


def test_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell, in notebook order."""
    return {meta(c)["grade_id"]: float(meta(c)["points"]) for c in nb.cells if is_test(c)}


def solution_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """exercise -> its solution cell, in notebook order."""
    return {meta(c)["grade_id"]: c for c in nb.cells if is_solution(c)}


def defined_names(source: str) -> set[str]:
    """The names a cell's code defines at its top level: functions, classes, variables (not imports, which
    name libraries).

    >>> sorted(defined_names("import numpy as np\\ndef f(x):\\n    y = 1\\nA, B = 1, 2"))
    ['A', 'B', 'f']
    """
    try:
        tree = ast.parse(solved_source(source))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def solution_names(nb) -> frozenset[str]:
    """Every name the notebook's solution cells bind: the student's functions and answers."""
    return frozenset().union(*(defined_names(c.source) for c in nb.cells if is_solution(c)))


def exercises(nb) -> list[str]:
    return list(solution_cells(nb))


def tests_of(nb, exercise: str) -> list[str]:
    return [g for g in test_cells(nb) if exercise_of(g) == exercise]


def solved_source(master_source: str) -> str:
    """A master solution cell as a student who solved it would submit it (no markers, no mark scheme)."""
    return SOLUTION_MARKERS.sub("", MARK_SCHEME.sub("", master_source)).rstrip()


def fill_solutions(release_nb, master_nb, chosen) -> nbformat.NotebookNode:
    """A copy of the release notebook with the solution cells of ``chosen`` exercises solved."""
    nb = nbformat.from_dict(release_nb)
    solutions = solution_cells(master_nb)
    manual = {meta(c)["grade_id"]: c for c in master_nb.cells if meta(c).get("solution") and meta(c).get("grade")}
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if gid in chosen and gid in solutions:
            cell.source = solved_source(solutions[gid].source)
        elif gid in chosen and gid in manual:
            cell.source = solved_source(manual[gid].source)
    return nb
