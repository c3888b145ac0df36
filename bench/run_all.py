"""Run every benchmark, print its figures, and write bench/RESULTS.md with them and the machine they came from.

Called by `make bench`. Each bench script runs in its own process (a fresh interpreter, its own
sandbox); a line with a goal is collected into the summary table. A script that crashes is reported
and makes the exit code 1; a missed goal does not (the figures say so).

    .venv/bin/python bench/run_all.py [--only bench_doctor ...]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MISS, PASS, ROOT, machine  # noqa: E402

BENCH = Path(__file__).resolve().parent
# In this order: quick ones first; any other script in bench/ runs after these, so none can be forgotten.
ORDER = ("bench_import.py", "sandbox_start.py", "bench_sandbox.py", "bench_doctor.py", "bench_agents.py", "bench_run.py", "faults.py")


def scripts() -> list[str]:
    """Every bench script: the known ones in ORDER, then the rest by name (helpers start with an underscore)."""
    present = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != Path(__file__).name}
    return [s for s in ORDER if s in present] + sorted(present - set(ORDER))
RESULTS = BENCH / "RESULTS.md"
_MEDIAN_GOAL = re.compile(r"^\s*(?P<label>.+?)\s+median (?P<value>[\d.]+) s.*\(goal ≤ (?P<goal>[\d.]+) s\)")


def goal_rows(output: str) -> list[tuple[str, str, str, bool]]:
    """(figure, value, goal, met) for every goal line a script printed."""
    rows = []
    for line in output.splitlines():
        text = line.strip()
        if text.startswith((PASS, MISS)) and "(goal " in text:
            head, _, target = text[1:].strip().rpartition(" (goal ")
            label, _, value = head.rpartition(": ")  # labels may hold ': ' themselves ("1000 agents: writes per agent")
            rows.append((label, value, target.rstrip(")"), text.startswith(PASS)))
            continue
        found = _MEDIAN_GOAL.match(line)
        if found:
            value, target = float(found["value"]), float(found["goal"])
            rows.append((found["label"].strip(), f"{value:.3f} s (median)", f"≤ {target:g} s", value <= target))
    return rows


def run_script(name: str, *extra: str) -> tuple[int, str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    for var in ("WORKSHOP_SANDBOX_ENDPOINT", "WORKSHOP_SANDBOX_HOME"):  # every script makes its own sandbox
        env.pop(var, None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(BENCH / name), *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print(f"  {line}", end="", flush=True)
        lines.append(line)
    return proc.wait(), "".join(lines), time.perf_counter() - started


def _kept(path: Path, rerun: set[str]) -> tuple[list[str], list[str]]:
    """The goal rows and figure sections of RESULTS.md for scripts not run this time (``--only`` merges)."""
    if not path.exists():
        return [], []
    text = path.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.split(" | ")[0][2:] not in rerun
            and line.split(" | ")[0][2:].endswith(".py")]
    sections, current, keep = [], [], False
    for line in text.split("## Every figure, as each script printed it", 1)[-1].splitlines()[1:]:
        if line.startswith("### "):
            if keep:
                sections += current
            current, keep = [], line[4:].split(" ", 1)[0] not in rerun
        current.append(line)
    if keep:
        sections += current
    return rows, sections


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", help="run only these scripts (names with or without .py)")
    parser.add_argument("--smoke", action="store_true", help="run each script at a tiny size to prove it works; RESULTS.md is not written")
    args = parser.parse_args()
    wanted = scripts()
    if args.only:
        only = {o if o.endswith(".py") else o + ".py" for o in args.only}
        wanted = [s for s in wanted if s in only]
    started = _dt.datetime.now().replace(microsecond=0)
    outputs: list[tuple[str, int, str, float]] = []
    for name in wanted:
        print(f"\n== {name}", flush=True)
        code, output, seconds = run_script(name, *(["--smoke"] if args.smoke else []))
        outputs.append((name, code, output, seconds))
        if code:
            print(f"  {name} exited with {code}", flush=True)

    if args.smoke:
        failed = [name for name, code, _o, _s in outputs if code]
        print(f"\nsmoke run: {len(outputs) - len(failed)} of {len(outputs)} scripts worked" + (f"; failed: {', '.join(failed)}" if failed else ""))
        return 1 if failed else 0
    box = machine()
    kept_rows, kept_sections = _kept(RESULTS, {name for name, *_ in outputs}) if args.only else ([], [])
    when = f"Run {started.isoformat()} with `make bench` (bench/run_all.py), against the embedded sandbox."
    if args.only:
        when = f"Updated {started.isoformat()} with `bench/run_all.py --only {' '.join(wanted)}`; the other scripts' figures are from earlier runs."
    lines = ["# Benchmark results", "", when, "", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in box.items()]
    lines += ["", "## Goals", "", "| script | figure | measured | goal | met |", "|---|---|---|---|---|"]
    lines += kept_rows
    for name, code, output, _s in outputs:
        for label, value, target, met in goal_rows(output):
            lines.append(f"| {name} | {label} | {value} | {target} | {'yes' if met else '**no**'} |")
        if code:
            lines.append(f"| {name} | (the script failed, exit {code}) | | | **no** |")
    lines += ["", "## Every figure, as each script printed it", ""]
    lines += kept_sections
    for name, code, output, seconds in outputs:
        lines += [f"### {name} ({seconds:.0f} s{'' if not code else f', exit {code}'})", "", "```", output.rstrip(), "```", ""]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")

    print(f"\n== summary ({', '.join(f'{k}: {v}' for k, v in box.items())})")
    for name, code, output, _s in outputs:
        for label, value, target, met in goal_rows(output):
            print(f"  {PASS if met else MISS} {label}: {value} (goal {target})")
        if code:
            print(f"  {MISS} {name} failed (exit {code})")
    print(f"written: {RESULTS.relative_to(ROOT)}")
    return 1 if any(code for _n, code, _o, _s in outputs) else 0


if __name__ == "__main__":
    sys.exit(main())
