#!/usr/bin/env python3
"""Start and stop the course's JupyterHub on 127.0.0.1 (run as root).

    hub/hubctl.py start [--students N] [--release 03_einops]   PostgreSQL, accounts, course, exchange, hub
    hub/hubctl.py stop [--purge]                                stop it (--purge: remove accounts and files too)
    hub/hubctl.py add-user NAME                                 a student account with its home

Settings (environment): HUB_ROOT (/srv/ml-prereqs-hub), HUB_PORT (8631; the
hub also uses the next four ports), HUB_PREFIX (account names, "mlp-").
"""
from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CHP = REPO / "hub" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
STUDENT_NAMES = ["ada", "grace", "alan", "edsger", "barbara", "donald", "frances", "john", "katherine", "tim",
                 "radia", "ken", "dennis", "margaret", "niklaus", "leslie", "shafi", "judea", "yann", "fei"]
FULL_NAMES = {"ada": ("Ada", "Lovelace"), "grace": ("Grace", "Hopper"), "alan": ("Alan", "Turing")}
COURSE_FILES = ("nbgrader_config.py", "course.toml", "colab_setup.py")


class Settings:
    def __init__(self):
        self.root = Path(os.environ.get("HUB_ROOT", "/srv/ml-prereqs-hub"))
        self.port = int(os.environ.get("HUB_PORT", "8631"))
        self.prefix = os.environ.get("HUB_PREFIX", "mlp-")
        self.state_dir = self.root / "state"
        self.state_file = self.state_dir / "hub.json"
        self.pg_data = self.root / "pg"
        self.course_dir = self.root / "course"
        self.exchange = self.root / "exchange"
        self.homes = self.root / "home"
        self.student_config = self.root / "etc" / "student"
        self.grader = self.prefix + "grader"
        self.graders_group = self.prefix + "graders"
        self.instructor = self.prefix + "instructor"
        self.ta = self.prefix + "ta"

    def student(self, name: str) -> str:
        return self.prefix + name


def run(*cmd, user=None, check=True, **kw):
    if user:
        cmd = ("runuser", "-u", user, "--", *cmd)
    return subprocess.run([str(c) for c in cmd], check=check, **kw)


def pg_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    sys.exit("PostgreSQL's server is not installed: apt-get install postgresql")


def ensure_user(name: str, home: Path, group: str | None = None) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        run("useradd", "--create-home", "--home-dir", home, "--shell", "/bin/bash",
            *(["--groups", group] if group else []), name)
    else:
        if group:
            run("usermod", "-aG", group, name)
    home.mkdir(parents=True, exist_ok=True)
    pw = pwd.getpwnam(name)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o700)  # students cannot read each other's work


def reachable_by_all(path: Path) -> bool:
    """Whether any account can reach ``path``: every folder on the way is world-searchable."""
    path = path.resolve()
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [path, *path.parents])


def accounts_python(s: Settings) -> Path:
    """The checkout's own Python (the build its packages were tested on), in a place every account can run.

    Not Debian's python3.11: bookworm ships 3.11.2, whose ``re`` mishandles a possessive repeat nested in
    another (``re.match(r'(?:(?:ab)?+x)?+a', 'ab')`` is None; fixed in later 3.11 releases). soupsieve's
    selectors are built that way, so nbconvert's HTML export, and with it feedback, fails there. A pyenv
    Python under /root cannot be run by other accounts, so its interpreter and standard library are copied
    into HUB_ROOT (without its site-packages), with libpython found next to the copy.
    """
    base = Path(sys.base_prefix)
    exe = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if reachable_by_all(base / "bin" / exe):
        return base / "bin" / exe
    copy, stamp = s.root / "python", f"{base} {sys.version}"
    if (copy / "SOURCE").exists() and (copy / "SOURCE").read_text() == stamp:
        return copy / "bin" / exe
    shutil.rmtree(copy, ignore_errors=True)
    (copy / "bin").mkdir(parents=True)
    shutil.copy2(base / "bin" / exe, copy / "bin" / exe)
    stdlib = base / "lib" / exe
    skip = {"site-packages", "test", "idlelib", "turtledemo"}
    shutil.copytree(stdlib, copy / "lib" / exe, symlinks=True, ignore=lambda folder, names: [
        n for n in names if Path(folder) == stdlib and (n in skip or n.startswith("config-"))])
    (copy / "lib" / exe / "site-packages").mkdir()
    for lib in (base / "lib").glob("libpython*.so*"):  # a --enable-shared build (pyenv's default here)
        shutil.copy2(lib, copy / "lib" / lib.name, follow_symlinks=False)
    if list((copy / "lib").glob("libpython*.so*")):
        if not shutil.which("patchelf"):
            sys.exit("the accounts need a copy of this Python, and its libpython must be found next to it: "
                     "apt-get install patchelf (or run tests/install_hub_deps.sh)")
        run("patchelf", "--set-rpath", "$ORIGIN/../lib", copy / "bin" / exe)
    run("chmod", "-R", "a+rX,go-w", copy)
    (copy / "SOURCE").write_text(stamp)
    return copy / "bin" / exe


