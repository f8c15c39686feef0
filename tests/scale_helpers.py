"""Shared by test_parallel.py, test_postgres.py and test_dask.py: a bigger toy cohort, reading grades back,
stock nbgrader, and a gradebook stress test (concurrent writers, no notebook executed)."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin

from course_fixture import toy_course
from mlprereq.grading.cohort import submissions_for

VENV_BIN = Path(sys.executable).parent
KINDS = ("full", "partial", "blank", "broken")
TIMING_COLUMNS = {"timestamp"}  # nbgrader export: when the submission was made


def write_cohort(course: Path, assignment: str, n: int) -> dict[str, dict[str, float]]:
    """``n`` submissions s01_full, s02_partial, s03_blank, s04_broken, s05_full, ...; returns expected cell scores."""
    expected: dict[str, dict[str, float]] = {}
    for master in sorted((course / "source" / assignment).glob("*.ipynb")):
        release = course / "release" / assignment / master.name
        kinds = submissions_for(master, release)
        for i in range(n):
            kind = KINDS[i % len(KINDS)]
            student = f"s{i + 1:02d}_{kind}"
            text, scores = kinds[kind]
            if text is None:  # cut off half-way, as cohort.write_cohort does
                text = nbformat.writes(nbformat.read(release, as_version=4))[:500]
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / master.name).write_text(text)
            expected.setdefault(student, {}).update(scores)
    return expected


def toy_cohort(dest: Path, n: int) -> tuple[Path, dict]:
    course = toy_course(dest)
    return course, write_cohort(course, "toy", n)


def cell_grades(db_url: str, assignment: str) -> dict[str, dict[str, tuple]]:
    """student -> grade_id -> (auto_score, manual_score, needs_manual_grade), every submission in the gradebook."""
    with Gradebook(db_url, "ml-prereqs") as gb:
        return {sub.student.id: {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                                 for nb in sub.notebooks for g in nb.grades}
                for sub in gb.find_assignment(assignment).submissions}


def scores(grades: dict) -> dict[str, dict[str, float | None]]:
    return {s: {cell: auto for cell, (auto, _, _) in cells.items()} for s, cells in grades.items()}


def nbgrader_export(db_url: str, dest: Path) -> list[dict]:
    """nbgrader's own grades CSV of the gradebook, without its timing columns."""
    plugin = CsvExportPlugin()
    plugin.to = str(dest)
    with Gradebook(db_url, "ml-prereqs") as gb:
        plugin.export(gb)
    with open(dest, newline="") as f:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(f)]


def read_grades_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def sqlite_url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, timeout: float = 900,
        ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    assert result.returncode in ok, f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def stock_nbgrader_autograde(course: Path, assignment: str, env: dict | None = None) -> float:
    """nbgrader's own apps, one submission after another: generate_assignment, then autograde. Returns seconds of autograde."""
    run([str(VENV_BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course, env=env)
    start = time.perf_counter()
    result = run([str(VENV_BIN / "nbgrader"), "autograde", assignment, "--force"], cwd=course, env=env, ok=(0, 1))
    seconds = time.perf_counter() - start
    if result.returncode:  # nbgrader exits 1 when a submission could not be graded: only broken ones may
        failed = set(re.findall(r"for student '([^']+)'", result.stderr + result.stdout))
        assert failed and all("broken" in s for s in failed), result.stderr[-3000:]
    return seconds


def course_cli(course: Path, *args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return run([str(VENV_BIN / "course"), "--course", str(course), *args], env=env, timeout=timeout)


def copy_course(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


# --------------------------------------------------------------------------- gradebook stress test

STRESS_CELLS = ("double__visible", "double__hidden", "noisy_triple__visible")


def expected_stress_score(student: str, cell: str) -> float:
    return float((sum(map(ord, student + cell)) % 7))


def _stress_writer(db_url: str, students: list[str]) -> int:
    """What nbgrader's autograde writes for a submission, each step through its own Gradebook as nbgrader does."""
    for student in students:
        with Gradebook(db_url, "ml-prereqs") as gb:
            gb.update_or_create_student(student)
        with Gradebook(db_url, "ml-prereqs") as gb:
            gb.update_or_create_submission("toy", student)
        with Gradebook(db_url) as gb:
            for cell in STRESS_CELLS:
                grade = gb.find_grade(cell, "toy", "toy", student)
                grade.auto_score = expected_stress_score(student, cell)
                grade.needs_manual_grade = False
                gb.db.commit()
    return len(students)


def stress_gradebook(db_url: str, writers: int = 4, per_writer: int = 15) -> dict[str, dict[str, float]]:
    """``writers`` processes write ``per_writer`` submissions each, at the same time; returns what is in the gradebook."""
    batches = [[f"w{w}_s{i:02d}" for i in range(per_writer)] for w in range(writers)]
    with ProcessPoolExecutor(writers, mp_context=get_context("spawn")) as pool:
        assert sum(pool.map(_stress_writer, [db_url] * writers, batches)) == writers * per_writer
    return {s: {c: a for c, (a, _, _) in cells.items()} for s, cells in cell_grades(db_url, "toy").items()}


def stress_expected(writers: int = 4, per_writer: int = 15) -> dict[str, dict[str, float]]:
    return {f"w{w}_s{i:02d}": {c: expected_stress_score(f"w{w}_s{i:02d}", c) for c in STRESS_CELLS}
            for w in range(writers) for i in range(per_writer)}


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""

