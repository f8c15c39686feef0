"""Run every graded kernel in a sandbox, and keep one notebook from costing the batch.

nbgrader executes a submission with nbclient in a kernel started by
jupyter_client's KernelManager. Two classes plug into that, wired in through
nbgrader_config.py:

``SandboxedKernelManager``
    wraps the kernel command in bubblewrap (``bwrap``): its own network, PID,
    IPC and UTS namespaces (no network at all: the grader talks to the kernel
    over IPC-transport sockets in a private folder), a read-only view of what
    Python needs (the interpreter, the venv, the ``mlprereq`` package and the
    course files a student gets anyway: colab_setup.py, data/), the student's
    own autograded folder read-only, and a size-capped scratch tmpfs at /tmp
    as the only writable place. Not mounted: source/, the gradebook, other
    students' submissions, the TA's home. As root it drops to a throw-away uid
    (so the process limit counts only this kernel's processes); as a normal
    user bwrap puts the kernel in its own user namespace. The kernel then runs
    ``mlprereq.grading.kernel_boot``, which sets the resource limits and
    installs the audit hook and the tamper guard before any student code.
    Without bwrap (macOS, or a Linux without it) the kernel gets the limits and
    the hook only, and a warning says so.

``SandboxedExecute``
    nbgrader's Execute preprocessor with: a per-cell timeout capped by a
    whole-notebook deadline; an output budget per cell (a flood is cut off,
    the kernel interrupted, and a graded cell that overflowed scores 0); stray
    processes (a fork bomb's children) killed after every cell; a kernel that
    ignores the interrupt or dies is restarted and the run goes on; the guard
    checked before and after each test cell (see kernel_boot.py); and a run
    record per notebook (flags, cell times) in
    ``grading_status/<assignment>/runs/<student>/<notebook>.json``.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import platform
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, List, Unicode

from mlprereq import notebooks
from mlprereq.grading.feedback import is_hidden_test
from mlprereq.grading import font_cache, status
from mlprereq.grading.lazy_free import without_references
from mlprereq.grading.review import load_course_notebook
from mlprereq.grading.layout import PRIVATE, STUDENT_VIEW, CourseLayout, installed_package_problem
from mlprereq.grading.spec import ENV_NAME, PROTECT_CLASSES, PROTECT_MODULES, SandboxSpec
from mlprereq.grading.status import load_run_records  # noqa: F401 - its old home

log = logging.getLogger("mlprereq.grading")

MB = 1024 * 1024
# What a student receives anyway (as Colab extracts it): visible to the kernel, read-only. Private course
# folders: never mounted; the audit hook also refuses them by path.
COURSE_VIEW, COURSE_PRIVATE = STUDENT_VIEW, PRIVATE
ENV_KEEP = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NBGRADER_EXECUTION",
            "PYDEVD_DISABLE_FILE_VALIDATION", "COURSE_ROOT")
SANDBOX_WARNING = ("bubblewrap (bwrap) is not available: grading kernels run with resource limits only, "
                   "without network or filesystem isolation. Install it: apt-get install bubblewrap")


def bwrap_path() -> str | None:
    if platform.system() != "Linux":
        return None
    return shutil.which("bwrap")


_bwrap_ok: dict[str, bool] = {}


def bwrap_works() -> bool:
    """bwrap is installed and can create the namespaces we need here (cached)."""
    path = bwrap_path()
    if not path:
        return False
    if path not in _bwrap_ok:
        import subprocess

        try:
            ok = subprocess.run([path, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc",
                                 "true"], capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        _bwrap_ok[path] = ok
    return _bwrap_ok[path]


def find_course_root(start: Path) -> Path | None:
    layout = CourseLayout.find(start)
    return layout.root if layout else None


def sweep_stale_private_dirs(base: Path, min_age: float = 600) -> None:
    """Remove private folders of kernels whose grader was killed (no process names them any more)."""
    import psutil

    now = time.time()
    stale = []
    for path in base.glob("mlprereq-k-*"):
        try:
            if now - path.stat().st_mtime > min_age:
                stale.append(str(path))
        except OSError:
            continue
    if not stale:
        return
    in_use = set()
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        in_use.update(d for d in stale if d in cmd)
    for d in stale:
        if d not in in_use:
            shutil.rmtree(d, ignore_errors=True)


def proc_children_supported() -> bool:
    """Whether this Linux kernel lists each task's children in /proc (CONFIG_PROC_CHILDREN)."""
    return os.path.exists(f"/proc/self/task/{threading.get_native_id()}/children")


def descendants(pid: int) -> list[int] | None:
    """The pids below ``pid`` (children, their children, ...), read from /proc/<pid>/task/*/children.

    Reads only the sandbox's own few processes, where psutil's ``children()`` reads
    every process on the machine (costly per cell on a busy grading server).
    None when /proc does not list children (then use psutil).
    """
    if not _PROC_CHILDREN:
        return None
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:  # exited meanwhile
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            for kid in kids:
                if kid not in found:
                    found.append(kid)
                    todo.append(kid)
    return found


