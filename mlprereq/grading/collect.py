"""Bring submissions into submitted/<student>/<assignment>/.

LMS downloads come as one zip of files named ``<student>_<anything>_<file>``
(or ``<student>/<file>``); Colab adds "Copy of " and browsers add " (1)".
nbgrader's ZipCollectApp does the extracting and copying; the collector plugin
below maps each file to a student and to the released notebook it answers.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from nbgrader.apps import ZipCollectApp
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

COPY_PREFIX = re.compile(r"^(copy of\s+)+", re.IGNORECASE)
DUPLICATE_SUFFIX = re.compile(r"\s*(\(\d+\)|-\d+|_\d+)$")


def normalise_notebook_name(name: str, released: list[str]) -> str:
    """Map a submitted file name to the released notebook it is a copy of."""
    stem, ext = os.path.splitext(name)
    stem = COPY_PREFIX.sub("", stem.strip())
    candidates = {os.path.splitext(r)[0].lower(): r for r in released}
    for attempt in (stem, DUPLICATE_SUFFIX.sub("", stem)):
        if attempt.lower() in candidates:
            return candidates[attempt.lower()]
    if len(released) == 1:  # a one-notebook assignment: any notebook is that one
        return released[0]
    return stem + ext


class LmsFileNameCollector(FileNameCollectorPlugin):
    """``<student>_<...>_<notebook>.ipynb`` or ``<student>/<notebook>.ipynb``."""

    named_regexp = Unicode(
        r"^(?P<student_id>[^_/\s]+)_(?:.*_)?(?P<file_id>[^_/][^/]*)$",
        help="How a flat LMS file name splits into student_id and file_id.",
    ).tag(config=True)

    def collect(self, submitted_file: str):
        path = Path(submitted_file)
        if path.suffix not in self.valid_ext:
            return None
        app = self.parent
        extracted = Path(app._format_collect_path(app.extracted_directory))
        archives = {Path(p).name.split(".")[0] for p in os.listdir(app._format_collect_path(app.archive_directory))}
        try:
            rel = path.relative_to(extracted)
        except ValueError:
            rel = Path(path.name)
        if len(rel.parts) >= 2 and rel.parts[-2] not in archives:  # a folder per student
            info = {"student_id": rel.parts[-2], "file_id": rel.name}
        else:
            m = re.match(self.named_regexp, rel.name)
            if not m:
                self.log.warning("Skipped %s: its name does not start with a student id", rel)
                return None
            info = m.groupdict()
        released = self._released()
        info["file_id"] = normalise_notebook_name(info["file_id"], released)
        return info

    def _released(self) -> list[str]:
        cd = self.parent.coursedir
        folder = Path(cd.format_path(cd.release_directory, ".", cd.assignment_id))
        return sorted(p.name for p in folder.glob("*.ipynb"))


def collect_zip(root: Path, assignment: str, archive: Path, config) -> None:
    """Extract an LMS zip into submitted/ through nbgrader's ZipCollectApp."""
    downloaded = Path(root) / "downloaded" / assignment
    shutil.rmtree(downloaded, ignore_errors=True)
    (downloaded / "archive").mkdir(parents=True)
    shutil.copy2(archive, downloaded / "archive" / Path(archive).name)
    config.ZipCollectApp.collector_plugin = LmsFileNameCollector
    config.ZipCollectApp.force = True
    config.ZipCollectApp.strict = False
    config.ExtractorPlugin.force = True
    config.CourseDirectory.assignment_id = assignment
    app = ZipCollectApp(config=config)
    app.initialize([])
    app.start()


def submitted_students(root: Path, assignment: str) -> list[str]:
    from .layout import CourseLayout

    layout = CourseLayout.at(root)
    folder = Path(layout.coursedir.format_path(layout.coursedir.submitted_directory, ".", "."))
    return sorted(p.name for p in folder.iterdir() if layout.submitted(p.name, assignment).is_dir()) \
        if folder.is_dir() else []
