"""The cohort report of an assignment: how each test went, the scores, the slowest cells, the flags.

    course report ASSIGNMENT [--out DIR]     (default DIR: reports/<assignment>/)

writes

    tests.csv          per test cell: points, students graded, passed, pass rate, mean score
    histogram.csv      the score histogram (bins of one point, or of max/20 for large assignments)
    slowest_cells.csv  the slowest cells of the cohort (from the sandbox's run records)
    flagged.csv        each reason a submission was flagged for review
    cohort.png         the three as figures (matplotlib)
    index.html         one page for the TA: the figure, the tables, the flagged submissions

Scores and pass rates come from the gradebook; a test cell counts as passed
when it earned its full points. Only submissions nbgrader graded count in the
pass rates and the histogram; everyone on the roster is in the summary line.
"""
from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry

from .status import load_status
from .report import rows_for, write_flags
from .sandbox import load_run_records

SLOWEST = 15


@dataclass
class TestStat:
    notebook: str
    grade_id: str
    points: float
    graded: int
    passed: int
    mean: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def collect(gradebook, root: Path, assignment: str) -> dict:
    outcomes = load_status(root, assignment)
    rows = rows_for(gradebook, assignment, outcomes)
    graded = [r for r in rows if r.status in ("graded", "needs_manual_grade")]  # pending written answers too
    tests: dict[tuple[str, str], TestStat] = {}
    assignment_obj = gradebook.find_assignment(assignment)
    for nb in assignment_obj.notebooks:
        for cell in nb.grade_cells:
            if cell.cell_type == "code":
                tests[(nb.name, cell.name)] = TestStat(nb.name, cell.name, float(cell.max_score), 0, 0, 0.0)
    for row in graded:
        try:
            sub = gradebook.find_submission(assignment, row.student_id)
        except MissingEntry:
            continue
        for nb in sub.notebooks:
            for grade in nb.grades:
                stat = tests.get((nb.name, grade.name))
                if stat is None:
                    continue
                score = float(grade.score)
                stat.graded += 1
                stat.passed += score >= stat.points
                stat.mean += score
    for stat in tests.values():
        stat.mean = stat.mean / stat.graded if stat.graded else 0.0
    cells = []
    for row in rows:
        for notebook, record in load_run_records(root, assignment, row.student_id).items():
            last = ""  # the test above an ungraded cell names it: "after double__visible"
            for c in record.get("cells", []):
                grade_id = c.get("grade_id") or ""
                label = grade_id or (f"after {last}" if last else f"cell {c.get('index')}")
                last = grade_id or last
                cells.append({"student": row.student_id, "notebook": notebook, "cell": c.get("index"),
                              "grade_id": grade_id, "label": label, "seconds": float(c.get("seconds", 0)),
                              "timed_out": bool(c.get("timed_out"))})
    cells.sort(key=lambda c: -c["seconds"])
    return {"rows": rows, "graded": graded, "tests": list(tests.values()), "cells": cells,
            "max_score": float(assignment_obj.max_score)}


