"""`sandbox seed busy-account`: fill the sandbox with a believable production account to rehearse in.

A shared or production account is never empty. This makes the sandbox look like one, so a learner (or a
facilitator preparing a shared-account event) can practise the workshop where most of what exists is someone
else's and must survive the workshop and its cleanup untouched:

- an Organization (all features) with member accounts, and IAM Identity Center's organization instance;
- dozens of Identity Center users and groups, including a ``ConnectAgents`` group (the workshop's default
  name) whose members are other people, and a leftover ``agent1@connect-workshop.com`` from an earlier run;
- permission sets with account assignments, to groups and to single users;
- other applications (custom SAML 2.0, added in the console) with direct user assignments;
- another Amazon Connect instance with its own users;
- IAM roles, a policy and SAML providers with the workshop's default names that belong to someone else: a
  different owner id, or the bare tag an old run left behind, or no workshop tag at all.

It is a boto3 client of the sandbox (plus the simulated console for what only the console can do), never part
of the sandbox server. Everything is deterministic, so two seeded sandboxes look alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from workshop_lib.aws.ownership import LEGACY_TAG_VALUE, TAG_KEY
from workshop_lib.errors import SandboxError

ACCOUNT = "123456789012"  # the sandbox's account
COLLEAGUE_OWNER = "owner-5e0c1d7a9b2f"  # a colleague who ran the workshop in this account before (their owner id)
OLD_RUN_TAG = LEGACY_TAG_VALUE  # the bare value old versions of the workshop wrote: proves nothing by itself
TEAM_TAGS = [{"Key": "team", "Value": "contact-centre-platform"}, {"Key": "cost-centre", "Value": "cc-4410"}]

# (user name, given name, family name, department)
EMPLOYEES = [
    (f"{first.lower()}.{last.lower()}@example.com", first, last, dept)
    for first, last, dept in [
        ("Maria", "Garcia", "Support"), ("James", "Smith", "Support"), ("Aiko", "Tanaka", "Support"),
        ("Liam", "Murphy", "Support"), ("Fatima", "Khan", "Support"), ("Noah", "Johnson", "Support"),
        ("Olivia", "Brown", "Support"), ("Mateo", "Rossi", "Support"), ("Chen", "Wei", "Support"),
        ("Sofia", "Novak", "Support"), ("Ethan", "Williams", "Sales"), ("Amara", "Okafor", "Sales"),
        ("Lucas", "Martin", "Sales"), ("Emma", "Dubois", "Sales"), ("Yusuf", "Demir", "Sales"),
        ("Hannah", "Schmidt", "Sales"), ("Ravi", "Patel", "Engineering"), ("Grace", "Lee", "Engineering"),
        ("Daniel", "Cohen", "Engineering"), ("Ingrid", "Larsen", "Engineering"), ("Tom", "Fischer", "Engineering"),
        ("Priya", "Sharma", "Engineering"), ("Kofi", "Mensah", "Engineering"), ("Elena", "Popescu", "Engineering"),
        ("Oscar", "Lindqvist", "Security"), ("Nadia", "Haddad", "Security"), ("Pablo", "Fernandez", "Finance"),
        ("Julia", "Kowalski", "Finance"), ("Samuel", "Adeyemi", "Finance"), ("Mia", "Jensen", "People"),
        ("Leo", "Moreau", "People"), ("Zara", "Ali", "IT"), ("Victor", "Silva", "IT"), ("Ana", "Costa", "IT"),
    ]
]
LEFTOVER_AGENT = ("agent1@connect-workshop.com", "Agent", "1", "Support")  # an earlier attendee's agent, still used
EXISTING_EMPLOYEE = "maria.garcia@example.com"  # has a direct account and application assignment
GROUPS = {
    "ConnectAgents": "Support agents who take calls in the contact centre (managed by the contact-centre team)",
    "ConnectAdmins": "Contact-centre supervisors",
    "Support-Tier1": "First-line support",
    "Support-Tier2": "Second-line support",
    "Sales": "Sales team",
    "Engineering": "Engineering",
    "Security": "Security team",
    "Finance": "Finance",
    "People": "People team",
    "IT-Admins": "IT administrators",
    "AllEmployees": "Everyone",
}
MEMBER_ACCOUNTS = [("acme-production", "aws-prod@example.com"), ("acme-staging", "aws-staging@example.com"),
                   ("acme-security", "aws-security@example.com")]
PERMISSION_SETS = {
    "AdministratorAccess": "arn:aws:iam::aws:policy/AdministratorAccess",
    "ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "SupportEngineer": "arn:aws:iam::aws:policy/AWSSupportAccess",
    "BillingViewer": "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
}
APPLICATIONS = {"Salesforce": ["ethan.williams@example.com", "amara.okafor@example.com", EXISTING_EMPLOYEE],
                "Zendesk": ["james.smith@example.com", "aiko.tanaka@example.com"],
                "Jira Service Management": ["ravi.patel@example.com", "grace.lee@example.com"]}
OTHER_INSTANCE_ALIAS = "acme-support-prod"
THEIR_APPS = ("ACME Support - Agents", "ACME Support - Supervisors")  # the contact-centre team's Amazon Connect apps


@dataclass
class BusyAccount:
    """What the seed made, for the learner's summary and for tests."""

    endpoint: str
    region: str
    users: dict[str, str] = field(default_factory=dict)  # user name -> UserId
    groups: dict[str, str] = field(default_factory=dict)  # display name -> GroupId
    applications: dict[str, str] = field(default_factory=dict)  # name -> ARN
    permission_sets: dict[str, str] = field(default_factory=dict)  # name -> ARN
    accounts: dict[str, str] = field(default_factory=dict)  # name -> account ID
    connect_instance_id: str = ""
    iam: list[str] = field(default_factory=list)  # "role AmazonConnectAgentAccessRole", …

    def summary(self) -> list[str]:
        return [
            f"an Organization with {len(self.accounts)} member accounts and IAM Identity Center in {self.region}",
            f"{len(self.users)} Identity Center users and {len(self.groups)} groups (ConnectAgents has other members)",
            f"{len(self.permission_sets)} permission sets with account assignments",
            f"{len(self.applications)} other applications with direct user assignments: {', '.join(self.applications)}",
            f"another Amazon Connect instance, {OTHER_INSTANCE_ALIAS}, with its own users",
            "someone else's IAM resources with the workshop's default names: " + ", ".join(self.iam),
        ]


