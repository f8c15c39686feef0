"""Benchmark the hub: `hubctl start` to a hub that answers, and `course grade` on a 20-student cohort to feedback
released in the exchange. Run as root:  .venv/bin/python bench/hub_bench.py [--students 20]

Uses its own HUB_ROOT/port/prefix and removes everything (accounts too) afterwards.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402

from hub_helpers import running_hub  # noqa: E402
from mlprereq import notebooks  # noqa: E402

A, NB = "03_einops", "einops_einsum.ipynb"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=20)
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlpb-hub-", dir="/tmp"))
    os.chmod(root, 0o755)
    master = nbformat.read(REPO / "source" / A / NB, as_version=4)
    release = nbformat.read(REPO / "release" / A / NB, as_version=4)
    exercises = notebooks.exercises(master)
    t0 = time.perf_counter()
    with running_hub(root, 8761, "mlpb-", students=args.students, deadline="2027-01-01T00:00:00+00:00") as hub:
        ready = time.perf_counter() - t0
        names = hub.state["students"]
        for i, student in enumerate(names):  # every student solves a different number of exercises
            hub.as_user(student, "nbgrader", "fetch_assignment", A, check=True)
            solved = set(exercises[: i * len(exercises) // max(1, len(names) - 1)])
            nb = notebooks.fill_solutions(release, master, solved)
            path = Path(os.path.expanduser(f"~{student}")) / A / NB
            path.write_text(nbformat.writes(nb))
            os.chown(path, *(lambda pw: (pw.pw_uid, pw.pw_gid))(__import__("pwd").getpwnam(student)))
            hub.as_user(student, "nbgrader", "submit", A, check=True)
        t1 = time.perf_counter()
        steps = {}
        for name, cmd in [("collect", ("collect", A, "--exchange")), ("grade", ("grade", A, "--workers", "2",
                                                                               "--quiet")),
                          ("release feedback", ("hub-release", A, "--feedback"))]:
            s = time.perf_counter()
            out = hub.course(*cmd)
            if out.returncode:
                sys.exit(f"{name} failed:\n{out.stdout}\n{out.stderr}")
            steps[name] = time.perf_counter() - s
        total = time.perf_counter() - t1
        released = len(list((hub.root / "exchange" / "ml-prereqs" / "feedback").glob("*.html")))
    print(f"hub start to a hub that answers, {args.students} student accounts: {ready:.1f} s")
    print(f"collect + grade + release feedback, {args.students} submissions: {total:.1f} s "
          + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + f"; {released} feedback files released")


if __name__ == "__main__":
    main()
