"""Keep every master notebook's first cell and the README badges in step with course.toml."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import nbformat

from .course import README, ROOT, source_notebooks
from .nbsrc import nbgrader_meta

SETUP_TEMPLATE = '''\
# Run this cell first: it makes the notebook work on Colab, JupyterHub or your own machine.
COURSE_REPO, COURSE_REF = "{repo}", "{ref}"
import os, sys, urllib.request
from pathlib import Path
_dirs = [Path(os.environ.get("COURSE_ROOT", ".")), Path.cwd(), *Path.cwd().parents,
         Path(os.environ.get("COURSE_COLAB_DIR", "/content/ml-prereqs"))]
_root = next((d for d in _dirs if (d / "colab_setup.py").is_file()), None)
if _root is None and "google.colab" in sys.modules:  # first run on Colab: fetch the setup module
    _root = _dirs[-1]
    _root.mkdir(parents=True, exist_ok=True)
    _url = os.environ.get("COURSE_RAW_URL", "https://raw.githubusercontent.com/{{repo}}/{{ref}}")
    urllib.request.urlretrieve(_url.format(repo=COURSE_REPO, ref=COURSE_REF) + "/colab_setup.py", _root / "colab_setup.py")
if _root is None:
    raise RuntimeError("Could not find the course folder: open this notebook from inside it, or set COURSE_ROOT to its path.")
sys.path.insert(0, str(_root.resolve()))
import colab_setup
course = colab_setup.setup(COURSE_REPO, COURSE_REF, root=_root.resolve())
print(course)'''

BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
BADGE_LINK = "https://colab.research.google.com/github/{repo}/blob/{ref}/release/{assignment}/{notebook}"


def course_config(root: Path = ROOT) -> dict:
    """``[github]`` of course.toml: the repository and ref Colab fetches from."""
    with open(root / "course.toml", "rb") as f:
        return tomllib.load(f)["github"]


def setup_cell_source(repo: str, ref: str) -> str:
    return SETUP_TEMPLATE.format(repo=repo, ref=ref)


def setup_cell(repo: str, ref: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(setup_cell_source(repo, ref))
    cell.metadata["nbgrader"] = nbgrader_meta("setup", "setup", None)
    cell.id = "setup"
    return cell


def stamp_notebook(nb, repo: str, ref: str) -> bool:
    """Make the first cell the canonical setup cell; True if anything changed."""
    wanted = setup_cell(repo, ref)
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup":
        if first.source == wanted.source and first.metadata.get("nbgrader") == wanted.metadata["nbgrader"]:
            return False
        nb.cells[0] = wanted
    else:
        nb.cells.insert(0, wanted)
    return True


COURSE_CELL_PREFIX = "course_"


def course_cell_name(source: str) -> str:
    """A readable grade_id stem for a course code cell: ``imports``, the first function or class it defines,
    the first name it assigns, or the first function it calls (``display_soln_array_as_img``)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        body = []
    last = body[-1] if body else None
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and isinstance(last.value.func, ast.Attribute) \
            and isinstance(last.value.func.value, ast.Name) and last.value.func.value.id == "widgets":
        return f"widget_{last.value.func.attr}"
    if body and isinstance(body[0], (ast.Import, ast.ImportFrom)) and \
            all(isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign)) for n in body):
        return "imports"
    for kinds in ((ast.FunctionDef, ast.ClassDef), (ast.Assign, ast.AnnAssign), (ast.Call,)):
        for node in (n for top in body for n in ast.walk(top)):
            if isinstance(node, kinds):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    return node.name
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    return node.targets[0].id
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    return node.target.id
                if isinstance(node, ast.Call):
                    func = node.func
                    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "demo")
    return "demo"


def lock_course_cells(nb) -> bool:
    """Make every course-authored code cell (no nbgrader metadata) a locked, ungraded nbgrader cell.

    nbgrader then makes it read-only in the release and puts it back at grading, so an edit
    to the course's imports or helpers gains nothing. Its grade_id (``course_<name>``) is
    given once and kept, so it stays stable when the cell is edited later. True if anything changed.
    """
    taken = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("metadata", {}).get("nbgrader") or not cell.source.strip():
            continue
        stem = (COURSE_CELL_PREFIX + course_cell_name(cell.source))[:60]
        grade_id, n = stem, 2
        while grade_id in taken:
            grade_id, n = f"{stem}_{n}", n + 1
        taken.add(grade_id)
        cell.metadata["nbgrader"] = nbgrader_meta("locked", grade_id, None)
        cell.id = grade_id  # as nbsrc gives every nbgrader cell: regenerated notebooks stay byte-identical
        changed = True
    return changed


def badge(repo: str, ref: str, master: Path) -> str:
    link = BADGE_LINK.format(repo=repo, ref=ref, assignment=master.parent.name, notebook=master.name)
    return f"{BADGE}({link})"


def stamp_readme(text: str, repo: str, ref: str) -> str:
    """Point every Colab badge link in the README at repo@ref."""
    pattern = re.compile(r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/release/")
    return pattern.sub(f"https://colab.research.google.com/github/{repo}/blob/{ref}/release/", text)


def stamp_all(root: Path = ROOT, only: list[str] | None = None) -> list[Path]:
    """Stamp course.toml's repo/ref into the master notebooks (of ``only`` these assignments) and the README."""
    cfg = course_config(root)
    changed = []
    for path in source_notebooks():
        if only and path.parent.name not in only:
            continue
        nb = nbformat.read(path, as_version=4)
        stamped = stamp_notebook(nb, cfg["repo"], cfg["ref"])
        if lock_course_cells(nb) or stamped:
            nbformat.write(nb, path)
            changed.append(path)
    if README.exists():
        text = README.read_text()
        new = stamp_readme(text, cfg["repo"], cfg["ref"])
        if new != text:
            README.write_text(new)
            changed.append(README)
    return changed
