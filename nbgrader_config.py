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
# A graded kernel has nothing to save: kill it once its last cell is done rather than
# wait for a graceful exit (about 2 s per notebook, mostly torch's teardown).
c.ExecutePreprocessor.shutdown_kernel = "immediate"

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

# Without the course's package nbgrader would grade with no sandbox and no guard: only when the TA says so.
PLAIN = os.environ.get("COURSE_PLAIN_NBGRADER", "") not in ("", "0")
try:
    from mlprereq.grading.preprocessors import (
        DropOrphanGradeMetadata, HideHiddenTests, RestoreCourseCells, SandboxedExecute, StderrToStdout,
    )
    from mlprereq.grading.markscheme import HideMarkScheme, ShowMarkScheme
except ImportError as err:
    if not PLAIN:
        raise ImportError(
            f"nbgrader_config.py: the course package 'mlprereq' cannot be imported ({err}), so grading would run "
            "without the sandbox, the tamper guard and hidden-test-free feedback. Run nbgrader from the course's "
            "environment (make setup, then .venv/bin/nbgrader or `course autograde`), or set "
            "COURSE_PLAIN_NBGRADER=1 to grade with plain nbgrader on purpose."
        ) from err
    StderrToStdout = SandboxedExecute = HideHiddenTests = DropOrphanGradeMetadata = RestoreCourseCells = None

if StderrToStdout is not None and not PLAIN:
    # SandboxedExecute is nbgrader's Execute in a sandbox (docs/grading_safely.md):
    # no network, only its own folder and a scratch tmpfs, resource limits, a
    # notebook deadline, and a guard against monkeypatched test helpers.
    c.Autograde.autograde_preprocessors = [
        SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, StderrToStdout, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
        ShowMarkScheme,  # each written answer's mark scheme under it, for the formgrader (markscheme.py)
    ]
    # A duplicated cell must not make a notebook ungradable (see preprocessors.DropOrphanGradeMetadata);
    # course code cells deleted, stripped of their metadata or moved go back in place (RestoreCourseCells).
    from nbgrader.preprocessors import (  # noqa: E402
        CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec,
    )
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, DropOrphanGradeMetadata, OverwriteKernelspec, OverwriteCells, RestoreCourseCells,
        CheckCellMetadata,
    ]
    # Feedback shows hidden tests by name, points and a one-line result, never their code (nbgrader #917).
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
    from nbgrader.preprocessors import GetGrades  # noqa: E402
    # Feedback never shows a mark scheme (HideMarkScheme.show_when_graded = True shows graded ones).
    c.GenerateFeedback.preprocessors = [GetGrades, HideMarkScheme, HideHiddenTests, CSSHTMLHeaderPreprocessor]

if not PLAIN:
    # Validate (the command, the JupyterLab button, the hub's Assignments tab) reports a score per exercise and a
    # total first, then one short message per failing test, instead of every traceback (mlprereq/validate.py).
    from mlprereq.validate import install as _install_course_validator  # noqa: E402

    _install_course_validator()

# The grading sandbox; every limit can be set from the environment.
_env = os.environ.get
c.SandboxedExecute.sandbox = _env("COURSE_SANDBOX", "auto")  # auto | bwrap | limits | off
c.SandboxedExecute.notebook_deadline = int(_env("COURSE_NOTEBOOK_DEADLINE", "900"))  # s, whole notebook
c.SandboxedExecute.memory_mb = int(_env("COURSE_KERNEL_MEMORY_MB", "4096"))
c.SandboxedExecute.cpu_seconds = int(_env("COURSE_KERNEL_CPU_SECONDS", "900"))
c.SandboxedExecute.processes = int(_env("COURSE_KERNEL_PROCESSES", "64"))
c.SandboxedExecute.output_bytes = int(_env("COURSE_CELL_OUTPUT_BYTES", "1000000"))
c.SandboxedExecute.scratch_mb = int(_env("COURSE_SCRATCH_MB", "256"))
# Compute threads per kernel; `course autograde --workers N` sets cores // N so kernels don't fight over cores.
c.SandboxedExecute.threads = int(_env("COURSE_KERNEL_THREADS", "0"))
c.SandboxedExecute.course_root = c.CourseDirectory.root
c.ShowMarkScheme.course_root = c.CourseDirectory.root  # mark schemes come from source/
c.RestoreCourseCells.course_root = c.CourseDirectory.root  # course cells come from release/
# Deleted test cells are put back (and graded) rather than silently scoring 0.
c.OverwriteCells.add_missing_cells = True
