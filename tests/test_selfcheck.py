"""check_notebook() and the short tracebacks, run in a real kernel as a student would."""
import json

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT
from mlprereq import selfcheck


def grade_cell(source, gid, points=1):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": gid,
                                 "points": points, "schema_version": 3}
    return cell


def student_notebook(tmp_path):
    """A notebook like a release one: three exercises (right, wrong, untouched), visible and emptied hidden tests."""
    cells = [
        nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
                                  "import colab_setup; course = colab_setup.setup(root=" + repr(str(ROOT)) + ")"),
        nbformat.v4.new_code_cell("def double(x):\n    return 2 * x"),
        grade_cell("from mlprereq.checks import assert_all_equal\nassert_all_equal(double(3), 6)\nprint('passed')", "double__visible"),
        grade_cell("", "double__hidden", 2),
        nbformat.v4.new_code_cell("def square(x):\n    return x + x"),
        grade_cell("from mlprereq.checks import assert_all_equal\nassert_all_equal(square(3), 9)", "square__visible"),
        nbformat.v4.new_code_cell("def cube(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"),
        grade_cell("assert cube(2) == 8", "cube__visible"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    return nb, path


def run(nb, path):
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def error_of(cell) -> dict:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, f"expected an error output in {cell.source!r}"
    return errors[0]


def test_failing_check_shows_only_the_students_line_and_the_message(tmp_path):
    nb, path = student_notebook(tmp_path)
    run(nb, path)
    err = error_of(nb.cells[5])
    text = "\n".join(err.traceback)
    assert err.ename == "AssertionError" and "Value mismatch" in err.evalue
    assert "assert_all_equal(square(3), 9)" in text
    assert "checks.py" not in text and "__tracebackhide__" not in text and "raise AssertionError" not in text
    assert len(err.traceback) == 2, err.traceback
    missing = "\n".join(error_of(nb.cells[7]).traceback)
    assert "NotImplementedError" in missing and "replace `raise NotImplementedError()`" in missing
    assert not any(o.output_type == "error" for o in nb.cells[2].outputs)


def test_check_notebook_prints_a_line_per_exercise_and_a_total(tmp_path):
    nb, path = student_notebook(tmp_path)
    nb.cells.append(nbformat.v4.new_code_cell(f"from mlprereq import check_notebook\nres = check_notebook({str(path)!r})"))
    run(nb, path)
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    lines = out.splitlines()
    assert lines[0].startswith("✓ double") and lines[0].rstrip().endswith("1 / 1")
    assert lines[1].startswith("✗ square") and "0 / 1" in lines[1] and "Value mismatch" in lines[1]
    assert lines[2].startswith("· cube") and "not attempted" in lines[2]
    assert "Visible tests: 1 / 3 points (1 of 3 exercises pass)" in lines[3]
    assert "Hidden tests (2 more points)" in lines[3]
    assert not any(o.output_type == "display_data" for o in nb.cells[-1].outputs)


def test_find_notebook_uses_the_session_then_says_what_to_do(tmp_path, monkeypatch):
    nb, path = student_notebook(tmp_path)
    found, where = selfcheck.find_notebook(environ={"JPY_SESSION_NAME": str(path)})
    assert "".join(found["cells"][1]["source"]).startswith("def double") and "student.ipynb" in where
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    with pytest.raises(FileNotFoundError, match="check_notebook"):
        selfcheck.find_notebook(environ={})
    (other / "a.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    assert "only notebook" in selfcheck.find_notebook(environ={})[1]


def test_colab_notebook_comes_from_the_frontend(monkeypatch):
    import sys
    import types

    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda kind, request="", timeout_sec=0: {"ipynb": {"cells": [], "via": kind}}
    colab._message = message
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    nb, where = selfcheck.find_notebook(environ={})
    assert nb["via"] == "get_ipynb" and "Colab" in where


def test_a_name_no_cell_defined_yet_reads_as_not_run_yet():
    """A visible test that names what the student's cell would define, before that cell ran: not attempted,
    with what to do; a NameError inside the student's own function stays a failure."""
    ns = {}
    exec("def buggy():\n    return undefined_thing", ns)
    never_run = selfcheck._run("assert drawable.shape == (2, 2)", ns, None)
    judged = selfcheck.verdict(never_run)
    assert judged[0] == "not attempted" and "run its cell" in judged[1] and "drawable" in judged[1], judged
    assert selfcheck.verdict(selfcheck._run("buggy()", ns, None))[0] == "fail"


def written_cell(text, gid, points):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False, "grade_id": gid,
                                 "points": points, "schema_version": 3}
    return cell


def test_written_answers_are_listed_answered_or_not_and_never_counted_as_visible_points(tmp_path):
    nb, path = student_notebook(tmp_path)
    nb.cells += [written_cell("ReLU does not saturate for positive inputs.", "relu_vs_sigmoid", 2),
                 written_cell(selfcheck.ANSWER_STUB, "what_is_a_tensor", 1),
                 written_cell(f"{selfcheck.ANSWER_STUB}\n\n   ", "optimiser", 1)]
    nbformat.write(nb, path)
    nb.cells.append(nbformat.v4.new_code_cell(f"from mlprereq import check_notebook\nres = check_notebook({str(path)!r})"))
    run(nb, path)
    lines = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream").splitlines()
    assert lines[3].startswith("✎ relu_vs_sigmoid") and "2 points, written: answered, a TA grades it" in lines[3]
    assert lines[4].startswith("✎ what_is_a_tensor") and "written: not answered yet" in lines[4]
    assert lines[5].startswith("✎ optimiser") and "written: not answered yet" in lines[5]
    assert "Visible tests: 1 / 3 points (1 of 3 exercises pass)" in lines[6]
    assert lines[7] == "Written answers: 1 of 3 answered (4 points, graded by a TA after you submit)."


def test_every_release_written_answer_starts_unanswered():
    for path in sorted((ROOT / "release").glob("*/*.ipynb")):
        nb = json.loads(path.read_text())
        written = selfcheck.written_answers(nb)
        manual = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                  and c["metadata"]["nbgrader"].get("grade")]
        assert len(written) == len(manual) and not any(w.answered for w in written), path
