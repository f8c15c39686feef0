"""Course notebooks open trusted in JupyterLab (a jupyter-server extension, enabled by ``pip install``).

jupyter-server trusts a notebook only when its signature is in this account's database, so a
notebook just released, fetched or downloaded shows "Not trusted" although it has no output at all.
Trust is about outputs (HTML, JavaScript) that run when they are shown. A notebook with nothing
unsafe to show is trusted here, by the rule jupyter-server already applies when it signs a saved
notebook (nbformat's ``check_cells``); a notebook with rich outputs still needs its signature.

``make setup`` enables it for the course's environment (``python -m mlprereq.trust`` writes
``<sys.prefix>/etc/jupyter/jupyter_server_config.d/mlprereq.trust.json``); if this module cannot be
imported the server only logs a warning and runs as before.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

from nbformat.sign import NotebookNotary

EXTENSION = "mlprereq.trust"


class OutputlessTrustNotary(NotebookNotary):
    """A notary that also trusts a notebook whose outputs are all safe to show (for example, none)."""

    def check_signature(self, nb) -> bool:
        if super().check_signature(nb):
            return True
        return self.check_cells(copy.deepcopy(nb))  # check_cells pops each cell's "trusted" flag: work on a copy


def _load_jupyter_server_extension(serverapp) -> None:
    manager = serverapp.contents_manager
    manager.notary = OutputlessTrustNotary(parent=manager)
    serverapp.log.info("mlprereq: notebooks without rich outputs open trusted")


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": EXTENSION}]


def enable(prefix: str = sys.prefix) -> Path:
    """Enable the extension for every Jupyter server of this environment; returns the config file written."""
    from jupyter_server.extension.config import ExtensionConfigManager

    config_dir = Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.d"
    ExtensionConfigManager(write_config_dir=str(config_dir)).enable(EXTENSION)
    return config_dir / f"{EXTENSION}.json"


if __name__ == "__main__":
    print(f"enabled in {enable()}")
