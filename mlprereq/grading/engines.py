"""Grading submissions, and nothing else: one in this process, many in worker processes, or on Dask.

:func:`grade_student` grades one submission with nbgrader and always returns an
:class:`~.status.Outcome`. :func:`grade_one` is the same in a pool or Dask worker
(its own nbgrader API instance, the parent's settings). Two engines map it over
the students and hand each finished Outcome back to the parent, which alone
writes the status file (see loop.py):

* :func:`run_local`  a ``concurrent.futures.ProcessPoolExecutor`` of N worker
  processes. A worker that dies (OOM killer, ``kill -9``) breaks the pool; the
  submissions it was grading are graded again in a fresh pool.
* :func:`run_dask`   ``Client.submit`` / ``as_completed`` on a Dask distributed
  cluster; Dask re-runs the task of a worker that died.

    >>> for student, outcome, why_not in run_local(["ada", "bob"], 2, root, "03_einops", db_url):
    ...     print(student, outcome.status if outcome else why_not)
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterator

import nbformat

from . import gradebook, status
from .layout import CONFIG, CourseLayout
from .metadata_schema import cache_metadata_validator
from .status import Outcome

log = logging.getLogger("mlprereq.grading")

# A submission whose grading process died this many times is left ungraded (the run says so).
MAX_ATTEMPTS = 3

# What a submission result looks like on its way back: (student, outcome or None, why not).
Result = tuple[str, "Outcome | None", str]


class GradebookUnavailable(RuntimeError):
    """nbgrader could not write to the gradebook: no outcome, the submission is graded again."""


def released_notebooks(root: Path, assignment: str) -> list[str]:
    return [p.stem for p in CourseLayout.at(root).masters(assignment)]


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


def last_error_line(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "").strip().splitlines()
    errors = [l for l in text if "Error" in l or "error" in l]
    return (errors[-1] if errors else (text[-1] if text else "unknown error")).strip()[:300]


def grade_student(api, root: Path, assignment: str, student: str) -> Outcome:
    """Autograde one student's submission with nbgrader; always returns an Outcome."""
    from .review import review

    start = time.perf_counter()
    cache_metadata_validator()
    folder = CourseLayout.at(root).submitted(student, assignment)
    if not folder.is_dir():
        return Outcome(student, assignment, "not_submitted", "no submission")
    problems = check_submission(folder, released_notebooks(root, assignment))
    status.clear_run_records(root, assignment, student)
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
    status.write_failure_log(root, assignment, student, (result.get("log") or "") + "\n" + (result.get("error") or ""))
    return Outcome(student, assignment, "failed", reason, seconds, problems, flags=flags)


# --------------------------------------------------------------------------- in a worker

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
    if outcome.status == "failed" and status.gradebook_was_unavailable(Path(root), assignment, student):
        raise GradebookUnavailable(f"{student}: nbgrader could not write to the gradebook ({outcome.reason})")
    return outcome


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
        folder = CourseLayout.at(root).submitted(student, assignment)
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
    from . import differential  # torch: the grader compares test cells' records with it (differential.py)

    differential.warm()

    return os.getpid()


def start_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes, started and importing right away (in the background)."""
    pool = _new_pool(workers)
    for _ in range(workers):
        pool.submit(_warm)
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
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
                stop_pool(pool)
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
        stop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


# --------------------------------------------------------------------------- Dask


def check_dask_workers(client, root: Path, db_url: str, timeout: float = 60) -> dict:
    """The cluster's workers, after checking they can grade this course: fails with a clear reason otherwise."""
    client.wait_for_workers(1, timeout=timeout)
    sees = client.run(os.path.isfile, str(Path(root) / CONFIG))
    blind = sorted(w for w, ok in sees.items() if not ok)
    if blind:
        raise RuntimeError(f"Dask workers {', '.join(blind)} cannot see the course folder {root}: mount the "
                           "course folder at the same path on every worker machine (docs/grading_at_scale.md)")
    hosts = client.run(socket.gethostname)
    if gradebook.sqlite_path(db_url) is not None:
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
