"""Old name of the static review (review.py); kept so older imports still work."""
from .preprocessors import DropOrphanGradeMetadata  # noqa: F401
from .review import integrity_notes, review_submission, scan_code  # noqa: F401
