"""The static review of a submission: what changed in its cells, and what its code tries.

Two checks that run in the grader, outside the student's kernel, so nothing the
student's code does at run time can change their result:

``integrity_notes``
    compares the submitted notebook with the released one: deleted,
    duplicated or edited test cells, cells whose type was changed, and course
    code cells deleted, edited, stripped of their metadata or moved. nbgrader
    restores test cells (OverwriteCells, with ``add_missing_cells``), and
    RestoreCourseCells the course cells; these notes say why a student's
    notebook differs from what ran.

``scan_code``
    reads (with ``ast``) every code cell the student wrote or changed and flags
    code that has no place in an exercise: replacing attributes of torch,
    numpy, builtins, mlprereq or IPython (monkeypatching), ``setattr`` on
    them, rebinding a name the tests use, editing ``sys.modules``, reaching
    for interpreter internals (``__subclasses__``, ``__globals__``, frames,
    ``gc``, ``ctypes``), dynamic code (``exec``, ``eval``, ``__import__``),
    the network, starting programs, and paths to the course's private files.

``review``
    both, for every notebook of a submission, plus what happened when it ran
    in the sandbox (its run records, status.py).

The run-time half (the guard in the kernel) is in kernel/ and sandbox.py.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import re
from pathlib import Path

import nbformat

from .. import notebooks
from . import status
from .course_cells import restore_course_cells
from .layout import CourseLayout

PROTECTED_ROOTS = {"torch", "numpy", "builtins", "mlprereq", "math", "sys", "IPython", "ipykernel", "unittest",
                   "__builtins__", "os", "importlib", "scipy", "einops", "colab_setup"}
ALLOWED_ASSIGN_PREFIXES = ("torch.backends.", "numpy.random.seed")
NETWORK_MODULES = {"socket", "urllib", "http", "requests", "httpx", "ftplib", "smtplib", "telnetlib", "ssl",
                   "aiohttp", "websocket", "websockets", "paramiko", "xmlrpc", "socketserver"}
EVASION_MODULES = {"ctypes", "cffi", "gc", "importlib", "builtins", "signal", "resource", "pty", "subprocess",
                   "multiprocessing", "inspect", "sqlite3", "shutil", "atexit", "marshal", "pickle", "dill", "codecs",
                   "base64", "zlib"}
EVASION_ATTRS = {"__subclasses__", "__globals__", "__code__", "__closure__", "__builtins__", "__kwdefaults__",
                 "__defaults__", "_getframe", "settrace", "setprofile", "addaudithook", "f_globals", "f_locals",
                 "f_back", "set_custom_exc", "showtraceback", "_showtraceback", "__import__", "__loader__",
                 "__setattr__", "__delattr__", "__dict__", "__mro__", "__bases__"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "vars", "breakpoint"}
OS_PROCESS = {"system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execlp", "execvp", "spawnv",
              "spawnl", "posix_spawn", "kill", "killpg", "_exit", "setsid", "setrlimit", "chdir", "chroot"}
PRIVATE_PATH = re.compile(r"gradebook|(^|[/\\])source([/\\]|$)|submitted|autograded|nbgrader_config|grading_status|"
                          r"grades\.csv|\.\.[/\\]\.\.|^/(root|home|etc|proc|work)\b", re.IGNORECASE)
MAGIC = re.compile(r"^\s*[%!]")
# Methods by which an object decides how it compares or converts, whatever the checks ask.
COMPARISON_HOOKS = {"__torch_function__", "__torch_dispatch__", "__array_ufunc__", "__array_function__",
                    "__array__", "__array_interface__", "__array_priority__", "__eq__", "__ne__", "__lt__", "__le__",
                    "__gt__", "__ge__", "__bool__", "__float__", "__int__", "__index__", "__complex__"}
DISPATCH_MODES = {"TorchFunctionMode", "TorchDispatchMode", "_push_mode", "_pop_mode", "enable_torch_function_mode",
                  "_set_torch_function_mode", "TorchFunctionModeMeta"}
MAX_FLAGS = 25


def _load(path: Path):
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - unreadable: the caller reports that elsewhere
        return None


@functools.lru_cache(maxsize=16)
def _load_unchanged(path: str, mtime_ns: int, size: int):
    return _load(Path(path))


def load_course_notebook(path: Path):
    """A source/ or release/ notebook: the same for every submission, so read (and validated) once per process;
    None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    nb = _load_unchanged(str(path), stat.st_mtime_ns, stat.st_size)
    return copy.deepcopy(nb) if nb is not None else None


