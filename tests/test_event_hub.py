"""An event on a real local JupyterHub: four attendees, each a system user with their own server, WORKSHOP_HOME
and sandbox, run the whole workshop headless at the same time; then they are shown to be isolated (files, and
each sandbox refusing the others' credentials), the facilitator's view names the one who is stuck, and
everything stops.

The hub is deploy/jupyterhub_config.py (LocalProcessSpawner) with a dummy authenticator for the test only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from event_hub_fixture import local_hub, start_servers, user_processes, why_not

pytestmark = [pytest.mark.event, pytest.mark.skipif(bool(why_not()), reason=why_not() or "runs")]

ATTENDEES = 4
STUCK_LAB = "trust-provider"  # chapter 08's lab: the agent role trusts the admin provider (F2)


def _run(event, name: str, code: str, timeout: float = 900):
    from workshop_lib.event.remote import execute

    return execute(event.hub().server_url(event.hub().user(name)), event.tokens[name], code, timeout=timeout)


@pytest.fixture(scope="module")
def event():
    """The hub, its attendees' servers started through the REST API, and the workshop run in each one concurrently."""
    from workshop_lib.event.remote import run_workshop_code

    with local_hub(ATTENDEES) as hub:
        api = hub.hub()
        started = time.monotonic()
        start_servers(hub, timeout=300)  # a busy machine (other suites running at once) can take minutes
        hub.tokens = {n: api.token_for(n, "event test", scopes=[f"access:servers!user={n}"]) for n in hub.attendees}
        hub.start_seconds = time.monotonic() - started
        with ThreadPoolExecutor(max_workers=ATTENDEES) as pool:
            runs = list(pool.map(lambda n: _run(hub, n, run_workshop_code("event-check")), hub.attendees))
        hub.runs = dict(zip(hub.attendees, runs))
        hub.run_seconds = time.monotonic() - started - hub.start_seconds
        print(f"\nevent: {ATTENDEES} servers ready in {hub.start_seconds:.1f} s; the workshop in all of them in {hub.run_seconds:.1f} s")
        yield hub


def _report(execution) -> dict:
    assert execution.ok, execution.error or execution.stderr
    return json.loads(execution.stdout.strip().splitlines()[-1])


def test_every_attendee_finished_the_whole_workshop_in_their_own_server(event):
    for name, execution in event.runs.items():
        report = _report(execution)
        assert report["exit"] == 0 and report["ok"], (name, report)
        assert [ok for _nb, ok in report["notebooks"]] == [True] * len(report["notebooks"]) and len(report["notebooks"]) >= 10
        assert report["steps_not_done"] == [], (name, report)


def test_each_attendee_runs_as_themselves_with_their_own_sandbox_port(event):
    ports = {}
    for name in event.attendees:
        home = event.homes[name] / ".connect-sso-workshop"
        record = json.loads((home / "sandbox" / "server.json").read_text())
        ports[name] = record["port"]
        assert os.stat(f"/proc/{record['pid']}").st_uid == event.uid(name), f"{name}'s sandbox does not run as {name}"
        assert record["pid"] in user_processes(name)
    assert len(set(ports.values())) == ATTENDEES, ports


def test_no_attendee_can_read_another_attendees_files(event):
    first, *others = event.attendees
    for name in event.attendees:  # what is on disk: homes 0700, files of the workshop 0600 or tighter, all theirs
        home = event.homes[name]
        assert os.stat(home).st_mode & 0o077 == 0, f"{home} is open to others"
        for path in (home / ".connect-sso-workshop").rglob("*"):
            st = path.lstat()
            assert st.st_uid == event.uid(name), f"{path} is not {name}'s"
            assert st.st_mode & 0o077 == 0 or path.is_symlink(), f"{path} is readable by others ({oct(st.st_mode)})"
    # and what an attendee's own kernel can do: nothing with the others' homes, settings or sandbox records
    targets = [str(event.homes[o] / rel) for o in others for rel in (".connect-sso-workshop/settings.json", ".connect-sso-workshop/sandbox/server.json", ".connect-sso-workshop")]
    code = (
        "import json, os\nout = {}\n"
        f"for p in {targets!r}:\n"
        "    try:\n        (os.listdir(p) if os.path.isdir(p) or not os.path.splitext(p)[1] else open(p).read()); out[p] = 'READ'\n"
        "    except PermissionError:\n        out[p] = 'refused'\n"
        "print(json.dumps(out))\n"
    )
    answer = json.loads(_run(event, first, code, timeout=60).stdout.strip().splitlines()[-1])
    assert set(answer.values()) == {"refused"}, answer


