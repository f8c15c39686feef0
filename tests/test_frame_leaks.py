"""While a student's code runs inside a hidden test, nothing in the test's frames gives the answer away.

A student's function is called by the hidden test; it can walk up the call stack (``sys._getframe``, an
exception's traceback) and read the test's local variables, or call the functions the test cell defined.
If the test computed its expected value before the call (``expected = ref(x); check(f(x), expected)``), or
defined a reference helper in the cell, a wrong function can return that and earn the points.

The probe runs each master in a kernel with the grader's view of the hidden tests (the source the grader
sends, lazy_free.py, and the checks recording instead of comparing, so every case of a test runs), and
watches the master's own functions: whenever one returns inside a hidden test, every value the test's frames
hold and every function the test cell defined (called with the same arguments) is compared with the
result. Answers given as data (a dict of predictions) are watched the same way whenever the test reads them.
"""
import ast
import json
import textwrap

import pytest

from conftest import MASTERS
from mlprereq import notebooks, qa
from mlprereq.grading.lazy_free import without_references

pytestmark = pytest.mark.slow

PROBE = r'''
import sys as _s_sys, types as _s_types, re as _s_re
import numpy as _s_np, torch as _s_torch

class _mlprereq_grading_guard(int):
    """As under the grader: the checks record (here: accept) instead of comparing, so every case runs."""
    @staticmethod
    def record(*args, **kwargs):
        return True

_S = {"leaks": [], "busy": False, "codes": {}, "names": set(), "cell": "", "returned": []}
_S_NAMED = _s_re.compile(r"expect|truth|want|ref|answer|correct|target|right|solution", _s_re.I)

def _s_array(v):
    if isinstance(v, _s_torch.Tensor):
        if v.is_complex() or v.layout != _s_torch.strided:
            return None
        return _s_np.asarray(v.detach().cpu().double())
    if isinstance(v, _s_np.ndarray) and v.dtype.kind in "biuf":
        return v.astype(float)
    return None

def _s_same(v, r, name):
    a, b = _s_array(v), _s_array(r)
    if a is not None and b is not None:
        if a.shape != b.shape or a.size < 2 or not _s_np.isfinite(b).any():
            return False
        return bool(_s_np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True))
    if type(r) is float and type(v) is float and r != round(r):
        return abs(v - r) <= 1e-9 * max(1.0, abs(r))
    if isinstance(r, (int, float, bool, tuple, list, str, dict)) and type(v) is type(r) and _S_NAMED.search(name):
        try:
            return bool(v == r)
        except Exception:
            return False
    return False

def _s_frames(start):
    f = start
    while f is not None and f.f_globals is globals():
        yield f
        f = f.f_back

def _s_candidates(frame):
    if frame.f_code.co_name == "<module>":
        names = [n for n in _S["names"] if n in frame.f_locals]
    else:
        names = list(frame.f_locals)
    for n in names:
        v = frame.f_locals[n]
        yield n, v
        if isinstance(v, (tuple, list)) and len(v) <= 50:
            for i, item in enumerate(v):
                yield f"{n}[{i}]", item
        elif type(v) is dict and len(v) <= 50:
            for k, item in list(v.items()):
                yield f"{n}[{k!r}]", item

def _s_scan(what, result, args, kwargs, start):
    stack = {f.f_code for f in _s_frames(start)}
    for frame in _s_frames(start):
        for name, v in _s_candidates(frame):
            if any(v is a for a in args) or any(_s_same(v, a, "") for a in args) or any(v is r for r in _S["returned"]):
                continue  # the call's own inputs, or what the student's code returned before
            if _s_same(v, result, name):
                _S["leaks"].append(f"{_S['cell']}: {what} returned what {frame.f_code.co_name}'s {name} holds")
            elif (isinstance(v, _s_types.FunctionType) and v.__code__.co_filename == frame.f_code.co_filename
                  and v.__code__ not in stack and v.__code__ not in _S["codes"]):
                try:
                    got = v(*args, **kwargs)
                except BaseException:
                    continue
                if _s_same(got, result, "result"):
                    _S["leaks"].append(f"{_S['cell']}: {what} returned what the test's {v.__name__}() gives")

def _s_profile(frame, event, arg):
    if event != "return" or _S["busy"]:
        return
    what = _S["codes"].get(frame.f_code)
    if what is None:
        return
    _S["busy"] = True
    try:
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        names = code.co_varnames[:n + bool(code.co_flags & 4) + bool(code.co_flags & 8)]
        args = tuple(frame.f_locals.get(v) for v in names)
        _s_scan(what, arg, args, {}, frame.f_back)
        _S["returned"].append(arg)
    except Exception as err:
        _S["leaks"].append(f"{_S['cell']}: the probe failed on {what}: {err!r}")
    finally:
        _S["busy"] = False

class _SWatched(dict):
    """An answer given as data: each key the test reads is checked against the test's frames."""
    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if not _S["busy"]:
            _S["busy"] = True
            try:
                _s_scan(f"{_S['answer']}[{key!r}]", value, (), {}, _s_sys._getframe(1))
            finally:
                _S["busy"] = False
        return value
    def get(self, key, default=None):
        return self[key] if key in self else default
'''


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return ({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            | {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))})