def seed_busy_account(endpoint: str, region: str = "us-east-1") -> BusyAccount:
    """Fill the (empty) sandbox at ``endpoint``; refuses a sandbox that already has an Organization."""
    client = _clients(endpoint, region)
    orgs = client("organizations")
    try:
        orgs.describe_organization()
    except orgs.exceptions.AWSOrganizationsNotInUseException:
        pass
    else:
        raise SandboxError("The sandbox already holds an Organization, so it is not empty: the busy account is "
                           "seeded only into an empty sandbox.",
                           fix="Run `connect-sso-workshop sandbox reset` first (it deletes everything in the sandbox).")
    busy = BusyAccount(endpoint, region)
    _organization(client, busy)
    store, instance_arn = _identity_center(endpoint, client, region)
    _people(client, busy, store)
    _permission_sets(client, busy, instance_arn)
    _applications(endpoint, client, busy, instance_arn)
    _other_connect_instance(client, busy)
    _their_iam(endpoint, client, busy)
    return busy


def _clients(endpoint: str, region: str) -> Callable[[str], Any]:
    from workshop_lib.aws.session import client, sandbox_target
    from workshop_lib.settings import Settings

    target, settings = sandbox_target(endpoint), Settings(region=region)
    return lambda service: client(service, settings, region=region, target=target)


def _organization(client: Callable[[str], Any], busy: BusyAccount) -> None:
    orgs = client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    for name, email in MEMBER_ACCOUNTS:
        status = orgs.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
        busy.accounts[name] = status.get("AccountId") or orgs.describe_create_account_status(
            CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]


def _identity_center(endpoint: str, client: Callable[[str], Any], region: str) -> tuple[str, str]:
    from workshop_lib.sandbox.client import console_client

    console_client.enable_identity_center(endpoint, region)  # the organization instance has no API
    instance = client("sso-admin").list_instances()["Instances"][0]
    return instance["IdentityStoreId"], instance["InstanceArn"]


