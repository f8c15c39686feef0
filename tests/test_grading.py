"""The TA's loop on a toy course and on every real assignment: exact scores, a row for every student."""
import csv
import zipfile

import pytest

from course_fixture import real_course, toy_course
from mlprereq.cli import main as course
from mlprereq.grading import report
from mlprereq.grading.status import load_status
from mlprereq.grading.cohort import write_cohort
from mlprereq.grading.collect import normalise_notebook_name
from mlprereq.grading.roster import RosterError, read_roster
from mlprereq.nbgrader_api import make_api

pytestmark = pytest.mark.slow


def read_csv(path):
    with open(path, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def scores_per_cell(course_dir, assignment, students):
    with make_api(course_dir).gradebook as gb:
        return {s: report.cell_scores(gb, assignment, s) for s in students}


@pytest.fixture(scope="module")
def graded_toy(tmp_path_factory):
    course_dir = toy_course(tmp_path_factory.mktemp("toy"))
    expected = write_cohort(course_dir, "toy")
    roster = course_dir / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nfull,Ada,L,a@x\npartial,Bo,M,\nblank,Cy,N,\n"
                      "broken,Di,O,\nabsent,Ed,P,e@x\n")
    assert course(["--course", str(course_dir), "grade", "toy", "--roster", str(roster), "--quiet"]) == 0
    return course_dir, expected


def test_cohort_scores_are_exact_per_cell(graded_toy):
    course_dir, expected = graded_toy
    graded = [s for s in expected if s != "broken"]
    assert scores_per_cell(course_dir, "toy", graded) == {s: expected[s] for s in graded}


def test_warning_on_stderr_does_not_cost_a_correct_answer(graded_toy):
    course_dir, _ = graded_toy
    assert scores_per_cell(course_dir, "toy", ["full"])["full"]["noisy_triple__visible"] == 3.0


def test_every_roster_student_has_a_score_or_reason(graded_toy):
    course_dir, _ = graded_toy
    rows = read_csv(course_dir / "grades.csv")
    assert set(rows) == {"full", "partial", "blank", "broken", "absent"}
    assert (rows["full"]["score"], rows["full"]["max_score"], rows["full"]["status"]) == ("6", "6", "graded")
    assert (rows["partial"]["score"], rows["blank"]["score"]) == ("3", "0")
    assert rows["broken"]["status"] == "failed" and "not a readable notebook" in rows["broken"]["reason"]
    assert rows["absent"]["status"] == "not_submitted" and rows["absent"]["reason"] == "no submission"
    assert rows["full"]["first_name"] == "Ada"


def test_broken_notebook_keeps_its_log_and_the_batch_goes_on(graded_toy):
    course_dir, _ = graded_toy
    outcomes = load_status(course_dir, "toy")
    assert {s: o.status for s, o in outcomes.items()} == {
        "full": "graded", "partial": "graded", "blank": "graded", "broken": "failed", "absent": "not_submitted"}
    assert (course_dir / "grading_status" / "toy" / "broken.log").read_text().strip()


def test_feedback_is_generated(graded_toy):
    course_dir, _ = graded_toy
    html = course_dir / "feedback" / "full" / "toy" / "toy.html"
    assert html.exists() and "double" in html.read_text()


def test_zip_of_lms_downloads_is_collected(tmp_path):
    course_dir = toy_course(tmp_path / "course")
    release_nb = (course_dir / "release" / "toy" / "toy.ipynb").read_text()
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice_12345_67890_Copy of toy.ipynb", release_nb)
        z.writestr("bob_999_toy (1).ipynb", release_nb)
        z.writestr("carol/toy.ipynb", release_nb)
        z.writestr("dave_notes.txt", "not a notebook")
    assert course(["--course", str(course_dir), "collect", "toy", "--zip", str(archive)]) == 0
    for student in ("alice", "bob", "carol"):
        assert (course_dir / "submitted" / student / "toy" / "toy.ipynb").exists(), student
    assert not (course_dir / "submitted" / "dave").exists()


@pytest.mark.parametrize("name, expected", [
    ("Copy of toy.ipynb", "toy.ipynb"),
    ("copy of Copy of toy.ipynb", "toy.ipynb"),
    ("toy (2).ipynb", "toy.ipynb"),
    ("Copy of einops_einsum (1).ipynb", "einops_einsum.ipynb"),
])
def test_colab_and_browser_names_map_to_the_notebook(name, expected):
    assert normalise_notebook_name(name, ["einops_einsum.ipynb", "toy.ipynb"]) == expected


def test_roster_errors_are_clear(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("name,email\nx,y\n")
    with pytest.raises(RosterError, match="needs an 'id' column"):
        read_roster(bad)
    bad.write_text("id\na\na\n")
    with pytest.raises(RosterError, match="listed twice: a"):
        read_roster(bad)


def test_real_assignment_cohort_scores_exactly(master, tmp_path):
    course_dir = real_course(tmp_path / "course")
    assignment = master.parent.name
    expected = write_cohort(course_dir, assignment)
    assert course(["--course", str(course_dir), "autograde", assignment, "--quiet"]) == 0
    graded = [s for s in expected if s != "broken"]
    got = scores_per_cell(course_dir, assignment, graded)
    for student in graded:
        assert got[student] == pytest.approx(expected[student]), student
    outcomes = load_status(course_dir, assignment)
    assert outcomes["broken"].status == "failed"
    # A correct notebook (with its plots, widgets and course cells) is graded without a flag or a note.
    assert not outcomes["full"].flags and "course cell" not in outcomes["full"].reason, outcomes["full"]
