"""The workshop against its peer, side by side in one run: a facilitator's shell script of AWS CLI calls.

Three timings against the same sandbox (its Connect instances take the same time to become ACTIVE for all):

- peer: a bash script running the AWS CLI (`awscli` from PyPI) for the API subset of the agent half: the
  Connect instance, the IAM provider, policy and role, two Identity Center users, their group and its
  assignment, and their two Connect users (about 20 calls, each a new `aws` process, as a script does it).
  The console-only steps it relies on (Identity Center, the application and its metadata) are done before
  the clock starts, as a human would have done them in the console;
- full run: `connect-sso-workshop run --target sandbox --fresh`: every notebook, in a real kernel, console
  steps in the simulated console, sign-in, doctor, labs and cleanup included (goal: less than the peer);
- library: the chapters 00–07 driven through the library in this process, without kernels (goal: ≤ 0.1× the
  peer). It does more than the peer: both sides, the console steps, the sign-in and its checks.

    .venv/bin/python bench/bench_peer.py [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, goal, parse_args, perform_chapters  # noqa: E402

# The same script tests/test_sandbox_aws_cli.py runs: one source for the AWS CLI half of the workshop.
PEER_SCRIPT = (Path(__file__).resolve().parent / "aws_cli_agent_half.sh").read_text(encoding="utf-8")


def cli_env(home: Path) -> dict[str, str]:
    """The environment that points the AWS CLI at this learner's sandbox (``sandbox env``), as a learner sets it."""
    env = dict(os.environ, WORKSHOP_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "workshop_lib.cli", "sandbox", "env"], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    exports = {}
    for line in done.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            exports[key] = value.strip().strip("'\"")
    if "AWS_ENDPOINT_URL" not in exports:  # a sandbox without `sandbox env`: the endpoint, any key
        from workshop_lib.sandbox.client import control

        exports = {"AWS_ENDPOINT_URL": control.ensure_running(home), "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
    env.update(exports)
    env.setdefault("AWS_REGION", "us-east-1")
    env["AWS_DEFAULT_REGION"] = env["AWS_REGION"]
    env["AWS_PAGER"] = ""
    for var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


def aws_cli() -> str:
    """The `aws` command installed beside this Python (awscli, a test dependency)."""
    found = Path(sys.executable).with_name("aws")
    if found.exists():
        return str(found)
    which = shutil.which("aws")
    if not which:
        raise SystemExit("The AWS CLI is not installed: pip install awscli (it is in the test extra).")
    return which


def full_run(home: Path, out: Path, only: tuple[str, ...]) -> tuple[float, bool]:
    env = dict(os.environ, WORKSHOP_HOME=str(home))
    env.pop("WORKSHOP_SANDBOX_ENDPOINT", None)
    cli = [sys.executable, "-m", "workshop_lib.cli", "run", "--target", "sandbox", "--fresh", "--out", str(out), *only]
    started = time.perf_counter()
    done = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        print(f"  the full run exited {done.returncode}: {done.stderr.strip().splitlines()[-3:]}")
    return seconds, done.returncode == 0


def library_run(home: Path, numbers: tuple[str, ...]) -> float:
    """Reset the sandbox and fresh settings, then time the chapters driven in this process."""
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.sandbox.client import control

    endpoint = control.ensure_running(home)
    control.reset(home)
    learner = home / "library-learner"
    shutil.rmtree(learner, ignore_errors=True)
    os.environ["WORKSHOP_HOME"] = str(learner)
    os.environ["WORKSHOP_SANDBOX_ENDPOINT"] = endpoint
    forget_clients()
    perform_chapters(("00",))  # warm: imports and clients, as a learner's kernel has them after 00
    started = time.perf_counter()
    perform_chapters(numbers)
    return time.perf_counter() - started


def peer_run(home: Path, work: Path, calls_limit: int | None) -> tuple[float, bool, int]:
    """Prepare the console-only prerequisites with the library, then time the AWS CLI script."""
    from workshop_lib.metadata_files import read_metadata
    from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy

    perform_chapters(("03",))  # the application and its metadata: console steps, done before the clock starts
    work.mkdir(parents=True, exist_ok=True)
    (work / "metadata.xml").write_text(read_metadata("agent") or "", encoding="utf-8")
    region = "us-east-1"
    (work / "policy.template.json").write_text(json.dumps(federation_policy(f"arn:aws:connect:{region}:123456789012:instance/00000000-0000-0000-0000-000000000000")).replace(
        "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-0000-0000-000000000000", "INSTANCE_ARN"), encoding="utf-8")
    trust = saml_trust_policy("arn:aws:iam::123456789012:saml-provider/PeerAgentAccess", region)
    (work / "trust.template.json").write_text(json.dumps(trust).replace("arn:aws:iam::123456789012:saml-provider/PeerAgentAccess", "PROVIDER_ARN"), encoding="utf-8")
    script = PEER_SCRIPT
    if calls_limit is not None:  # smoke: the first calls only (after the comment lines)
        lines = [line for line in script.splitlines() if not line.startswith("#")]
        script = "\n".join(lines[:calls_limit]) + "\necho peer done\n"
    (work / "peer.sh").write_text(script, encoding="utf-8")
    env = cli_env(home)
    env["PATH"] = f"{Path(aws_cli()).parent}{os.pathsep}{env.get('PATH', '')}"
    started = time.perf_counter()
    done = subprocess.run(["bash", str(work / "peer.sh")], cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        print(f"  the peer script failed ({done.returncode}): {done.stderr.strip()[-600:]}")
    calls = sum(line.count("aws ") for line in script.splitlines() if line.strip().startswith(("aws ", "ACCOUNT=", "ID=", "PROVIDER=", "POLICY=", "read ", "APP=", "GROUP=", "USER=", "PROFILE=", "ROUTING=", "until ")))
    return seconds, done.returncode == 0, calls


def main() -> int:
    args = parse_args(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    # The same for all three; short, as in the tests, so the figures compare the tools and not the wait.
    os.environ.setdefault("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.2")
    sys.path.insert(0, str(ROOT))
    from workshop_lib.sandbox.client import control

    chapters = ("01", "02") if args.smoke else ("01", "02", "03", "04", "05", "06", "07")
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        home = Path(folder) / "home"
        try:
            full_s, full_ok = full_run(home, Path(folder) / "run", ("--only", "00") if args.smoke else ())
            library_s = library_run(home, chapters)
            peer_s, peer_ok, calls = peer_run(home, Path(folder) / "peer", 2 if args.smoke else None)
        finally:
            control.stop(home)
    print("side by side, one sandbox, Connect instances ACTIVE after "
          f"{os.environ['WORKSHOP_SANDBOX_CREATE_SECONDS']} s for everyone")
    print(f"  peer: AWS CLI shell script, agent half's API subset ({calls} aws commands written, instance polls extra): "
          f"{peer_s:.1f} s{'' if peer_ok else ' (FAILED)'}")
    print(f"  full headless workshop, every notebook in a real kernel: {full_s:.1f} s{'' if full_ok else ' (FAILED)'}")
    print(f"  chapters {chapters[0]}–{chapters[-1]} through the library, no kernels: {library_s:.2f} s")
    ok = peer_ok and full_ok
    goal("full run / AWS CLI peer", f"{full_s / peer_s:.2f} ({full_s:.1f} s / {peer_s:.1f} s)", ok and full_s < peer_s, "< 1.0")
    goal("library chapters / AWS CLI peer", f"{library_s / peer_s:.3f} ({library_s:.2f} s / {peer_s:.1f} s)", ok and library_s <= 0.1 * peer_s, "≤ 0.1")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
