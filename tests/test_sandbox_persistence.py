"""The sandbox's state on disk: a restart, or a SIGKILL, keeps every resource with the same IDs and ARNs."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from workshop_lib.sandbox.client import console_client, control
from sandbox_seed import sandbox_client, seed_workshop, wait_active

pytestmark = pytest.mark.sandbox
AGENT = "agent1@connect-workshop.com"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.1")
    yield tmp_path
    control.stop(tmp_path)


def inventory(endpoint: str) -> dict:
    """Every resource the workshop makes, with its IDs, as the APIs and the console report them."""
    c = lambda service: sandbox_client(endpoint, service)  # noqa: E731
    connect, sso, ids, iam = c("connect"), c("sso-admin"), c("identitystore"), c("iam")
    found: dict = {"organization": c("organizations").describe_organization()["Organization"]["Id"]}
    for instance in connect.list_instances()["InstanceSummaryList"]:
        iid = instance["Id"]
        found[f"connect {iid}"] = {
            "arn": instance["Arn"], "status": instance["InstanceStatus"],
            "users": sorted((u["Id"], u["Username"], u["Arn"]) for u in connect.list_users(InstanceId=iid)["UserSummaryList"]),
            "security": sorted((p["Id"], p["Name"]) for p in connect.list_security_profiles(InstanceId=iid)["SecurityProfileSummaryList"]),
            "routing": sorted((p["Id"], p["Name"]) for p in connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"]),
        }
    for instance in sso.list_instances()["Instances"]:
        store = instance["IdentityStoreId"]
        found["idc"] = (instance["InstanceArn"], store)
        for app in sso.list_applications(InstanceArn=instance["InstanceArn"])["Applications"]:
            settings = console_client.get_application_settings(endpoint, app["ApplicationArn"])
            found[f"app {app['ApplicationArn']}"] = {
                "name": app["Name"], "relay": settings["relay_state"], "mappings": settings["mappings"],
                "certificate": settings["certificate"]["sha1_fingerprint"], "entity": settings["entity_id"],
                "assignments": sso.list_application_assignments(ApplicationArn=app["ApplicationArn"])["ApplicationAssignments"],
            }
        found["users"] = sorted((u["UserId"], u["UserName"]) for u in ids.list_users(IdentityStoreId=store)["Users"])
        groups = ids.list_groups(IdentityStoreId=store)["Groups"]
        found["groups"] = sorted((g["GroupId"], g["DisplayName"]) for g in groups)
        found["memberships"] = sorted(
            (m["MembershipId"], m["GroupId"], m["MemberId"]["UserId"]) for g in groups
            for m in ids.list_group_memberships(IdentityStoreId=store, GroupId=g["GroupId"])["GroupMemberships"])
    found["providers"] = sorted(
        (p["Arn"], iam.get_saml_provider(SAMLProviderArn=p["Arn"])["SAMLMetadataDocument"])
        for p in iam.list_saml_providers()["SAMLProviderList"])
    found["policies"] = sorted((p["Arn"], p["PolicyId"], p["DefaultVersionId"]) for p in iam.list_policies(Scope="Local")["Policies"])
    found["roles"] = sorted(
        (r["Arn"], r["RoleId"], json.dumps(r["AssumeRolePolicyDocument"], sort_keys=True),
         tuple(a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]))
        for r in iam.list_roles()["Roles"])
    return found


def test_everything_survives_stop_and_start(home):
    first = control.start(home)
    workshop = seed_workshop(first.endpoint, agents=(AGENT, "agent2@connect-workshop.com"))
    assert console_client.sign_in(first.endpoint, AGENT, workshop.application).ok  # binds the user to the RoleId
    before = inventory(first.endpoint)
    assert len(before) == 10 and len(before["users"]) == 2

    assert control.stop(home)
    second = control.start(home)
    assert second.pid != first.pid
    assert inventory(second.endpoint) == before
    assert console_client.sign_in(second.endpoint, AGENT, workshop.application).ok  # the signing key came back too

    iam = sandbox_client(second.endpoint, "iam")  # the Connect user's first RoleId came back as well (F10)
    document = iam.get_role(RoleName=workshop.role_name)["Role"]["AssumeRolePolicyDocument"]
    iam.detach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    iam.delete_role(RoleName=workshop.role_name)
    iam.create_role(RoleName=workshop.role_name, AssumeRolePolicyDocument=json.dumps(document))
    iam.attach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    assert console_client.sign_in(second.endpoint, AGENT, workshop.application).code == "F10"


def test_state_survives_a_sigkill(home):
    first = control.start(home)
    enabled = console_client.enable_identity_center(first.endpoint, "us-east-1", create_organization=True)
    connect = sandbox_client(first.endpoint, "connect")
    created = connect.create_instance(IdentityManagementType="SAML", InstanceAlias="survives-kill-9",
                                      InboundCallsEnabled=True, OutboundCallsEnabled=True)
    user = sandbox_client(first.endpoint, "identitystore").create_user(
        IdentityStoreId=enabled["identity_store_id"], UserName=AGENT, DisplayName="Agent 1",
        Name={"GivenName": "Agent", "FamilyName": "1"})["UserId"]
    wait_active(connect, created["Id"])  # a read: the kill follows the last answered request
    before = inventory(first.endpoint)

    os.kill(first.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while control._pid_alive(first.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert control.status(home) is None

    second = control.start(home)
    after = inventory(second.endpoint)
    assert after == before
    assert after[f"connect {created['Id']}"]["arn"] == created["Arn"] and after["users"] == [(user, AGENT)]


def test_an_unreadable_state_file_is_kept_aside_and_the_sandbox_starts_empty(home):
    state = home / "sandbox" / "state"
    state.mkdir(parents=True)
    (state / "state.pickle").write_bytes(b"not a pickle at all")
    info = control.start(home)
    health = control.health(home)
    assert "failed its integrity check" in health["state_warning"]
    assert [p.name.startswith("state.pickle.broken-") for p in state.iterdir() if p.name.startswith("state.pickle.")] == [True]
    assert sandbox_client(info.endpoint, "connect").list_instances()["InstanceSummaryList"] == []


def test_saving_after_each_request_is_cheap(home):
    info = control.start(home)
    seed_workshop(info.endpoint, agents=tuple(f"agent{i}@connect-workshop.com" for i in range(1, 11)))
    persist = control.health(home)["persist"]
    assert persist["writes"] >= 30
    assert persist["mean_ms"] < 20, persist  # typically 1–3 ms for a whole workshop
    assert persist["bytes"] < 500_000, persist
    state = home / "sandbox" / "state"
    for path in [state / "state.journal", *(state / "parts").iterdir()]:
        assert oct(path.stat().st_mode & 0o777) == "0o600", path.name
