"""Every notebook executed top to bottom by a real kernel against the sandbox, with no clicks."""

import json
import re

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
    results = re.search(r'<table class="workshop-lab-results">.*?</table>', labs, re.S).group(0)
    assert "❌" not in results and results.count("✅") == 7
    # Each lab's chain, as the doctor saw it while broken: the lab's link is red and names its failure mode.
    assert labs.count("workshop-chain-svg") == 7 and "F8 · ❌ wrong" in labs and "F16 · ❌ wrong" in labs
    assert "workshop-done" in widget_values(out / "07_sign_in.ipynb")

    # The labs delete and re-create agent1's Connect user on purpose, so compare what exists, not its IDs.
    ledger = sorted((e.kind, e.name) for e in st.load().ledger)
    again = run_notebooks(tmp_path / "run2", say=lambda m: None, read_steps=True)
    assert again.ok
    assert sorted((e.kind, e.name) for e in st.load().ledger) == ledger
    # The statuses read at the end in the warm kernel are those this process reads, and their calls are counted.
    from_kernel = [(s["step"], s["status"]) for s in again.steps]
    notebooks_calls = sum(sum(n.calls.values()) for n in again.notebooks)
    assert len(from_kernel) >= 30 and sum(again.calls.values()) > notebooks_calls
    attach_status(again)
    assert from_kernel == [(s["step"], s["status"]) for s in again.steps]


def _notebook(folder, name, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / name)


def test_the_runner_reports_every_notebook_after_a_failure_and_resets_each_namespace(tmp_path, monkeypatch):
    from workshop_lib import runner

    books = tmp_path / "books"
    books.mkdir()
    _notebook(books, "01_sets.ipynb", "leftover = 41\n_hidden = 1\nimport json")
    _notebook(books, "02_fails.ipynb", "ok = 1", "raise ValueError('this notebook breaks')")
    _notebook(books, "03_after.ipynb", "assert not {'leftover', '_hidden', 'json'} & set(globals()), 'the namespace of 01 leaked'", "print('ran', 1 + 1)")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", books)
    report = run_notebooks(tmp_path / "out", say=lambda m: None)
    assert [(n.name, n.ok) for n in report.notebooks] == [("01_sets.ipynb", True), ("02_fails.ipynb", False), ("03_after.ipynb", True)]
    failed = report.notebooks[1]
    assert failed.cell == 1 and "this notebook breaks" in failed.error
    executed = nbformat.read(tmp_path / "out" / "03_after.ipynb", as_version=4)
    assert len(executed.cells) == 2  # the runner's own cells are not left in the copy
    assert "ran 2" in outputs_text(tmp_path / "out" / "03_after.ipynb")


def test_what_each_kernel_imports_as_it_boots_exists():
    """The runner's warm-up: a module renamed would make every kernel log an error and lose the head start."""
    import subprocess
    import sys

    from workshop_lib.runner import WARM_UP

    done = subprocess.run([sys.executable, "-c", WARM_UP], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
