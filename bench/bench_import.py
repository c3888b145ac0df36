"""How fast the package is ready: `import workshop_lib` (goal ≤ 0.3 s) and the settings form's first render.

Each figure is measured in a fresh Python process (nothing cached in memory; the OS file cache is warm
after the first run), median of a few runs. "First render" is what 00_start_here's form cell costs in a
new kernel with the sandbox running: `ui.start()` (imports, boto3's first client, the form listing the
account's instances) and the widget's display bundle. Prints the figures, no asserts.

    .venv/bin/python bench/bench_import.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, goal, parse_args, private_sandbox  # noqa: E402

IMPORT_GOAL = 0.3

IMPORT = """
import time, sys, json
t = time.perf_counter()
import workshop_lib
took = time.perf_counter() - t
heavy = sorted(m for m in ("boto3", "botocore", "pandas", "moto", "ipywidgets", "lxml", "cryptography") if m in sys.modules)
print(json.dumps({"seconds": took, "heavy": heavy}))
"""

FORM = """
import time, json
t = time.perf_counter()
from workshop_lib import ui
import ipywidgets
imported = time.perf_counter() - t
form = ui.start()
bundle = form._repr_mimebundle_()
assert "application/vnd.jupyter.widget-view+json" in bundle
from workshop_lib.aws.session import CALLS
print(json.dumps({"seconds": time.perf_counter() - t, "imports": imported, "message": form.message.value, "calls": CALLS.total}))
"""
PROCESS = [sys.executable, "-c", "import workshop_lib"]


def fresh(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def whole_process() -> float:
    """Interpreter start-up plus the import: what `python -c 'import workshop_lib'` takes."""
    started = time.perf_counter()
    subprocess.run(PROCESS, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parse_args(parser, runs=1)
    fresh(IMPORT)  # warm the OS file cache and the bytecode cache
    imports = [fresh(IMPORT) for _ in range(args.runs)]
    processes = [whole_process() for _ in range(args.runs)]
    with private_sandbox():  # as in a kernel where make lab (or ui.start) started the sandbox
        fresh(FORM)
        forms = [fresh(FORM) for _ in range(args.runs)]
    seconds = [r["seconds"] for r in imports]
    render = [r["seconds"] for r in forms]
    print(f"package import and first render, {args.runs} fresh processes each")
    print(f"  import workshop_lib: median {statistics.median(seconds) * 1000:.1f} ms (min {min(seconds) * 1000:.1f}, max {max(seconds) * 1000:.1f}); "
          f"heavy modules loaded by it: {', '.join(imports[-1]['heavy']) or 'none'}")
    print(f"  python -c 'import workshop_lib' (interpreter start-up included): median {statistics.median(processes):.3f} s")
    print(f"  settings form first render (ui.start() with the sandbox running): median {statistics.median(render):.2f} s "
          f"(min {min(render):.2f}, max {max(render):.2f}); of which importing workshop_lib.ui and ipywidgets "
          f"{statistics.median(r['imports'] for r in forms):.2f} s; {forms[-1]['calls']} API call; form says: {forms[-1]['message']!r}")
    goal("import workshop_lib", f"{statistics.median(seconds) * 1000:.1f} ms", statistics.median(seconds) <= IMPORT_GOAL, f"≤ {IMPORT_GOAL * 1000:.0f} ms")
    print(f"  settings form first render: {statistics.median(render):.2f} s (no goal set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
