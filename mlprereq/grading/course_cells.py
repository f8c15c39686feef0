"""The course's own code cells, put back as released before a submission runs.

Every course code cell (imports, helpers, demos; ``notebooks.is_course_cell``) is a
locked nbgrader cell. nbgrader's OverwriteCells puts back the source of one whose
grade_id is still there; :func:`restore_course_cells` also covers what it misses:
a course cell deleted, stripped of its metadata, or moved. Each goes back, as
released, to its place: after the nearest nbgrader cell that comes before it in
the release. The static review (review.py) runs the same function for its notes,
so a note says exactly what grading restored.

    >>> cells, notes = restore_course_cells(submitted.cells, release.cells)
    >>> notes
    ['course cell course_imports was deleted (restored)']
"""
from __future__ import annotations

import copy

from .. import notebooks


STRIPPED = "lost its nbgrader metadata"


def _gid(cell) -> str | None:
    return notebooks.meta(cell).get("grade_id")


def _released_copy(cell):
    fresh = copy.deepcopy(cell)
    fresh.outputs, fresh.execution_count = [], None
    return fresh


def _find(cells, grade_id: str, source: str) -> tuple[int | None, str | None]:
    """Where the course cell is in ``cells``, and what happened to it (None: nothing, or only moved)."""
    for i, cell in enumerate(cells):
        if _gid(cell) == grade_id:
            if cell.cell_type != "code":
                return i, "type"  # review.integrity_notes notes the changed type
            return i, None if cell.source.strip() == source.strip() else "was edited"
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and not _gid(cell) and cell.source.strip() == source.strip():
            return i, STRIPPED
    return None, "was deleted"


def _position(cells, order: list[str], grade_id: str, skip: int | None) -> tuple[str | None, int, int]:
    """(the nearest nbgrader cell before ``grade_id`` in the release order that ``cells`` holds, its index there,
    the index of the nearest one after)."""
    where = {_gid(c): i for i, c in enumerate(cells) if _gid(c) and i != skip}
    k = order.index(grade_id)
    anchor = next((g for g in reversed(order[:k]) if g in where), None)
    after = next((where[g] for g in order[k + 1:] if g in where), len(cells))
    return anchor, where.get(anchor, -1), after


def _insertion_point(cells, release_cells, anchor: str | None, before: int, original) -> int:
    """Right after ``before``, and after the unchanged cells (explanations) that follow the anchor in the release."""
    start = next((i + 1 for i, c in enumerate(release_cells) if anchor and _gid(c) == anchor), 0)
    gap = release_cells[start:next(i for i, c in enumerate(release_cells) if c is original)]
    at = before + 1
    for expected in gap:
        if at < len(cells) and not _gid(cells[at]) and cells[at].source == expected.source:
            at += 1
        else:
            break
    return at


def restore_course_cells(cells, release_cells) -> tuple[list, list[str]]:
    """``cells`` with every course cell of ``release_cells`` as released and in its place, and one note for each
    course cell that was not (deleted, edited, stripped of its metadata, retyped or moved)."""
    cells = list(cells)
    order = [g for g in map(_gid, release_cells) if g]
    notes, by_id = [], 0
    for original in release_cells:
        if not notebooks.is_course_cell(original):
            continue
        grade_id = _gid(original)
        index, what = _find(cells, grade_id, original.source)
        # (the setup cell had its grade id before course cells were locked: it does not count)
        by_id += grade_id != "setup" and index is not None and what in (None, "was edited", "type")
        anchor, before, after = _position(cells, order, grade_id, index)
        if index is not None and before < index < after:
            cells[index] = _released_copy(original)
        else:
            if index is not None:
                del cells[index]
                before -= index < before
            cells.insert(_insertion_point(cells, release_cells, anchor, before, original), _released_copy(original))
            what = what or "was moved"
        if what and what != "type":
            notes.append(f"course cell {grade_id} {what} (restored)")
    stripped = [n for n in notes if STRIPPED in n]
    if len(stripped) > 1 and not by_id:
        # Not one course cell kept its grade id: a notebook started from a release made before course
        # cells were locked. One note for them all, not one per cell.
        notes = [f"{len(stripped)} course cells had no nbgrader metadata (a notebook from an earlier release?): "
                 "matched by their source (restored)"] + [n for n in notes if STRIPPED not in n]
    return cells, notes
