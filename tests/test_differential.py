"""Hidden tests compared in the grader: lying objects and rebound helpers gain nothing.

A course whose hidden tests follow the differential convention
(tests/fixtures/differential.py: the student's value first, the expected value
lazy) graded by `course autograde` with the sandbox: each student below gives
the same wrong answers as `wrong`, plus a trick; every trick must score exactly
what the wrong answers score untampered (0), while the right answers score full marks.
"""
import copy
import shutil
from pathlib import Path

import nbformat
import pytest

from hostile.build import submission
from mlprereq import nbsrc, notebooks, release
from mlprereq.authoring import lock_course_cells
from mlprereq.cli import main as course
from mlprereq.grading import report, status
from mlprereq.grading.cohort import COURSE_FILES
from mlprereq.grading.sandbox import bwrap_works
from mlprereq.grading.status import load_status
from mlprereq.nbgrader_api import make_api



ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "differential.py"
A, NB = "differential", "differential.ipynb"
FULL = {"double__visible": 1.0, "double__hidden": 2.0, "halve__hidden": 2.0, "count_positive__hidden": 1.0}

WRONG = {
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

LEAKS = """
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

TRICKS = {
    "torch-function": {"double": TORCH_FUNCTION},
    "torch-dispatch": {"double": TORCH_DISPATCH},
    "ndarray-hooks": {"halve": ARRAY},
    "int-subclass": {"count_positive": NUMBER},
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
    "print-history": {"count_positive": LEAKS},
    "stack-later": {"double": STACK_DOUBLE, "count_positive": STACK_LATER},
    "html-display": {"count_positive": HTML_LEAK},
    "error-message": {"count_positive": ERROR_LEAK},
}


def make_course(root: Path, only: set[str] | None = None) -> list[str]:
    """The fixture course at ``root``, its course cells locked as `make release` locks them, with the
    submissions of ``only`` these students (default: all); returns the students."""
    if not bwrap_works():
        pytest.fail("bubblewrap is not available: this security test never skips (sudo apt-get install -y bubblewrap)")
    root.mkdir(parents=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, root / name)
    (root / "source" / A).mkdir(parents=True)
    master = nbsrc.script_to_notebook(FIXTURE.read_text())
    assert lock_course_cells(master)
    nbformat.write(master, root / "source" / A / NB)
    release.generate(root)
    release_nb = nbformat.read(root / "release" / A / NB, as_version=4)
    exercises = {"double", "halve", "count_positive"}
    students = {"right": submission(release_nb, master, exercises), "wrong": submission(release_nb, master, exercises, WRONG)}
    for student, trick in TRICKS.items():
        students[student] = submission(release_nb, master, exercises, {**WRONG, **trick})
    for student, (how, source) in COURSE_CELL_EDITS.items():
        base = "right" if student.startswith("right-") else "wrong"
        nb = students.setdefault(student, nbformat.from_dict(copy.deepcopy(students[base])))
        edit_course_cell(nb, how, source)
    for student, nb in students.items():
        if only is None or student in only:
            folder = root / "submitted" / student / A
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / NB)
    return sorted(s for s in students if only is None or s in only)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff") / "course"
    students = make_course(root)
    assert course(["--course", str(root), "autograde", A, "--workers", "2", "--quiet"]) == 0
    with make_api(root).gradebook as gb:
        scores = {s: report.cell_scores(gb, A, s) for s in students}
    return root, scores


STOCK_STUDENTS = {"right", "wrong", "right-delete-course-cell", "right-strip-course-cell", "move-course-cell",
                  "rebind-course-helper", "strip-course-cell"}


@pytest.fixture(scope="module")
def stock_graded(tmp_path_factory):
    """The same course graded by stock `nbgrader autograde` with the course's nbgrader_config.py."""
    from scale_helpers import stock_nbgrader_autograde

    root = tmp_path_factory.mktemp("diff-stock") / "course"
    students = make_course(root, STOCK_STUDENTS)
    stock_nbgrader_autograde(root, A)
    with make_api(root).gradebook as gb:
        return root, {s: report.cell_scores(gb, A, s) for s in students}


@pytest.mark.slow
def test_right_answers_score_full_marks_and_wrong_ones_nothing(graded):
    _, scores = graded
    assert scores["right"] == FULL
    assert scores["wrong"] == {k: 0.0 for k in FULL}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(TRICKS))
