"""The fault suite's figures, computed by really running it against a private sandbox.

Uses the same scenarios and case tables as the tests (tests/fault_cases.py, tests/bad_input_cases.py):

- faults injected / survived: every AWS call of the whole workshop fails its first attempt, once per kind
  (throttling, 5xx, connect timeout, connection reset, read timeout after the request was served), and the
  same through a cleanup; survived = the workshop completed with every resource exactly once;
- permanent faults / stopped with a sentence: each call site of each step fails for good (AccessDenied, and
  each transient kind that never clears), and deletes are denied during cleanup;
- interruptions / clean re-runs: a KeyboardInterrupt after every write, a SIGKILLed child process inside and
  between steps and inside a settings write, and a SIGKILLed sandbox; each followed by a re-run;
- bad inputs tried / handled with a clear error, across every entry point;
- decoys kept / ours removed, with someone else's resources in the account.

Exit code 1 when a figure misses its goal.

    .venv/bin/python bench/faults.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(BENCH)]
os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = "0.2"  # before any sandbox starts: it inherits it

from _common import goal, parse_args  # noqa: E402

import bad_input_cases  # noqa: E402
import fault_cases as fc  # noqa: E402
from fault_injection import PERMANENT_KINDS, TRANSIENT_KINDS  # noqa: E402
from workshop_lib.sandbox.client import control  # noqa: E402


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args = parse_args(parser)
    smoke = args.smoke  # one transient kind, the decoys: proves the script works, not the figures
    started = time.perf_counter()
    lines: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as folder:
        work = Path(folder)
        server = control.start(work / "server")
        runs = iter(range(1000))

        def learner():
            control.reset(server.home)
            return fc.learner(work / f"learner-{next(runs)}", server.endpoint)

        try:
            print("faults at every AWS call site of the whole workshop (first attempt of every call fails)")
            injected = survived = 0
            for kind in TRANSIENT_KINDS[:1] if smoke else TRANSIENT_KINDS:
                with learner() as ctx:
                    out = fc.transient_run(ctx, server.endpoint, kind)
                injected += out.injected
                survived += out.survived
                print(f"    {kind:<17} {out.injected:>4} faults on {len(out.call_sites)} operations, {out.attempts} attempts, "
                      f"{'completed' if out.ok else 'FAILED: ' + str(out.not_done or out.file_problems)} in {out.seconds:.1f} s")
            if smoke:  # the first kind only, then the decoys: proves the script works
                lines.append(survived == injected > 0)
                goal("faults injected / survived", f"{injected} / {survived}", lines[-1], "all survived")
                with learner() as ctx:
                    decoys = fc.decoy_cleanup(ctx, server.endpoint)
                lines.append(decoys.ok)
                goal("decoys kept / ours removed", f"{decoys.kept_total} of {decoys.decoy_total}", lines[-1], "all kept")
                return 0 if all(lines) else 1
            with learner() as ctx:
                cleaning = fc.cleanup_faults(ctx, server.endpoint)
            ok_cleanup = not cleaning.transient_failed and not cleaning.left_after_transient
            injected += cleaning.injected
            survived += cleaning.injected if ok_cleanup else 0
            print(f"    cleanup           {cleaning.injected:>4} faults, {'everything deleted' if ok_cleanup else 'FAILED'}")
            lines.append(survived == injected > 0)
            goal("faults injected / survived", f"{injected} / {survived}", lines[-1], "all survived")

            print("permanent faults at every call site, step by step (each call site fails for good, one at a time)")
            cases = []
            for kinds in [PERMANENT_KINDS[0], *TRANSIENT_KINDS]:
                with learner() as ctx:
                    found, watch = fc.permanent_sweep(ctx, kinds)
                cases += found
                bad = [c for c in found if not c.handled] + [f"file: {p}" for p in watch.problems]
                print(f"    {kinds:<17} {len(found):>4} call sites, {sum(c.handled for c in found)} stopped with the action and the fix"
                      + (f"; NOT: {bad[:3]}" if bad else ""))
            stopped = sum(c.handled for c in cases) + (len(cleaning.denied) if cleaning.ok else 0)
            tried = len(cases) + len(cleaning.denied)
            print(f"    cleanup denied       {len(cleaning.denied)} deletes, each a sentence; kept in the ledger and finished by a re-run")
            lines.append(stopped == tried > 0)
            goal("permanent faults / stopped with a sentence naming the action and the fix", f"{tried} / {stopped}", lines[-1], "all")

            print("interruptions, each followed by a re-run")
            with learner() as ctx:
                chain = fc.interruption_chain(ctx, server.endpoint)
            print(f"    KeyboardInterrupt after every write: {chain.interruptions}, clean re-runs {chain.clean_reruns}")
            with learner() as ctx:
                kills = fc.kill_chain(ctx, server.endpoint)
            kill_clean = kills.killed if kills.ok else 0
            print(f"    SIGKILL inside/between steps and inside a settings write: {len(kills.kills)}, clean re-runs {kill_clean}")
            crash_home = work / "crash"
            try:
                crash = fc.sandbox_crash(crash_home)
            finally:
                control.stop(crash_home)
            print(f"    SIGKILL of the sandbox mid-run, restarted: 1, {'state intact and workshop completed' if crash.ok else 'FAILED'}")
            interruptions = chain.interruptions + len(kills.kills) + 1
            clean = chain.clean_reruns + kill_clean + (1 if crash.ok else 0)
            lines.append(clean == interruptions > 0 and chain.ok)
            goal("interruptions / clean re-runs (no duplicates, ledger complete)", f"{interruptions} / {clean}", lines[-1], "all clean")

            print("bad input at every entry point")
            all_cases = bad_input_cases.all_cases()
            results = [bad_input_cases.try_case(c) for c in all_cases]
            per: dict[str, list[int]] = {}
            for r in results:
                per.setdefault(r.case.category, [0, 0])
                per[r.case.category][0] += 1
                per[r.case.category][1] += r.ok
            for category, (n, ok) in per.items():
                print(f"    {category:<15} {n:>4} tried, {ok} handled")
            slowest = max(r.seconds for r in results)
            handled = sum(r.ok for r in results)
            lines.append(handled == len(results) >= 200)
            goal("bad inputs tried / handled with a clear error", f"{len(results)} / {handled} (slowest {slowest:.2f} s)", lines[-1], "≥ 200, all")

            print("cleanup with someone else's resources in the account")
            with learner() as ctx:
                decoys = fc.decoy_cleanup(ctx, server.endpoint)
            print(f"    never deleted: {', '.join(k for k, v in decoys.never_deleted.items() if v)}; cleanup failures: {len(decoys.cleanup_failed)}")
            lines.append(decoys.ok)
            goal("decoys kept / ours removed",
                 f"{decoys.kept_total} of {decoys.decoy_total} / {decoys.removed_total} of {decoys.ours_total}", lines[-1], "all kept, all removed")
        finally:
            control.stop(server.home)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if all(lines) else 1


if __name__ == "__main__":
    sys.exit(main())