def _watch(exercise: str, test_source: str) -> str:
    """Kernel code: watch the exercise's functions (or its dict of answers) while ``test_source`` runs."""
    return textwrap.dedent(f"""
        _S["leaks"], _S["cell"], _S["answer"], _S["returned"] = [], "", {exercise!r}, []
        _S["names"] = {sorted(_assigned_names(test_source))!r}
        _s_target = globals().get({exercise!r})
        _S["codes"] = {{}}
        if isinstance(_s_target, _s_types.FunctionType):
            _S["codes"][_s_target.__code__] = {exercise!r}
        elif isinstance(_s_target, type):
            for _s_v in vars(_s_target).values():
                if isinstance(_s_v, _s_types.FunctionType):
                    _S["codes"][_s_v.__code__] = f"{exercise}.{{_s_v.__name__}}"
        elif type(_s_target) is dict:
            globals()[{exercise!r}] = _SWatched(_s_target)
        """)


def _leaks_in(master) -> list[str]:
    leaks = []
    with qa.AnswerProbe(master) as probe:
        answers = notebooks.solution_names(probe.nb)
        probe._run(PROBE)
        for exercise in notebooks.exercises(probe.nb):
            for gid in notebooks.tests_of(probe.nb, exercise):
                test = probe.by_grade_id[gid]
                if "### BEGIN HIDDEN TESTS" not in test.source:
                    continue
                source = without_references(test.source, answers) or test.source
                probe._run(_watch(exercise, source) + f"\n_S['cell'] = {gid!r}\n_s_sys.setprofile(_s_profile)")
                try:
                    probe._run(source, like=test)
                finally:
                    out = probe._run("_s_sys.setprofile(None)\nimport json as _s_json\nprint(_s_json.dumps(_S['leaks']))")
                    probe._run(probe.solutions[exercise].source)  # the master's answer back, unwrapped
                printed = "".join(o.get("text", "") for o in out.outputs if o.get("output_type") == "stream")
                leaks += json.loads(printed.strip().splitlines()[-1])
    return leaks


def test_no_hidden_test_holds_its_answer_where_the_students_code_can_read_it(master):
    leaks = _leaks_in(master)
    assert not leaks, "hidden tests that leave the answer readable from the student's code:\n" + "\n".join(leaks)


def test_the_probe_finds_an_answer_computed_before_the_call(tmp_path):
    """The probe itself can fail: a hidden test with an eager expected value and a reference helper is caught."""
    import nbformat

    master = nbformat.read(MASTERS[0], as_version=4)
    nb = nbformat.v4.new_notebook(metadata=master.metadata)
    nb.cells = [
        nbformat.v4.new_code_cell("import torch\nfrom mlprereq.checks import assert_all_close"),
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                                  metadata={"nbgrader": {"grade_id": "double", "solution": True, "grade": False,
                                                         "locked": False, "schema_version": 3}}),
        nbformat.v4.new_code_cell(
            # _expected: used by a plain assert, so it stays in the kernel; _sent: a check's value only, so the
            # grader's source never computes it; _helper: defined in the cell, callable from the student's code.
            "### BEGIN HIDDEN TESTS\n_x = torch.arange(5.0)\n_expected = _x * 2\nassert (double(_x) == _expected).all()\n"
            "_sent = (_x + 7) * 2\nassert_all_close(double(_x + 7), _sent)\n"
            "def _helper(x):\n    return x + x\nfor _k in range(2):\n    assert (double(_x + _k) == _helper(_x + _k)).all()\n"
            "### END HIDDEN TESTS",
            metadata={"nbgrader": {"grade_id": "double__hidden", "grade": True, "solution": False, "locked": True,
                                   "points": 1, "schema_version": 3}}),
        nbformat.v4.new_code_cell("answers = {'a': 3.5}",
                                  metadata={"nbgrader": {"grade_id": "answers", "solution": True, "grade": False,
                                                         "locked": False, "schema_version": 3}}),
        nbformat.v4.new_code_cell(
            "### BEGIN HIDDEN TESTS\n_truth = {'a': 7 / 2}\nassert answers['a'] == _truth['a']\n### END HIDDEN TESTS",
            metadata={"nbgrader": {"grade_id": "answers__hidden", "grade": True, "solution": False, "locked": True,
                                   "points": 1, "schema_version": 3}}),
    ]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    leaks = _leaks_in(path)
    assert any("double__hidden" in leak and "_expected" in leak for leak in leaks), leaks
    assert any("answers__hidden" in leak and "_truth" in leak for leak in leaks), leaks
    assert any("double__hidden" in leak and "_helper()" in leak for leak in leaks), leaks
    assert not any("_sent" in leak for leak in leaks), leaks
