"""The TA's side of issue 14 on a really graded cohort: pending written answers, figures, named tests."""
import csv
import shutil

import nbformat
import pytest

from course_fixture import ROOT, TOY
from mlprereq import nbsrc, release
from mlprereq.cli import main as course
from mlprereq.grading.cohort import COURSE_FILES, write_cohort
from mlprereq.grading.feedback_names import label_for, name_tests
from mlprereq.grading.manual import pending_from, refuse_final
from mlprereq.grading.report import Row
from mlprereq.nbgrader_api import make_api
from nbgrader.api import MissingEntry

EXTRA = '''
# %%
import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [0, 1, 4])
plt.title("target vs yours")
plt.show()

# %% [markdown] answer id=why_double points=2
# Doubling twice multiplies by four, because each doubling multiplies by two.
'''


def written_answer_course(dest):
    """The toy course plus a plotting cell and a manually graded written answer."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    (dest / "source" / "toy").mkdir(parents=True)
    nb = nbsrc.script_to_notebook(TOY.read_text() + EXTRA)
    nbformat.write(nb, dest / "source" / "toy" / "toy.ipynb")
    release.generate(dest)
    return dest


def test_test_links_are_named_after_their_grade_ids():
    page = ('<li><a href="#double__visible">Test cell</a> (Score: 1.0 / 1.0)</li>'
            '<li><a href="#why">Written response</a></li>')
    named = name_tests(page)
    assert "Test cell" not in named and ">Test: double, visible</a>" in named
    assert '<a href="#why">Written response</a>' in named  # other entries untouched
    assert label_for("a<b__hidden") == "Test: a&lt;b, hidden"


def _row(student, status, pending):
    return Row(student, "", "", "", "toy", 4, 8, status, "", [], pending)


def test_final_export_names_every_ungraded_student():
    class G:
        def __init__(self, needs, points):
            self.needs_manual_grade, self.max_score = needs, points
    assert pending_from([G(True, 2), G(False, 5)]) == 2.0
    message = refuse_final([_row("ann", "needs_manual_grade", 2), _row("bob", "graded", 0)])
    assert "ann: 2 points" in message and "bob" not in message and "formgrader" in message
    assert refuse_final([_row("bob", "graded", 0)]) is None


@pytest.mark.slow
def test_written_answers_pend_figures_survive_and_tests_are_named(tmp_path, capsys):
    course_dir = written_answer_course(tmp_path / "course")
    write_cohort(course_dir, "toy")
    assert course(["--course", str(course_dir), "grade", "toy", "--quiet"]) == 0

    # Pending, not zero: the full submission answered the written question; a TA has not graded it.
    rows = {r["student_id"]: r for r in csv.DictReader(open(course_dir / "grades.csv"))}
    full = rows["full"]
    assert (full["status"], full["auto_score"], full["pending_points"], full["max_score"]) == (
        "needs_manual_grade", "6", "2", "8"), full
    assert rows["broken"]["status"] == "failed" and rows["broken"]["pending_points"] == "0"
    capsys.readouterr()
    assert course(["--course", str(course_dir), "export", "toy", "--final"]) == 3
    out = capsys.readouterr().out
    assert "written answers are still ungraded" in out and "full: 2 points" in out

    # Figures: the graded notebook holds the PNG, and the feedback page embeds it.
    graded = nbformat.read(course_dir / "autograded" / "full" / "toy" / "toy.ipynb", as_version=4)
    pngs = [o["data"]["image/png"] for c in graded.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    page = (course_dir / "feedback" / "full" / "toy" / "toy.html").read_text()
    assert pngs[0].strip()[:200] in page.replace("\n", "")

    # The mark scheme sits under the written answer for the TA, and never reaches the student.
    cells = graded.cells
    at = next(i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "why_double")
    assert cells[at + 1].metadata["mlprereq"]["mark_scheme_for"] == "why_double"
    assert "> Doubling twice multiplies by four" in cells[at + 1].source
    assert "Mark scheme" not in page and "multiplies by four" in page  # full's answer is the model answer
    blank_page = (course_dir / "feedback" / "blank" / "toy" / "toy.html").read_text()
    assert "multiplies by four" not in blank_page and "Mark scheme" not in blank_page

    # Feedback names each test.
    assert "Test cell" not in page
    assert ">Test: double, visible</a>" in page and ">Test: double, hidden</a>" in page

    # Once the TA grades every written answer, the final export goes through.
    with make_api(course_dir).gradebook as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission("toy", student.id)
            except MissingEntry:
                continue
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.needs_manual_grade:
                        g.manual_score, g.needs_manual_grade = 1, False  # what the formgrader does on save
            gb.db.commit()
    assert course(["--course", str(course_dir), "export", "toy", "--final"]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(course_dir / "grades.csv"))}
    assert (rows["full"]["status"], rows["full"]["score"], rows["full"]["pending_points"]) == ("graded", "7", "0")


def test_feedback_drops_every_mark_scheme_by_default(monkeypatch):
    from mlprereq.grading import markscheme
    answer = nbformat.v4.new_markdown_cell("my answer", metadata={"nbgrader": {
        "grade": True, "solution": True, "grade_id": "q", "points": 2, "schema_version": 3}})
    nb = nbformat.v4.new_notebook(cells=[answer, markscheme.scheme_cell("q", "model answer\n\nnotes", "**MS**"),
                                         nbformat.v4.new_markdown_cell("after")])
    assert nb.cells[1].source == "**MS**\n\n> model answer\n>\n> notes"
    out, _ = markscheme.HideMarkScheme().preprocess(nbformat.from_dict(nb), {})
    assert [c.source for c in out.cells] == ["my answer", "after"]
    # show_when_graded shows only answers a TA has graded.
    monkeypatch.setattr(markscheme.HideMarkScheme, "_graded_answers", lambda self, nb, res: set())
    out, _ = markscheme.HideMarkScheme(show_when_graded=True).preprocess(nbformat.from_dict(nb), {})
    assert len(out.cells) == 2
    monkeypatch.setattr(markscheme.HideMarkScheme, "_graded_answers", lambda self, nb, res: {"q"})
    out, _ = markscheme.HideMarkScheme(show_when_graded=True).preprocess(nbformat.from_dict(nb), {})
    assert len(out.cells) == 3
