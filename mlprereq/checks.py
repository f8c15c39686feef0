"""Assertions used by the notebooks' test cells.

Each one raises ``AssertionError`` with a message a student can act on: which
shape or dtype was expected, and which entries differ.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["assert_all_equal", "assert_all_close", "assert_shape", "as_tensor"]

_MAX_SHOWN = 5


def as_tensor(x) -> torch.Tensor:
    """A torch tensor view of ``x`` (tensor, NumPy array or Python number)."""
    if isinstance(x, torch.Tensor):
        return x.detach()
    if isinstance(x, np.ndarray):
        # A fresh C-ordered copy: torch refuses some negative-stride arrays NumPy calls contiguous.
        return torch.from_numpy(np.array(x, order="C", copy=True))
    if isinstance(x, float):
        return torch.tensor(x, dtype=torch.float64)  # keep a Python float's full precision
    return torch.as_tensor(x)


def _kind(x) -> str:
    return type(x).__module__.split(".")[0] + "." + type(x).__name__


def assert_shape(actual, expected_shape, name: str = "result") -> None:
    """Fail with a clear message unless ``actual`` has ``expected_shape``."""
    shape = tuple(getattr(actual, "shape", ()))
    if shape != tuple(expected_shape):
        raise AssertionError(
            f"Shape mismatch for {name}: expected {tuple(expected_shape)}, got {shape}."
        )


def _check_type_and_shape(actual, expected, name: str, check_dtype: bool) -> tuple[torch.Tensor, torch.Tensor]:
    if actual is None:
        raise AssertionError(f"{name} is None: did you forget to `return` it?")
    if not isinstance(actual, (torch.Tensor, np.ndarray, int, float, bool, np.generic)):
        raise AssertionError(f"{name} should be a tensor or array, got {_kind(actual)}.")
    a, e = as_tensor(actual), as_tensor(expected)
    assert_shape(a, e.shape, name)
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(f"dtype mismatch for {name}: expected {e.dtype}, got {a.dtype}.")
    return a, e


def _describe_mismatch(a: torch.Tensor, e: torch.Tensor, bad: torch.Tensor, name: str) -> str:
    idx = bad.nonzero()
    lines = [f"Value mismatch for {name}: {len(idx)} of {bad.numel()} entries differ."]
    for i in idx[:_MAX_SHOWN].tolist():
        where = tuple(i)
        lines.append(f"  at index {where}: expected {e[where].item()!r}, got {a[where].item()!r}")
    if len(idx) > _MAX_SHOWN:
        lines.append(f"  ... and {len(idx) - _MAX_SHOWN} more")
    return "\n".join(lines)


def assert_all_equal(actual, expected, name: str = "result", check_dtype: bool = False) -> None:
    """Exact comparison: same shape (and dtype if asked) and identical entries."""
    a, e = _check_type_and_shape(actual, expected, name, check_dtype)
    bad = a != e.to(a.dtype) if a.dtype != e.dtype else a != e
    if bad.ndim == 0:
        bad = bad.reshape(1)
        a, e = a.reshape(1), e.reshape(1)
    if bad.any():
        raise AssertionError(_describe_mismatch(a, e, bad, name))


def assert_all_close(
    actual, expected, atol: float = 1e-4, rtol: float = 1e-4, name: str = "result", check_dtype: bool = False
) -> None:
    """Comparison within tolerance; infinities must match exactly, NaN never passes."""
    a, e = _check_type_and_shape(actual, expected, name, check_dtype)
    if not (a.is_floating_point() or a.is_complex()):
        a = a.double()
    a, e = a.double(), e.double()
    close = torch.isclose(a, e, atol=atol, rtol=rtol, equal_nan=False)
    bad = ~close
    if bad.ndim == 0:
        bad, a, e = bad.reshape(1), a.reshape(1), e.reshape(1)
    if bad.any():
        raise AssertionError(_describe_mismatch(a, e, bad, name) + f"\n(tolerance atol={atol}, rtol={rtol})")
