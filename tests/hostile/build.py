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

import copy
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
from mlprereq.authoring import lock_course_cells  # noqa: E402
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
# Widget state is stored in the graded notebook (not an output): 3 MB of it in one cell, under the same budget.
WIDGET_FLOOD = '''import torch

def double(x):
    return 2 * x

import ipywidgets
_flood = [ipywidgets.Textarea(value="x" * 500_000) for _ in range(6)]
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
SHADOW_TORCH = '''import os, sys
_dir = os.path.dirname(os.path.abspath(__file__))
_saved = sys.path[:]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _dir]
del sys.modules["torch"]
import torch
sys.path[:] = _saved
torch.allclose = lambda *args, **kwargs: True
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
    out["widget-flood"] = (submission(release_nb, master, replace={"double": WIDGET_FLOOD}),
                           Expected("graded", scores(), flags=["output larger than"]))
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
    # Not builtins.abs itself: a global of that name, which the test's abs(...) finds first.
    out["patch-shadow-builtin"] = (submission(release_nb, master, replace={"count_positive": wrong_count + (
        "abs = lambda value: 0\n")}),
        Expected("graded", scores(("count_positive",)), flags=["hid the builtin 'abs'"]))
    # A thread of the student's own code, alive while the tests run, could change anything they compare.
    out["patch-thread"] = (submission(release_nb, master, replace={"count_positive": (
        "import threading, time\n\ndef count_positive(values):\n    return sum(1 for v in values if v > 0)\n\n"
        "def _watch():\n    while True:\n        time.sleep(0.01)\n\n"
        "threading.Thread(target=_watch, daemon=True).start()\n")}),
        Expected("graded", scores(("count_positive",)), flags=["a thread running the notebook's own code"]))
    out["patch-rebind"] = (submission(release_nb, master, replace={"count_positive": wrong_count + (
        "def assert_all_close(*args, **kwargs):\n    pass\n")}),
        Expected("graded", scores(("count_positive",)), flags=["assert_all_close"]))
    out["patch-during-test"] = (submission(release_nb, master, replace={"double": (
        "import torch\n\ndef double(x):\n    torch.allclose = lambda *args, **kwargs: True\n    return x\n")}),
        Expected("graded", scores(("double",)), flags=["torch.allclose"]))
    # nbclient skips a cell tagged skip-execution; a test cell that never ran has no error (full marks): all run.
    nb = submission(release_nb, master, replace={"double": wrong_double})
    for gid in ("double__visible", "double__hidden"):
        nb.cells[cell_index(nb, gid)].metadata["tags"] = ["skip-execution"]
    out["patch-skip-tag"] = (nb, Expected("graded", scores(("double",)), flags=["'skip-execution' (ignored"]))
    # A torch.py next to the notebook shadowed torch in the kernel (the working directory was on sys.path): it
    # loads the real torch, patches it before the guard's snapshot, and is no cell the review reads.
    nb = submission(release_nb, master, replace={"double": wrong_double})
    out["patch-shadow-module"] = ({NOTEBOOK: nbformat.writes(nb), "torch.py": SHADOW_TORCH},
                                  Expected("graded", scores(("double",)), flags=["Python code the release does not (torch.py)"]))
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


