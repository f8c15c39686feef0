"""nbgrader preprocessors the course adds to autograding (see nbgrader_config.py)."""
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils


class StderrToStdout(NbGraderPreprocessor):
    """Move stderr output of graded cells to stdout.

    nbgrader scores a test cell 0 when it wrote anything to stderr, so a correct
    answer that triggers a library warning would lose its points. The text is
    kept (as stdout) so the TA still sees it; real failures are exceptions and
    are untouched.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if utils.is_grade(cell) and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources
