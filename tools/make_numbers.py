"""Rebuild mlprereq/data/numbers.npy and the einops puzzle targets.

    python tools/make_numbers.py          # write the files
    python tools/make_numbers.py --check  # exit 1 if the committed files differ

The targets are what the eight puzzles of the einops notebook ask for; the
puzzles' text describes them in words, and these arrays are the reference the
tests compare with.
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import einops
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlprereq.numbers import NUMBERS_PATH, TARGETS_DIR, make_numbers  # noqa: E402


def make_targets(arr: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "arr1": einops.rearrange(arr, "b c h w -> c (b h) w"),
        "arr2": einops.repeat(arr[0], "c h w -> c (2 h) w"),
        "arr3": einops.repeat(arr[0:2], "b c h w -> c (b h) (2 w)"),
        "arr4": einops.repeat(arr[0], "c h w -> c (h 2) w"),
        "arr5": einops.rearrange(arr[0], "c h w -> h (c w)"),
        "arr6": einops.rearrange(arr, "(b1 b2) c h w -> c (b1 h) (b2 w)", b1=2),
        "arr7": einops.rearrange(arr[1], "c h w -> c w h"),
        "arr8": einops.reduce(arr, "(b1 b2) c (h h2) (w w2) -> c (b1 h) (b2 w)", "max", h2=2, w2=2, b1=2),
    }


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a))
    return buf.getvalue()


def expected_files() -> dict[Path, bytes]:
    arr = make_numbers()
    files = {NUMBERS_PATH: npy_bytes(arr)}
    for name, target in make_targets(arr).items():
        files[TARGETS_DIR / f"{name}.npy"] = npy_bytes(target)
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for path, data in expected_files().items():
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in stale:
        print(f"differs from a fresh build: {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
