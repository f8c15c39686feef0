"""Old home of the engines, the gradebook URL and fingerprints; kept so older imports still work.

New code imports from :mod:`.engines`, :mod:`.gradebook` and :mod:`.status`.
"""
from .engines import (MAX_ATTEMPTS, GradebookUnavailable, check_dask_workers, cores, course_env,  # noqa: F401
                      grade_one, kernel_threads, longest_first, run_dask, run_local, start_pool, stop_pool)
from .gradebook import (SQLITE_TIMEOUT, concurrent_db_url, graded_in_gradebook, precreate_students,  # noqa: F401
                        sqlite_path)
from .status import fingerprint, source_fingerprint  # noqa: F401
