"""How fast the sandbox starts: cold, and again with a whole workshop persisted (goals: ≤1.0 s, ≤1.5 s).

Prints the figures (median of a few runs), no asserts. "Start" is control.start() until the server
answered its first request; "first API" adds the first AWS call through boto3 (client made beforehand,
so boto3's own import and set-up are not counted), which is what a notebook waits for.

    PYTHONPATH=. python bench/sandbox_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

from workshop_lib.sandbox.client import control  # noqa: E402
from sandbox_seed import sandbox_client, seed_workshop  # noqa: E402
from workshop_lib.sandbox.shared import credentials  # noqa: E402
from workshop_lib.sandbox.shared.folders import secure_folders  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_start(home: Path, first_call) -> tuple[float, float]:
    """(seconds until the server answered, seconds until the first API call answered).

    The port is chosen first so the boto3 client exists before the clock starts.
    """
    port = free_port()
    # The client is made before the clock starts, so it needs the credentials the server will use: they are
    # made once per home (as on a learner's first start) and kept across restarts.
    own = credentials.load_or_create(secure_folders(home))
    call = first_call(f"http://127.0.0.1:{port}", own)
    started = time.perf_counter()
    control.start(home, port=port)
    answered = time.perf_counter()
    call()
    return answered - started, time.perf_counter() - started


def _client(endpoint: str, service: str, own):
    return sandbox_client(endpoint, service, key=own.access_key_id, secret=own.secret_access_key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parse_args(parser, runs=1)
    os.environ.setdefault("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.1")
    sandbox_client("http://127.0.0.1:1", "sts", key="AKIASANDBOXWARMUP000", secret="w" * 40)  # import boto3 and
    # load its models before timing

    cold, cold_api = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            try:
                answer, api = timed_start(home, lambda ep, own: _client(ep, "sts", own).get_caller_identity)
            finally:
                control.stop(home)
            cold.append(answer)
            cold_api.append(api)

    warm, warm_api, sizes = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        info = control.start(home)
        workshop = seed_workshop(info.endpoint, agents=tuple(f"agent{i}@connect-workshop.com" for i in range(1, 6)))
        persist = control.health(home)["persist"]
        control.stop(home)
        sizes.append(sum(p.stat().st_size for p in (home / "sandbox" / "state").rglob("*") if p.is_file()))

        def first_call(endpoint: str, own):
            connect = _client(endpoint, "connect", own)

            def call() -> None:
                users = connect.list_users(InstanceId=workshop.instance_id)["UserSummaryList"]
                assert len(users) == 5, users

            return call

        for _ in range(args.runs):
            try:
                answer, api = timed_start(home, first_call)
            finally:
                control.stop(home)
            warm.append(answer)
            warm_api.append(api)

    def show(label: str, values: list[float], goal: float | None = None) -> None:
        target = f"   (goal ≤ {goal:.1f} s)" if goal else ""
        print(f"{label:<48} median {statistics.median(values):.3f} s   min {min(values):.3f}   max {max(values):.3f}{target}")

    print(f"sandbox start-up, {args.runs} runs, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    show("cold start → first answered request", cold, 1.0)
    show("cold start → first AWS API answer (sts)", cold_api)
    show("restart with a persisted workshop → answer", warm, 1.5)
    show("restart with a persisted workshop → Connect API", warm_api)
    print(f"persisted workshop: {sizes[0]:,} bytes on disk; while seeding {persist['writes']} saves, "
          f"mean {persist['mean_ms']} ms, max {persist['max_ms']} ms per save")
    return 0


if __name__ == "__main__":
    sys.exit(main())
