"""Small interactive figures for the notebooks (ipywidgets 8).

    >>> from mlprereq import widgets
    >>> widgets.softmax_temperature()        # doctest: +SKIP

Each function returns an ``Explorer``: its ``controls`` (ipywidgets), the
current ``data`` (the numbers drawn) and ``image`` (an ``ipywidgets.Image``
holding the figure as PNG). Moving a control redraws. Displayed, an explorer
offers both the live widget and a static PNG, so a frontend without widgets
(the grader's feedback, GitHub) shows the figure; under the grader
(``NBGRADER_EXECUTION`` set) only the static PNG is produced.
"""
from __future__ import annotations

import base64
import io
import os

import numpy as np

__all__ = ["Explorer", "softmax_temperature", "broadcasting_explorer", "gradient_descent_losses",
           "einops_playground", "as_strided_explorer", "nn_training"]


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


class Explorer:
    """Controls plus a figure that ``draw(values) -> (Figure, data)`` redraws whenever a control moves."""

    def __init__(self, controls: dict, draw):
        import ipywidgets as w

        self.controls, self._draw = controls, draw
        self.image = w.Image(format="png")
        self.error = ""
        for control in controls.values():
            control.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([w.HBox(list(controls.values())), self.image])
        self.update()

    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def update(self) -> None:
        fig, self.data = self._draw(**self.values())
        self.image.value = _png(fig)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _bundle(self.image.value, self.widget, f"<{type(self).__name__}: {self.values()}>")


def _bundle(png: bytes, widget, text: str) -> dict:
    """The figure as a static PNG, plus the live widget (if any) except under the grader."""
    bundle = {"image/png": base64.b64encode(png).decode(), "text/plain": text}
    if widget is not None and not os.environ.get("NBGRADER_EXECUTION"):
        bundle.update(widget._repr_mimebundle_() or {})
    return bundle


def _figure(ncols=1, width=6.0, height=3.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80, layout="constrained")
    return fig, fig.subplots(1, ncols)


# ---------------------------------------------------------------- softmax
def softmax_temperature(logits=(2.0, 1.0, 0.5, -1.0, 0.0)) -> Explorer:
    """Bars of softmax(logits / T); a slider sets the temperature T (low: one winner, high: uniform)."""
    import ipywidgets as w

    z = np.asarray(logits, dtype=float)

    def draw(temperature):
        s = z / temperature
        p = np.exp(s - s.max())
        p /= p.sum()
        fig, ax = _figure()
        ax.bar(range(len(p)), p, color="tab:blue")
        ax.set_ylim(0, 1)
        ax.set_xticks(range(len(p)), [f"z={v:g}" for v in z])
        ax.set_title(f"softmax(z / T), T = {temperature:.2f}")
        return fig, {"probabilities": p}

    return Explorer({"temperature": w.FloatLogSlider(value=1.0, base=10, min=-1.5, max=1.5, step=0.05,
                                                     description="T")}, draw)


# ---------------------------------------------------------------- broadcasting
def _parse_shape(text: str) -> tuple[int, ...]:
    text = text.strip().strip("()[]")
    return tuple(int(p) for p in text.replace(",", " ").split()) if text else ()


def broadcasting_explorer(a: str = "3, 1", b: str = "4") -> Explorer:
    """Type two shapes: see them aligned from the right, which axes stretch, and the result or the error."""
    import ipywidgets as w

    def draw(a, b):
        fig, ax = _figure(height=2.2)
        ax.axis("off")
        try:
            sa, sb = _parse_shape(a), _parse_shape(b)
            result, message = np.broadcast_shapes(sa, sb), ""
        except ValueError as err:
            sa = sb = result = None
            message = str(err)
        if sa is None:
            ax.text(0.5, 0.5, message, ha="center", va="center", color="tab:red", wrap=True)
            return fig, {"result": None, "error": message}
        n = len(result)
        rows = [("a", (1,) * (n - len(sa)) + sa, len(sa)), ("b", (1,) * (n - len(sb)) + sb, len(sb))]
        for r, (name, shape, real) in enumerate(rows):
            ax.text(-0.5, -r, name, ha="right", va="center")
            for i, size in enumerate(shape):
                padded, stretched = i < n - real, size == 1 and result[i] != 1
                colour = "lightgrey" if padded else ("gold" if stretched else "white")
                ax.add_patch(__import__("matplotlib.patches", fromlist=["x"]).Rectangle(
                    (i - 0.45, -r - 0.4), 0.9, 0.8, facecolor=colour, edgecolor="black"))
                ax.text(i, -r, str(size), ha="center", va="center")
        ax.text(-0.5, -2, "result", ha="right", va="center")
        for i, size in enumerate(result):
            ax.text(i, -2, str(size), ha="center", va="center", fontweight="bold")
        ax.set_xlim(-1.5, max(n, 1))
        ax.set_ylim(-2.6, 0.6)
        ax.set_title("grey: axis added on the left · gold: size 1 stretched", fontsize=9)
        return fig, {"result": tuple(result), "error": ""}

    return Explorer({"a": w.Text(value=a, description="shape a"), "b": w.Text(value=b, description="shape b")}, draw)


