"""Cleanup in a shared account: it removes everything the workshop made and nothing of anyone else's, never an
Organization or an Identity Center instance, and it asks before deleting anything."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
import fault_cases as fc

from workshop_lib import settings as st
from workshop_lib.aws.cleanup import _DELETERS, KEPT, plan_cleanup
from workshop_lib.cli import main

pytestmark = pytest.mark.sandbox


def test_cleanup_removes_all_of_ours_and_none_of_the_decoys(learner, sandbox):
    out = fc.decoy_cleanup(learner, sandbox.endpoint)
    assert out.cleanup_failed == []
    assert out.kept == out.decoys  # someone else's instance, its users, roles, policy, provider, users, group, app ...
    assert out.removed == out.ours  # ... and every resource of ours is gone
    assert out.decoy_total >= 14 and out.ours_total >= 19
    assert "someone-elses-contact-centre/agent1@connect-workshop.com" in out.kept["connect.user"]  # same username as ours
    assert "AmazonConnectAgentAccessRole-prod" in out.kept["iam.role"]  # a name that starts like ours
    assert out.never_deleted == {"organization": True, "identity center": True}
    assert set(out.ledger_left) <= {"organizations.organization"}


def test_cleanup_has_no_way_to_delete_an_organization_or_identity_center(learner, sandbox):
    assert "organizations.organization" in KEPT
    assert not {k for k in _DELETERS if k.startswith(("organizations.", "sso.instance"))}
    assert not not_done_after_workshop(learner)
    plan = plan_cleanup(learner)
    assert [e.kind for e, _why in plan.keep] == ["organizations.organization"]
    assert plan.manual == []  # in the sandbox the applications are deleted, and Identity Center is the sandbox's


def not_done_after_workshop(ctx):
    return fc.not_done(fc.perform_all(ctx))


def _inventory_of_ours(endpoint):
    return fc.ours_left(endpoint)


def test_cli_cleanup_without_yes_and_without_a_terminal_refuses(learner, sandbox, capsys, monkeypatch):
    assert not not_done_after_workshop(learner)
    before = _inventory_of_ours(sandbox.endpoint)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["cleanup"]) == 1
    assert "Not deleting: add --yes" in capsys.readouterr().err
    assert _inventory_of_ours(sandbox.endpoint) == before


def test_cli_cleanup_on_a_terminal_deletes_nothing_unless_told_delete(learner, sandbox, capsys, monkeypatch):
    assert not not_done_after_workshop(learner)
    before = _inventory_of_ours(sandbox.endpoint)
    asked = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "yes")
    assert main(["cleanup"]) == 1
    assert asked == [f"Delete these {len(plan_cleanup(learner).delete)} resources? Type 'delete' to confirm: "]
    assert "Nothing deleted." in capsys.readouterr().out
    assert _inventory_of_ours(sandbox.endpoint) == before


def test_cli_cleanup_asks_in_a_real_terminal_and_deletes_after_delete_is_typed(learner, sandbox):
    assert not not_done_after_workshop(learner)
    planned = len(plan_cleanup(learner).delete)
    master, slave = os.openpty()
    env = dict(os.environ, PYTHONPATH=str(fc.ROOT))
    child = subprocess.Popen([sys.executable, "-m", "workshop_lib.cli", "cleanup"], stdin=slave, stdout=slave, stderr=slave,
                             env=env, cwd=str(fc.ROOT), close_fds=True)
    os.close(slave)
    seen = b""
    try:
        seen += _read_until(master, b"Type 'delete' to confirm: ", 60)
        assert b"delete the IAM role AmazonConnectAgentAccessRole" in seen
        assert b"delete the group membership ConnectAgents/agent1@connect-workshop.com" in seen  # kinds in words
        assert b"keep   the Organization" in seen
        assert _inventory_of_ours(sandbox.endpoint) != {}  # nothing deleted while it asks
        os.write(master, b"delete\n")
        seen += _read_until(master, b"failed 0", 60)
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    assert f"deleted {planned}, already gone 0, kept 0, failed 0".encode() in seen
    assert _inventory_of_ours(sandbox.endpoint) == {}
    assert [e.kind for e in st.load().ledger] == ["organizations.organization"]


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    assert marker in out, out[-500:]
    return out


def _perform_everything(ctx):
    from workshop_lib.chapters import all_steps

    return {step.key: step.perform(ctx).state.value for _, step in all_steps()}


def test_attendees_sharing_an_account_keep_their_agents_when_one_cleans_up(sandbox, tmp_path):
    """Two attendees, two name prefixes, one identity store: A's cleanup must not take B's agents away."""
    from workshop_lib.aws.cleanup import run_cleanup
    from workshop_lib.chapters import find_step

    homes = {"A": tmp_path / "attendee-a", "B": tmp_path / "attendee-b"}
    for who, home in homes.items():
        with fc.learner(home, sandbox.endpoint) as ctx:
            with ctx.update() as s:
                s.name_prefix = f"team{who}-"
            states = _perform_everything(ctx)
            assert {k: v for k, v in states.items() if v != "done"} == {}, who

    with fc.learner(homes["A"], sandbox.endpoint) as a:
        result = run_cleanup(a, plan_cleanup(a))
        assert result.failed == []
        assert len(result.kept) == 3  # agent1, agent2 and the admin: B's groups still hold them
        assert all("other group" in k for k in result.kept)

    with fc.learner(homes["B"], sandbox.endpoint) as b:
        status = find_step("signin.agent").check(b)
        assert status.state.value == "done", status.summary
        assert "teamB-Amazon Connect - Agent" in status.summary
