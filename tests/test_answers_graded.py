"""The answers of tests/answers/<NN>.py judged by the real grader, not in-process.

For every real assignment, submissions are built out of its RIGHT answers (the
k-th submission takes the k-th RIGHT variant of each exercise, cycling where an
exercise has fewer, so there are only as many notebooks as the most variants an
exercise has) and one made of WRONG answers (the first of each exercise). All of
an assignment's submissions are graded in one `course autograde --workers 2` run,
in the sandbox, with the hidden tests compared by the grader (differential.py):
every test cell of a RIGHT submission must get full marks with nothing flagged,
and the WRONG submission must lose points on every exercise that has a WRONG.
"""
import textwrap
from collections import defaultdict

import nbformat
import pytest

from conftest import load_answers, release_path
from course_fixture import real_course
from mlprereq import notebooks
from mlprereq.cli import main as course
from mlprereq.grading import report
from mlprereq.grading.sandbox import bwrap_works
from mlprereq.grading.status import load_run_records, load_status
from mlprereq.nbgrader_api import make_api

pytestmark = pytest.mark.slow


def variants(entries) -> dict[str, list[str]]:
    """exercise -> its answers' code, in the file's order."""
    out = defaultdict(list)
    for exercise, _why, code in entries:
        out[exercise].append(textwrap.dedent(code))
    return dict(out)


def answered(release_nb, master_nb, answers: dict[str, str]):
    """The release with every exercise solved as the master does, then ``answers`` (exercise -> code) swapped in."""
    manual = {notebooks.meta(c)["grade_id"] for c in master_nb.cells
              if notebooks.meta(c).get("solution") and notebooks.meta(c).get("grade")}
    nb = notebooks.fill_solutions(release_nb, master_nb, set(notebooks.exercises(master_nb)) | manual)
    for cell in nb.cells:
        gid = notebooks.meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def submissions(master_path) -> dict[str, dict[str, str]]:
    """student -> the answers in their notebook: right-0 .. right-(n-1), and wrong."""
    answers = load_answers(master_path)
    right, wrong = variants(answers.RIGHT), variants(answers.WRONG)
    count = max(len(codes) for codes in right.values())
    out = {f"right-{k}": {ex: codes[k % len(codes)] for ex, codes in right.items()} for k in range(count)}
    out["wrong"] = {ex: codes[0] for ex, codes in wrong.items()}
    return out


_GRADED = {}


def graded(master_path, tmp_path_factory):
    """Grade the assignment's submissions once (shared by the tests of that assignment)."""
    if master_path in _GRADED:
        return _GRADED[master_path]
    if not bwrap_works():
        pytest.fail("bubblewrap is not available: grading in the sandbox never skips "
                    "(`make test` installs it as root; else: sudo apt-get install -y bubblewrap)")
    assignment = master_path.parent.name
    course_dir = real_course(tmp_path_factory.mktemp(f"answers-{assignment}") / "course")
    master_nb = nbformat.read(master_path, as_version=4)
    release_nb = nbformat.read(release_path(master_path), as_version=4)
    chosen = submissions(master_path)
    for student, answers in chosen.items():
        folder = course_dir / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(answered(release_nb, master_nb, answers), folder / master_path.name)
    assert course(["--course", str(course_dir), "autograde", assignment, "--workers", "2", "--quiet"]) == 0
    with make_api(course_dir).gradebook as gb:
        scores = {s: report.cell_scores(gb, assignment, s) for s in chosen}
    result = {"course": course_dir, "assignment": assignment, "scores": scores, "chosen": chosen,
              "points": notebooks.test_cells(master_nb), "status": load_status(course_dir, assignment)}
    _GRADED[master_path] = result
    return result


def test_right_answers_get_full_marks_from_the_grader(master, tmp_path_factory):
    run = graded(master, tmp_path_factory)
    problems = {}
    for student in (s for s in run["chosen"] if s.startswith("right-")):
        outcome = run["status"][student]
        lost = {gid: got for gid, got in run["scores"][student].items()
                if gid in run["points"] and got != run["points"][gid]}
        if outcome.status != "graded" or lost or outcome.flags:
            problems[student] = {"status": outcome.status, "lost": lost, "flags": outcome.flags,
                                 "reason": outcome.reason}
    assert problems == {}


def test_right_answers_were_graded_in_the_sandbox_with_hidden_tests_compared_by_the_grader(master, tmp_path_factory):
    run = graded(master, tmp_path_factory)
    for student in run["chosen"]:
        records = load_run_records(run["course"], run["assignment"], student)
        assert records and all(r.get("sandbox") == "bwrap" for r in records.values()), (student, records)
        # No silent fallback to comparing in the student's kernel (a failed reference run would do that).
        compared = {c["grade_id"]: c.get("compared_in_grader") for r in records.values() for c in r["cells"] if c["test"]}
        assert set(compared) == set(run["points"]) and all(compared.values()), (student, compared)


def test_a_submission_of_wrong_answers_loses_points_on_each_exercise(master, tmp_path_factory):
    run = graded(master, tmp_path_factory)
    got = run["scores"]["wrong"]
    kept = []
    for exercise in run["chosen"]["wrong"]:
        cells = [gid for gid in run["points"] if notebooks.exercise_of(gid) == exercise]
        assert cells, f"WRONG names an exercise without test cells: {exercise}"
        if all(got[gid] == run["points"][gid] for gid in cells):
            kept.append(exercise)
    assert kept == [], f"exercises whose WRONG answer kept every point under the grader: {kept}"