def histogram(scores: list[float], max_score: float) -> list[tuple[float, float, int]]:
    """(from, to, count) bins: one per whole score 0..max (``to`` exclusive, the last bin is max itself)
    when max <= 20, else 20 equal bins (the last includes max)."""
    if max_score <= 20:
        top = int(math.floor(max_score))
        bins = [[float(k), float(k + 1) if k < top else float(max_score), 0] for k in range(top + 1)]
        for s in scores:
            bins[min(max(int(math.floor(s)), 0), top)][2] += 1
        return [tuple(b) for b in bins]
    width = max_score / 20
    bins = [[i * width, (i + 1) * width, 0] for i in range(20)]
    for s in scores:
        bins[min(max(int(s // width), 0), 19)][2] += 1
    return [tuple(b) for b in bins]


def write_report(gradebook, root: Path, assignment: str, out: Path) -> Path:
    """Write the CSVs, the figure and index.html to ``out``; returns index.html."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = collect(gradebook, Path(root), assignment)
    tests, cells, graded, rows = data["tests"], data["cells"], data["graded"], data["rows"]
    bins = histogram([r.score for r in graded], data["max_score"])

    with open(out / "tests.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["notebook", "grade_id", "points", "graded", "passed", "pass_rate", "mean_score"])
        for t in tests:
            w.writerow([t.notebook, t.grade_id, f"{t.points:g}", t.graded, t.passed, f"{t.pass_rate:.3f}", f"{t.mean:.3f}"])
    with open(out / "histogram.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["score_from", "score_to", "students"])
        for lo, hi, count in bins:
            w.writerow([f"{lo:g}", f"{hi:g}", count])
    with open(out / "slowest_cells.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "notebook", "cell", "grade_id", "seconds", "timed_out"])
        for c in cells[:SLOWEST]:
            w.writerow([c["student"], c["notebook"], c["cell"], c["grade_id"], f"{c['seconds']:.3f}", c["timed_out"]])
    write_flags(rows, out / "flagged.csv")
    plot(tests, bins, cells[:SLOWEST], out / "cohort.png", assignment)
    page = out / "index.html"
    page.write_text(render_html(assignment, data, bins))
    return page


def plot(tests: list[TestStat], bins, cells, path: Path, assignment: str) -> None:
    import matplotlib.pyplot as plt

    fig = cohort_figure(tests, bins, cells, assignment)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cohort_figure(tests: list[TestStat], bins, cells, assignment: str):
    """The three-panel cohort figure (pass rate per test, score histogram, slowest cells)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Pass rates (one row per test, the long list) get the left column; histogram and slowest cells share the right.
    height = max(6.0, 0.3 * len(tests) + 2)
    fig = plt.figure(figsize=(15, height), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.1, 1])
    ax = left.subplots()
    axes = [ax, *right.subplots(2, 1)]
    names = [t.grade_id for t in tests][::-1]
    rates = [100 * t.pass_rate for t in tests][::-1]
    ax.barh(names, rates, color=["#c0392b" if r < 50 else "#2e86c1" for r in rates])
    ax.set_xlim(0, 100)
    ax.set_xlabel("students passing (%)")
    ax.set_title("Pass rate per test")
    ax.tick_params(axis="y", labelsize=9)
    for y, r in enumerate(rates):  # inside a long bar (white), after a short one
        inside = r > 85
        ax.text(r - 1 if inside else r + 1, y, f"{r:.0f}%", va="center", ha="right" if inside else "left",
                fontsize=8, color="white" if inside else "black")
    ax = axes[1]
    whole = len(bins) <= 21 and all(lo == int(lo) for lo, _, _ in bins)
    centres = [lo if whole else (lo + hi) / 2 for lo, hi, _ in bins]
    ax.bar(centres, [c for _, _, c in bins], width=0.8 if whole else (bins[0][1] - bins[0][0]) * 0.9, color="#27ae60")
    if whole:
        ax.set_xticks(centres)
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title("Score histogram (graded submissions)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax = axes[2]
    labels = [f"{c['student']} · {c.get('label') or c['grade_id'] or 'cell ' + str(c['cell'])}" for c in cells][::-1]
    ax.barh(labels, [c["seconds"] for c in cells][::-1],
            color=["#c0392b" if c["timed_out"] else "#7f8c8d" for c in cells][::-1])
    ax.set_xlabel("seconds (red: timed out)")
    ax.set_title("Slowest cells")
    ax.tick_params(axis="y", labelsize=9)
    fig.suptitle(f"{assignment}: cohort report", fontsize=14)
    return fig


def _table(header: list[str], body: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_html(assignment: str, data: dict, bins) -> str:
    rows, graded, tests, cells = data["rows"], data["graded"], data["tests"], data["cells"]
    counts = {s: sum(r.status == s for r in rows) for s in ("graded", "needs_manual_grade", "failed", "not_submitted")}
    flagged = [r for r in rows if r.flags]
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    summary = (f"{len(rows)} students: {counts['graded']} graded, {counts['failed']} could not be graded, "
               f"{counts['not_submitted']} did not submit; {len(flagged)} flagged for review. "
               f"Mean score of graded submissions: {mean:.2f} / {data['max_score']:g}.")
    flag_items = "".join(
        f"<li><b>{html.escape(r.student_id)}</b> ({r.score:g}/{r.max_score:g}, {html.escape(r.status)})<ul>"
        + "".join(f"<li>{html.escape(f)}</li>" for f in r.flags) + "</ul></li>" for r in flagged) or "<li>none</li>"
    scored = ("graded", "needs_manual_grade")
    zero = [[r.student_id, r.status, r.reason] for r in rows if r.status not in scored or (r.score == 0 and r.reason)]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(assignment)}: cohort report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}}th{{background:#f3f3f3}}
img{{max-width:100%;border:1px solid #ddd}}</style></head><body>
<h1>{html.escape(assignment)}: cohort report</h1>
<p>{html.escape(summary)}</p>
<img src="cohort.png" alt="pass rate per test, score histogram and slowest cells">
<h2>Flagged for review</h2><ul>{flag_items}</ul>
<h2>Tests</h2>{_table(["notebook", "test", "points", "graded", "passed", "pass rate", "mean"],
                       [[t.notebook, t.grade_id, f"{t.points:g}", t.graded, t.passed, f"{100 * t.pass_rate:.0f}%",
                         f"{t.mean:.2f}"] for t in tests])}
<h2>Score histogram</h2>{_table(["from", "to", "students"], [[f"{lo:g}", f"{hi:g}", c] for lo, hi, c in bins])}
<h2>Slowest cells</h2>{_table(["student", "notebook", "cell", "test", "seconds", "timed out"],
                               [[c["student"], c["notebook"], c["cell"], c["grade_id"], f"{c['seconds']:.2f}",
                                 "yes" if c["timed_out"] else ""] for c in cells[:SLOWEST]])}
<h2>Not graded, or 0 with a reason</h2>{_table(["student", "status", "reason"], zero)}
<p>Files: tests.csv, histogram.csv, slowest_cells.csv, flagged.csv, cohort.png (this folder).</p>
</body></html>
"""
