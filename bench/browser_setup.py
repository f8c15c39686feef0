"""How long each notebook's setup cell takes in the browser: JupyterLab in headless Chromium, as a student runs it.

    .venv/bin/python bench/browser_setup.py [--port-range 8761-8765]

For each release notebook: open it (a fresh kernel), click Run on the setup cell and wait until its
output shows and the kernel is idle (first run), then run it again (second run). The times include
what the browser adds (sending the cell, rendering the output). Prints a Markdown table. Needs Debian's
chromium (make system-deps). Run it on an idle machine: the numbers are meant for the README.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "tests")]
from hub_helpers import REPO, headless_chromium  # noqa: E402
from student_lab import Lab, Notebook, student_copy  # noqa: E402


def timed_setup(nb: Notebook) -> float:
    start = time.perf_counter()
    out = nb.run_setup_cell()
    seconds = time.perf_counter() - start
    if "Course(" not in out or nb.errors(nb.cells.first):
        raise RuntimeError(f"the setup cell of {nb.path} failed:\n{out}")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-range", default="8761-8765", help="ports JupyterLab may use on 127.0.0.1")
    args = parser.parse_args(argv)
    low, high = (int(p) for p in args.port_range.split("-"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        lab = Lab(student_copy(Path(tmp) / "course"), range(low, high + 1))
        try:
            with headless_chromium() as browser:
                for path in sorted((REPO / "release").glob("*/*.ipynb")):
                    nb = Notebook(browser, lab, path.relative_to(REPO))
                    try:
                        rows.append((path.parent.name, timed_setup(nb), timed_setup(nb)))
                    finally:
                        nb.close()
        finally:
            lab.stop()
    print("| notebook | setup cell, first run after opening (s) | second run (s) |")
    print("|---|---:|---:|")
    for name, first, second in rows:
        print(f"| {name} | {first:.2f} | {second:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