def test_each_sandbox_refuses_the_other_attendees_credentials(event):
    """From inside one attendee's kernel: their own sandbox answers their credentials (`sandbox env`); every other
    attendee's sandbox refuses them, even with the other's own access key id (key ids are not secret)."""
    first, *others = event.attendees
    endpoints = {n: json.loads((event.homes[n] / ".connect-sso-workshop" / "sandbox" / "server.json").read_text())["endpoint"] for n in event.attendees}
    other_keys = {o: _sandbox_env(event, o)["AWS_ACCESS_KEY_ID"] for o in others}
    code = (
        "import json, shlex, subprocess, sys\nimport boto3, botocore.exceptions\n"
        "lines = subprocess.run([sys.executable, '-m', 'workshop_lib.cli', 'sandbox', 'env'], capture_output=True, text=True, check=True).stdout\n"
        "mine = {k: shlex.split(v)[0] for k, _, v in (l[7:].partition('=') for l in lines.splitlines() if l.startswith('export '))}\n"
        "def call(endpoint, key, secret):\n"
        "    sts = boto3.client('sts', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key, aws_secret_access_key=secret)\n"
        "    try:\n        sts.get_caller_identity(); return 'accepted'\n"
        "    except botocore.exceptions.ClientError as exc:\n        return exc.response['Error']['Code']\n"
        f"endpoints, other_keys = {endpoints!r}, {other_keys!r}\n"
        f"out = {{'own': call(endpoints[{first!r}], mine['AWS_ACCESS_KEY_ID'], mine['AWS_SECRET_ACCESS_KEY'])}}\n"
        "for name, key in other_keys.items():\n"
        "    out[name] = call(endpoints[name], mine['AWS_ACCESS_KEY_ID'], mine['AWS_SECRET_ACCESS_KEY'])\n"
        "    out[name + ' with their key id'] = call(endpoints[name], key, mine['AWS_SECRET_ACCESS_KEY'])\n"
        "print(json.dumps(out))\n"
    )
    execution = _run(event, first, code, timeout=120)
    answer = json.loads(execution.stdout.strip().splitlines()[-1])
    print(f"\n{first}'s sandbox credentials: {answer}")
    assert answer.pop("own") == "accepted", answer  # the credentials are real: the refusals below are not vacuous
    assert len(answer) == 2 * len(others) and "accepted" not in answer.values(), answer


def _sandbox_env(event, name: str) -> dict[str, str]:
    """`sandbox env` run as the attendee in their own server (the test reads another attendee's key id this way)."""
    import shlex

    out = _run(event, name, "import subprocess, sys\nprint(subprocess.run([sys.executable, '-m', 'workshop_lib.cli', 'sandbox', 'env'], capture_output=True, text=True, check=True).stdout)", timeout=60).stdout
    return {k: shlex.split(v)[0] for k, _, v in (line[7:].partition("=") for line in out.splitlines() if line.startswith("export "))}


def test_an_attendee_token_opens_only_their_own_server(event):
    first, second = event.attendees[:2]
    status, _ = event.hub(event.tokens[first]).request("GET", f"/user/{second}/api/contents", api=False)
    assert status == 403
    status, _ = event.hub(event.tokens[first]).request("GET", f"/user/{second}/workshop/status", api=False)
    assert status == 403


def test_facilitator_token_reads_status_but_not_files_or_kernels(event):
    facilitator = event.hub(event.facilitator_token)
    name = event.attendees[0]
    for path in (f"/user/{name}/api/contents", f"/user/{name}/api/kernels"):
        status, _ = facilitator.request("GET", path, api=False)
        assert status == 403, path
    status, _ = facilitator.request("POST", f"users/{name}/tokens", {"note": "escalate"})
    assert status == 403
    status, data = facilitator.request("GET", f"/user/{name}/workshop/status", api=False)
    assert status == 200 and set(data) == {"chapter", "done", "total", "finished", "stuck", "target", "seconds", "checked_at", "note"}


def test_event_status_shows_who_is_stuck_and_on_what(event):
    stuck = event.attendees[2]
    broke = _run(event, stuck, (
        "from workshop_lib.chapters.labs import LABS\nfrom workshop_lib.context import Context\n"
        f"next(l for l in LABS if l.key == {STUCK_LAB!r}).breaks(Context())\nprint('broken')\n"), timeout=120)
    assert broke.ok and "broken" in broke.stdout, broke.error
    env = dict(os.environ, WORKSHOP_HUB_TOKEN=event.facilitator_token)
    env.pop("JUPYTERHUB_API_TOKEN", None)
    cli = [sys.executable, "-m", "workshop_lib.cli", "event", "status", "--hub", event.url]
    rows = json.loads(subprocess.run([*cli, "--fresh", "--json"], env=env, capture_output=True, text=True, timeout=120).stdout)
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == set(event.attendees)
    for name in event.attendees:
        progress = by_name[name]["progress"]
        if name == stuck:
            assert not progress["finished"] and progress["chapter"] == "04"
            assert progress["stuck"]["step"] == "agent.iam.role" and progress["stuck"]["codes"] == ["F2"], progress
        else:
            assert progress["finished"] and progress["stuck"] is None, (name, progress)
    table = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)  # the last pass, as a facilitator sees it
    assert table.returncode == 1  # someone is stuck
    line = next(l for l in table.stdout.splitlines() if l.startswith(stuck))
    assert "agent.iam.role" in line and "F2" in line
    assert event.facilitator_token not in table.stdout + table.stderr


def test_servers_stop_cleanly_with_their_kernels_and_sandboxes(event):
    api = event.hub()
    for name in event.attendees:
        api.stop_server(name)
    api.wait(event.attendees, ready=False, timeout=120)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(user_processes(n) for n in event.attendees):
        time.sleep(0.5)
    assert {n: user_processes(n) for n in event.attendees} == {n: [] for n in event.attendees}
    for name in event.attendees:  # the sandboxes stopped, their state kept for the next session
        assert (event.homes[name] / ".connect-sso-workshop" / "sandbox" / "state").exists()
