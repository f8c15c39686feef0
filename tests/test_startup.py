"""The course's processes start without jsonschema's slow iri checker, and still validate notebooks."""
import subprocess
import sys

PROBE = """
import sys
import {module}
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nbformat.validate(nb)
loaded = sys.modules.get("rfc3987_syntax")
print("slow checker loaded" if loaded is not None else "skipped")
"""


def probe(module: str) -> str:
    return subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_cli_and_grading_processes_skip_the_slow_iri_checker():
    assert probe("mlprereq.cli") == "skipped"
    assert probe("mlprereq.grading.engines") == "skipped"


def test_a_plain_process_is_left_alone():
    import importlib.util

    expected = "slow checker loaded" if importlib.util.find_spec("rfc3987_syntax") else "skipped"
    assert probe("os") == expected
