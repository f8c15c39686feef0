"""Build the hostile cohort: one course, one small assignment, every way a submission can go wrong.

    .venv/bin/python tests/hostile/build.py DEST      # build it (then: course --course DEST grade guarded)

The assignment is tests/fixtures/guarded.py: three exercises (double, halve,
count_positive), each with a visible and a hidden test, 8 points. Its tests use
mlprereq.checks, torch.allclose, numpy.testing, torch.testing and a builtin,
so that each can be monkeypatched. Every student below states the outcome it
must get; the normal students (full, partial, blank, absent) are graded in the
same batch and must come out exactly as in a batch of their own.

Attacks sit in the first exercise (``double``) where possible, so "that cell
scores 0 and the run goes on" shows as: double's 3 points lost, the other 5 kept.
"""
from __future__ import annotations

import json
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from mlprereq import nbsrc, notebooks, release  # noqa: E402
from mlprereq.grading.cohort import COURSE_FILES  # noqa: E402

ASSIGNMENT = "guarded"
NOTEBOOK = "guarded.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "guarded.py"
CELLS = {"double__visible": 1.0, "double__hidden": 2.0, "halve__visible": 1.0, "halve__hidden": 2.0,
         "count_positive__visible": 1.0, "count_positive__hidden": 1.0}
EXERCISES = ("double", "halve", "count_positive")


def scores(lost=()) -> dict[str, float]:
    """Full marks except the test cells of the exercises (or the cells) in ``lost``."""
    return {gid: (0.0 if gid in lost or notebooks.exercise_of(gid) in lost else pts) for gid, pts in CELLS.items()}


@dataclass
class Expected:
    status: str                                   # graded | failed | not_submitted
    cells: dict[str, float] | None = None         # exact score per test cell (graded only)
    reason: str = ""                              # a substring of the reason ("" = no reason expected)
    flags: list[str] = field(default_factory=list)  # substrings each of which some flag must contain
    files_absent: list[str] = field(default_factory=list)  # paths (relative to the course) that must not exist

    @property
    def score(self) -> float:
        return sum((self.cells or {}).values())


# -- what each student submits ---------------------------------------------------------------------------
def solution_code(master, exercise: str) -> str:
    return notebooks.solved_source(notebooks.solution_cells(master)[exercise].source)


def submission(release_nb, master, solved=EXERCISES, replace: dict[str, str] | None = None):
    """The release notebook with ``solved`` exercises solved and ``replace`` (exercise -> code) swapped in."""
    nb = notebooks.fill_solutions(release_nb, master, set(solved))
    for cell in nb.cells:
        gid = notebooks.meta(cell).get("grade_id")
        if replace and gid in replace:
            cell.source = replace[gid]
    return nb


def cell_index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if notebooks.meta(c).get("grade_id") == grade_id)


def colab_json(nb) -> str:
    """How Colab saves a notebook: nbformat 4.0, its own metadata, metadata.id on every cell, no cell ids."""
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = 0
    data["metadata"] = {"colab": {"name": f"Copy of {NOTEBOOK}", "provenance": [], "collapsed_sections": []},
                        "kernelspec": {"name": "python3", "display_name": "Python 3"},
                        "language_info": {"name": "python"}, "accelerator": "GPU"}
    for i, cell in enumerate(data["cells"]):
        cell.pop("id", None)
        cell["metadata"]["id"] = f"c{i:04x}Xy"
        if cell["cell_type"] == "code":
            cell["metadata"]["colab"] = {"base_uri": "https://localhost:8080/"}
            cell["metadata"]["outputId"] = f"o{i:04x}"
    return json.dumps(data, indent=2)


STUBBORN_LOOP = '''import torch, time

def double(x):
    while True:  # catches the interrupt too
        try:
            time.sleep(0.05)
        except BaseException:
            pass
'''
MEMORY_BOMB = '''import torch

def double(x):
    hog = []
    while True:
        hog.append(bytearray(64 * 2**20))
'''
FORK_BOMB = '''import torch, os

def double(x):
    while True:
        os.fork()
'''
HUGE_OUTPUT = '''import torch

def double(x):
    while True:
        print("spam " * 2000)
'''
SOCKET = '''import torch, socket

def double(x):
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"leak")
    except OSError as err:
        print("socket failed:", err)
    return 2 * x
'''
READ_SOURCE = '''import torch, os, sqlite3

def double(x):
    for path in ["../../../source/guarded/guarded.ipynb", "../../../gradebook.db",
                 "../../partial/guarded/guarded.ipynb", os.path.expanduser("~root/.bashrc")]:
        try:
            print(open(path).read()[:100])
        except OSError as err:
            print("read failed:", type(err).__name__)
    try:
        sqlite3.connect("file:../../../gradebook.db?mode=ro", uri=True).execute("select * from grade").fetchall()
    except Exception as err:
        print("gradebook failed:", type(err).__name__)
    return 2 * x
'''
WRITE_OUTSIDE = '''import torch

def double(x):
    for path in ["../../../grades.csv", "hacked.txt", "../../../source/guarded/pwned.txt"]:
        try:
            open(path, "w").write("hacked")
        except OSError as err:
            print("write failed:", type(err).__name__)
    open("/tmp/scratch-is-fine.txt", "w").write("ok")
    return 2 * x
'''
NOISY = {
    "double": '''import sys, warnings, torch

def double(x):
    print("debug: doubling", x, file=sys.stderr)
    warnings.warn("a deprecation a library might raise", DeprecationWarning)
    return 2 * x
''',
    "halve": '''import sys, warnings
import numpy as np

def halve(a):
    sys.stderr.write("halving\\n")
    warnings.warn("careful")
    return a / 2
''',
    "count_positive": '''import sys

def count_positive(values):
    print("counting", len(values), "values", file=sys.stderr)
    return sum(1 for v in values if v > 0)
''',
}


