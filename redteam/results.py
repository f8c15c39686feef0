"""Scores of the red-team cohort against `control`, with each student's flags and notes.

    .venv/bin/python redteam/results.py /tmp/atk_course
"""
import sys
from pathlib import Path

from mlprereq.grading import report
from mlprereq.grading.status import load_status
from mlprereq.nbgrader_api import make_api

A = "03_einops"
root = Path(sys.argv[1])
status = load_status(root, A)
with make_api(root).gradebook as gb:
    scores = {s: report.cell_scores(gb, A, s) for s in status}
control = scores.get("control", {})
for student in sorted(scores):
    s = scores[student]
    gained = {k: v for k, v in s.items() if v > control.get(k, 0)}
    lost = {k: v for k, v in s.items() if v < control.get(k, 0)}
    print(f"{student:16} {sum(s.values()):5.1f}  {status[student].status:10} gained={gained} lost={sorted(lost)}")
    print(f"{'':16} flags={status[student].flags}")
    print(f"{'':16} reason={status[student].reason[:300]}")
