"""Where a course's files are, from nbgrader's own ``CourseDirectory`` (one place, not path joins by hand).

    >>> layout = CourseLayout.at("/srv/course")
    >>> layout.submitted("ada", "03_einops")      # coursedir.format_path(submitted_directory, "ada", "03_einops")
    PosixPath('/srv/course/submitted/ada/03_einops')
    >>> CourseLayout.find(Path("/srv/course/autograded/ada/03_einops")).root
    PosixPath('/srv/course')

Also: which parts of a course a grading kernel may see (what a student receives
anyway, as Colab extracts it) and which are private, and whether the venv's
``mlprereq`` is the one of the course being graded (:func:`installed_package_problem`).
"""
from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CONFIG = "nbgrader_config.py"
# What a student receives anyway: exactly what colab_setup.ARCHIVE_PARTS extracts on Colab (a test checks).
STUDENT_VIEW = ("colab_setup.py", "mlprereq", "data", "requirements.txt")
# Never mounted in a grading kernel; the audit hook also refuses them by path, the static review flags them.
PRIVATE = ("source", "gradebook.db", "submitted", "autograded", "feedback", "release", "grading_status",
           "exchange", CONFIG, "grades.csv", "reports", "tests", ".git")


@dataclass(frozen=True)
class CourseLayout:
    root: Path

    @classmethod
    def at(cls, root) -> "CourseLayout":
        return cls(Path(os.path.realpath(root)))

    @classmethod
    def find(cls, start: Path) -> "CourseLayout | None":
        """The course holding ``start``: the nearest folder above it with an nbgrader_config.py."""
        start = Path(os.path.realpath(start))
        for p in [start, *start.parents]:
            if (p / CONFIG).is_file():
                return cls(p)
        return None

    @functools.cached_property
    def coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(root=str(self.root))

    def _path(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    def source(self, assignment: str) -> Path:
        return self._path("source", ".", assignment)

    def release(self, assignment: str) -> Path:
        return self._path("release", ".", assignment)

    def submitted(self, student: str, assignment: str) -> Path:
        return self._path("submitted", student, assignment)

    def autograded(self, student: str, assignment: str) -> Path:
        return self._path("autograded", student, assignment)

    def feedback(self, student: str, assignment: str) -> Path:
        return self._path("feedback", student, assignment)

    def masters(self, assignment: str) -> list[Path]:
        """The assignment's master notebooks, by name."""
        return sorted(self.source(assignment).glob("*.ipynb"))

    def private_paths(self) -> list[str]:
        return [str(self.root / p) for p in PRIVATE]

    def student_view(self) -> list[str]:
        return [str(self.root / p) for p in STUDENT_VIEW]


# --------------------------------------------------------------------------- which mlprereq a kernel gets
@functools.lru_cache(maxsize=None)
def kernel_package_dir(python: str = sys.executable) -> str | None:
    """The folder a fresh interpreter of ``python`` imports ``mlprereq`` from (as a grading kernel does:
    isolated, away from the course folder), or None when it cannot import it at all."""
    probe = "import importlib.util as u; s = u.find_spec('mlprereq'); print(s.origin if s and s.origin else '')"
    try:
        out = subprocess.run([python, "-I", "-c", probe], capture_output=True, text=True, timeout=60, cwd="/").stdout
    except (OSError, subprocess.SubprocessError):
        return None
    origin = out.strip()
    return os.path.dirname(os.path.realpath(origin)) if origin else None


def installed_package_problem() -> str | None:
    """One sentence when grading kernels would not run this process's ``mlprereq`` (None: they would).

    A venv whose editable install points at another checkout (the course folder was
    moved or copied away from it) gives kernels that die at start with "Kernel died
    before replying to kernel_info", or run another version of the course's code.
    """
    import mlprereq

    here = os.path.dirname(os.path.realpath(mlprereq.__file__))
    there = kernel_package_dir(sys.executable)
    if there == here:
        return None
    fix = (f"run `make setup` (or `{sys.executable} -m pip install --no-deps -e {os.path.dirname(here)}`) "
           "in the course folder you grade from")
    if there is None:
        return (f"grading kernels cannot import mlprereq: the environment {sys.prefix} has no working install of it "
                f"(an editable install pointing at a checkout that was moved or deleted?), while this grader runs "
                f"{here}; {fix}")
    return (f"grading kernels would import mlprereq from {there}, but this grader runs {here}: the environment "
            f"{sys.prefix} is installed (editable) from another checkout than the course folder being graded; {fix}")
