"""Checks for what an exercise's text asks beyond the values: "without X", "use Y", "don't modify the input".

Hidden tests use them around a call to the student's function::

    with forbid("torch.softmax", "torch.Tensor.softmax", "torch.nn.functional.softmax",
                why="this exercise builds softmax from exp and sum"):
        out = batched_softmax(x)              # raises if the forbidden function runs

    assert_not_used(batched_softmax, "softmax", why="...")   # the source never names it
    assert_used(batched_dot_product_nd, "einsum", why="the text asks for einsum")

    with unchanged(x, y):                     # fails if the call changed x or y in place
        out = f(x, y)

``forbid`` catches a forbidden call however it is reached through the patched
names; ``assert_not_used`` / ``assert_used`` read the function's source with
``ast`` (and the source of the notebook functions it calls), so an alias
(``from torch import softmax as s``) is caught by the one or the other.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import textwrap
import types

import numpy as np
import torch

__all__ = ["forbid", "assert_not_used", "assert_used", "names_used", "unchanged", "assert_gradients_flow"]


class ForbiddenCall(AssertionError):
    """A function the exercise rules out was called."""


def _resolve(path: str):
    """(owner, attribute name) for a dotted path such as ``"torch.Tensor.softmax"``."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:-1]:
            owner = getattr(owner, attr)
        return owner, parts[-1]
    raise ValueError(f"cannot resolve {path!r}")


@contextlib.contextmanager
def forbid(*paths: str, why: str = ""):
    """Inside the block, calling any of ``paths`` raises ``ForbiddenCall`` with ``why``.

    >>> with forbid("torch.eye", why="build it from arange"):
    ...     torch.eye(2)
    Traceback (most recent call last):
    mlprereq.rules.ForbiddenCall: torch.eye is not allowed in this exercise: build it from arange
    """
    saved, originals = [], {}
    try:
        for path in paths:
            owner, name = _resolve(path)
            had_own = name in vars(owner)
            saved.append((owner, name, had_own, vars(owner).get(name)))
            originals[id(getattr(owner, name))] = path

            def refuse(*args, _path=path, **kwargs):
                __tracebackhide__ = True
                raise ForbiddenCall(f"{_path} is not allowed in this exercise" + (f": {why}" if why else ""))

            setattr(owner, name, refuse)
        # Patching the names misses a reference taken earlier (`_f = [torch.logsumexp]` at definition time, or
        # getattr with a built string): torch still hands every call of its functions to this mode.
        with _RefuseMode(originals, why):
            yield
    finally:
        for owner, name, had_own, old in reversed(saved):
            if had_own:
                setattr(owner, name, old)
            else:
                delattr(owner, name)


class _RefuseMode(torch.overrides.TorchFunctionMode):
    """Raise ForbiddenCall for a call of one of the forbidden torch functions, however it was reached."""

    def __init__(self, originals: dict, why: str):
        super().__init__()
        self.originals, self.why = originals, why

    def __torch_function__(self, func, types, args=(), kwargs=None):
        __tracebackhide__ = True
        path = self.originals.get(id(func))
        if path is not None:
            raise ForbiddenCall(f"{path} is not allowed in this exercise" + (f": {self.why}" if self.why else ""))
        return func(*args, **(kwargs or {}))


def _source_tree(fn) -> ast.AST:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as err:
        raise AssertionError(f"the source of {getattr(fn, '__name__', fn)!r} cannot be read ({err}); "
                             "define it with `def` in a notebook cell") from None
    return ast.parse(textwrap.dedent(source))


def names_used(fn, follow: bool = True, strings: bool = True) -> set[str]:
    """Every name and attribute ``fn``'s source mentions (``t.softmax`` gives ``t``, ``softmax``, ``t.softmax``).

    The matrix product operator counts as the name ``"@"``.

    With ``follow``, functions of the same module (the notebook) that ``fn`` calls are read too; with
    ``strings``, a string constant that is an identifier counts as a name (``getattr(t, "softmax")``).

    >>> def f(x):
    ...     return torch.nn.functional.relu(x).sum()
    >>> sorted(n for n in names_used(f) if "relu" in n)
    ['functional.relu', 'nn.functional.relu', 'relu', 'torch.nn.functional.relu']
    """
    seen, found, todo = set(), set(), [fn]
    while todo:
        current = inspect.unwrap(todo.pop())
        if id(current) in seen:
            continue
        seen.add(id(current))
        for node in ast.walk(_source_tree(current)):
            if isinstance(node, ast.Name):
                found.add(node.id)
                target = getattr(current, "__globals__", {}).get(node.id)
                if follow and isinstance(target, types.FunctionType) and target.__module__ == current.__module__:
                    todo.append(target)
                elif callable(target) and isinstance(getattr(target, "__name__", None), str):
                    found.add(target.__name__)  # an alias: `from torch import softmax as s` uses softmax
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
                chain, part = [node.attr], node.value
                while isinstance(part, ast.Attribute):
                    chain.append(part.attr)
                    part = part.value
                    found.add(".".join(reversed(chain)))
                if isinstance(part, ast.Name):
                    chain.append(part.id)
                    found.add(".".join(reversed(chain)))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    found.update({alias.name, alias.name.split(".")[-1]})
            elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult):
                found.add("@")  # the matrix product operator
            elif strings and isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                found.add(node.value)  # getattr(t, "softmax")
    return found


