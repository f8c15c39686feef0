"""The objects test cells rely on: a snapshot taken before any student code, compared and put back.

What is kept: the protected modules' contents (builtins, numpy, torch, mlprereq.checks, ...),
the code, defaults and kwdefaults of their functions, protected classes (torch.Tensor),
IPython's shell and kernel (how errors are reported, transformers, callbacks), and the
names test cells bound to protected helpers and modules (pinned after each test).
:func:`restore` puts back whatever changed and says what it found.

    >>> take, restore, pin = snapshot_guard(SandboxSpec(protect_modules=("math",)), state, {}, {})
    >>> take(); math.sqrt = abs; restore()
    ['math.sqrt was replaced']
"""
from __future__ import annotations

import os
import sys


def library_folders() -> tuple[str, ...]:
    """Where installed code lives, worked out before any student code: the prefixes, the standard library and
    every site-packages folder on sys.path. A venv may share another one's packages through a .pth file
    (the hub's does, hub/hubctl.py): its libraries are then outside its own prefix."""
    import site
    import sysconfig

    folders = {sys.prefix, sys.base_prefix, *sysconfig.get_paths().values()}
    try:
        folders.update(site.getsitepackages())
    except AttributeError:  # an old virtualenv's site module
        pass
    folders.update(p for p in sys.path if os.path.basename(p.rstrip(os.sep)) in ("site-packages", "dist-packages"))
    return tuple(sorted({f.rstrip(os.sep) for f in folders if f and os.path.isabs(f)}))


