"""Answers that test the tests of source/04_tensor_internals/tensor_internals.ipynb.

WRONG: plausible mistakes; each must fail at least one of its exercise's test cells.
RIGHT: other correct solutions; each must pass every test cell of its exercise.
"""

_PITFALLS_RIGHT = '''
pitfall_predictions = {
    "a": (5,), "b": (1,), "c": (1,), "d": "torch.float32", "e": (3,),
    "f": "torch.bool", "g": (), "h": "torch.int64", "i": "RuntimeError", "j": "torch.float64",
}
'''


def _pitfalls(**changes) -> str:
    """The right predictions with some entries replaced (values given as source text)."""
    src = _PITFALLS_RIGHT
    for key, value in changes.items():
        start = src.index(f'"{key}": ')
        end = min(i for i in (src.find(", ", start), src.find(",\n", start)) if i != -1)
        src = src[:start] + f'"{key}": {value}' + src[end:]
    return src


WRONG = [  # (exercise, why it is wrong, code that replaces the solution cell)
    # --- pitfall_predictions
    ("pitfall_predictions", "writes shapes as they print, as strings, not tuples", _pitfalls(a='"torch.Size([5])"')),
    ("pitfall_predictions", "leaves out prediction (j)", '''
pitfall_predictions = {
    "a": (5,), "b": (1,), "c": (1,), "d": "torch.float32", "e": (3,),
    "f": "torch.bool", "g": (), "h": "torch.int64", "i": "RuntimeError",
}
'''),
    ("pitfall_predictions", "thinks t.Tensor reads x.shape and 3 as data, like t.tensor", _pitfalls(a="(1,)", e="(1,)")),
    ("pitfall_predictions", "thinks the t.Tensor constructor keeps the bool dtype", _pitfalls(d='"torch.bool"')),
    ("pitfall_predictions", "expects NumPy's behaviour: the mean of integers is 2.5", _pitfalls(i="2.5")),
    ("pitfall_predictions", "expects NumPy data to become the default float32", _pitfalls(j='"torch.float32"')),
    # --- memory_contents
    ("memory_contents", "x.flatten() walks the logical order, not memory", '''
def memory_contents(x):
    return x.flatten()
'''),
    ("memory_contents", "contiguous() copies into logical order first", '''
def memory_contents(x):
    return x.contiguous().view(-1)
'''),
    ("memory_contents", "uses x's numel and x's own offset: wrong for slices and expanded views", '''
def memory_contents(x):
    return x.as_strided((x.numel(),), (1,))
'''),
    # --- strided_cases
    ("strided_cases", "writes (stride, size) instead of (size, stride)", '''
strided_cases = [
    ((1,), (4,)), ((5, 1), (2, 3)), ((11, 0), (2, 3)), ((6,), (4,)), ((9, 1, 1), (2, 1, 3)), ((12, 4, 2, 1), (2, 2, 2, 2)),
]
'''),
    ("strided_cases", "case 3 steps along the row instead of repeating (stride 1, not 0)", '''
strided_cases = [
    ((4,), (1,)), ((2, 3), (5, 1)), ((2, 3), (11, 1)), ((4,), (6,)), ((2, 1, 3), (9, 1, 1)), ((2, 2, 2, 2), (12, 4, 2, 1)),
]
'''),
    ("strided_cases", "case 6 uses the contiguous strides of a (2, 2, 2, 2) tensor, missing the jump to 12", '''
strided_cases = [
    ((4,), (1,)), ((2, 3), (5, 1)), ((2, 3), (11, 0)), ((4,), (6,)), ((2, 1, 3), (9, 1, 1)), ((2, 2, 2, 2), (8, 4, 2, 1)),
]
'''),
    # --- add_to_columns
    ("add_to_columns", "plain broadcasting adds v to every row", '''
def add_to_columns(matrix, v):
    return matrix + v
'''),
    ("add_to_columns", "unsqueeze(0) gives (1, m): still added to the rows", '''
def add_to_columns(matrix, v):
    return matrix + v.unsqueeze(0)
'''),
    ("add_to_columns", "adds in place: changes the caller's matrix", '''
def add_to_columns(matrix, v):
    matrix += v[:, None]
    return matrix
'''),
    ("add_to_columns", "tiles v into a square: only works for square matrices", '''
def add_to_columns(matrix, v):
    return matrix + v.repeat(len(v), 1).T
'''),
    # --- shares_memory
    ("shares_memory", "is_set_to also demands the same shape and strides", '''
def shares_memory(a, b):
    return a.is_set_to(b)
'''),
    ("shares_memory", "data_ptr is the first element's address: differs for views with an offset", '''
def shares_memory(a, b):
    return a.data_ptr() == b.data_ptr()
'''),
    ("shares_memory", "np.shares_memory asks whether the elements overlap, not whether the storage is the same", '''
import numpy as np

def shares_memory(a, b):
    return bool(np.shares_memory(a.numpy(), b.numpy()))
'''),
    ("shares_memory", "checks only whether one is a view of the other, not two views of one base", '''
def shares_memory(a, b):
    return a is b or a._base is b or b._base is a
'''),
    # --- expanded_strides
    ("expanded_strides", "only prepends zeros: forgets that stretched size-1 axes get stride 0", '''
def expanded_strides(x, shape):
    return (0,) * (len(shape) - x.dim()) + tuple(x.stride())
'''),
    ("expanded_strides", "lines the shapes up from the left", '''
def expanded_strides(x, shape):
    out = []
    for i, n in enumerate(shape):
        if i >= x.dim() or (x.shape[i] == 1 and n != 1):
            out.append(0)
        else:
            out.append(x.stride(i))
    return tuple(out)
'''),
    ("expanded_strides", "assumes x is contiguous: computes its strides from its shape", '''
def expanded_strides(x, shape):
    own, step = [], 1
    for n in reversed(x.shape):
        own.insert(0, step)
        step *= n
    out = []
    offset = len(shape) - x.dim()
    for i, n in enumerate(shape):
        d = i - offset
        out.append(0 if d < 0 or (x.shape[d] == 1 and n != 1) else own[d])
    return tuple(out)
'''),
    # --- expand_predictions
    ("expand_predictions", "writes the tensors as printed strings", '''
expand_predictions = {"a": "RuntimeError", "b": "tensor([0., 100., 2., 3.])", "c": [100.0, 100.0, 100.0], "d": [100.0, 1.0, 1.0], "e": 16}
'''),
    ("expand_predictions", "believes every write through the view simply reaches the original", '''
expand_predictions = {"a": "ok", "b": [0.0, 100.0, 2.0, 3.0], "c": [100.0, 100.0, 100.0], "d": [100.0, 1.0, 1.0], "e": 16}
'''),
    ("expand_predictions", "believes expand makes real copies of the rows", '''
expand_predictions = {"a": "ok", "b": [0.0, 1.0, 2.0, 3.0], "c": [100.0, 1.0, 1.0], "d": [100.0, 1.0, 1.0], "e": 48}
'''),
    # --- matmul_einsum
    ("matmul_einsum", "output letters in the wrong order: the transpose", '''
import torch as t

def matmul_einsum(a, b):
    return t.einsum("ij,jk->ki", a, b)
'''),
    ("matmul_einsum", "casts to float32 'to be safe': loses float64 and int dtypes", '''
import torch as t

def matmul_einsum(a, b):
    return t.einsum("ij,jk->ik", a.float(), b.float())
'''),
    # --- diagonal_einsum
    ("diagonal_einsum", "ij->i sums each row instead of taking the diagonal", '''
import torch as t

def diagonal_einsum(x):
    return t.einsum("ij->i", x)
'''),
    ("diagonal_einsum", "ii-> drops the letter, so it sums the diagonal", '''
import torch as t

def diagonal_einsum(x):
    return t.einsum("ii->", x)
'''),
    ("diagonal_einsum", "casts to float32 'because einsum wants floats': loses float64", '''
import torch as t

def diagonal_einsum(x):
    return t.einsum("ii->i", x.float())
'''),
    # --- trace_einsum
    ("trace_einsum", "ij-> sums every entry, not only the diagonal", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ij->", x)
'''),
    ("trace_einsum", "keeps the letter: returns the diagonal", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ii->i", x)
'''),
    ("trace_einsum", "returns a Python number with .item(), not a 0-d tensor", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ii->", x).item()
'''),
    ("trace_einsum", "casts to float64 'for precision': float32 input gives float64", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ii->", x.double())
'''),
    # --- relu_clone_setitem
    ("relu_clone_setitem", "no clone: writes into x (a leaf that requires grad)", '''
def relu_clone_setitem(x):
    x[x < 0] = 0
    return x
'''),
    ("relu_clone_setitem", "detach instead of clone: shares x's memory and cuts the gradient", '''
def relu_clone_setitem(x):
    out = x.detach()
    out[out < 0] = 0
    return out
'''),
    ("relu_clone_setitem", "clone().detach(): x is safe but no gradient flows", '''
def relu_clone_setitem(x):
    out = x.clone().detach()
    out[out < 0] = 0
    return out
'''),
    # --- relu_where
    ("relu_where", "branches swapped: keeps the negative part", '''
import torch as t

def relu_where(x):
    return t.where(x > 0, 0.0, x)
'''),
    ("relu_where", "zeros of length len(x): only works for 1-D inputs", '''
import torch as t

def relu_where(x):
    return t.where(x > 0, x, t.zeros(len(x)))
'''),
    # --- relu_maximum
    ("relu_maximum", "t.max of one tensor is its largest element", '''
import torch as t

def relu_maximum(x):
    return t.max(x)
'''),
    ("relu_maximum", "zeros of length len(x): only works for 1-D inputs", '''
import torch as t

def relu_maximum(x):
    return t.maximum(x, t.zeros(len(x)))
'''),
    # --- relu_abs
    ("relu_abs", "abs alone flips the negatives instead of zeroing them", '''
import torch as t

def relu_abs(x):
    return t.abs(x)
'''),
    ("relu_abs", "(|x| - x) / 2 is relu(-x)", '''
def relu_abs(x):
    return (x.abs() - x) / 2
'''),
    ("relu_abs", "floor division: right on integers, wrong on floats, and no gradient", '''
def relu_abs(x):
    return (x + x.abs()) // 2
'''),
    # --- relu_multiply_bool
    ("relu_multiply_bool", "mask the wrong way round", '''
def relu_multiply_bool(x):
    return x * (x < 0)
'''),
    ("relu_multiply_bool", "in-place multiply on the input", '''
def relu_multiply_bool(x):
    return x.mul_(x > 0)
'''),
    ("relu_multiply_bool", "x.data leaves the autograd graph: no gradient", '''
def relu_multiply_bool(x):
    return x.data * (x > 0)
'''),
]

