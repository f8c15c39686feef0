"""Grading a cohort: stock `nbgrader autograde` vs the course CLI, side by side in one run.

    .venv/bin/python bench/grading.py 03_einops [--n 40] [--workers 2] [--scale 10,40,160] [--repeat 1]
    .venv/bin/python bench/grading.py toy        # the tests' toy assignment (tests/fixtures/toy.py)

For each repetition, on fresh copies of one cohort of N submissions (a mix of
complete, half-done and blank notebooks; every one is executed):

* stock     `nbgrader autograde ASSIGNMENT --force`, nbgrader's own app, one submission after another
              (after an untimed `nbgrader generate_assignment`, which stock grading needs first);
* cli -w1   `course autograde ASSIGNMENT --workers 1` (the whole command; like stock, it starts from a gradebook
              that already records the assignment: `course autograde` does that once per version of the source,
              and its cost is printed separately);
* cli -wK   `course autograde ASSIGNMENT --workers K`;
* nbclient  each submission executed with nbclient, one after another, nothing else: the floor that
              grading overhead is measured against.

Then `course autograde --workers K` on cohorts of each --scale size. Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from mlprereq import release  # noqa: E402
from mlprereq.grading.cohort import COURSE_FILES, submissions_for  # noqa: E402

BIN = Path(sys.executable).parent
KINDS = ("full", "partial", "blank")  # every submission runs; a broken upload would cost nothing


PLAIN_EXECUTE = """
# bench/grading.py --plain-execute: nbgrader's own Execute instead of the course's sandbox.
c.Autograde.autograde_preprocessors = [
    Execute if getattr(p, "__name__", "") == "SandboxedExecute" else p for p in c.Autograde.autograde_preprocessors]
"""


def make_course(dest: Path, assignment: str, plain_execute: bool = False) -> Path:
    """A scratch course holding only ``assignment`` (a copy of source/, its release generated)."""
    if assignment == "toy":
        from course_fixture import toy_course

        course = toy_course(dest)
    else:
        course = _real_course(dest, assignment)
    if plain_execute:
        with open(course / "nbgrader_config.py", "a") as f:
            f.write(PLAIN_EXECUTE)
    return course


def _real_course(dest: Path, assignment: str) -> Path:
    dest.mkdir(parents=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for extra in ("data",):  # files notebooks read at run time
        if (ROOT / extra).is_dir():
            (dest / extra).symlink_to(ROOT / extra, target_is_directory=True)
    shutil.copytree(ROOT / "source" / assignment, dest / "source" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    release.generate(dest, [assignment])
    return dest


def write_cohort(course: Path, assignment: str, n: int) -> list[Path]:
    """``n`` submissions, complete / half-done / blank in turn, and their students in the gradebook
    (as `course roster` leaves a course before grading); returns the submitted notebooks."""
    from mlprereq.nbgrader_api import make_api

    paths = []
    masters = sorted((course / "source" / assignment).glob("*.ipynb"))
    kinds = {m.name: submissions_for(m, course / "release" / assignment / m.name) for m in masters}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        folder = course / "submitted" / f"s{i + 1:03d}_{kind}" / assignment
        folder.mkdir(parents=True)
        for name, subs in kinds.items():
            (folder / name).write_text(subs[kind][0])
            paths.append(folder / name)
    with make_api(course).gradebook as gb:  # creating a gradebook costs ~5-15 s (nbgrader runs `alembic`)
        for folder in sorted((course / "submitted").iterdir()):
            gb.update_or_create_student(folder.name)
    return paths


def record_assignment(course: Path, assignment: str) -> float:
    """Record the assignment in the gradebook as `course autograde` does on its first run (seconds it took).

    Untimed in the comparison, as stock grading's `nbgrader generate_assignment` is: both sides start
    from a gradebook that knows the assignment, which a course records once per version of its source."""
    from mlprereq.grading import gradebook, status
    from mlprereq.nbgrader_api import make_api

    start = time.perf_counter()
    db_url = gradebook.concurrent_db_url(make_api(course).coursedir.db_url)
    gradebook.prepare_once(make_api(course, CourseDirectory__db_url=db_url), course, assignment, db_url,
                 status.source_fingerprint(course, assignment))
    return time.perf_counter() - start


def clone(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    return dest


class Clock:
    """Wall time, and the CPU time the whole machine was busy meanwhile (/proc/stat): grading kernels run in
    their own PID namespace and are never reaped by this process, so getrusage would miss them. On an
    otherwise idle machine the busy time is the cost of grading; load from other jobs adds to it."""

    def __enter__(self):
        self.load = os.getloadavg()[0]
        self.wall0 = time.perf_counter()
        self.cpu0 = machine_busy()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = machine_busy() - self.cpu0


def machine_busy() -> float:
    """Seconds of CPU time all cores have spent busy since boot (user, nice, system, irq, softirq, steal)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run(cmd: list[str], cwd: Path | None = None, ok=(0,)) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def stock(course: Path, assignment: str) -> Clock:
    run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course)
    with Clock() as clock:
        run([str(BIN / "nbgrader"), "autograde", assignment, "--force"], cwd=course)
    return clock


def cli(course: Path, assignment: str, workers: int) -> Clock:
    with Clock() as clock:
        run([str(BIN / "course"), "--course", str(course), "autograde", assignment, "--workers", str(workers),
             "--quiet"])
    return clock