# == The differential cohort ==============================================================================
# tests/fixtures/differential.py, whose hidden tests follow the course's convention (mlprereq.checks, the
# student's value first, the expected value lazy) and are compared in the grader. Each student gives the same
# wrong answers as `wrong` plus one trick, in one of three classes: objects that lie about comparisons (LIES),
# course cells edited or helpers rebound (REBINDS), hidden tests leaked into what the student sees (LEAKS).
# Every trick must score exactly what `wrong` scores (0) and its feedback must hold no hidden-test line
# (tests/test_differential.py grades them).
DIFFERENTIAL = "differential"
DIFFERENTIAL_NOTEBOOK = "differential.ipynb"
DIFFERENTIAL_FIXTURE = ROOT / "tests" / "fixtures" / "differential.py"
DIFFERENTIAL_WRONG = {
    "double": "def double(x):\n    return x + 1\n",
    "halve": "def halve(a):\n    return a\n",
    "count_positive": "def count_positive(values):\n    return len(values)\n",
}
TORCH_FUNCTION = '''
import torch

class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func.__name__ in ("__eq__", "eq", "isclose", "allclose", "equal", "__ne__", "ne"):
            return torch.ones((), dtype=torch.bool) if func.__name__ not in ("__ne__", "ne") else torch.zeros((), dtype=torch.bool)
        return super().__torch_function__(func, types, args, kwargs)

def double(x):
    return (x + 1).as_subclass(Agreeable)
'''
TORCH_DISPATCH = '''
import torch

class Dispatcher(torch.Tensor):
    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return torch.ones((), dtype=torch.bool)

def double(x):
    return (x + 1).as_subclass(Dispatcher)
'''
ARRAY = '''
import numpy as np

class Yes(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(inputs[0]), dtype=bool)
    def __array_function__(self, func, types, args, kwargs):
        return True

def halve(a):
    return np.asarray(a).view(Yes)
'''
NUMBER = '''
class Three(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
    def __sub__(self, other):
        return 0

def count_positive(values):
    return Three(len(values))
'''
REBIND_GLOBALS = '''
def double(x):
    return x + 1

globals()["assert_all_close"] = lambda *args, **kwargs: None
globals()["assert_all_equal"] = lambda *args, **kwargs: None
globals()["assert_shape"] = lambda *args, **kwargs: None
'''
PATCH_MODULE = '''
import mlprereq.checks as checks

def double(x):
    return x + 1

checks.assert_all_close = checks.assert_all_equal = checks.assert_shape = lambda *args, **kwargs: None
'''
PATCH_DURING_TEST = '''
import mlprereq.checks as checks

def double(x):
    checks._graded = lambda *args, **kwargs: True  # "the grader recorded it": compare nothing
    return x + 1
'''
FAKE_RECORDER = '''
def double(x):
    for cls in (0).__class__.__subclasses__():
        if cls.__name__ == "_mlprereq_grading_guard":
            cls.begin("mine")  # try to take the recording over
            cls.record("all_close", 2 * x)  # the right answer, for the wrong count of checks
    return x + 1
'''

PRINT_HISTORY = """
import linecache, sys

def count_positive(values):
    caller = sys._getframe(1)  # the hidden test's own frame
    print("CALLER", caller.f_code.co_consts, caller.f_locals.get("_ih"), caller.f_globals.get("In"))
    return len(values)

ip = get_ipython()
print("IN", In)
print("IH", _ih)
print("OUT", Out)
print("I-N", [v for k, v in globals().items() if k.startswith("_i")])
print("HISTORY", list(ip.history_manager.get_range(raw=True)), ip.history_manager.input_hist_raw)
cells = {**getattr(linecache, "_ipython_cache", {}), **linecache.cache}  # the cells' entries, not library files
print("LINECACHE", ["".join(v[2]) for k, v in cells.items() if "ipykernel" in str(k) and isinstance(v, tuple) and len(v) > 2])
"""

STACK_LATER = """
import traceback

STOLEN = globals().get("STOLEN", [])  # what double() kept while the hidden tests ran

def count_positive(values):
    return len(values)

print("STACK", STOLEN)
"""
STACK_DOUBLE = """
import traceback, sys

def double(x):
    stolen = sys.modules["__main__"].__dict__.setdefault("STOLEN", [])
    stolen.append("".join(traceback.format_stack()))
    return x + 1
"""
HTML_LEAK = """
from IPython.display import HTML, display

def count_positive(values):
    return len(values)

display(HTML("<pre>" + "\\n".join(In) + "</pre>"))
"""
ERROR_LEAK = """
def count_positive(values):
    return len(values)

raise RuntimeError("history: " + " | ".join(_ih))
"""

# The course's own import cell, edited (not locked in the release) to define helpers that accept anything.
COURSE_CELL = "from mlprereq.checks import assert_all_close"
EDITED_COURSE_CELL = """import numpy as np
import torch

def assert_all_close(*args, **kwargs):
    pass

assert_all_equal = assert_shape = assert_all_close
"""
# The same, and the student's cell also re-imports the real helpers under other names to confuse the review.
EDITED_COURSE_CELL_ALIASED = EDITED_COURSE_CELL + "from mlprereq import checks as _real_checks\n"
# The course cell deleted altogether, the helpers defined in the answer cell instead.
DEFINE_HELPERS_IN_ANSWER = """
def double(x):
    return x + 1

def assert_all_close(*args, **kwargs):
    return None

assert_all_equal = assert_shape = assert_all_close
"""

