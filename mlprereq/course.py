"""Where the course lives on disk, and what it contains."""
from __future__ import annotations

from pathlib import Path

ASSIGNMENTS = [
    "01_core_concepts",
    "02_numpy",
    "03_einops",
    "04_tensor_internals",
    "05_nn_from_scratch",
]


ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
DATA = ROOT / "data"
README = ROOT / "README.md"


def source_notebooks() -> list[Path]:
    """Every master notebook, in assignment order."""
    return sorted(SOURCE.glob("*/*.ipynb"))


def release_path(master: Path) -> Path:
    """The generated student copy of a master notebook."""
    return RELEASE / master.parent.name / master.name
