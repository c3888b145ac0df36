"""The package carries no dead twins and no oversized modules.

Dead code is found with vulture over the package together with everything that calls into it outside the
tests: the notebooks' code cells, deploy/, scripts/ and bench/. A function that only tests call is dead (or belongs in
the tests); the few names called by something vulture cannot see are listed below, each with who calls it.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workshop_lib"
MAX_LINES = 450  # a module longer than this does more than one job: split it

# name -> who calls it, where vulture cannot see the call.
CALLED_FROM_OUTSIDE = {
    "initialize": "tornado, for each request handler of the attendee status route (event/server_ext.py)",
    "_jupyter_server_extension_points": "jupyter_server, when it loads the status route",
    "_load_jupyter_server_extension": "jupyter_server, when it loads the status route",
    "persistent_id": "pickle's Pickler, for every object of a service's state (sandbox/server/persist_layout.py)",
    "persistent_load": "pickle's Unpickler, for each collection a service's state refers to (sandbox/server/persist_layout.py)",
    "clear_namespace": "the runner's hidden first cell, in the kernel, before each notebook (runner.START_CELL)",
    "to_frame": "learners in a notebook: the doctor's fix text tells them to call report.to_frame()",
}


def _notebook_cells(folder: Path) -> str:
    code = []
    for path in sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("deploy/**/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                code.append("".join(cell["source"]))
    target = folder / "notebook_cells.py"
    target.write_text("\n\n".join(code), encoding="utf-8")
    return str(target)


def test_no_function_in_the_package_is_used_only_by_tests(tmp_path):
    import vulture

    finder = vulture.Vulture()
    finder.scavenge([str(PACKAGE), str(ROOT / "deploy"), str(ROOT / "scripts"), str(ROOT / "bench"), _notebook_cells(tmp_path)])
    unused = [f"{item.filename.relative_to(ROOT) if item.filename.is_absolute() else item.filename}:{item.first_lineno} "
              f"{item.typ} {item.name}"
              for item in finder.get_unused_code(min_confidence=60)
              if item.typ in ("function", "method", "property", "class") and item.name not in CALLED_FROM_OUTSIDE]
    assert unused == []


def test_no_module_is_longer_than_about_450_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
