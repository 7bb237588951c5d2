"""docs/walkthrough.ipynb is committed executed; a re-run reproduces what it shows."""
import copy
import re
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Times and rates in the progress line differ from run to run; nothing else may.
TIMES = re.compile(r"\[\d\d:\d\d<\d\d:\d\d(, [\d.e+-]+ \w+/s)?\]")


def text_of(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.append(output.get("data", {}).get("text/html", ""))
        parts.append("".join(output.get("traceback", [])))
    return TIMES.sub("[times]", "".join(parts))


def execute(notebook):
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(DOCS)}}).execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def stored_and_fresh():
    stored = nbformat.read(DOCS / "walkthrough.ipynb", as_version=4)
    fresh = execute(copy.deepcopy(stored))
    return [cell for cell in stored.cells if cell.cell_type == "code"], fresh


def test_the_walkthrough_is_committed_with_its_outputs(stored_and_fresh):
    stored, _ = stored_and_fresh
    assert all(cell.get("execution_count") for cell in stored)
    assert all(cell.get("outputs") for cell in stored[1:])  # GitHub shows the results


def test_a_rerun_reproduces_the_stored_outputs_apart_from_timings(stored_and_fresh):
    stored, fresh = stored_and_fresh
    for before, after in zip(stored, fresh):
        assert text_of(after) == text_of(before), before.source[:60]


def test_each_step_shows_what_the_text_around_it_says(stored_and_fresh):
    _, code = stored_and_fresh
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