# A course-defined helper the hidden test calls, rebound from the answer cell so the test feeds it only positives.
REBIND_COURSE_HELPER = """
def count_positive(values):
    return len(values)

globals()["positives"] = lambda n, seed: [1.0] * n
"""

# student -> (how the course's import cell is changed, its new source). The course cells are locked in the
# master (authoring.lock_course_cells), so grading restores each one (course_cells.py) and the review notes it.
COURSE_CELL_EDITS = {
    "edit-course-cell": ("edit", EDITED_COURSE_CELL),
    "edit-course-cell-aliased": ("edit", EDITED_COURSE_CELL_ALIASED),
    "delete-course-cell": ("delete", None),
    "strip-course-cell": ("strip", EDITED_COURSE_CELL),  # edited, and its nbgrader metadata removed
    "move-course-cell": ("move", None),  # to the end: the tests would run without their helpers
    "right-edit-course-cell": ("edit", EDITED_COURSE_CELL),
    "right-delete-course-cell": ("delete", None),
    "right-strip-course-cell": ("strip-move", None),  # unchanged, no metadata, moved to the end
    "right-move-course-cell": ("move", None),
}
COURSE_CELL_NOTES = {
    "edit-course-cell": "course cell course_imports was edited (restored)",
    "edit-course-cell-aliased": "course cell course_imports was edited (restored)",
    "delete-course-cell": "course cell course_imports was deleted (restored)",
    "strip-course-cell": "course cell course_imports was deleted (restored)",
    "move-course-cell": "course cell course_imports was moved (restored)",
    "right-edit-course-cell": "course cell course_imports was edited (restored)",
    "right-delete-course-cell": "course cell course_imports was deleted (restored)",
    "right-strip-course-cell": "course cell course_imports lost its nbgrader metadata (restored)",
    "right-move-course-cell": "course cell course_imports was moved (restored)",
}
# student -> the course-bound names its answer cells rebind: put back before the next test, and flagged.
REBOUND_COURSE_NAMES = {"rebind-globals": ["assert_all_close", "assert_all_equal", "assert_shape"],
                        "rebind-course-helper": ["positives"], "strip-course-cell": ["assert_all_close"]}


def edit_course_cell(nb, how: str, source: str | None, marker: str = COURSE_CELL) -> None:
    """Change the course cell of ``nb`` holding ``marker`` as a student could: edit, delete, strip, move it."""
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and marker in c.source)
    cell = nb.cells[index]
    if source is not None:
        cell.source = source
    if how.startswith("strip"):
        cell.metadata.pop("nbgrader", None)
    if how == "delete":
        del nb.cells[index]
    elif how.endswith("move"):
        nb.cells.append(nb.cells.pop(index))


# -- (a) objects that lie about comparisons, new variants
FLOAT_GAMES = '''
class Approximately(float):
    """Equal to anything, and whatever float() of it is asked, the right count."""
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__
    def __ne__(self, other):
        return False
    def __float__(self):
        return 3.0
    def __int__(self):
        return 3
    def __sub__(self, other):
        return 0.0
    __rsub__ = __sub__
    def __abs__(self):
        return 0.0

def count_positive(values):
    return Approximately(len(values))
'''
ARRAY_PROTOCOL = '''
import numpy as np

class LooksRight:
    """Not an array, but hands out the right answer to anyone who converts it."""
    def __init__(self, a):
        self.a = np.asarray(a)
    def __array__(self, dtype=None, copy=None):
        return self.a / 2 if dtype is None else (self.a / 2).astype(dtype)
    @property
    def __array_interface__(self):
        return (self.a / 2).__array_interface__
    def __index__(self):
        return 3
    def __float__(self):
        return 3.0
    shape = property(lambda self: self.a.shape)
    dtype = property(lambda self: self.a.dtype)

def halve(a):
    return LooksRight(a)
'''
TORCH_FUNCTION_MODE = '''
import torch
from torch.overrides import TorchFunctionMode

class EverythingIsClose(TorchFunctionMode):
    """Entered and never left: every torch comparison in the kernel says "equal"."""
    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("isclose", "allclose", "eq", "__eq__", "equal"):
            return torch.tensor(True)
        if name in ("ne", "__ne__"):
            return torch.tensor(False)
        return func(*args, **(kwargs or {}))

EverythingIsClose().__enter__()

def double(x):
    return x + 1
'''
NUMPY_SCALAR_SUBCLASS = '''
import numpy as np

class Three(np.int64):
    """A NumPy integer that is every number at once."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = np.int64.__hash__
    def __array__(self, dtype=None, copy=None):
        return np.array(3)

def count_positive(values):
    return Three(len(values))
'''
PARAMETER_SUBCLASS = '''
import torch

class Trusted(torch.nn.Parameter):
    """An nn.Parameter, but a subclass whose conversions give back twice the input."""
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("detach", "cpu", "clone", "contiguous", "numpy", "tolist", "__eq__", "eq", "isclose", "allclose"):
            return RIGHT.get(id(args[0]), torch.tensor(True))
        return super().__torch_function__(func, types, args, kwargs)

RIGHT = {}

def double(x):
    out = Trusted(x.detach() + 1, requires_grad=False)
    RIGHT[id(out)] = 2 * x
    return out
'''