RIGHT = [  # other correct solutions: must pass every test of the exercise
    ("pitfall_predictions", "torch.Size and dtype objects, aliases and lists", '''
import torch
pitfall_predictions = {
    "a": torch.Size([5]), "b": [1], "c": (1,), "d": torch.float, "e": torch.Size([3]),
    "f": torch.bool, "g": torch.Size([]), "h": "torch.long", "i": "RuntimeError", "j": "float64",
}
'''),
    ("memory_contents", "a fresh header set onto the same storage", '''
import torch as t

def memory_contents(x):
    return x.new_empty(0).set_(x.untyped_storage())
'''),
    ("memory_contents", "a copy of the raw bytes, reinterpreted", '''
import torch as t

def memory_contents(x):
    return t.frombuffer(bytearray(bytes(x.untyped_storage())), dtype=x.dtype)
'''),
    ("strided_cases", "lists, torch.Size, and another stride for the size-1 axis", '''
import torch
strided_cases = [
    [[4], [1]], (torch.Size([2, 3]), (5, 1)), ((2, 3), [11, 0]), ((4,), (6,)), ((2, 1, 3), (9, 42, 1)), ((2, 2, 2, 2), (12, 4, 2, 1)),
]
'''),
    ("add_to_columns", "transpose, add to rows, transpose back", '''
def add_to_columns(matrix, v):
    return (matrix.T + v).T
'''),
    ("add_to_columns", "unsqueeze(1)", '''
def add_to_columns(matrix, v):
    return matrix + v.unsqueeze(1)
'''),
    ("shares_memory", "first element's address minus the offset in bytes", '''
def shares_memory(a, b):
    start_a = a.data_ptr() - a.storage_offset() * a.element_size()
    start_b = b.data_ptr() - b.storage_offset() * b.element_size()
    return start_a == start_b
'''),
    ("expanded_strides", "walk both shapes from the right, return a list", '''
def expanded_strides(x, shape):
    out = [0] * len(shape)
    for k in range(1, len(shape) + 1):
        if k <= x.dim() and not (x.shape[-k] == 1 and shape[-k] != 1):
            out[-k] = x.stride()[-k]
    return out
'''),
    ("expand_predictions", "tuples of ints", '''
expand_predictions = {"a": "RuntimeError", "b": (0, 100, 2, 3), "c": (100, 100, 100), "d": (100, 1, 1), "e": 16}
'''),
    ("matmul_einsum", "other letters", '''
import torch as t

def matmul_einsum(a, b):
    return t.einsum("mn,np->mp", a, b)
'''),
    ("matmul_einsum", "einops.einsum with named axes", '''
import einops

def matmul_einsum(a, b):
    return einops.einsum(a, b, "row inner, inner col -> row col")
'''),
    ("diagonal_einsum", "other letter", '''
import torch as t

def diagonal_einsum(x):
    return t.einsum("jj->j", x)
'''),
    ("diagonal_einsum", "repeated index across operands, with an identity matrix", '''
import torch as t

def diagonal_einsum(x):
    return t.einsum("ij,ij->i", x, t.eye(x.shape[0], dtype=x.dtype))
'''),
    ("trace_einsum", "implicit mode: no arrow", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ii", x)
'''),
    ("trace_einsum", "diagonal with einsum, then sum", '''
import torch as t

def trace_einsum(x):
    return t.einsum("ii->i", x).sum()
'''),
    ("relu_clone_setitem", "t.clone and a <= mask on the copy", '''
import torch as t

def relu_clone_setitem(x):
    out = t.clone(x)
    out[out <= 0] = 0
    return out
'''),
    ("relu_where", "zeros_like in the other branch", '''
import torch as t

def relu_where(x):
    return t.where(x < 0, t.zeros_like(x), x)
'''),
    ("relu_where", "a 0-d tensor of x's dtype", '''
import torch as t

def relu_where(x):
    return t.where(x > 0, x, t.tensor(0.0, dtype=x.dtype))
'''),
    ("relu_maximum", "a 0-d zero that broadcasts", '''
def relu_maximum(x):
    return x.maximum(x.new_zeros(()))
'''),
    ("relu_abs", "multiply by a half", '''
import torch as t

def relu_abs(x):
    return 0.5 * (x + t.abs(x))
'''),
    ("relu_multiply_bool", "cast the mask to x's dtype first", '''
def relu_multiply_bool(x):
    return (x >= 0).to(x.dtype) * x
'''),
]

# --- memory_contents on a tensor that owns a permuted storage (not a view of anything).
WRONG += [
    ("memory_contents", "walks the view's base: right for views, logical order for a permuted tensor that owns its storage", '''
def memory_contents(x):
    owner = x._base if x._base is not None else x
    return owner.flatten()
'''),
    ("memory_contents", "contiguous() of a non-view: copies in logical order, not memory order", '''
def memory_contents(x):
    if x._base is not None:
        n = x.untyped_storage().nbytes() // x.element_size()
        return t.as_strided(x, (n,), (1,), 0)
    return x.contiguous().view(-1)
'''),
]

# --- Each of the five ReLUs with the mechanism its docstring names; expanded_strides without expand.
WRONG += [
    ("relu_where", "calls t.relu instead of t.where", '''
def relu_where(x):
    return t.relu(x)
'''),
    ("relu_where", "clamp instead of t.where", '''
def relu_where(x):
    return x.clamp(min=0)
'''),
    ("relu_maximum", "F.relu instead of t.maximum", '''
def relu_maximum(x):
    return t.nn.functional.relu(x)
'''),
    ("relu_maximum", "t.where instead of t.maximum", '''
def relu_maximum(x):
    return t.where(x > 0, x, t.zeros_like(x))
'''),
    ("relu_abs", "the Tensor method relu instead of t.abs", '''
def relu_abs(x):
    return x.relu()
'''),
    ("relu_abs", "clip instead of t.abs", '''
def relu_abs(x):
    return t.clip(x, min=0.0)
'''),
    ("relu_multiply_bool", "t.maximum instead of a boolean mask", '''
def relu_multiply_bool(x):
    return t.maximum(x, t.zeros_like(x))
'''),
    ("relu_multiply_bool", "nn.ReLU module instead of a boolean mask", '''
def relu_multiply_bool(x):
    return t.nn.ReLU()(x)
'''),
    ("relu_clone_setitem", "clone then clamp_ instead of an assignment", '''
def relu_clone_setitem(x):
    return x.clone().clamp_(min=0)
'''),
    ("relu_clone_setitem", "no clone: t.where on the input", '''
def relu_clone_setitem(x):
    return t.where(x < 0, t.zeros_like(x), x)
'''),
    ("expanded_strides", "asks expand for the answer", '''
def expanded_strides(x, shape):
    return x.expand(*shape).stride()
'''),
    ("expanded_strides", "asks broadcast_to for the answer", '''
def expanded_strides(x, shape):
    return t.broadcast_to(x, shape).stride()
'''),
    ("expanded_strides", "expand_as on an empty target", '''
def expanded_strides(x, shape):
    return x.expand_as(t.empty(shape)).stride()
'''),
]

# --- "with t.einsum" means einsum; inputs stay unchanged.
WRONG += [
    ("matmul_einsum", "the @ operator", '''
def matmul_einsum(a, b):
    return a @ b
'''),
    ("matmul_einsum", "t.mm", '''
def matmul_einsum(a, b):
    return t.mm(a, b)
'''),
    ("diagonal_einsum", "t.diagonal", '''
def diagonal_einsum(x):
    return t.diagonal(x)
'''),
    ("diagonal_einsum", "the diag method", '''
def diagonal_einsum(x):
    return x.diag()
'''),
    ("trace_einsum", "t.trace", '''
def trace_einsum(x):
    return t.trace(x)
'''),
    ("trace_einsum", "the diagonal, summed", '''
def trace_einsum(x):
    return x.diagonal().sum()
'''),
    ("add_to_columns", "adds v into matrix in place", '''
def add_to_columns(matrix, v):
    matrix += v[:, None]
    return matrix
'''),
    ("matmul_einsum", "scales a in place on the way", '''
def matmul_einsum(a, b):
    a.mul_(1.5)
    return t.einsum("ij,jk->ik", a, b) / 1.5
'''),
    ("trace_einsum", "zeroes the input after use", '''
def trace_einsum(x):
    out = t.einsum("ii->", x).clone()
    x.zero_()
    return out
'''),
]

WRONG += [
    ("memory_contents", "zeroes the tensor after reading its storage", '''
def memory_contents(x):
    n = x.untyped_storage().nbytes() // x.element_size()
    out = t.as_strided(x, (n,), (1,), 0).clone()
    x.zero_()
    return out
'''),
    ("shares_memory", "writes a marker into a to test for sharing", '''
def shares_memory(a, b):
    old = a.flatten()[0].item()
    a.view(-1)[0] = old + 12345
    shared = bool((b == old + 12345).any())
    return shared
'''),
    ("expanded_strides", "makes x contiguous in place first", '''
def expanded_strides(x, shape):
    x.set_(x.contiguous())
    offset = len(shape) - x.dim()
    return tuple(0 if i < offset or (x.shape[i - offset] == 1 and n != 1) else x.stride(i - offset) for i, n in enumerate(shape))
'''),
]

# Blind red team (r45): more plausible mistakes and more correct idioms.
WRONG += [
    ("pitfall_predictions", "expects mean() of integers to raise a TypeError", _pitfalls(i='"TypeError"')),
    ("memory_contents", "right length, but as_strided's default offset is x's own: wrong for slices", '''
def memory_contents(x):
    n = x.untyped_storage().nbytes() // x.element_size()
    return t.as_strided(x, (n - x.storage_offset(),), (1,))
'''),
    ("memory_contents", "counts the storage in bytes, not in elements", '''
def memory_contents(x):
    return t.as_strided(x, (x.untyped_storage().nbytes(),), (1,), 0)
'''),
    ("strided_cases", "case 5 drops the size-1 middle axis: shape (2, 3), not (2, 1, 3)", '''
strided_cases = [((4,), (1,)), ((2, 3), (5, 1)), ((2, 3), (11, 0)), ((4,), (6,)), ((2, 3), (9, 1)),
                 ((2, 2, 2, 2), (12, 4, 2, 1))]
'''),
    ("expanded_strides", "the strides of a fresh contiguous tensor of the target shape", '''
def expanded_strides(x, shape):
    return tuple(t.empty(shape).stride())
'''),
    ("expand_predictions", "believes the write reaches only the row it names", '''
expand_predictions = {"a": "RuntimeError", "b": [0.0, 100.0, 2.0, 3.0], "c": [100.0, 1.0, 1.0],
                      "d": [100.0, 1.0, 1.0], "e": 16}
'''),
    ("relu_where", "detaches the kept branch: no gradient", '''
def relu_where(x):
    return t.where(x > 0, x.detach(), 0.0)
'''),
    ("relu_multiply_bool", "casts the result to float32: float64 input loses its dtype", '''
def relu_multiply_bool(x):
    return (x * (x > 0)).float()
'''),
]

RIGHT += [
    ("memory_contents", "one 0-d view per storage position, stacked", '''
def memory_contents(x):
    n = x.untyped_storage().nbytes() // x.element_size()
    return t.stack([t.as_strided(x, (), (), i) for i in range(n)])
'''),
    ("add_to_columns", "row by row, stacked", '''
def add_to_columns(matrix, v):
    return t.stack([matrix[i] + v[i] for i in range(matrix.shape[0])])
'''),
    ("expanded_strides", "a torch.Size, with 0 for every target axis of size 1 (never checked)", '''
def expanded_strides(x, shape):
    out = []
    for k in range(1, len(shape) + 1):
        d = x.dim() - k
        out.append(0 if d < 0 or shape[-k] == 1 or x.shape[d] == 1 else x.stride(d))
    return t.Size(reversed(out))
'''),
    ("matmul_einsum", "einsum's sublist format", '''
def matmul_einsum(a, b):
    return t.einsum(a, [0, 1], b, [1, 2], [0, 2])
'''),
    ("diagonal_einsum", "einsum's sublist format", '''
def diagonal_einsum(x):
    return t.einsum(x, [0, 0], [0])
'''),
    ("relu_abs", "the builtin abs (Tensor.__abs__)", '''
def relu_abs(x):
    return (x + abs(x)) / 2
'''),
    ("relu_maximum", "the maximum method with a 0-d zero of x's dtype", '''
def relu_maximum(x):
    return x.maximum(x.new_zeros(()))
'''),
    ("relu_multiply_bool", "t.mul with x.gt(0)", '''
def relu_multiply_bool(x):
    return t.mul(x, x.gt(0))
'''),
]

WRONG += [  # answers that tamper with what the hidden tests run in the kernel (r45)
    ("pitfall_predictions", "all wrong, and shadows the builtin sorted that the hidden verdict used", '''
pitfall_predictions = {"a": (1,), "b": (5,), "c": (5,), "d": "torch.bool", "e": (), "f": "torch.float32", "g": (1,),
                       "h": "torch.int32", "i": 2.5, "j": "torch.float32"}
sorted = lambda *args, **kwargs: []
'''),
    ("expand_predictions", "all wrong, and shadows the builtin sorted that the hidden verdict used", '''
expand_predictions = {"a": "ok", "b": [0, 1, 2, 3], "c": [100, 1, 1], "d": [100, 100, 100], "e": 48}
sorted = lambda *args, **kwargs: []
'''),
    ("expanded_strides", "returns zeros and rebinds the test's _layout to a 0-d tensor's while it runs", '''
import sys as _sys


def expanded_strides(x, shape):
    _sys._getframe(1).f_globals["_layout"] = ((), ())
    return tuple(0 for _ in shape)
'''),
]
