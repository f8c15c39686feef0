"""Make a course notebook work wherever it was opened.

Every notebook's first cell finds (or, on Colab, downloads) this file and calls
``setup()``. It

* tells the platform apart: ``colab``, ``jupyter_server`` (JupyterLab or a
  JupyterHub) or ``remote`` (a VM over SSH or VS Code), and notices an
  autograding run (``NBGRADER_EXECUTION`` is set), which never uses the network;
* on Colab, downloads the course helpers and data from the course repository
  once and installs only the packages that are missing (never torch);
* locally, finds the course root and checks the helpers import;
* puts the course root on ``sys.path``, picks a device and seeds the RNGs.

Running it twice changes nothing.
"""
from __future__ import annotations

import importlib.util
import io
import os
import random
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ARCHIVE_URL = "https://codeload.github.com/{repo}/tar.gz/{ref}"
COLAB_DIR = "/content/ml-prereqs"
# What a notebook needs from the repository; source/ (the answer key) is never extracted.
ARCHIVE_PARTS = ("colab_setup.py", "mlprereq/", "data/", "requirements.txt")
# import name -> pip requirement, installed on Colab only when missing.
COLAB_PACKAGES = {"einops": "einops", "jaxtyping": "jaxtyping", "tqdm": "tqdm", "mlxtend": "mlxtend"}


class SetupError(RuntimeError):
    """Raised with one sentence that says what to do."""


@dataclass
class Course:
    platform: str
    root: Path
    device: str
    autograding: bool
    seed: int

    def __repr__(self) -> str:
        return f"Course(platform={self.platform!r}, root='{self.root}', device={self.device!r}, autograding={self.autograding})"


def detect_platform(environ=None, modules=None) -> str:
    """``colab``, ``jupyter_server`` or ``remote``."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "colab"
    if any(k in environ for k in ("SSH_CONNECTION", "SSH_CLIENT", "VSCODE_PID", "VSCODE_CWD")) and not any(
        k in environ for k in ("JUPYTERHUB_USER", "JUPYTER_SERVER_ROOT")
    ):
        return "remote"
    return "jupyter_server"


def is_autograding(environ=None) -> bool:
    return bool((os.environ if environ is None else environ).get("NBGRADER_EXECUTION"))


def find_root(start=None) -> Path | None:
    """$COURSE_ROOT, else the first of ``start`` (default: cwd) and its parents holding this file."""
    candidates = []
    if os.environ.get("COURSE_ROOT"):
        candidates.append(Path(os.environ["COURSE_ROOT"]).expanduser())
    here = Path(start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    return next((p for p in candidates if (p / "colab_setup.py").is_file() and (p / "mlprereq").is_dir()), None)


def download_course(repo: str, ref: str, dest: Path) -> None:
    """Fetch the repository archive and extract the parts notebooks need into ``dest``."""
    url = os.environ.get("COURSE_ARCHIVE_URL", ARCHIVE_URL).format(repo=repo, ref=ref)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            payload = response.read()
    except OSError as err:
        raise SetupError(f"Could not download the course files from {url} ({err}); check the notebook's internet access and run this cell again.") from err
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)  # drop GitHub's "<repo>-<ref>/" prefix
            if len(parts) < 2 or not parts[1].startswith(ARCHIVE_PARTS) or not (member.isfile() or member.isdir()):
                continue
            target = (dest / parts[1]).resolve()
            if dest.resolve() not in target.parents and target != dest.resolve():
                continue  # never write outside dest
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())


def missing_packages(packages=COLAB_PACKAGES) -> list[str]:
    return [req for name, req in packages.items() if importlib.util.find_spec(name) is None]


def install(requirements: list[str]) -> None:
    if requirements:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *requirements], check=True)


def pick_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    import torch

    torch.manual_seed(seed)


def _check_imports(root: Path) -> None:
    missing = [name for name in ("torch", "numpy", "einops", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        raise SetupError(
            f"Python package(s) {', '.join(missing)} are missing from this kernel: run `make setup` in {root} "
            f"(or `pip install -r {root / 'requirements.txt'}`) and pick the course's .venv kernel."
        )


def _student_kernel(platform: str) -> None:
    """Short tracebacks from the checks; on Colab, ipywidgets through Colab's own widget manager."""
    try:
        from mlprereq.selfcheck import install_short_tracebacks

        install_short_tracebacks()
    except ImportError:  # an old copy of the helpers: keep IPython's full tracebacks
        pass
    if platform == "colab":
        try:
            from google.colab import output

            output.enable_custom_widget_manager()
        except (ImportError, AttributeError):
            pass


def setup(repo: str = "", ref: str = "main", seed: int = 0, root=None) -> Course:
    """Prepare this kernel for a course notebook; safe to call again."""
    platform = detect_platform()
    autograding = is_autograding()
    root = Path(root) if root else find_root()
    if platform == "colab" and not autograding:
        root = root or Path(os.environ.get("COURSE_COLAB_DIR", COLAB_DIR))
        if not (root / "mlprereq").is_dir():
            download_course(repo, ref, root)
        install(missing_packages())
    if root is None:
        raise SetupError(
            "Could not find the course folder (the one holding colab_setup.py): open the notebook from inside it, "
            "or set COURSE_ROOT to its path."
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _check_imports(root)
    seed_everything(seed)
    if not autograding:  # the grading kernel refuses custom exception hooks (a student could hide failures with one)
        _student_kernel(platform)
    return Course(platform=platform, root=root, device=pick_device(), autograding=autograding, seed=seed)