# -- (b) course cells edited, helpers rebound, new variants
BUILTINS_HELPERS = '''
import builtins

def double(x):
    return x + 1

for _name in ("assert_all_close", "assert_all_equal", "assert_shape"):
    setattr(builtins, _name, lambda *args, **kwargs: None)  # found once the notebook's own names are gone
    globals().pop(_name, None)
'''
FAKE_MODULE = '''
import sys, types

def double(x):
    return x + 1

fake = types.ModuleType("mlprereq.checks")
fake.assert_all_close = fake.assert_all_equal = fake.assert_shape = lambda *args, **kwargs: None
sys.modules["mlprereq.checks"] = fake
import mlprereq
mlprereq.checks = fake
from mlprereq.checks import assert_all_close, assert_all_equal, assert_shape
'''
RELOAD_FROM_ELSEWHERE = '''
import importlib, os, sys, tempfile
import mlprereq, mlprereq.checks

def double(x):
    return x + 1

_fake_dir = tempfile.mkdtemp()
with open(os.path.join(_fake_dir, "checks.py"), "w") as f:
    f.write("def assert_all_close(*args, **kwargs):\\n    return None\\n"
            "assert_all_equal = assert_shape = assert_all_close\\n")
mlprereq.__path__.insert(0, _fake_dir)  # reload() looks for the module in its package's path, first entry first
importlib.invalidate_caches()
importlib.reload(mlprereq.checks)
from mlprereq.checks import assert_all_close, assert_all_equal, assert_shape
'''
SWAP_CODE = '''
import mlprereq.checks as checks

def double(x):
    return x + 1

def _accept(*args, **kwargs):
    return None

for _f in (checks.assert_all_close, checks.assert_all_equal, checks.assert_shape, checks._graded):
    try:
        _f.__code__ = _accept.__code__  # the same function objects the notebook imported, now empty
    except Exception as err:
        print("code swap failed:", type(err).__name__)
'''
SWAP_RECORDER = '''
def double(x):
    return x + 1

for cls in (0).__class__.__subclasses__():
    if cls.__name__ == "_mlprereq_grading_guard":
        for _method in ("begin", "end", "record"):
            try:
                setattr(cls, _method, staticmethod(lambda *args, **kwargs: True))  # "recorded": nothing compared
            except Exception as err:
                print("recorder swap failed:", type(err).__name__)
'''

