"""Train the student's own MNIST net from a widget: pick a learning rate, press Train, watch it learn.

    >>> widgets.nn_training(initialize_new_three_layer_net, tune_weights_once, forward)   # doctest: +SKIP

The widget runs the notebook's own functions, one ``tune_weights_once`` step
at a time, so that it can redraw the loss and accuracy every few steps; after
training it shows the held-out digits the net gets wrong. Nothing trains until
Train is pressed, and under the grader (``NBGRADER_EXECUTION`` set) only a
static figure is shown: no data is loaded, nothing is trained.
"""
from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from .widgets import _bundle, _png

__all__ = ["TrainingWidget", "nn_training", "NotDone"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
GALLERY_SIZE = 12


class NotDone(Exception):
    """The student's code raised: the message says which function, in plain words."""


@dataclass
class History:
    """What one training run measured, every few steps."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)  # mean squared error on the training images
    train_accuracy: list[float] = field(default_factory=list)
    held_out_accuracy: list[float] = field(default_factory=list)
    misclassified: list[tuple[int, int, int]] = field(default_factory=list)  # (held-out index, true, predicted)
    wrong: int = 0  # how many held-out digits the trained net gets wrong
    stopped: str = ""  # why training stopped early, if it did


def _students_function(tb) -> str:
    """The innermost frame of the traceback outside this package and torch: the student's function."""
    name = "your code"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and f"{os.sep}torch{os.sep}" not in filename:
            name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name if name not in ("<module>", "<lambda>") else "your code"


def _name(fn) -> str:
    return getattr(fn, "__name__", "your function")


def _explain(err: Exception) -> NotDone:
    where = _students_function(err.__traceback__)
    if isinstance(err, NotImplementedError):
        return NotDone(f"`{where}` is not done yet (it still raises NotImplementedError). "
                       "Finish it, run its cell, then press Train again.")
    first = (str(err).strip().splitlines() or [""])[0]
    return NotDone(f"Training stopped: `{where}` raised {type(err).__name__}: {first}. "
                   "Fix it, run its cell, then press Train again.")


class Trainer:
    """Trains a fresh net with the student's ``init``, ``step`` and ``predict`` on MNIST digits."""

    def __init__(self, init, step, predict, data, device="cpu", seed: int = 0):
        import torch

        self.init, self.step, self.predict, self.device, self.seed = init, step, predict, device, seed
        self.train_images = data.train_images.reshape(len(data.train_images), -1).float().to(device)
        self.train_labels = data.train_labels.to(device)
        self.targets = torch.eye(10, device=device)[self.train_labels]
        self.test_images = data.test_images.reshape(len(data.test_images), -1).float().to(device)
        self.test_labels = data.test_labels.to(device)

    def fresh_net(self):
        """A new net from the student's ``init`` (the same one each time), its tensors on the device."""
        import torch

        with torch.random.fork_rng(devices=[]):  # leave the notebook's random numbers as they were
            torch.manual_seed(self.seed)
            net = self._call(self.init)
        if not hasattr(net, "__dict__"):
            raise NotDone(f"`{_name(self.init)}` returned {net!r}, not a net: does it end with `return`?")
        for name, value in list(vars(net).items()):
            if isinstance(value, torch.Tensor) and value.device != torch.device(self.device):
                setattr(net, name, value.detach().to(self.device).requires_grad_())
        return net

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except Exception as err:  # the student's code: said in one sentence, not a traceback
            raise _explain(err) from err

    def _outputs(self, net, images):
        """``predict`` on a batch, checked to be a (batch, 10) tensor."""
        import torch

        out = self._call(self.predict, images, net)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(images), 10):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise NotDone(f"`{_name(self.predict)}` gave {got} for {len(images)} images; "
                          f"it should give a ({len(images)}, 10) tensor.")
        return out

    def measure(self, net, history: History, step: int) -> None:
        import torch

        with torch.no_grad():
            out = self._outputs(net, self.train_images)
            held_out = self._outputs(net, self.test_images)
        history.steps.append(step)
        history.loss.append(torch.nn.functional.mse_loss(out.float(), self.targets).item())
        history.train_accuracy.append((out.argmax(-1) == self.train_labels).float().mean().item())
        history.held_out_accuracy.append((held_out.argmax(-1) == self.test_labels).float().mean().item())

    def train(self, learning_rate: float, steps: int, every: int = 5, on_measure=None) -> History:
        """Run ``steps`` steps; measure (and call ``on_measure(history)``) every ``every`` steps."""
        import torch

        history, net = History(), self.fresh_net()
        self.measure(net, history, 0)
        for i in range(1, steps + 1):
            self._call(self.step, net, self.train_images, self.targets, learning_rate)
            if i % every and i != steps:
                continue
            self.measure(net, history, i)
            if on_measure is not None:
                on_measure(history)
            if not math.isfinite(history.loss[-1]):
                history.stopped = (f"the loss became {history.loss[-1]} at step {i}: "
                                   "this learning rate is too large, the steps overshoot")
                break
        with torch.no_grad():
            guesses = self._outputs(net, self.test_images).argmax(-1)
        wrong = (guesses != self.test_labels).nonzero().flatten().tolist()
        history.wrong = len(wrong)
        history.misclassified = [(i, int(self.test_labels[i]), int(guesses[i])) for i in wrong[:GALLERY_SIZE]]
        return history


