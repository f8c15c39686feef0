"""The widgets redraw when a control moves, and show the right numbers (no browser needed)."""
import base64
import math

import numpy as np
import pytest

from mlprereq import widgets


def test_softmax_temperature_slider_sharpens_and_flattens():
    w = widgets.softmax_temperature([2.0, 1.0, 0.0])
    png = w.image.value
    assert bytes(png).startswith(b"\x89PNG")
    np.testing.assert_allclose(w.data["probabilities"], np.exp([2, 1, 0]) / np.exp([2, 1, 0]).sum())
    w.controls["temperature"].value = 0.05
    assert w.image.value != png
    assert w.data["probabilities"][0] > 0.999
    w.controls["temperature"].value = 30
    assert np.ptp(w.data["probabilities"]) < 0.05


def test_broadcasting_explorer_gives_the_result_or_numpys_error():
    w = widgets.broadcasting_explorer("3, 1", "4")
    assert w.data == {"result": (3, 4), "error": ""}
    png = w.image.value
    w.controls["b"].value = "(2, 4, 5)"
    assert w.data["result"] is None and "broadcast" in w.data["error"]
    assert w.image.value != png
    w.controls["b"].value = "4, 5"
    w.controls["a"].value = "8 1 1"
    assert w.data["result"] == (8, 4, 5)


def test_bce_leaves_the_unit_interval_in_finitely_many_steps():
    x0, lr = 0.1, 0.1
    bce = widgets.descend("bce", x0, lr, 1000)
    assert bce[-1] > 1 and np.all((bce[:-1] > 0) & (bce[:-1] <= 1))
    assert len(bce) - 1 <= math.ceil((1 - x0) / lr)
    quad = widgets.descend("quadratic", x0, lr, 200)
    assert np.all(quad < 1) and abs(quad[-1] - 1) < 1e-6
    w = widgets.gradient_descent_losses(x0, lr, 30)
    assert w.data["bce_left_at"] == len(bce) - 1
    png = w.image.value
    w.controls["lr"].value = 0.01
    assert w.image.value != png and w.data["bce_left_at"] is None


def test_display_offers_a_static_png_and_only_that_under_the_grader(monkeypatch):
    w = widgets.softmax_temperature()
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and base64.b64decode(bundle["image/png"]) == bytes(w.image.value)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert set(w._repr_mimebundle_()) == {"image/png", "text/plain"}


def test_einops_playground_shows_the_shape_or_einops_error():
    w = widgets.einops_playground("b c h w -> c h (b w)")
    assert w.data == {"shape": (3, 150, 900), "error": ""}
    png = w.image.value
    w.controls["pattern"].value = "b c h w -> c (b1 h) (b2 w)"
    assert w.data["shape"] is None and "b1" in w.data["error"]
    w.controls["pattern"].value = "(b1 b2) c h w -> c (b1 h) (b2 w)"
    w.controls["sizes"].value = "b1=2"
    assert w.data["shape"] == (3, 300, 450)
    assert w.image.value != png


def test_as_strided_explorer_highlights_what_is_read():
    w = widgets.as_strided_explorer("2, 3", "3, 1", storage=12)
    assert w.data["read"] == [0, 1, 2, 3, 4, 5]
    w.controls["stride"].value = "1, 0"
    assert w.data["read"] == [0, 0, 0, 1, 1, 1] and w.data["counts"][0] == 3
    w.controls["offset"].value = 4
    assert w.data["read"] == [4, 4, 4, 5, 5, 5]
    w.controls["size"].value = "4, 4"
    w.controls["stride"].value = "4, 1"
    assert w.data["read"] == [] and "out of bounds" in w.data["error"]


# ---------------------------------------------------------------- the NN training widget (05)
class TinyNet:
    """A student's net in miniature (784 -> 32 -> 10), with the notebook's interface."""

    def __init__(self):
        import torch

        bound = 1 / 20
        self.layer_0 = torch.empty(32, 784).uniform_(-bound, bound).requires_grad_()
        self.layer_0_bias = torch.empty(32).uniform_(-bound, bound).requires_grad_()
        self.layer_1 = torch.empty(10, 32).uniform_(-bound, bound).requires_grad_()
        self.layer_1_bias = torch.empty(10).uniform_(-bound, bound).requires_grad_()


