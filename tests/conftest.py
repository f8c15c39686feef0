import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlprereq.course import release_path, source_notebooks  # noqa: E402

MASTERS = source_notebooks()


def master_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def load_answers(master: Path):
    """tests/answers/<assignment>.py as a module (WRONG and RIGHT lists)."""
    path = ROOT / "tests" / "answers" / f"{master.parent.name}.py"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: every assignment needs its WRONG/RIGHT answers")
    spec = importlib.util.spec_from_file_location(f"answers_{master.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_generate_tests(metafunc):
    if "master" in metafunc.fixturenames:
        metafunc.parametrize("master", MASTERS, ids=[master_id(m) for m in MASTERS])


__all__ = ["ROOT", "MASTERS", "load_answers", "release_path"]