# ---------------------------------------------------------------- gradient descent
def descend(loss: str, x0: float, lr: float, steps: int) -> np.ndarray:
    """Gradient descent on the prediction x of a target 1: ``quadratic`` (1-x)^2, ``bce`` -log x.

    Under BCE every step adds lr / x >= lr while 0 < x <= 1, so x leaves (0, 1) after at most
    ceil((1 - x0) / lr) steps; the path stops there, where -log x stops being a loss of a probability.
    """
    xs = [x0]
    for _ in range(steps):
        x = xs[-1]
        if loss == "bce" and not 0 < x <= 1:
            break
        grad = -2 * (1 - x) if loss == "quadratic" else -1 / x
        xs.append(x - lr * grad)
    return np.array(xs)


def gradient_descent_losses(x0: float = 0.1, lr: float = 0.1, steps: int = 30) -> Explorer:
    """The prediction x over steps of gradient descent, quadratic loss against BCE (target 1)."""
    import ipywidgets as w

    def draw(x0, lr, steps):
        fig, ax = _figure()
        paths = {name: descend(name, x0, lr, steps) for name in ("quadratic", "bce")}
        for name, xs in paths.items():
            ax.plot(range(len(xs)), xs, marker=".", label=name)
        ax.axhline(1, color="grey", lw=0.8, ls="--")
        left = next((i for i, x in enumerate(paths["bce"]) if not 0 < x <= 1), None)
        note = f"BCE: x left (0, 1] at step {left}" if left is not None else "BCE: x still in (0, 1]"
        ax.set_title(f"target 1, lr = {lr:.2f} · {note}", fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("prediction x")
        ax.legend()
        return fig, {**paths, "bce_left_at": left}

    return Explorer({
        "x0": w.FloatSlider(value=x0, min=0.01, max=0.99, step=0.01, description="start x"),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.05, description="lr"),
        "steps": w.IntSlider(value=steps, min=1, max=200, description="steps"),
    }, draw)


# ---------------------------------------------------------------- einops
def einops_playground(pattern: str = "b c h w -> c h (b w)", sizes: str = "") -> Explorer:
    """Type an einops ``rearrange`` pattern for the (6, 3, 150, 150) digits: see the image, its shape or einops' error.

    ``sizes`` gives axis lengths einops cannot infer, e.g. ``b1=2``.
    """
    import einops
    import ipywidgets as w

    from .display import _show
    from .numbers import load_numbers

    numbers = load_numbers()

    def draw(pattern, sizes):
        fig, ax = _figure(width=6, height=3)
        try:
            lengths = {k.strip(): int(v) for k, v in (p.split("=") for p in sizes.replace(",", " ").split())}
            out = einops.rearrange(numbers, pattern, **lengths)
            _show(ax, out)
            return fig, {"shape": tuple(out.shape), "error": ""}
        except Exception as err:  # einops' own message is the lesson here
            ax.axis("off")
            ax.text(0.5, 0.5, str(err).strip()[:300], ha="center", va="center", wrap=True, fontsize=8, color="tab:red")
            return fig, {"shape": None, "error": str(err)}

    return Explorer({"pattern": w.Text(value=pattern, description="pattern", layout=w.Layout(width="24em")),
                     "sizes": w.Text(value=sizes, description="sizes")}, draw)


# ---------------------------------------------------------------- as_strided
def as_strided_explorer(size: str = "2, 3", stride: str = "3, 1", offset: int = 0, storage: int = 12) -> Explorer:
    """Type a size and a stride: see which elements of a storage 0..n-1 ``as_strided`` reads, and the view."""
    import ipywidgets as w
    import torch

    base = torch.arange(storage)

    def draw(size, stride, offset):
        fig, (top, bottom) = _figure(ncols=2, width=8, height=2.6)
        try:
            sz, st = _parse_shape(size), _parse_shape(stride)
            view = torch.as_strided(base, sz, st, offset)
            read, error = view.flatten().tolist(), ""
        except (RuntimeError, ValueError) as err:
            view, read, error = None, [], str(err).splitlines()[0]
        counts = np.bincount(np.array(read, dtype=int), minlength=storage)[:storage]
        top.imshow(counts[None, :], cmap="Oranges", vmin=0, vmax=max(1, counts.max()), aspect="auto")
        for i in range(storage):
            top.text(i, 0, str(i), ha="center", va="center")
        top.set_yticks([])
        top.set_title("storage (colour: times read)", fontsize=9)
        bottom.axis("off")
        if view is None:
            bottom.text(0.5, 0.5, error, ha="center", va="center", wrap=True, fontsize=8, color="tab:red")
        else:
            bottom.text(0.5, 0.5, str(view.numpy()), ha="center", va="center", family="monospace")
            bottom.set_title(f"as_strided(size={tuple(sz)}, stride={tuple(st)}, offset={offset})", fontsize=9)
        return fig, {"read": read, "counts": counts, "error": error}

    return Explorer({"size": w.Text(value=size, description="size"), "stride": w.Text(value=stride, description="stride"),
                     "offset": w.IntSlider(value=offset, min=0, max=storage - 1, description="offset")}, draw)


# ---------------------------------------------------------------- training a net (05)
def nn_training(init, step, predict, device="cpu", **options):
    """Train the student's MNIST net with a chosen learning rate: live loss and accuracy, misclassified digits.

    ``init()`` makes a net, ``step(net, inputs, targets, learning_rate)`` is one training step and
    ``predict(inputs, net)`` gives the (batch, 10) outputs; see ``mlprereq.training_widget``.
    """
    from .training_widget import nn_training as make

    return make(init, step, predict, device=device, **options)
