"""Grade many submissions at once: worker processes on this machine, or a Dask cluster.

One function, :func:`grade_one`, grades one submission with nbgrader (its own
kernel, its own nbgrader API instance in the worker). Two engines map it over
the students and hand each finished :class:`Outcome` back to the parent, which
alone writes the status file (see loop.py):

* :func:`run_local`  a ``concurrent.futures.ProcessPoolExecutor`` of N worker
  processes. A worker that dies (OOM killer, ``kill -9``) breaks the pool; the
  submissions it was grading are graded again in a fresh pool.
* :func:`run_dask`   ``Client.submit`` / ``as_completed`` on a Dask distributed
  cluster; Dask re-runs the task of a worker that died.

Workers write grades straight into the gradebook, as nbgrader does. Writers to
one SQLite file must take turns: :func:`concurrent_db_url` switches the file
to WAL mode and makes every connection wait for the write lock (pysqlite's
``timeout``) instead of failing with "database is locked". PostgreSQL needs
nothing.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import socket
import sqlite3
import threading
import uuid
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy.engine import make_url

from .autograde import Outcome, grade_student

log = logging.getLogger("mlprereq.grading")

# A writer waits this long for SQLite's write lock before giving up. Each write
# nbgrader makes is short; the wait is only ever other workers' commits.
SQLITE_TIMEOUT = 600
# A submission whose grading process died this many times is left ungraded (the run says so).
MAX_ATTEMPTS = 3
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "lustre", "gpfs", "beegfs",
                       "ceph", "glusterfs", "fuse.glusterfs", "9p", "afs", "fuse.s3fs", "fuse.gcsfuse"}

# What a submission result looks like on its way back: (student, outcome or None, why not).
Result = tuple[str, "Outcome | None", str]


class GradebookUnavailable(RuntimeError):
    """nbgrader could not write to the gradebook: no outcome, the submission is graded again."""


# --------------------------------------------------------------------------- gradebook


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


# --------------------------------------------------------------------------- what a grade depends on


def _hash_tree(digest, folder: Path) -> None:
    if not folder.is_dir():
        digest.update(b"<absent>")
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def source_fingerprint(root: Path, assignment: str) -> bytes:
    digest = hashlib.sha256()
    _hash_tree(digest, Path(root) / "source" / assignment)
    return digest.digest()


def fingerprint(root: Path, assignment: str, student: str, source: bytes | None = None) -> str:
    """A hash of everything a submission's grade depends on that lives in files:
    the student's submitted folder and the assignment's source folder."""
    digest = hashlib.sha256(source if source is not None else source_fingerprint(root, assignment))
    _hash_tree(digest, Path(root) / "submitted" / student / assignment)
    return digest.hexdigest()[:20]


# --------------------------------------------------------------------------- grading one submission

_APIS: dict = {}
_LOCK = threading.Lock()  # nbgrader's API is not thread-safe: one grading per process at a time


def grade_one(root: str, assignment: str, student: str, db_url: str, env: dict | None = None) -> Outcome:
    """Grade one submission in this process (a pool worker or a Dask worker).

    ``db_url`` is the gradebook the parent chose; ``env`` the parent's COURSE_*
    variables (nbgrader_config.py reads them), so that every worker grades with
    the parent's settings. Each process keeps its own nbgrader API instance.
    """
    from ..nbgrader_api import make_api

    with _LOCK:
        if env is not None:  # exactly the parent's COURSE_* settings (a Dask worker outlives many runs)
            for name in [k for k in os.environ if k.startswith("COURSE_") and k not in env]:
                del os.environ[name]
            os.environ.update(env)
        key = (root, db_url, tuple(sorted((env or {}).items())))
        api = _APIS.get(key)
        if api is None:
            api = _APIS[key] = make_api(Path(root), CourseDirectory__db_url=db_url)
        outcome = grade_student(api, Path(root), assignment, student)
    outcome.worker = f"{socket.gethostname()}:{os.getpid()}"
    if outcome.status == "failed" and _gradebook_error(Path(root), assignment, student):
        raise GradebookUnavailable(f"{student}: nbgrader could not write to the gradebook ({outcome.reason})")
    return outcome


def _gradebook_error(root: Path, assignment: str, student: str) -> bool:
    from .autograde import STATUS_DIR

    log_path = root / STATUS_DIR / assignment / f"{student}.log"
    try:
        text = log_path.read_text()
    except OSError:
        return False
    return "error accessing the nbgrader database" in text or "database is locked" in text


def longest_first(root: Path, assignment: str, students: list[str], outcomes: dict[str, Outcome]) -> list[str]:
    """``students`` in the order to hand them to workers: the longest to grade first.

    With the long ones started early, the run does not end with one worker grading a
    long submission while the others have nothing left (the classic longest-processing-
    time-first rule). The expected time is the last grading's time when there is one,
    else the submission's size on disk (a filled-in notebook with outputs runs longer
    than a blank one); students with neither keep their place at the end.
    """
    def expected(student: str) -> tuple[float, float]:
        previous = outcomes.get(student)
        seconds = previous.seconds if previous is not None and previous.status == "graded" else 0.0
        folder = Path(root) / "submitted" / student / assignment
        try:
            size = sum(p.stat().st_size for p in folder.glob("*.ipynb"))
        except OSError:
            size = 0
        return seconds, size

    keys = {s: expected(s) for s in students}
    return sorted(students, key=lambda s: (-keys[s][0], -keys[s][1]))  # stable: ties keep their order


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def kernel_threads(workers: int) -> int:
    """Compute threads for each of ``workers`` kernels running at once on this machine."""
    return max(1, cores() // max(1, workers))


def course_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("COURSE_")}


# --------------------------------------------------------------------------- local worker processes


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; the parent decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # If the parent is killed outright, its workers go too (Linux): a re-run must
    # not race a stale worker still grading the same submission.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent holds database connections and threads (tqdm).
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)


def _warm() -> int:
    """Import what grading needs, so that a worker is ready when its first submission comes."""
    from nbgrader.converters import Autograde  # noqa: F401

    from ..nbgrader_api import make_api  # noqa: F401

    return os.getpid()


def start_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes, started and importing right away (in the background)."""
    pool = _new_pool(workers)
    for _ in range(workers):
        pool.submit(_warm)
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    _kill_pool(pool)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()  # its kernel notices its parent is gone and exits
    for proc in processes:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


