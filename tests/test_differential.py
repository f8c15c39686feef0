"""Hidden tests compared in the grader: lying objects, rebound helpers and leaks gain nothing.

The differential cohort (tests/hostile/build.py: the course of
tests/fixtures/differential.py, whose hidden tests follow the differential
convention) graded by `course autograde` with the sandbox: each student gives the
same wrong answers as `wrong`, plus a trick of one of three classes (lying objects,
rebound helpers and edited course cells, hidden-test leaks); every trick must score
exactly what the wrong answers score untampered (0), and its feedback must hold no
line of a hidden test, while the right answers score full marks.
"""
import copy
import html
from pathlib import Path

import nbformat
import pytest

from hostile.build import COURSE_CELL, COURSE_CELL_EDITS, COURSE_CELL_NOTES, DIFFERENTIAL as A, \
    DIFFERENTIAL_NOTEBOOK as NB, LEAKS, LIES, REBINDS, REBOUND_COURSE_NAMES, TRICKS, build_differential_cohort, \
    edit_course_cell
from mlprereq import notebooks
from mlprereq.cli import main as course
from mlprereq.grading import report, status
from mlprereq.grading.feedback import hidden_lines
from mlprereq.grading.sandbox import bwrap_works
from mlprereq.grading.status import load_status
from mlprereq.nbgrader_api import make_api

ROOT = Path(__file__).resolve().parents[1]
FULL = {"double__visible": 1.0, "double__hidden": 2.0, "halve__hidden": 2.0, "count_positive__hidden": 1.0}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bwrap_works():
        pytest.fail("bubblewrap is not available: this security test never skips (sudo apt-get install -y bubblewrap)")
    root, students = build_differential_cohort(tmp_path_factory.mktemp("diff") / "course")
    assert course(["--course", str(root), "autograde", A, "--workers", "2", "--quiet"]) == 0
    with make_api(root).gradebook as gb:
        scores = {s: report.cell_scores(gb, A, s) for s in students}
    return root, scores


@pytest.fixture(scope="module")
def feedback_pages(graded):
    """student -> the text of their feedback page."""
    root, _ = graded
    assert course(["--course", str(root), "feedback", A]) == 0
    return {p.parts[-3]: p.read_text() for p in (root / "feedback").glob(f"*/{A}/*.html")}


STOCK_STUDENTS = {"right", "wrong", "right-delete-course-cell", "right-strip-course-cell", "move-course-cell",
                  "rebind-course-helper", "strip-course-cell"}


@pytest.fixture(scope="module")
def stock_graded(tmp_path_factory):
    """The same course graded by stock `nbgrader autograde` with the course's nbgrader_config.py."""
    from scale_helpers import stock_nbgrader_autograde

    root, students = build_differential_cohort(tmp_path_factory.mktemp("diff-stock") / "course", STOCK_STUDENTS)
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
@pytest.mark.parametrize("student", ["right", "wrong", *sorted(TRICKS)])
def test_no_feedback_page_holds_any_hidden_line_whatever_the_student_prints(graded, feedback_pages, student):
    root, _ = graded
    lines = hidden_lines(nbformat.read(root / "source" / A / NB, as_version=4))
    assert len(lines) >= 5  # the fixture's hidden tests, less what visible cells show anyway
    page = feedback_pages[student]
    leaked = [line for line in lines if line in page or html.escape(line) in page]
    assert not leaked, leaked


@pytest.mark.slow
def test_a_quoted_hidden_test_is_removed_by_the_grader_and_flagged(graded):
    root, _ = graded
    # A stack captured while a hidden test ran does quote it: printed in the kernel, removed by the grader, flagged.
    nb = nbformat.read(root / "autograded" / "stack-later" / A / NB, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("[output removed: it quoted a hidden test]" in (o.get("text") or "") for o in outputs)
    assert any("printed hidden-test code" in f for f in load_status(root, A)["stack-later"].flags)


@pytest.mark.slow
def test_the_kernels_history_never_holds_a_hidden_test(graded):
    root, _ = graded
    # What print-history printed needed no removal: it ran, and the history had no hidden test to show.
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


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(LIES))
def test_code_that_decides_how_its_results_compare_is_flagged(graded, student):
    root, _ = graded
    flags = load_status(root, A)[student].flags
    assert any("decides how its results compare" in f or "changes how torch computes" in f for f in flags), flags
    assert not load_status(root, A)["right"].flags


@pytest.mark.slow
def test_the_kernel_cannot_read_the_notebook_it_grades(graded):
    """nbgrader writes the submission, hidden tests put back, into the folder the kernel runs in: the kernel's
    read policy refuses it (and under bubblewrap the file is an empty one), so no hidden test is read from disk."""
    root, _ = graded
    student = "notebook-and-connection-file"
    nb = nbformat.read(root / "autograded" / student / A / NB, as_version=4)
    printed = "".join(o.get("text") or "" for c in nb.cells for o in c.get("outputs", []))
    assert "read failed: PermissionError" in printed, printed[:800]
    assert "[output removed" not in printed
    assert not any("printed hidden-test code" in f for f in load_status(root, A)[student].flags)


