"""Gathering facts: paginated reads only, calls grow with pages not agents, failures become facts."""

from __future__ import annotations

import collections
import copy
import math

import botocore.exceptions as bx
import pytest
from test_doctor_helpers import (
    ACCOUNT,
    ADMIN_EMAIL,
    ADMIN_ENTITY,
    AGENT_ENTITY,
    INSTANCE_ARN,
    INSTANCE_ID,
    REGION,
    metadata_xml,
    settings,
)

from workshop_lib.aws.facts import gather_facts
from workshop_lib.doctor import run_doctor
from workshop_lib.errors import AwsError
from workshop_lib.findings import Severity
from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy
from workshop_lib.rules.relay_state import relay_state_url

STORE = "d-1234567890"
IDC_ARN = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def client_error(code, op="Operation", message="boom"):
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, op)


class FakeAws:
    """Just enough of the AWS APIs the doctor reads, with page-by-page call counting."""

    def __init__(self, n_agents: int = 2) -> None:
        self.calls: collections.Counter = collections.Counter()
        self.fail: dict[tuple[str, str], Exception] = {}
        self.instance = {
            "Id": INSTANCE_ID,
            "Arn": INSTANCE_ARN,
            "IdentityManagementType": "SAML",
            "InstanceStatus": "ACTIVE",
            "InstanceAlias": "aws-connect-workshop-123-0001",
        }
        self.metadata = {"agent": metadata_xml(AGENT_ENTITY, "agent"), "admin": metadata_xml(ADMIN_ENTITY, "admin")}
        names = {
            "agent": (
                "AmazonConnectAgentAccess",
                "AmazonConnectAgentAccessRole",
                "ConnectAgents",
                "Amazon Connect - Agent",
            ),
            "admin": (
                "AmazonConnectAdminAccess",
                "AmazonConnectAdminAccessRole",
                "ConnectAdmins",
                "Amazon Connect - Admin",
            ),
        }
        self.providers = {
            f"arn:aws:iam::{ACCOUNT}:saml-provider/{p}": self.metadata[side] for side, (p, _, _, _) in names.items()
        }
        policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/AmazonConnectSSOPolicy"
        self.policies = {policy_arn: federation_policy(INSTANCE_ARN)}
        self.roles = {}
        for side, (provider, role, _, _) in names.items():
            self.roles[role] = {
                "RoleName": role,
                "RoleId": f"AROA{side.upper()}ROLE00000001",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "Path": "/",
                "AssumeRolePolicyDocument": saml_trust_policy(
                    f"arn:aws:iam::{ACCOUNT}:saml-provider/{provider}", REGION
                ),
                "RolePolicyList": [],
                "AttachedManagedPolicies": [{"PolicyName": "AmazonConnectSSOPolicy", "PolicyArn": policy_arn}],
            }
        self.groups = {group: f"g-{side}" for side, (_, _, group, _) in names.items()}
        self.apps = [
            {
                "Name": app,
                "ApplicationArn": f"arn:aws:sso::{ACCOUNT}:application/ssoins-1/apl-{side}",
                "Status": "ENABLED",
            }
            for side, (_, _, _, app) in names.items()
        ]
        self.assignments = {
            a["ApplicationArn"]: [{"PrincipalId": f"g-{side}", "PrincipalType": "GROUP"}]
            for a, side in zip(self.apps, names)
        }
        self.idc_users, self.memberships, self.connect_users = [], collections.defaultdict(list), []
        for i in range(1, n_agents + 1):
            self.add_user(f"agent{i}@connect-workshop.com", "g-agent", "sp-agent")
        self.add_user(ADMIN_EMAIL, "g-admin", "sp-admin")

    def add_user(self, email, group, profile, connect_name="same"):
        uid = f"u-{len(self.idc_users):06d}"
        self.idc_users.append({"UserId": uid, "UserName": email, "Emails": [{"Value": email, "Primary": True}]})
        self.memberships[group].append({"MemberId": {"UserId": uid}})
        if connect_name:
            self.connect_users.append(
                {
                    "Id": f"c-{uid}",
                    "Username": email if connect_name == "same" else connect_name,
                    "SecurityProfileIds": [profile],
                }
            )

    def console(self, chain):
        from workshop_lib.aws.snapshot import ConsoleSettings

        side = chain.side
        role = "AmazonConnectAgentAccessRole" if side == "agent" else "AmazonConnectAdminAccessRole"
        provider = "AmazonConnectAgentAccess" if side == "agent" else "AmazonConnectAdminAccess"
        return ConsoleSettings(
            relay_state=relay_state_url(INSTANCE_ID, REGION, "ccp" if side == "agent" else None),
            attribute_mappings={
                "Subject": "${user:email}",
                "RoleSessionName": "${user:email}",
                "Role": f"arn:aws:iam::{ACCOUNT}:role/{role},arn:aws:iam::{ACCOUNT}:saml-provider/{provider}",
            },
            audience="urn:amazon:webservices",
            acs="https://signin.aws.amazon.com/saml",
        )

    # -- the boto3-shaped surface --
    def client(self, service):
        return _FakeClient(self, service)

    @property
    def total(self):
        return sum(self.calls.values())