def test_a_trick_gains_nothing_over_the_same_wrong_answers(graded, student):
    _, scores = graded
    assert scores[student] == scores["wrong"], scores[student]


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(COURSE_CELL_EDITS))
def test_a_changed_course_cell_is_restored_and_noted(graded, student):
    root, scores = graded
    reason = load_status(root, A)[student].reason
    assert COURSE_CELL_NOTES[student] in reason, reason
    assert "course cell" not in load_status(root, A)["wrong"].reason
    # What ran: the course cell as released, once, in its place (right after the setup cell and the title).
    nb = nbformat.read(root / "autograded" / student / A / NB, as_version=4)
    ran = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and COURSE_CELL in c.source]
    assert ran == [2] and notebooks.meta(nb.cells[2])["grade_id"] == "course_imports", ran
    assert scores[student] == (FULL if student.startswith("right-") else scores["wrong"]), scores[student]


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(REBOUND_COURSE_NAMES))
def test_a_course_helper_rebound_from_an_answer_cell_is_put_back_and_flagged(graded, student):
    root, scores = graded
    flags = load_status(root, A)[student].flags
    for name in REBOUND_COURSE_NAMES[student]:
        assert any(f"the name {name!r} bound by a course cell was rebound" in f for f in flags), flags
    assert scores[student] == scores["wrong"]
    assert not any("course cell" in f for f in load_status(root, A)["right"].flags)


@pytest.mark.slow
def test_stock_nbgrader_with_the_course_config_restores_and_pins_course_cells_too(stock_graded):
    root, scores = stock_graded
    assert scores["right"] == FULL and scores["wrong"] == {k: 0.0 for k in FULL}
    assert scores["right-delete-course-cell"] == scores["right-strip-course-cell"] == FULL
    for student in ("move-course-cell", "rebind-course-helper", "strip-course-cell"):
        assert scores[student] == scores["wrong"], (student, scores[student])
    records = status.load_run_records(root, A, "rebind-course-helper")
    flags = [f for record in records.values() for f in record.get("flags", [])]
    assert any("the name 'positives' bound by a course cell was rebound" in f for f in flags), flags


@pytest.mark.slow
def test_the_failure_message_is_made_in_the_grader(graded):
    root, _ = graded
    nb = nbformat.read(root / "autograded" / "torch-function" / A / NB, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "double__hidden")
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    assert errors and "return a plain tensor, got __main__.Agreeable" in errors[-1]["evalue"]
    status = load_status(root, A)
    assert status["right"].status == "graded" and not status["right"].flags


