"""docs/walkthrough.ipynb runs from top to bottom, and says what the text around it claims."""
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

DOCS = Path(__file__).resolve().parents[1] / "docs"


def text_of(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.append(output.get("data", {}).get("text/html", ""))
    return "".join(parts)


def test_walkthrough_runs_and_shows_each_step():
    notebook = nbformat.read(DOCS / "walkthrough.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(DOCS)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [text_of(cell) for cell in code]
    assert "nan" in outputs[1]                               # the naive softmax
    assert "0.26894142, 0.73105858" in outputs[2]            # the stable one
    assert "pass the sigmoid's output" in outputs[3]         # sigmoid_grad(x) refused
    assert "Gradient check failed" in outputs[4] and "<table>" in outputs[4]
    assert "sigmoid_grad given z instead of h" in outputs[5]
    assert "finite-difference error" in outputs[6] and "kink" in outputs[6]
    assert "GradcheckError: Gradient check failed: 3 of 3" in outputs[7]  # raises by default
    assert "training accuracy" in outputs[8]
    assert "image/png" in code[9]["outputs"][0]["data"]