class LossPlot:
    """Loss (left) and accuracy (right) against the step: one figure, its lines updated, redrawn as PNG."""

    def __init__(self):
        from matplotlib.figure import Figure

        # A fixed layout, not "constrained": it is redrawn many times while the net trains.
        self.figure = Figure(figsize=(8, 2.8), dpi=80)
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.82, wspace=0.3)
        left, right = self.axes = self.figure.subplots(1, 2)
        (self.loss,) = left.plot([], [], marker=".", color="tab:blue")
        (self.train,) = right.plot([], [], marker=".", label="training images")
        (self.held_out,) = right.plot([], [], marker=".", label="held-out images")
        right.legend(fontsize=8, loc="lower right")
        left.set(xlabel="step", ylabel="mean squared error", title="loss")
        right.set(xlabel="step", ylabel="accuracy", title="accuracy", ylim=(0, 1))
        self.title = self.figure.suptitle("", fontsize=9)

    def png(self, history: History | None, note: str = "") -> bytes:
        history = history or History()
        self.loss.set_data(history.steps, history.loss)
        self.train.set_data(history.steps, history.train_accuracy)
        self.held_out.set_data(history.steps, history.held_out_accuracy)
        left, right = self.axes
        left.relim()
        left.autoscale_view()
        right.set_xlim(left.get_xlim())
        self.title.set_text(note)
        return _png(self.figure)


def advice(history: History) -> str:
    """One sentence on the learning rate, read from how the loss moved."""
    first, last = history.loss[0], history.loss[-1]
    if last > first:
        return "The loss went up: this learning rate is too large, the steps overshoot."
    if first - last < 0.01 * first:
        return "The loss barely moved: this learning rate is too small (or train for more steps)."
    return "The loss went down."


