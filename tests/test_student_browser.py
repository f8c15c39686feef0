"""The student's side in a real browser: JupyterLab in headless Chromium, driven by clicks and typing.

One JupyterLab server for the module (127.0.0.1, a port in 8761-8765, a token) serving a scratch copy of
what a student has: release/ plus the helpers Colab extracts (colab_setup.ARCHIVE_PARTS). One browser.
Tests run in file order. A failed step leaves a screenshot and the page text in tests/artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MASTERS, ROOT, release_path
from hub_helpers import headless_chromium
from student_lab import KERNEL_NAME, Lab, Notebook, student_copy

pytestmark = pytest.mark.slow
PORTS = range(8761, 8766)  # this test's share of 127.0.0.1
RELEASES = [release_path(m).relative_to(ROOT) for m in MASTERS]
EINOPS = Path("release/03_einops/einops_einsum.ipynb")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(student_copy(tmp_path_factory.mktemp("student") / "course"), PORTS)
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def einops(browser, lab):
    nb = Notebook(browser, lab, EINOPS)
    with nb.step("setup"):
        nb.run_setup_cell()
        nb.run(nb.code_cell("from mlprereq.checks import"))  # the notebook's imports
    yield nb
    nb.close()


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("path", RELEASES, ids=[p.parent.name for p in RELEASES])
def test_notebook_opens_clean_and_its_setup_cell_runs(browser, lab, path):
    nb = Notebook(browser, lab, path)
    try:
        with nb.step("opened"):
            nb.page.wait_for_function(
                f"() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName')]"
                f".some(e => e.textContent.includes({KERNEL_NAME!r}))")
            nb.page.wait_for_timeout(1000)  # JupyterLab writes the kernel's metadata just after it connects
            assert "jp-mod-dirty" not in nb.tab_classes(), (
                "the notebook shows as modified right after opening: its kernelspec/language_info metadata "
                "differs from what the course kernel reports (mlprereq/release.py kernel_metadata)")
            assert nb.trust_title().startswith("Notebook trusted"), nb.trust_title()
            setup = nb.cells.first
            assert setup.locator(".jp-InputPlaceholder").is_visible(), "the setup cell's code is shown"
            assert not setup.locator(".jp-InputArea-editor").is_visible()
        with nb.step("setup"):
            out = nb.run_setup_cell()
            assert "Course(platform='jupyter_server'" in out, out
            assert nb.errors(nb.cells.first) == []
    finally:
        nb.close()


def test_right_answer_passes_and_wrong_answer_shows_a_short_traceback(einops):
    nb = einops
    with nb.step("right"):
        nb.answer("def einsum_trace(", 'def einsum_trace(mat: np.ndarray):\n    return np.einsum("ii", mat)\n')
        test = nb.code_cell('print("einsum_trace: passed")')
        out = nb.run(test)
        assert "einsum_trace: passed" in out, out
        assert nb.errors(test) == []
    with nb.step("wrong"):
        # A plausible slip: the products, not their sum.
        nb.answer("def einsum_inner(", 'def einsum_inner(vec1, vec2):\n    return np.einsum("i,i->i", vec1, vec2)\n')
        test = nb.code_cell('print("einsum_inner: passed")')
        out = nb.run(test)
        errors = "\n".join(nb.errors(test))
        assert "AssertionError" in errors and "einsum_inner([1, 2, 3], [4, 5, 6])" in errors, out
        assert "einsum_inner: passed" not in out
        # The traceback names the student's cell, not the course's checker internals.
        assert re.search(r"Cell In\[\d+\], line \d+", errors), errors
        assert "mlprereq" not in errors and "checks.py" not in errors and "site-packages" not in errors, errors
        assert len(errors.splitlines()) <= 6, errors


def test_check_notebook_lists_each_exercise_and_a_total(einops):
    nb = einops
    with nb.step("check_notebook"):
        last = nb.code_cell('print("einsum_inner: passed")')
        last.locator(".jp-InputPrompt").first.click()  # select it in command mode
        nb.page.keyboard.press("Escape")
        nb.page.keyboard.press("b")  # a new cell below
        nb.page.keyboard.press("Enter")
        nb.page.keyboard.insert_text("from mlprereq import check_notebook\ncheck_notebook()")
        new = nb.code_cell("check_notebook()")
        nb.page.keyboard.press("Shift+Enter")
        out = nb.wait_for_run(new, "[ ]:", timeout=180_000)
        assert re.search(r"✓ einsum_trace +1 / 1\n", out), out
        assert re.search(r"✗ einsum_inner +0 / 1 +AssertionError", out), out
        assert re.search(r"[✗·] einsum_mm +0 / 1 ", out), out  # its cell never ran: NameError, shown as ✗
        assert re.search(r"Visible tests: \d+ / \d+ points \(\d+ of \d+ exercises pass\)", out), out


def test_moving_a_widget_redraws_its_figure(einops):
    nb = einops
    with nb.step("widget"):
        cell = nb.code_cell("widgets.einops_playground()")
        nb.run(cell)
        image = cell.locator(".jp-OutputArea .widget-image").first
        image.wait_for()
        before, old_src = nb.image_bytes(image), image.get_attribute("src")
        pattern = cell.locator(".widget-text input").first
        pattern.fill("b c h w -> c (b h) w")  # the digits stacked, not side by side
        pattern.press("Enter")
        nb.page.wait_for_function("([img, old]) => img.getAttribute('src') !== old",
                                  arg=[image.element_handle(), old_src], timeout=30_000)
        after = nb.image_bytes(image)
        assert before[:8] == after[:8] == b"\x89PNG\r\n\x1a\n"
        assert after != before, "the figure did not change when the pattern changed"
