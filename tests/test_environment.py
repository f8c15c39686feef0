"""requirements.txt and environment.yml pin the same packages at the same versions."""
import re

from conftest import ROOT

PIN = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s#]+)")


def pins(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = PIN.match(line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def test_requirements_and_conda_environment_agree():
    pip_pins = pins((ROOT / "requirements.txt").read_text())
    conda_pins = pins((ROOT / "environment.yml").read_text())
    assert pip_pins, "requirements.txt pins nothing"
    assert pip_pins == conda_pins


def test_environment_is_python_311():
    assert re.search(r"^\s*-\s*python=3\.11\s*$", (ROOT / "environment.yml").read_text(), re.M)


def test_course_packages_are_all_pinned():
    wanted = {"jupyterlab", "nbgrader", "torch", "einops", "jaxtyping", "torchvision", "matplotlib", "ipywidgets", "tqdm"}
    assert wanted <= set(pins((ROOT / "requirements.txt").read_text()))


def test_pin_parser_sees_a_mismatch():
    assert pins("torch==2.14.1\n") != pins("  - torch==2.13.0\n")
