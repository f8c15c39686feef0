"""Benchmark the course's JupyterHub: `make hub` to a usable hub, then `course grade` on a 20-student hub
cohort to feedback released.

Re-run it (as root, on an idle machine; 25 minutes on the shared 2-core machine at load 10-18):

    make hub-bench                      # = .venv/bin/python bench/hub_bench.py
    make hub-bench BENCH_ARGS="--students 5 --port 8741"

It starts its own hub (HUB_ROOT in /tmp, accounts mlpb-*, 127.0.0.1:PORT..PORT+4, default 8631 as `make hub`;
stop any `make hub` first), has every student fetch and submit as their own account (each solving a different
number of exercises), times collect, grade and feedback release as the course account, prints a Markdown
table for the README, and removes everything (accounts too) afterwards.
"""
from __future__ import annotations

import argparse
import csv
import os
import pwd
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402

from hub_helpers import running_hub  # noqa: E402
from mlprereq import notebooks  # noqa: E402

A, NB = "03_einops", "einops_einsum.ipynb"


def submit_cohort(hub, names: list[str]) -> None:
    """Every student fetches and submits as their own account; student i solves i/(n-1) of the exercises."""
    master = nbformat.read(REPO / "source" / A / NB, as_version=4)
    release = nbformat.read(REPO / "release" / A / NB, as_version=4)
    exercises = notebooks.exercises(master)

    def one(i: int, student: str) -> None:
        hub.as_user(student, "nbgrader", "fetch_assignment", A, check=True)
        solved = set(exercises[: i * len(exercises) // max(1, len(names) - 1)])
        path = Path(os.path.expanduser(f"~{student}")) / A / NB
        path.write_text(nbformat.writes(notebooks.fill_solutions(release, master, solved)))
        pw = pwd.getpwnam(student)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        hub.as_user(student, "nbgrader", "submit", A, check=True)

    # Students work at the same time; a few at once keeps the set-up short without timing it.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(one, i, student) for i, student in enumerate(names)]:
            done.result()


def timed_course_steps(hub) -> dict[str, float]:
    """collect, grade (sandbox, 2 workers) and feedback release, as the TA runs them; seconds for each."""
    steps = {}
    for name, cmd in [("collect --exchange", ("collect", A, "--exchange")),
                      ("grade --workers 2", ("grade", A, "--workers", "2", "--quiet")),
                      ("hub-release --feedback", ("hub-release", A, "--feedback"))]:
        start = time.perf_counter()
        out = hub.course(*cmd)
        if out.returncode:
            sys.exit(f"`course {' '.join(cmd)}` failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        steps[name] = time.perf_counter() - start
    return steps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--port", type=int, default=8631, help="the hub's port (it uses the next four too)")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("the hub makes one system account per student: run the benchmark as root")
    root = Path(tempfile.mkdtemp(prefix="mlpb-hub-", dir="/tmp"))
    os.chmod(root, 0o755)  # students reach their homes in it
    t0 = time.perf_counter()
    with running_hub(root, args.port, "mlpb-", students=args.students, deadline="2027-01-01T00:00:00+00:00") as hub:
        ready = time.perf_counter() - t0
        names = hub.state["students"]
        t1 = time.perf_counter()
        submit_cohort(hub, names)
        submitting = time.perf_counter() - t1
        steps = timed_course_steps(hub)
        rows = list(csv.DictReader(open(hub.course_dir / "grades.csv")))
        released = len(list((hub.root / "exchange" / "ml-prereqs" / "feedback").glob("*.html")))
    if len(rows) != len(names) or released != len(names):
        sys.exit(f"expected {len(names)} graded students and feedback files, got {len(rows)} rows in grades.csv "
                 f"and {released} feedback files released")
    cpus, load = os.cpu_count(), os.getloadavg()[0]
    print(f"\n{args.students}-student hub cohort, {cpus} cores, load average {load:.1f} at the end\n")
    print("| step | seconds |\n| --- | ---: |")
    print(f"| `make hub` to a usable hub ({args.students} accounts, PostgreSQL, 03_einops released) | {ready:.0f} |")
    print(f"| (not timed below) {args.students} students fetch and submit from their accounts | {submitting:.0f} |")
    for name, seconds in steps.items():
        print(f"| `course {name}` | {seconds:.0f} |")
    to_feedback = steps["grade --workers 2"] + steps["hub-release --feedback"]
    print(f"| **`course grade` to feedback released** (grade + release) | **{to_feedback:.0f}** |")


if __name__ == "__main__":
    main()
