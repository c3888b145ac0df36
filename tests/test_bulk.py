"""Bulk onboarding against a real sandbox server: one listing up front, ≤ 3 writes per person, a re-run writes nothing."""

import json
import types

import pytest

from workshop_lib import settings as st
from workshop_lib.agents import Agent
from workshop_lib.aws.bulk import onboard
from workshop_lib.aws.paging import paginate
from workshop_lib.aws.session import CALLS, client, forget_clients
from workshop_lib.chapters import chapter, find_step
from workshop_lib.context import Context
from workshop_lib.chapters.model import State
from workshop_lib.chapters.people import import_people, roster
from workshop_lib.rules.chain import AGENT
from workshop_lib.errors import WorkshopError

pytestmark = pytest.mark.sandbox

PAGE = 7  # small pages: every listing of 60 people takes several pages


def people(n, start=1, role="agent"):
    return [Agent(row=i + 1, email=f"bulk{i}@connect-workshop.com", first="Bulk", last=f"Agent {i}", role=role) for i in range(start, start + n)]


def test_sixty_agents_take_at_most_three_writes_each_and_a_rerun_writes_nothing(ready_learner):
    agents = people(60)
    first = onboard(ready_learner, agents, page_size=PAGE)
    assert first.ok, [f.line() for f in first.failed]
    assert first.created == {"idc": 60, "connect": 60, "membership": 60}
    assert first.writes <= 3 * 60 + 1  # + the group, created once
    assert first.calls["identitystore:CreateGroup"] == 1

    again = onboard(ready_learner, agents, page_size=PAGE)
    assert again.writes == 0 and again.ok
    assert sum(again.to_create.values()) == 0
    assert "everything already exists" in again.summary()
    # One paginated listing of each kind: the number of list calls grows with pages, not with people.
    assert again.calls["identitystore:ListUsers"] == 60 // PAGE + 1
    assert again.calls["connect:ListUsers"] == 60 // PAGE + 1
    assert not any(op.startswith(("identitystore:GetUserId", "connect:DescribeUser")) for op in again.calls)


def test_the_ledger_records_every_user_and_membership_in_a_few_settings_writes(ready_learner, monkeypatch):
    writes = []
    original = st.atomic_write
    monkeypatch.setattr(st, "atomic_write", lambda path, text: (writes.append(path), original(path, text))[1])
    onboard(ready_learner, people(60), page_size=PAGE)
    assert len(writes) <= 3  # the ledger goes in batches, not once per person
    ledger = st.load()
    assert len(ledger.of_kind("identitystore.user")) == 60
    assert len(ledger.of_kind("connect.user")) == 60
    assert len(ledger.of_kind("identitystore.membership")) == 60
    assert all(e.id for e in ledger.of_kind("connect.user"))


def test_a_row_the_service_refuses_is_reported_with_its_row_and_the_others_are_created(ready_learner):
    agents = people(10)
    refused = Agent(row=12, email="longname@connect-workshop.com", first="Long", last="X" * 101)  # Connect allows 100
    result = onboard(ready_learner, agents + [refused], page_size=PAGE)
    assert not result.ok
    assert [(f.row, f.what) for f in result.failed] == [(12, "Connect user")]
    assert "longer than 100 characters" in result.failed[0].message
    assert result.failed_rows == [12]
    assert "rows 12" in result.summary() and "only these are tried again" in result.summary()
    assert result.created == {"idc": 11, "connect": 10, "membership": 11}


