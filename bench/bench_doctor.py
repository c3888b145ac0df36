"""The doctor at 10, 100 and 1,000 agents: API calls (goal ≤ 40 at 1,000) and wall time (goal ≤ 5 s).

Against a private sandbox with the whole workshop done (chapters 00–06), agents are imported up to each
size, then `run_doctor` reads the whole chain. Calls are counted by the session factory's botocore
hook. Prints the figures, no asserts.

    .venv/bin/python bench/bench_doctor.py [--sizes 10 100 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import by_operation, goal, parse_args, perform_chapters, private_sandbox  # noqa: E402

CALL_GOAL = 40
SECONDS_GOAL = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    args = parse_args(parser, sizes=[3], runs=1)

    with private_sandbox():
        from workshop_lib.agents import Agent
        from workshop_lib.context import Context
        from workshop_lib.chapters.people import import_people
        from workshop_lib.doctor import run_doctor

        perform_chapters(("00", "01", "02", "03", "04", "05", "06"))
        ctx = Context()
        print("the doctor against the sandbox (whole workshop done, agents imported up to each size)")
        have = 2  # the workshop's own two agents
        for n in args.sizes:
            more = [Agent(i, f"doc-agent{i}@connect-workshop.com", "Agent", str(i)) for i in range(have + 1, n + 1)]
            if more:
                import_people(ctx, more).raise_for_failures()
            have = max(have, n)
            settings = ctx.settings
            reports = [run_doctor(settings) for _ in range(args.runs)]
            seconds = [r.seconds for r in reports]
            report = reports[-1]
            errors = [f.line() for f in report.findings if f.severity.value == "error"]
            print(f"\n{n} agents: {report.calls} calls, median {statistics.median(seconds):.2f} s "
                  f"(min {min(seconds):.2f}, max {max(seconds):.2f}); {len(errors)} error finding(s)")
            for line in errors[:3]:
                print(f"    {line}")
            by_operation({f"{svc}:{op}": c for (svc, op), c in report.calls_by_operation.items()})
            if n == max(args.sizes):
                goal(f"doctor at {n} agents: API calls", str(report.calls), report.calls <= CALL_GOAL, f"≤ {CALL_GOAL}")
                goal(f"doctor at {n} agents: wall time", f"{statistics.median(seconds):.2f} s", statistics.median(seconds) <= SECONDS_GOAL, f"≤ {SECONDS_GOAL:.0f} s")
            else:
                print(f"  doctor at {n} agents: {report.calls} calls, {statistics.median(seconds):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