_PROC_CHILDREN = proc_children_supported()


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts
    return [str(Path(*parts[: i + 1])) for i in range(1, len(parts) - 1)]


class SandboxedKernelManager(AsyncKernelManager):
    """A KernelManager whose kernels run in the grading sandbox (set ``spec``, a SandboxSpec, before starting)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.spec = SandboxSpec()
        self.private_dir: str | None = None
        self.channel_fd = -1
        self.channel_buffer = b""
        self.pending_reports: list[dict] = []  # read from an old channel while restarting
        self.sandbox_uid: int | None = None
        self.cwd: str | None = None
        self.mode = "off"

    # -- setup -----------------------------------------------------------
    def _prepare_private_dir(self) -> None:
        if self.private_dir is None:
            # Short paths: IPC socket names must stay under 108 bytes. COURSE_SANDBOX_TMPDIR moves them.
            base = os.environ.get("COURSE_SANDBOX_TMPDIR") or ("/tmp" if os.path.isdir("/tmp") else None)
            sweep_stale_private_dirs(Path(base or tempfile.gettempdir()))
            self.private_dir = tempfile.mkdtemp(prefix="mlprereq-k-", dir=base)
            self.mode = self.spec.sandbox
            if self.mode == "auto":
                self.mode = "bwrap" if bwrap_works() else "limits"
            elif self.mode != "bwrap":
                self.mode = "limits"
            if self.mode == "limits":
                warnings.warn(SANDBOX_WARNING, RuntimeWarning, stacklevel=2)
                log.warning(SANDBOX_WARNING)
            if self.mode == "bwrap" and os.geteuid() == 0:
                self.sandbox_uid = 200_000 + random.randrange(60_000)
            self.transport = "ipc"
            self.ip = os.path.join(self.private_dir, "k")
            self.connection_file = os.path.join(self.private_dir, "kernel.json")
            if self.sandbox_uid is not None:
                os.chown(self.private_dir, self.sandbox_uid, self.sandbox_uid)
            os.chmod(self.private_dir, 0o700)
        # A fresh report channel for every (re)start: the kernel unlinks it once open.
        fifo = os.path.join(self.private_dir, "channel")
        if self.channel_fd >= 0:
            self.pending_reports += self.read_channel()
            os.close(self.channel_fd)
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo, 0o600)
        if self.sandbox_uid is not None:
            os.chown(fifo, self.sandbox_uid, self.sandbox_uid)
        self.channel_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)

    async def _async_pre_start_kernel(self, **kw):
        problem = installed_package_problem()
        if problem:  # else the kernel dies with "Kernel died before replying to kernel_info"
            raise RuntimeError(problem)
        self.cwd = kw.get("cwd") or os.getcwd()
        self._prepare_private_dir()
        # Interrupt through the control channel: signals to bwrap's process group would not reach the kernel.
        self.kernel_spec.interrupt_mode = "message"
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self.sandbox_uid is not None:
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)
        env = kw.get("env") or dict(os.environ)
        kw["env"] = self._kernel_env(env)
        if not os.environ.get("MLPREREQ_SANDBOX_DEBUG"):
            # Student code can write to the kernel's own stdout/stderr; that must not reach the TA's terminal.
            import subprocess

            kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        return cmd, kw

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if "-m" in cmd and "ipykernel_launcher" in cmd:
            cmd[cmd.index("ipykernel_launcher")] = "mlprereq.grading.kernel_boot"
        if cmd and "-P" not in cmd:
            # Python's safe path (3.11): the working directory, the student's submission folder, is not put
            # first on sys.path (nor by IPython, which follows the flag). A torch.py, einops.py or mlprereq/
            # submitted next to the notebook shadowed the real module, kernel_boot itself included, before
            # the guard's snapshot and outside any cell the review reads.
            cmd.insert(1, "-P")
        if self.mode != "bwrap":
            return cmd
        return self._bwrap_prefix(cmd) + cmd

    # -- the sandbox -----------------------------------------------------
    def _course_root(self) -> Path | None:
        root = self.spec.course_root
        return Path(root) if root else find_course_root(Path(self.cwd or "."))

    def sandbox_spec(self) -> SandboxSpec:
        """The spec with this kernel's paths: its report channel, what the audit hook lets it read and write."""
        root = self._course_root()
        cwd = os.path.realpath(self.cwd or ".")
        deny = [str(base / p) for base in self._view_roots() for p in COURSE_PRIVATE]
        deny += [os.path.expanduser("~"), "/root", "/home", *hidden_notebooks(cwd)]
        readable = [sys.base_prefix, sys.prefix, self._package_dir(), cwd, "/tmp", self.private_dir]
        for base in self._view_roots():
            readable += [str(base / p) for p in COURSE_VIEW]
        scratch = "/tmp" if self.mode == "bwrap" else os.path.join(self.private_dir, "scratch")
        return self.spec.replace(
            channel=os.path.join(self.private_dir, "channel"),
            allow_read=tuple(readable), deny_read=tuple(deny),
            allow_write=(scratch, self._mpl_dir(), "/dev/null", "/dev/shm"),
            deny_write=tuple(deny + [cwd] + ([str(root)] if root else [])),
        )

    def _mpl_dir(self) -> str:
        """The kernel's matplotlib config folder, given the font list up front (see font_cache.py)."""
        return os.path.join(self.private_dir, "mpl")

    def _view_roots(self) -> list[Path]:
        """Course folders whose student-facing parts (COURSE_VIEW) the kernel sees: the course being graded
        and the one the mlprereq package lives in (its data/ is where mlprereq.course.DATA points)."""
        roots = [r for r in (self._course_root(), Path(self._package_dir()).parent) if r is not None]
        return list(dict.fromkeys(Path(os.path.realpath(r)) for r in roots))

    @staticmethod
    def _package_dir() -> str:
        import mlprereq

        return str(Path(mlprereq.__file__).resolve().parent)

    def _kernel_env(self, env: dict) -> dict:
        scratch = "/tmp" if self.mode == "bwrap" else os.path.join(self.private_dir, "scratch")
        os.makedirs(scratch, exist_ok=True)
        if self.mode != "bwrap" and self.sandbox_uid is not None:
            os.chown(scratch, self.sandbox_uid, self.sandbox_uid)
        font_cache.seed(self._mpl_dir(), owner=self.sandbox_uid)
        kept = {k: v for k, v in env.items() if k in ENV_KEEP}
        kept.update({
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": scratch, "TMPDIR": scratch, "MPLCONFIGDIR": self._mpl_dir(),
            "IPYTHONDIR": os.path.join(scratch, ".ipython"), "JUPYTER_RUNTIME_DIR": os.path.join(scratch, ".jupyter"),
            # Inline backend: plt.show() leaves an image/png output, so the formgrader and feedback show figures.
            "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONDONTWRITEBYTECODE": "1",
            "MATPLOTLIBRC": os.path.join(os.path.dirname(__file__), "kernel", "matplotlibrc"),
            "OMP_NUM_THREADS": str(self.spec.threads or env.get("OMP_NUM_THREADS") or 2),
            ENV_NAME: self.sandbox_spec().to_json(),
        })
        root = self._course_root()
        if root is not None:
            # The setup cell looks in COURSE_ROOT first, then the working directory (the student's folder,
            # where a colab_setup.py of theirs would be found and put on sys.path).
            kept["COURSE_ROOT"] = str(root)
        if self.mode != "bwrap":
            # No namespaces: keep the environment minimal, but the kernel must still find Python.
            kept.setdefault("LANG", "C.UTF-8")
        return kept

    def _bwrap_prefix(self, cmd: list[str]) -> list[str]:
        cwd = os.path.realpath(self.cwd or ".")
        ro: list[str] = []
        for path in ("/usr", "/etc", "/opt"):
            if os.path.isdir(path) and not os.path.islink(path):
                ro.append(path)
        ro += [os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), self._package_dir()]
        exe_dir = os.path.dirname(os.path.realpath(cmd[0]))
        if not any(exe_dir == p or exe_dir.startswith(p + "/") for p in ro):
            ro.append(exe_dir)
        for base in self._view_roots():
            ro += [str(base / p) for p in COURSE_VIEW if (base / p).exists()]
        ro += [str(p) for p in self.spec.extra_ro_binds if os.path.exists(p)]
        ro.append(cwd)
        args = [bwrap_path(), "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                "--hostname", "grading-sandbox"]
        if os.geteuid() != 0:
            args += ["--unshare-user"]
        for link, target in (("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin"), ("/sbin", "usr/sbin"),
                             ("/lib32", "usr/lib32")):
            if os.path.islink(link):
                args += ["--symlink", target, link]
            elif os.path.isdir(link):
                ro.append(link)
        # The scratch tmpfs first: folders under /tmp (the private folder, a course in /tmp) are mounted on it.
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(int(self.spec.scratch_mb) * MB), "--perms", "1777", "--tmpfs", "/tmp"]
        made: set[str] = {"/", "/tmp", "/proc", "/dev"}
        for path in sorted(set(ro) | {self.private_dir}, key=lambda p: (p.count("/"), p)):
            for parent in _ancestors(path):
                if parent not in made:
                    args += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
        for path in sorted(set(ro), key=lambda p: (p.count("/"), p)):
            args += ["--ro-bind", path, path]
            made.add(path)
        for path in hidden_notebooks(cwd):  # the notebook being graded, hidden tests and all: an empty file
            args += ["--ro-bind", "/dev/null", path] if os.path.isfile(path) else ["--tmpfs", path]
        args += ["--bind", self.private_dir, self.private_dir, "--chdir", cwd]
        if self.sandbox_uid is not None:
            # Real root sets up the mounts, then the kernel drops to a throw-away uid: RLIMIT_NPROC is not
            # enforced for root, and this uid owns nothing outside the sandbox.
            uid = str(self.sandbox_uid)
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                     shutil.which("setpriv") or "/usr/bin/setpriv", "--reuid", uid, "--regid", uid, "--clear-groups",
                     "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
        else:
            args += ["--"]
        return args

    # -- the report channel ------------------------------------------------
    def read_channel(self) -> list[dict]:
        """Everything the kernel reported since the last read (never blocks)."""
        pending, self.pending_reports = self.pending_reports, []
        if self.channel_fd < 0:
            return pending
        chunks = []
        while True:
            try:
                data = os.read(self.channel_fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        self.channel_buffer += b"".join(chunks)
        *lines, self.channel_buffer = self.channel_buffer.split(b"\n")
        out = pending
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                item = {"event": "unreadable report", "detail": line[:200].decode("utf-8", "replace")}
            if isinstance(item, dict):
                out.append(item)
        return out

    # -- processes ------------------------------------------------------------
    def _launcher(self):
        """The process the kernel was started as (bwrap, or the kernel itself); None before it starts."""
        return getattr(self.provisioner, "process", None) if self.provisioner else None

    def sandbox_processes(self) -> list:
        """The kernel's launcher and everything below it, as psutil processes."""
        import psutil

        proc = self._launcher()
        if proc is None:
            return []
        try:
            top = psutil.Process(proc.pid)
            below = descendants(proc.pid)
            if below is None:
                procs = [top, *top.children(recursive=True)]
            else:
                procs = [top]
                for pid in below:
                    try:
                        procs.append(psutil.Process(pid))
                    except psutil.NoSuchProcess:
                        pass
        except psutil.Error:
            return []
        alive = []
        for p in procs:  # a killed child of the kernel stays a zombie until the kernel exits: not a process to count
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                pass
        return alive

    def kill_strays(self, keep: set[int]) -> int:
        """Kill every process in the sandbox that was not there when the kernel was ready; returns how many."""
        import psutil

        proc = self._launcher()
        below = descendants(proc.pid) if proc is not None else None
        if below is not None and proc.pid in keep and keep.issuperset(below):
            return 0  # the usual case after a cell: nothing new, no need to look closer
        strays = [p for p in self.sandbox_processes() if p.pid not in keep]
        for p in strays:
            try:
                p.kill()
            except psutil.Error:
                pass
        if strays:
            psutil.wait_procs(strays, timeout=5)
        return len(strays)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False):
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            if not restart:
                self.release_private_dir()

    shutdown_kernel = _async_shutdown_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart:
                self.release_private_dir()

    cleanup_resources = _async_cleanup_resources

    def release_private_dir(self) -> None:
        if self.channel_fd >= 0:
            try:
                os.close(self.channel_fd)
            except OSError:
                pass
            self.channel_fd = -1
        if self.private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None


