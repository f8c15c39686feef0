"""A throwaway course directory for grading tests."""
import shutil
from pathlib import Path

import nbformat

from mlprereq import nbsrc, release
from mlprereq.grading.cohort import COURSE_FILES, make_course_dir

ROOT = Path(__file__).resolve().parents[1]
TOY = Path(__file__).resolve().parent / "fixtures" / "toy.py"


def toy_course(dest: Path) -> Path:
    """A course with one assignment `toy` (notebook toy.ipynb), release generated."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    (dest / "source" / "toy").mkdir(parents=True)
    nb = nbsrc.script_to_notebook(TOY.read_text())
    nbformat.write(nb, dest / "source" / "toy" / "toy.ipynb")
    release.generate(dest)
    return dest


def real_course(dest: Path) -> Path:
    """A grading folder sharing the repository's source/ and release/."""
    return make_course_dir(dest, ROOT)
