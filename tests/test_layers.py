"""The package's layers import only downwards (docs/design-notes.md, "Layers").

Every ``import`` in workshop_lib is read from the source (function-level imports included; imports under
``if TYPE_CHECKING:`` are type hints only and do not count). A new upward or sideways import fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workshop_lib"

# Each layer, and the layers it may import (besides itself). Lowest first.
FOUNDATION = {"errors", "findings", "files"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "findings": set(),
    "files": set(),
    "rules": {"errors", "findings"},
    "saml": {"errors", "findings", "rules"},
    "settings": FOUNDATION | {"rules"},
    "environment": FOUNDATION,
    "sandbox.shared": FOUNDATION,  # what both halves need: the credentials file, the private folders
    "sandbox.server": FOUNDATION | {"rules", "saml", "sandbox.shared"},  # the simulated AWS: judges sign-ins by the same rules
    "sandbox.client": FOUNDATION | {"settings", "sandbox.shared"},  # start, stop, find the server; the console client
    "sandbox": {"sandbox.client"},  # the package itself re-exports nothing from the server half
    "aws.session": FOUNDATION | {"rules", "settings", "sandbox.client", "aws.paging", "aws.errors"},
    "aws.paging": set(),
    "aws.errors": FOUNDATION | {"rules"},  # a failed connection to a Region without the service: the Region rule says so
    "context": {"settings", "aws.session"},
    "aws": FOUNDATION | {"rules", "saml", "settings", "sandbox.client", "aws.session", "aws.paging", "aws.errors", "context",
                         "metadata_files"},  # cleanup removes the downloaded metadata files (which import only saml, settings)
    "agents": FOUNDATION | {"rules"},
    "metadata_files": FOUNDATION | {"saml", "settings"},
    "doctor": FOUNDATION | {"rules", "saml", "settings", "aws", "aws.session", "aws.paging", "aws.errors", "context", "metadata_files", "sandbox.client"},
    "chapters": FOUNDATION | {"rules", "saml", "settings", "aws", "aws.session", "aws.paging", "aws.errors", "context", "doctor", "agents", "metadata_files", "sandbox.client"},
}
ALLOWED["edge"] = FOUNDATION | {"aws.errors"}  # the one error edge, for notebooks and the CLI
ABOVE_CHAPTERS = set(ALLOWED) - {"sandbox.server"}
ALLOWED["runner"] = ABOVE_CHAPTERS | {"chapters"}
ALLOWED["event"] = ABOVE_CHAPTERS | {"chapters", "ui"}  # the facilitator's view is a widget
ALLOWED["ui"] = ABOVE_CHAPTERS | {"chapters", "environment"}
ALLOWED["commands"] = ABOVE_CHAPTERS | {"chapters", "ui", "runner", "event", "environment"}
ALLOWED["cli"] = {"commands", "errors", "edge"}
ALLOWED["<package>"] = {"errors"}

# Third-party packages a pure layer must not import (boto3/botocore mean I/O; widgets mean a browser).
FORBIDDEN_OUTSIDE = {
    "rules": {"boto3", "botocore", "moto", "pandas", "ipywidgets", "IPython", "requests"},
    "saml": {"boto3", "botocore", "moto", "pandas", "ipywidgets", "IPython", "requests"},
    "aws": {"ipywidgets", "IPython"},
    "doctor": {"ipywidgets", "IPython"},
    "sandbox.server": {"ipywidgets", "IPython", "boto3"},
}

def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or parts == ["__init__"]:
        return "<package>"
    if parts[0] == "sandbox" and len(parts) > 1 and parts[1] in ("client", "server", "shared"):
        return f"sandbox.{parts[1]}"
    if parts[0] == "aws" and len(parts) > 1 and f"aws.{parts[1]}" in ALLOWED:
        return f"aws.{parts[1]}"
    return parts[0]


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        lines.add(sub.lineno)
    return lines


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir()


def imports() -> list[tuple[str, str, int, str]]:
    """(module, imported name, line, layer of the module) for every runtime import in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hints = _type_checking_only(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in hints:
                continue
            if isinstance(node, ast.Import):
                found += [(module, alias.name, node.lineno, layer_of(module)) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "workshop_lib":  # from workshop_lib import settings, ui (or a name such as __version__)
                    found += [(module, f"workshop_lib.{alias.name}" if _is_module(alias.name) else "workshop_lib",
                               node.lineno, layer_of(module)) for alias in node.names]
                else:
                    found.append((module, node.module, node.lineno, layer_of(module)))
    return found


def test_every_layer_of_the_package_is_known():
    layers = {layer for _m, _n, _l, layer in imports()}
    assert layers <= set(ALLOWED), f"add these layers to ALLOWED: {sorted(layers - set(ALLOWED))}"


def test_imports_point_downwards_only():
    wrong = []
    for module, name, line, layer in imports():
        if not name.startswith("workshop_lib"):
            continue
        target = layer_of(name)
        if target == "<package>":  # workshop_lib/__init__ holds only __version__: everyone may read it
            continue
        if target != layer and target not in ALLOWED.get(layer, set()):
            wrong.append(f"{module}:{line} imports {name} ({layer} -> {target})")
    assert wrong == []


def test_pure_layers_import_no_io_or_widget_libraries():
    wrong = []
    for module, name, line, layer in imports():
        top = name.split(".")[0]
        for guarded, banned in FORBIDDEN_OUTSIDE.items():
            if layer == guarded and top in banned:
                wrong.append(f"{module}:{line} imports {name}")
    assert wrong == []


def test_the_layer_reader_sees_function_level_imports():
    assert layer_of("workshop_lib.sandbox.server.portal") == "sandbox.server"
    assert layer_of("workshop_lib.aws.session") == "aws.session"
    assert layer_of("workshop_lib.aws.cleanup") == "aws"
    inside_functions = [(m, n) for m, n, _l, _layer in imports() if m == "workshop_lib.context" and n == "workshop_lib.aws.session"]
    assert inside_functions, "Context.client's lazy import of aws.session must be seen"
