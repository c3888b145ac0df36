"""The sandbox's two halves: the client half never pulls in moto or the server half; no import circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[1] / "workshop_lib" / "sandbox"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_client_half_imports_no_moto_and_nothing_of_the_server_half():
    code = ("import sys; import workshop_lib.sandbox.client.control, workshop_lib.sandbox.client.console_client; "
            "print(sorted(m for m in sys.modules if m.startswith(('moto', 'boto', 'workshop_lib.sandbox.server'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
    for path in (SANDBOX / "client").glob("*.py"):
        assert not any(name.startswith("workshop_lib.sandbox.server") for name in _imports(path)), path.name


def test_no_two_server_modules_import_each_other():
    graph = {path.stem: {name.rsplit(".", 1)[-1] for name in _imports(path)
                         if name.startswith("workshop_lib.sandbox.server.")}
             for path in (SANDBOX / "server").glob("*.py")}
    circles = sorted((a, b) for a, targets in graph.items() for b in targets if a < b and a in graph.get(b, set()))
    assert circles == []


def test_test_scaffolding_is_not_shipped():
    assert not (SANDBOX / "seed.py").exists()
    assert not any(name.startswith(("sandbox_seed", "tests"))
                   for path in SANDBOX.rglob("*.py") for name in _imports(path))