# -- (c) hidden-test leaks, new variants (count_positive's cell runs after the other hidden tests)
GC_CODE_OBJECTS = """
import gc, inspect, linecache, types

def count_positive(values):
    return len(values)

for obj in gc.get_objects():
    code = obj.__code__ if isinstance(obj, types.FunctionType) else obj if isinstance(obj, types.CodeType) else None
    if code is not None and "/ipykernel_" in code.co_filename:  # the cells' code, not the libraries'
        print("CODE", code.co_filename, code.co_consts, code.co_names)
        print("LINES", "".join(linecache.getlines(code.co_filename)))
        try:
            print("SOURCE", inspect.getsource(code))
        except (OSError, TypeError):
            pass
"""
HISTORY_DATABASE = """
import sqlite3

def count_positive(values):
    return len(values)

hm = get_ipython().history_manager
print("HISTFILE", hm.hist_file)
for db in (hm.db, sqlite3.connect(str(hm.hist_file))):
    try:
        print("ROWS", db.execute("SELECT source, source_raw FROM history").fetchall())
    except Exception as err:
        print("history failed:", type(err).__name__)
"""
NOTEBOOK_AND_CONNECTION_FILE = """
import glob, json, os

def count_positive(values):
    return len(values)

for pattern in ("*.ipynb", "../*/*.ipynb", "/tmp/**/*.ipynb"):
    try:
        for path in glob.glob(pattern, recursive=True):
            print("NOTEBOOK", path, open(path).read())
    except OSError as err:
        print("read failed:", type(err).__name__)
try:
    from ipykernel import get_connection_file
    print("CONNECTION", open(get_connection_file()).read())
except Exception as err:
    print("connection file failed:", type(err).__name__)
print("ENV", dict(os.environ))
"""
FRAMES_KEPT = '''
import sys

def double(x):
    # The hidden test's frame, kept for later: its code, globals and lines.
    sys.modules["__main__"].__dict__.setdefault("FRAMES", []).append(sys._getframe(1))
    return x + 1
'''
FRAMES_PRINTED = '''
import inspect, linecache, traceback

FRAMES = globals().get("FRAMES", [])

def count_positive(values):
    return len(values)

for frame in FRAMES:
    print("CONSTS", frame.f_code.co_consts)
    print("LINES", "".join(linecache.getlines(frame.f_code.co_filename)))
    print("STACK", "".join(traceback.format_stack(frame)))
    try:
        print("SOURCE", inspect.getsource(frame))
    except (OSError, TypeError) as err:
        print("getsource failed:", type(err).__name__)
'''
TRACE_LINES = '''
import linecache, sys

TRACED = []

def _tracer(frame, event, arg):
    # Every line a cell runs (not library code), read from linecache while that cell runs.
    if "/ipykernel_" not in frame.f_code.co_filename:  # cells are /tmp/ipykernel_<pid>/<hash>.py
        return None
    if event == "line":
        TRACED.append(linecache.getline(frame.f_code.co_filename, frame.f_lineno))
    return _tracer

sys.settrace(_tracer)

def double(x):
    sys.settrace(_tracer)
    sys._getframe(1).f_trace = _tracer
    return x + 1
'''
TRACE_PRINTED = '''
import sys
sys.settrace(None)

def count_positive(values):
    return len(values)

print("TRACED", "".join(dict.fromkeys(globals().get("TRACED", []))))
'''

# The test's own lazy expected value, rebuilt from its frame: the next lambda the test cell's code will make
# after the call in progress (docs/red_team_attacks.md, "scavenger"). The grader runs hidden tests it compares
# without those lambdas' code (mlprereq/grading/lazy_free.py), so there is nothing to find.
REFERENCE_FROM_FRAME = '''
import dis, sys, types

def _reference():
    f = sys._getframe(2)
    for ins in dis.get_instructions(f.f_code):
        c = ins.argval
        if ins.offset > f.f_lasti and isinstance(c, types.CodeType) and c.co_name == "<lambda>":
            cells = tuple(types.CellType(f.f_locals[n]) for n in c.co_freevars)
            return types.FunctionType(c, f.f_globals, None, None, cells or None)()
    return None

def halve(a):
    r = _reference()
    return a if r is None else r
'''
REFERENCE_FROM_FRAME_COUNT = '''
def count_positive(values):
    r = _reference()
    return len(values) if r is None else r
'''

