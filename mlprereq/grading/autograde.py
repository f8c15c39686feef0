"""Autograde submissions one student at a time, never letting one stop the batch.

Each student ends with an Outcome: ``graded`` (nbgrader scored it),
``not_submitted`` or ``failed``, with a one-line reason. Outcomes are kept in
``grading_status/<assignment>.json`` next to the gradebook so that reports can
say why a student has 0.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .metadata_schema import cache_metadata_validator

STATUS_DIR = "grading_status"


@dataclass
class Outcome:
    student: str
    assignment: str
    status: str  # graded | not_submitted | failed
    reason: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    fingerprint: str = ""  # hash of the submission and source files it was graded from (see parallel.py)
    worker: str = ""  # host:pid of the process that graded it
    flags: list[str] = field(default_factory=list)  # for a TA to review (see guard.py, sandbox.py)


def released_notebooks(root: Path, assignment: str) -> list[str]:
    return sorted(p.stem for p in (Path(root) / "source" / assignment).glob("*.ipynb"))


def check_submission(folder: Path, notebooks: list[str]) -> list[str]:
    """Problems nbgrader would trip over, one sentence each (empty list: fine)."""
    problems = []
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            problems.append(f"{name}.ipynb was not submitted")
            continue
        if path.stat().st_size == 0:
            problems.append(f"{name}.ipynb is an empty file")
            continue
        try:
            nbformat.read(path, as_version=4)
        except Exception as err:  # any parse error means the same to the TA
            problems.append(f"{name}.ipynb is not a readable notebook ({type(err).__name__}: {str(err).splitlines()[0][:120]})")
    return problems


def prepare_gradebook(api, assignment: str) -> None:
    """Record the assignment's notebooks and test cells in the gradebook (needed before autograding).

    nbgrader does this while generating the release; here it generates into a
    scratch folder so release/ is left alone.
    """
    with tempfile.TemporaryDirectory(prefix="gradebook-release-") as scratch:
        old = api.coursedir.release_directory
        api.coursedir.release_directory = scratch
        try:
            result = api.generate_assignment(assignment, force=True, create=True)
        finally:
            api.coursedir.release_directory = old
    if not result["success"]:
        raise RuntimeError(f"could not record {assignment} in the gradebook:\n{result.get('log', '')}")


def last_error_line(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "").strip().splitlines()
    errors = [l for l in text if "Error" in l or "error" in l]
    return (errors[-1] if errors else (text[-1] if text else "unknown error")).strip()[:300]


def grade_student(api, root: Path, assignment: str, student: str) -> Outcome:
    """Autograde one student's submission with nbgrader; always returns an Outcome."""
    start = time.perf_counter()
    cache_metadata_validator()
    folder = Path(root) / "submitted" / student / assignment
    if not folder.is_dir():
        return Outcome(student, assignment, "not_submitted", "no submission")
    problems = check_submission(folder, released_notebooks(root, assignment))
    clear_run_records(root, assignment, student)
    try:
        result = api.autograde(assignment, student, force=True, create=True)
    except Exception as err:  # nbgrader should report, not raise; be safe anyway
        result = {"success": False, "error": f"{type(err).__name__}: {err}"}
    seconds = time.perf_counter() - start
    if not result.get("success") and (result.get("error") or "").rstrip().endswith("KeyboardInterrupt"):
        # nbgrader's capture_log swallows Ctrl-C; an interrupted grading is no outcome at all.
        raise KeyboardInterrupt
    notes, flags = review(root, assignment, student)
    if result.get("success"):
        problems = problems + notes
        return Outcome(student, assignment, "graded", "; ".join(problems), seconds, problems, flags=flags)
    reason = "; ".join(problems) or f"nbgrader could not grade it: {last_error_line(result)}"
    log_path = Path(root) / STATUS_DIR / assignment / f"{student}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text((result.get("log") or "") + "\n" + (result.get("error") or ""))
    return Outcome(student, assignment, "failed", reason, seconds, problems, flags=flags)


def review(root: Path, assignment: str, student: str) -> tuple[list[str], list[str]]:
    """(notes, flags): what the submission changed, what its code tries (guard.py) and what happened
    when it ran in the sandbox (the run records of sandbox.py). Never raises."""
    from .guard import review_submission
    from .sandbox import load_run_records

    try:
        notes, flags = review_submission(root, assignment, student)
    except Exception as err:  # noqa: BLE001 - a review must never cost a grade
        notes, flags = [], [f"review: could not read the submission ({type(err).__name__})"]
    for notebook, record in load_run_records(root, assignment, student).items():
        notes += [n for n in record.get("notes", []) if n not in notes]
        flags += [f"run: {f}" for f in record.get("flags", [])]
        if record.get("sandbox") not in (None, "bwrap"):
            notes.append(f"graded without the sandbox ({record.get('sandbox')})")
    return notes, flags


def clear_run_records(root: Path, assignment: str, student: str) -> None:
    shutil.rmtree(Path(root) / STATUS_DIR / assignment / "runs" / student, ignore_errors=True)


def status_path(root: Path, assignment: str) -> Path:
    return Path(root) / STATUS_DIR / f"{assignment}.json"


def load_status(root: Path, assignment: str) -> dict[str, Outcome]:
    path = status_path(root, assignment)
    if not path.exists():
        return {}
    known = set(Outcome.__dataclass_fields__)
    return {k: Outcome(**{f: x for f, x in v.items() if f in known}) for k, v in json.loads(path.read_text()).items()}


def save_status(root: Path, assignment: str, outcomes: dict[str, Outcome]) -> None:
    path = status_path(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(outcomes.items())}, indent=1))
    tmp.replace(path)  # atomic: an interrupted run never leaves half a file


def clear_autograded(root: Path, assignment: str, student: str) -> None:
    shutil.rmtree(Path(root) / "autograded" / student / assignment, ignore_errors=True)