def assert_not_used(fn, *names: str, why: str = "") -> None:
    """Fail if ``fn``'s source (or a notebook function it calls) names any of ``names``."""
    __tracebackhide__ = True
    hits = sorted(set(names) & names_used(fn))
    if hits:
        raise AssertionError(f"{fn.__name__} uses {', '.join(hits)}, which this exercise rules out" + (f": {why}" if why else ""))


def assert_used(fn, *names: str, why: str = "") -> None:
    """Fail unless ``fn``'s source (or a notebook function it calls) names at least one of ``names``."""
    __tracebackhide__ = True
    # A string is no use of a function: `"einsum"` alone in the body must not satisfy "use einsum".
    if not set(names) & names_used(fn, strings=False):
        raise AssertionError(f"{fn.__name__} should use {' or '.join(names)}" + (f": {why}" if why else ""))


def _snapshot(x):
    if isinstance(x, torch.Tensor):
        return torch.Tensor.clone(torch.Tensor.detach(x))
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    raise TypeError(f"unchanged() takes tensors and arrays, got {type(x).__name__}")


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        a, b = a.detach(), b.detach()
        return a.shape == b.shape and a.dtype == b.dtype and bool(((a == b) | (a.isnan() & b.isnan()) if a.is_floating_point() else (a == b)).all())
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


@contextlib.contextmanager
def unchanged(*inputs, names: tuple[str, ...] = ()):
    """Fail after the block if any of ``inputs`` (tensors or arrays) was changed in place.

    >>> x = torch.ones(2)
    >>> with unchanged(x, names=("x",)):
    ...     x.mul_(2)
    Traceback (most recent call last):
    AssertionError: the input x was changed in place: a function must not modify its inputs (work on a copy or build a new tensor)
    """
    __tracebackhide__ = True
    before = [_snapshot(x) for x in inputs]
    yield
    for i, (x, old) in enumerate(zip(inputs, before)):
        if not _same(x, old):
            label = names[i] if i < len(names) else f"number {i + 1}"
            raise AssertionError(f"the input {label} was changed in place: a function must not modify its inputs "
                                 "(work on a copy or build a new tensor)")


def assert_gradients_flow(output: torch.Tensor, *inputs: torch.Tensor, name: str = "result") -> None:
    """Fail unless ``output`` depends differentiably on every tensor of ``inputs`` (requires_grad leaves)."""
    __tracebackhide__ = True
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        raise AssertionError(f"{name} does not carry gradients: build it with torch operations on the inputs "
                             "(no .detach(), .item(), .numpy() or torch.no_grad() on the way)")
    grads = torch.autograd.grad(output.sum(), inputs, allow_unused=True, retain_graph=True)
    missing = [i + 1 for i, g in enumerate(grads) if g is None]
    if missing:
        raise AssertionError(f"{name} does not depend on input(s) {missing} through autograd")


def assert_libraries_not_used(fn, *libraries: str, why: str = "") -> None:
    """Fail if ``fn`` (or a notebook function it calls) uses any of the top-level packages ``libraries``.

    Catches the package by name (``torch.relu``, ``import torch``) and through the notebook's aliases of it
    (``import torch as t``, ``from scipy.special import expit``).

    >>> import torch as t
    >>> def f(x):
    ...     return t.relu(x)
    >>> assert_libraries_not_used(f, "torch")
    Traceback (most recent call last):
    AssertionError: f uses torch (as t), which this exercise rules out
    """
    __tracebackhide__ = True

    def package(value) -> str | None:  # modules, functions and classes only: data is not a use of a library
        if not (isinstance(value, types.ModuleType) or callable(value)):
            return None
        module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        return module.split(".")[0] if isinstance(module, str) else None

    names = names_used(fn)
    hits = {lib: lib for lib in libraries if lib in names}
    scope = getattr(inspect.unwrap(fn), "__globals__", {})
    for name in sorted(names):
        if name in scope and package(scope[name]) in libraries and package(scope[name]) not in hits:
            hits[package(scope[name])] = f"{package(scope[name])} (as {name})"
    if hits:
        raise AssertionError(f"{fn.__name__} uses {', '.join(hits[lib] for lib in sorted(hits))}, which this exercise "
                             "rules out" + (f": {why}" if why else ""))