def make_user_venv(s: Settings) -> Path:
    """A venv every account can run, on the checkout's Python and sharing its packages."""
    venv = s.root / "venv"
    python = accounts_python(s)
    cfg = venv / "pyvenv.cfg"
    if not cfg.exists() or f"home = {python.parent}\n" not in cfg.read_text():
        shutil.rmtree(venv, ignore_errors=True)  # made from another Python (an older hubctl used Debian's)
        run(python, "-m", "venv", "--without-pip", venv)
    site = venv / "lib" / "python3.11" / "site-packages"
    repo_site = Path(VENV_BIN).parent / "lib" / "python3.11" / "site-packages"
    (site / "course.pth").write_text(f"import site; site.addsitedir({str(repo_site)!r})\n")
    for script in Path(VENV_BIN).iterdir():  # console scripts (alembic, nbgrader, jupyter...) on this venv's Python
        if script.is_file() and not script.name.startswith("python"):
            head = script.read_bytes()[:200]
            if head.startswith(b"#!") and b"python" in head.split(b"\n")[0]:
                body = script.read_text().split("\n", 1)[1]
                target = venv / "bin" / script.name
                target.write_text(f"#!{venv / 'bin' / 'python'}\n{body}")
                os.chmod(target, 0o755)
    kernel = s.root / "share" / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (ml-prereqs)", "language": "python"}, indent=1))
    # Jupyter's data (nbconvert templates, labextensions) as the venv's own, with the kernel above in place of
    # the checkout's (whose Python other accounts cannot run): nbgrader run by any account finds them.
    data = venv / "share" / "jupyter"
    data.mkdir(parents=True, exist_ok=True)
    for entry in (Path(VENV_BIN).parent / "share" / "jupyter").iterdir():
        link = data / entry.name
        if entry.name != "kernels" and not link.exists():
            link.symlink_to(entry)
    if not (data / "kernels").exists():
        (data / "kernels").symlink_to(kernel.parent)
    run("chmod", "-R", "a+rX", s.root / "share", venv)
    return venv / "bin"