def snapshot_guard(spec, state: dict, protected_types: dict, protected_code: dict):
    """``(take_snapshot, restore, pin_test_names)`` for ``spec.protect_modules`` / ``spec.protect_classes``.

    ``state`` is shared with the audit hook: ``restoring`` is set while putting things back, and
    ``protected_types`` / ``protected_code`` are filled here for the hook to refuse changes to them.
    """
    import importlib
    import types
    from itertools import repeat
    from operator import attrgetter, is_not

    _id, _isinstance, _tuple, _dict = id, isinstance, tuple, dict
    sep = os.sep
    protect_modules, protect_classes = _tuple(spec.protect_modules), _tuple(spec.protect_classes)
    state.setdefault("restoring", False)
    state.setdefault("ids", None)

    MISSING = object()
    snap_modules: dict = {}   # name -> (module, dict copy)
    snap_code: dict = {}      # id -> (function, code, defaults, kwdefaults, qualified name)
    code_columns: list = []   # the functions, and their code, defaults and kwdefaults, as columns (see code_drifted)
    code_parts = (attrgetter("__code__"), attrgetter("__defaults__"), attrgetter("__kwdefaults__"))

    def take_snapshot() -> None:
        """Called by arm(): after ipykernel has set up builtins, before any student code."""
        snap_modules.clear(), snap_code.clear(), protected_code.clear(), protected_types.clear()
        state["ids"] = None
        for name in protect_modules:
            try:
                module = importlib.import_module(name)
            except Exception:
                continue
            contents = _dict(vars(module))
            snap_modules[name] = (module, contents)
            for attr, value in contents.items():
                if _isinstance(value, types.FunctionType):
                    snap_code[_id(value)] = (value, value.__code__, value.__defaults__, value.__kwdefaults__,
                                             f"{name}.{attr}")
                    protected_code[_id(value)] = f"{name}.{attr}"
        for dotted in protect_classes:
            module_name, _, cls_name = dotted.rpartition(".")
            try:
                cls = getattr(importlib.import_module(module_name), cls_name)
            except Exception:
                continue
            protected_types[_id(cls)] = (cls, _dict(vars(cls)), dotted)
        entries = list(snap_code.values())
        code_columns[:] = [_tuple(e[i] for e in entries) for i in range(4)]

    # The guard runs around every test cell, over thousands of names: these first passes loop in C
    # (map, any), and the slow, reporting loops below run only for what actually changed.
    def drifted(live, contents) -> bool:
        """Whether ``live`` no longer maps every name of ``contents`` to the very same object."""
        return any(map(is_not, map(live.get, _tuple(contents), repeat(MISSING)), contents.values()))

    def code_drifted() -> bool:
        functions = code_columns[0] if code_columns else ()
        return any(any(map(is_not, map(part, functions), column)) for part, column in zip(code_parts, code_columns[1:]))

    # Import the protected modules now (the notebooks use them anyway), so arm() is quick.
    for name in protect_modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass

    set_type_attr, del_type_attr = type.__setattr__, type.__delattr__
    sysmodules = sys.modules
    ipython: dict = {}   # filled by arm(): the shell and what it relies on to report errors

    SHELL_ATTRS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback", "_showtraceback",
                   "showsyntaxerror", "showindentationerror", "CustomTB", "InteractiveTB", "SyntaxTB",
                   "transform_cell", "transform_ast", "set_custom_exc", "displayhook", "display_pub",
                   "_run_cell", "should_run_async", "excepthook", "get_exception_only", "ex", "ev")

    def capture_ipython():
        try:
            from IPython.core.getipython import get_ipython
            shell = get_ipython()
        except Exception:
            return
        if shell is None:
            return
        ipython["shell"] = shell
        ipython["attrs"] = {a: shell.__dict__.get(a, MISSING) for a in SHELL_ATTRS}
        ipython["classes"] = [(c, _dict(vars(c))) for c in type(shell).__mro__ if c.__module__.startswith(("IPython", "ipykernel"))]
        kernel = getattr(shell, "kernel", None)
        if kernel is not None:
            ipython["kernel"] = kernel
            ipython["kernel_attrs"] = {a: kernel.__dict__.get(a, MISSING) for a in
                                       ("do_execute", "execute_request", "send_response", "session", "shell_handlers")}
            ipython["classes"] += [(c, _dict(vars(c))) for c in type(kernel).__mro__ if c.__module__.startswith("ipykernel")]
        ipython["ast_transformers"] = list(shell.ast_transformers)
        ipython["input_transformers_post"] = list(shell.input_transformers_post)
        ipython["callbacks"] = {k: list(v) for k, v in shell.events.callbacks.items()}

    # ipykernel swaps these in and out around every execution (stdin forwarding).
    KERNEL_MANAGED = frozenset({"input", "raw_input", "getpass"})
    pinned: dict = {}   # user-namespace names bound by test cells and course cells -> the object they held
    pinned_by: dict = {}  # name -> "used by the tests" / "bound by a course cell", for the finding

    def package_dir(module_name: str):
        top = sysmodules.get(module_name.split(".")[0])
        path = getattr(top, "__file__", None)
        return os.path.dirname(path) if path else None

    def code_file(obj):
        obj = getattr(obj, "__func__", obj)
        code = getattr(obj, "__code__", None)
        return getattr(code, "co_filename", None)

    def library_upgrade(new, old, owner: str) -> bool:
        """The library itself replaced ``old`` by a wrapper of it (torch._dynamo wraps torch.manual_seed on
        first use): a function of the same package whose __wrapped__ chain leads to ``old``."""
        folder = package_dir(owner)
        where = code_file(new)
        if not folder or not where or not (where == folder or where.startswith(folder + sep)):
            return False
        seen_ids = 0
        while new is not None and seen_ids < 10:
            if new is old:
                return True
            new = getattr(new, "__wrapped__", None)
            seen_ids += 1
        return False

    libraries = library_folders()
    from threading import get_ident

    def library_code(obj) -> bool:
        where = code_file(obj)
        return bool(where) and any(where.startswith(p + sep) for p in libraries)

    def restore() -> list:
        findings = []
        state["restoring"] = True
        try:
            for name, (module, contents) in snap_modules.items():
                live = vars(module)
                for attr, value in (contents.items() if name == "builtins" or drifted(live, contents) else ()):
                    if name == "builtins" and attr in KERNEL_MANAGED:
                        continue
                    if live.get(attr, MISSING) is not value:
                        if library_upgrade(live.get(attr), value, name):
                            contents[attr] = live[attr]  # accept the library's own wrapper from now on
                            state["ids"] = None
                            continue
                        findings.append(f"{name}.{attr} was replaced")
                        live[attr] = value
                if name == "builtins":
                    for attr in [a for a in live if a not in contents and a not in KERNEL_MANAGED]:
                        findings.append(f"builtins.{attr} was added")
                        del live[attr]
                if sysmodules.get(name) is not module:
                    findings.append(f"sys.modules[{name!r}] was replaced")
                    sysmodules[name] = module
            for fn, code, defaults, kwdefaults, qual in (snap_code.values() if code_drifted() else ()):
                if fn.__code__ is not code or fn.__defaults__ is not defaults or fn.__kwdefaults__ is not kwdefaults:
                    findings.append(f"{qual} was rewritten")
                    fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults
            for cls, contents, qual in protected_types.values():
                findings += restore_class(cls, contents, qual)
            shell = ipython.get("shell")
            if shell is not None:
                findings += restore_instance(shell, ipython["attrs"], "IPython shell")
                for cls, contents in ipython["classes"]:
                    findings += restore_class(cls, contents, cls.__name__)
                kernel = ipython.get("kernel")
                if kernel is not None:
                    findings += restore_instance(kernel, ipython["kernel_attrs"], "kernel")
                if shell.custom_exceptions:
                    findings.append("a custom exception handler was installed")
                    shell.custom_exceptions, shell.CustomTB = (), ipython["attrs"]["CustomTB"] if ipython["attrs"]["CustomTB"] is not MISSING else shell.CustomTB
                    shell.__dict__.pop("CustomTB", None)
                for key, original in (("ast_transformers", ipython["ast_transformers"]),
                                      ("input_transformers_post", ipython["input_transformers_post"])):
                    if list(getattr(shell, key)) != original:
                        findings.append(f"IPython {key} were changed")
                        setattr(shell, key, list(original))
                # Libraries register callbacks (matplotlib-inline flushes figures after each cell); a callback
                # defined by the student's own code is removed.
                for event, live_callbacks in shell.events.callbacks.items():
                    for cb in list(live_callbacks):
                        if cb not in ipython["callbacks"].get(event, []) and not library_code(cb):
                            findings.append(f"an IPython {event} callback was added")
                            live_callbacks.remove(cb)
                    for cb in ipython["callbacks"].get(event, []):
                        if cb not in live_callbacks:
                            findings.append(f"an IPython {event} callback was removed")
                            live_callbacks.append(cb)
                user_ns = shell.user_ns
                for name, value in pinned.items():
                    if user_ns.get(name, MISSING) is not value:
                        findings.append(f"the name {name!r} {pinned_by[name]} was rebound")
                        user_ns[name] = value
                # A global named like a builtin hides it from the tests too (`sorted = lambda *a: []`).
                for name in user_ns.keys() & shadowable:
                    before = ns_builtins.get(name, MISSING)
                    if user_ns[name] is not before and name not in pinned:
                        findings.append(f"the name {name!r} hid the builtin {name!r} from the tests")
                        if before is MISSING:
                            del user_ns[name]
                        else:
                            user_ns[name] = before
            findings += own_threads()
        finally:
            state["restoring"] = False
        return findings

    def own_threads() -> list:
        """A thread running the notebook's own code (a function defined in a cell) while tests run could
        change what they compare at any moment: reported at every check while it lives."""
        course = package_dir("mlprereq")
        main = get_ident()
        found = []
        for ident, frame in sys._current_frames().items():
            while ident != main and frame is not None:
                where = frame.f_code.co_filename
                if not (where.startswith("<frozen") or any(where.startswith(p + sep) for p in libraries)
                        or (course and where.startswith(course + sep))):
                    found.append("a thread running the notebook's own code was alive while the tests ran")
                    break
                frame = frame.f_back
        return found[:1]

    def restore_instance(obj, saved: dict, label: str) -> list:
        """Put back the instance attributes of ``obj`` recorded in ``saved`` (MISSING: it had none)."""
        findings = []
        for attr, value in saved.items():
            if obj.__dict__.get(attr, MISSING) is not value:
                findings.append(f"{label} .{attr} was replaced")
                if value is MISSING:
                    obj.__dict__.pop(attr, None)
                else:
                    obj.__dict__[attr] = value
        return findings

    def restore_class(cls, contents, qual) -> list:
        findings = []
        live = vars(cls)
        for attr, value in (contents.items() if drifted(live, contents) else ()):
            if live.get(attr, MISSING) is not value:
                if library_upgrade(live.get(attr), value, qual):
                    contents[attr] = live[attr]
                    state["ids"] = None
                    continue
                findings.append(f"{qual}.{attr} was replaced")
                try:
                    set_type_attr(cls, attr, value)
                except (TypeError, AttributeError):
                    pass
        for attr in sorted(a for a in live.keys() - contents.keys() if not a.startswith("__")):
            if attr in SHELL_ATTRS or qual.startswith("torch") or qual.startswith("numpy"):
                findings.append(f"{qual}.{attr} was added")
                try:
                    del_type_attr(cls, attr)
                except (TypeError, AttributeError):
                    pass
        return findings

    def pin_test_names(course_names=None) -> None:
        """Remember the names the last test cell bound to protected helpers and modules; or, given
        ``course_names`` (what a course cell just bound: its imports and definitions), those of them that
        hold a helper or a module, whatever they are (a course-defined plotting helper too)."""
        shell = ipython.get("shell")
        if shell is None:
            return
        if course_names is not None:
            user_ns = shell.user_ns
            for name in course_names:
                value = user_ns.get(name, MISSING)
                if value is not MISSING and (callable(value) or _isinstance(value, types.ModuleType)):
                    pinned[name], pinned_by[name] = value, "bound by a course cell"
            return
        protected_ids = state["ids"]
        if protected_ids is None:  # worked out once per snapshot (or when a library wrapper was accepted)
            protected_ids = state["ids"] = {_id(m) for m, _ in snap_modules.values()}
            for _, contents in snap_modules.values():
                protected_ids.update(map(_id, contents.values()))
        for name, value in list(shell.user_ns.items()):
            # Helpers and modules only: a loop variable that ends at 5 is not mlprereq.checks' constant 5,
            # even though small ints (and True, None) are one shared object.
            if (not name.startswith("_") and _id(value) in protected_ids and name not in pinned
                    and (callable(value) or _isinstance(value, types.ModuleType))):
                pinned[name], pinned_by[name] = value, "used by the tests"

    shadowable: set = set()  # builtins' names a global could hide (not dunders, not ipykernel's own)
    ns_builtins: dict = {}   # those the user namespace held when armed (IPython's exit, quit)

    def take() -> None:
        """Called when the guard is armed: after ipykernel has set up builtins, before any student code."""
        take_snapshot()
        capture_ipython()
        names = snap_modules.get("builtins", (None, {}))[1].keys()
        shadowable.clear(), ns_builtins.clear()
        shadowable.update(n for n in names if not n.startswith("_") and n not in KERNEL_MANAGED)
        shell = ipython.get("shell")
        if shell is not None:
            ns_builtins.update((n, shell.user_ns[n]) for n in shell.user_ns.keys() & shadowable)

    return take, restore, pin_test_names
