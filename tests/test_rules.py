"""The instruction checks catch what they say and let the rest through."""
import doctest

import numpy as np
import pytest
import torch
from torch import softmax as sm

from mlprereq import rules
from mlprereq.rules import assert_gradients_flow, assert_not_used, assert_used, forbid, names_used, unchanged


def by_softmax(x):
    return torch.softmax(x, -1)


def by_method(x):
    return x.softmax(-1)


def by_alias(x):
    return sm(x, -1)


def by_exp(x):
    e = (x - x.max(-1, keepdim=True).values).exp()
    return e / e.sum(-1, keepdim=True)


def calls_helper(x):
    return by_softmax(x)


SOFTMAXES = ("torch.softmax", "torch.Tensor.softmax", "torch.nn.functional.softmax")


@pytest.mark.parametrize("fn", [by_softmax, by_method, calls_helper])
def test_forbid_raises_when_the_forbidden_function_runs(fn):
    with pytest.raises(rules.ForbiddenCall, match="not allowed"):
        with forbid(*SOFTMAXES, why="build it from exp"):
            fn(torch.randn(3, 4))


def test_forbid_lets_other_code_run_and_restores_everything():
    with forbid(*SOFTMAXES):
        by_exp(torch.randn(3, 4))
    assert torch.softmax is not None and "softmax" not in vars(torch.Tensor)
    torch.randn(2).softmax(0)  # the method is back


@pytest.mark.parametrize("fn", [by_softmax, by_method, by_alias, calls_helper])
def test_assert_not_used_reads_the_source(fn):
    with pytest.raises(AssertionError, match="rules out"):
        assert_not_used(fn, "softmax", "sm")


def test_assert_not_used_passes_a_solution_without_it():
    assert_not_used(by_exp, "softmax")
    assert "exp" in names_used(by_exp)


def test_assert_used():
    assert_used(by_softmax, "softmax")
    with pytest.raises(AssertionError, match="should use einsum"):
        assert_used(by_exp, "einsum")


def test_unchanged_catches_in_place_changes_of_tensors_and_arrays():
    x, a = torch.randn(3), np.arange(3.0)
    with unchanged(x, a):
        (x + 1, a + 1)
    with pytest.raises(AssertionError, match="changed in place"):
        with unchanged(x, a, names=("x", "a")):
            a[0] = 5
    with pytest.raises(AssertionError, match="input x"):
        with unchanged(x, names=("x",)):
            x.clamp_(min=0, max=0)
    nan = torch.tensor([float("nan")])
    with unchanged(nan):
        pass


def test_assert_gradients_flow():
    x = torch.randn(3, requires_grad=True)
    assert_gradients_flow((x * 2).sum(), x)
    with pytest.raises(AssertionError, match="does not carry gradients"):
        assert_gradients_flow(torch.tensor(x.detach().numpy() * 2), x)
    y = torch.randn(3, requires_grad=True)
    with pytest.raises(AssertionError, match=r"input\(s\) \[2\]"):
        assert_gradients_flow(x * 2, x, y)


def test_doctests():
    assert doctest.testmod(rules).failed == 0


def test_the_matrix_product_operator_counts_as_a_name():
    def by_operator(a, b):
        return a @ b

    assert "@" in names_used(by_operator)
    assert "@" not in names_used(by_exp)


def test_an_imported_alias_counts_under_its_real_name():
    with pytest.raises(AssertionError, match="softmax"):
        assert_not_used(by_alias, "softmax")


def numpy_relu(x):
    return np.maximum(x, 0)


def torch_relu_inside(x):
    import torch
    return torch.relu(torch.from_numpy(x)).numpy()


def torch_softmax_alias(x):
    return sm(torch.from_numpy(x), -1).numpy()


def test_assert_libraries_not_used():
    rules.assert_libraries_not_used(numpy_relu, "torch", "scipy")
    rules.assert_libraries_not_used(by_exp, "scipy")  # a tensor argument is data, not a use of torch
    for fn in (torch_relu_inside, torch_softmax_alias, calls_helper):
        with pytest.raises(AssertionError, match="uses torch"):
            rules.assert_libraries_not_used(fn, "torch", "scipy")


def test_forbid_catches_a_reference_taken_before_the_block():
    # A student's `_f = [torch.logsumexp]` at definition time escapes the patched name, not torch's mode.
    saved = [torch.logsumexp, torch.Tensor.softmax]
    with forbid("torch.logsumexp", "torch.Tensor.softmax", why="build it"):
        with pytest.raises(rules.ForbiddenCall, match="torch.logsumexp is not allowed"):
            saved[0](torch.ones(2), dim=0)
        with pytest.raises(rules.ForbiddenCall, match="torch.Tensor.softmax"):
            saved[1](torch.ones(2), 0)
        assert torch.exp(torch.zeros(1)).item() == 1.0  # other torch functions still run
    assert saved[0](torch.zeros(2), dim=0).item() == pytest.approx(np.log(2))


def test_assert_used_is_not_satisfied_by_a_string():
    def product(a, b):
        "einsum"
        return a @ b

    with pytest.raises(AssertionError, match="should use einsum"):
        assert_used(product, "einsum")
    assert "einsum" in names_used(product)  # assert_not_used still sees getattr(t, "einsum")-style names
