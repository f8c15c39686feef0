"""The grading sandbox, one kernel at a time: isolation, limits, fallback, clean-up; and the static review."""
import asyncio
import json
import os
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

import nbformat
import psutil
import pytest

from conftest import MASTERS, load_answers, release_path
from mlprereq import notebooks
from mlprereq.grading import sandbox
from mlprereq.grading.review import extra_code_files, integrity_notes, scan_code
from mlprereq.grading.sandbox import SandboxedExecute, SandboxedKernelManager, bwrap_works
from mlprereq.grading.spec import SandboxSpec

NO_BWRAP = "bubblewrap is not available: security tests never skip; install it (`make test` does, as root)"


@pytest.fixture
def bwrap():
    """Fails (never skips) a sandbox test on a machine without working bubblewrap."""
    if not bwrap_works():
        pytest.fail(NO_BWRAP)


needs_bwrap = pytest.mark.usefixtures("bwrap")


async def _run(km, code: str, timeout: float = 120) -> str:
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=timeout)
        msg_id = kc.execute(code)
        text = []
        while True:
            msg = await kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "stream":
                text.append(content["text"])
            elif msg["msg_type"] == "error":
                text.append(f"ERROR {content['ename']}: {content['evalue']}\n")
            elif msg["msg_type"] == "status" and content["execution_state"] == "idle":
                return "".join(text)
    finally:
        kc.stop_channels()


def run_in_sandbox(course: Path, code: str, **settings) -> tuple[str, list[dict], dict]:
    """Start a sandboxed kernel in course/autograded/s/a, run ``code``; (output, reports, facts after shutdown)."""
    cwd = course / "autograded" / "s" / "a"
    cwd.mkdir(parents=True, exist_ok=True)

    async def go():
        km = SandboxedKernelManager(kernel_name="python3")
        km.spec = SandboxSpec(course_root=str(course), memory_mb=1500, processes=48, cpu_seconds=120, **settings)
        await km.start_kernel(cwd=str(cwd))
        private, pid = km.private_dir, km.provisioner.process.pid
        try:
            # What SandboxedExecute does before the first cell: arm the audit hook and the guard.
            await _run(km, SandboxedExecute.GUARD_CALL.format(method="arm", args="'test'"))
            out = await _run(km, code)
            reports = km.read_channel()
        finally:
            await km.shutdown_kernel(now=True)
        return out, reports, {"private_dir": private, "pid": pid, "mode": km.mode}

    return asyncio.run(go())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("sbx") / "course"
    (root / "source" / "a").mkdir(parents=True)
    (root / "source" / "a" / "a.ipynb").write_text("THE ANSWER KEY")
    (root / "gradebook.db").write_text("GRADES")
    (root / "submitted" / "other" / "a").mkdir(parents=True)
    (root / "submitted" / "other" / "a" / "a.ipynb").write_text("SOMEONE ELSE")
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "colab_setup.py").write_text("# what students get anyway\n")
    return root


ISOLATION = r'''
import os, socket, sys
def attempt(label, fn):
    try:
        fn()
        print(label, "ALLOWED")
    except Exception as err:
        print(label, "blocked", type(err).__name__)
attempt("source", lambda: open("../../../source/a/a.ipynb").read())
attempt("gradebook", lambda: open("../../../gradebook.db").read())
attempt("other", lambda: open("../../../submitted/other/a/a.ipynb").read())
attempt("home", lambda: os.listdir(os.path.expanduser("~root")))
attempt("write-cwd", lambda: open("x.txt", "w").write("x"))
attempt("write-course", lambda: open("../../../hacked", "w").write("x"))
attempt("net", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=3))
attempt("scratch", lambda: open("/tmp/ok.txt", "w").write("ok"))
print("setup", open("../../../colab_setup.py").read().strip())
print("uid", os.getuid(), "home", os.environ["HOME"], "secret", os.environ.get("COURSE_DB_URL"))
'''