def run_local(students: list[str], workers: int, root: Path, assignment: str, db_url: str,
              max_attempts: int = MAX_ATTEMPTS, pool: ProcessPoolExecutor | None = None) -> Iterator[Result]:
    """Grade ``students`` in ``workers`` processes (``pool``: already started); yields results as they finish.

    At most ``workers`` submissions are in flight, so when a worker dies the
    parent knows which submissions to grade again.
    """
    pending = deque(students)
    attempts: Counter = Counter()
    running: dict = {}
    env = course_env()
    # Share the cores out: N kernels each with every core's worth of threads only slow each other down.
    env.setdefault("COURSE_KERNEL_THREADS", str(kernel_threads(workers)))
    pool = pool or _new_pool(workers)
    try:
        while pending or running:
            while pending and len(running) < workers:
                student = pending.popleft()
                attempts[student] += 1
                running[pool.submit(grade_one, str(root), assignment, student, db_url, env)] = student
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done, _ = wait(running)  # every in-flight submission fails with the pool
                log.warning("a grading process died; grading its submissions again in new processes")
                _kill_pool(pool)
                pool = _new_pool(workers)
            for fut in done:
                student = running.pop(fut)
                err = fut.exception()
                if err is None:
                    yield student, fut.result(), ""
                elif isinstance(err, (BrokenProcessPool, GradebookUnavailable)) and attempts[student] < max_attempts:
                    pending.appendleft(student)
                elif isinstance(err, BrokenProcessPool):
                    yield student, None, f"its grading process died {attempts[student]} times"
                else:
                    yield student, None, f"{type(err).__name__}: {err}"
    except BaseException:
        _kill_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


# --------------------------------------------------------------------------- Dask


def check_dask_workers(client, root: Path, db_url: str, timeout: float = 60) -> dict:
    """The cluster's workers, after checking they can grade this course: fails with a clear reason otherwise."""
    client.wait_for_workers(1, timeout=timeout)
    sees = client.run(os.path.isfile, str(Path(root) / "nbgrader_config.py"))
    blind = sorted(w for w, ok in sees.items() if not ok)
    if blind:
        raise RuntimeError(f"Dask workers {', '.join(blind)} cannot see the course folder {root}: mount the "
                           "course folder at the same path on every worker machine (docs/grading_at_scale.md)")
    hosts = client.run(socket.gethostname)
    if sqlite_path(db_url) is not None:
        elsewhere = sorted(w for w, h in hosts.items() if h != socket.gethostname())
        if elsewhere:
            raise RuntimeError(f"the gradebook is a SQLite file but Dask workers {', '.join(elsewhere)} run on other "
                               "machines; SQLite is not safe across machines: use PostgreSQL "
                               "(COURSE_DB_URL=postgresql://...), see docs/grading_at_scale.md")
    threads = {w: info.get("nthreads", 1) for w, info in client.scheduler_info(n_workers=-1)["workers"].items()}
    many = sorted(w for w, n in threads.items() if n > 1)
    if many:
        log.warning("Dask workers %s have more than one thread; each grades one submission at a time. "
                    "Start workers with --nthreads 1 (and --nworkers N for N at once).", ", ".join(many))
    return hosts


def run_dask(students: list[str], scheduler: str, root: Path, assignment: str, db_url: str) -> Iterator[Result]:
    """Grade ``students`` on the Dask cluster at ``scheduler``; yields results as they finish."""
    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker

    client = Client(scheduler, timeout="60s")
    futures: dict = {}
    try:
        hosts = check_dask_workers(client, root, db_url)
        log.info("Dask cluster %s: %d workers on %s", scheduler, len(hosts), ", ".join(sorted(set(hosts.values()))))
        run = uuid.uuid4().hex[:8]
        env = course_env()
        for i, student in enumerate(students):
            fut = client.submit(grade_one, str(root), assignment, student, db_url, env,
                                key=f"autograde-{assignment}-{student}-{run}", pure=False, priority=-i,
                                retries=MAX_ATTEMPTS - 1)
            futures[fut] = student
        for fut in as_completed(futures):
            student = futures[fut]
            try:
                yield student, fut.result(), ""
            except KilledWorker:
                yield student, None, "its Dask workers died while grading it"
            except Exception as err:  # noqa: BLE001 - reported per submission, the batch goes on
                yield student, None, f"{type(err).__name__}: {err}"
    except BaseException:
        if futures:
            client.cancel(list(futures), force=True)
        raise
    finally:
        client.close()