class _FakeClient:
    LISTS = {
        "list_users": None,
        "list_security_profiles": "SecurityProfileSummaryList",
        "list_instances": "Instances",
        "list_applications": "Applications",
        "list_application_assignments": "ApplicationAssignments",
        "list_group_memberships": "GroupMemberships",
        "get_account_authorization_details": None,
        "list_attached_role_policies": "AttachedPolicies",
        "list_role_policies": "PolicyNames",
    }

    def __init__(self, world: FakeAws, service: str) -> None:
        self.w, self.service = world, service

    def _count(self, op):
        self.w.calls[(self.service, op)] += 1
        failure = self.w.fail.get((self.service, op))
        if failure:
            raise failure

    def __getattr__(self, op):
        if op.startswith("_"):
            raise AttributeError(op)

        def call(**kwargs):
            self._count(op)
            return getattr(self, "_" + op)(**kwargs)

        return call

    def get_paginator(self, op):
        client = self

        class Paginator:
            def paginate(self, PaginationConfig=None, **kwargs):
                size = (PaginationConfig or {}).get("PageSize") or 100
                key, items = client._items(op, **kwargs)
                for start in range(0, max(len(items), 1), size):
                    client._count(op)
                    page = {key: items[start : start + size]}
                    if key == "RoleDetailList":
                        page["Policies"] = (
                            [
                                {
                                    "Arn": a,
                                    "DefaultVersionId": "v1",
                                    "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": d}],
                                }
                                for a, d in client.w.policies.items()
                            ]
                            if start == 0
                            else []
                        )
                    yield page

        return Paginator()

    def _items(self, op, **kwargs):
        w = self.w
        if (self.service, op) == ("connect", "list_users"):
            return "UserSummaryList", [{"Id": u["Id"], "Username": u["Username"]} for u in w.connect_users]
        if (self.service, op) == ("identitystore", "list_users"):
            return "Users", w.idc_users
        if op == "list_security_profiles":
            return "SecurityProfileSummaryList", [
                {"Name": "Admin", "Id": "sp-admin"},
                {"Name": "Agent", "Id": "sp-agent"},
            ]
        if op == "list_instances":
            return "Instances", [
                {"InstanceArn": IDC_ARN, "IdentityStoreId": STORE, "OwnerAccountId": ACCOUNT, "Status": "ACTIVE"}
            ]
        if op == "list_applications":
            return "Applications", w.apps
        if op == "list_application_assignments":
            return "ApplicationAssignments", w.assignments.get(kwargs["ApplicationArn"], [])
        if op == "list_group_memberships":
            return "GroupMemberships", w.memberships[kwargs["GroupId"]]
        if op == "get_account_authorization_details":
            return "RoleDetailList", list(w.roles.values())
        if op == "list_attached_role_policies":
            return "AttachedPolicies", w.roles[kwargs["RoleName"]]["AttachedManagedPolicies"]
        if op == "list_role_policies":
            return "PolicyNames", [p["PolicyName"] for p in w.roles[kwargs["RoleName"]]["RolePolicyList"]]
        raise NotImplementedError(op)

    def _describe_instance(self, InstanceId):
        if InstanceId != self.w.instance["Id"]:
            raise client_error("ResourceNotFoundException", "DescribeInstance")
        return {"Instance": self.w.instance}

    def _describe_user(self, InstanceId, UserId):
        user = next(u for u in self.w.connect_users if u["Id"] == UserId)
        return {"User": {"Id": UserId, "Username": user["Username"], "SecurityProfileIds": user["SecurityProfileIds"]}}

    def _get_saml_provider(self, SAMLProviderArn):
        if SAMLProviderArn not in self.w.providers:
            raise client_error("NoSuchEntity", "GetSAMLProvider")
        return {"SAMLMetadataDocument": self.w.providers[SAMLProviderArn]}

    def _get_role(self, RoleName):
        if RoleName not in self.w.roles:
            raise client_error("NoSuchEntity", "GetRole")
        return {"Role": self.w.roles[RoleName]}

    def _get_policy(self, PolicyArn):
        return {"Policy": {"Arn": PolicyArn, "DefaultVersionId": "v1"}}

    def _get_policy_version(self, PolicyArn, VersionId):
        return {"PolicyVersion": {"Document": self.w.policies[PolicyArn]}}

    def _describe_organization(self):
        return {"Organization": {"Id": "o-abc1234567", "MasterAccountId": ACCOUNT, "FeatureSet": "ALL"}}

    def _get_group_id(self, IdentityStoreId, AlternateIdentifier):
        name = AlternateIdentifier["UniqueAttribute"]["AttributeValue"]
        if name not in self.w.groups:
            raise client_error("ResourceNotFoundException", "GetGroupId")
        return {"GroupId": self.w.groups[name], "IdentityStoreId": IdentityStoreId}

    def _get_caller_identity(self):
        return {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/x"}


def doctor(world: FakeAws, *, console=True, page_size=None, **overrides):
    return run_doctor(
        settings(
            role_ids={
                "AmazonConnectAgentAccessRole": "AROAAGENTROLE00000001",
                "AmazonConnectAdminAccessRole": "AROAADMINROLE00000001",
            },
            **overrides,
        ),
        metadata={"agent": world.metadata["agent"], "admin": world.metadata["admin"]},
        console_settings=world.console if console else None,
        page_size=page_size,
        client=world.client,
    )


def test_intact_world_gives_no_findings():
    world = FakeAws()
    report = doctor(world)
    assert report.findings == [], report.lines()
    assert report.ok


def test_gathered_snapshot_holds_plain_values():
    world = FakeAws()
    facts = gather_facts(settings(), client=world.client)
    assert facts.instance.identity_management_type == "SAML"
    assert facts.roles["agent"].role_id == "AROAAGENTROLE00000001"
    assert facts.roles["agent"].policies[0].document["Statement"][0]["Action"] == "connect:GetFederationToken"
    assert [u.email for u in facts.users_in("admin")] == [ADMIN_EMAIL]
    assert facts.connect_users[ADMIN_EMAIL].security_profile_ids == ["sp-admin"]
    assert facts.connect_users["agent1@connect-workshop.com"].security_profile_ids is None  # never described


@pytest.mark.parametrize("agents", [10, 100, 1000])
def test_calls_grow_with_pages_not_agents(agents):
    world = FakeAws(agents)
    doctor(world)
    store_users = agents + 1
    pages = math.ceil(store_users / 100) + math.ceil(agents / 100) + 1 + math.ceil(store_users / 1000)
    assert world.total == 15 + pages  # 15 fixed reads (two GetRole: MaxSessionDuration, F22), then one call per page of each listing
    assert world.calls[("connect", "describe_user")] == 1
    if agents == 1000:
        assert world.total <= 40


def test_smaller_pages_cost_more_calls_but_still_not_one_per_agent():
    world60, world120 = FakeAws(60), FakeAws(120)
    doctor(world60, page_size=10)
    doctor(world120, page_size=10)
    growth = world120.total - world60.total
    assert 0 < growth <= 60 * 3 / 10 + 3  # three paginated user listings, ten per page


def test_denied_authorization_details_falls_back_to_reading_each_role():
    world = FakeAws()
    world.fail[("iam", "get_account_authorization_details")] = client_error("AccessDenied")
    report = doctor(world)
    assert report.findings == [], report.lines()
    assert world.calls[("iam", "get_role")] == 2 and world.calls[("iam", "get_policy_version")] == 2


def test_identity_center_denied_is_f15():
    world = FakeAws()
    world.fail[("sso-admin", "list_applications")] = client_error(
        "AccessDeniedException", message="User is not authorized to perform sso:ListApplications"
    )
    report = doctor(world)
    assert "F15" in report.codes(Severity.ERROR)
    assert "doctor.unreadable" not in report.codes()


def test_an_operation_the_target_lacks_is_reported_as_unreadable():
    world = FakeAws()
    world.fail[("connect", "list_users")] = client_error("404", message="Not yet implemented")
    report = doctor(world)
    assert report.codes() == {"doctor.unreadable"}
    assert "connect:ListUsers" in report.findings[0].message


def test_expired_credentials_stop_the_doctor_with_a_sentence():
    world = FakeAws()
    world.fail[("connect", "describe_instance")] = client_error("ExpiredTokenException")
    with pytest.raises(AwsError, match="expired"):
        doctor(world)


def test_unreachable_endpoint_stops_the_doctor_with_a_sentence():
    world = FakeAws()
    world.fail[("connect", "describe_instance")] = bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    with pytest.raises(AwsError, match="sandbox"):
        doctor(world)


def test_without_a_console_source_only_verify_by_eye_items_remain():
    report = doctor(FakeAws(), console=False)
    assert report.ok and report.codes() == {"F1", "F3", "F7", "F12"}


def test_a_failing_console_source_is_reported_not_fatal():
    def broken(app):
        raise RuntimeError("console down")

    world = FakeAws()
    report = run_doctor(settings(), metadata={}, console_settings=broken, client=world.client)
    assert "doctor.unreadable" in report.codes()


def test_broken_world_names_the_failure_mode():
    world = FakeAws()
    world.instance = dict(world.instance, IdentityManagementType="CONNECT_MANAGED")
    world.roles["AmazonConnectAgentAccessRole"] = copy.deepcopy(world.roles["AmazonConnectAgentAccessRole"])
    world.roles["AmazonConnectAgentAccessRole"]["RoleId"] = "AROANEWROLE000000002"
    world.add_user("Agent9@connect-workshop.com", "g-agent", "sp-agent", connect_name="agent9@connect-workshop.com")
    report = doctor(world)
    assert {"F19", "F10", "F8"} <= report.codes(Severity.ERROR)


def test_missing_account_is_read_from_the_caller_identity():
    world = FakeAws()
    facts = gather_facts(settings(account_id="", instance_id="", instance_arn=""), client=world.client)
    assert facts.account_id == ACCOUNT and facts.providers["agent"].found
    assert world.calls[("sts", "get_caller_identity")] == 1


def test_an_account_named_by_the_instance_needs_no_caller_identity():
    """The instance is read before IAM (which needs the account for the providers' ARNs), so an account
    known only from the instance's ARN is never asked of STS, however the readers are scheduled."""
    world = FakeAws()
    for _ in range(5):
        facts = gather_facts(settings(account_id="", instance_arn=""), client=world.client)
        assert facts.account_id == ACCOUNT and facts.providers["agent"].found
    assert world.calls[("sts", "get_caller_identity")] == 0


def test_stored_metadata_reads_the_workshop_folder(tmp_path, monkeypatch):
    from workshop_lib.doctor import stored_metadata

    folder = tmp_path / "metadata"
    folder.mkdir()
    (folder / "Amazon Connect - Agent.xml").write_text("<x/>")
    (folder / "notes.txt").write_text("ignored")
    (folder / "dir.xml").mkdir()
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    assert stored_metadata() == {"Amazon Connect - Agent": b"<x/>"}
    assert stored_metadata(tmp_path / "nowhere") == {}


def test_an_organization_that_cannot_be_read_is_unknown_not_missing():
    """The readers run side by side, each with its own list of what it could not read: a denied
    DescribeOrganization must leave the organization unknown (None), never 'there is none'."""
    world = FakeAws()
    world.fail[("organizations", "describe_organization")] = client_error("AccessDeniedException")
    facts = gather_facts(settings(), client=world.client)
    assert facts.organization is None
    assert [u.action for u in facts.unreadable_for("organizations:")] == ["organizations:DescribeOrganization"]
    assert facts.identity_center is not None and facts.roles["agent"].role_id  # the rest was still read

    world.fail.clear()
    assert gather_facts(settings(), client=world.client).organization.exists
