"""nbgrader's Python API, configured for a course directory."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

# nbgrader runs the `alembic` command of its own environment; make sure that
# environment's bin/ is on PATH even when Python was started as .venv/bin/python.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


def load_config(root: Path, **overrides) -> Config:
    """The course's nbgrader_config.py, with ``root`` as the course directory.

    ``overrides`` are dotted traitlets settings, e.g. ``{"CourseDirectory.db_url": ...}``
    given as ``CourseDirectory__db_url=...``.
    """
    root = Path(root).resolve()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    for key, value in overrides.items():
        section, name = key.split("__")
        setattr(getattr(config, section), name, value)
    return config


def make_api(root: Path, log_level=logging.WARNING, **overrides) -> NbGraderAPI:
    config = load_config(root, **overrides)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(log_level)
    return api
