"""Matplotlib's font list for grading kernels: built once, copied into each kernel's config folder.

Every grading kernel gets a fresh, private MPLCONFIGDIR (nothing one submission leaves there
may reach the next), so matplotlib would scan the system's fonts again on the first plot of
every submission: about 0.7 s of CPU each, paid by no stock nbgrader kernel (those share the
TA's ~/.cache/matplotlib). The list depends only on matplotlib and the installed fonts, so it
is built once per machine, in a kernel-like environment (an empty home: the TA's own fonts are
not visible to a kernel), and kept in the grader's cache folder.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("mlprereq.grading")

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


def cache_key() -> str | None:
    """What the font list depends on: matplotlib's location and version, and the system font folders."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.origin:
        return None
    from importlib.metadata import version

    parts = [spec.origin, version("matplotlib")]
    for folder in FONT_DIRS:
        try:
            parts.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
        except OSError:
            pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlprereq" / "matplotlib"


def build(dest: Path) -> Path | None:
    """Let matplotlib build its font list under ``dest`` as a grading kernel would; the file, or None."""
    with tempfile.TemporaryDirectory(prefix="mlprereq-fonts-") as home:
        config = Path(home) / "mpl"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "MPLCONFIGDIR": str(config),
               "MPLBACKEND": "agg", "LANG": os.environ.get("LANG", "C.UTF-8")}
        try:
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, timeout=300,
                           stdin=subprocess.DEVNULL, capture_output=True, check=True)
        except (OSError, subprocess.SubprocessError) as err:
            log.debug("could not build matplotlib's font list: %s", err)
            return None
        built = sorted(config.glob("fontlist-*.json"))
        if not built:
            return None
        dest.mkdir(parents=True, exist_ok=True)
        # Another grading process may build the same file at the same moment: write aside, then rename.
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=".building-")
        os.close(fd)
        shutil.copyfile(built[-1], tmp)
        target = dest / built[-1].name
        os.replace(tmp, target)
        return target


@functools.lru_cache(maxsize=None)
def font_list() -> Path | None:
    """The kernels' font list (built on first use, then reused by every grading run on this machine)."""
    try:
        key = cache_key()
    except Exception as err:  # noqa: BLE001 - an odd matplotlib install: kernels build their own list
        log.debug("no key for matplotlib's font list: %s", err)
        return None
    if key is None:
        return None
    folder = cache_root() / key
    found = sorted(folder.glob("fontlist-*.json"))
    if found:
        return found[-1]
    try:
        return build(folder)
    except OSError as err:  # a read-only home: kernels build their own list, as before
        log.debug("could not keep matplotlib's font list in %s: %s", folder, err)
        return None


def seed(config_dir: str | os.PathLike, owner: int | None = None) -> None:
    """Make ``config_dir`` a matplotlib config folder that already holds the font list (owned by ``owner``)."""
    os.makedirs(config_dir, exist_ok=True)
    source = font_list()
    if source is not None:
        target = os.path.join(config_dir, source.name)
        try:
            shutil.copyfile(source, target)
            if owner is not None:
                os.chown(target, owner, owner)
        except OSError as err:  # the kernel then builds its own list, as it used to: slower, never wrong
            log.debug("could not give the kernel matplotlib's font list: %s", err)
    if owner is not None:
        os.chown(config_dir, owner, owner)