def test_the_guards_reports_leave_the_kernel_through_an_encoder_student_code_cannot_replace(monkeypatch):
    # json.dumps goes through json._default_encoder and JSONEncoder's methods at each call: a student cell that
    # replaced them could set each record's result to the test's own expected value (redteam json-forge).
    import json
    import os

    from mlprereq.grading.kernel.channel import private_dumps, reporter

    dumps = private_dumps()
    r, w = os.pipe()
    send, _ = reporter(w)
    records = [{"kind": "all_close", "options": {"atol": 0.0001, "name": "x", "check_dtype": False},
                "value": {"type": "float", "repr": "1.5"}, "expected": {"type": "list", "bytes": "AAA=", "shape": [1]}}]
    monkeypatch.setattr(json._default_encoder, "encode", lambda obj: '"forged"')
    monkeypatch.setattr(json.JSONEncoder, "encode", lambda self, obj: '"forged"')
    monkeypatch.setattr(json.JSONEncoder, "iterencode", lambda self, obj, _one_shot=False: iter(['"forged"']))
    send(records)
    assert json.loads(os.read(r, 65536)) == records
    assert json.loads(dumps(records)) == records
    os.close(r)
    os.close(w)


def test_a_hidden_test_reaches_the_kernel_without_its_reference_code():
    from mlprereq.grading.lazy_free import without_references

    source = ("from mlprereq.rules import unchanged\n\ndef _ref(v):\n    return 2 * v\n\ndef _test():\n"
              "    for x in xs:\n        assert_all_close(double(x), lambda: _ref(x), atol=1e-6, name='d')\n"
              "        assert_all_equal(count(x), expected=lambda: len(x))\n        assert_shape(double(x), (3,))\n"
              "with warnings.catch_warnings(action='ignore'):\n    _test()\n")
    out = without_references(source)
    assert "_ref" not in out and "2 * v" not in out and "len(x)" not in out, out
    assert out.count("lambda: None") == 2 and "_test()" in out and "(3,)" in out and "atol=1e-06" in out, out
    assert without_references("assert_all_close(f(x), y)") is None  # eager values are left to the grader's records
    assert without_references("this is not python(") is None


def test_the_grader_sends_hidden_tests_without_the_expected_values_they_computed_before_the_call():
    from mlprereq.grading.lazy_free import without_references

    source = ("def _reference(x):\n    return 2 * x\n\nfor x in xs:\n    expected = 3 * x\n"
              "    assert_all_close(triple(x), expected)\n    assert_all_close(double(x), _reference, atol=1e-6)\n"
              "    kept = 4 * x\n    assert_all_close(quad(x), kept, name=f'quad of {kept}')\n"
              "    mine = double(x)\n    assert_all_close(quad(x), mine)\n")
    out = without_references(source, student_names={"double", "triple", "quad"})
    assert "3 * x" not in out and "_reference" not in out and "2 * x" not in out, out
    assert out.count("lambda: None") == 2 and "atol=1e-06" in out, out
    assert "kept = 4 * x" in out, out  # used in the message too: left alone (tests/test_frame_leaks.py finds it)
    assert "mine = double(x)" in out and "quad(x), mine" in out, out  # the student's own value: kept
    # a class's methods are used through the class, never by name: they stay
    kept_class = without_references("class _Mode(M):\n    def __torch_function__(self, f, t, a=(), k=None):\n"
                                    "        return f(*a)\n\nwith _Mode():\n    assert_all_close(f(x), lambda: g(x))")
    assert "__torch_function__" in kept_class and "return f(*a)" in kept_class, kept_class
    # bound by a loop or unpacking: left alone
    assert without_references("for e in es:\n    assert_all_close(f(x), e)") is None
    assert without_references("a, e = 1, 2\nassert_all_close(f(x), e)") is None


def test_a_check_sent_without_its_eager_expected_value_is_held_to_the_masters():
    from mlprereq.grading.differential import compare_records

    def value(v):
        return {"type": "float", "repr": repr(v)}

    reference = [{"kind": "all_close", "options": {"name": "r"}, "value": value(2.0), "expected": value(2.0)}]
    assert compare_records([{"kind": "all_close", "value": value(2.0)}], reference, lazy=True) is None
    assert "mismatch" in compare_records([{"kind": "all_close", "value": value(2.5)}], reference, lazy=True)
    # a cell the grader sent as written must still hand over its eager expected value
    assert "did not run as written" in compare_records([{"kind": "all_close", "value": value(2.0)}], reference)
