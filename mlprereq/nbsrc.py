"""Round-trip a master notebook to a plain-text script and back.

The ``.ipynb`` in ``source/`` is the master. This module lets a developer edit
one as a percent-format script and write it back with the nbgrader cell
metadata intact::

    python -m mlprereq.nbsrc export source/03_einops/einops.ipynb > /tmp/einops.py
    python -m mlprereq.nbsrc import /tmp/einops.py source/03_einops/einops.ipynb

Cell headers in the script:

    # %% [markdown]                      explanation (read-only to nbgrader: no)
    # %%                                 course code (locked as course_<name> by `python -m mlprereq.release`)
    # %% setup                           the locked first cell (see authoring)
    # %% solution id=NAME                autograded answer: the student's code
    # %% test id=NAME__SUFFIX points=N   autograded test cell (read-only)
    # %% locked id=NAME                  read-only code cell
    # %% [markdown] answer id=NAME points=N   manually graded written answer
    # %% [markdown] task id=NAME points=N     manually graded task description

Markdown cells are written with every line prefixed by ``# ``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

HEADER = re.compile(r"^# %%(?:\s+\[(?P<type>markdown)\])?(?P<rest>.*)$")
KINDS = {"solution", "test", "locked", "answer", "task", "setup"}


def nbgrader_meta(kind: str, grade_id: str, points: float | None) -> dict:
    meta = {"schema_version": 3, "grade_id": grade_id, "solution": False, "grade": False, "locked": False, "task": False}
    if kind == "solution":
        meta["solution"] = True
    elif kind == "answer":
        meta.update(solution=True, grade=True, points=points)
    elif kind == "test":
        meta.update(grade=True, locked=True, points=points)
    elif kind == "task":
        meta.update(task=True, locked=True, points=points)
    elif kind in ("locked", "setup"):
        meta["locked"] = True
    return meta


def _parse_header(line: str):
    m = HEADER.match(line)
    if not m:
        return None
    cell_type = "markdown" if m.group("type") else "code"
    words = m.group("rest").split()
    kind = next((w for w in words if w in KINDS), None)
    opts = dict(w.split("=", 1) for w in words if "=" in w)
    return cell_type, kind, opts


def script_to_notebook(text: str) -> nbformat.NotebookNode:
    """Build a notebook from a percent-format script."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    blocks: list[tuple[tuple, list[str]]] = []
    for line in text.splitlines():
        header = _parse_header(line)
        if header:
            blocks.append((header, []))
        elif blocks:
            blocks[-1][1].append(line)
    for index, ((cell_type, kind, opts), lines) in enumerate(blocks):
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if cell_type == "markdown":
            src = "\n".join(re.sub(r"^# ?", "", l) for l in lines)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        if kind:
            grade_id = opts.get("id", "setup" if kind == "setup" else None)
            if not grade_id:
                raise ValueError(f"A '{kind}' cell needs id=NAME: {lines[:1]}")
            points = float(opts["points"]) if "points" in opts else None
            if kind in ("test", "answer", "task") and points is None:
                raise ValueError(f"Cell {grade_id} needs points=N")
            cell.metadata["nbgrader"] = nbgrader_meta(kind, grade_id, points)
        # Stable ids keep regenerated notebooks byte-identical.
        cell.id = (cell.metadata["nbgrader"]["grade_id"] if kind else f"cell-{index:03d}")[:64]
        nb.cells.append(cell)
    return nb


def cell_kind(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if not meta:
        return None
    if meta.get("grade_id") == "setup" and meta.get("locked"):
        return "setup"
    if meta.get("task"):
        return "task"
    if meta.get("solution") and meta.get("grade"):
        return "answer"
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test"
    if meta.get("locked"):
        return "locked"
    return None


def _fmt_points(p) -> str:
    return str(int(p)) if float(p).is_integer() else str(p)


def notebook_to_script(nb) -> str:
    """The percent-format script of a notebook (inverse of script_to_notebook)."""
    out = []
    for cell in nb.cells:
        kind = cell_kind(cell)
        header = "# %%" + (" [markdown]" if cell.cell_type == "markdown" else "")
        if kind:
            meta = cell.metadata["nbgrader"]
            header += f" {kind}"
            if kind != "setup":
                header += f" id={meta['grade_id']}"
            if meta.get("points") is not None and kind in ("test", "answer", "task"):
                header += f" points={_fmt_points(meta['points'])}"
        out.append(header)
        if cell.cell_type == "markdown":
            out += [("# " + l).rstrip() for l in cell.source.splitlines()]
        else:
            out += cell.source.splitlines()
        out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "export":
        print(notebook_to_script(nbformat.read(argv[1], as_version=4)))
        return 0
    if len(argv) == 3 and argv[0] == "import":
        nb = script_to_notebook(Path(argv[1]).read_text())
        nbformat.validate(nb)
        nbformat.write(nb, argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