def build_students(master, release_nb, port: int) -> dict[str, tuple[object, Expected]]:
    """student -> (what to write: notebook | str | bytes | None | dict of files, Expected)."""
    full = submission(release_nb, master)
    out: dict[str, tuple[object, Expected]] = {}
    out["full"] = (full, Expected("graded", scores()))
    out["partial"] = (submission(release_nb, master, solved=("double",)), Expected("graded", scores(("halve", "count_positive"))))
    out["blank"] = (release_nb, Expected("graded", scores(EXERCISES)))
    out["absent"] = (None, Expected("not_submitted", reason="no submission"))

    # -- files that are not (quite) notebooks
    out["corrupt-json"] = (nbformat.writes(full)[:700], Expected("failed", reason="not a readable notebook"))
    out["colab"] = (colab_json(full), Expected("graded", scores()))
    out["copyof"] = ("zip:copyof_12345_67890_Copy of guarded.ipynb", Expected("graded", scores()))
    out["lmsname"] = ("zip:lmsname_999_guarded (1).ipynb", Expected("graded", scores()))
    out["missing"] = ({"notes.txt": "I could not finish, sorry"}, Expected("failed", reason="guarded.ipynb was not submitted"))
    out["empty"] = (b"", Expected("failed", reason="empty file"))

    # -- cells deleted, duplicated, edited, retyped
    nb = nbformat.from_dict(full)
    for gid in ("double__hidden", "halve__visible"):
        del nb.cells[cell_index(nb, gid)]
    out["deleted-tests"] = (nb, Expected("graded", scores(), reason="test cell double__hidden was deleted"))
    nb = nbformat.from_dict(full)
    for gid in ("count_positive__visible", "halve"):
        i = cell_index(nb, gid)
        twin = nbformat.from_dict(nb.cells[i])
        twin.pop("id", None)
        nb.cells.insert(i + 1, twin)
    out["duplicated"] = (nb, Expected("graded", scores(), reason="appears 2 times"))
    nb = submission(release_nb, master, replace={"double": "import torch\n\ndef double(x):\n    return x\n"})
    nb.cells[cell_index(nb, "double__visible")].source = "print('double passed')  # the student 'fixed' the test"
    out["edited-test"] = (nb, Expected("graded", scores(("double",)), reason="test cell double__visible was edited"))
    nb = nbformat.from_dict(full)
    i = cell_index(nb, "halve__visible")
    cell = nb.cells[i]
    nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    out["type-changed"] = (nb, Expected("graded", scores(), reason="halve__visible was changed from code to markdown"))

    # -- stderr from a correct answer
    out["noisy"] = (submission(release_nb, master, replace=NOISY), Expected("graded", scores()))

    # -- runaway code: that exercise scores 0, the rest of the notebook is graded
    out["infinite-loop"] = (submission(release_nb, master, replace={"double": "import torch\n\ndef double(x):\n    while True:\n        pass\n"}),
                            Expected("graded", scores(("double",)), reason="double__visible timed out"))
    out["stubborn-loop"] = (submission(release_nb, master, replace={"double": STUBBORN_LOOP}),
                            Expected("graded", scores(("double",)), reason="ignored the interrupt"))
    out["memory-bomb"] = (submission(release_nb, master, replace={"double": MEMORY_BOMB}), Expected("graded", scores(("double",))))
    out["fork-bomb"] = (submission(release_nb, master, replace={"double": FORK_BOMB}),
                        Expected("graded", scores(("double",)), flags=["processes", "os.fork"]))
    out["huge-output"] = (submission(release_nb, master, replace={"double": HUGE_OUTPUT}),
                          Expected("graded", scores(("double",)), flags=["output larger than"]))

    # -- reaching out of the sandbox: blocked and flagged (the answers are right, so full marks)
    out["socket"] = (submission(release_nb, master, replace={"double": SOCKET.format(port=port)}),
                     Expected("graded", scores(), flags=["network", "imports socket"]))
    out["read-source"] = (submission(release_nb, master, replace={"double": READ_SOURCE}),
                          Expected("graded", scores(), flags=["read blocked", "imports sqlite3"]))
    out["write-outside"] = (submission(release_nb, master, replace={"double": WRITE_OUTSIDE}),
                            Expected("graded", scores(), flags=["write blocked"],
                                     files_absent=["hacked.txt", "source/guarded/pwned.txt",
                                                   "autograded/write-outside/guarded/hacked.txt"]))

    # -- monkeypatching so that a wrong answer would pass: the wrong answer earns nothing, and is flagged
    wrong_double = "import torch\n\ndef double(x):\n    return x + 1\n"
    wrong_halve = "import numpy as np\n\ndef halve(a):\n    return a\n"
    wrong_count = "def count_positive(values):\n    return len(values)\n"
    out["patch-checks"] = (submission(release_nb, master, replace={"double": wrong_double + (
        "import mlprereq.checks\nmlprereq.checks.assert_all_close = lambda *args, **kwargs: None\n")}),
        Expected("graded", scores(("double",)), flags=["mlprereq.checks.assert_all_close"]))
    out["patch-allclose"] = (submission(release_nb, master, replace={"double": wrong_double + (
        "torch.allclose = lambda *args, **kwargs: True\n")}),
        Expected("graded", scores(("double",)), flags=["torch.allclose"]))
    out["patch-assert-close"] = (submission(release_nb, master, replace={"halve": wrong_halve + (
        "import torch.testing\ntorch.testing.assert_close = lambda *args, **kwargs: None\n")}),
        Expected("graded", scores(("halve",)), flags=["torch.testing.assert_close"]))
    out["patch-numpy-testing"] = (submission(release_nb, master, replace={"halve": wrong_halve + (
        "import numpy.testing\nnumpy.testing.assert_allclose = lambda *args, **kwargs: None\n")}),
        Expected("graded", scores(("halve",)), flags=["numpy.testing.assert_allclose"]))
    out["patch-builtins"] = (submission(release_nb, master, replace={"count_positive": wrong_count + (
        "import builtins\nbuiltins.abs = lambda value: 0\n")}),
        Expected("graded", scores(("count_positive",)), flags=["builtins.abs"]))
    out["patch-rebind"] = (submission(release_nb, master, replace={"count_positive": wrong_count + (
        "def assert_all_close(*args, **kwargs):\n    pass\n")}),
        Expected("graded", scores(("count_positive",)), flags=["assert_all_close"]))
    out["patch-during-test"] = (submission(release_nb, master, replace={"double": (
        "import torch\n\ndef double(x):\n    torch.allclose = lambda *args, **kwargs: True\n    return x\n")}),
        Expected("graded", scores(("double",)), flags=["torch.allclose"]))
    return out