# -- integrity -----------------------------------------------------------------------------------------
def integrity_notes(submitted, release) -> list[str]:
    """Deleted / duplicated / edited test cells and changed cell types, one sentence each."""
    notes = []
    expected = {notebooks.meta(c)["grade_id"]: c for c in release.cells if notebooks.meta(c).get("grade_id")}
    seen: dict[str, list] = {}
    for cell in submitted.cells:
        gid = notebooks.meta(cell).get("grade_id")
        if gid:
            seen.setdefault(gid, []).append(cell)
    for gid, original in expected.items():
        is_test = notebooks.is_test(original)
        kind = "test cell" if is_test else "cell"
        copies = seen.get(gid, [])
        if not copies:
            if is_test or notebooks.meta(original).get("grade"):
                notes.append(f"{kind} {gid} was deleted (restored and graded)")
            continue
        if len(copies) > 1:
            # nbgrader's DeduplicateIds keeps the metadata of the last copy (and runs every copy in order).
            notes.append(f"{kind} {gid} appears {len(copies)} times (the last one is graded)")
        cell = copies[-1]
        if cell.cell_type != original.cell_type:
            notes.append(f"{kind} {gid} was changed from {original.cell_type} to {cell.cell_type} (restored)")
        elif is_test and cell.source.strip() != original.source.strip():
            notes.append(f"test cell {gid} was edited (restored)")
    return notes + restore_course_cells(submitted.cells, release.cells)[1] + course_cell_notes(submitted, release)


def course_cell_notes(submitted, release) -> list[str]:
    """A note for each course-authored code cell left unlocked in the release (no nbgrader metadata: a
    course whose masters were not stamped) that the submission no longer holds as released. Such cells are
    not restored, but the tests' comparisons happen in the grader (differential.py), so an edit gains
    nothing; the note says why the notebook differs. Locked course cells are restored (course_cells.py).

    >>> course_cell_notes(student_nb, release_nb)
    ['the course cell starting "from mlprereq.checks import ..." was edited or deleted']
    """
    kept = {c.source.strip() for c in submitted.cells if c.cell_type == "code"}
    notes = []
    for cell in release.cells:
        source = cell.source.strip()
        if cell.cell_type != "code" or notebooks.meta(cell) or not source or source in kept:
            continue
        first = next((l for l in source.splitlines() if l.strip() and not l.lstrip().startswith("#")), source)
        notes.append(f"the course cell starting {first[:60]!r} was edited or deleted")
    return notes