def test_a_rerun_after_a_transient_failure_retries_only_the_failed_rows(ready_learner):
    agents = people(30)
    flaky = {agents[3].email, agents[17].email}
    connect = client("connect", ready_learner.settings)

    def fail_some(params=None, **_kwargs):
        body = json.loads(params.get("body") or b"{}")
        if body.get("Username") in flaky:
            return types.SimpleNamespace(status_code=400, headers={}), {
                "Error": {"Code": "InvalidRequestException", "Message": "Injected failure for the test."},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        return None

    connect.meta.events.register("before-call.connect.CreateUser", fail_some)
    try:
        first = onboard(ready_learner, agents, page_size=PAGE)
    finally:
        connect.meta.events.unregister("before-call.connect.CreateUser", fail_some)
    assert sorted(f.row for f in first.failed) == sorted(a.row for a in agents if a.email in flaky)
    assert all("Injected failure" in f.message for f in first.failed)

    CALLS.reset()
    retry = onboard(ready_learner, agents, page_size=PAGE)
    assert retry.ok
    assert retry.created == {"idc": 0, "connect": 2, "membership": 0}
    assert retry.writes == 2
    assert onboard(ready_learner, agents, page_size=PAGE).writes == 0


def test_admins_go_to_the_admin_group_with_the_admin_profile(ready_learner):
    result = onboard(ready_learner, people(3, role="admin"), page_size=PAGE)
    assert result.ok
    s = ready_learner.settings
    assert {e.name.split("/")[0] for e in s.of_kind("identitystore.membership")} == {s.name("admins_group")}
    connect = client("connect", s)
    profiles = {p["Id"]: p["Name"] for p in connect.list_security_profiles(InstanceId=s.instance_id)["SecurityProfileSummaryList"]}
    users = paginate(connect, "list_users", "UserSummaryList", InstanceId=s.instance_id)
    described = connect.describe_user(InstanceId=s.instance_id, UserId=users[0]["Id"])["User"]
    assert [profiles[i] for i in described["SecurityProfileIds"]] == ["Admin"]


def test_a_dry_run_counts_what_is_missing_and_writes_nothing(ready_learner):
    onboard(ready_learner, people(5), page_size=PAGE)
    result = onboard(ready_learner, people(8), page_size=PAGE, dry_run=True)
    assert result.writes == 0
    assert result.to_create == {"idc": 3, "connect": 3, "membership": 3}
    assert "would create" in result.summary()


def test_without_an_instance_the_import_says_to_do_chapter_01_first(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "empty"))
    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    monkeypatch.setenv("WORKSHOP_SANDBOX_HOME", str(sandbox.home))
    forget_clients()
    with pytest.raises(WorkshopError, match="chapter 01"):
        onboard(Context(), people(2))


def test_imported_people_join_the_roster_and_the_chapter_steps_see_them(ready_learner):
    for number in ("03", "04", "05"):
        for step in chapter(number).steps:
            step.perform(ready_learner)
    result = import_people(ready_learner, people(25))
    assert result.ok
    assert len(roster(ready_learner, AGENT)) == 27  # the workshop's two agents and the 25 imported
    assert len(ready_learner.settings.people) == 25
    import_people(ready_learner, people(25))
    assert len(ready_learner.settings.people) == 25  # no duplicates

    CALLS.reset()
    for key in ("agents.connect_users", "agents.idc_users", "agents.group"):
        status = find_step(key).perform(ready_learner)
        assert status.state is State.DONE, (key, status.summary)
    assert CALLS.writes() == 0
    status = find_step("agents.passwords").check(ready_learner)
    assert status.state is State.MISSING and "25 people" in status.summary


def test_a_chapter_step_reports_failed_people_in_a_sentence(ready_learner):
    with ready_learner.update() as s:
        s.people = [{"email": "nolast@connect-workshop.com", "first": "No", "last": "X" * 101, "role": "agent"}]
    with pytest.raises(WorkshopError, match="nolast@connect-workshop.com: Connect user: .*longer than 100 characters") as raised:
        find_step("agents.connect_users").run(ready_learner)
    assert "retries only what is missing" in str(raised.value)
    assert find_step("agents.connect_users").check(ready_learner).state is State.MISSING


def test_the_summary_counts_in_words_with_the_right_plurals():
    from workshop_lib.aws.onboard_result import OnboardResult

    one = OnboardResult(people=1, created={"idc": 1, "connect": 1, "membership": 0}, writes=2, seconds=0.4)
    assert one.summary().startswith("1 person: created 1 Identity Center user, 1 Connect user in 0.4 s (2 write calls).")
    many = OnboardResult(people=3, to_create={"idc": 3, "connect": 0, "membership": 3}, dry_run=True)
    assert many.summary() == "3 people: would create 3 Identity Center users, 3 group memberships; no changes made."
