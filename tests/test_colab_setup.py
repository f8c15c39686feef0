"""The first cell of every notebook, on each platform, run for real in a fresh interpreter."""
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

import colab_setup
from conftest import ROOT
from mlprereq.authoring import course_config, setup_cell_source

REPO, REF = "example/course", "v1"


def run_cell(cwd: Path, env: dict, fake_colab: Path | None = None, repeat: int = 1) -> subprocess.CompletedProcess:
    """Run the setup cell ``repeat`` times in a new Python, as a kernel would; prints the course as JSON."""
    cell = setup_cell_source(REPO, REF)
    program = ""
    if fake_colab:
        program += f"import sys; sys.path.insert(0, {str(fake_colab)!r}); import google.colab\n"
    program += f"for _ in range({repeat}):\n" + "".join(f"    {line}\n" for line in cell.splitlines())
    program += ("import json\nprint(json.dumps({'platform': course.platform, 'root': str(course.root), "
                "'device': course.device, 'autograding': course.autograding}))\n")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "NBGRADER", "SSH_", "VSCODE_", "JUPYTERHUB"))}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", program], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


def course_of(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def fake_colab(tmp_path) -> Path:
    pkg = tmp_path / "fake_modules" / "google" / "colab"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("IS_FAKE = True\n")
    return tmp_path / "fake_modules"


def repo_archive() -> bytes:
    """The repository as GitHub serves it: a tar.gz with a '<repo>-<ref>/' prefix."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in files:
            if (ROOT / name).is_file():
                tar.add(ROOT / name, arcname=f"course-{REF}/{name}")
    return buf.getvalue()


class CourseServer(http.server.ThreadingHTTPServer):
    """Serves /raw/<repo>/<ref>/colab_setup.py and /archive/<repo>/<ref>.tar.gz on 127.0.0.1; counts requests."""

    def __init__(self):
        self.requests: list[str] = []
        self.archive = repo_archive()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path == f"/raw/{REPO}/{REF}/colab_setup.py":
                    body = (ROOT / "colab_setup.py").read_bytes()
                elif self.path == f"/archive/{REPO}/{REF}.tar.gz":
                    body = server.archive
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server():
    srv = CourseServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def colab_env(server_url: str, content: Path) -> dict:
    return {
        "COURSE_RAW_URL": server_url + "/raw/{repo}/{ref}",
        "COURSE_ARCHIVE_URL": server_url + "/archive/{repo}/{ref}.tar.gz",
        "COURSE_COLAB_DIR": str(content / "ml-prereqs"),
    }


def test_colab_downloads_helpers_once_and_never_the_answer_key(tmp_path, fake_colab, server):
    content = tmp_path / "content"
    content.mkdir()
    first = course_of(run_cell(content, colab_env(server.url, content), fake_colab))
    assert first["platform"] == "colab"
    assert first["root"] == str(content / "ml-prereqs")
    fetched = content / "ml-prereqs"
    assert (fetched / "colab_setup.py").is_file()
    assert (fetched / "mlprereq" / "checks.py").is_file()
    assert (fetched / "mlprereq" / "data" / "numbers.npy").is_file()
    assert not (fetched / "source").exists(), "the master notebooks (answer key) must not be fetched"
    assert server.requests == [f"/raw/{REPO}/{REF}/colab_setup.py", f"/archive/{REPO}/{REF}.tar.gz"]

    # Second and third runs: nothing downloaded again, same result.
    server.requests.clear()
    again = course_of(run_cell(content, colab_env(server.url, content), fake_colab, repeat=2))
    assert again == first
    assert server.requests == []


def test_colab_download_failure_says_what_to_do(tmp_path, fake_colab, server):
    content = tmp_path / "content"
    content.mkdir()
    env = colab_env(server.url, content)
    env["COURSE_ARCHIVE_URL"] = server.url + "/missing.tar.gz"
    result = run_cell(content, env, fake_colab)
    assert result.returncode != 0
    assert "Could not download the course files" in result.stderr
    assert "run this cell again" in result.stderr


def test_autograding_on_colab_like_kernel_uses_no_network(tmp_path, fake_colab):
    # The grader's kernel has the course locally; nothing may be fetched even if google.colab is importable.
    env = {"NBGRADER_EXECUTION": "autograde", "COURSE_RAW_URL": "http://127.0.0.1:9/x",
           "COURSE_ARCHIVE_URL": "http://127.0.0.1:9/x", "COURSE_ROOT": str(ROOT)}
    course = course_of(run_cell(tmp_path, env, fake_colab))
    assert course["autograding"] is True
    assert course["root"] == str(ROOT)


@pytest.mark.parametrize("where", ["repo root", "assignment folder"])
def test_local_jupyter_finds_the_course_root(where):
    cwd = ROOT if where == "repo root" else ROOT / "release"
    course = course_of(run_cell(cwd, {"JUPYTERHUB_USER": "student1"}))
    assert course == {"platform": "jupyter_server", "root": str(ROOT), "device": "cpu", "autograding": False}


def test_copy_elsewhere_pointed_at_by_environment(tmp_path):
    course = course_of(run_cell(tmp_path, {"COURSE_ROOT": str(ROOT)}))
    assert course["root"] == str(ROOT)


def test_copy_elsewhere_without_pointer_gets_one_clear_sentence(tmp_path):
    result = run_cell(tmp_path, {})
    assert result.returncode != 0
    assert "StopIteration" not in result.stderr
    assert "Could not find the course folder" in result.stderr and "COURSE_ROOT" in result.stderr


def test_remote_vm_is_recognised():
    assert colab_setup.detect_platform({"SSH_CONNECTION": "1 2 3 4"}, {}) == "remote"
    assert colab_setup.detect_platform({"VSCODE_PID": "1"}, {}) == "remote"
    assert colab_setup.detect_platform({"SSH_CONNECTION": "x", "JUPYTERHUB_USER": "u"}, {}) == "jupyter_server"
    assert colab_setup.detect_platform({}, {"google.colab": object()}) == "colab"
    assert colab_setup.detect_platform({}, {}) == "jupyter_server"


def test_only_missing_packages_are_installed(monkeypatch):
    calls = []
    monkeypatch.setattr(colab_setup.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    missing = colab_setup.missing_packages({"json": "json", "surely_not_installed_xyz": "xyz==1.0"})
    assert missing == ["xyz==1.0"]
    colab_setup.install(missing)
    colab_setup.install([])
    assert len(calls) == 1 and calls[0][-1] == "xyz==1.0"
    assert "torch" not in colab_setup.COLAB_PACKAGES, "Colab ships torch: never reinstall it"


def test_setup_seeds_the_rngs():
    import torch

    colab_setup.seed_everything(123)
    a = torch.rand(3)
    colab_setup.seed_everything(123)
    assert torch.equal(a, torch.rand(3))


def test_archive_extraction_stays_inside_destination(tmp_path, server, monkeypatch):
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w:gz") as tar:
        for name in ["repo-main/mlprereq/../../escaped.py", "repo-main/mlprereq/ok.py"]:
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"x\n"))
    server.archive = evil.getvalue()
    monkeypatch.setenv("COURSE_ARCHIVE_URL", server.url + "/archive/{repo}/{ref}.tar.gz")
    colab_setup.download_course(REPO, REF, tmp_path / "dest")
    assert (tmp_path / "dest" / "mlprereq" / "ok.py").exists()
    assert not (tmp_path / "escaped.py").exists()


def test_every_master_starts_with_the_stamped_setup_cell():
    import nbformat

    from mlprereq.course import source_notebooks

    cfg = course_config()
    for path in source_notebooks():
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.source == setup_cell_source(cfg["repo"], cfg["ref"]), f"{path}: run `make release`"
        assert first.metadata["nbgrader"]["locked"] is True