def nbclient_floor(notebooks: list[Path], timeout: int) -> Clock:
    """Execute each notebook as nbgrader's Execute would (same kernel, errors allowed), and nothing else."""
    with Clock() as clock:
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
    return clock


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    try:
        mem = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))) // 1024 // 1024
    except (OSError, StopIteration):
        mem = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{len(os.sched_getaffinity(0))} cores ({cpu}), {mem} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average {load:.1f} at start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="an assignment folder in source/, or `toy`")
    parser.add_argument("--n", type=int, default=40, help="cohort size of the side-by-side comparison")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", default="10,40,160", help="cohort sizes for the growth table ('' to skip)")
    parser.add_argument("--repeat", type=int, default=1, help="side-by-side repetitions (medians reported)")
    parser.add_argument("--skip-side-by-side", action="store_true")
    parser.add_argument("--graders", default="stock,cli1,cliK,nbclient",
                        help="which side-by-side rows to run (e.g. stock,cliK to re-check only the speed-up)")
    parser.add_argument("--plain-execute", action="store_true",
                        help="grade with nbgrader's own Execute instead of the course sandbox (both sides)")
    args = parser.parse_args()
    timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "120"))
    k = args.workers

    print(f"machine: {machine()}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        template = make_course(tmp / "template", args.assignment, args.plain_execute)
        print(f"kernel execution: {'nbgrader Execute (--plain-execute)' if args.plain_execute else 'the course sandbox (SandboxedExecute)'}\n")

        if not args.skip_side_by_side:
            cohort = clone(template, tmp / "cohort")
            notebooks = write_cohort(cohort, args.assignment, args.n)
            seconds = record_assignment(cohort, args.assignment)
            print(f"recording {args.assignment} in the gradebook (once per version of its source; untimed below): "
                  f"{seconds:.1f} s\n", flush=True)
            chosen = [g for g in ("stock", "cli1", "cliK", "nbclient") if g in args.graders.split(",")]
            times: dict[str, list[Clock]] = {g: [] for g in chosen}
            for rep in range(args.repeat):
                order = list(chosen)
                if rep % 2:
                    order.reverse()  # alternate, so a drift in machine load hits both sides
                for what in order:
                    course = clone(cohort, tmp / f"{what}-{rep}")
                    if what == "stock":
                        clock = stock(course, args.assignment)
                    elif what == "cli1":
                        clock = cli(course, args.assignment, 1)
                    elif what == "cliK":
                        clock = cli(course, args.assignment, k)
                    else:
                        clock = nbclient_floor([course / p.relative_to(cohort) for p in notebooks], timeout)
                    times[what].append(clock)
                    print(f"  [{rep + 1}/{args.repeat}] {what}: {clock.wall:.1f} s wall, {clock.cpu:.1f} s CPU, "
                          f"load {clock.load:.1f}", file=sys.stderr, flush=True)
                    shutil.rmtree(course, ignore_errors=True)
            wall = {w: statistics.median(c.wall for c in t) for w, t in times.items()}
            cpu = {w: statistics.median(c.cpu for c in t) for w, t in times.items()}
            load = {w: statistics.median(c.load for c in t) for w, t in times.items()}
            n = args.n
            print(f"### {args.assignment}: {n} submissions, side by side ({args.repeat} run(s), median)\n")
            print("| grader | wall (s) | wall per submission (s) | speed vs stock | CPU (s) | CPU per submission (s) "
                  "| load average at start |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            rows = [("stock `nbgrader autograde` (sequential)", "stock"), ("`course autograde --workers 1`", "cli1"),
                    (f"`course autograde --workers {k}`", "cliK"), ("nbclient only (execution floor)", "nbclient")]
            for label, key in rows:
                if key not in wall:
                    continue
                print(f"| {label} | {wall[key]:.1f} | {wall[key] / n:.2f} | {wall.get('stock', float('nan')) / wall[key]:.2f}x "
                      f"| {cpu[key]:.1f} | {cpu[key] / n:.2f} | {load[key]:.1f} |")
            print()
            if {"cli1", "stock"} <= set(wall):
                print(f"* `--workers 1` / stock: wall **{wall['cli1'] / wall['stock']:.3f}**, "
                      f"CPU **{cpu['cli1'] / cpu['stock']:.3f}** (target ≤ 1.05)")
            if {"cliK", "stock"} <= set(wall):
                print(f"* `--workers {k}` speed-up over stock (wall): **{wall['stock'] / wall['cliK']:.2f}x** "
                      f"(target ≥ 1.9x on 2 cores)")
            if {"cli1", "stock", "nbclient"} <= set(wall):
                print(f"* grading overhead per submission over bare nbclient execution: `--workers 1` "
                      f"wall **{100 * (wall['cli1'] / wall['nbclient'] - 1):+.1f}%**, "
                      f"CPU **{100 * (cpu['cli1'] / cpu['nbclient'] - 1):+.1f}%**; stock nbgrader "
                      f"wall {100 * (wall['stock'] / wall['nbclient'] - 1):+.1f}%, "
                      f"CPU {100 * (cpu['stock'] / cpu['nbclient'] - 1):+.1f}% (target ≤ 10%)")
            print(flush=True)

        sizes = [int(x) for x in args.scale.split(",") if x.strip()]
        if sizes:
            print(f"### {args.assignment}: growth with cohort size, `course autograde --workers {k}`\n")
            print("| submissions | wall (s) | wall per submission (s) | CPU (s) | CPU per submission (s) "
                  "| load average at start |")
            print("|---:|---:|---:|---:|---:|---:|")
            for size in sizes:
                course = clone(template, tmp / f"scale-{size}")
                write_cohort(course, args.assignment, size)
                record_assignment(course, args.assignment)
                clock = cli(course, args.assignment, k)
                print(f"| {size} | {clock.wall:.1f} | {clock.wall / size:.2f} | {clock.cpu:.1f} | {clock.cpu / size:.2f} "
                      f"| {clock.load:.1f} |", flush=True)
                shutil.rmtree(course, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