def draw_gallery(history: History | None, images=None):
    """The first held-out digits the trained net gets wrong, each with its true digit and the net's guess."""
    from matplotlib.figure import Figure

    if history is None:  # before training: one line of text, cheap to draw at run-all
        fig = Figure(figsize=(8, 0.4), dpi=80)
        fig.text(0.5, 0.5, "Held-out digits the net gets wrong appear here after training.",
                 ha="center", va="center", fontsize=9)
        return fig
    fig = Figure(figsize=(8, 3.2), dpi=80, layout="constrained")
    axes = fig.subplots(2, GALLERY_SIZE // 2).flat
    found = history.misclassified
    for ax, (i, true, guess) in zip(axes, found):
        ax.imshow(images[i].reshape(28, 28).cpu().numpy(), cmap="gray")
        ax.set_title(f"is {true}, guess {guess}", fontsize=8, color="tab:red")
    for ax in fig.axes:
        ax.axis("off")
    if not found:
        fig.suptitle("The net gets every held-out digit right.", fontsize=9)
    else:
        fig.suptitle(f"Held-out digits the net gets wrong: {history.wrong} of {len(images)}; the first "
                     f"{len(found)}", fontsize=9)
    return fig


class TrainingWidget:
    """A learning-rate slider, a steps slider, a Train button, the live plot, the gallery and a message."""

    def __init__(self, init, step, predict, device="cpu", data=None, every: int | None = None,
                 learning_rate: float = 10.0, steps: int = 100):
        import ipywidgets as w

        self._functions, self._device, self._data, self.every = (init, step, predict), device, data, every
        self.history: History | None = None
        self.message = ""
        self.controls = {
            "learning_rate": w.FloatLogSlider(value=learning_rate, base=10, min=-2, max=4, step=0.1,
                                              description="learning rate", style={"description_width": "initial"}),
            "steps": w.IntSlider(value=steps, min=10, max=300, step=10, description="steps"),
        }
        self.button = w.Button(description="Train", button_style="primary", icon="play")
        self.button.on_click(lambda _button: self.train())
        self.status = w.HTML()
        self.plot = LossPlot()
        self.image = w.Image(format="png", value=self.plot.png(None, "Press Train: a fresh net learns with your code."))
        self.gallery = w.Image(format="png", value=_png(draw_gallery(None)))
        self.widget = w.VBox([w.HBox([*self.controls.values(), self.button]), self.status, self.image, self.gallery])

    def _trainer(self) -> Trainer:
        data = self._data
        if data is None:
            from .mnist import load_mnist

            # The notebook loaded (and, if it could, downloaded) the digits already: never the network here.
            data = self._data = load_mnist(train_size=1000, test_size=1000, download=False, quiet=True)
        return Trainer(*self._functions, data, device=self._device)

    def _say(self, text: str, colour: str = "") -> None:
        self.message = text
        style = f' style="color:{colour}"' if colour else ""
        self.status.value = f"<span{style}>{html.escape(text)}</span>"

    def train(self) -> History | None:
        """What the button does: train a fresh net, redrawing as it goes; the message says how it went."""
        lr, steps = self.controls["learning_rate"].value, self.controls["steps"].value
        self.button.disabled = True
        self._say(f"Training with learning rate {lr:.3g} for {steps} steps...")

        def redraw(history):
            self.image.value = self.plot.png(history, f"learning rate {lr:.3g}, step {history.steps[-1]} of {steps}")

        try:
            trainer = self._trainer()
            every = self.every or max(1, steps // 10)  # about ten redraws a run: each costs a fraction of a second
            self.history = history = trainer.train(lr, steps, every, on_measure=redraw)
        except NotDone as err:
            self._say(str(err), "tab:red")
            return None
        finally:
            self.button.disabled = False
        self.gallery.value = _png(draw_gallery(history, trainer.test_images))
        if history.stopped:
            self._say(f"Stopped: {history.stopped}.", "tab:red")
        else:
            self._say(f"Done: loss {history.loss[0]:.4f} → {history.loss[-1]:.4f}, held-out accuracy "
                      f"{history.held_out_accuracy[-1]:.1%} after {steps} steps at learning rate {lr:.3g}. "
                      + advice(history))
        return history

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _bundle(self.image.value, self.widget, f"<TrainingWidget: {self.message or 'not trained yet'}>")


class StaticTrainingFigure:
    """What the grader shows instead: the empty plot and one sentence, with nothing loaded or trained."""

    def __init__(self):
        self.image_png = LossPlot().png(None, "An interactive training widget (not run when the notebook is graded).")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _bundle(self.image_png, None, "<TrainingWidget: static>")


def nn_training(init, step, predict, device="cpu", **options):
    """The training widget for the student's ``init()``, ``step(net, inputs, targets, lr)``, ``predict(x, net)``."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return StaticTrainingFigure()
    return TrainingWidget(init, step, predict, device=device, **options)

