"""numbers.npy: what the issue promises, rebuilt byte for byte by its script."""
import subprocess
import sys

import numpy as np

from conftest import ROOT
from mlprereq.numbers import BACKGROUNDS, load_numbers, load_target


def test_numbers_shape_dtype_and_backgrounds():
    arr = load_numbers()
    assert arr.shape == (6, 3, 150, 150) and arr.dtype == np.uint8
    corners = [tuple(arr[i, :, 2, 2]) for i in range(6)]
    assert corners == [tuple(bg) for bg in BACKGROUNDS]
    assert len(set(corners)) == 6
    assert all(min(bg) >= 150 for bg in BACKGROUNDS), "backgrounds are pastel (light)"
    for i in range(6):  # a dark digit, roughly centred, on each image
        dark = (arr[i].max(axis=0) < 80).nonzero()
        assert len(dark[0]) > 500
        assert 50 < dark[0].mean() < 100 and 50 < dark[1].mean() < 100


def test_rebuild_is_byte_identical():
    result = subprocess.run([sys.executable, "tools/make_numbers.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_targets_are_built_from_the_digits():
    arr = load_numbers()
    assert np.array_equal(load_target(7), arr[1].transpose(0, 2, 1))
    assert load_target(8).shape == (3, 150, 225)
