"""Every master passes its own tests; the blank release fails every one; wrong answers fail, right ones pass."""
import textwrap

import nbformat
import pytest

from conftest import MASTERS, load_answers, release_path
from mlprereq import notebooks, qa

pytestmark = pytest.mark.slow


def test_there_are_notebooks():
    assert MASTERS, "source/ holds no master notebook"


def test_master_passes_validator(master):
    results = qa.validate(master)
    assert results == {}, f"nbgrader's Validator reports problems in {master.name}: {results}"


def test_blank_release_fails_every_test(master, tmp_path):
    # Autograding puts the hidden tests back into the student's notebook; do the same here.
    blank = qa.with_master_tests(nbformat.read(release_path(master), as_version=4), nbformat.read(master, as_version=4))
    path = tmp_path / master.name
    nbformat.write(blank, path)
    results = qa.validate(path, invert=True, ignore_checksums=True)
    passing = [r["source"].splitlines()[0] for r in results.get("passed", [])]
    assert not passing, f"test cells that pass on the blank release: {passing}"
    assert set(results) <= {"passed"}, results


def _probe_results(master):
    answers = load_answers(master)
    with qa.AnswerProbe(master) as probe:
        failures = probe.failures()
        wrong = [(ex, why, probe.try_answer(ex, textwrap.dedent(code))) for ex, why, code in answers.WRONG]
        right = [(ex, why, probe.try_answer(ex, textwrap.dedent(code))) for ex, why, code in answers.RIGHT]
    return probe.nb, failures, wrong, right


_CACHE = {}


def results_for(master):
    if master not in _CACHE:
        _CACHE[master] = _probe_results(master)
    return _CACHE[master]


def test_master_runs_clean_in_one_kernel(master):
    _, failures, _, _ = results_for(master)
    assert not failures, f"cells that fail in the master: {failures}"


def test_wrong_answers_lose_points(master):
    nb, _, wrong, _ = results_for(master)
    known = set(notebooks.exercises(nb))
    for exercise, why, results in wrong:
        assert exercise in known, f"WRONG names unknown exercise {exercise!r}"
        assert results, f"exercise {exercise!r} has no test cells"
        assert not all(ok for ok, _ in results.values()), f"wrong answer passes every test of {exercise}: {why}"


def test_right_answers_get_full_marks(master):
    nb, _, _, right = results_for(master)
    for exercise, why, results in right:
        failed = {gid: err for gid, (ok, err) in results.items() if not ok}
        assert not failed, f"a correct answer to {exercise} ({why}) fails: {failed}"


def test_every_test_cell_catches_a_wrong_answer(master):
    nb, _, wrong, _ = results_for(master)
    caught = {gid for _, _, results in wrong for gid, (ok, _) in results.items() if not ok}
    uncaught = [gid for gid in notebooks.test_cells(nb) if gid not in caught]
    assert not uncaught, f"test cells that no WRONG answer fails: {uncaught}"


def test_hidden_tests_catch_what_visible_ones_miss(master):
    nb, _, wrong, _ = results_for(master)
    hidden = {notebooks.meta(c)["grade_id"] for c in nb.cells
              if notebooks.is_test(c) and "BEGIN HIDDEN TESTS" in c.source}
    earned = set()
    for _, _, results in wrong:
        visible_ok = all(ok for gid, (ok, _) in results.items() if gid not in hidden)
        if visible_ok:
            earned |= {gid for gid, (ok, _) in results.items() if gid in hidden and not ok}
    missing = sorted(hidden - earned)
    assert not missing, f"hidden test cells with no WRONG answer that passes the visible tests but fails them: {missing}"


def test_every_exercise_has_a_right_alternative(master):
    nb, _, _, right = results_for(master)
    covered = {ex for ex, _, _ in right}
    graded = {notebooks.exercise_of(g) for g in notebooks.test_cells(nb)}
    missing = sorted(graded - covered)
    assert not missing, f"exercises with no alternative correct answer in RIGHT: {missing}"
