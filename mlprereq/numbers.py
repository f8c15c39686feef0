"""The digit images behind the einops puzzles.

``numbers.npy`` holds the digits 0-5 as an array of shape (6, 3, 150, 150),
dtype uint8: dark digits on six distinct pastel backgrounds, drawn with the
DejaVu Sans font that ships with matplotlib, so the file can be rebuilt byte
for byte (``python tools/make_numbers.py``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
NUMBERS_PATH = DATA_DIR / "numbers.npy"
TARGETS_DIR = DATA_DIR / "einops_targets"

SIZE = 150
# One pastel background per digit (RGB, 0-255), and the dark ink colour.
BACKGROUNDS = [
    (255, 209, 220),  # pink
    (255, 236, 179),  # butter
    (200, 236, 201),  # mint
    (187, 222, 251),  # sky
    (225, 205, 245),  # lavender
    (255, 214, 186),  # peach
]
INK = (30, 30, 45)


def render_digit(digit: int, background: tuple[int, int, int]) -> np.ndarray:
    """One digit as a (3, SIZE, SIZE) uint8 array, drawn by matplotlib's Agg backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(SIZE / dpi, SIZE / dpi), dpi=dpi, facecolor=np.array(background) / 255)
    canvas = FigureCanvasAgg(fig)
    fig.text(
        0.5, 0.5, str(digit), ha="center", va="center_baseline",
        fontsize=100, fontfamily="DejaVu Sans", fontweight="bold", color=np.array(INK) / 255,
    )
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    return np.ascontiguousarray(rgb.transpose(2, 0, 1))


def make_numbers() -> np.ndarray:
    """The (6, 3, 150, 150) uint8 array of digits 0-5."""
    return np.stack([render_digit(d, bg) for d, bg in enumerate(BACKGROUNDS)]).astype(np.uint8)


def load_numbers() -> np.ndarray:
    """The committed digit array."""
    return np.load(NUMBERS_PATH)


def load_target(n: int) -> np.ndarray:
    """Target image ``n`` (1-8) of the einops puzzles."""
    return np.load(TARGETS_DIR / f"arr{n}.npy")
