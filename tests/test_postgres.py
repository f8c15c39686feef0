"""A PostgreSQL gradebook (what a shared JupyterHub course uses), through nbgrader's db_url: a real server
on 127.0.0.1, concurrent writers lose nothing, and a cohort graded into it gets stock nbgrader's grades."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from course_fixture import toy_course
from mlprereq.grading.gradebook import prepare_gradebook
from mlprereq.grading.status import load_status
from mlprereq.nbgrader_api import make_api
from scale_helpers import (
    cell_grades, course_cli, nbgrader_export, read_grades_csv, sqlite_url, stock_nbgrader_autograde, stress_expected,
    stress_gradebook, toy_cohort,
)

COHORT = 4  # full, partial, blank, broken


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    candidates = ([Path(found).resolve().parent] if found else []) + \
        [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)]
    for folder in candidates:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway server: initdb into a temp folder, pg_ctl start on 127.0.0.1:<free port>, trust auth."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.user = None  # postgres refuses to run as root: then run it as the `postgres` user
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.data, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.data,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 0, f"{' '.join(cmd)}:\n{result.stdout}\n{result.stderr}\n{self.server_log()}"
        return result

    def server_log(self) -> str:
        log = self.data / "server.log"
        return log.read_text()[-3000:] if log.exists() else ""

    def start(self) -> "PostgresServer":
        pgdata = str(self.data / "pgdata")
        self._run("initdb", "-D", pgdata, "-U", "grader", "--auth=trust", "-E", "UTF8", "--no-instructions")
        self._run("pg_ctl", "-D", pgdata, "-l", str(self.data / "server.log"), "-w", "-t", "120", "-o",
                  f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200", "start")
        return self

    def createdb(self, name: str, driver: str = "+psycopg2") -> str:
        """A new database; its URL (``driver=""``: the bare postgresql:// a course's COURSE_DB_URL would have)."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "grader", name)
        return f"postgresql{driver}://grader@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data / "pgdata"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: "
                    "apt-get install -y postgresql (.ci/run does this)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


def test_server_answers_on_localhost(postgres):
    import psycopg2

    with psycopg2.connect(postgres.createdb("ping", driver="")) as con, con.cursor() as cur:
        cur.execute("select inet_server_addr()::text, current_setting('port')")
        assert cur.fetchone() == ("127.0.0.1/32", str(postgres.port))


def test_concurrent_gradebook_writers_lose_nothing_postgres(postgres, tmp_path):
    course = toy_course(tmp_path / "course")
    url = postgres.createdb("stress")
    prepare_gradebook(make_api(course, CourseDirectory__db_url=url), "toy")
    assert stress_gradebook(url) == stress_expected()


@pytest.mark.slow
def test_cohort_graded_into_postgres_equals_stock_nbgrader_on_sqlite(postgres, tmp_path):
    stock_course, expected = toy_cohort(tmp_path / "stock", COHORT)
    stock_nbgrader_autograde(stock_course, "toy")

    course, _ = toy_cohort(tmp_path / "course", COHORT)
    url = postgres.createdb("course")
    # A bare postgresql:// URL, as a course writes it (nbgrader_api picks the installed psycopg2 driver).
    result = course_cli(course, "grade", "toy", "--workers", "2", "--quiet",
                        env={"COURSE_DB_URL": url.replace("+psycopg2", "")})
    assert f"{COHORT} submissions graded" in result.stdout
    assert not (course / "gradebook.db").exists()  # everything went to PostgreSQL

    assert cell_grades(url, "toy") == cell_grades(sqlite_url(stock_course), "toy")
    assert nbgrader_export(url, tmp_path / "pg.csv") == nbgrader_export(sqlite_url(stock_course), tmp_path / "stock.csv")
    rows = read_grades_csv(course / "grades.csv")
    assert {s: float(r["score"]) for s, r in rows.items()} == \
           {s: (sum(e.values()) if "broken" not in s else 0.0) for s, e in expected.items()}
    assert load_status(course, "toy")["s04_broken"].status == "failed"