# --------------------------------------------------------------------------- the pieces alone (fast)
@pytest.mark.parametrize("liar", ["torch", "dispatch", "ndarray", "int", "float", "none", "object-array"])
def test_the_recorder_turns_only_plain_data_into_bytes(liar):
    import numpy as np
    import torch

    from mlprereq.grading.differential import compare_records, to_tensor
    from mlprereq.grading.kernel.record import recorder

    class T(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            raise RuntimeError("the recorder must not call into the student's class")

    class D(torch.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            raise RuntimeError("the recorder must not call into the student's class")

    class A(np.ndarray):
        def __array_ufunc__(self, *args, **kwargs):
            raise RuntimeError("the recorder must not call into the student's class")

    class I(int):
        pass

    class F(float):
        pass

    values = {"torch": lambda: torch.ones(2).as_subclass(T), "dispatch": lambda: torch.ones(2).as_subclass(D),
              "ndarray": lambda: np.ones(2).view(A), "int": lambda: I(2), "float": lambda: F(2.0),
              "none": lambda: None, "object-array": lambda: np.array([1, "x"], dtype=object)}
    begin, record, end = recorder()
    assert record("all_close", torch.ones(2)) is False  # not recording: the check compares in-process
    begin()
    record("all_close", torch.ones(2, dtype=torch.float64) * 2, {"atol": 1e-4, "name": "x", "junk": object()})
    record("all_close", values[liar](), {"name": "x"})
    plain, lying = end()
    assert plain["options"] == {"atol": 1e-4, "name": "x"} and plain["value"]["torch_dtype"] == "float64"
    assert to_tensor(plain["value"]).tolist() == [2.0, 2.0]
    assert lying["value"]["type"] == "not plain"
    message = compare_records([plain, lying], [plain, plain])
    assert "return a plain tensor" in message or "is None" in message


def test_the_grader_compares_with_the_masters_tolerance_and_counts_the_checks():
    import torch

    from mlprereq.grading.differential import compare_records
    from mlprereq.grading.kernel.record import recorder

    begin, record, end = recorder()

    def run(*values, atol=1e-4):
        begin()
        for v in values:
            record("all_close", v, {"atol": atol, "rtol": 0.0, "name": "out"})
        return end()

    reference = run(torch.tensor([1.0, 2.0]), atol=1e-6)
    assert compare_records(run(torch.tensor([1.0, 2.0])), reference) is None
    loose = run(torch.tensor([1.0, 2.001]), atol=1.0)  # the student's own call asked for a loose tolerance
    assert "1 of 2 entries differ" in compare_records(loose, reference)  # the master's tolerance applies
    assert "checked 0 results instead of 1" in compare_records([], reference)
    assert "checked 2 results instead of 1" in compare_records(run(torch.tensor([1.0, 2.0]), torch.ones(2)), reference)
    assert "did not reach the grader" in compare_records(None, reference)
    assert "Shape mismatch" in compare_records(run(torch.ones(3)), reference)


@pytest.mark.slow
def test_no_feedback_page_holds_any_hidden_line_whatever_the_student_prints(graded):
    import html

    from mlprereq.grading.feedback import hidden_lines

    root, _ = graded
    master = nbformat.read(root / "source" / A / NB, as_version=4)
    lines = hidden_lines(master)
    assert len(lines) >= 5  # the fixture's hidden tests, less what visible cells show anyway
    assert course(["--course", str(root), "feedback", A]) == 0
    pages = {p.parts[-3]: p.read_text() for p in (root / "feedback").glob(f"*/{A}/*.html")}
    assert set(pages) >= {"right", "wrong", "print-history"}
    for student, page in pages.items():
        leaked = [l for l in lines if l in page or html.escape(l) in page]
        assert not leaked, (student, leaked)
    # A stack captured while a hidden test ran does quote it: printed in the kernel, removed by the grader, flagged.
    nb = nbformat.read(root / "autograded" / "stack-later" / A / NB, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("[output removed: it quoted a hidden test]" in (o.get("text") or "") for o in outputs)
    assert any("printed hidden-test code" in f for f in load_status(root, A)["stack-later"].flags)
    # The kernel's history never held a hidden test: what print-history printed needed no removal.
    history = nbformat.read(root / "autograded" / "print-history" / A / NB, as_version=4)
    printed = "".join(o.get("text") or "" for c in history.cells for o in c.get("outputs", []))
    assert "IN [" in printed and "HISTORY" in printed and "LINECACHE" in printed, printed[:500]


def test_a_check_against_the_tests_own_expected_value_holds_the_student_to_it():
    """Sample frequencies against probabilities: the student's sample is held to the probabilities the master's
    test computed (in the reference kernel), not to the master's own sample."""
    import torch

    from mlprereq.grading.differential import compare_records
    from mlprereq.grading.kernel.record import recorder

    begin, record, end = recorder()

    def run(freqs, probs):
        begin()
        record("all_close", freqs, {"atol": 0.006, "rtol": 0.0, "name": "freqs"}, probs, True)
        return end()

    probs = torch.tensor([0.25, 0.75])
    reference = run(torch.tensor([0.255, 0.745]), probs)  # the master's sample, 0.005 off
    assert compare_records(run(torch.tensor([0.245, 0.755]), probs), reference) is None  # 0.01 from the master's
    assert "differ" in compare_records(run(torch.tensor([0.2, 0.8]), probs), reference)
    # The expected value handed in by the student's kernel is checked too: a changed test gains nothing.
    assert "differ" in compare_records(run(torch.tensor([0.2, 0.8]), torch.tensor([0.2, 0.8])), reference)


def test_zero_dimensional_results_keep_their_shape():
    """A 0-d tensor, a 0-d array and a NumPy scalar are recorded with shape (), like a Python number."""
    import numpy as np
    import torch

    from mlprereq.grading.differential import to_tensor
    from mlprereq.grading.kernel.record import recorder

    begin, record, end = recorder()
    begin()
    for value in (torch.tensor(9.0), np.array(3.0), np.float64(2.0), 1.5):
        record("all_close", value, {})
    assert [tuple(to_tensor(r["value"]).shape) for r in end()] == [(), (), (), ()]


@pytest.mark.parametrize("how, note", [
    ("edit", "was edited"), ("delete", "was deleted"), ("strip", "was deleted"),
    ("strip-move", "lost its nbgrader metadata"), ("move", "was moved"),
])
def test_a_course_cell_of_a_real_notebook_goes_back_in_its_place(how, note):
    """03_einops' draw_grid helper cell, changed: restored as released between the same cells, and noted."""
    from conftest import release_path
    from mlprereq.grading.course_cells import restore_course_cells
    from mlprereq.grading.review import integrity_notes

    master_path = ROOT / "source" / "03_einops" / "einops_einsum.ipynb"
    master = nbformat.read(master_path, as_version=4)
    release_nb = nbformat.read(release_path(master_path), as_version=4)
    full = notebooks.fill_solutions(release_nb, master, set(notebooks.exercises(master)))
    tampered = nbformat.from_dict(copy.deepcopy(full))
    edited = "def draw_grid(*args):\n    pass"
    edit_course_cell(tampered, how, edited if how in ("edit", "strip") else None, marker="def draw_grid")
    cells, notes = restore_course_cells(tampered.cells, release_nb.cells)
    code = lambda cs: [(notebooks.meta(c).get("grade_id"), c.source) for c in cs if c.cell_type == "code"]  # noqa: E731
    expected = code(full.cells)
    if how == "strip":  # the edited copy is the student's own cell now: it stays, after the restored one
        expected.insert([g for g, _ in expected].index("course_draw_grid") + 1, (None, edited))
    assert code(cells) == expected
    assert notes == [f"course cell course_draw_grid {note} (restored)"]
    assert notes[0] in integrity_notes(tampered, release_nb)
    assert restore_course_cells(full.cells, release_nb.cells)[1] == [] and integrity_notes(full, release_nb) == []


def test_the_preprocessor_restores_from_the_release_of_the_course_being_graded():
    from conftest import release_path
    from mlprereq.grading.preprocessors import RestoreCourseCells

    release_nb = nbformat.read(release_path(ROOT / "source" / "03_einops" / "einops_einsum.ipynb"), as_version=4)
    info = {"nbgrader": {"assignment": "03_einops", "notebook": "einops_einsum"}}
    ids = lambda nb: [notebooks.meta(c).get("grade_id") for c in nb.cells]  # noqa: E731
    for pre, resources in [(RestoreCourseCells(course_root=str(ROOT)), info),  # as nbgrader_config.py sets it
                           (RestoreCourseCells(), {**info, "metadata": {"path": str(ROOT / "autograded" / "s" / "03_einops")}})]:
        nb = nbformat.from_dict(copy.deepcopy(release_nb))
        edit_course_cell(nb, "delete", None, marker="def draw_grid")
        assert ids(nb) != ids(release_nb)
        out, _ = pre.preprocess(nb, resources)
        assert ids(out) == ids(release_nb)
    nb = nbformat.from_dict(copy.deepcopy(release_nb))
    del nb.cells[5]
    out, _ = RestoreCourseCells(course_root="/nonexistent").preprocess(nb, info)  # no release: left as it is
    assert len(out.cells) == len(release_nb.cells) - 1


def test_a_notebook_from_a_release_before_course_cells_were_locked_gets_one_note():
    from conftest import release_path
    from mlprereq.grading.course_cells import restore_course_cells

    master_path = ROOT / "source" / "02_numpy" / "numpy_for_nns.ipynb"
    release_nb = nbformat.read(release_path(master_path), as_version=4)
    old = nbformat.from_dict(copy.deepcopy(release_nb))
    course_cells = [c for c in old.cells if notebooks.is_course_cell(c) and notebooks.meta(c)["grade_id"] != "setup"]
    for cell in course_cells:
        cell.metadata.pop("nbgrader")
    cells, notes = restore_course_cells(old.cells, release_nb.cells)
    assert [notebooks.meta(c).get("grade_id") for c in cells] == [notebooks.meta(c).get("grade_id") for c in release_nb.cells]
    assert notes == [f"{len(course_cells)} course cells had no nbgrader metadata (a notebook from an earlier release?): "
                     "matched by their source (restored)"]
