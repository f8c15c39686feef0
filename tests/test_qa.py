"""The harness that tests the autograder tests can itself tell right from wrong."""
import nbformat
import pytest

from course_fixture import TOY
from mlprereq import nbsrc, notebooks, qa

pytestmark = pytest.mark.slow


def quiet_toy() -> str:
    """The toy notebook without its deliberate warning (the probe, like nbgrader, fails a test cell that writes to stderr)."""
    text = TOY.read_text()
    noisy = '    warnings.warn("a library warning that a correct answer may trigger")\n'
    assert noisy in text
    return text.replace(noisy, "")


@pytest.fixture(scope="module")
def toy_master(tmp_path_factory):
    path = tmp_path_factory.mktemp("qa") / "toy.ipynb"
    nbformat.write(nbsrc.script_to_notebook(quiet_toy()), path)
    return path


def test_probe_separates_wrong_from_right(toy_master):
    with qa.AnswerProbe(toy_master) as probe:
        assert probe.failures() == {}
        wrong_hidden_only = probe.try_answer("double", "def double(x):\n    return x * 2 if x.dtype == torch.int64 else x\n")
        right = probe.try_answer("double", "def double(x):\n    return x + x\n")
        after = probe.try_answer("double", "def double(x):\n    return 2 * x\n")
    assert wrong_hidden_only["double__visible"][0] is True
    assert wrong_hidden_only["double__hidden"][0] is False
    assert "AssertionError" in wrong_hidden_only["double__hidden"][1]
    assert all(ok for ok, _ in right.values())
    assert all(ok for ok, _ in after.values()), "the master's answer is restored after each try"


def test_probe_reports_a_broken_master(tmp_path):
    nb = nbsrc.script_to_notebook(quiet_toy().replace("return 2 * x", "return 3 * x"))
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with qa.AnswerProbe(path) as probe:
        assert set(probe.failures()) == {"double__visible", "double__hidden"}


def test_validator_invert_flags_a_test_that_passes_on_blank(tmp_path):
    nb = nbsrc.script_to_notebook(TOY.read_text())
    for cell in nb.cells:  # a "test" that asserts nothing
        if notebooks.meta(cell).get("grade_id") == "noisy_triple__visible":
            cell.source = "pass"
        if notebooks.is_solution(cell):
            cell.source = "raise NotImplementedError()"
    path = tmp_path / "blank.ipynb"
    nbformat.write(nb, path)
    results = qa.validate(path, invert=True, ignore_checksums=True)
    assert [r["source"] for r in results["passed"]] == ["pass"]


def test_probe_counts_stderr_in_a_test_cell_as_a_failure(tmp_path):
    path = tmp_path / "noisy.ipynb"
    nbformat.write(nbsrc.script_to_notebook(TOY.read_text()), path)
    with qa.AnswerProbe(path) as probe:
        assert list(probe.failures()) == ["noisy_triple__visible"]