@pytest.mark.slow
@needs_bwrap
def test_kernel_sees_only_its_folder_and_scratch_and_has_no_network(course, monkeypatch):
    monkeypatch.setenv("COURSE_DB_URL", "postgresql://grader:secret@db/course")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    got = []

    def accept():
        for _ in range(100):
            try:
                got.append(server.accept())
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    out, reports, facts = run_in_sandbox(course, ISOLATION.replace("PORT", str(server.getsockname()[1])))
    t.join()
    server.close()
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    for label in ("source", "gradebook", "other", "home", "write-cwd", "write-course", "net"):
        assert lines[label].startswith("blocked"), (label, out)
    assert lines["scratch"] == "ALLOWED"
    assert lines["setup"] == "# what students get anyway"
    assert got == []
    assert lines["uid"].endswith("home /tmp secret None") and "postgresql" not in out  # no TA home, no secrets
    if os.geteuid() == 0:
        assert not lines["uid"].startswith("0 ")  # the kernel runs as a throw-away uid, not root
    kinds = {r["event"] for r in reports if "event" in r}
    assert {"read blocked", "write blocked", "network blocked"} <= kinds
    assert not (course / "hacked").exists() and not (course / "autograded" / "s" / "a" / "x.txt").exists()
    assert facts["mode"] == "bwrap"


LIMITS = r'''
import os, resource
try:
    hog = bytearray(3 * 2**30)
    print("memory ALLOWED")
except MemoryError:
    print("memory blocked")
children, error = [], None
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            import time; time.sleep(30); os._exit(0)
        children.append(pid)
except OSError as err:
    error = type(err).__name__
print("forks", len(children), error)
print("cpu", resource.getrlimit(resource.RLIMIT_CPU)[0])
'''


@pytest.mark.slow
@needs_bwrap
def test_memory_processes_and_cpu_are_limited_and_nothing_survives_the_kernel(course):
    out, _, facts = run_in_sandbox(course, LIMITS)
    assert "memory blocked" in out
    forks = next(line for line in out.splitlines() if line.startswith("forks")).split()
    assert int(forks[1]) < 48 and forks[2] == "BlockingIOError", out
    assert "cpu 120" in out
    # The kernel's forked children (sleeping 30 s) go with the sandbox (SIGKILL from the PID namespace's end).
    assert not psutil.pid_exists(facts["pid"])
    for _ in range(50):
        leftovers = [p for p in psutil.process_iter(["cmdline"])
                     if facts["private_dir"] in " ".join(p.info["cmdline"] or [])]
        if not leftovers:
            break
        time.sleep(0.1)
    assert leftovers == []
    assert not Path(facts["private_dir"]).exists()


