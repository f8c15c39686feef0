"""The gradebook: a database URL safe for concurrent writers, and the rows grading needs before it starts.

Workers write grades straight into the gradebook, as nbgrader does. Writers to
one SQLite file must take turns: :func:`concurrent_db_url` switches the file to
WAL mode and makes every connection wait for the write lock (pysqlite's
``timeout``) instead of failing with "database is locked". PostgreSQL needs
nothing.

    >>> url = concurrent_db_url(api.coursedir.db_url)      # once, in the parent
    >>> prepare_once(api, root, "03_einops", url, status.source_fingerprint(root, "03_einops"))
    >>> precreate_students(api, ["ada", "bob"])
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterable

from sqlalchemy.engine import make_url

from . import status

log = logging.getLogger("mlprereq.grading")

# A writer waits this long for SQLite's write lock before giving up. Each write
# nbgrader makes is short; the wait is only ever other workers' commits.
SQLITE_TIMEOUT = 600
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "lustre", "gpfs", "beegfs",
                       "ceph", "glusterfs", "fuse.glusterfs", "9p", "afs", "fuse.s3fs", "fuse.gcsfuse"}


def sqlite_path(db_url: str) -> Path | None:
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def filesystem_type(path: Path) -> str:
    """The type of the filesystem holding ``path`` ("" when /proc/mounts is not there)."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return ""
    path = Path(os.path.realpath(path))
    best, fstype = "", ""
    for fields in mounts:
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        if (path == Path(point) or Path(point) in path.parents) and len(point) > len(best):
            best, fstype = point, fields[2]
    return fstype


def concurrent_db_url(db_url: str) -> str:
    """``db_url`` made safe for many concurrent writers.

    SQLite: adds ``?timeout=`` (pysqlite's busy timeout, passed through by
    SQLAlchemy) so a writer waits for the lock instead of failing, and switches
    the file to WAL journal mode, so readers never block the writer and the
    writer never blocks readers. WAL needs shared memory between the
    processes, so it is left off on a network filesystem (use PostgreSQL for
    a course whose files live on NFS). Other databases are returned as they are.
    """
    path = sqlite_path(db_url)
    if path is None:
        return db_url
    url = make_url(db_url)
    if "timeout" not in url.query:
        url = url.update_query_dict({"timeout": str(SQLITE_TIMEOUT)})
    fstype = filesystem_type(path.parent)
    if fstype in NETWORK_FILESYSTEMS:
        log.warning("the SQLite gradebook %s is on a network filesystem (%s): concurrent grading may corrupt it; "
                    "use PostgreSQL (COURSE_DB_URL=postgresql://...)", path, fstype)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path, timeout=SQLITE_TIMEOUT) as con:
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        con.close()
        if mode.lower() != "wal":
            log.warning("could not switch %s to WAL mode (it is in %s mode)", path, mode)
    return url.render_as_string(hide_password=False)


def gradebook_name(root: Path, db_url: str) -> str:
    """The gradebook, named so that a course folder moved or copied with its SQLite file keeps the name."""
    path = sqlite_path(db_url)
    if path is not None:
        try:
            return "sqlite:" + str(Path(os.path.realpath(path)).relative_to(os.path.realpath(root)))
        except ValueError:  # the file lives outside the course folder
            return "sqlite:" + os.path.realpath(path)
    return make_url(db_url).render_as_string(hide_password=True)


def roster_ids(api) -> list[str]:
    with api.gradebook as gb:
        return [s.id for s in gb.students]


def precreate_students(api, students: Iterable[str]) -> None:
    """Create the rows nbgrader would create on the fly, in the parent, so workers never race to insert them:
    the students, and the "default_course" row that nbgrader's preprocessors create when they open the
    gradebook without a course id (two workers inserting it at once: one fails)."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url):
        pass
    with api.gradebook as gb:
        known = {s.id for s in gb.students}
        for student in students:
            if student not in known:
                gb.update_or_create_student(student)


def graded_in_gradebook(api, assignment: str) -> set[str]:
    """Students with a submission of ``assignment`` in the gradebook."""
    with api.gradebook as gb:
        return {sub.student.id for sub in gb.find_assignment(assignment).submissions}


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


def prepare_once(api, root: Path, assignment: str, db_url: str, source: bytes) -> None:
    """Record the assignment in the gradebook, unless this gradebook already has it from the same source files."""
    from nbgrader.api import MissingEntry

    marker = status.gradebook_marker(root, assignment)
    stamp = {"db_url": gradebook_name(root, db_url), "source": source.hex()}
    try:
        with api.gradebook as gb:
            gb.find_assignment(assignment)
        if json.loads(marker.read_text()) == stamp:
            return
    except (MissingEntry, OSError, ValueError):
        pass
    prepare_gradebook(api, assignment)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(stamp))
