"""Let a student check a whole notebook from inside it, and keep check tracebacks short.

    >>> from mlprereq import check_notebook
    >>> check_notebook()          # doctest: +SKIP
    ✓ linear_warmup            1 / 1
    ✗ brighten                 0 / 1  Value mismatch for result: 3 of 12 entries differ.
    · flatten_batch            0 / 1  not attempted
    Visible tests: 1 / 3 points. Hidden tests (6 more points) run when your notebook is graded.

``check_notebook`` runs every visible test cell of the open notebook in the
kernel's own namespace (it does not re-run the student's cells). It finds the
notebook on Colab (the frontend sends it), under jupyter-server (JupyterLab,
a hub: the kernel's ``JPY_SESSION_NAME``), or from an explicit ``path``.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

__all__ = ["check_notebook", "find_notebook", "install_short_tracebacks", "short_traceback"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


# ---------------------------------------------------------------- finding the notebook
def _colab_notebook() -> dict | None:
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import _message  # noqa: PLC0415 - only exists on Colab

        reply = _message.blocking_request("get_ipynb", request="", timeout_sec=30)
    except Exception:  # an old runtime, or the frontend did not answer
        return None
    return (reply or {}).get("ipynb")


def find_notebook(path=None, environ=None, user_ns=None) -> tuple[dict, str]:
    """The open notebook as a dict, and one sentence saying where it came from.

    Tried in order: ``path``; Colab's frontend; ``JPY_SESSION_NAME`` (set by
    jupyter-server for every kernel it starts) or IPython's ``__session__``;
    the only ``.ipynb`` in the working directory. Raises FileNotFoundError
    with what to pass otherwise.
    """
    environ = os.environ if environ is None else environ
    user_ns = user_ns or {}
    if path is not None:
        return json.loads(Path(path).read_text()), f"tests read from {path}"
    nb = _colab_notebook()
    if nb is not None:
        return nb, "tests read from this Colab notebook"
    session = environ.get("JPY_SESSION_NAME") or user_ns.get("__session__") or user_ns.get("__vsc_ipynb_file__")
    if session and Path(session).suffix == ".ipynb" and Path(session).is_file():
        return json.loads(Path(session).read_text()), f"tests read from the saved {Path(session).name}"
    found = sorted(Path.cwd().glob("*.ipynb"))
    if len(found) == 1:
        return json.loads(found[0].read_text()), f"tests read from {found[0].name}, the only notebook in this folder"
    raise FileNotFoundError(
        "Could not tell which notebook is open: call check_notebook('path/to/notebook.ipynb')."
    )


# ---------------------------------------------------------------- running the visible tests
@dataclass
class Result:
    exercise: str
    points: float
    earned: float
    status: str  # "pass", "fail", "not attempted"
    message: str = ""
    hidden_points: float = 0.0

    def line(self, width: int) -> str:
        mark = {"pass": "✓", "fail": "✗"}.get(self.status, "·")
        text = f"{mark} {self.exercise:<{width}} {_num(self.earned)} / {_num(self.points)}"
        return text + (f"  {self.message}" if self.message else "")


def _num(x: float) -> str:
    return f"{x:g}"


def _grading(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _has_code(source: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def _run(source: str, user_ns: dict, shell) -> BaseException | None:
    """Run one test cell's code in the student's namespace, hiding its prints and figures."""
    code = shell.transform_cell(source) if shell is not None else source
    try:
        from IPython.utils.capture import capture_output
    except ImportError:
        capture_output = None
    before = _figures()
    try:
        with (capture_output() if capture_output else contextlib.redirect_stdout(io.StringIO())):
            exec(compile(code, "<visible test>", "exec"), user_ns)
    except Exception as err:  # each failure is one line of the report, never a stop
        return err
    finally:
        _close_new_figures(before)
    return None


def _figures() -> set:
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt else set()


def _close_new_figures(before: set) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    for num in (set(plt.get_fignums()) - before) if plt else ():
        plt.close(num)


def verdict(err: BaseException | None) -> tuple[str, str] | None:
    """None for a pass, else (status, message): a NotImplementedError means the exercise is not attempted."""
    if err is None:
        return None
    if isinstance(err, NotImplementedError):
        return "not attempted", "not attempted"
    if isinstance(err, NameError) and _raised_in_test_cell(err):
        # The test names something no cell defined yet: the exercise's cell was not run (or not written).
        return "not attempted", f"not run yet ({_first_line(err)}): run its cell, then check again"
    return "fail", _first_line(err)


def _raised_in_test_cell(err: BaseException) -> bool:
    """Whether ``err`` came from the test cell's own code, not from inside the student's function."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename == "<visible test>"


