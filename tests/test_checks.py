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
