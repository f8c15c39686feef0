"""A course on a shared JupyterHub: nbgrader's exchange, deadlines and late work.

The exchange is a folder every student can write to (mode 1777: world-writable,
sticky, as nbgrader documents). The instructor's account releases into
``<exchange>/<course_id>/outbound`` and collects from ``inbound`` (mode 2733:
students can drop a submission in but cannot list anyone else's).

    course hub-release 03_einops              nbgrader's release_assignment, plus the deadline
    course hub-release 03_einops --feedback   release feedback/ to the students who submitted
    course collect 03_einops --exchange       inbound -> submitted/, late ones named

Deadlines come from the course's ``course.toml``::

    [deadlines]
    03_einops = "2026-12-09T23:59:00+00:00"

They become the gradebook assignment's ``duedate``; nbgrader then marks a
submission late from its ``timestamp.txt`` and :func:`late_flags` names it in
grades.csv.
"""
from __future__ import annotations

import os
import pwd
import shutil
import stat
import sys
import tomllib
from datetime import datetime, timezone
from pathlib import Path


class HubError(RuntimeError):
    """Something about the hub set-up that a person must fix; the message says how."""


def exchange_root(config) -> Path:
    return Path(config.Exchange.root)


def check_exchange(root: Path) -> None:
    """Raise HubError unless ``root`` is a world-writable folder with the sticky bit (nbgrader's exchange)."""
    root = Path(root)
    if not root.is_dir():
        raise HubError(f"the exchange folder {root} does not exist; create it with "
                       f"`mkdir -p {root} && chmod 1777 {root}` (or restart the hub: `make hub`).")
    mode = stat.S_IMODE(root.stat().st_mode)
    if mode & 0o777 != 0o777 or not mode & stat.S_ISVTX:
        raise HubError(f"the exchange folder {root} has mode {mode:04o}; students cannot fetch or submit "
                       f"unless it is world-writable with the sticky bit: `chmod 1777 {root}`. "
                       "Nothing was released or collected.")


def deadlines(course: Path) -> dict[str, datetime]:
    """assignment -> deadline (aware, UTC) from the course's course.toml ``[deadlines]`` table."""
    path = Path(course) / "course.toml"
    if not path.is_file():
        return {}
    table = tomllib.loads(path.read_text()).get("deadlines", {})
    out = {}
    for name, value in table.items():
        when = value if isinstance(value, datetime) else _parse_time(str(value), f"{path} [deadlines] {name}")
        out[name] = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return {k: v.astimezone(timezone.utc) for k, v in out.items()}


def _parse_time(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise HubError(f"{where}: {text!r} is not a date and time like 2026-12-09T23:59:00+00:00") from None


def as_course_owner(course: Path, argv: list[str]) -> None:
    """Run as the account that owns the course folder when started as root.

    The exchange's inbound belongs to whoever released the assignment; only that
    account can list and collect the submissions. So root never releases itself.
    """
    if os.geteuid() != 0:
        return
    owner = pwd.getpwuid(Path(course).stat().st_uid).pw_name
    if owner == "root":
        return
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"  # sbin may be off a plain PATH
    os.execv(runuser, [runuser, "-u", owner, "--", sys.executable, "-m", "mlprereq.cli",
                          "--course", str(course), *argv])


def _api(course: Path):
    from .nbgrader_api import make_api

    api = make_api(course)
    check_gradebook(api.coursedir.db_url)
    return api


def check_gradebook(db_url: str) -> None:
    """Raise HubError with the fix when the gradebook's database does not answer."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    if not db_url.startswith("postgresql"):
        return
    engine = create_engine(db_url)
    try:
        with engine.connect() as con:
            con.execute(text("select 1"))
    except OperationalError as err:
        where = make_url(db_url).render_as_string(hide_password=True)
        first = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        raise HubError(f"the gradebook database {where} does not answer ({first}). Start it with `make hub` "
                       "(or hub/hubctl.py start); nothing was changed.") from None
    finally:
        engine.dispose()


def _result(result: dict, what: str) -> str:
    if not result.get("success"):
        log = (result.get("error") or "") + "\n" + (result.get("log") or "")
        raise HubError(f"{what} failed:\n{log.strip()}")
    return result.get("log") or ""


def release(course: Path, assignment: str) -> str:
    """Release ``assignment`` through the exchange and record its deadline; returns what happened."""
    api = _api(course)
    check_exchange(exchange_root(api.config))
    if not (Path(course) / "release" / assignment).is_dir():
        raise HubError(f"{assignment} has no student version in {course}/release/; run `course release "
                       f"{assignment}` first.")
    due = deadlines(course).get(assignment)
    with api.gradebook as gb:
        gb.update_or_create_assignment(assignment, duedate=due.replace(tzinfo=None) if due else None)
    api.unrelease(assignment)  # a re-release replaces the old files (students keep their own copies)
    _result(api.release_assignment(assignment), f"releasing {assignment}")
    return f"released {assignment}" + (f", deadline {due:%Y-%m-%d %H:%M} UTC" if due else ", no deadline")


def release_feedback(course: Path, assignment: str) -> str:
    api = _api(course)
    check_exchange(exchange_root(api.config))
    _result(api.release_feedback(assignment), f"releasing feedback of {assignment}")
    return f"feedback of {assignment} released"


def submission_times(course: Path, assignment: str) -> dict[str, datetime]:
    """student -> submission time, from submitted/<student>/<assignment>/timestamp.txt."""
    from nbgrader.utils import parse_utc

    out = {}
    for stamp in sorted((Path(course) / "submitted").glob(f"*/{assignment}/timestamp.txt")):
        out[stamp.parent.parent.name] = parse_utc(stamp.read_text().strip()).replace(tzinfo=timezone.utc)
    return out


def late(course: Path, assignment: str) -> dict[str, float]:
    """student -> seconds after the deadline, for the submissions in submitted/ that came late."""
    due = deadlines(course).get(assignment)
    if due is None:
        return {}
    return {s: (t - due).total_seconds() for s, t in submission_times(course, assignment).items() if t > due}


def collect(course: Path, assignment: str) -> list[str]:
    """Copy the last submission of each student from the exchange into submitted/; returns report lines."""
    api = _api(course)
    check_exchange(exchange_root(api.config))
    roster = Path(course) / "roster.csv"
    if roster.is_file():  # names for the formgrader ("None, None" without them)
        from .grading.roster import import_roster
        with api.gradebook as gb:
            import_roster(gb, roster)
    _result(api.collect(assignment, update=True), f"collecting {assignment}")
    lines = []
    with api.gradebook as gb:
        nameless = [s.id for s in gb.students if not (s.first_name and s.last_name)]
    if nameless:
        lines.append(f"no name in the gradebook for {', '.join(sorted(nameless))}: add them to {roster}")
    for student, seconds in sorted(late(course, assignment).items()):
        lines.append(f"{student}: submitted {_duration(seconds)} after the deadline: marked late")
    return lines


def late_flags(course: Path, assignment: str, rows) -> None:
    """Add a "late by ..." flag to the grades.csv rows of late submissions."""
    how_late = late(course, assignment)
    for row in rows:
        if row.student_id in how_late:
            row.flags.append(f"late by {_duration(how_late[row.student_id])}")


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min" if minutes else f"{int(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days {hours % 24} h"
