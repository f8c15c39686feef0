"""nbgrader configuration for the ML prerequisites course.

The course directory is this folder: source/ holds the master notebooks,
release/ the generated student versions, submitted/ autograded/ feedback/ the
grading output (git-ignored).
"""
import os

c = get_config()  # noqa: F821 - injected by traitlets

c.CourseDirectory.course_id = "ml-prereqs"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Release notebooks must stay small: never ship large files from source/.
c.CourseDirectory.max_file_size = 20_000  # kB
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info"]

# SQLite gradebook by default; a shared JupyterHub course points this at
# PostgreSQL, e.g. COURSE_DB_URL=postgresql://grader@db/ml_prereqs
c.CourseDirectory.db_url = os.environ.get(
    "COURSE_DB_URL",
    "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db"),
)

# The exchange (nbgrader's release/collect through a shared folder on a
# JupyterHub); set COURSE_EXCHANGE to the hub's shared directory.
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", os.path.join(c.CourseDirectory.root, "exchange"))

# What students see in place of solution code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Each cell gets this long when autograding or validating; a student's
# infinite loop costs that cell, not the batch.
c.ExecutePreprocessor.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "120"))
c.ExecutePreprocessor.interrupt_on_timeout = True

# Students submit "Copy of ..." files from Colab; generated notebooks keep their
# names. Extra files in the assignment folder are fine.
c.ExchangeSubmit.strict = False
c.ClearOutput.enabled = True

# Autograding: nbgrader's own steps, plus one that keeps a library warning
# (stderr) in a test cell from zeroing a correct answer.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput, SaveAutoGrades,
)

try:
    from mlprereq.grading.preprocessors import StderrToStdout
except ImportError:  # the package is not installed: plain nbgrader behaviour
    StderrToStdout = None

if StderrToStdout is not None:
    c.Autograde.autograde_preprocessors = [
        Execute, IgnorePattern, ClearMetadataPreprocessor, StderrToStdout, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
