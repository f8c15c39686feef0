"""The assertion helpers say what is wrong."""
import numpy as np
import pytest
import torch

from mlprereq.checks import assert_all_close, assert_all_equal, assert_shape


def test_equal_passes_and_accepts_numpy():
    assert_all_equal(torch.tensor([1, 2]), torch.tensor([1, 2]))
    assert_all_equal(np.array([1, 2]), torch.tensor([1, 2]))


def test_shape_mismatch_message():
    with pytest.raises(AssertionError, match=r"Shape mismatch for result: expected \(2, 3\), got \(3, 2\)"):
        assert_all_equal(torch.zeros(3, 2), torch.zeros(2, 3))


def test_value_mismatch_names_the_entries():
    with pytest.raises(AssertionError) as err:
        assert_all_equal(torch.tensor([[1, 2], [3, 5]]), torch.tensor([[1, 2], [3, 4]]))
    assert "1 of 4 entries differ" in str(err.value) and "(1, 1)" in str(err.value)


def test_dtype_checked_only_when_asked():
    assert_all_equal(torch.tensor([1.0]), torch.tensor([1]))
    with pytest.raises(AssertionError, match="dtype mismatch"):
        assert_all_equal(torch.tensor([1.0]), torch.tensor([1]), check_dtype=True)


def test_close_handles_infinities_and_rejects_nan():
    assert_all_close(torch.tensor([float("inf"), 1.0]), torch.tensor([float("inf"), 1.00001]))
    with pytest.raises(AssertionError):
        assert_all_close(torch.tensor([float("nan")]), torch.tensor([0.0]))
    with pytest.raises(AssertionError):
        assert_all_close(torch.tensor([float("-inf")]), torch.tensor([float("inf")]))


def test_none_result_hints_at_missing_return():
    with pytest.raises(AssertionError, match="forget to `return`"):
        assert_all_close(None, torch.tensor([1.0]))


def test_assert_shape():
    assert_shape(torch.zeros(2, 3), (2, 3))
    with pytest.raises(AssertionError, match="expected \\(3,\\)"):
        assert_shape(torch.zeros(2), (3,))


def test_negative_stride_arrays_and_python_floats():
    a = np.zeros((1, 4))[::-2]
    assert_all_equal(a, torch.zeros(1, 4))
    with pytest.raises(AssertionError):
        assert_all_close(1.0 + 1e-9, 1.0, atol=1e-12, rtol=0)


# --- plain data only: a result's class is never asked how it compares ---------------------------

class _AlwaysEqualTensor(torch.Tensor):
    """A tensor subclass whose __torch_function__ answers "equal" and "close" to everything."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.isclose, torch.Tensor.__ne__, torch.Tensor.__eq__, torch.allclose, torch.equal):
            return True
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))


class _DispatchWrapper(torch.Tensor):
    """A wrapper subclass that answers every op through __torch_dispatch__."""

    @staticmethod
    def __new__(cls, inner):
        return torch.Tensor._make_wrapper_subclass(cls, inner.shape, dtype=inner.dtype)

    def __init__(self, inner):
        self.inner = inner

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return torch.ones(1, dtype=torch.bool)


class _EqArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, bool)

    def __array_ufunc__(self, *args, **kwargs):
        return np.ones(self.shape, bool)


class _LyingFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0


@pytest.mark.parametrize("make", [
    lambda: torch.zeros(3).as_subclass(_AlwaysEqualTensor),
    lambda: _DispatchWrapper(torch.zeros(3)),
    lambda: np.zeros(3).view(_EqArray),
    lambda: np.array([object(), object(), object()]),
], ids=["torch_function", "torch_dispatch", "ndarray_subclass", "object_array"])
def test_objects_that_lie_about_comparisons_fail(make):
    for check in (assert_all_equal, assert_all_close):
        with pytest.raises(AssertionError, match="return a plain tensor, got"):
            check(make(), torch.tensor([1.0, 2.0, 3.0]))


def test_number_subclasses_fail_and_plain_numbers_pass():
    with pytest.raises(AssertionError, match="return a plain tensor, got test_checks._LyingFloat"):
        assert_all_close(_LyingFloat(0.0), 1.0)
    assert_all_close(np.float32(1.0), 1.0)
    assert_all_equal(True, True)
    assert_all_equal(torch.nn.Parameter(torch.ones(2)), torch.ones(2))


def test_torch_function_mode_is_switched_off_while_checking():
    from torch.overrides import TorchFunctionMode

    class SayEqual(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func in (torch.isclose, torch.Tensor.__ne__, torch.Tensor.any):
                return torch.tensor(func is torch.isclose)
            return func(*args, **(kwargs or {}))

    with SayEqual():
        with pytest.raises(AssertionError, match="entries differ"):
            assert_all_close(torch.zeros(3), torch.ones(3))
        with pytest.raises(AssertionError, match="entries differ"):
            assert_all_equal(torch.zeros(3), torch.ones(3))


def test_equal_never_truncates_the_expected_value():
    with pytest.raises(AssertionError, match="expected 1.5, got 1"):
        assert_all_equal(torch.tensor([1, 2]), torch.tensor([1.5, 2.0]))
    with pytest.raises(AssertionError, match="entries differ"):
        assert_all_equal(torch.tensor([0, 1], dtype=torch.uint8), torch.tensor([256, 1]))
    assert_all_equal(torch.tensor([float("nan"), 1.0]), torch.tensor([float("nan"), 1.0]))


def test_expected_may_be_lazy():
    calls = []

    def reference():
        calls.append(1)
        return torch.tensor([1.0, 2.0])

    assert_all_close(torch.tensor([1.0, 2.0]), reference)
    assert_all_equal(torch.tensor([1.0, 2.0]), reference)
    assert_shape(torch.zeros(2, 3), lambda: (2, 3))
    assert calls == [1, 1]
    with pytest.raises(AssertionError, match="Shape mismatch"):
        assert_all_close(torch.zeros(3), reference)


def test_student_results_must_be_plain_but_lists_are_rejected_with_the_reason():
    with pytest.raises(AssertionError, match="got builtins.list"):
        assert_all_equal([1, 2], torch.tensor([1, 2]))


def test_doctests():
    import doctest

    import mlprereq.checks

    assert doctest.testmod(mlprereq.checks).failed == 0