def _people(client: Callable[[str], Any], busy: BusyAccount, store: str) -> None:
    ids = client("identitystore")
    for name, description in GROUPS.items():
        busy.groups[name] = ids.create_group(IdentityStoreId=store, DisplayName=name, Description=description)["GroupId"]
    for user_name, first, last, dept in [*EMPLOYEES, LEFTOVER_AGENT]:
        busy.users[user_name] = ids.create_user(
            IdentityStoreId=store, UserName=user_name, DisplayName=f"{first} {last}",
            Name={"GivenName": first, "FamilyName": last},
            Emails=[{"Value": user_name, "Type": "work", "Primary": True}], Title=dept,
        )["UserId"]
    members = {
        "ConnectAgents": [u for u, *_r, dept in EMPLOYEES if dept == "Support"][:6] + [LEFTOVER_AGENT[0]],
        "ConnectAdmins": ["liam.murphy@example.com"],
        "Support-Tier1": [u for u, *_r, dept in EMPLOYEES if dept == "Support"][:5],
        "Support-Tier2": [u for u, *_r, dept in EMPLOYEES if dept == "Support"][5:],
        "IT-Admins": ["zara.ali@example.com", "victor.silva@example.com"],
        "AllEmployees": [u for u, *_r in EMPLOYEES],
        **{g: [u for u, *_r, dept in EMPLOYEES if dept == g] for g in ("Sales", "Engineering", "Security", "Finance", "People")},
    }
    for group, users in members.items():
        for user in users:
            ids.create_group_membership(IdentityStoreId=store, GroupId=busy.groups[group], MemberId={"UserId": busy.users[user]})


def _permission_sets(client: Callable[[str], Any], busy: BusyAccount, instance_arn: str) -> None:
    sso = client("sso-admin")
    for name, policy in PERMISSION_SETS.items():
        arn = sso.create_permission_set(InstanceArn=instance_arn, Name=name, SessionDuration="PT8H",
                                        Description=f"{name} for the ACME accounts")["PermissionSet"]["PermissionSetArn"]
        sso.attach_managed_policy_to_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy)
        busy.permission_sets[name] = arn
    production, staging = busy.accounts["acme-production"], busy.accounts["acme-staging"]
    assignments = [
        ("AdministratorAccess", "GROUP", busy.groups["IT-Admins"], production),
        ("ReadOnlyAccess", "GROUP", busy.groups["Engineering"], production),
        ("AdministratorAccess", "GROUP", busy.groups["Engineering"], staging),
        ("SupportEngineer", "GROUP", busy.groups["Support-Tier2"], production),
        ("BillingViewer", "GROUP", busy.groups["Finance"], ACCOUNT),
        ("ReadOnlyAccess", "USER", busy.users[EXISTING_EMPLOYEE], production),  # a direct account assignment
        ("SupportEngineer", "USER", busy.users["noah.johnson@example.com"], production),
    ]
    for permission_set, kind, principal, account in assignments:
        sso.create_account_assignment(InstanceArn=instance_arn, TargetId=account, TargetType="AWS_ACCOUNT",
                                      PermissionSetArn=busy.permission_sets[permission_set], PrincipalType=kind,
                                      PrincipalId=principal)


def _applications(endpoint: str, client: Callable[[str], Any], busy: BusyAccount, instance_arn: str) -> None:
    from workshop_lib.sandbox.client import console_client

    sso = client("sso-admin")
    for name, users in APPLICATIONS.items():
        arn = console_client.add_application(endpoint, name, provider="Custom SAML 2.0 application")
        busy.applications[name] = arn
        for user in users:  # direct user assignments, as many teams do for a handful of licences
            sso.create_application_assignment(ApplicationArn=arn, PrincipalId=busy.users[user], PrincipalType="USER")
        sso.create_application_assignment(ApplicationArn=arn, PrincipalId=busy.groups["IT-Admins"], PrincipalType="GROUP")


