"""Old home of grading one submission and of the status file; kept so older imports still work.

New code imports from :mod:`.status` (Outcome, load_status, save_status),
:mod:`.gradebook` (prepare_gradebook) and :mod:`.engines` (grade_student).
"""
from .engines import check_submission, grade_student, released_notebooks  # noqa: F401
from .gradebook import prepare_gradebook  # noqa: F401
from .review import review  # noqa: F401
from .status import STATUS_DIR, Outcome, load_status, save_status, status_path  # noqa: F401
