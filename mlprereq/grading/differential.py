"""Hidden tests, compared in the grader: the student's recorded results against the master's.

In a hidden test cell under the grader, each ``mlprereq.checks`` call hands the
student's result out of the kernel as plain data instead of comparing
(kernel/record.py). The master notebook runs the same cells once per grading
process in a clean reference kernel (sandbox.py caches it per source version),
giving the expected records. :func:`compare_records` compares the two here, with
the tolerances of the master's call, and words the failure; the expected values
never enter the student's kernel.

    >>> compare_records(student_records, reference_records)   # None: the cell passes
    'Value mismatch for result: 1 of 4 entries differ. ...'
"""
from __future__ import annotations

import base64

import numpy as np
import torch

from .. import checks


def to_tensor(value: dict) -> torch.Tensor:
    """A recorded plain value as a tensor (ValueError for anything that is not plain data)."""
    kind = value.get("type")
    if kind in ("tensor", "ndarray", "numpy scalar", "list"):
        raw = base64.b64decode(value["bytes"])
        array = np.frombuffer(raw, dtype=np.dtype(value["dtype"]))
        return torch.from_numpy(array.reshape(value["shape"]).copy())
    if kind in ("int", "float", "bool", "complex"):
        number = {"int": int, "float": float, "complex": complex, "bool": lambda r: r == "True"}[kind](value["repr"])
        return checks.as_tensor(number)
    raise ValueError(kind)


def dtype_name(value: dict) -> str | None:
    """The result's dtype as the student's library names it (torch's for a tensor)."""
    return value.get("torch_dtype") or value.get("dtype")


def _refused(value: dict, name: str) -> str | None:
    if value.get("type") != "not plain":
        return None
    what = value.get("what", "something else")
    if what == "builtins.NoneType":
        return f"{name} is None: did you forget to `return` it?"
    return f"{name}: return a plain tensor, got {what}."


def compare_one(student: dict, reference: dict, lazy: bool = False) -> str | None:
    """The failure message for one check (None: it passes). Options come from the master's call.

    The result is compared with the master's; an expected value the test gave eagerly, too (a test that
    passes the student's value second then still checks it), unless the grader sent the test without its
    expected values (``lazy``: lazy_free.py), which leaves them out of the student's records.
    """
    eager = reference.get("expected", {}).get("type", "not plain") != "not plain"
    # With an expected value the master's test computed itself (in the clean reference kernel), the student's
    # result is held to it, as the test says: a statistical check (sample frequencies against probabilities)
    # must not compare one sample with another. Otherwise to the master's own result.
    message = _compare_values(student, reference, "value", "expected" if eager else "value")
    if message is None and eager:
        if "expected" not in student:
            return None if lazy else "the hidden test did not run as written (its checks were changed)"
        message = _compare_values(student, reference, "expected")
    return message


def _compare_values(student: dict, reference: dict, field: str, against: str | None = None) -> str | None:
    options = reference.get("options", {})
    name = str(options.get("name", "result"))
    refused = _refused(student[field], name)
    if refused:
        return refused
    if student.get("kind") != reference.get("kind"):
        return "the hidden test did not run as written (its checks were changed)"
    try:
        a = to_tensor(student[field])
    except (ValueError, KeyError, TypeError):
        return f"{name}: return a plain tensor."
    kind = reference["kind"]
    if kind == "shape":
        shape = options.get("expected_shape")
        # A lazy expected shape is never computed in the kernel: the master's result has it.
        expected_shape = tuple(shape) if shape is not None else tuple(to_tensor(reference[against or field]).shape)
        if tuple(a.shape) != expected_shape:
            return f"Shape mismatch for {name}: expected {expected_shape}, got {tuple(a.shape)}."
        return None
    target = reference[against or field]
    e = to_tensor(target)
    if tuple(a.shape) != tuple(e.shape):
        return f"Shape mismatch for {name}: expected {tuple(e.shape)}, got {tuple(a.shape)}."
    if options.get("check_dtype") and dtype_name(student[field]) != dtype_name(target):
        return f"dtype mismatch for {name}: expected {dtype_name(target)}, got {dtype_name(student[field])}."
    try:
        if kind == "all_equal":
            checks.compare_equal(a, e, name)
        else:
            checks.compare_close(a, e, float(options.get("atol", 1e-4)), float(options.get("rtol", 1e-4)), name)
    except AssertionError as err:
        return str(err)
    return None


def compare_records(student: list | None, reference: list, lazy: bool = False) -> str | None:
    """The failure message of a hidden test cell (None: every check passes); ``lazy``: as in compare_one."""
    if student is None:
        return "the hidden test's results did not reach the grader"
    for i, ref in enumerate(reference):
        if i >= len(student):
            return f"the hidden test checked {len(student)} results instead of {len(reference)}"
        message = compare_one(student[i], ref, lazy)
        if message:
            return message
    if len(student) != len(reference):
        return f"the hidden test checked {len(student)} results instead of {len(reference)}"
    return None


def warm() -> None:
    """Compare once, so that torch's first-call costs (about a second) are paid before grading starts."""
    zeros = base64.b64encode(np.zeros(2, "float32").tobytes()).decode()
    value = {"type": "tensor", "dtype": "float32", "shape": [2], "bytes": zeros}
    for kind in ("all_close", "all_equal"):
        assert compare_one({"kind": kind, "value": value}, {"kind": kind, "value": value, "options": {}}) is None
