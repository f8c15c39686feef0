"""Which paths a grading kernel may read and write.

The most specific rule wins: the student's own folder inside autograded/ is
readable, the rest of autograded/ is not; /tmp is scratch, a course folder
under /tmp is not.

    >>> check_read, check_write = path_checks(SandboxSpec(allow_read=("/c/autograded/s",), deny_read=("/c",)))
    >>> check_read("/c/autograded/s/a.ipynb")      # fine
    >>> check_read("/c/source/a.ipynb")            # PermissionError
"""
from __future__ import annotations

import os


def path_checks(spec, report=lambda kind, detail: None):
    """``(check_read, check_write)`` for ``spec``'s allow/deny lists; each raises PermissionError (and
    reports it) for a path the kernel may not use, and does nothing for one it may."""
    sep = os.sep
    _len, _tuple = len, tuple

    def prefixes(paths):
        return _tuple(p.rstrip(sep) for p in paths if p)

    allow_read, deny_read = prefixes(spec.allow_read), prefixes(spec.deny_read)
    allow_write, deny_write = prefixes(spec.allow_write), prefixes(spec.deny_write)

    def longest(path, rules) -> int:
        best = -1
        for p in rules:
            if (path == p or path.startswith(p + sep)) and _len(p) > best:
                best = _len(p)
        return best

    def check_read(path) -> None:
        if path and longest(path, deny_read) >= 0 and longest(path, deny_read) >= longest(path, allow_read):
            report("read blocked", path)
            raise PermissionError(f"[grading sandbox] reading {path} is not allowed")

    def check_write(path) -> None:
        if path and (longest(path, allow_write) < 0 or longest(path, deny_write) >= longest(path, allow_write)):
            report("write blocked", path)
            raise PermissionError(f"[grading sandbox] writing {path} is not allowed (use the scratch folder)")

    return check_read, check_write
