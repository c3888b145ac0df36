"""An event on one machine: 1, 2, 4 and 8 attendees on a local JupyterHub (deploy/jupyterhub_config.py), each a
system user running the whole workshop headless in their own server at the same time.

Per attendee: peak memory (PSS: server + kernels + sandbox, shared pages split fairly), wall time of the run, CPU
seconds; for the facilitator: how long each attendee's status takes. Needs root, Node.js and npm, as the event test.

    .venv/bin/python bench/bench_event.py [--sizes 1 2 4 8] [--only NN] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, goal, parse_args  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
STATUS_GOAL = 1.0  # seconds per attendee for the facilitator's view, at most
ROLES = (("jupyterhub.singleuser", "server"), ("ipykernel", "kernel"), ("workshop_lib.sandbox", "sandbox"), ("workshop_lib.cli", "runner"))


def role(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    return next((name for mark, name in ROLES if mark in text), "other")


class MemorySampler(threading.Thread):
    """Every ``every`` seconds: each attendee's processes' PSS, summed per attendee and per role; the peaks kept."""

    def __init__(self, uids: dict[int, str], every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.uids, self.every = uids, every
        self.peak: dict[str, float] = {n: 0.0 for n in uids.values()}
        self.peak_rss: dict[str, float] = {n: 0.0 for n in uids.values()}  # RSS counts shared pages in full: an upper bound
        self.peak_roles: dict[str, dict[str, float]] = {n: {} for n in uids.values()}
        self._done = threading.Event()

    def sample(self) -> None:
        import psutil

        now: dict[str, float] = {n: 0.0 for n in self.uids.values()}
        rss: dict[str, float] = {n: 0.0 for n in self.uids.values()}
        roles: dict[str, dict[str, float]] = {n: {} for n in self.uids.values()}
        for proc in psutil.process_iter(["uids", "cmdline"]):
            try:
                name = self.uids.get(proc.info["uids"].real) if proc.info["uids"] else None
                if name is None:
                    continue
                info = proc.memory_full_info()
            except (psutil.Error, OSError):
                continue
            mb = info.pss / 2**20
            now[name] += mb
            rss[name] += info.rss / 2**20
            r = role(proc.info["cmdline"] or [])
            roles[name][r] = roles[name].get(r, 0.0) + mb
        for name, mb in rss.items():
            self.peak_rss[name] = max(self.peak_rss[name], mb)
        for name, mb in now.items():
            if mb > self.peak[name]:
                self.peak[name], self.peak_roles[name] = mb, roles[name]

    def run(self) -> None:
        while not self._done.wait(self.every):
            self.sample()

    def finish(self) -> None:
        self._done.set()
        self.join()


def attendee_cpu(hub) -> dict[str, float]:
    """CPU seconds each attendee used so far: their live processes, with the children those have waited for
    (the headless run and its kernels, which have exited by now)."""
    import psutil

    uids = {hub.uid(a): a for a in hub.attendees}
    used = {a: 0.0 for a in hub.attendees}
    for proc in psutil.process_iter(["uids"]):
        try:
            name = uids.get(proc.info["uids"].real) if proc.info["uids"] else None
            if name:
                t = proc.cpu_times()
                used[name] += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    return used


def one_size(n: int, only: list[str]) -> dict:
    import psutil

    from event_hub_fixture import local_hub, start_servers
    from workshop_lib.event.remote import execute, run_workshop_code

    with local_hub(n, prefix="wsb") as hub:
        api = hub.hub()
        started = time.perf_counter()
        start_servers(hub, timeout=60 + 30 * n)
        spawn = time.perf_counter() - started
        tokens = {a: api.token_for(a, "bench", scopes=[f"access:servers!user={a}"]) for a in hub.attendees}
        sampler = MemorySampler({hub.uid(a): a for a in hub.attendees})
        sampler.sample()
        sampler.start()
        code = run_workshop_code("bench-run", only)
        cpu0 = psutil.cpu_times()

        def run(a: str) -> tuple[float, bool]:
            t = time.perf_counter()
            result = execute(api.server_url(api.user(a)), tokens[a], code, timeout=300 + 120 * n)
            return time.perf_counter() - t, result.ok and '"ok": true' in result.stdout

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            runs = list(pool.map(run, hub.attendees))
        wall = time.perf_counter() - t0
        cpu1 = psutil.cpu_times()
        sampler.finish()
        busy = sum(getattr(cpu1, f) - getattr(cpu0, f) for f in ("user", "system", "nice", "irq", "softirq"))
        facilitator = hub.hub(hub.facilitator_token)
        t = time.perf_counter()
        first = facilitator.statuses()  # what a facilitator waits for: each server's last pass of checks
        first_wall = time.perf_counter() - t
        t = time.perf_counter()
        rows = facilitator.statuses(fresh=True)  # what each attendee's server spends on a pass (--fresh waits for it)
        status_wall = time.perf_counter() - t
        cpu = attendee_cpu(hub)
        for a in hub.attendees:
            api.stop_server(a)
        api.wait(hub.attendees, ready=False, timeout=120)
    return {
        "n": n, "spawn": spawn, "wall": wall, "runs": runs, "peak": sampler.peak, "roles": sampler.peak_roles, "rss": sampler.peak_rss,
        "cpu_busy": busy, "cpu_share": busy / (wall * (os.cpu_count() or 1)), "status_wall": status_wall, "cpu": cpu,
        "status_rows": [(r.name, r.seconds, r.progress.seconds if r.progress else None, bool(r.progress and r.progress.finished)) for r in rows],
        "first_wall": first_wall, "first_max": max(r.seconds for r in first),
        "available_mb": psutil.virtual_memory().available / 2**20,
    }


def limits(results: list[dict]) -> None:
    """What bounds the number of attendees here: CPU time against the cores, or memory against what is free."""
    import psutil

    big = max(results, key=lambda r: r["n"])
    cores = os.cpu_count() or 1
    cpu = sum(big["cpu"].values())
    memory = sum(big["peak"].values())
    total = psutil.virtual_memory().total / 2**20
    print(f"what limits scaling: {big['n']} attendees used {cpu:.0f} CPU-seconds in {big['wall']:.0f} s, "
          f"{cpu / (big['wall'] * cores):.0%} of {cores} cores ({big['cpu_share']:.0%} with everything else on the machine); "
          f"their peak memory {memory / 1024:.1f} GB is {memory / total:.0%} of {total / 1024:.0f} GB")
    bound = "CPU" if cpu / (big["wall"] * cores) > memory / total else "memory"
    per_cpu = sum(sum(r["cpu"].values()) / r["n"] for r in results) / len(results)
    per_mb = sum(sum(r["peak"].values()) / r["n"] for r in results) / len(results)
    print(f"  bound by {bound}: one full run is {per_cpu:.1f} CPU-seconds and {per_mb:.0f} MB per attendee; at once on this machine, "
          f"memory alone would hold {total * 0.8 / per_mb:.0f}, and {cores} cores finish {cores * 60 / per_cpu:.1f} runs a minute")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--only", action="append", default=[], metavar="NN", help="run only these notebooks (default: all)")
    args = parse_args(parser, sizes=[1], only=["00"])  # --smoke: one attendee, notebook 00 only
    from event_hub_fixture import why_not

    reason = why_not()
    if reason:
        print(f"bench_event skipped: {reason}")
        return 0
    sizes, only = args.sizes, args.only
    print(f"an event on one machine: {os.cpu_count()} CPUs; attendees run {'notebooks ' + ', '.join(only) if only else 'the whole workshop'} at the same time")
    print(f"{'attendees':>9} {'spawn s':>8} {'wall s':>7} {'per-attendee run s (min–max)':>29} {'peak MB/attendee (max)':>23} {'CPU-s/attendee':>15} {'machine busy':>9} {'all ok':>7}")
    worst_status = 0.0
    results = []
    for n in sizes:
        r = one_size(n, only)
        results.append(r)
        times = [t for t, _ok in r["runs"]]
        peaks = list(r["peak"].values())
        ok = all(k for _t, k in r["runs"])
        print(f"{n:>9} {r['spawn']:>8.1f} {r['wall']:>7.1f} {min(times):>14.1f}–{max(times):<14.1f} {sum(peaks) / n:>15.0f} ({max(peaks):.0f}) {sum(r['cpu'].values()) / n:>15.1f} {r['cpu_share']:>8.0%} {'yes' if ok else 'NO':>7}")
        heaviest = max(r["roles"].values(), key=lambda d: sum(d.values()))
        print(f"{'':>9} at the peak, the heaviest attendee: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(heaviest.items(), key=lambda kv: -kv[1]))
              + f"; RSS summed (shared pages counted in full, an upper bound): max {max(r['rss'].values()):.0f} MB")
        per = [s for _n, s, _c, _f in r["status_rows"]]
        checks = [c for _n, _s, c, _f in r["status_rows"] if c is not None]
        worst_status = max(worst_status, r["first_max"])
        print(f"{'':>9} facilitator's view: {r['first_wall']:.2f} s for all {n} (slowest attendee {r['first_max']:.2f} s); with --fresh {r['status_wall']:.2f} s for all, "
              f"per attendee max {max(per):.2f} s, of which the attendee's pass of checks max {max(checks, default=0):.2f} s; "
              f"{sum(f for *_x, f in r['status_rows'])}/{n} shown finished; memory still available {r['available_mb']:.0f} MB")
    limits(results)
    goal("facilitator's view: slowest attendee's answer", f"{worst_status:.2f} s", worst_status <= STATUS_GOAL, f"≤ {STATUS_GOAL:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
