"""The TA's side of issue 14 on a really graded cohort: pending written answers, figures, named tests."""
import base64
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
    # Drawn at the graded kernels' 72 dpi (mlprereq/grading/kernel/matplotlibrc): half the pixels of 100 dpi.
    width = int.from_bytes(base64.b64decode(pngs[0])[16:20], "big")
    assert 300 < width <= 6.4 * 72, width
    page = (course_dir / "feedback" / "full" / "toy" / "toy.html").read_text()
    assert pngs[0].strip()[:200] in page.replace("\n", "")

    # The mark scheme sits under the written answer for the TA, and never reaches the student.
    cells = graded.cells
    at = next(i for i, c in enumerate(cells)
              if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "why_double")
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


def test_cohort_figure_has_no_overlapping_text_and_names_cells():
    import matplotlib.pyplot as plt
    from mlprereq.grading.cohort_report import TestStat, cohort_figure
    tests = [TestStat("nb", f"einops_puzzle_{i}__hidden_dtype", 2.0, 40, (7 * i) % 41, 1.0) for i in range(30)]
    bins = [(float(i), float(i + 1), i % 5) for i in range(34)]
    cells = [{"student": f"s{i:03d}", "notebook": "nb", "cell": 10 + i, "grade_id": "" if i % 2 else f"t{i}__hidden",
              "label": f"after t{i - 1}__hidden" if i % 2 else f"t{i}__hidden", "seconds": 30.0 - i,
              "timed_out": i == 0} for i in range(10)]
    fig = cohort_figure(tests, bins, cells, "03_einops")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [fig._suptitle] + [t for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
    texts += [t for ax in fig.axes for t in ax.get_yticklabels()]
    # x tick labels matplotlib keeps beyond the axis limits are never drawn: only the ones in view count.
    texts += [t for ax in fig.axes for t, x in zip(ax.get_xticklabels(), ax.get_xticks())
              if min(ax.get_xlim()) <= x <= max(ax.get_xlim())]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    for i, (a, box) in enumerate(boxes):
        for b, other in boxes[i + 1:]:
            assert not box.overlaps(other), (a, b)
    fig_box = fig.bbox
    cut = [a for a, box in boxes if box.x0 < fig_box.x0 - 1 or box.x1 > fig_box.x1 + 1]
    assert not cut, cut  # nothing cut off at the edges
    slow = fig.axes[2]
    labels = [t.get_text() for t in slow.get_yticklabels()]
    assert "s001 · after t0__hidden" in labels and not any("cell 1" in label for label in labels)
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels()) >= 8
    plt.close(fig)
