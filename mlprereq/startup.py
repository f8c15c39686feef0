"""Start-up time of the course's command-line and grading processes.

jsonschema (under nbformat and nbgrader) imports ``rfc3987_syntax`` when it is
installed, only to check the ``iri`` string formats, and that import builds
about 35 Lark parsers: 1-4 s in every process that reads a notebook
(jsonschema#1428, jupyter_server#1559). No notebook or nbgrader schema uses
those formats, so the course's own processes (the ``course`` CLI, grading
workers, grading kernels) skip that checker; a student's own kernel never imports this module.
"""
from __future__ import annotations

import sys


def skip_slow_iri_checker() -> None:
    """Make jsonschema go without its ``iri`` format checker (call before jsonschema is imported)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: ImportError, which jsonschema expects
