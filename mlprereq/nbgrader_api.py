"""nbgrader's Python API, configured for a course directory."""
from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

# nbgrader's gradebook code trips SQLAlchemy 2's autoflush warnings; they say nothing to a TA.
warnings.filterwarnings("ignore", module=r"nbgrader\..*", message=r"Object of type .* not in session")

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
    if "db_url" in config.CourseDirectory:
        config.CourseDirectory.db_url = with_installed_driver(config.CourseDirectory.db_url)
    return config


def with_installed_driver(db_url: str) -> str:
    """``postgresql://...`` with the PostgreSQL driver that is installed.

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3; the course pins
    psycopg2-binary. An explicit driver (``postgresql+psycopg2://``) is kept.
    """
    from importlib.util import find_spec

    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.drivername == "postgresql" and find_spec("psycopg") is None and find_spec("psycopg2") is not None:
        return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    return db_url


def quiet_logger(level=logging.INFO) -> logging.Logger:
    """A logger that prints nothing itself; nbgrader's API captures it into each result's "log"."""
    logger = logging.getLogger("mlprereq.nbgrader")
    logger.setLevel(level)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def make_api(root: Path, log_level=logging.INFO, **overrides) -> NbGraderAPI:
    """nbgrader's API for the course at ``root``; callers report what happened from each result."""
    config = load_config(root, **overrides)
    coursedir = CourseDirectory(config=config, log=quiet_logger(log_level))
    return NbGraderAPI(coursedir=coursedir, config=config, log=quiet_logger(log_level))
