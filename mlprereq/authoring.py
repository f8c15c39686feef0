"""Keep every master notebook's first cell and the README badges in step with course.toml."""
from __future__ import annotations

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
        if stamp_notebook(nb, cfg["repo"], cfg["ref"]):
            nbformat.write(nb, path)
            changed.append(path)
    if README.exists():
        text = README.read_text()
        new = stamp_readme(text, cfg["repo"], cfg["ref"])
        if new != text:
            README.write_text(new)
            changed.append(README)
    return changed
