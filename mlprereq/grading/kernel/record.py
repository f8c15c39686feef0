"""Hidden tests, differential: what a check in a hidden test cell hands out of the kernel instead of comparing.

Under the grader, ``mlprereq.checks`` helpers called while a hidden test cell
runs do not compare (the expected value, a lazy ``lambda: ...``, is never
evaluated): they give the student's result to :func:`recorder`'s ``record``,
which turns it into plain data (bytes, shape, dtype; numbers) with functions
taken before any student code ran, and only for exact ``torch.Tensor`` /
``nn.Parameter`` / ``np.ndarray`` / numpy scalars / Python numbers. Anything
else (a subclass that lies about comparisons, a number subclass) is recorded
as "not plain" and fails in the grader. The grader compares the records with
those of the master run in a clean reference kernel (sandbox.py).

    >>> begin, record, end = recorder()
    >>> begin(); record("all_close", torch.ones(2), {"atol": 1e-4}); end()
    [{'kind': 'all_close', 'options': {'atol': 0.0001}, 'value': {'type': 'tensor', ...}}]
"""
from __future__ import annotations

import base64


def recorder():
    """``(begin, record, end)``: start recording, record one checked value, stop and return the records."""
    import numpy as np
    import torch

    from mlprereq.checks import literal_converter

    Tensor, Parameter, ndarray = torch.Tensor, torch.nn.Parameter, np.ndarray
    detach, cpu, contiguous, to_numpy = Tensor.detach, Tensor.cpu, Tensor.contiguous, Tensor.numpy
    resolve_conj, resolve_neg = Tensor.resolve_conj, Tensor.resolve_neg
    ascontiguousarray, asarray = np.ascontiguousarray, np.asarray
    tobytes = ndarray.tobytes
    b64 = base64.b64encode
    C = torch._C
    disable_function = C.DisableTorchFunction
    function_modes = getattr(C, "_len_torch_function_stack", lambda: 0)
    dispatch_modes = getattr(C, "_len_torch_dispatch_stack", lambda: 0)
    numpy_scalars = frozenset(t for t in set(np.sctypeDict.values()) if t.__module__ == "numpy")
    _type, _str, _repr, _tuple, _list = type, str, repr, tuple, list
    numbers = (int, float, bool, complex)
    plain_options = (int, float, bool, str, type(None))
    state = {"on": False, "records": []}

    def array_data(a) -> dict:
        if a.dtype.hasobject:
            return {"type": "not plain", "what": "an array of Python objects"}
        shape = _list(a.shape)  # before ascontiguousarray, which turns a 0-d array into shape (1,)
        a = ascontiguousarray(a)
        return {"type": "ndarray", "dtype": _str(a.dtype), "shape": shape, "bytes": b64(tobytes(a)).decode()}

    def plain(value) -> dict:
        kind = _type(value)
        if kind is Tensor or kind is Parameter:
            if function_modes() or dispatch_modes():
                return {"type": "not plain", "what": "a tensor, with a torch mode active"}
            with disable_function():
                t = contiguous(cpu(resolve_neg(resolve_conj(detach(value)))))
                if t.dtype == torch.bfloat16:
                    t = t.float()
                data = array_data(to_numpy(t))
            data.update(type="tensor", torch_dtype=_str(value.dtype).replace("torch.", ""))
            return data
        if kind is ndarray:
            return array_data(value)
        if kind in numpy_scalars:
            data = array_data(asarray(value))
            data["type"] = "numpy scalar"
            return data
        if kind in numbers:
            return {"type": kind.__name__, "repr": _repr(value)}
        return {"type": "not plain", "what": f"{kind.__module__}.{kind.__qualname__}"}

    def clean(options) -> dict:
        out = {}
        for key, v in (options or {}).items():
            if _type(key) is _str and (_type(v) in plain_options or (
                    _type(v) in (_tuple, _list) and all(_type(x) is int for x in v))):
                out[key] = _list(v) if _type(v) in (_tuple, _list) else v
        return out

    def begin() -> None:
        state["on"], state["records"] = True, []

    literal = literal_converter()  # converts a list exactly as the in-process checks do (float64 for floats)

    def safely(value, expected=False) -> dict:
        try:
            array = literal(value) if expected else None
            if array is not None:
                data = array_data(array)  # a test's own literal, e.g. [1.09, 0.0, 1.32]
                data["type"] = "list"
                return data
            return plain(value)
        except Exception as err:  # noqa: BLE001 - whatever it is, it is not a plain result
            return {"type": "not plain", "what": f"unconvertible ({_type(err).__name__})"}

    def record(kind: str, value, options=None, expected=None, has_expected=False) -> bool:
        """Record ``value`` (and an eager ``expected``) while a test cell is recorded; False: compare in-process."""
        if not state["on"]:
            return False
        entry = {"kind": _str(kind), "options": clean(options), "value": safely(value)}
        if has_expected is True:
            entry["expected"] = safely(expected, expected=True)
        state["records"].append(entry)
        return True

    def end() -> list:
        records, state["on"], state["records"] = state["records"], False, []
        return records

    return begin, record, end
