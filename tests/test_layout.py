"""One CourseLayout on nbgrader's CourseDirectory; loud configuration and install problems."""
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.coursedir import CourseDirectory

import mlprereq
from mlprereq.grading import layout, sandbox
from mlprereq.grading.layout import CourseLayout
from mlprereq.grading.sandbox import SandboxedKernelManager

ROOT = Path(__file__).resolve().parents[1]


def test_layout_paths_are_nbgraders_own(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    here = CourseLayout.at(tmp_path)
    cd = CourseDirectory(root=str(tmp_path))
    assert here.submitted("ada", "a") == Path(cd.format_path(cd.submitted_directory, "ada", "a"))
    assert here.autograded("ada", "a") == tmp_path.resolve() / "autograded" / "ada" / "a"
    assert here.source("a") == tmp_path.resolve() / "source" / "a"
    assert here.release("a") == tmp_path.resolve() / "release" / "a"
    (tmp_path / "source" / "a").mkdir(parents=True)
    (tmp_path / "source" / "a" / "b.ipynb").write_text("{}")
    (tmp_path / "source" / "a" / "a.ipynb").write_text("{}")
    assert [p.name for p in here.masters("a")] == ["a.ipynb", "b.ipynb"]
    deep = tmp_path / "autograded" / "ada" / "a"
    deep.mkdir(parents=True)
    assert CourseLayout.find(deep) == here
    assert CourseLayout.find(Path("/")) is None


def test_the_kernel_sees_what_colab_extracts_and_nothing_private():
    sys.path.insert(0, str(ROOT))
    try:
        import colab_setup
    finally:
        sys.path.remove(str(ROOT))
    assert set(layout.STUDENT_VIEW) == {p.rstrip("/") for p in colab_setup.ARCHIVE_PARTS}
    assert sandbox.COURSE_VIEW == layout.STUDENT_VIEW and sandbox.COURSE_PRIVATE == layout.PRIVATE
    assert not set(layout.STUDENT_VIEW) & set(layout.PRIVATE)
    assert {"source", "gradebook.db", "submitted", "nbgrader_config.py"} <= set(layout.PRIVATE)


LOAD_CONFIG = """
import sys
sys.modules["mlprereq"] = None  # the course package is not importable
from traitlets.config.loader import PyFileConfigLoader
c = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print("preprocessors" if "autograde_preprocessors" in c.Autograde else "plain")
"""


def test_nbgrader_config_fails_loudly_without_the_course_package(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COURSE_PLAIN_NBGRADER"}
    run = subprocess.run([sys.executable, "-c", LOAD_CONFIG, str(ROOT)], capture_output=True, text=True, env=env)
    assert run.returncode != 0
    assert "mlprereq" in run.stderr and "COURSE_PLAIN_NBGRADER=1" in run.stderr and "sandbox" in run.stderr
    plain = subprocess.run([sys.executable, "-c", LOAD_CONFIG, str(ROOT)], capture_output=True, text=True,
                           env={**env, "COURSE_PLAIN_NBGRADER": "1"})
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "plain"  # asked for: nbgrader's own steps, no sandbox


def test_course_config_uses_the_course_preprocessors():
    from mlprereq.nbgrader_api import load_config

    config = load_config(ROOT)
    names = [p.__name__ for p in config.Autograde.autograde_preprocessors]
    assert names[0] == "SandboxedExecute" and "HideHiddenTests" in [
        p.__name__ for p in config.GenerateFeedback.preprocessors]


PROBLEM = """
import sys
sys.path.insert(0, sys.argv[1])
import mlprereq
assert mlprereq.__file__.startswith(sys.argv[1]), mlprereq.__file__
from mlprereq.grading.layout import installed_package_problem
print(installed_package_problem())
"""


def test_a_grader_running_another_checkout_than_the_venvs_install_is_told_so(tmp_path):
    assert layout.installed_package_problem() is None  # this checkout: kernels import the same package
    moved = tmp_path / "moved-course"
    shutil.copytree(Path(mlprereq.__file__).parent, moved / "mlprereq",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    out = subprocess.run([sys.executable, "-c", PROBLEM, str(moved)], capture_output=True, text=True, check=True)
    message = out.stdout.strip()
    installed = os.path.dirname(os.path.realpath(mlprereq.__file__))
    assert installed in message and str(moved / "mlprereq") in message and "make setup" in message


def test_a_kernel_is_not_started_with_the_wrong_install(monkeypatch):
    monkeypatch.setattr(sandbox, "installed_package_problem", lambda: "grading kernels would import mlprereq from X")
    km = SandboxedKernelManager(kernel_name="python3")
    with pytest.raises(RuntimeError, match="would import mlprereq from X"):
        asyncio.run(km.start_kernel(cwd="/tmp"))
    km.release_private_dir()


def test_course_autograde_stops_before_grading_with_the_wrong_install(tmp_path, monkeypatch, capsys):
    from course_fixture import toy_course
    from mlprereq.cli import main as course
    from mlprereq.grading import loop

    root = toy_course(tmp_path / "course")
    monkeypatch.setattr(loop, "installed_package_problem", lambda: "grading kernels cannot import mlprereq")
    assert course(["--course", str(root), "autograde", "toy", "--quiet"]) == 2
    assert "grading kernels cannot import mlprereq" in capsys.readouterr().err
    assert not (root / "autograded").exists() and not (root / "grading_status" / "toy.json").exists()
