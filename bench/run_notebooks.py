"""Run-all time of every master notebook on this machine (target: at most 60 s each on 2 CPU cores).

    .venv/bin/python bench/run_notebooks.py [--repeat N]

Prints a Markdown table for the README.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlprereq.course import ROOT, source_notebooks  # noqa: E402

TARGET_SECONDS = 60


def run_all(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| notebook | run-all (s) | target |")
    print("|---|---:|---|")
    worst = 0.0
    for path in source_notebooks():
        seconds = statistics.median(run_all(path) for _ in range(args.repeat))
        worst = max(worst, seconds)
        ok = "ok" if seconds <= TARGET_SECONDS else "OVER"
        print(f"| {path.relative_to(ROOT)} | {seconds:.1f} | ≤ {TARGET_SECONDS} s {ok} |", flush=True)
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
