"""``grading_status/``: the one owner of what grading leaves on disk besides nbgrader's own folders.

    grading_status/<assignment>.json                       every student's Outcome (load_status / save_status)
    grading_status/<assignment>.log                        each run's log, one line per submission (run_log)
    grading_status/<assignment>.lock                       one run per assignment at a time (run_lock)
    grading_status/<assignment>.gradebook.json             the gradebook was prepared from these sources (gradebook.py)
    grading_status/<assignment>/<student>.log              nbgrader's log of a failed grading (failure_log)
    grading_status/<assignment>/runs/<student>/<nb>.json   the sandbox's run record of each notebook
    grading_status/<assignment>/references/<nb>-<key>.json what the master's test cells recorded (differential.py)

Fingerprints (what a grade depends on) and :func:`needs_grading` (what a resumed
run must grade again) live here too: they decide from these files.

    >>> save_status(root, "03_einops", {"ada": Outcome("ada", "03_einops", "graded")})
    >>> load_status(root, "03_einops")["ada"].status
    'graded'
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .layout import CourseLayout

STATUS_DIR = "grading_status"
FINAL = ("graded", "failed")  # an outcome a resumed run keeps (not_submitted is worked out again)
# What nbgrader's log says when the gradebook could not be written (a worker retries; see engines.grade_one).
GRADEBOOK_ERRORS = ("error accessing the nbgrader database", "database is locked")

log = logging.getLogger("mlprereq.grading")


@dataclass
class Outcome:
    student: str
    assignment: str
    status: str  # graded | not_submitted | failed
    reason: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    fingerprint: str = ""  # hash of the submission and source files it was graded from (see fingerprint)
    worker: str = ""  # host:pid of the process that graded it
    flags: list[str] = field(default_factory=list)  # for a TA to review (see review.py, sandbox.py)


def folder(root: Path) -> Path:
    return Path(root) / STATUS_DIR


# --------------------------------------------------------------------------- outcomes
def status_path(root: Path, assignment: str) -> Path:
    return folder(root) / f"{assignment}.json"


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


# --------------------------------------------------------------------------- nbgrader's log of a failure
def failure_log_path(root: Path, assignment: str, student: str) -> Path:
    return folder(root) / assignment / f"{student}.log"


def write_failure_log(root: Path, assignment: str, student: str, text: str) -> None:
    path = failure_log_path(root, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def gradebook_was_unavailable(root: Path, assignment: str, student: str) -> bool:
    """Whether the failed grading of ``student`` failed because the gradebook could not be written."""
    try:
        text = failure_log_path(root, assignment, student).read_text()
    except OSError:
        return False
    return any(e in text for e in GRADEBOOK_ERRORS)


# --------------------------------------------------------------------------- the sandbox's run records
def run_record_path(root: Path, assignment: str, student: str, notebook: str) -> Path:
    return folder(root) / assignment / "runs" / student / f"{notebook}.json"


def write_run_record(root: Path, assignment: str, student: str, notebook: str, record: dict) -> None:
    path = run_record_path(root, assignment, student, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1))


def load_run_records(root: Path, assignment: str, student: str) -> dict[str, dict]:
    """notebook -> its run record (flags, notes, cell times) from the last autograde."""
    out = {}
    for path in sorted(run_record_path(root, assignment, student, "x").parent.glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text())
        except ValueError:
            continue
    return out


def clear_run_records(root: Path, assignment: str, student: str) -> None:
    shutil.rmtree(run_record_path(root, assignment, student, "x").parent, ignore_errors=True)


# --------------------------------------------------------------------------- the master's reference records
def reference_path(root: Path, assignment: str, notebook: str, key: str) -> Path:
    """Where the records of ``notebook``'s master run live, for one version (``key``) of it and the grader."""
    return folder(root) / assignment / "references" / f"{notebook}-{key}.json"


def load_reference(root: Path, assignment: str, notebook: str, key: str) -> dict | None:
    try:
        return json.loads(reference_path(root, assignment, notebook, key).read_text())
    except (OSError, ValueError):
        return None


def save_reference(root: Path, assignment: str, notebook: str, key: str, records: dict) -> None:
    path = reference_path(root, assignment, notebook, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"{notebook}-*.json"):  # earlier versions are never read again
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(records))
    os.replace(tmp, path)  # readers see the whole file or none


@contextmanager
def reference_lock(root: Path, assignment: str, notebook: str):
    """One process at a time runs a notebook's master: workers starting together wait for the first one,
    then read what it saved, instead of each running the master themselves."""
    path = folder(root) / assignment / "references" / f"{notebook}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- what a grade depends on
def _hash_tree(digest, tree: Path) -> None:
    if not tree.is_dir():
        digest.update(b"<absent>")
        return
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        digest.update(str(path.relative_to(tree)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def source_fingerprint(root: Path, assignment: str) -> bytes:
    digest = hashlib.sha256()
    _hash_tree(digest, CourseLayout.at(root).source(assignment))
    return digest.digest()


def fingerprint(root: Path, assignment: str, student: str, source: bytes | None = None) -> str:
    """A hash of everything a submission's grade depends on that lives in files:
    the student's submitted folder and the assignment's source folder."""
    digest = hashlib.sha256(source if source is not None else source_fingerprint(root, assignment))
    _hash_tree(digest, CourseLayout.at(root).submitted(student, assignment))
    return digest.hexdigest()[:20]


def needs_grading(previous: Outcome | None, fingerprint: str, in_gradebook: bool = True,
                  autograded: bool = True) -> bool:
    """Whether a submission must be graded (again) on a resumed run.

    Without a final outcome from the same files it must; a graded one also needs its
    gradebook entry and its autograded/ folder (else its grade is gone).
    """
    return is_stale(previous, fingerprint) or grade_lost(previous, in_gradebook, autograded)


def is_stale(previous: Outcome | None, fingerprint: str) -> bool:
    """No final outcome, or one from other files: known from the status file alone."""
    return previous is None or previous.status not in FINAL or previous.fingerprint != fingerprint


def grade_lost(previous: Outcome, in_gradebook: bool, autograded: bool) -> bool:
    """A graded outcome whose gradebook entry or autograded/ folder is gone."""
    return previous.status == "graded" and not (in_gradebook and autograded)


# --------------------------------------------------------------------------- one run at a time, and its log
class AlreadyRunning(RuntimeError):
    pass


@contextmanager
def run_lock(root: Path, assignment: str):
    """One grading run per assignment at a time (a second one would fight over the status file)."""
    path = folder(root) / f"{assignment}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another run is grading {assignment} in {root} right now") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def run_log(root: Path, assignment: str):
    """Append this run's log (one line per submission, with its time) to grading_status/<assignment>.log."""
    path = folder(root) / f"{assignment}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    old_level = log.level
    log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield path
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        handler.close()


def gradebook_marker(root: Path, assignment: str) -> Path:
    return folder(root) / f"{assignment}.gradebook.json"
