"""Feedback and releases give nothing away: no hidden test code, no solution (nbgrader #917)."""
import html
import json

import nbformat
import pytest

from course_fixture import toy_course
from hostile.build import make_course
from mlprereq import nbsrc
from mlprereq.cli import main as course
from mlprereq.grading.cohort import write_cohort
from mlprereq.grading.feedback import HideHiddenTests, is_hidden_test, one_line_result
from mlprereq.notebooks import meta

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def test_cell(source, grade_id, outputs=()):
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 2, "schema_version": 3}})
    cell.outputs = list(outputs)
    return cell


def error(ename, evalue, traceback):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


test_cell.__test__ = False  # a helper, not a pytest test


def test_hidden_test_cells_keep_only_name_points_and_one_line():
    hidden = test_cell("### BEGIN HIDDEN TESTS\nassert f(secret_input()) == 42\n### END HIDDEN TESTS", "f__hidden",
                       [error("AssertionError", "Value mismatch for result: 1 of 4 entries differ.\n  at index (2,): "
                              "expected 42, got 41", ["----> 2 assert f(secret_input()) == 42"])])
    visible = test_cell("assert f(1) == 2, 'f(1) should be 2'", "f__visible",
                        [error("AssertionError", "f(1) should be 2", ["----> 1 assert f(1) == 2"])])
    nb = nbformat.v4.new_notebook(cells=[visible, hidden])
    out, _ = HideHiddenTests().preprocess(nb, {})
    text = json.dumps(out)
    assert "secret_input" not in text and "expected 42" not in text and "BEGIN HIDDEN" not in text
    assert out.cells[1].source == "# Hidden test 'f__hidden' (2 points): its code is not shown."
    assert out.cells[1].outputs[0]["text"] == (
        "hidden test f__hidden: failed: AssertionError: Value mismatch for result: 1 of 4 entries differ.\n")
    assert out.cells[0].source == visible.source and out.cells[0].outputs[0]["evalue"] == "f(1) should be 2"


def test_one_line_results():
    assert one_line_result(test_cell("x", "a__hidden")) == "passed"
    long = test_cell("x", "a__hidden", [error("AssertionError", "y" * 500, [])])
    assert len(one_line_result(long)) <= 160
    assert is_hidden_test(test_cell("assert True", "a__hidden_dtype"))
    assert not is_hidden_test(test_cell("assert True", "a__visible"))


@pytest.mark.parametrize("fixture", ["toy", "guarded"])
def test_fixture_releases_hold_no_solution_or_hidden_test(fixture, tmp_path):
    course_dir = toy_course(tmp_path) if fixture == "toy" else make_course(tmp_path)
    teacher = nbformat.read(next((course_dir / "source").glob("*/*.ipynb")), as_version=4)
    student_path = next((course_dir / "release").glob("*/*.ipynb"))
    text = student_path.read_text()
    for marker in MARKERS:
        assert marker not in text
    for cell in teacher.cells:
        if "BEGIN HIDDEN TESTS" in cell.source:
            body = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].strip()
            assert json.dumps(body)[1:-1] not in text
        if meta(cell).get("solution"):
            body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].strip()
            assert json.dumps(body)[1:-1] not in text


@pytest.mark.slow
def test_feedback_of_a_graded_toy_cohort_hides_hidden_tests(tmp_path):
    course_dir = toy_course(tmp_path / "course")
    write_cohort(course_dir, "toy")
    assert course(["--course", str(course_dir), "grade", "toy", "--quiet"]) == 0
    master = nbformat.read(course_dir / "source" / "toy" / "toy.ipynb", as_version=4)
    hidden = [c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].strip()
              for c in master.cells if "BEGIN HIDDEN TESTS" in c.source]
    assert hidden
    pages = {p.parts[-3]: p for p in (course_dir / "feedback").glob("*/toy/*")}
    assert set(pages) == {"full", "partial", "blank"} and all(p.suffix == ".html" for p in pages.values())
    for student, page in pages.items():
        text = page.read_text()
        for h in hidden:
            for line in h.splitlines():
                assert line.strip() not in text and html.escape(line.strip()) not in text, (student, line)
        for marker in MARKERS:
            assert marker not in text
    blank = pages["blank"].read_text()
    assert "return 2 * x" not in blank and "return 3 * x" not in blank
    assert "hidden test double__hidden: failed: NotImplementedError" in blank
    assert "NotImplementedError" in blank  # the visible test's failure, with its message
    assert "hidden test double__hidden: passed" in pages["full"].read_text()


def test_redacting_a_leak_keeps_a_failing_cell_failing_and_spares_what_the_student_sees_anyway():
    import nbformat as nbf

    from mlprereq.grading.feedback import hidden_lines, redact_outputs

    hidden = nbf.v4.new_code_cell("### BEGIN HIDDEN TESTS\nsecret_input = torch.arange(12).reshape(3, 4)\n"
                                  "assert_all_close(f(x), g(x))\n### END HIDDEN TESTS")
    hidden.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "f__hidden", "points": 1}
    visible = nbf.v4.new_code_cell("assert_all_close(f(x), g(x)) and more")
    nb = nbf.v4.new_notebook(cells=[visible, hidden])
    assert hidden_lines(nb) == ["secret_input = torch.arange(12).reshape(3, 4)"]  # the other is visible anyway
    cell = nbf.v4.new_code_cell("print(In)")
    cell.outputs = [nbf.v4.new_output("error", ename="ValueError", evalue="secret_input = torch.arange(12).reshape(3, 4)",
                                      traceback=["..."]),
                    nbf.v4.new_output("stream", name="stdout", text="fine")]
    assert redact_outputs(cell, hidden_lines(nb))
    assert cell.outputs[0]["output_type"] == "error" and "secret" not in cell.outputs[0]["evalue"]
    assert cell.outputs[1]["text"] == "fine"


@pytest.mark.parametrize("how", ["one-character-per-output", "span-per-character", "ansi-between", "zero-width"])
def test_a_hidden_line_spread_over_outputs_or_hidden_by_markup_is_removed_too(how):
    import html as h

    import nbformat as nbf

    from mlprereq.grading.feedback import hidden_lines, redact_outputs

    secret = "secret_input = torch.arange(12).reshape(3, 4)"
    hidden = nbf.v4.new_code_cell(f"### BEGIN HIDDEN TESTS\n{secret}\n### END HIDDEN TESTS")
    hidden.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "f__hidden", "points": 1}
    nb = nbf.v4.new_notebook(cells=[hidden])
    cell = nbf.v4.new_code_cell("print(_leaks)")
    if how == "one-character-per-output":
        cell.outputs = [nbf.v4.new_output("stream", name="stdout", text=ch) for ch in secret]
    elif how == "span-per-character":
        cell.outputs = [nbf.v4.new_output("display_data", data={"text/html": "".join(f"<span>{h.escape(c)}</span>" for c in secret)})]
    elif how == "ansi-between":
        cell.outputs = [nbf.v4.new_output("stream", name="stdout", text="\x1b[0m".join(secret))]
    else:
        cell.outputs = [nbf.v4.new_output("display_data", data={"text/markdown": "\u200b".join(secret)})]
    assert redact_outputs(cell, hidden_lines(nb))
    assert all("arange" not in "".join(map(str, o.values())) for o in cell.outputs), cell.outputs