def tally(nb: dict, outcome) -> list[Result]:
    """One Result per exercise with a visible test, in notebook order.

    ``outcome(cell)`` judges one visible test cell: None when it passed, else
    ``(status, message)`` as ``verdict`` gives. Emptied (hidden) test cells are
    not judged, only counted as points the grader adds.
    """
    results: dict[str, Result] = {}
    for cell in nb.get("cells", []):
        meta = _grading(cell)
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        exercise = meta.get("grade_id", "?").split("__", 1)[0]
        points = float(meta.get("points", 0) or 0)
        result = results.setdefault(exercise, Result(exercise, 0.0, 0.0, "pass"))
        if not _has_code(_source(cell)):  # an emptied hidden-test cell: counted, run at grading
            result.hidden_points += points
            continue
        result.points += points
        judged = outcome(cell)
        if judged is None:
            result.earned += points
        elif judged[0] == "fail" or result.status == "pass":  # one failure outweighs "not attempted"
            result.status, result.message = judged
    return [r for r in results.values() if r.points]


@dataclass
class Written:
    """A written answer: graded by a TA, so only whether it is answered can be told here."""
    question: str
    points: float
    answered: bool

    def line(self, width: int) -> str:
        state = "answered, a TA grades it" if self.answered else "not answered yet"
        return f"✎ {self.question:<{width}} {_num(self.points)} points, written: {state}"


# What nbgrader leaves in an emptied written-answer cell (its ``text_stub``).
ANSWER_STUB = "YOUR ANSWER HERE"


def written_answers(nb: dict) -> list[Written]:
    """The notebook's manually graded answers (nbgrader: solution and grade), in order, answered or not."""
    out = []
    for cell in nb.get("cells", []):
        meta = _grading(cell)
        if meta.get("solution") and meta.get("grade"):
            text = _source(cell).replace(ANSWER_STUB, "").strip()
            out.append(Written(meta.get("grade_id", "?"), float(meta.get("points", 0) or 0), bool(text)))
    return out


def summary_lines(results: list[Result], written: list[Written] = ()) -> list[str]:
    """One line per exercise and per written answer, then the totals (and the points still to come)."""
    width = max([len(r.exercise) for r in results] + [len(w.question) for w in written] + [8])
    earned, total = sum(r.earned for r in results), sum(r.points for r in results)
    hidden = sum(r.hidden_points for r in results)
    passed = sum(r.status == "pass" for r in results)
    lines = [r.line(width) for r in results] + [w.line(width) for w in written] + [
        f"Visible tests: {_num(earned)} / {_num(total)} points ({passed} of {len(results)} exercises pass)."
        + (f" Hidden tests ({_num(hidden)} more points) run when your notebook is graded." if hidden else "")]
    if written:
        answered = [w for w in written if w.answered]
        lines.append(f"Written answers: {len(answered)} of {len(written)} answered "
                     f"({_num(sum(w.points for w in written))} points, graded by a TA after you submit).")
    return lines


def run_visible_tests(nb: dict, user_ns: dict, shell=None) -> list[Result]:
    """Run each visible test cell in the student's namespace: one Result per exercise."""
    return tally(nb, lambda cell: verdict(_run(_source(cell), user_ns, shell)))


def check_notebook(path=None) -> list[Result]:
    """Run every visible test of the open notebook; print one line per exercise and a total."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    user_ns = shell.user_ns if shell is not None else vars(sys.modules["__main__"])
    nb, where = find_notebook(path, user_ns=user_ns)
    results = run_visible_tests(nb, user_ns, shell)
    print("\n".join(summary_lines(results, written_answers(nb))))
    print(f"({where}; run your exercise cells first: the tests use what the kernel has now.)")
    return results


# ---------------------------------------------------------------- short tracebacks
def _is_course_frame(frame) -> bool:
    name = frame.f_code.co_filename
    return (frame.f_locals.get("__tracebackhide__") or name.startswith(_PACKAGE_DIR)
            or f"{os.sep}IPython{os.sep}" in name)


def short_traceback(shell, etype, value, tb) -> list[str]:
    """The student's frames, one line each, then the message: the checks' own frames are left out."""
    lines = []
    while tb is not None:
        frame = tb.tb_frame
        if not _is_course_frame(frame):
            name = frame.f_code.co_filename
            where = shell.compile.format_code_name(name) if shell is not None and hasattr(shell.compile, "format_code_name") else None
            label = f"{where[0]} {where[1]}" if where else name
            import linecache

            code = linecache.getline(name, tb.tb_lineno).strip()
            lines.append(f"{label}, line {tb.tb_lineno}: {code}")
        tb = tb.tb_next
    message = str(value).strip()
    if etype is NotImplementedError and not message:
        message = "replace `raise NotImplementedError()` with your answer, then run the cell again."
    red, reset = "\x1b[0;31m", "\x1b[0m"
    return lines + [f"{red}{etype.__name__}{reset}: {message}"]


def _handler(shell, etype, value, tb, tb_offset=None):
    stb = short_traceback(shell, etype, value, tb)
    shell._showtraceback(etype, value, stb)  # sends the kernel's "error" output, as an ordinary failure does
    return None


def install_short_tracebacks(shell=None) -> bool:
    """Show AssertionError and NotImplementedError as the student's line plus the message; True if installed."""
    if shell is None:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            return False
    if shell is None:
        return False
    shell.set_custom_exc((AssertionError, NotImplementedError), _handler)
    return True
