"""The kernel's one-way report channel to the grader (a FIFO, unlinked once open)."""
from __future__ import annotations

import os


def open_channel(path: str | None) -> int:
    """Open the grader's FIFO for writing and unlink it, so no student code can open it again (-1: none)."""
    if not path:
        return -1
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return -1
    try:
        os.unlink(path)
    except OSError:
        pass
    return fd


def private_dumps():
    """``dumps(obj)``: JSON text of plain data, made only of C functions taken now (before student code).

    ``json.dumps(obj)`` looks up ``json._default_encoder`` and ``JSONEncoder``'s Python methods at each call,
    and ``json`` is no protected module: student code that replaced them could rewrite what the guard hands
    the grader (a hidden test's records: each result set to its test's own expected value; the guard's
    findings: emptied). ``_json.make_encoder`` is the C encoder those methods end in.

        >>> private_dumps()({"a": [1, 2.5, "x", None, True]})
        '{"a": [1, 2.5, "x", null, true]}'
    """
    import _json

    def refuse(obj):
        raise TypeError(f"not plain data: {type(obj).__name__}")

    encode = _json.make_encoder({}, refuse, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    join = "".join

    def dumps(obj) -> str:
        return join(encode(obj, 0))

    return dumps


def reporter(fd: int, limit: int = 500):
    """``(send, report)``: ``send(obj)`` writes one JSON line; ``report(kind, detail)`` sends an event once.

        >>> send, report = reporter(-1)   # no channel: both do nothing
    """
    write, dumps = os.write, private_dumps()
    sent = [0]
    seen: set = set()

    def send(obj) -> None:
        if fd < 0 or sent[0] > limit:
            return
        sent[0] += 1
        try:
            write(fd, (dumps(obj) + "\n").encode())
        except (OSError, ValueError, TypeError):
            pass

    def report(kind: str, detail: str) -> None:
        key = (kind, detail)
        if key in seen:
            return
        seen.add(key)
        send({"event": kind, "detail": detail[:300]})

    return send, report
