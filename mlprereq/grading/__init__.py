"""The TA's grading loop on top of nbgrader's Python API.

    roster    import students from a CSV
    collect   submissions from an LMS zip ("Copy of ..." names tolerated)
    autograde each submission, recording a status and reason per student
    report    grades.csv and the score table
    cohort    the demo / fixture cohort (full, partial, blank, broken)
"""

from ..startup import skip_slow_iri_checker

skip_slow_iri_checker()
