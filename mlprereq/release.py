"""Generate the student notebooks in release/ with nbgrader's API.

    python -m mlprereq.release           # stamp setup cells, regenerate release/
    python -m mlprereq.release --check   # exit 1 if release/ differs from a fresh generation
"""
from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from .authoring import stamp_all
from .course import ROOT
from .nbgrader_api import make_api

COURSE_FILES = ("nbgrader_config.py", "course.toml", "colab_setup.py")


class ReleaseError(RuntimeError):
    pass


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate(root: Path = ROOT, only: list[str] | None = None, db_url: str | None = None) -> list[str]:
    """Regenerate release/<assignment>/ for the assignments in source/ (or ``only`` these).

    nbgrader records what it generates in a gradebook; unless ``db_url`` names
    one, a scratch gradebook is used so that generating never touches grades.
    """
    with tempfile.TemporaryDirectory(prefix="release-db-") as scratch:
        api = make_api(root, CourseDirectory__db_url=db_url or f"sqlite:///{scratch}/gradebook.db")
        done = []
        for aid in only or assignments(root):
            result = api.generate_assignment(aid, force=True, create=True)
            if not result["success"]:
                raise ReleaseError(f"nbgrader could not generate {aid}:\n{result.get('log') or result.get('error')}")
            for path in sorted((root / "release" / aid).glob("*.ipynb")):
                tidy_release_notebook(path)
            done.append(aid)
    return done


HIDDEN_NOTE = "# Hidden tests ({points:g} points) run when your notebook is graded."
# The kernel students run: `make setup` and hub/hubctl.py install it under this name.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ml-prereqs)", "language": "python"}


def kernel_metadata() -> dict:
    """The notebook metadata JupyterLab writes once the course kernel starts (kernelspec, language_info).

    A release notebook that already holds exactly these opens unmodified; otherwise JupyterLab fills
    them in and the tab shows "modified" before the student has typed anything. language_info is
    ipykernel's own (its version is this Python's).
    """
    import copy

    from ipykernel.ipkernel import IPythonKernel

    return {"kernelspec": dict(KERNELSPEC), "language_info": copy.deepcopy(IPythonKernel.language_info)}


def tidy_release_notebook(path: Path) -> bool:
    """Cosmetics nbgrader leaves out: a one-line note in each emptied hidden-test cell, the setup cell collapsed,
    the course kernel's metadata (so that JupyterLab opens the notebook unmodified).

    The note's checksum is recomputed, so Validate sees an unchanged cell; at grading nbgrader's
    OverwriteCells puts the hidden tests back from the gradebook, as for an empty cell.
    """
    import nbformat
    from nbgrader.utils import compute_checksum

    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    nb.metadata.update(kernel_metadata())
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution") and not cell.source.strip():
            cell.source = HIDDEN_NOTE.format(points=float(meta.get("points", 0)))
            meta["checksum"] = compute_checksum(cell)
        if meta.get("grade_id") == "setup":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True  # JupyterLab shows a one-line stub
    after = nbformat.writes(nb)
    if after != before:
        path.write_text(after + "\n" if not after.endswith("\n") else after)
    return after != before


def fresh_release(root: Path = ROOT) -> tuple[Path, tempfile.TemporaryDirectory]:
    """Generate the release into a scratch copy of the course; returns its release/ folder."""
    tmp = tempfile.TemporaryDirectory(prefix="release-check-")
    scratch = Path(tmp.name)
    shutil.copytree(root / "source", scratch / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for name in COURSE_FILES:
        shutil.copy2(root / name, scratch / name)
    generate(scratch)
    return scratch / "release", tmp


def _comparable(path: Path) -> bytes:
    """A file's bytes; for a notebook, without the Python patch version (the one thing machines may differ in)."""
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        import json

        nb = json.loads(data)
        nb.get("metadata", {}).get("language_info", {}).pop("version", None)
        return json.dumps(nb, sort_keys=True).encode()
    return data


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folder trees."""
    out = []

    def walk(cmp: filecmp.dircmp, prefix: str):
        out.extend(prefix + n for n in cmp.left_only + cmp.right_only + cmp.funny_files)
        out.extend(prefix + n for n in cmp.common_files if _comparable(Path(cmp.left) / n) != _comparable(Path(cmp.right) / n))
        for name, sub in cmp.subdirs.items():
            walk(sub, prefix + name + "/")

    walk(filecmp.dircmp(a, b, ignore=["__pycache__", ".ipynb_checkpoints"]), "")
    return sorted(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Generate release/ from source/")
    parser.add_argument("--check", action="store_true", help="only compare release/ with a fresh generation")
    parser.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    args = parser.parse_args(argv)
    if args.check:
        fresh, tmp = fresh_release(ROOT)
        with tmp:
            diff = differences(ROOT / "release", fresh)
        for d in diff:
            print(f"release/{d} differs from what source/ generates")
        return 1 if diff else 0
    for path in stamp_all(ROOT, only=args.assignments):
        print(f"stamped {path.relative_to(ROOT)}")
    for aid in generate(ROOT, only=args.assignments):
        print(f"generated release/{aid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
