"""`course report`: per-test pass rates, the score histogram and the slowest cells as CSV, PNG and HTML."""
import csv

import matplotlib.image
import pytest

from course_fixture import toy_course
from mlprereq.cli import main as course
from mlprereq.grading.cohort import write_cohort
from mlprereq.grading.cohort_report import histogram


def test_histogram_bins_cover_zero_to_max():
    assert histogram([0, 3, 3, 6, 5.5], 6) == [(0, 1, 1), (1, 2, 0), (2, 3, 0), (3, 4, 2), (4, 5, 0), (5, 6, 1),
                                                (6, 6, 1)]
    bins = histogram([0, 50, 100], 100)
    assert len(bins) == 20 and bins[-1] == (95, 100, 1) and sum(c for *_, c in bins) == 3


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_report_of_a_graded_cohort(tmp_path):
    course_dir = toy_course(tmp_path / "course")
    write_cohort(course_dir, "toy")
    (course_dir / "roster.csv").write_text("id\nfull\npartial\nblank\nbroken\nabsent\n")
    assert course(["--course", str(course_dir), "grade", "toy", "--quiet", "--roster",
                   str(course_dir / "roster.csv")]) == 0
    assert course(["--course", str(course_dir), "report", "toy"]) == 0
    out = course_dir / "reports" / "toy"

    tests = {r["grade_id"]: r for r in read(out / "tests.csv")}
    assert set(tests) == {"double__visible", "double__hidden", "noisy_triple__visible"}
    # graded: full, partial (solved double only), blank; broken could not be graded, absent did not submit
    assert (tests["double__visible"]["graded"], tests["double__visible"]["passed"]) == ("3", "2")
    assert tests["noisy_triple__visible"]["pass_rate"] == "0.333"

    hist = {float(r["score_from"]): int(r["students"]) for r in read(out / "histogram.csv")}
    assert hist[0.0] == 1 and hist[3.0] == 1 and hist[6.0] == 1 and sum(hist.values()) == 3

    slow = read(out / "slowest_cells.csv")
    seconds = [float(r["seconds"]) for r in slow]
    assert slow and seconds == sorted(seconds, reverse=True)
    assert {r["student"] for r in slow} <= {"full", "partial", "blank"}

    image = matplotlib.image.imread(out / "cohort.png")
    assert image.shape[0] > 300 and image.shape[1] > 1000

    page = (out / "index.html").read_text()
    assert '<img src="cohort.png"' in page and "double__visible" in page
    assert "5 students: 3 graded, 1 could not be graded, 1 did not submit; 0 flagged" in page
    assert "broken" in page  # listed with its reason
