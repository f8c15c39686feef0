"""More than one machine: `course autograde --scheduler ADDRESS` grades on a Dask distributed cluster.

The test cluster is a `dask scheduler` and two `dask worker` processes on 127.0.0.1 (what a grading VM or
dask-jobqueue / dask-kubernetes start elsewhere); the grades equal stock nbgrader's, even when a worker is
killed in the middle of a submission."""
import os
import signal
import socket
import subprocess
import time

import pytest

from mlprereq.grading.status import load_status
from scale_helpers import (
    VENV_BIN, cell_grades, children, course_cli, sqlite_url, stock_nbgrader_autograde, toy_cohort,
)

pytestmark = pytest.mark.slow
COHORT = 4  # full, partial, blank, broken


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for proc in procs:
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """tcp://127.0.0.1:<port>: a scheduler and two single-threaded workers, torn down after the module."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = []

    def start(name, *args):
        log = open(tmp / f"{name}.log", "w")
        logs.append(log)
        return subprocess.Popen([str(VENV_BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, cwd=tmp)

    procs = [start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                   "--no-dashboard")]
    try:
        for name in ("w1", "w2"):
            procs.append(start(name, "worker", address, "--name", name, "--nthreads", "1", "--nworkers", "1",
                               "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp / name),
                               "--death-timeout", "120"))
        with Client(address, timeout="120s") as client:
            client.wait_for_workers(2, timeout=180)
        yield address, procs[1:], tmp
    finally:
        stop(procs)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    course, expected = toy_cohort(tmp_path_factory.mktemp("stock") / "course", COHORT)
    stock_nbgrader_autograde(course, "toy")
    return course, expected


def test_cohort_graded_on_dask_equals_stock_nbgrader(cluster, stock, tmp_path):
    address, _, _ = cluster
    course, _ = toy_cohort(tmp_path / "course", COHORT)
    result = course_cli(course, "grade", "toy", "--scheduler", address, "--quiet")
    assert f"{COHORT} submissions graded" in result.stdout
    assert cell_grades(sqlite_url(course), "toy") == cell_grades(sqlite_url(stock[0]), "toy")
    outcomes = load_status(course, "toy")
    assert {o.status for s, o in outcomes.items() if "broken" not in s} == {"graded"}
    assert outcomes["s04_broken"].status == "failed"
    assert len({o.worker for o in outcomes.values()}) == 2  # both workers took submissions
    assert "on Dask cluster" in (course / "grading_status" / "toy.log").read_text()


def grading_worker_processes(nannies) -> list[int]:
    """Dask worker processes (children of a `dask worker` nanny) with a kernel running under them."""
    found = []
    for nanny in nannies:
        for worker in children(nanny.pid):
            if children(worker):  # a kernel (or its sandbox)
                found.append(worker)
    return found


def test_killed_dask_worker_is_replaced_and_grades_stay_the_same(cluster, stock, tmp_path):
    address, nannies, _ = cluster
    course, _ = toy_cohort(tmp_path / "course", COHORT)
    proc = subprocess.Popen([str(VENV_BIN / "course"), "--course", str(course), "autograde", "toy",
                             "--scheduler", address, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not (victims := grading_worker_processes(nannies)):
            assert time.monotonic() < deadline and proc.poll() is None, "no worker started grading"
            time.sleep(0.2)
        os.kill(victims[0], signal.SIGKILL)  # the nanny starts a new worker; the scheduler reschedules the task
        out, err = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, (out, err)
    nanny_logs = "".join(p.read_text() for p in cluster[2].glob("w*.log"))
    assert f"Worker process {victims[0]} was killed by signal 9" in nanny_logs  # it died mid-submission
    assert f"{COHORT} submissions graded" in out
    assert cell_grades(sqlite_url(course), "toy") == cell_grades(sqlite_url(stock[0]), "toy")


def test_workers_that_cannot_see_the_course_are_refused(cluster, tmp_path):
    """A worker machine without the course folder mounted: a clear error, not a cohort of failures."""
    from distributed import Client

    from mlprereq.grading.engines import check_dask_workers

    address, _, _ = cluster
    with Client(address, timeout="60s") as client:
        with pytest.raises(RuntimeError, match="cannot see the course folder"):
            check_dask_workers(client, tmp_path / "not-mounted", "sqlite:////nowhere/gradebook.db")
