"""Interruptions: a kernel interrupted or killed inside a step (after a Create call answered, before the ledger
write) or between steps, and a sandbox killed mid-run. Running again completes with no duplicate resources, adopts
what the interrupted run made into the ledger, and the sandbox comes back with every ID intact."""

from __future__ import annotations

import pytest
import fault_cases as fc

from workshop_lib import settings as st
from workshop_lib.sandbox.client import control

pytestmark = pytest.mark.sandbox


def test_interrupting_every_write_and_running_the_step_again_leaves_no_duplicates(learner, sandbox):
    out = fc.interruption_chain(learner, sandbox.endpoint)
    assert out.not_done == {}
    assert out.interruptions >= 19  # every Create/Attach call of the workshop, once
    assert "connect.instance after connect:CreateInstance" in out.where
    assert "agent.iam.role after iam:CreateRole" in out.where
    assert "agents.assignment after sso-admin:CreateApplicationAssignment" in out.where
    assert out.clean_reruns == out.interruptions
    assert fc.counts(out.inventory) == fc.EXPECTED and fc.duplicates(out.inventory) == {}
    assert out.ledger == fc.LEDGER  # what the interrupted runs made was adopted
    assert out.file_problems == []


def test_killing_the_process_inside_and_between_steps_then_running_again_completes(learner, sandbox):
    out = fc.kill_chain(learner, sandbox.endpoint)
    assert out.kills == [(point, -9) for point in fc.KILL_POINTS]  # each child died where it was told to
    assert out.not_done == {}
    assert fc.counts(out.inventory) == fc.EXPECTED and fc.duplicates(out.inventory) == {}
    assert out.ledger == fc.LEDGER
    assert out.file_problems == []  # the settings file parsed after every kill, also the one inside its write
    recovered = {e.kind for e in st.load().ledger if e.extra.get("recovered") or e.origin == "created"}
    assert {"connect.instance", "iam.role", "connect.user", "identitystore.membership"} <= recovered
    assert [(e.kind, e.name) for e in st.load().ledger if not e.ours and e.kind != "organizations.organization"] == []  # all known as ours


def test_an_instance_made_by_a_killed_run_is_adopted_by_its_alias_not_created_again(learner, sandbox, aws):
    from workshop_lib.aws.resources import ensure_instance

    from workshop_lib.aws.ownership import TAG_KEY, owner_id

    alias = "aws-connect-workshop-123-4242"
    made = aws("connect").create_instance(IdentityManagementType="SAML", InstanceAlias=alias,  # tagged, as the killed run's call was
                                          InboundCallsEnabled=True, OutboundCallsEnabled=True, Tags={TAG_KEY: owner_id(learner)})
    with learner.update() as s:  # the pending entry a killed run leaves: its create call answered, nothing more
        s.names["instance_alias"] = alias
        s.record("connect.instance", alias, region=s.region, client_token="a-token-from-the-killed-run")
    instance = ensure_instance(learner, alias)
    assert instance["Id"] == made["Id"]
    assert len(aws("connect").list_instances()["InstanceSummaryList"]) == 1
    assert learner.settings.find("connect.instance", alias).id == made["Id"]


def test_the_sandbox_killed_mid_run_comes_back_with_its_state_and_the_workshop_completes(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.2")
    try:
        out = fc.sandbox_crash(tmp_path / "home")
    finally:
        control.stop(tmp_path / "home")
    assert "The sandbox at http://127.0.0.1:" in out.error and "is not answering" in out.error  # a sentence, not a traceback
    assert "sandbox start" in out.error
    assert out.new_pid
    assert all(set(ids) <= set(out.ids_after.get(kind, [])) for kind, ids in out.ids_before.items())  # same IDs and ARNs
    assert out.not_done == {}
    assert fc.counts(out.inventory) == fc.EXPECTED and fc.duplicates(out.inventory) == {}
    assert out.ledger == fc.LEDGER


def test_an_instance_with_our_alias_but_not_our_tag_is_not_taken_over(learner, sandbox, aws):
    from workshop_lib.aws.ownership import NotOurs
    from workshop_lib.aws.resources import ensure_instance

    alias = "aws-connect-workshop-123-4243"
    theirs = aws("connect").create_instance(IdentityManagementType="SAML", InstanceAlias=alias, InboundCallsEnabled=True,
                                            OutboundCallsEnabled=True, Tags={"connect-sso-workshop": "owner-someoneelse"})
    with learner.update() as s:
        s.names["instance_alias"] = alias
    with pytest.raises(NotOurs) as refused:
        ensure_instance(learner, alias)
    assert f"The Amazon Connect instance '{alias}' already exists in this account and is not the workshop's" in str(refused.value)
    assert "owner-someoneelse" in str(refused.value) and "name prefix in 00_start_here" in str(refused.value)
    assert learner.settings.instance_id == "" and learner.settings.find("connect.instance", alias) is None
    assert [i["Id"] for i in aws("connect").list_instances()["InstanceSummaryList"]] == [theirs["Id"]]
