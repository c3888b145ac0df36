"""Helpers the bench scripts share: a private sandbox and learner home, goal lines, the machine's description."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASS, MISS = "✔", "✘"


def parse_args(parser: "argparse.ArgumentParser", **smoke: object) -> "argparse.Namespace":
    """The script's arguments, with ``--smoke``: a tiny run (``smoke`` overrides the sizes) that only proves the
    script still works. ``make test`` smoke-runs every bench script this way (tests/test_bench_smoke.py)."""
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the script works (no figures worth reading)")
    args = parser.parse_args()
    if args.smoke:
        for name, value in smoke.items():
            setattr(args, name, value)
    return args


def goal(label: str, value: str, ok: bool, target: str) -> str:
    """One figure against its goal; bench/run_all.py collects these lines into RESULTS.md."""
    line = f"  {PASS if ok else MISS} {label}: {value} (goal {target})"
    print(line, flush=True)
    return line


def by_operation(calls: dict[str, int], indent: str = "    ") -> None:
    """API calls by service:operation, largest first."""
    for op, n in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{indent}{n:>6}  {op}")


def machine() -> dict[str, str]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "CPUs": str(os.cpu_count()),
        "CPU model": model or platform.processor() or platform.machine(),
        "Python": sys.version.split()[0],
        "OS": platform.platform(),
    }


@contextlib.contextmanager
def private_sandbox(create_seconds: str = "0.1") -> Iterator[tuple[Path, str]]:
    """A sandbox server of its own and a fresh learner WORKSHOP_HOME pointed at it; stopped afterwards."""
    os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = create_seconds
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.sandbox.client import control

    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        home = Path(folder)
        info = control.start(home / "server")
        os.environ["WORKSHOP_HOME"] = str(home / "learner")
        os.environ["WORKSHOP_SANDBOX_ENDPOINT"] = info.endpoint
        os.environ["WORKSHOP_SANDBOX_HOME"] = str(home / "server")
        forget_clients()
        try:
            yield home, info.endpoint
        finally:
            control.stop(home / "server")
            forget_clients()


def perform_chapters(numbers: tuple[str, ...]) -> None:
    """Do every step of these chapters (the headless equivalent of running their notebooks)."""
    from workshop_lib.chapters import chapter
    from workshop_lib.context import Context
    from workshop_lib.chapters.model import State

    ctx = Context()
    for number in numbers:
        for step in chapter(number).steps:
            status = step.perform(ctx)
            if status.state not in (State.DONE, State.UNKNOWN):
                raise SystemExit(f"set-up failed at {step.key}: {status.state.value}: {status.summary}")
