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
