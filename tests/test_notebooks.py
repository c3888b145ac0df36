"""Every notebook executed top to bottom by a real kernel against the sandbox, with no clicks."""

import json

import nbformat
import pytest

from workshop_lib import settings as st
from workshop_lib.runner import attach_status, run_notebooks, workshop_notebooks

pytestmark = pytest.mark.notebooks


def outputs_text(path):
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(json.dumps(out))
    return "\n".join(texts)


def widget_values(path):
    """The values of every widget as the kernel left them (stored widget state)."""
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return "\n".join(str(m.get("state", {}).get("value", "")) for m in state.values())


def test_committed_notebooks_have_no_outputs():
    for path in workshop_notebooks():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def test_every_notebook_runs_top_to_bottom_and_every_step_is_done(learner, tmp_path):
    out = tmp_path / "run1"
    report = run_notebooks(out, say=lambda m: None)
    assert [n.name for n in report.notebooks] == [p.name for p in workshop_notebooks()]
    assert report.ok, [(n.name, n.cell, n.error) for n in report.notebooks if not n.ok]
    attach_status(report)
    assert {s["step"]: s["status"] for s in report.steps if s["status"] != "done"} == {}
    for path in out.glob("*.ipynb"):
        text = outputs_text(path)
        assert "Traceback" not in text, path.name
        assert "application/vnd.jupyter.widget-view+json" in text, path.name
    labs = widget_values(out / "08_troubleshooting_labs.ipynb")
    assert "workshop-lab-results" in labs and "❌" not in labs
    assert labs.count("✅") == 7
    assert "workshop-done" in widget_values(out / "07_sign_in.ipynb")

    # The labs delete and re-create agent1's Connect user on purpose, so compare what exists, not its IDs.
    ledger = sorted((e.kind, e.name) for e in st.load().ledger)
    again = run_notebooks(tmp_path / "run2", say=lambda m: None)
    assert again.ok
    assert sorted((e.kind, e.name) for e in st.load().ledger) == ledger