def tiny_forward(x, net):
    import torch

    hidden = torch.relu(x @ net.layer_0.T + net.layer_0_bias)
    return torch.softmax(hidden @ net.layer_1.T + net.layer_1_bias, dim=-1)


def tiny_step(net, inputs, expected_outputs, learning_rate):
    import torch

    for p in vars(net).values():
        p.grad = None
    ((tiny_forward(inputs, net) - expected_outputs) ** 2).mean().backward()
    with torch.no_grad():
        for p in vars(net).values():
            p -= learning_rate * p.grad


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny matrices on a shared, loaded machine: more threads only fight over the cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits():
    from mlprereq.mnist import load_mnist

    return load_mnist(train_size=500, test_size=300, download=False, quiet=True)


def trained(widget, learning_rate, steps):
    widget.controls["learning_rate"].value = learning_rate
    widget.controls["steps"].value = steps
    before = (bytes(widget.image.value), bytes(widget.gallery.value))
    widget.button.click()
    return before


def test_nn_training_learns_at_a_sane_rate_and_shows_what_it_gets_wrong(digits):
    w = widgets.nn_training(TinyNet, tiny_step, tiny_forward, data=digits, every=10)
    assert w.history is None and "Train" in w.button.description  # nothing trains until the button is pressed
    redraws = []
    w.image.observe(lambda change: redraws.append(change["new"]), names="value")
    plot, gallery = trained(w, 10.0, 60)
    h = w.history
    assert h.steps == list(range(0, 61, 10)) and len(redraws) == 6  # the plot is redrawn while it trains
    assert h.loss[-1] < 0.75 * h.loss[0] and h.held_out_accuracy[-1] > 0.5
    assert bytes(w.image.value) != plot and bytes(w.gallery.value) != gallery
    assert 0 < len(h.misclassified) <= 12 and h.wrong >= len(h.misclassified)
    for i, true, guess in h.misclassified:
        assert true == int(digits.test_labels[i]) and guess != true
    assert w.message.startswith("Done: loss") and "went down" in w.message and not w.button.disabled


def test_nn_training_with_a_huge_rate_blows_up_or_stalls(digits):
    w = widgets.nn_training(TinyNet, tiny_step, tiny_forward, data=digits, every=10)
    trained(w, 10_000.0, 60)
    h = w.history
    assert h.stopped or min(h.loss[1:]) > h.loss[0], h.loss  # overshoots at once, then stays high (or diverges)
    assert h.held_out_accuracy[-1] < 0.5 and "too large" in w.message, w.message
    trained(w, 0.01, 20)  # and a tiny rate barely moves
    assert abs(w.history.loss[-1] - w.history.loss[0]) < 0.01 * w.history.loss[0]
    assert "too small" in w.message


def test_nn_training_says_which_function_is_not_done(digits):
    def forward(x, net):
        # YOUR CODE HERE
        raise NotImplementedError()

    w = widgets.nn_training(TinyNet, tiny_step, forward, data=digits)
    plot = bytes(w.image.value)
    w.button.click()
    assert w.history is None and bytes(w.image.value) == plot
    assert "`forward` is not done yet" in w.message and "Traceback" not in w.status.value
    assert not w.button.disabled

    def broken_step(net, inputs, expected_outputs, learning_rate):
        return inputs @ net.layer_1  # a shape error in the student's own step

    w = widgets.nn_training(TinyNet, broken_step, tiny_forward, data=digits)
    w.button.click()
    assert "`broken_step` raised RuntimeError" in w.message

    def initialize():
        TinyNet()  # forgot the return

    w = widgets.nn_training(initialize, tiny_step, tiny_forward, data=digits)
    w.button.click()
    assert "`initialize` returned None, not a net" in w.message

    def flat_forward(x, net):
        return tiny_forward(x, net).sum(-1)  # (batch,) instead of (batch, 10)

    w = widgets.nn_training(TinyNet, tiny_step, flat_forward, data=digits)
    w.button.click()
    assert "`flat_forward` gave (500,) for 500 images; it should give a (500, 10) tensor" in w.message


def test_nn_training_under_the_grader_is_a_static_figure_that_loads_and_trains_nothing(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def never(*_args):
        raise AssertionError("the grader must not run the student's code from the widget")

    shown = widgets.nn_training(never, never, never)
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert not hasattr(shown, "button")
