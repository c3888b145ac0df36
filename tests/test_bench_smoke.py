"""Every bench script still works: each runs at a tiny size (``--smoke``) so none can rot between `make bench` runs.

No timing is asserted here (figures belong to `make bench` and bench/RESULTS.md); a script that crashes,
exits non-zero, or prints no figure fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from run_all import scripts  # noqa: E402


def test_every_bench_script_is_known_to_the_runner():
    on_disk = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != "run_all.py"}
    assert set(scripts()) == on_disk and on_disk


@pytest.mark.parametrize("script", scripts())
def test_bench_script_runs_at_a_tiny_size(script, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(BENCH.parent), PYTHONUNBUFFERED="1", WORKSHOP_HOME=str(tmp_path / "home"))
    env.pop("WORKSHOP_SANDBOX_ENDPOINT", None)  # each script makes its own sandbox
    env.pop("WORKSHOP_SANDBOX_HOME", None)
    done = subprocess.run([sys.executable, str(BENCH / script), "--smoke"], cwd=BENCH.parent, env=env,
                          capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert any(ch.isdigit() for ch in done.stdout), "the script printed no figure"