_REFERENCES: dict = {}  # (master path, reference_key) -> grade_id -> records, in this process
# What decides what a master's test cells record, besides the master itself.
_RECORDING_CODE = ("checks.py", "rules.py", "grading/kernel/record.py")


def reference_key(master: Path) -> str:
    """A version of ``master`` and of the code and libraries that record its checks: the master's records
    are run once per key and kept on disk (status.save_reference), so later runs and workers reuse them."""
    from importlib.metadata import version

    digest = hashlib.sha256(master.read_bytes())
    package = Path(__file__).resolve().parents[1]
    for name in _RECORDING_CODE:
        digest.update((package / name).read_bytes())
    for lib in ("torch", "numpy", "einops"):
        digest.update(f"{lib}={version(lib)};".encode())
    return digest.hexdigest()[:16]


def hidden_notebooks(folder: str) -> list[str]:
    """The notebooks in the folder a kernel grades in, and their checkpoints: nbgrader writes the submission
    there with the hidden tests put back, so the kernel must not read them (it needs no notebook file: the
    grader sends each cell's code)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, n) for n in sorted(names) if n.endswith(".ipynb") or n == ".ipynb_checkpoints"]


def _error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class SandboxedExecute(Execute):
    """nbgrader's Execute, in the sandbox, with deadlines, output and process limits and the tamper guard."""

    sandbox = Unicode("auto", help="auto (bwrap when it works here), bwrap, or limits (resource limits, audit hook "
                                   "and guard only, with a warning)").tag(config=True)
    notebook_deadline = Integer(900, help="seconds for the whole notebook; cells after it score 0").tag(config=True)
    memory_mb = Integer(4096, help="memory (heap) limit of the kernel process, MB").tag(config=True)
    cpu_seconds = Integer(900, help="CPU time limit of each process in the sandbox, s").tag(config=True)
    processes = Integer(64, help="processes and threads the kernel may have").tag(config=True)
    threads = Integer(0, help="compute threads of the kernel (OMP_NUM_THREADS); 0: the grader's OMP_NUM_THREADS, "
                              "else 2").tag(config=True)
    traceback_mode = Unicode("Plain", help="IPython's %xmode in graded kernels: Plain tracebacks cost a fifth of "
                                           "Context ones, and a blank submission raises in every test").tag(config=True)
    file_mb = Integer(256, help="largest file the kernel may write, MB").tag(config=True)
    scratch_mb = Integer(256, help="size of the writable scratch tmpfs, MB").tag(config=True)
    output_bytes = Integer(1_000_000, help="output kept per cell; a graded cell producing more scores 0").tag(config=True)
    interrupt_grace = Integer(5, help="seconds a kernel gets to obey an interrupt before it is restarted").tag(config=True)
    guard = Bool(True, help="check and restore protected objects before and after each test cell").tag(config=True)
    differential = Bool(True, help="compare hidden tests' results in the grader with the master's, run once in a "
                                   "reference kernel (needs the guard)").tag(config=True)
    course_root = Unicode("", help="the course folder (default: found above the notebook)").tag(config=True)
    extra_ro_binds = List(Unicode(), help="more paths the kernel may read").tag(config=True)
    protect_modules = List(Unicode(), list(PROTECT_MODULES), help="modules the guard snapshots and puts back").tag(config=True)
    protect_classes = List(Unicode(), list(PROTECT_CLASSES), help="classes no code may change while grading").tag(config=True)
    extra_run_info = Dict({}).tag(config=False)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    # -- kernel -----------------------------------------------------------------
    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.spec = SandboxSpec.from_settings(self)
        return km

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        left = getattr(self, "_deadline", None)
        if left is None:
            return timeout
        remaining = max(1, int(left - time.monotonic()))
        return remaining if timeout is None else min(timeout, remaining)

    # -- the run ------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        self._reference = self._role == "reference" or self._references(resources or {})
        self.reference_records: dict[str, list] = {}
        self._student_names = self._answer_names(resources or {})
        self._lazy: set[str] = set()  # hidden tests sent without their expected values (lazy_free.py)
        self._deadline = time.monotonic() + self.notebook_deadline if self.notebook_deadline else None
        self._record = {"flags": [], "events": [], "cells": [], "notes": [], "sandbox": None}
        self._armed = False
        self._imports: list[str] = []
        self._baseline: set[int] = set()
        self._out_bytes = 0
        self._out_cell = None
        self._overflow = False
        self._clean = False  # the guard verified the kernel after the last cell that ran, and nothing ran since
        start = time.perf_counter()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except DeadKernelError as err:  # the kernel died outside any cell (start-up): every test scores 0
            self._flag("kernel", f"the kernel died: {err}")
        finally:
            self._redact_hidden_lines(nb)
            self._record["seconds"] = round(time.perf_counter() - start, 3)
            self._write_record(resources or {})
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        km = self.km
        if not self._armed:
            self._record["sandbox"] = km.mode
            self._arm()
        test = notebooks.is_test(cell)
        name = (cell.metadata.get("nbgrader") or {}).get("grade_id") or f"cell {index}"
        tags = cell.metadata.get("tags") or []
        if self.skip_cells_with_tag in tags:
            # nbclient does not run a cell with this tag, and a test cell that never ran has no error: full marks.
            cell.metadata["tags"] = [tag for tag in tags if tag != self.skip_cells_with_tag]
            self._flag("notebook", f"{name} had the tag {self.skip_cells_with_tag!r} (ignored: every cell runs)")
        if self._deadline is not None and time.monotonic() >= self._deadline:
            cell.outputs = [_error_output("NotebookDeadlineExceeded",
                                          f"the notebook ran past its {self.notebook_deadline} s deadline")]
            if not any(n.startswith("notebook deadline") for n in self._record["notes"]):
                self._record["notes"].append(f"notebook deadline ({self.notebook_deadline} s) reached before {name}")
            return cell, resources
        unverified = False
        differential = self._differential_cell(cell, name)
        nonce = secrets.token_hex(8) if differential else None
        begin = [("begin", repr(nonce))] if differential else []  # sent with the check: one round trip
        if test and self.guard and not self._clean:
            unverified = self._guard_check("before-test", name, cell, then=begin) is None
        elif begin:
            self._guard_calls(begin)
        self._clean = False
        # A hidden test leaves nothing in the kernel's history (In, _ih, _i<N>, Out, the history manager).
        self._store_history = not is_hidden_test(cell)
        if test or nbutils.is_locked(cell) or index == 0:
            self._remember_imports(cell)
        self._out_bytes, self._out_cell, self._overflow = 0, index, False
        started = time.perf_counter()
        problem = None
        source = cell.source
        if differential and self._role != "reference" and is_hidden_test(cell):
            # Compared here, its expected values are never used in the kernel: they (and the reference code that
            # computes them) need not be there for the student's function to find in the test's frame (lazy_free.py).
            stripped = without_references(source, self._student_names)
            if stripped is not None:
                cell.source = stripped
                self._lazy.add(name)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            problem = "timeout"
            cell.outputs.append(_error_output("CellTimeoutError", "the cell did not finish in time"))
        except DeadKernelError:
            problem = "dead"
            cell.outputs.append(_error_output("KernelDied", "the kernel died (memory or process limit?)"))
        finally:
            cell.source = source
        seconds = time.perf_counter() - started
        timed_out = problem == "timeout" or any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
        self._record["cells"].append({"index": index, "grade_id": name if name != f"cell {index}" else None,
                                      "test": test, "seconds": round(seconds, 3), "timed_out": timed_out,
                                      "compared_in_grader": differential})
        if timed_out:
            self._record["notes"].append(f"{name} timed out")
        if self._overflow:
            self._record["notes"].append(f"{name} produced more than {self.output_bytes} bytes of output")
            self._flag("output", f"{name}: output larger than {self.output_bytes} bytes")
            if nbutils.is_grade(cell):
                cell.outputs.append(_error_output("OutputLimitExceeded", f"more than {self.output_bytes} bytes of output"))
        if problem == "dead" or not self._kernel_alive():
            self._record["notes"].append(f"the kernel died in {name}; restarted")
            self._flag("kernel", f"the kernel died in {name}")
            self._restart()
        elif timed_out or self._overflow:
            if not self._wait_idle():
                self._record["notes"].append(f"the kernel ignored the interrupt in {name}; restarted")
                self._restart()
        killed = self._kill_strays()
        if killed:
            self._flag("processes", f"{name} left {killed} processes behind (killed)")
        end = [("end", repr(nonce))] if differential else []  # sent before the check: one round trip
        checked = test and self.guard and self._armed
        if checked:
            findings = self._guard_check("after-test", name, cell, first=end)
        elif end:
            self._guard_calls(end)
        if differential:
            self._finish_differential(cell, name, self._records(nonce))
        if self.guard and self._armed and notebooks.is_course_cell(cell):
            self._pin_course_names(cell, name)
        if checked:
            if findings is None or unverified:
                cell.outputs.append(_error_output("GradingGuardError", "the test helpers could not be verified"))
            elif findings:
                cell.outputs.append(_error_output("GradingGuardError",
                                                  "protected objects changed while this test ran: " + "; ".join(findings[:3])))
            # The next cell, if a test too, needs no check before it: this one just put everything back.
            self._clean = findings is not None
        self._drain_events()
        return cell, resources

    # -- hidden tests leave no trace -----------------------------------------------------
    _store_history = True

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        return await super().async_execute_cell(cell, cell_index, execution_count,
                                                store_history and self._store_history)

    execute_cell = run_sync(async_execute_cell)

    def _redact_hidden_lines(self, nb) -> None:
        """Remove (here, outside the kernel) every output of a student's cell that quotes a hidden test."""
        from mlprereq.grading.feedback import hidden_lines, redact_outputs

        lines = hidden_lines(nb)
        if not lines:
            return
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and not is_hidden_test(cell) and redact_outputs(cell, lines):
                name = (cell.metadata.get("nbgrader") or {}).get("grade_id") or f"cell {index}"
                self._flag("feedback", f"{name} printed hidden-test code (removed from its output)")

    # -- test cells compared here (differential.py) -----------------------------------
    _role = "student"  # "reference": the master's run that records what each test cell should see

    def _differential_cell(self, cell, name: str) -> bool:
        # Every test cell, visible ones too: a check that is not recorded would compare in the student's
        # kernel, and student code that switched recording on there could make it compare nothing.
        if not (self.differential and self.guard and notebooks.is_test(cell)):
            return False
        return self._role == "reference" or (isinstance(self._reference, dict) and name in self._reference)

    def _records(self, nonce: str) -> list | None:
        """What the guard's ``end(nonce)`` handed over: the test cell's checks as plain data."""
        path = os.path.join(self.km.private_dir or "", f"records-{nonce}.json")
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def _finish_differential(self, cell, name: str, records: list | None) -> None:
        if self._role == "reference":
            if records is not None and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                self.reference_records[name] = records
            return
        from mlprereq.grading.differential import compare_records  # torch: only in a process that grades

        message = compare_records(records, self._reference[name], lazy=name in self._lazy)
        if message and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            cell.outputs.append(_error_output("AssertionError", message))

    def _master(self, resources: dict):
        """(course root, assignment, notebook, master path) of the notebook being graded, or None."""
        info = resources.get("nbgrader") or {}
        path = (resources.get("metadata") or {}).get("path")
        root = Path(self.course_root) if self.course_root else (find_course_root(Path(path)) if path else None)
        if root is None or not info.get("assignment") or not info.get("notebook"):
            return None
        assignment, notebook = info["assignment"], info["notebook"]
        return root, assignment, notebook, CourseLayout.at(root).source(assignment) / f"{notebook}.ipynb"

    def _answer_names(self, resources: dict) -> frozenset[str]:
        """The names the master's solution cells define (its functions and answers), never the student's own
        list: an expected value computed from one of these is the student's, and stays (lazy_free.py)."""
        where = self._master(resources) if self.differential else None
        master = load_course_notebook(where[3]) if where else None
        return notebooks.solution_names(master) if master is not None else frozenset()

    def _references(self, resources: dict) -> dict:
        """grade_id -> the master's records of each test cell (run once per process and source version)."""
        if not self.differential:
            return {}
        where = self._master(resources)
        if where is None:
            return {}
        root, assignment, notebook, master = where
        try:
            key = reference_key(master)
        except OSError:
            return {}
        if (str(master), key) not in _REFERENCES:
            _REFERENCES[(str(master), key)] = self._saved_reference(root, assignment, notebook, master, key)
        return _REFERENCES[(str(master), key)]

    def _saved_reference(self, root: Path, assignment: str, notebook: str, master: Path, key: str) -> dict:
        """The master's records from grading_status/ (status.py), else from a run of the master, then saved."""
        with status.reference_lock(root, assignment, notebook):
            saved = status.load_reference(root, assignment, notebook, key)
            if saved is not None:
                return saved
            records = self._run_reference(master)
            if records:  # a failed reference run is not kept: the next process tries again
                status.save_reference(root, assignment, notebook, key, records)
            return records

    def _run_reference(self, master: Path) -> dict:
        ref = type(self)(config=self.config)
        ref._role = "reference"
        nb = nbformat.read(str(master), as_version=4)
        try:
            ref.preprocess(nb, {"metadata": {"path": str(master.parent)}})
        except Exception as err:  # noqa: BLE001 - no reference: hidden tests compare in-process, as before
            log.warning("the reference run of %s failed (%s): test cells compare in the kernel", master, err)
            return {}
        return ref.reference_records

    # -- output budget ---------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in (content.get("data") or {}).values())
        size += sum(len(line) for line in content.get("traceback", []) or [])
        if self._over_budget(outs, size):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs, msg, cell_index):
        # Widget state goes into the notebook too (nbclient's store_widget_state), outside output(): it counts
        # against the same budget, or a cell of multi-MB widgets grew the graded notebook without limit
        # (redteam comm-flood: 25 text areas of 4 MB, a 100 MB notebook).
        data = (msg.get("content") or {}).get("data") or {}
        size = len(str(data.get("state", ""))) + sum(len(b) for b in msg.get("buffers") or [])
        if self._over_budget(outs, size):
            return None
        return super().handle_comm_msg(outs, msg, cell_index)

    def _over_budget(self, outs, size: int) -> bool:
        """Count ``size`` against the cell's output budget; past it, cut the output and interrupt the kernel."""
        self._out_bytes = getattr(self, "_out_bytes", 0) + size
        if self._out_bytes <= self.output_bytes:
            return False
        if not getattr(self, "_overflow", False):
            self._overflow = True
            outs.append(nbformat.v4.new_output("stream", name="stdout",
                                               text=f"\n[output cut: more than {self.output_bytes} bytes]\n"))
            try:
                asyncio.ensure_future(self.km.interrupt_kernel())
            except Exception:  # noqa: BLE001 - best effort; the timeout still applies
                pass
        return True

    # -- guard -------------------------------------------------------------------
    def _silent(self, code: str, timeout: float = 20) -> dict | None:
        async def go():
            msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=max(0.1, end - time.monotonic()))
                except Exception:  # noqa: BLE001 - queue.Empty
                    if not await self.kc.is_alive():
                        return None
                    continue
                if msg["parent_header"].get("msg_id") == msg_id:
                    return msg
            return None

        try:
            return run_sync(go)()
        except Exception:  # noqa: BLE001
            return None

    # The guard class, found where no student cell can rebind it (see kernel_boot.py).
    GUARD = "[c for c in (0).__class__.__subclasses__() if c.__name__ == '_mlprereq_grading_guard']"
    GUARD_CALL = GUARD + "[0].{method}({args})"

    def _guard_calls(self, calls: list[tuple[str, str]], timeout: float = 20) -> dict | None:
        """Call the guard's methods in order, in one request (each request is a round trip to the kernel;
        a test cell needs two to four). No name is bound in the student's namespace; if one call raises,
        the later ones do not run, and a check that does not answer is flagged."""
        steps = ", ".join(f"g.{method}({args})" for method, args in calls)
        return self._silent(f"[({steps},) for g in {self.GUARD}]", timeout=timeout)

    def _arm(self) -> None:
        self._armed = True
        self._baseline = {p.pid for p in self.km.sandbox_processes()}
        if not self.guard:
            return
        nonce = secrets.token_hex(8)
        self._guard_calls([("arm", repr(nonce))], timeout=60)
        reports = self._drain_events()
        if not any(r.get("nonce") == nonce for r in reports):
            self._flag("guard", "the tamper guard did not start in this kernel")

    def _guard_check(self, phase: str, name: str, cell, names: tuple | None = None, first=(), then=()) -> list[str] | None:
        """What the guard found and put back; None when it did not answer (then the test is not trusted).
        ``names``: course names to pin; ``first`` and ``then``: guard calls sent in the same request, before
        and after the check."""
        nonce = secrets.token_hex(8)
        args = f"{nonce!r}, {phase!r}" + (f", {tuple(names)!r}" if names else "")
        reply = self._guard_calls([*first, ("check", args), *then])
        reports = [r for r in self._drain_events() if r.get("nonce") == nonce]
        if reply is None or not reports:
            self._flag("tamper", f"the tamper guard did not answer {phase} {name}")
            return None
        findings = reports[-1].get("findings") or []
        for f in findings:
            self._flag("tamper", f"{f} ({phase} {name})")
        return findings

    def _pin_course_names(self, cell, name: str) -> None:
        """Have the guard pin the helpers and modules a course cell just imported or defined, so a student
        cell that rebinds one (``globals()["assert_all_close"] = ...``) gets it put back before the next test."""
        from mlprereq.grading.review import course_cell_names

        names = course_cell_names(cell.source)
        if names:
            # The check also put everything back: a test cell right after needs no check before it.
            self._clean = self._guard_check("after-course", name, cell, names) is not None

    def _drain_events(self) -> list[dict]:
        items = self.km.read_channel() if self.km is not None else []
        for item in items:
            if "event" in item:
                self._record["events"].append(item)
                self._flag(item["event"].split()[0], f"{item['event']}: {item.get('detail', '')}")
        return items

    def _flag(self, kind: str, text: str) -> None:
        entry = f"{kind}: {text}"
        if entry not in self._record["flags"] and len(self._record["flags"]) < 100:
            self._record["flags"].append(entry)

    # -- kernel health -------------------------------------------------------------
    def _kernel_alive(self) -> bool:
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def _wait_idle(self) -> bool:
        reply = self._silent("pass", timeout=self.interrupt_grace)
        return reply is not None

    def _restart(self) -> None:
        try:
            before = len(self.km.sandbox_processes())
            self.km.kill_strays(set())  # every process of the sandbox, bwrap too; then a fresh kernel
            if before > len(self._baseline) + 1:
                self._flag("processes", f"{before - len(self._baseline)} extra processes in the sandbox (killed)")
        except Exception:  # noqa: BLE001
            pass
        try:
            run_sync(self.km.restart_kernel)(now=True)
            run_sync(self.kc.wait_for_ready)(timeout=120)
        except Exception as err:  # noqa: BLE001
            self._flag("kernel", f"could not restart the kernel: {err}")
            return
        self._armed = False
        self._arm()
        # Later tests may use helpers that earlier test cells imported: import them again (imports only;
        # the student's own cells are not re-run, so what they defined is gone, as after any crash).
        if self._imports:
            self._silent("\n".join(dict.fromkeys(self._imports)), timeout=120)
        self._drain_events()

    def _remember_imports(self, cell) -> None:
        import ast

        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            return
        self._imports += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]

    def _kill_strays(self) -> int:
        try:
            return self.km.kill_strays(self._baseline) if self._baseline else 0
        except Exception:  # noqa: BLE001
            return 0

    # -- record ------------------------------------------------------------------------
    def _write_record(self, resources: dict) -> None:
        info = resources.get("nbgrader") or {}
        path = (resources.get("metadata") or {}).get("path")
        student, assignment, notebook = info.get("student"), info.get("assignment"), info.get("notebook")
        if not (student and assignment and notebook):
            return
        root = Path(self.course_root) if self.course_root else (find_course_root(Path(path)) if path else None)
        if root is not None:
            status.write_run_record(root, assignment, student, notebook, self._record)


__all__ = ["SandboxedExecute", "SandboxedKernelManager", "bwrap_works", "load_run_records", "SANDBOX_WARNING"]