def _other_connect_instance(client: Callable[[str], Any], busy: BusyAccount) -> None:
    import time

    connect = client("connect")
    made = connect.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=OTHER_INSTANCE_ALIAS,
                                   InboundCallsEnabled=True, OutboundCallsEnabled=False,
                                   Tags={"team": "contact-centre-platform"})
    busy.connect_instance_id = made["Id"]
    for _ in range(300):  # the sandbox, like AWS, takes a moment to make an instance ACTIVE
        if connect.describe_instance(InstanceId=made["Id"])["Instance"]["InstanceStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    else:
        raise SandboxError(f"The sandbox's Connect instance {OTHER_INSTANCE_ALIAS} did not become ACTIVE within 30 seconds.",
                           fix="Check the sandbox with `connect-sso-workshop sandbox status`, reset it and seed again.")
    profiles = {p["Name"]: p["Id"] for p in connect.list_security_profiles(InstanceId=made["Id"])["SecurityProfileSummaryList"]}
    routing = connect.list_routing_profiles(InstanceId=made["Id"])["RoutingProfileSummaryList"][0]["Id"]
    for user_name, first, last, dept in EMPLOYEES[:8] + [LEFTOVER_AGENT]:
        connect.create_user(InstanceId=made["Id"], Username=user_name.split("@")[0].replace(".", "_"),
                            Password="Seeded-Passw0rd!", IdentityInfo={"FirstName": first, "LastName": last},
                            PhoneConfig={"PhoneType": "SOFT_PHONE"}, RoutingProfileId=routing,
                            SecurityProfileIds=[profiles["Agent"]], Tags={"team": "contact-centre-platform"})


def _trust(provider_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]})


def _their_iam(endpoint: str, client: Callable[[str], Any], busy: BusyAccount) -> None:
    """Someone else's IAM resources with exactly the workshop's default names: the most dangerous decoys. Their
    providers trust the contact-centre team's own Amazon Connect applications (THEIR_APPS)."""
    from workshop_lib.rules import names
    from workshop_lib.sandbox.client import console_client

    iam = client("iam")
    providers = {}
    for (name, tags), app in zip(((names.AGENT_PROVIDER_NAME, [{"Key": TAG_KEY, "Value": OLD_RUN_TAG}, *TEAM_TAGS]),
                                  (names.ADMIN_PROVIDER_NAME, TEAM_TAGS)), THEIR_APPS):
        busy.applications[app] = console_client.add_application(endpoint, app)
        metadata = console_client.download_metadata(endpoint, app).decode("utf-8")
        providers[name] = iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata, Tags=tags)["SAMLProviderArn"]
        busy.iam.append(f"SAML provider {name}")
    sso = client("sso-admin")  # their contact-centre team's own groups use their own applications
    for app, group in zip(THEIR_APPS, ("ConnectAgents", "ConnectAdmins")):
        sso.create_application_assignment(ApplicationArn=busy.applications[app], PrincipalId=busy.groups[group],
                                          PrincipalType="GROUP")
    their_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken",
                    "Resource": f"arn:aws:connect:{busy.region}:{ACCOUNT}:instance/{busy.connect_instance_id}/user/${{aws:userid}}"}]}
    policy_arn = iam.create_policy(PolicyName=names.POLICY_NAME, PolicyDocument=json.dumps(their_policy),
                                   Description="Federation into the ACME support instance",
                                   Tags=[{"Key": TAG_KEY, "Value": COLLEAGUE_OWNER}])["Policy"]["Arn"]
    busy.iam.append(f"policy {names.POLICY_NAME}")
    audit_arn = iam.create_policy(PolicyName="ContactCentreAudit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["connect:Describe*", "connect:List*"],
                                                "Resource": "*"}]}), Tags=TEAM_TAGS)["Policy"]["Arn"]
    roles = ((names.AGENT_ROLE_NAME, names.AGENT_PROVIDER_NAME, [{"Key": TAG_KEY, "Value": OLD_RUN_TAG}, *TEAM_TAGS]),
             (names.ADMIN_ROLE_NAME, names.ADMIN_PROVIDER_NAME, [{"Key": TAG_KEY, "Value": COLLEAGUE_OWNER}]))
    for role, provider, tags in roles:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust(providers[provider]), MaxSessionDuration=3600,
                        Description="ACME support federation", Tags=tags)
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
        iam.attach_role_policy(RoleName=role, PolicyArn=audit_arn)
        iam.put_role_policy(RoleName=role, PolicyName="RecordingsReadOnly", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": "arn:aws:s3:::acme-call-recordings/*"}]}))
        busy.iam.append(f"role {role}")
    iam.create_role(RoleName="ContactCentreLambdaRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}), Tags=TEAM_TAGS)