NORMAL = ("full", "partial", "blank", "absent")


def make_course(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    (dest / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(nbsrc.script_to_notebook(FIXTURE.read_text()), dest / "source" / ASSIGNMENT / NOTEBOOK)
    release.generate(dest)
    return dest


def build_cohort(dest: Path, port: int = 9) -> tuple[Path, dict[str, Expected]]:
    """The course at ``dest`` with the cohort in submitted/ (the LMS-named ones collected from a zip) and a
    roster of everyone; returns (course, expected outcome per student)."""
    course = make_course(Path(dest))
    master = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release_nb = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    students = build_students(master, release_nb, port)
    full_text = nbformat.writes(submission(release_nb, master))
    zipped = {}
    for student, (content, _) in students.items():
        if content is None:
            continue
        if isinstance(content, str) and content.startswith("zip:"):
            zipped[content[4:]] = full_text
            continue
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(content, nbformat.NotebookNode):
            nbformat.write(content, folder / NOTEBOOK)
        elif isinstance(content, dict):
            for name, text in content.items():
                (folder / name).write_text(text)
        elif isinstance(content, bytes):
            (folder / NOTEBOOK).write_bytes(content)
        else:
            (folder / NOTEBOOK).write_text(content)
    archive = course / "lms_download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, text in zipped.items():
            z.writestr(name, text)
    (course / "roster.csv").write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},{s.title()},Student,{s}@example.org\n" for s in students))
    return course, {s: e for s, (_, e) in students.items()}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    course, expected = build_cohort(Path(sys.argv[1]).resolve())
    print(f"hostile cohort of {len(expected)} students in {course}; grade it with:\n"
          f"  course --course {course} grade {ASSIGNMENT} --roster {course / 'roster.csv'} "
          f"--zip {course / 'lms_download.zip'}")
