"""Course notebooks open trusted: mlprereq.trust trusts a notebook with nothing unsafe to show, and only that."""
import sys

import nbformat
from jupyter_core.paths import jupyter_config_path
from jupyter_server.extension.config import ExtensionConfigManager

from conftest import MASTERS, release_path
from mlprereq.trust import OutputlessTrustNotary


def notary(tmp_path) -> OutputlessTrustNotary:
    return OutputlessTrustNotary(db_file=str(tmp_path / "signatures.db"), secret=b"test-secret")


def with_html_output():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("show()")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<script>x()</script>"})]
    return nb


def test_a_release_notebook_is_trusted_without_a_signature(tmp_path):
    nb = nbformat.read(release_path(MASTERS[0]), as_version=4)
    assert nbformat.sign.NotebookNotary(db_file=":memory:").check_signature(nb) is False  # what jupyter-server does
    assert notary(tmp_path).check_signature(nb) is True


def test_a_notebook_with_rich_output_still_needs_its_signature(tmp_path):
    nb, n = with_html_output(), notary(tmp_path)
    assert n.check_signature(nb) is False
    n.sign(nb)
    assert n.check_signature(nb) is True
    assert nb.cells[0].metadata == {}  # checking left the notebook as it was


def test_the_package_enables_the_server_extension():
    config = ExtensionConfigManager(read_config_path=jupyter_config_path())
    assert config.enabled("mlprereq.trust"), (
        f"mlprereq.trust is not enabled in {sys.prefix}/etc/jupyter/jupyter_server_config.d/: "
        "run `make setup` (it runs `python -m mlprereq.trust`)")