def write_student_config(s: Settings, course_id: str) -> None:
    """nbgrader's settings for student servers, and the switches that hide the instructor tools."""
    d = s.student_config
    (d / "labconfig").mkdir(parents=True, exist_ok=True)
    (d / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.Exchange.root = {str(s.exchange)!r}\n"
        "# Validate reports a score per exercise and short messages (mlprereq/validate.py).\n"
        "try:\n"
        "    from mlprereq.validate import install\n"
        "except ImportError:  # a server without the course package: nbgrader's own report\n"
        "    pass\n"
        "else:\n"
        "    install()\n")
    (d / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False}}}, indent=1))
    (d / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True}}, indent=1))
    for p in [d, d / "labconfig", *d.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def make_course(s: Settings, students: list[str], deadline: str | None) -> None:
    """A copy of the course owned by the course account: students never see source/ or the gradebook."""
    c = s.course_dir
    c.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(REPO / name, c / name)
    for name in ("source", "release"):
        shutil.rmtree(c / name, ignore_errors=True)
        shutil.copytree(REPO / name, c / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    if deadline:
        with open(c / "course.toml", "a") as f:
            f.write(f'\n# Added by hub/hubctl.py: late submissions are marked from these.\n[deadlines]\n'
                    f'"03_einops" = "{deadline}"\n')
    with open(c / "roster.csv", "w") as f:
        f.write("id,first_name,last_name,email\n")
        for short in students:
            first, last = FULL_NAMES.get(short, (short.capitalize(), "Student"))
            f.write(f"{s.student(short)},{first},{last},{short}@example.org\n")
    with open(c / "nbgrader_config.py", "a") as f:
        f.write("\n# Added by hub/hubctl.py: this course's hub.\n"
                f"c.CourseDirectory.db_url = os.environ.get('COURSE_DB_URL', {s.db_url!r})\n"
                f"c.Exchange.root = os.environ.get('COURSE_EXCHANGE', {str(s.exchange)!r})\n"
                "# The accounts' venv borrows the checkout's packages: the grading sandbox must see them.\n"
                f"c.SandboxedExecute.extra_ro_binds = [{str(VENV_BIN.parent)!r}]\n")
    run("chown", "-R", f"{s.grader}:{s.graders_group}", c)
    run("chmod", "-R", "u+rwX,g+rwX,o-rwx", c)
    os.chmod(c, 0o2770)


def start_postgres(s: Settings) -> str:
    """A private PostgreSQL on 127.0.0.1 for the gradebook; returns COURSE_DB_URL."""
    data, port = s.pg_data, s.port + 4
    bindir = pg_bin()
    pw = pwd.getpwnam("postgres")
    secret = s.state_dir / "db_password"
    if not secret.exists():
        secret.touch(mode=0o600)
        secret.write_text(secrets.token_urlsafe(16))
    password = secret.read_text().strip()
    if not (data / "PG_VERSION").exists():
        data.mkdir(mode=0o700, exist_ok=True)
        os.chown(data, pw.pw_uid, pw.pw_gid)
        pwfile = s.root / "pg_pwfile"  # beside the data folder: the state folder is root's only
        pwfile.touch(mode=0o600)
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        pwfile.write_text(password)
        run(bindir / "initdb", "-D", data, "-U", "grader", "--auth=scram-sha-256", f"--pwfile={pwfile}",
            "-E", "UTF8", "--no-instructions", user="postgres", stdout=subprocess.DEVNULL)
        pwfile.unlink()
    status = run(bindir / "pg_ctl", "-D", data, "status", user="postgres", check=False,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if status.returncode != 0:
        run(bindir / "pg_ctl", "-D", data, "-l", data / "server.log", "-w", "-t", "60", "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start", user="postgres", stdout=subprocess.DEVNULL)
    url = f"postgresql://grader:{password}@127.0.0.1:{port}"
    import psycopg2
    con = psycopg2.connect(url + "/postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = 'ml_prereqs'")
        if cur.fetchone() is None:
            cur.execute("create database ml_prereqs")
    con.close()
    # The driver named: nbgrader's own commands and the formgrader read the URL as it is.
    return url.replace("postgresql://", "postgresql+psycopg2://") + "/ml_prereqs"


def wait_for_hub(s: Settings, proc, timeout=120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the hub stopped at start-up; see {s.state_dir / 'jupyterhub.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{s.port}/hub/api", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"the hub did not answer within {timeout:.0f} s; see {s.state_dir / 'jupyterhub.log'}")


def course(s: Settings, *args) -> None:
    run(s.root / "venv" / "bin" / "python", "-m", "mlprereq.cli", "--course", s.course_dir, *args, user=s.grader,
        cwd=s.course_dir)


def start(args) -> None:
    s = Settings()
    t0 = time.perf_counter()
    if os.geteuid() != 0:
        sys.exit("the hub makes one system account per student: run it as root (sudo make hub)")
    if not CHP.exists():
        sys.exit(f"configurable-http-proxy is missing: npm install --prefix {REPO / 'hub/node'} "
                 "configurable-http-proxy@5.3.0")
    if s.state_file.exists() and pid_alive(json.loads(s.state_file.read_text()).get("pid")):
        sys.exit(f"a hub is already running from {s.root}; stop it with `make hub-stop`")
    for d in (s.root, s.homes, s.root / "etc"):
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o755)
    s.state_dir.mkdir(exist_ok=True)
    os.chmod(s.state_dir, 0o700)  # root's: the gradebook's password, the hub's database and cookie secret
    s.exchange.mkdir(exist_ok=True)
    os.chmod(s.exchange, 0o1777)  # nbgrader's exchange: everyone writes, nobody removes others' files
    # The checkout's answer key is root's only: student servers can reach the checkout (its venv runs them).
    os.chmod(REPO / "source", 0o700)

    if subprocess.run(["getent", "group", s.graders_group], stdout=subprocess.DEVNULL).returncode:
        run("groupadd", s.graders_group)
    ensure_user(s.grader, s.homes / s.grader, s.graders_group)
    for staff in (s.instructor, s.ta):
        ensure_user(staff, s.homes / staff, s.graders_group)
    students = STUDENT_NAMES[: args.students]
    for short in students:
        ensure_user(s.student(short), s.homes / s.student(short))

    s.db_url = start_postgres(s)
    user_bin = make_user_venv(s)
    make_course(s, students, args.deadline)
    write_student_config(s, "ml-prereqs")
    password = args.password or secrets.token_urlsafe(9)
    state = {
        "root": str(s.root), "state_dir": str(s.state_dir), "port": s.port, "venv_bin": str(user_bin),
        "jupyter_path": f"{s.root / 'share' / 'jupyter'}:{VENV_BIN.parent / 'share' / 'jupyter'}",
        "jupyter_config": str(VENV_BIN.parent / "etc" / "jupyter"),
        "chp": str(CHP), "password": password, "students": [s.student(x) for x in students],
        "instructor": s.instructor, "ta": s.ta, "grader": s.grader, "grader_home": str(s.homes / s.grader),
        "course_id": "ml-prereqs", "course_dir": str(s.course_dir), "exchange": str(s.exchange),
        "student_config": str(s.student_config), "db_url": s.db_url, "pg_data": str(s.pg_data),
        "prefix": s.prefix, "graders_group": s.graders_group,
    }
    s.state_file.write_text(json.dumps(state, indent=1))
    os.chmod(s.state_file, 0o600)
    course(s, "roster", "roster.csv")

    env = dict(os.environ, HUB_STATE=str(s.state_file), PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    with open(s.state_dir / "jupyterhub.log", "ab") as log:
        proc = subprocess.Popen([VENV_BIN / "jupyterhub", "-f", REPO / "hub" / "jupyterhub_config.py"],
                                cwd=s.state_dir, env=env, stdout=log, stderr=log, start_new_session=True)
    state["pid"] = proc.pid
    s.state_file.write_text(json.dumps(state, indent=1))
    wait_for_hub(s, proc)
    for assignment in args.release:
        course(s, "hub-release", assignment)
    seconds = time.perf_counter() - t0
    print(f"\nThe hub is up at http://127.0.0.1:{s.port}/ ({seconds:.0f} s). Logins (password for all: {password}):")
    print(f"  instructor  {s.instructor}   (formgrader: http://127.0.0.1:{s.port}/services/ml-prereqs/formgrader)")
    print(f"  TA          {s.ta}")
    for short in students:
        print(f"  student     {s.student(short)}")
    print("Stop it with `make hub-stop`.")
    (s.state_dir / "ready_seconds").write_text(f"{seconds:.2f}\n")


def pid_alive(pid) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True


def stop(args) -> None:
    s = Settings()
    if not s.state_file.exists():
        print(f"no hub state in {s.root}: nothing to stop")
        state = None
    else:
        state = json.loads(s.state_file.read_text())
        pid = state.get("pid")
        if pid_alive(pid):
            os.killpg(int(pid), 15)  # the hub stops the student servers and the formgrader service itself
            for _ in range(60):
                if not pid_alive(pid):
                    break
                time.sleep(0.5)
            else:
                os.killpg(int(pid), 9)
        if (Path(state["pg_data"]) / "postmaster.pid").exists():
            run(pg_bin() / "pg_ctl", "-D", state["pg_data"], "-m", "fast", "-w", "stop", user="postgres",
                stdout=subprocess.DEVNULL)
        # The hub starts configurable-http-proxy in a session of its own, and a hub killed or stopped before
        # its clean-up leaves it running, holding the public port: end the proxy of this hub's port too.
        subprocess.run(["pkill", "-f", f"configurable-http-proxy.* --port {state['port']}( |$)"], check=False)
        # Student servers were started by the hub in their own sessions; end any that outlived it.
        for name in [*state["students"], state["instructor"], state["ta"], state["grader"]]:
            subprocess.run(["pkill", "-u", name, "-f", "jupyterhub.singleuser"], check=False)
        print("hub stopped")
    if args.purge:
        names = state and [*state["students"], state["instructor"], state["ta"], state["grader"]] or []
        for name in names:
            subprocess.run(["userdel", "-r", name], check=False, stderr=subprocess.DEVNULL)
        group = state["graders_group"] if state else s.graders_group
        try:
            grp.getgrnam(group)
            subprocess.run(["groupdel", group], check=False)
        except KeyError:
            pass
        shutil.rmtree(s.root, ignore_errors=True)
        print(f"removed {len(names)} accounts and {s.root}")


def add_user(args) -> None:
    s = Settings()
    ensure_user(args.name, s.homes / args.name)
    print(f"{args.name}: home {s.homes / args.name}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("start")
    a.add_argument("--students", type=int, default=3)
    a.add_argument("--release", action="append", default=None)
    a.add_argument("--deadline", default="2026-12-31T23:59:00+00:00", help="03_einops's deadline (ISO time)")
    a.add_argument("--password", help="the demo password (default: a random one)")
    a.set_defaults(func=start)
    a = sub.add_parser("stop")
    a.add_argument("--purge", action="store_true")
    a.set_defaults(func=stop)
    a = sub.add_parser("add-user")
    a.add_argument("name")
    a.set_defaults(func=add_user)
    args = p.parse_args(argv)
    if getattr(args, "release", "x") is None:
        args.release = ["03_einops"]
    args.func(args)


if __name__ == "__main__":
    main()