@pytest.mark.slow
def test_without_bubblewrap_the_kernel_gets_limits_and_a_warning(course, monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, reports, facts = run_in_sandbox(course, "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
                                                     "try:\n    open('../../../source/a/a.ipynb').read()\n"
                                                     "except PermissionError:\n    print('blocked')\n")
    assert facts["mode"] == "limits"
    assert any("bubblewrap" in str(w.message) for w in caught)
    assert "120" in out and "blocked" in out  # limits and the audit hook still apply
    assert any(r.get("event") == "read blocked" for r in reports)


@pytest.mark.slow
def test_kernel_gets_plain_tracebacks_and_the_threads_it_is_given(course, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    show = "import os\nprint(get_ipython().InteractiveTB.mode, os.environ['OMP_NUM_THREADS'])\n"
    assert run_in_sandbox(course, show)[0].split() == ["Plain", "2"]
    assert run_in_sandbox(course, show, threads=1, traceback_mode="Context")[0].split() == ["Context", "1"]


def _graded_cell(source: str, grade_id: str | None = None):
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                     "grade_id": grade_id, "schema_version": 3}
    return cell


@pytest.mark.slow
def test_guard_checks_each_test_but_not_twice_with_nothing_run_between(course, monkeypatch):
    cwd = course / "autograded" / "g" / "a"
    cwd.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[
        _graded_cell("import math"),
        _graded_cell("assert math.sqrt(4) == 2", "visible"),
        _graded_cell("assert math.sqrt(9) == 3", "hidden"),  # right after a checked test: no check before
        _graded_cell("math.sqrt = lambda x: 3"),  # a student cell in between: the next test is checked first
        _graded_cell("assert math.sqrt(16) == 4", "last"),
    ])
    phases = []
    real = SandboxedExecute._guard_check

    def spy(self, phase, name, cell, **calls):
        phases.append((phase, name))
        return real(self, phase, name, cell, **calls)

    monkeypatch.setattr(SandboxedExecute, "_guard_check", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = SandboxedExecute(course_root=str(course), timeout=60, allow_errors=True).preprocess(
            nb, {"metadata": {"path": str(cwd)}})
    assert phases == [("before-test", "visible"), ("after-test", "visible"), ("after-test", "hidden"),
                      ("before-test", "last"), ("after-test", "last")]
    assert not any(o.get("output_type") == "error" for o in out.cells[4].outputs)  # math.sqrt was put back


def test_names_a_test_binds_to_helpers_are_pinned_but_plain_values_are_not(course):
    cwd = course / "autograded" / "p" / "a"
    cwd.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[
        _graded_cell("import math"),
        # Plain values a test leaves behind can be the very objects a protected module holds: True is
        # builtins.__debug__, small ints are shared (mlprereq.checks has a 5, numpy.testing a 0).
        _graded_cell("root = math.sqrt\nfor j in range(6):\n    assert root(j * j) == j\nok = True", "first"),
        _graded_cell("j, ok = 'the student uses j', 'and ok'\nroot = abs"),  # rebinding a pinned helper is not
        _graded_cell("assert root(4) == 2.0\nprint(repr((j, ok)))", "second"),
    ])
    ex = SandboxedExecute(course_root=str(course), timeout=60, allow_errors=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = ex.preprocess(nb, {"metadata": {"path": str(cwd)}})
    flags = ex._record["flags"]
    assert any("'root'" in f for f in flags), flags
    assert not any("'j'" in f or "'ok'" in f for f in flags), flags
    assert out.cells[3].outputs[-1]["text"] == "('the student uses j', 'and ok')\n"  # put back: root, only root


def test_helpers_and_modules_a_course_cell_binds_are_pinned_but_its_plain_values_are_not(course):
    from mlprereq.nbsrc import nbgrader_meta

    cwd = course / "autograded" / "c" / "a"
    cwd.mkdir(parents=True, exist_ok=True)
    course_cell = nbformat.v4.new_code_cell("import math\nfrom math import sqrt as root\n\n"
                                           "def helper(x):\n    return x + 1\n\nlimit = 5")
    course_cell.metadata["nbgrader"] = nbgrader_meta("locked", "course_imports", None)
    nb = nbformat.v4.new_notebook(cells=[
        course_cell,
        # A student's cell rebinds the course's import, its helper and its module, and reuses a demo variable.
        _graded_cell("globals()['root'] = lambda x: 2.0\nhelper = lambda x: 0\nmath = None\nlimit = 6"),
        _graded_cell("print(root(9), helper(1), math.floor(2.5), limit)", "uses"),
    ])
    ex = SandboxedExecute(course_root=str(course), timeout=60, allow_errors=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = ex.preprocess(nb, {"metadata": {"path": str(cwd)}})
    assert out.cells[2].outputs[-1]["text"] == "3.0 2 2 6\n", out.cells[2].outputs  # put back before the test
    flags = ex._record["flags"]
    for name in ("root", "helper", "math"):
        assert any(f"the name {name!r} bound by a course cell was rebound" in f for f in flags), flags
    assert not any("'limit'" in f for f in flags), flags


HUB_VENV_CHECK = """
from IPython.core.interactiveshell import InteractiveShell
from mlprereq.grading.kernel.snapshot import snapshot_guard
from mlprereq.grading.spec import SandboxSpec

shell = InteractiveShell.instance()
take, restore, pin = snapshot_guard(SandboxSpec(protect_modules=(), protect_classes=()), {}, {}, {})
take()
import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt  # the inline backend registers its post_execute callback (flush_figures)
plt.plot([1, 2])

def students_own():
    pass

shell.events.register("post_run_cell", students_own)
print(restore())
"""


def test_library_callbacks_are_not_flagged_in_a_venv_sharing_another_ones_packages(tmp_path):
    """The hub's venv (hub/hubctl.py make_user_venv) reaches the checkout's packages through a .pth file, so
    matplotlib-inline sits outside its prefix: its callback is still library code, a student's is not."""
    import subprocess
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*")) / "site-packages"
    (site / "course.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", HUB_VENV_CHECK], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.stdout.strip().splitlines()[-1:] == ["['an IPython post_run_cell callback was added']"], out


def test_a_duplicated_test_cell_is_judged_by_its_last_copy_the_one_nbgrader_grades():
    master = next(m for m in MASTERS if m.parent.name == "03_einops")
    release = nbformat.read(release_path(master), as_version=4)
    gid = next(notebooks.meta(c)["grade_id"] for c in release.cells if notebooks.is_test(c))
    i = next(k for k, c in enumerate(release.cells) if notebooks.meta(c).get("grade_id") == gid)

    def with_twin(edit_copy: int):
        nb = nbformat.from_dict(release)
        twin = nbformat.from_dict(nb.cells[i])
        twin.pop("id", None)
        nb.cells.insert(i + 1, twin)
        nb.cells[i + edit_copy].source = "print('passed')"
        return integrity_notes(nb, release)

    duplicated = f"test cell {gid} appears 2 times (the last one is graded)"
    assert with_twin(edit_copy=0) == [duplicated]  # an edited first copy is only student code
    assert with_twin(edit_copy=1) == [duplicated, f"test cell {gid} was edited (restored)"]


# -- the static review: no false alarms on real solutions, alarms on tampering ---------------------------------
def test_correct_solutions_are_not_flagged(master):
    teacher = nbformat.read(master, as_version=4)
    student = nbformat.read(release_path(master), as_version=4)
    full = notebooks.fill_solutions(student, teacher, set(notebooks.exercises(teacher)))
    assert scan_code(full, student, teacher) == []
    assert integrity_notes(full, student) == []
    answers = load_answers(master)
    for exercise, why, code in answers.RIGHT:
        nb = nbformat.from_dict(full)
        for cell in nb.cells:
            if notebooks.meta(cell).get("grade_id") == exercise:
                cell.source = code
        assert scan_code(nb, student, teacher) == [], (exercise, why)


TOY = Path(__file__).parent / "fixtures" / "toy.py"


@pytest.mark.parametrize("code, expected", [
    ("import torch\ntorch.allclose = lambda *a, **k: True", "changes torch.allclose (monkeypatching)"),
    ("import numpy as np\nnp.testing.assert_allclose = print", "changes numpy.testing.assert_allclose"),
    ("from mlprereq import checks\nchecks.assert_all_equal = print", "changes mlprereq.checks.assert_all_equal"),
    ("import builtins\nbuiltins.isinstance = lambda *a: True", "changes builtins.isinstance"),
    ("__builtins__.len = lambda x: 0", "__builtins__"),
    ("import sys\nsys.modules['mlprereq.checks'] = None", "edits sys.modules"),
    ("import torch\nsetattr(torch, 'equal', lambda *a: True)", "setattr() on torch"),
    ("assert_all_equal = lambda *a, **k: None", "rebinds 'assert_all_equal'"),
    ("get_ipython().showtraceback = lambda *a, **k: None", "changes IPython"),
    ("exec('x = 1')", "calls exec()"),
    ("import socket", "imports socket (network)"),
    ("open('../../../gradebook.db')", "private files"),
    ("import os\nos.system('ls')", "calls os.system()"),
    ("x = ().__class__.__base__.__subclasses__()", "__subclasses__"),
])
def test_tampering_is_flagged(code, expected):
    from mlprereq import nbsrc

    teacher = nbsrc.script_to_notebook(TOY.read_text())
    student = nbformat.from_dict(teacher)
    for cell in student.cells:
        if notebooks.meta(cell).get("grade_id") == "double":
            cell.source = notebooks.solved_source(cell.source) + "\n" + code + "\n"
    flags = scan_code(student, teacher, teacher)
    assert any(expected in f for f in flags), flags


# -- finding a sandbox's processes -------------------------------------------------------------------------
def test_python_files_a_submission_adds_are_flagged_and_the_releases_own_are_not(tmp_path):
    release, submitted = tmp_path / "release", tmp_path / "submitted"
    for folder in (release, submitted):
        (folder / "data").mkdir(parents=True)
        (folder / "nb.ipynb").write_text("{}")
        (folder / "helper.py").write_text("")
    assert extra_code_files(submitted, release) == []
    (submitted / "einops.py").write_text("import os")
    (submitted / "data" / "x.pth").write_text("import os")
    (submitted / ".ipynb_checkpoints").mkdir()
    (submitted / ".ipynb_checkpoints" / "a.py").write_text("")
    (submitted / "notes.txt").write_text("")
    flags = extra_code_files(submitted, release)
    assert len(flags) == 1 and "data/x.pth, einops.py" in flags[0] and "helper.py" not in flags[0], flags


def test_descendants_are_the_whole_process_tree_and_nothing_else():
    import subprocess

    if not sandbox.proc_children_supported():
        pytest.skip("this kernel does not list children in /proc")
    tree = subprocess.Popen(["sh", "-c", "sleep 30 & (sleep 30 & sleep 30 & wait) & wait"])
    try:
        for _ in range(100):  # until the shells have started all their children
            expected = {p.pid for p in psutil.Process(tree.pid).children(recursive=True)}
            if len(expected) >= 4:
                break
            time.sleep(0.05)
        assert len(expected) >= 4  # sleep, the subshell and its two sleeps
        assert set(sandbox.descendants(tree.pid)) == expected
        assert sandbox.descendants(os.getpid()) is not None and tree.pid in sandbox.descendants(os.getpid())
    finally:
        for p in psutil.Process(tree.pid).children(recursive=True):
            p.kill()
        tree.kill()
        tree.wait()
    assert sandbox.descendants(tree.pid) == []  # gone: nothing below it


def test_without_proc_children_the_sandbox_falls_back_to_psutil(monkeypatch):
    monkeypatch.setattr(sandbox, "_PROC_CHILDREN", False)
    assert sandbox.descendants(os.getpid()) is None


# -- the review works out the course notebook once -------------------------------------------------------------
def test_review_reads_the_course_notebook_once_until_it_changes(tmp_path):
    from mlprereq import nbsrc
    from mlprereq.grading import review as guard

    teacher = nbsrc.script_to_notebook(TOY.read_text())
    for folder in ("source", "release"):
        (tmp_path / folder / "a").mkdir(parents=True)
        nbformat.write(teacher, tmp_path / folder / "a" / "toy.ipynb")
    student = nbformat.from_dict(teacher)
    for cell in student.cells:
        if notebooks.meta(cell).get("grade_id") == "double":
            cell.source = notebooks.solved_source(cell.source) + "\nimport torch\ntorch.allclose = print\n"
    for name in ("s1", "s2"):
        (tmp_path / "submitted" / name / "a").mkdir(parents=True)
        nbformat.write(student, tmp_path / "submitted" / name / "a" / "toy.ipynb")

    guard._reference_unchanged.cache_clear()
    flags = [guard.review_submission(tmp_path, "a", s)[1] for s in ("s1", "s2")]
    assert flags[0] == flags[1] == scan_code(student, teacher, teacher) and flags[0]
    assert guard._reference_unchanged.cache_info().misses == 1
    # The course's notebook changes (a new version of the test helpers' imports): worked out again.
    for cell in teacher.cells:
        if notebooks.is_test(cell):
            cell.source = "import torch as allclose\n" + cell.source
            break
    nbformat.write(teacher, tmp_path / "source" / "a" / "toy.ipynb")
    os.utime(tmp_path / "source" / "a" / "toy.ipynb", ns=(1, 1))
    guard.review_submission(tmp_path, "a", "s1")
    assert guard._reference_unchanged.cache_info().misses == 2


FONTS = r'''
import io, logging
log = io.StringIO()
logger = logging.getLogger("matplotlib")
logger.addHandler(logging.StreamHandler(log))
logger.setLevel(logging.INFO)
import matplotlib, matplotlib.pyplot as plt
plt.plot([1, 2]); plt.savefig(os.path.join(os.environ["TMPDIR"], "plot.png"))
print("config", matplotlib.get_cachedir())
print("fonts", "rebuilt" if "generated new fontManager" in log.getvalue() else "reused")
print("warnings", [l for l in log.getvalue().splitlines() if "writable" in l or "temporary" in l])
'''


@pytest.mark.parametrize("mode", ["bwrap", "limits"])
def test_kernels_reuse_one_font_list_and_keep_a_private_matplotlib_folder(course, mode, monkeypatch):
    if mode == "bwrap" and not bwrap_works():
        pytest.fail(NO_BWRAP)
    if mode == "limits":
        monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the no-bubblewrap warning
        out, _, facts = run_in_sandbox(course, "import os\n" + FONTS)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["fonts"] == "reused", out
    assert lines["config"] == os.path.join(facts["private_dir"], "mpl"), out
    assert lines["warnings"] == "[]", out
    assert not os.path.exists(facts["private_dir"])  # removed with the kernel


def test_font_list_is_built_once_in_a_kernel_like_home(tmp_path, monkeypatch):
    from mlprereq.grading import font_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    font_cache.font_list.cache_clear()
    built = []
    real_build = font_cache.build
    monkeypatch.setattr(font_cache, "build", lambda dest: built.append(dest) or real_build(dest))
    try:
        first = font_cache.font_list()
        font_cache.font_list.cache_clear()  # a new grading process on the same machine
        assert font_cache.font_list() == first and len(built) == 1
        assert first.is_relative_to(tmp_path / "cache") and "DejaVu" in first.read_text()
        assert str(Path.home()) not in first.read_text().replace(str(tmp_path), "")
        font_cache.seed(tmp_path / "kernel" / "mpl")
        assert (tmp_path / "kernel" / "mpl" / first.name).read_bytes() == first.read_bytes()
    finally:
        font_cache.font_list.cache_clear()


def test_a_font_list_that_cannot_be_had_costs_nothing(tmp_path, monkeypatch):
    from mlprereq.grading import font_cache

    font_cache.font_list.cache_clear()
    monkeypatch.setattr(font_cache, "cache_key", lambda: 1 / 0)
    try:
        assert font_cache.font_list() is None
        font_cache.seed(tmp_path / "mpl")  # the kernel still gets its (empty) matplotlib folder
        assert (tmp_path / "mpl").is_dir() and not any((tmp_path / "mpl").iterdir())
    finally:
        font_cache.font_list.cache_clear()


# --------------------------------------------------------------------------- the kernel guard's pieces, each alone
def test_sandbox_spec_reaches_the_kernel_with_the_same_fields():
    ex = SandboxedExecute(memory_mb=1234, traceback_mode="Context", extra_ro_binds=["/srv/data"])
    spec = SandboxSpec.from_settings(ex)
    assert (spec.memory_mb, spec.traceback_mode, spec.extra_ro_binds) == (1234, "Context", ("/srv/data",))
    assert SandboxSpec.from_json(spec.to_json()) == spec  # what kernel_boot reads back
    with pytest.raises(Exception):
        spec.memory_mb = 1  # frozen: nothing on the way can change it


def test_path_policy_most_specific_rule_wins():
    from mlprereq.grading.kernel.policy import path_checks

    reports = []
    check_read, check_write = path_checks(
        SandboxSpec(allow_read=("/c/autograded/s/a", "/tmp"), deny_read=("/c", "/tmp/c"),
                    allow_write=("/tmp",), deny_write=("/tmp/c",)),
        lambda kind, detail: reports.append((kind, detail)))
    check_read("/c/autograded/s/a/a.ipynb")
    check_read("/tmp/x")
    check_read("/usr/lib/python3")  # not mentioned: readable (bwrap decides what exists)
    for path in ("/c/source/a.ipynb", "/c/autograded/other/a.ipynb", "/c/autograded/s/ab", "/tmp/c/gradebook.db"):
        with pytest.raises(PermissionError):
            check_read(path)
    check_write("/tmp/out.txt")
    for path in ("/c/autograded/s/a/x", "/tmp/c/x", "/etc/passwd"):
        with pytest.raises(PermissionError):
            check_write(path)
    assert ("read blocked", "/c/source/a.ipynb") in reports and ("write blocked", "/etc/passwd") in reports


def test_audit_hook_blocks_only_once_armed_and_never_while_restoring():
    from mlprereq.grading.kernel.audit import audit_hook
    from mlprereq.grading.kernel.policy import path_checks

    class Protected:
        pass

    reports = []
    report = lambda kind, detail: reports.append(kind)  # noqa: E731
    check_read, check_write = path_checks(SandboxSpec(deny_read=("/c",), allow_write=("/tmp",)), report)
    state = {"armed": False, "restoring": False}
    hook = audit_hook(state, check_read, check_write, report, {id(Protected): (Protected, {}, "m.Protected")}, {})
    hook("open", ("/c/source/a.ipynb", "r", 0))  # not armed yet: ipykernel's own start-up
    state["armed"] = True
    for event, args in [("open", ("/c/source/a.ipynb", "r", 0)), ("open", ("/home/x", "w", 0)),
                        ("socket.connect", (None, ("127.0.0.1", 80))), ("os.listdir", ("/c",)),
                        ("object.__setattr__", (Protected, "x", 1)), ("sqlite3.connect", ("/c/gradebook.db",))]:
        with pytest.raises(PermissionError):
            hook(event, args)
    hook("open", ("/tmp/ok", "w", 0))
    hook("socket.bind", (None, "/tmp/sock"))  # AF_UNIX inside the sandbox
    state["restoring"] = True
    hook("object.__setattr__", (Protected, "x", 1))  # the guard putting things back
    assert reports == ["read blocked", "write blocked", "network blocked", "read blocked", "patch blocked",
                       "read blocked"]


def test_snapshot_puts_back_replaced_helpers_rewritten_code_and_patched_classes(monkeypatch):
    import types

    from mlprereq.grading.kernel.snapshot import snapshot_guard

    mod = types.ModuleType("fake_helpers")

    def helper(x):
        return x

    class Thing:
        def close(self):
            return "real"

    mod.helper, mod.Thing = helper, Thing
    monkeypatch.setitem(sys.modules, "fake_helpers", mod)
    state, types_, code = {}, {}, {}
    take, restore, pin = snapshot_guard(SandboxSpec(protect_modules=("fake_helpers",),
                                                    protect_classes=("fake_helpers.Thing",)), state, types_, code)
    take()
    assert restore() == []  # nothing changed yet
    assert id(Thing) in types_ and code[id(helper)] == "fake_helpers.helper"  # what the audit hook refuses
    real_code = helper.__code__
    mod.helper = lambda x: "always right"
    helper.__code__ = (lambda x: "rewritten").__code__
    Thing.close = lambda self: "fake"
    other = types.ModuleType("fake_helpers")
    sys.modules["fake_helpers"] = other
    findings = restore()
    assert mod.helper is helper and helper.__code__ is real_code and Thing().close() == "real"
    assert sys.modules["fake_helpers"] is mod
    assert set(findings) == {"fake_helpers.helper was replaced", "fake_helpers.helper was rewritten",
                             "fake_helpers.Thing.close was replaced", "sys.modules['fake_helpers'] was replaced"}
    assert restore() == [] and state["restoring"] is False


def test_guard_channel_reports_each_event_once(tmp_path):
    from mlprereq.grading.kernel.channel import open_channel, reporter

    fifo = tmp_path / "channel"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    fd = open_channel(str(fifo))
    assert fd >= 0 and not fifo.exists()  # unlinked once open: no student code can open it again
    send, report = reporter(fd)
    report("read blocked", "/c/source")
    report("read blocked", "/c/source")
    send({"nonce": "n"})
    lines = os.read(reader, 65536).decode().splitlines()
    os.close(reader), os.close(fd)
    assert [json.loads(l) for l in lines] == [{"event": "read blocked", "detail": "/c/source"}, {"nonce": "n"}]
