"""The doctor against the real sandbox server: a complete workshop, then exactly one link broken at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from workshop_lib.findings import Severity

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
AGENT_APP, ADMIN_APP = "Amazon Connect - Agent", "Amazon Connect - Admin"
AGENT_PROVIDER, ADMIN_PROVIDER = "AmazonConnectAgentAccess", "AmazonConnectAdminAccess"
AGENT_ROLE, ADMIN_ROLE = "AmazonConnectAgentAccessRole", "AmazonConnectAdminAccessRole"
POLICY = "AmazonConnectSSOPolicy"
ADMIN_EMAIL = "admin-user@amazon-connect-workshop.com"


# ---- the sandbox (tests/conftest.py: one server for the session, reset for each test) -------------------


def _post(endpoint: str, path: str, payload: dict) -> dict:
    from workshop_lib.sandbox.client import control

    token = control.connection(endpoint).token  # the sandbox's own routes need its per-start token
    request = urllib.request.Request(
        endpoint + path, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Sandbox-Token": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{path} refused: {exc.read().decode(errors='replace')}") from None


def console(endpoint: str, action: str, **payload) -> dict:
    return _post(endpoint, f"/_sandbox/console/{action}", payload)


@pytest.fixture()
def world(sandbox, tmp_path, monkeypatch):
    """A complete workshop set-up (agents and admins) on the freshly reset sandbox, with settings pointing at it."""
    from workshop_lib.aws import session

    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    monkeypatch.setenv("WORKSHOP_SANDBOX_HOME", str(sandbox.home))
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "home"))
    session.forget_clients()
    w = World(sandbox.endpoint)
    w.build()
    yield w
    session.forget_clients()


class World:
    """Builds the whole chain the way chapters 01–06 do, and breaks one link on request."""

    def __init__(self, endpoint: str) -> None:
        from workshop_lib.settings import Settings

        self.endpoint = endpoint
        self.settings = Settings(target="sandbox", region=REGION)
        self.group_ids: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}
        self.apps: dict[str, str] = {}

    def client(self, service: str):
        from workshop_lib.aws.session import client

        return client(service, self.settings)

    # -- building --
    def build(self, agents: int = 2) -> None:
        from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy
        from workshop_lib.rules.relay_state import relay_state_url

        connect = self.client("connect")
        inst = connect.create_instance(
            IdentityManagementType="SAML",
            InstanceAlias="aws-connect-workshop-123-4821",
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
        self.instance_id, self.instance_arn = inst["Id"], inst["Arn"]
        for _ in range(200):
            if connect.describe_instance(InstanceId=self.instance_id)["Instance"]["InstanceStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        self.account = self.instance_arn.split(":")[4]
        self.settings.instance_id, self.settings.instance_arn, self.settings.account_id = (
            self.instance_id,
            self.instance_arn,
            self.account,
        )
        profiles = {
            p["Name"]: p["Id"]
            for p in connect.list_security_profiles(InstanceId=self.instance_id)["SecurityProfileSummaryList"]
        }
        routing = connect.list_routing_profiles(InstanceId=self.instance_id)["RoutingProfileSummaryList"][0]["Id"]
        self.profiles, self.routing = profiles, routing

        console(self.endpoint, "enable_identity_center", region=REGION, create_organization=True)
        idc = self.client("sso-admin").list_instances()["Instances"][0]
        self.store = idc["IdentityStoreId"]
        iam = self.client("iam")
        policy_arn = iam.create_policy(
            PolicyName=POLICY, PolicyDocument=json.dumps(federation_policy(self.instance_arn))
        )["Policy"]["Arn"]
        self.policy_arn = policy_arn
        for app, provider, role, group, destination in (
            (AGENT_APP, AGENT_PROVIDER, AGENT_ROLE, "ConnectAgents", "ccp"),
            (ADMIN_APP, ADMIN_PROVIDER, ADMIN_ROLE, "ConnectAdmins", None),
        ):
            self.apps[app] = console(self.endpoint, "add_application", display_name=app)["application_arn"]
            metadata = console(self.endpoint, "download_metadata", application=app)["metadata"]
            provider_arn = iam.create_saml_provider(Name=provider, SAMLMetadataDocument=metadata)["SAMLProviderArn"]
            created = iam.create_role(  # as the workshop makes it: 12-hour sessions allowed (F22 otherwise)
                RoleName=role, AssumeRolePolicyDocument=json.dumps(saml_trust_policy(provider_arn, REGION)), MaxSessionDuration=43200
            )
            iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
            self.settings.role_ids[role] = created["Role"]["RoleId"]
            role_arn = created["Role"]["Arn"]
            console(
                self.endpoint,
                "set_relay_state",
                application=app,
                relay_state=relay_state_url(self.instance_id, REGION, destination),
            )
            console(
                self.endpoint,
                "set_attribute_mappings",
                application=app,
                mappings={"Role": f"{role_arn},{provider_arn}"},
            )
            gid = self.client("identitystore").create_group(IdentityStoreId=self.store, DisplayName=group)["GroupId"]
            self.group_ids[group] = gid
            self.client("sso-admin").create_application_assignment(
                ApplicationArn=self.apps[app], PrincipalId=gid, PrincipalType="GROUP"
            )
        for i in range(1, agents + 1):
            self.add_person(f"agent{i}@connect-workshop.com", "ConnectAgents", "Agent")
        self.add_person(ADMIN_EMAIL, "ConnectAdmins", "Admin")

    def add_person(self, email: str, group: str, profile: str, *, connect_username: str | None = "same") -> str:
        ids = self.client("identitystore")
        local = email.split("@")[0]
        uid = ids.create_user(
            IdentityStoreId=self.store,
            UserName=email,
            DisplayName=local,
            Name={"GivenName": local, "FamilyName": "Test"},
            Emails=[{"Value": email, "Type": "work", "Primary": True}],
        )["UserId"]
        ids.create_group_membership(IdentityStoreId=self.store, GroupId=self.group_ids[group], MemberId={"UserId": uid})
        self.user_ids[email] = uid
        if connect_username is not None:
            self.client("connect").create_user(
                InstanceId=self.instance_id,
                Username=email if connect_username == "same" else connect_username,
                IdentityInfo={"FirstName": local, "LastName": "Test"},
                PhoneConfig={"PhoneType": "SOFT_PHONE"},
                SecurityProfileIds=[self.profiles[profile]],
                RoutingProfileId=self.routing,
            )
        return uid

    # -- the doctor --
    def doctor(self, **kwargs):
        from workshop_lib.doctor import run_doctor

        from workshop_lib.aws.console import provider_for

        kwargs.setdefault("console_settings", provider_for(self.settings))
        kwargs.setdefault("metadata", {})
        return run_doctor(self.settings, **kwargs)


def serious(report) -> set[str]:
    return report.codes(Severity.ERROR, Severity.WARNING)


# ---- intact ------------------------------------------------------------------------------------------


def test_complete_set_up_is_intact(world):
    report = world.doctor()
    assert report.findings == [], "\n".join(report.lines())
    assert report.ok


def test_without_the_console_only_verify_by_eye_items_remain(world):
    report = world.doctor(console_settings=None)
    assert report.ok and report.codes() == {"F1", "F3", "F7", "F12"}, "\n".join(report.lines())


def test_auto_console_reads_the_simulated_console(world):
    pytest.importorskip("workshop_lib.sandbox.client.console_client")
    report = world.doctor(console_settings="auto")
    assert report.findings == [], "\n".join(report.lines())


# ---- one link broken at a time ------------------------------------------------------------------------


def test_trust_policy_without_the_provider_is_f2(world):
    from workshop_lib.rules.iam_documents import saml_trust_policy

    iam = world.client("iam")
    other = f"arn:aws:iam::{world.account}:saml-provider/{ADMIN_PROVIDER}"  # IAM checks that a principal exists

    iam.update_assume_role_policy(RoleName=AGENT_ROLE, PolicyDocument=json.dumps(saml_trust_policy(other, REGION)))
    assert serious(world.doctor()) == {"F2"}


def test_policy_on_another_instance_is_f9(world):
    from workshop_lib.rules.iam_documents import federation_policy

    other = f"arn:aws:connect:{REGION}:{world.account}:instance/00000000-1111-2222-3333-444444444444"
    iam = world.client("iam")
    iam.create_policy_version(
        PolicyArn=world.policy_arn, PolicyDocument=json.dumps(federation_policy(other)), SetAsDefault=True
    )
    report = world.doctor()
    assert serious(report) == {"F9"}
    assert "another instance" in report.errors[0].message


def test_agent_email_case_differs_from_connect_username_is_f8(world):
    world.add_person(
        "Agent3@Connect-Workshop.com", "ConnectAgents", "Agent", connect_username="agent3@connect-workshop.com"
    )
    report = world.doctor()
    assert serious(report) == {"F8"}
    assert "case-sensitively" in report.errors[0].message


def test_group_not_assigned_is_f16(world):
    sso = world.client("sso-admin")
    sso.delete_application_assignment(
        ApplicationArn=world.apps[AGENT_APP], PrincipalId=world.group_ids["ConnectAgents"], PrincipalType="GROUP"
    )
    assert serious(world.doctor()) == {"F16"}


def test_app_deleted_is_f16_and_nothing_else(world):
    world.client("sso-admin").delete_application(ApplicationArn=world.apps[AGENT_APP])
    report = world.doctor()
    assert serious(report) == {"F16"}, "\n".join(report.lines())


def test_app_disabled_is_f16(world):
    console(world.endpoint, "set_application_status", application=ADMIN_APP, enabled=False)
    assert serious(world.doctor()) == {"F16"}


def test_provider_made_from_the_admin_apps_metadata_is_f4(world):
    admin_metadata = console(world.endpoint, "download_metadata", application=ADMIN_APP)["metadata"]
    iam = world.client("iam")
    iam.update_saml_provider(
        SAMLProviderArn=f"arn:aws:iam::{world.account}:saml-provider/{AGENT_PROVIDER}",
        SAMLMetadataDocument=admin_metadata,
    )
    report = world.doctor()
    assert serious(report) == {"F4"}
    assert ADMIN_APP in report.errors[0].message


def test_provider_made_from_the_admin_apps_metadata_is_found_without_the_console(world):
    admin_metadata = console(world.endpoint, "download_metadata", application=ADMIN_APP)["metadata"]
    world.client("iam").update_saml_provider(
        SAMLProviderArn=f"arn:aws:iam::{world.account}:saml-provider/{AGENT_PROVIDER}",
        SAMLMetadataDocument=admin_metadata,
    )
    assert serious(world.doctor(console_settings=None)) == {"F4"}


def test_rotated_certificate_is_f4(world):
    console(world.endpoint, "rotate_certificate", application=AGENT_APP)
    assert serious(world.doctor()) == {"F4"}


def test_role_recreated_is_f10(world):
    from workshop_lib.rules.iam_documents import saml_trust_policy

    iam = world.client("iam")
    iam.detach_role_policy(RoleName=AGENT_ROLE, PolicyArn=world.policy_arn)
    iam.delete_role(RoleName=AGENT_ROLE)
    provider = f"arn:aws:iam::{world.account}:saml-provider/{AGENT_PROVIDER}"
    iam.create_role(RoleName=AGENT_ROLE, AssumeRolePolicyDocument=json.dumps(saml_trust_policy(provider, REGION)))
    iam.attach_role_policy(RoleName=AGENT_ROLE, PolicyArn=world.policy_arn)
    assert serious(world.doctor()) == {"F10"}


def test_instance_not_saml_is_f19(world):
    connect = world.client("connect")
    other = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias="not-saml-workshop-0002",
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    world.settings.instance_id, world.settings.instance_arn = other["Id"], other["Arn"]
    report = world.doctor()
    assert "F19" in report.codes(Severity.ERROR)
    assert [f for f in report.errors if f.code == "F19"][0].expected == "SAML"


def test_relay_state_in_the_wrong_region_is_f12(world):
    from workshop_lib.rules.relay_state import relay_state_url

    console(
        world.endpoint,
        "set_relay_state",
        application=AGENT_APP,
        relay_state=relay_state_url(world.instance_id, "eu-west-2", "ccp"),
    )
    assert serious(world.doctor()) == {"F12"}


def test_role_mapping_with_the_admin_provider_is_f6(world):
    console(
        world.endpoint,
        "set_attribute_mappings",
        application=AGENT_APP,
        mappings={
            "Role": f"arn:aws:iam::{world.account}:role/{AGENT_ROLE},arn:aws:iam::{world.account}:saml-provider/{ADMIN_PROVIDER}"
        },
    )
    assert serious(world.doctor()) == {"F6"}


def test_missing_role_session_name_mapping_is_f3(world):
    console(
        world.endpoint,
        "set_attribute_mappings",
        application=AGENT_APP,
        mappings={"https://aws.amazon.com/SAML/Attributes/RoleSessionName": ""},
    )
    assert serious(world.doctor()) == {"F3"}


def test_audience_edited_is_f7(world):
    console(world.endpoint, "set_application_saml", application=AGENT_APP, audience="https://example.com/saml")
    assert serious(world.doctor()) == {"F7"}


def test_agent_without_connect_user_is_f8(world):
    world.add_person("agent4@connect-workshop.com", "ConnectAgents", "Agent", connect_username=None)
    assert serious(world.doctor()) == {"F8"}


def test_plus_addressed_agent_is_f8(world):
    world.add_person(
        "agent+sales@connect-workshop.com",
        "ConnectAgents",
        "Agent",
        connect_username="agent.sales@connect-workshop.com",
    )
    assert serious(world.doctor()) == {"F8"}


def test_admin_user_with_the_agent_profile_is_f21(world):
    connect = world.client("connect")
    admin = next(
        u for u in connect.list_users(InstanceId=world.instance_id)["UserSummaryList"] if u["Username"] == ADMIN_EMAIL
    )
    connect.update_user_security_profiles(
        InstanceId=world.instance_id, UserId=admin["Id"], SecurityProfileIds=[world.profiles["Agent"]]
    )
    assert serious(world.doctor()) == {"F21"}


def test_provider_deleted_is_f6(world):
    world.client("iam").delete_saml_provider(
        SAMLProviderArn=f"arn:aws:iam::{world.account}:saml-provider/{ADMIN_PROVIDER}"
    )
    assert "F6" in serious(world.doctor())


def test_person_in_both_groups_is_f10(world):
    world.client("identitystore").create_group_membership(
        IdentityStoreId=world.store,
        GroupId=world.group_ids["ConnectAdmins"],
        MemberId={"UserId": world.user_ids["agent1@connect-workshop.com"]},
    )
    assert "F10" in serious(world.doctor())


# ---- cost ------------------------------------------------------------------------------------------


def test_calls_grow_with_pages_not_with_agents(world):
    for i in range(3, 61):
        world.add_person(f"agent{i}@connect-workshop.com", "ConnectAgents", "Agent")
    sixty = world.doctor(page_size=20)
    assert sixty.findings == [], "\n".join(sixty.lines())
    for i in range(61, 121):
        world.add_person(f"agent{i}@connect-workshop.com", "ConnectAgents", "Agent")
    hundred_twenty = world.doctor(page_size=20)
    assert hundred_twenty.findings == [], "\n".join(hundred_twenty.lines())
    extra = hundred_twenty.calls - sixty.calls
    # 60 more agents at 20 per page: three more pages for each of the three user listings.
    assert 0 < extra <= 9, (sixty.calls_by_operation, hundred_twenty.calls_by_operation)
    assert hundred_twenty.calls_by_operation.get(("connect", "DescribeUser"), 0) <= 1


def test_doctor_at_full_page_size_reads_one_page_per_listing(world):
    for i in range(3, 41):
        world.add_person(f"agent{i}@connect-workshop.com", "ConnectAgents", "Agent")
    report = world.doctor()
    assert report.findings == []
    # 15 fixed reads (two GetRole for MaxSessionDuration, F22) + one page each of IdC users, both groups' memberships
    # and Connect users.
    assert report.calls == 19, report.calls_by_operation


def test_doctor_command_against_the_sandbox(world, capsys):
    from workshop_lib import settings as settings_mod
    from workshop_lib.cli import main

    settings_mod.save(world.settings)
    assert main(["doctor", "--no-console", "--calls"]) == 0
    out = capsys.readouterr().out
    assert "Verify by eye" in out and "API calls" in out
    if _has_console_client():
        assert main(["doctor"]) == 0
        assert "intact" in capsys.readouterr().out
    console(world.endpoint, "set_application_status", application=AGENT_APP, enabled=False)
    assert main(["doctor", "--no-console"]) == 1
    assert "[F16]" in capsys.readouterr().out


def test_doctor_subprocess_against_the_sandbox(world, tmp_path):
    from workshop_lib import settings as settings_mod

    home = tmp_path / "cli-home"
    settings_mod.save(world.settings, home / "settings.json")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WORKSHOP_HOME": str(home),
        "WORKSHOP_SANDBOX_ENDPOINT": world.endpoint,
    }
    ok = subprocess.run([sys.executable, "-m", "workshop_lib.cli", "doctor"], capture_output=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stdout.decode() + ok.stderr.decode()
    console(world.endpoint, "set_relay_state", application=AGENT_APP, relay_state="https://example.com")
    broken = subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", "doctor"], capture_output=True, env=env, timeout=120
    )
    assert broken.returncode == (1 if _has_console_client() else 0)
    for result in (ok, broken):
        assert b"Traceback" not in result.stderr


def _has_console_client() -> bool:
    try:
        from workshop_lib.sandbox.client import console_client  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_role_with_a_shorter_maximum_session_than_the_mapping_is_f22(world):
    world.client("iam").update_role(RoleName=AGENT_ROLE, MaxSessionDuration=3600)
    console(world.endpoint, "set_attribute_mappings", application=AGENT_APP,
            mappings={"Role": _role_row(world), "SessionDuration": "43200"})
    report = world.doctor()
    assert serious(report) == {"F22"}, "\n".join(report.lines())
    f22 = next(f for f in report.findings if f.code == "F22")
    assert "The requested DurationSeconds exceeds the MaxSessionDuration set for this role" in f22.message
    assert AGENT_ROLE in f22.fix and "12 hours" in f22.fix


def _role_row(world) -> str:
    return (f"arn:aws:iam::{world.account}:role/{AGENT_ROLE},"
            f"arn:aws:iam::{world.account}:saml-provider/{AGENT_PROVIDER}")
