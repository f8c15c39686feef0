"""The kernel's audit hook (PEP 578): once added it can never be removed.

It blocks and reports network use, file access the policy refuses, and changes
to protected classes and functions, and counts forks. It lets everything
through until the guard is armed, and while the guard itself puts things back.

    >>> hook = audit_hook(state, check_read, check_write, report, protected_types, protected_code)
    >>> hook("open", ("/course/source/a.ipynb", "r", 0))   # with state["armed"]: PermissionError
    >>> sys.addaudithook(hook)                              # in the kernel only: for good
"""
from __future__ import annotations

import os

NETWORK = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
                     "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"})
WRITES = frozenset({"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.chmod", "os.chown", "os.truncate",
                    "os.utime", "os.link", "os.symlink", "shutil.rmtree", "shutil.copyfile", "shutil.move"})
LISTS = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.walk"})
MAX_FORKS = 16


def audit_hook(state: dict, check_read, check_write, report, protected_types: dict, protected_code: dict,
               keep: list | None = None):
    """The hook function. ``state``: shared with the snapshot ("armed", "restoring"); ``protected_types``:
    id(class) -> (class, snapshot, name); ``protected_code``: id(function) -> name (both filled by the snapshot). ``keep``: objects the hook keeps alive (it is never removed)."""
    abspath, fspath = os.path.abspath, os.fspath
    _id, _len, _isinstance, _str, _bytes, _int = id, len, isinstance, str, bytes, int
    O_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    network, writes, lists = NETWORK, WRITES, LISTS
    forks = [0]

    def as_path(value):
        if value is None or _isinstance(value, _int):
            return None
        try:
            value = fspath(value)
            if _isinstance(value, _bytes):
                value = value.decode("utf-8", "replace")
            return abspath(value)
        except Exception:
            return None

    def hook(event, args, _keep=keep):
        if not state["armed"] or state["restoring"]:
            return
        if event == "open":
            path = as_path(args[0])
            mode, flags = args[1], args[2]
            writing = (_isinstance(mode, _str) and any(c in mode for c in "wax+")) or (
                _isinstance(flags, _int) and flags & O_WRITE)
            if writing:
                check_write(path)
            else:
                check_read(path)
        elif event in network:
            address = args[1] if _len(args) > 1 else args[0]
            if event == "socket.bind" and _isinstance(address, (_str, _bytes)):
                return  # AF_UNIX bind inside the sandbox (multiprocessing): harmless
            report("network blocked", f"{event} {address!r}")
            raise PermissionError("[grading sandbox] network access is disabled while grading")
        elif event == "sqlite3.connect":
            database = args[0] if args else None
            if _isinstance(database, _bytes):
                database = database.decode("utf-8", "replace")
            if _isinstance(database, _str) and database != ":memory:":
                if database.startswith("file:"):
                    database = database[5:].split("?")[0]
                check_read(as_path(database))
        elif event in lists:
            check_read(as_path(args[0]) if args else None)
        elif event in writes:
            for arg in args[:2]:
                p = as_path(arg) if _isinstance(arg, (_str, _bytes)) else None
                if p:
                    check_write(p)
        elif event == "os.fork":
            forks[0] += 1
            if forks[0] > MAX_FORKS:
                report("process bomb", f"more than {MAX_FORKS} forks")
        elif event == "object.__setattr__" or event == "object.__delattr__":
            target, name = args[0], args[1]
            entry = protected_types.get(_id(target))
            if entry is not None and entry[0] is target:
                report("patch blocked", f"{entry[2]}.{name}")
                raise PermissionError(f"[grading sandbox] changing {entry[2]}.{name} is not allowed while grading")
            if name in ("__code__", "__defaults__", "__kwdefaults__") and _id(target) in protected_code:
                report("patch blocked", f"{protected_code[_id(target)]}.{name}")
                raise PermissionError("[grading sandbox] changing a protected function is not allowed while grading")

    return hook
