"""release/ is exactly what nbgrader generates from source/, and gives nothing away."""
import json

import nbformat
import pytest

from conftest import MASTERS, ROOT, release_path
from mlprereq import nbsrc, release
from mlprereq.notebooks import meta

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME")


@pytest.mark.slow
def test_release_equals_fresh_generation():
    fresh, tmp = release.fresh_release(ROOT)
    with tmp:
        assert release.differences(ROOT / "release", fresh) == []


def test_every_master_has_a_release(master):
    assert release_path(master).exists(), f"run `make release` for {master}"


def test_release_has_no_solutions_hidden_tests_or_outputs(master):
    student = nbformat.read(release_path(master), as_version=4)
    teacher = nbformat.read(master, as_version=4)
    text = json.dumps(student)
    for marker in MARKERS:
        assert marker not in text, f"{marker} left in {release_path(master)}"
    for cell in student.cells:
        assert not cell.get("outputs"), "release notebooks carry no outputs"
        assert not cell.get("execution_count")
    hidden = {meta(c)["grade_id"]: c.source for c in teacher.cells if "BEGIN HIDDEN TESTS" in c.source}
    solutions = {meta(c)["grade_id"]: c.source for c in teacher.cells if meta(c).get("solution")}
    by_id = {meta(c).get("grade_id"): c.source for c in student.cells}
    for gid, src in hidden.items():
        body = src.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0].strip()
        assert body not in by_id.get(gid, ""), f"hidden test {gid} leaked"
    for gid, src in solutions.items():
        for region in src.split("### BEGIN SOLUTION")[1:]:
            answer = region.split("### END SOLUTION")[0].strip()
            if answer:
                assert answer not in by_id.get(gid, ""), f"solution of {gid} leaked"


def test_release_has_the_same_graded_cells_as_master(master):
    student = nbformat.read(release_path(master), as_version=4)
    teacher = nbformat.read(master, as_version=4)
    ids = lambda nb: [meta(c).get("grade_id") for c in nb.cells if meta(c)]  # noqa: E731
    assert ids(student) == ids(teacher)


def test_nbsrc_round_trip_is_lossless(master):
    nb = nbformat.read(master, as_version=4)
    again = nbsrc.script_to_notebook(nbsrc.notebook_to_script(nb))
    assert [c.source for c in again.cells] == [c.source for c in nb.cells]
    assert [c.get("metadata", {}).get("nbgrader") for c in again.cells] == \
           [c.get("metadata", {}).get("nbgrader") for c in nb.cells]


def test_nbsrc_parses_every_kind_of_cell():
    nb = nbsrc.script_to_notebook(
        "# %% setup\nx=1\n# %% [markdown]\n# hello\n# %% solution id=f\ndef f(): pass\n"
        "# %% test id=f__visible points=2\nassert f() is None\n# %% [markdown] answer id=q points=1\n# text\n")
    kinds = [nbsrc.cell_kind(c) for c in nb.cells]
    assert kinds == ["setup", None, "solution", "test", "answer"]
    assert nb.cells[3].metadata["nbgrader"]["points"] == 2.0
    assert nb.cells[1].source == "hello"
    with pytest.raises(ValueError, match="needs points"):
        nbsrc.script_to_notebook("# %% test id=t\nassert True\n")


def test_release_carries_the_course_kernels_metadata(master):
    """JupyterLab rewrites kernelspec/language_info that differ from the kernel's, marking the notebook modified."""
    from ipykernel.ipkernel import IPythonKernel

    nb = nbformat.read(release_path(master), as_version=4)
    assert nb.metadata["kernelspec"] == {"name": "python3", "display_name": "Python 3 (ml-prereqs)",
                                         "language": "python"}
    ours = {k: v for k, v in nb.metadata["language_info"].items() if k != "version"}
    kernels = {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}
    assert ours == kernels
    assert nb.metadata["language_info"]["version"].split(".")[:2] == ["3", "11"]


def test_differences_ignore_only_the_python_patch_version(tmp_path):
    nb = nbformat.read(release_path(MASTERS[0]), as_version=4)
    for name, version, source in [("a", "3.11.2", "x = 1"), ("b", "3.11.7", "x = 1"), ("c", "3.11.7", "x = 2")]:
        nb.metadata["language_info"]["version"] = version
        nb.cells[-1].source = source
        (tmp_path / name).mkdir()
        nbformat.write(nb, tmp_path / name / "n.ipynb")
    assert release.differences(tmp_path / "a", tmp_path / "b") == []
    assert release.differences(tmp_path / "a", tmp_path / "c") == ["n.ipynb"]


def test_every_course_code_cell_is_locked(master):
    """Course-authored code (imports, helpers, demos) is a locked nbgrader cell, so grading can restore it."""
    nb = nbformat.read(master, as_version=4)
    unlocked = [c.source.splitlines()[0] for c in nb.cells
                if c.cell_type == "code" and c.source.strip() and not meta(c).get("grade_id")]
    assert not unlocked, f"{master.name}: course cells without nbgrader metadata (run `python -m mlprereq.release`): {unlocked}"
    ids = [meta(c)["grade_id"] for c in nb.cells if meta(c).get("grade_id")]
    assert len(ids) == len(set(ids))


def test_stamping_locks_a_new_course_cell_and_keeps_the_ids_it_gave():
    from mlprereq.authoring import lock_course_cells
    from mlprereq.notebooks import is_course_cell

    nb = nbsrc.script_to_notebook("# %% setup\nx = 1\n# %%\nimport math\n# %% solution id=f\ndef f(): pass\n"
                                  "# %%\ndef show(v):\n    print(v)\n# %%\nshow(1)\n# %%\nshow(2)\n")
    assert lock_course_cells(nb)
    assert [meta(c).get("grade_id") for c in nb.cells] == \
           ["setup", "course_imports", "f", "course_show", "course_show_2", "course_show_3"]
    assert all(is_course_cell(c) for c in nb.cells if meta(c)["grade_id"].startswith("course_"))
    assert nb.cells[1].metadata["nbgrader"] == nbsrc.nbgrader_meta("locked", "course_imports", None)
    nb.cells[3].source = "def show(v):\n    print('value', v)"  # the author edits a helper: its id stays
    nb.cells.insert(2, nbformat.v4.new_code_cell("import numpy as np"))  # and adds a cell: locked too
    assert lock_course_cells(nb)
    assert [meta(c).get("grade_id") for c in nb.cells][1:5] == ["course_imports", "course_imports_2", "f", "course_show"]
    assert not lock_course_cells(nb)
