"""A hidden test as the student's kernel runs it when the grader compares: without its reference code.

A hidden test writes its expected values lazily, ``assert_all_close(f(x), lambda: reference(x))``, and
under the grader that lambda is never called in the student's kernel (checks.py; the master's records are
the expected values). But its code is there: the student's function, called by the test, can find the
lambda's code object in the test's frame (``co_consts``), rebuild it with the frame's variables as its
closure, call it and return the reference value; and a helper the test cell defines for its lambdas
(``def _centred(temps): ...``) can simply be called. :func:`without_references` gives the source with
each such lambda replaced by ``lambda: None`` and the helpers only those lambdas used removed, so the
reference code never reaches the student's kernel. The grader runs that source only in a test cell it
compares itself (sandbox.py), where the lambdas would never be called anyway.

    >>> print(without_references("def _ref(x):\\n    return 2 * x\\nassert_all_close(f(x), lambda: _ref(x))"))
    assert_all_close(f(x), lambda: None)
"""
from __future__ import annotations

import ast

CHECKS = {"assert_all_close": "expected", "assert_all_equal": "expected", "assert_shape": "expected_shape"}


def _check_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in CHECKS else None


def _strip_lambdas(tree: ast.AST) -> bool:
    """Replace each lazy expected value of a check by ``lambda: None``; True if one was."""
    changed = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not (name := _check_name(node)):
            continue
        slots = [(node.args, 1)] if len(node.args) > 1 else []
        slots += [(node.keywords, i) for i, kw in enumerate(node.keywords) if kw.arg == CHECKS[name]]
        for holder, i in slots:
            value = holder[i].value if holder is node.keywords else holder[i]
            if isinstance(value, ast.Lambda) and not (isinstance(value.body, ast.Constant) and value.body.value is None):
                stub = ast.Lambda(args=value.args, body=ast.Constant(None))
                if holder is node.keywords:
                    holder[i].value = stub
                else:
                    holder[i] = stub
                changed = True
    return changed


def _used_names(tree: ast.AST, skip: ast.AST | None = None) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if node is skip:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
    return names


def _drop_unused_defs(tree: ast.Module) -> None:
    """Remove module-level functions nothing uses any more (the helpers of the stripped lambdas)."""
    while True:
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        unused = []
        for d in defs:
            others = ast.Module(body=[n for n in tree.body if n is not d], type_ignores=[])
            if d.name not in _used_names(others):
                unused.append(d)
        if not unused:
            return
        tree.body = [n for n in tree.body if n not in unused] or [ast.Pass()]


def without_references(source: str) -> str | None:
    """The source with the checks' lazy expected values and their helpers removed; None if nothing changes
    (or it does not parse: it then runs as written, and fails as written)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not _strip_lambdas(tree):
        return None
    _drop_unused_defs(tree)
    return ast.unparse(tree)
