"""A hidden test as the student's kernel runs it when the grader compares: without its expected values.

Under the grader a hidden test's checks hand the student's result out of the kernel, and the grader compares
it with the master's records (differential.py): the expected values are never needed in the student's
kernel. But if they are there, the student's function, called by the test, can find them: walk up to the
test's frame and read ``expected``, rebuild a lazy ``lambda: reference(x)`` from the frame's code
(``co_consts``), or call a helper the test cell defines (``def _reference(x): ...``). :func:`without_references`
gives the source the student's kernel runs instead, with each check's expected value replaced by
``lambda: None``, whether it was

* a lazy lambda (``assert_all_close(f(x), lambda: ref(x))``),
* a helper passed by name (``assert_all_close(f(x), _reference)``), or
* a variable computed before the call (``expected = ref(x); assert_all_close(f(x), expected)``): its
  assignments go too, when the variable is used for nothing else and is not computed from the student's
  functions (``student_names``);

and the helpers only those used removed. Expected values written inline after the student's call
(``assert_all_close(f(x), ref(x))``) are computed once the call has returned and are left alone, as are
values a test uses for anything else (a message, a plain ``assert``): tests/test_frame_leaks.py finds those.

    >>> print(without_references("def _ref(x):\\n    return 2 * x\\nassert_all_close(f(x), lambda: _ref(x))"))
    assert_all_close(f(x), lambda: None)
    >>> print(without_references("expected = 2 * x\\nassert_all_close(f(x), expected)"))
    assert_all_close(f(x), lambda: None)
"""
from __future__ import annotations

import ast
from collections import defaultdict

CHECKS = {"assert_all_close": "expected", "assert_all_equal": "expected", "assert_shape": "expected_shape"}
VALUE_CHECKS = ("assert_all_close", "assert_all_equal")  # their expected value can be dropped whatever it is


def _check_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in CHECKS else None


def _slots(call: ast.Call, name: str):
    """(holder, index) of the check's expected value: the second positional argument or its keyword."""
    if len(call.args) > 1:
        yield call.args, 1
    for i, kw in enumerate(call.keywords):
        if kw.arg == CHECKS[name]:
            yield call.keywords, i


def _get(holder, i):
    return holder[i].value if holder and isinstance(holder[0], ast.keyword) else holder[i]


def _set(holder, i, value) -> None:
    if isinstance(holder[0], ast.keyword):
        holder[i].value = value
    else:
        holder[i] = value


def _stub(args: ast.arguments | None = None) -> ast.Lambda:
    return ast.Lambda(args=args or ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                      body=ast.Constant(None))


def _is_stub(node) -> bool:
    return isinstance(node, ast.Lambda) and isinstance(node.body, ast.Constant) and node.body.value is None


def _check_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _check_name(node)):
            yield node, name


def _strip_lambdas(tree: ast.AST) -> bool:
    """Replace each lazy expected value of a check by ``lambda: None``; True if one was."""
    changed = False
    for call, name in _check_calls(tree):
        for holder, i in list(_slots(call, name)):
            value = _get(holder, i)
            if isinstance(value, ast.Lambda) and not _is_stub(value):
                _set(holder, i, _stub(value.args))
                changed = True
    return changed


def _bodies(tree: ast.AST):
    """Every list of statements in the tree (module, function, loop, branch, try and with bodies), but not
    a class body: its methods are used through the class (a torch function mode's ``__torch_function__``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                yield stmts


def _remove(tree: ast.AST, doomed: set[int]) -> None:
    for stmts in _bodies(tree):
        kept = [s for s in stmts if id(s) not in doomed]
        if len(kept) != len(stmts):
            stmts[:] = kept or [ast.Pass()]


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _strip_eager(tree: ast.AST, student_names: frozenset[str]) -> bool:
    """Drop expected values held in variables (or helpers passed by name) used for nothing else."""
    in_slot: dict[str, list[tuple]] = defaultdict(list)
    for call, name in _check_calls(tree):
        if name in VALUE_CHECKS:
            for holder, i in _slots(call, name):
                value = _get(holder, i)
                if isinstance(value, ast.Name):
                    in_slot[value.id].append((holder, i, value))
    if not in_slot:
        return False
    slot_nodes = {id(v) for sites in in_slot.values() for _, _, v in sites}
    loads, stores, bad = defaultdict(int), defaultdict(list), set()
    definitions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            stores[node.targets[0].id].append(node)
            definitions[id(node.targets[0])] = node
        elif isinstance(node, ast.FunctionDef):
            if node.decorator_list:
                bad.add(node.name)
            stores[node.name].append(node)
        elif isinstance(node, (ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal)):
            bad.update(getattr(node, "names", None) or [node.name])
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and id(node) not in slot_nodes:
                loads[node.id] += 1
            elif not isinstance(node.ctx, ast.Load) and id(node) not in definitions:
                bad.add(node.id)  # bound some other way: a loop target, unpacking, `with ... as`, del
    doomed: set[int] = set()
    for name, sites in in_slot.items():
        if name in bad or loads[name] or not stores[name]:
            continue
        if any(_names_in(s.value if isinstance(s, ast.Assign) else s) & student_names for s in stores[name]):
            continue  # computed from the student's own functions: not a reference
        for holder, i, _ in sites:
            _set(holder, i, _stub())
        doomed.update(id(s) for s in stores[name])
    _remove(tree, doomed)
    return bool(doomed)


def _drop_unused_defs(tree: ast.Module) -> None:
    """Remove functions nothing uses any more (the helpers of the stripped expected values)."""
    while True:
        defs = [s for stmts in _bodies(tree) for s in stmts if isinstance(s, ast.FunctionDef) and not s.decorator_list]
        used = defaultdict(int)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                used[node.id] += 1
        inside = {d.name: sum(1 for n in ast.walk(d) if isinstance(n, ast.Name) and n.id == d.name) for d in defs}
        unused = {id(d) for d in defs if used[d.name] - inside[d.name] <= 0}
        if not unused:
            return
        _remove(tree, unused)


def without_references(source: str, student_names=frozenset()) -> str | None:
    """The source with the checks' expected values and their helpers removed; None if nothing changes
    (or it does not parse: it then runs as written, and fails as written). ``student_names``: the names the
    student's answers define (an expected value computed from them is kept)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lazy = _strip_lambdas(tree)
    eager = _strip_eager(tree, frozenset(student_names))
    if not (lazy or eager):
        return None
    _drop_unused_defs(tree)
    return ast.unparse(tree)