LIES = {
    "torch-function": {"double": TORCH_FUNCTION},
    "torch-dispatch": {"double": TORCH_DISPATCH},
    "ndarray-hooks": {"halve": ARRAY},
    "int-subclass": {"count_positive": NUMBER},
    "float-games": {"count_positive": FLOAT_GAMES},
    "array-protocol": {"halve": ARRAY_PROTOCOL},
    "torch-function-mode": {"double": TORCH_FUNCTION_MODE},
    "numpy-scalar-subclass": {"count_positive": NUMPY_SCALAR_SUBCLASS},
    "parameter-subclass": {"double": PARAMETER_SUBCLASS},
}
REBINDS = {
    "rebind-globals": {"double": REBIND_GLOBALS},
    "patch-checks": {"double": PATCH_MODULE},
    "patch-during-test": {"double": PATCH_DURING_TEST},
    "fake-recorder": {"double": FAKE_RECORDER},
    "edit-course-cell": {},
    "edit-course-cell-aliased": {},
    "delete-course-cell": {"double": DEFINE_HELPERS_IN_ANSWER},
    "strip-course-cell": {},
    "move-course-cell": {},
    "rebind-course-helper": {"count_positive": REBIND_COURSE_HELPER},
    "builtins-helpers": {"double": BUILTINS_HELPERS},
    "fake-module": {"double": FAKE_MODULE},
    "reload-from-elsewhere": {"double": RELOAD_FROM_ELSEWHERE},
    "swap-code": {"double": SWAP_CODE},
    "swap-recorder": {"double": SWAP_RECORDER},
}
LEAKS = {
    "print-history": {"count_positive": PRINT_HISTORY},
    "stack-later": {"double": STACK_DOUBLE, "count_positive": STACK_LATER},
    "html-display": {"count_positive": HTML_LEAK},
    "error-message": {"count_positive": ERROR_LEAK},
    "gc-code-objects": {"count_positive": GC_CODE_OBJECTS},
    "history-database": {"count_positive": HISTORY_DATABASE},
    "notebook-and-connection-file": {"count_positive": NOTEBOOK_AND_CONNECTION_FILE},
    "frames-kept": {"double": FRAMES_KEPT, "count_positive": FRAMES_PRINTED},
    "trace-lines": {"double": TRACE_LINES, "count_positive": TRACE_PRINTED},
    "reference-from-frame": {"halve": REFERENCE_FROM_FRAME, "count_positive": REFERENCE_FROM_FRAME_COUNT},
}
TRICKS = {**LIES, **REBINDS, **LEAKS}


def make_differential_course(dest: Path) -> Path:
    """A course with the one assignment `differential`, release generated."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    (dest / "source" / DIFFERENTIAL).mkdir(parents=True)
    master = nbsrc.script_to_notebook(DIFFERENTIAL_FIXTURE.read_text())
    assert lock_course_cells(master)  # as `python -m mlprereq.release` locks a course's own cells
    nbformat.write(master, dest / "source" / DIFFERENTIAL / DIFFERENTIAL_NOTEBOOK)
    release.generate(dest)
    return dest


def differential_students(master, release_nb) -> dict:
    """student -> notebook: `right`, `wrong`, and one per trick (the wrong answers plus the trick)."""
    students = {"right": submission(release_nb, master, EXERCISES),
                "wrong": submission(release_nb, master, EXERCISES, DIFFERENTIAL_WRONG)}
    for student, trick in TRICKS.items():
        students[student] = submission(release_nb, master, EXERCISES, {**DIFFERENTIAL_WRONG, **trick})
    for student, (how, source) in COURSE_CELL_EDITS.items():
        base = "right" if student.startswith("right-") else "wrong"
        nb = students.setdefault(student, nbformat.from_dict(copy.deepcopy(students[base])))
        edit_course_cell(nb, how, source)
    return students


def build_differential_cohort(dest: Path, only: set[str] | None = None) -> tuple[Path, dict]:
    """The course at ``dest`` with the differential cohort (``only`` these students) in submitted/;
    returns (course, student -> notebook)."""
    course = make_differential_course(Path(dest))
    master = nbformat.read(course / "source" / DIFFERENTIAL / DIFFERENTIAL_NOTEBOOK, as_version=4)
    release_nb = nbformat.read(course / "release" / DIFFERENTIAL / DIFFERENTIAL_NOTEBOOK, as_version=4)
    students = {s: nb for s, nb in differential_students(master, release_nb).items() if only is None or s in only}
    for student, nb in students.items():
        folder = course / "submitted" / student / DIFFERENTIAL
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / DIFFERENTIAL_NOTEBOOK)
    return course, students


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    course, expected = build_cohort(Path(sys.argv[1]).resolve())
    print(f"hostile cohort of {len(expected)} students in {course}; grade it with:\n"
          f"  course --course {course} grade {ASSIGNMENT} --roster {course / 'roster.csv'} "
          f"--zip {course / 'lms_download.zip'}")
