"""nbgrader's Validate, as students reach it, reports a score per exercise first and stays short."""
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from mlprereq.notebooks import exercise_of, fill_solutions, is_test, meta
from mlprereq.selfcheck import _has_code

ASSIGNMENT = "03_einops"
RELEASE = ROOT / "release" / ASSIGNMENT / "einops_einsum.ipynb"
MASTER = ROOT / "source" / ASSIGNMENT / "einops_einsum.ipynb"
NBGRADER = Path(sys.executable).with_name("nbgrader")
SUMMARY_LINE = re.compile(r"^([✓✗·]) (\S+) +(\S+) / (\S+)")
BLANK_SIZE_LIMIT = 4_000  # bytes; nbgrader's own report on this notebook is about 40 KB


def visible_points(nb) -> dict[str, float]:
    """exercise -> points of its visible (non-empty) test cells, in notebook order: what the summary must list."""
    points: dict[str, float] = {}
    for cell in nb.cells:
        if is_test(cell) and _has_code(cell.source):
            ex = exercise_of(meta(cell)["grade_id"])
            points[ex] = points.get(ex, 0.0) + float(meta(cell)["points"])
    return points


def nbgrader_validate(nb, tmp_path) -> str:
    path = tmp_path / RELEASE.name
    nbformat.write(nb, path)
    env = {**os.environ, "COURSE_ROOT": str(ROOT)}
    env.pop("NBGRADER_EXECUTION", None)
    done = subprocess.run([str(NBGRADER), "validate", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    return done.stdout


def summary(out: str) -> tuple[dict[str, tuple[str, float, float]], str]:
    """The per-exercise lines as exercise -> (mark, earned, points), and the total line."""
    lines = out.splitlines()
    rows = {}
    for line in lines:
        m = SUMMARY_LINE.match(line)
        if m:
            rows[m[2]] = (m[1], float(m[3]), float(m[4]))
    total = next(line for line in lines if line.startswith("Visible tests:"))
    assert lines.index(total) == len(rows), "the summary must come first, then the total"
    return rows, total


@pytest.fixture(scope="module")
def notebooks():
    release, master = nbformat.read(RELEASE, 4), nbformat.read(MASTER, 4)
    exercises = list(visible_points(release))
    return release, master, exercises


@pytest.mark.slow  # runs nbgrader validate on a release notebook
def test_blank_notebook_gets_a_short_summary_of_nothing_attempted(notebooks, tmp_path):
    release, _master, _exercises = notebooks
    out = nbgrader_validate(release, tmp_path)
    rows, total = summary(out)
    expected = visible_points(release)
    assert list(rows) == list(expected)
    assert all(mark == "·" and earned == 0 and points == expected[ex] for ex, (mark, earned, points) in rows.items())
    assert f"Visible tests: 0 / {sum(expected.values()):g} points (0 of {len(expected)} exercises pass)" in total
    assert "Hidden tests (" in total
    assert len(out.encode()) < BLANK_SIZE_LIMIT, out
    assert "Traceback" not in out and "checks.py" not in out


def half_done(release, master, exercises):
    """The first half of the exercises solved, except rearrange_2, answered wrongly (off by one)."""
    solved = exercises[: len(exercises) // 2]
    nb = fill_solutions(release, master, solved)
    for cell in nb.cells:
        if meta(cell).get("grade_id") == WRONG_EXERCISE:
            cell.source = WRONG_ANSWER
    return nb, [ex for ex in solved if ex != WRONG_EXERCISE]


WRONG_EXERCISE = "rearrange_2"
WRONG_ANSWER = 'def rearrange_2():\n    return einops.rearrange(t.arange(6), "(h w) -> h w", h=2)\n'


@pytest.mark.slow  # runs nbgrader validate on a release notebook
def test_half_done_notebook_scores_the_solved_half_and_names_the_failing_test(notebooks, tmp_path):
    release, master, exercises = notebooks
    nb, solved = half_done(release, master, exercises)
    assert WRONG_EXERCISE in exercises[: len(exercises) // 2]
    out = nbgrader_validate(nb, tmp_path)
    rows, total = summary(out)
    expected = visible_points(release)
    for ex in exercises:
        want = ("✓", expected[ex]) if ex in solved else ("✗", 0) if ex == WRONG_EXERCISE else ("·", 0)
        assert rows[ex][:2] == want, (ex, rows[ex])
    assert "Value mismatch" in next(line for line in out.splitlines() if line.startswith(f"✗ {WRONG_EXERCISE}"))
    earned = sum(expected[ex] for ex in solved)
    assert (f"Visible tests: {earned:g} / {sum(expected.values()):g} points "
            f"({len(solved)} of {len(exercises)} exercises pass)") in total
    details = out.split(total, 1)[1]
    assert f"{WRONG_EXERCISE}__visible:" in details and "AssertionError: Value mismatch" in details
    assert "Traceback" not in out and "checks.py" not in out
    assert len(out.encode()) < BLANK_SIZE_LIMIT, out


@pytest.mark.slow  # runs nbgrader validate on a release notebook
def test_complete_notebook_passes_with_full_visible_points(notebooks, tmp_path):
    release, master, exercises = notebooks
    out = nbgrader_validate(fill_solutions(release, master, exercises), tmp_path)
    rows, total = summary(out)
    expected = visible_points(release)
    assert rows == {ex: ("✓", p, p) for ex, p in expected.items()}
    assert f"({len(exercises)} of {len(exercises)} exercises pass)" in total
    assert "Success! Your notebook passes all the tests." in out


@pytest.mark.slow  # runs nbgrader validate on a release notebook
def test_validate_button_handler_shows_the_summary_first(notebooks, tmp_path, monkeypatch):
    """The JupyterLab Validate button (and the hub's Assignments tab) call this handler; no browser needed."""
    from nbgrader.apps import validateapp
    from nbgrader.server_extensions.validate_assignment import handlers

    for module in (handlers, validateapp):  # put nbgrader's names back after the test
        monkeypatch.setattr(module, "Validator", module.Validator)
    release, master, exercises = notebooks
    nb, solved = half_done(release, master, exercises)
    nbformat.write(nb, tmp_path / "student.ipynb")
    monkeypatch.chdir(ROOT)  # the server's working directory, whose nbgrader_config.py the handler reads
    monkeypatch.setenv("COURSE_ROOT", str(ROOT))
    handler = handlers.ValidateAssignmentHandler.__new__(handlers.ValidateAssignmentHandler)
    handler.application = types.SimpleNamespace(settings={"root_dir": str(tmp_path)})
    reply = handler.validate_notebook("student.ipynb")
    assert reply["success"], reply
    first, *rest = reply["value"]["failed"]
    lines = first["source"].splitlines()
    assert lines[0].startswith("✓ arr1") and lines[-1].startswith("Visible tests:")
    assert f"({len(solved)} of {len(exercises)} exercises pass)" in lines[-1]
    assert [entry["test"] for entry in rest] == [f"{WRONG_EXERCISE}__visible"]
    assert rest[0]["raw_error"].startswith("AssertionError: Value mismatch") and "Traceback" not in rest[0]["error"]
    shown = "".join(entry["source"] + entry["error"] for entry in reply["value"]["failed"])  # what the dialog shows
    assert len(shown.encode()) < BLANK_SIZE_LIMIT, shown


def test_the_hubs_student_config_installs_the_course_validator(tmp_path, monkeypatch):
    """Students on the hub read only the config hub/hubctl.py writes for them: it must switch Validate over too."""
    import importlib.util

    from nbgrader.apps import validateapp
    from nbgrader.server_extensions.validate_assignment import handlers
    from traitlets.config.loader import PyFileConfigLoader

    from mlprereq.validate import CourseValidator

    for module in (handlers, validateapp):
        monkeypatch.setattr(module, "Validator", module.Validator)
    spec = importlib.util.spec_from_file_location("hubctl", ROOT / "hub" / "hubctl.py")
    hubctl = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hubctl)
    settings = types.SimpleNamespace(student_config=tmp_path / "student", exchange=tmp_path / "exchange")
    hubctl.write_student_config(settings, "ml-prereqs")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(settings.student_config)).load_config()
    assert config.CourseDirectory.course_id == "ml-prereqs"
    assert validateapp.Validator is CourseValidator and handlers.Validator is CourseValidator