# -- static scan --------------------------------------------------------------------------------------
def _parse(source: str):
    lines = ["pass" if MAGIC.match(line) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _root_name(node):
    """The name an attribute/subscript chain starts from, and the dotted path (best effort)."""
    parts = []
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            parts.append("[...]")
            node = node.value
        else:
            if isinstance(node.func, ast.Name) and node.func.id == "get_ipython":
                return "IPython", ["get_ipython()", *reversed(parts)]
            node = node.func
    if isinstance(node, ast.Name):
        return node.id, [node.id, *reversed(parts)]
    return None, list(reversed(parts))


def _imports(tree) -> dict[str, str]:
    """name bound by an import -> the module (or module.attr) it refers to."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _top_level_bindings(tree) -> dict[str, str]:
    """name -> how a module-level statement binds it ('def', 'assign', 'import:<module>')."""
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = "def"
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for name in _target_names(targets):
                out[name] = "assign"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for name, module in _imports(ast.Module(body=[node], type_ignores=[])).items():
                out[name] = f"import:{module}"
        elif isinstance(node, (ast.For, ast.With, ast.If, ast.Try)):
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    out.setdefault(n.id, "assign")
    return out


def course_cell_names(source: str) -> tuple[str, ...]:
    """The names a course cell imports or defines at top level (``def``, ``class``, ``import``): the helpers
    the grading guard pins after it runs (kernel/snapshot.py). Plain assignments are left out: a student
    may reuse a demo's variable name."""
    tree = _parse(source)
    if tree is None:
        return ()
    return tuple(n for n, how in _top_level_bindings(tree).items() if how == "def" or how.startswith("import:"))


def _target_names(targets) -> list[str]:
    """Names bound by assignment targets (``a``, ``a, b``, ``*a``), not ``a.x`` or ``a[i]``."""
    names = []
    for t in targets:
        if isinstance(t, ast.Name):
            names.append(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            names += _target_names(t.elts)
        elif isinstance(t, ast.Starred):
            names += _target_names([t.value])
    return names


def _loaded_names(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@dataclasses.dataclass(frozen=True)
class Reference:
    """What the scan needs to know of the course's own notebook: the same for every submission."""
    release_sources: frozenset  # code cells as released (a student cell equal to one was not written by them)
    aliases: dict  # name -> module, from the notebook's imports
    bindings: dict  # name -> how a non-test cell binds it at top level
    test_names: frozenset  # names the test cells use or bind
    test_imports: dict  # name -> module, from the test cells' imports


def reference_facts(release, master=None) -> Reference:
    """The :class:`Reference` of a notebook (``master`` when given: it has the hidden tests too)."""
    aliases: dict[str, str] = {}
    bindings: dict[str, str] = {}
    test_names: set[str] = set()
    test_imports: dict[str, str] = {}
    for cell in (master or release).cells:
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        aliases.update(_imports(tree))
        if notebooks.is_test(cell):
            test_names |= _loaded_names(tree) | set(_top_level_bindings(tree))
            test_imports.update(_imports(tree))
        else:
            bindings.update(_top_level_bindings(tree))
    release_sources = frozenset(c.source.strip() for c in release.cells if c.cell_type == "code")
    return Reference(release_sources, aliases, bindings, frozenset(test_names), test_imports)


@functools.lru_cache(maxsize=16)
def _reference_unchanged(release_key: tuple, master_key: tuple) -> Reference | None:
    release, master = _load_unchanged(*release_key), _load_unchanged(*master_key)
    return None if release is None or master is None else reference_facts(release, master)


def _stat_key(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


def course_reference(release_path: Path, master_path: Path) -> Reference | None:
    """:func:`reference_facts` of a release/master pair, worked out once per process while the files are unchanged."""
    keys = _stat_key(release_path), _stat_key(master_path)
    return None if None in keys else _reference_unchanged(*keys)


def scan_code(submitted, release, master=None, reference: Reference | None = None) -> list[str]:
    """Flags for review, one sentence each, for code the student wrote or changed.

    ``reference``: the :func:`reference_facts` of ``release``/``master``, when already known.
    """
    ref = reference or reference_facts(release, master)
    aliases = dict(ref.aliases)
    reference_bindings, test_names, test_imports = ref.bindings, ref.test_names, ref.test_imports
    release_sources = ref.release_sources

    flags: list[str] = []

    def flag(where: str, text: str) -> None:
        entry = f"{where}: {text}"
        if entry not in flags and len(flags) < MAX_FLAGS:
            flags.append(entry)

    student_cells = []
    for index, cell in enumerate(submitted.cells):
        if cell.cell_type != "code" or notebooks.is_test(cell) or cell.source.strip() in release_sources:
            continue
        tree = _parse(cell.source)
        if tree is not None:
            student_cells.append((index, cell, tree))
            aliases.update({k: v for k, v in _imports(tree).items() if k not in aliases})

    def protected(name: str | None) -> str | None:
        if name is None:
            return None
        module = aliases.get(name, name if name in PROTECTED_ROOTS else None)
        if module is None:
            return None
        return module if module.split(".")[0] in PROTECTED_ROOTS else None

    for index, cell, tree in student_cells:
        where = f"cell {index}" + (f" ({notebooks.meta(cell)['grade_id']})" if notebooks.meta(cell).get("grade_id") else "")
        for node in ast.walk(tree):
            # monkeypatching: assigning to / deleting an attribute or item of a protected module
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for t in targets:
                for sub in ([*t.elts] if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)):
                        root, path = _root_name(sub)
                        module = protected(root)
                        dotted = ".".join([module or root or "?", *path[1:]])
                        if module and not dotted.startswith(ALLOWED_ASSIGN_PREFIXES):
                            flag(where, f"changes {dotted} (monkeypatching)")
                        elif any(p in ("__dict__", "__globals__", "__code__", "__builtins__", "__class__") for p in path):
                            flag(where, f"changes {'.'.join(p for p in path if p)} (interpreter internals)")
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else None
                if name in DYNAMIC_CALLS:
                    if name in ("setattr", "delattr") and node.args:
                        root, path = _root_name(node.args[0])
                        target = protected(root) or ".".join(p for p in path if p)
                        flag(where, f"{name}() on {target}" + (" (monkeypatching)" if protected(root) else ""))
                    elif name in ("globals", "vars"):
                        pass  # reading them is harmless; writes are caught as item assignment below
                    else:
                        flag(where, f"calls {name}() (dynamic code)")
                if isinstance(func, ast.Attribute):
                    root, path = _root_name(func)
                    module = protected(root)
                    if module == "os" and func.attr in OS_PROCESS:
                        flag(where, f"calls os.{func.attr}()")
                    if module and module.startswith("sys") and func.attr in ("settrace", "setprofile", "_getframe",
                                                                            "addaudithook", "setrecursionlimit"):
                        flag(where, f"calls sys.{func.attr}()")
                    if func.attr == "update" and len(path) >= 2 and path[-2] in ("__dict__", "modules"):
                        flag(where, f"updates {'.'.join(path[:-1])}")
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
                root, path = _root_name(node.value)
                if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and \
                        node.value.func.id in ("globals", "vars"):
                    flag(where, f"writes into {node.value.func.id}() (rebinding names behind the tests' back)")
                elif path[-1:] == ["modules"] and protected(root) == "sys":
                    flag(where, "edits sys.modules")
            if isinstance(node, ast.ClassDef):
                hooks = sorted({f.name for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                                and f.name in COMPARISON_HOOKS} | {t.id for a in node.body if isinstance(a, ast.Assign)
                                                                   for t in a.targets if isinstance(t, ast.Name)
                                                                   and t.id in COMPARISON_HOOKS})
                if hooks:
                    flag(where, f"class {node.name} defines {', '.join(hooks)} (decides how its results compare)")
            if isinstance(node, (ast.Name, ast.Attribute)) and (getattr(node, "id", None) or getattr(node, "attr", None)) \
                    in DISPATCH_MODES:
                flag(where, f"uses {getattr(node, 'id', None) or node.attr} (changes how torch computes and compares)")
            if isinstance(node, ast.Attribute) and node.attr in EVASION_ATTRS:
                flag(where, f"uses .{node.attr} (interpreter internals)")
            if isinstance(node, ast.Name) and node.id == "__builtins__":
                flag(where, "uses __builtins__")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for module in names:
                    top = module.split(".")[0]
                    if top in NETWORK_MODULES:
                        flag(where, f"imports {module} (network)")
                    elif top in EVASION_MODULES:
                        flag(where, f"imports {module}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and PRIVATE_PATH.search(node.value):
                flag(where, f"mentions {node.value[:60]!r} (the course's private files?)")
        # rebinding, at top level, a name the tests use, other than the way the notebook itself binds it
        for name, how in _top_level_bindings(tree).items():
            if name not in test_names:
                continue
            ref = reference_bindings.get(name) or (f"import:{test_imports[name]}" if name in test_imports else None)
            if how == ref or (ref in ("def", "assign") and how in ("def", "assign")):
                continue
            what = f"to {how[7:]}" if how.startswith("import:") else "to its own object"
            flag(where, f"rebinds {name!r}, which the tests use, {what}")
    return flags


# -- one submission ------------------------------------------------------------------------------------
def review_submission(root: Path, assignment: str, student: str) -> tuple[list[str], list[str]]:
    """(notes, flags) for every notebook of a student's submission."""
    layout = CourseLayout.at(root)
    notes: list[str] = []
    flags: list[str] = []
    masters = layout.masters(assignment)
    for master_path in masters:
        name = master_path.name
        submitted = _load(layout.submitted(student, assignment) / name)
        release = load_course_notebook(layout.release(assignment) / name)
        if submitted is None or release is None:
            continue
        reference = course_reference(layout.release(assignment) / name, master_path)
        if reference is None:
            continue
        prefix = "" if len(masters) == 1 else f"{master_path.stem}: "
        notes += [prefix + n for n in integrity_notes(submitted, release)]
        flags += [prefix + f for f in scan_code(submitted, release, reference=reference)]
    flags += extra_code_files(layout.submitted(student, assignment), layout.release(assignment))
    return notes, flags


CODE_SUFFIXES = {".py", ".pyc", ".pth", ".so", ".pyd", ".pyw", ".ipy"}


def extra_code_files(submitted: Path, release: Path) -> list[str]:
    """A flag for Python code in the submission that the release did not have (``einops.py``, ``x.pth``).

    The kernel never imports it (kernels start with ``python -P`` and the course's own path first), so it
    costs nothing; but a student who uploads a module named like a library meant something by it.
    """
    if not submitted.is_dir():
        return []
    ours = {p.relative_to(release) for p in release.rglob("*")} if release.is_dir() else set()
    found = sorted(str(p.relative_to(submitted)) for p in submitted.rglob("*")
                   if p.is_file() and p.suffix in CODE_SUFFIXES and p.relative_to(submitted) not in ours
                   and ".ipynb_checkpoints" not in p.parts)
    if not found:
        return []
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return [f"files: the submission holds Python code the release does not ({shown}); the grader does not run it"]


def review(root: Path, assignment: str, student: str) -> tuple[list[str], list[str]]:
    """(notes, flags): what the submission changed, what its code tries and what happened
    when it ran in the sandbox (its run records). Never raises."""
    try:
        notes, flags = review_submission(root, assignment, student)
    except Exception as err:  # noqa: BLE001 - a review must never cost a grade
        notes, flags = [], [f"review: could not read the submission ({type(err).__name__})"]
    for notebook, record in status.load_run_records(root, assignment, student).items():
        notes += [n for n in record.get("notes", []) if n not in notes]
        flags += [f"run: {f}" for f in record.get("flags", [])]
        if record.get("sandbox") not in (None, "bwrap"):
            notes.append(f"graded without the sandbox ({record.get('sandbox')})")
    return notes, flags
