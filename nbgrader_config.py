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
