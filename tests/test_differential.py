"""Hidden tests compared in the grader: lying objects and rebound helpers gain nothing.

A course whose hidden tests follow the differential convention
(tests/fixtures/differential.py: the student's value first, the expected value
lazy) graded by `course autograde` with the sandbox: each student below gives
the same wrong answers as `wrong`, plus a trick; every trick must score exactly
what the wrong answers score untampered (0), while the right answers score full marks.
"""
import shutil
from pathlib import Path

import nbformat
import pytest

from hostile.build import submission
from mlprereq import nbsrc, release
from mlprereq.cli import main as course
from mlprereq.grading import report
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

COURSE_CELL_EDITS = {"edit-course-cell": EDITED_COURSE_CELL, "edit-course-cell-aliased": EDITED_COURSE_CELL_ALIASED,
                     "delete-course-cell": None}

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
    "print-history": {"count_positive": LEAKS},
    "stack-later": {"double": STACK_DOUBLE, "count_positive": STACK_LATER},
    "html-display": {"count_positive": HTML_LEAK},
    "error-message": {"count_positive": ERROR_LEAK},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bwrap_works():
        pytest.fail("bubblewrap is not available: this security test never skips (sudo apt-get install -y bubblewrap)")
    root = tmp_path_factory.mktemp("diff") / "course"
    root.mkdir()
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, root / name)
    (root / "source" / A).mkdir(parents=True)
    nbformat.write(nbsrc.script_to_notebook(FIXTURE.read_text()), root / "source" / A / NB)
    release.generate(root)
    master = nbformat.read(root / "source" / A / NB, as_version=4)
    release_nb = nbformat.read(root / "release" / A / NB, as_version=4)
    exercises = {"double", "halve", "count_positive"}
    students = {"right": submission(release_nb, master, exercises), "wrong": submission(release_nb, master, exercises, WRONG)}
    for student, trick in TRICKS.items():
        students[student] = submission(release_nb, master, exercises, {**WRONG, **trick})
    for student, source in COURSE_CELL_EDITS.items():
        nb = students[student]
        index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and COURSE_CELL in c.source)
        if source is None:
            del nb.cells[index]
        else:
            nb.cells[index].source = source
    for student, nb in students.items():
        folder = root / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NB)
    assert course(["--course", str(root), "autograde", A, "--workers", "2", "--quiet"]) == 0
    with make_api(root).gradebook as gb:
        scores = {s: report.cell_scores(gb, A, s) for s in students}
    return root, scores


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
def test_an_edited_course_cell_gets_a_note(graded, student):
    root, _ = graded
    reason = load_status(root, A)[student].reason
    assert "the course cell starting 'import numpy as np' was edited or deleted" in reason, reason
    assert "was edited or deleted" not in load_status(root, A)["wrong"].reason


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


@pytest.mark.parametrize("literal", [[0.1, 0.2], (1, 2, 3), [[True, False]], [1, 2.5], [[1 + 2j]], 0.1])
def test_a_list_expected_value_converts_alike_in_the_notebook_and_in_the_grader(literal):
    """An eager expected value written as a list has the same dtype and values in-process and recorded by the
    grader (checks.literal_converter owns the conversion)."""
    import torch

    from mlprereq import checks
    from mlprereq.grading.differential import to_tensor
    from mlprereq.grading.kernel.record import recorder

    in_process = checks.as_tensor(literal)
    begin, record, end = recorder()
    begin()
    record("all_close", torch.zeros(1), {}, literal, True)
    recorded = to_tensor(end()[0]["expected"])
    assert (recorded.dtype, recorded.tolist()) == (in_process.dtype, in_process.tolist())


def test_a_tolerance_zero_check_against_a_list_gives_one_verdict_in_the_notebook_and_in_the_grader():
    import torch

    from mlprereq import checks
    from mlprereq.grading.differential import compare_records
    from mlprereq.grading.kernel.record import recorder

    begin, record, end = recorder()
    literal = [0.1, 0.2]

    def graded(result):
        begin()
        record("all_equal", result, {"name": "r"}, literal, True)
        return end()

    reference = graded(torch.tensor(literal, dtype=torch.float64))  # the master's run

    def verdicts(result):
        try:
            checks.assert_all_equal(result, literal, name="r")
            visible = True
        except AssertionError:
            visible = False
        return visible, compare_records(graded(result), reference) is None

    assert verdicts(torch.tensor(literal)) == (False, False)  # float32 0.1 is not the literal 0.1
    assert verdicts(torch.tensor(literal, dtype=torch.float64)) == (True, True)
