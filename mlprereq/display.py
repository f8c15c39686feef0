"""Draw arrays as images with matplotlib.

A 3D array is read as (channel, height, width) RGB, a 2D array as a
(height, width) grey image; uint8 values are 0-255, floats 0-1.
"""
from __future__ import annotations

import numpy as np

from .numbers import load_target

__all__ = ["display_array_as_img", "display_soln_array_as_img", "compare_with_target"]


def _to_hwc(arr) -> np.ndarray:
    a = np.asarray(arr.detach().cpu() if hasattr(arr, "detach") else arr)
    if a.ndim == 3:
        if a.shape[0] not in (1, 3):
            raise ValueError(f"A 3D image must be (channels, height, width) with 1 or 3 channels; got shape {a.shape}.")
        a = a.transpose(1, 2, 0)
        if a.shape[2] == 1:
            a = a[..., 0]
        elif a.dtype != np.uint8:  # an RGB answer in another dtype: draw it as 0-255 pixels, like the target
            a = np.clip(np.nan_to_num(a.astype(float)), 0, 255).astype(np.uint8)
    elif a.ndim != 2:
        raise ValueError(f"Expected a 2D (h, w) or 3D (c, h, w) array; got {a.ndim} dimensions, shape {a.shape}.")
    return a


def _show(ax, arr, title: str | None = None) -> None:
    a = _to_hwc(arr)
    ax.imshow(a, cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=255 if a.dtype == np.uint8 else None)
    ax.set_title(f"{title}  {tuple(np.shape(arr))}" if title else str(tuple(np.shape(arr))), fontsize=9)
    ax.axis("off")


def display_array_as_img(arr, title: str | None = None):
    """Show one array as an image."""
    import matplotlib.pyplot as plt

    h, w = _to_hwc(arr).shape[:2]
    fig, ax = plt.subplots(figsize=(max(2.0, w / 100), max(2.0, h / 100)))
    _show(ax, arr, title)
    plt.show()


def display_soln_array_as_img(n: int):
    """Show the target image of einops puzzle ``n`` (1-8)."""
    display_array_as_img(load_target(n), title=f"target {n}")


def compare_with_target(arr, n: int):
    """Show a student's array next to the target of puzzle ``n``."""
    import matplotlib.pyplot as plt

    target = load_target(n)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    _show(axes[0], target, f"target {n}")
    if arr is None:
        axes[1].text(0.5, 0.5, "not defined yet", ha="center", va="center")
        axes[1].axis("off")
    else:
        try:
            _show(axes[1], arr, "yours")
        except (ValueError, TypeError) as err:
            axes[1].text(0.5, 0.5, str(err), ha="center", va="center", wrap=True, fontsize=8)
            axes[1].axis("off")
    plt.show()
