"""Build the whole agent set-up of the workshop in a running sandbox, the way the chapters do it.

Test scaffolding (tests and bench/ import it; it is not shipped in the package): organization, Identity Center (simulated console),
the Amazon Connect application and its metadata, the IAM provider, policy and role, the mappings
and relay state, a SAML Connect instance with agent users, identity store users in a group, and the
group's assignment. Uses boto3 against the sandbox endpoint (imported only when called).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from workshop_lib.sandbox.client import console_client

ACCOUNT = "123456789012"
GLOBAL_ACS = "https://signin.aws.amazon.com/saml"


@dataclass
class SeededWorkshop:
    endpoint: str
    region: str
    instance_id: str
    instance_arn: str
    identity_store_id: str
    idc_instance_arn: str
    application: str  # display name
    application_arn: str
    provider_arn: str
    policy_arn: str
    role_name: str
    role_arn: str
    group_id: str
    users: dict[str, str] = field(default_factory=dict)  # email -> identity store user ID
    connect_users: dict[str, str] = field(default_factory=dict)  # username -> Connect user ID
    relay_state: str = ""

    @property
    def role_value(self) -> str:
        return f"{self.role_arn},{self.provider_arn}"

    def client(self, service: str, **kwargs: Any) -> Any:
        return sandbox_client(self.endpoint, service, region=kwargs.pop("region", self.region), **kwargs)


def sandbox_client(endpoint: str, service: str, *, region: str = "us-east-1", **kwargs: Any) -> Any:
    """A boto3 client for the sandbox: its generated credentials (or ``key``/``secret``/``token``), no retries."""
    import boto3
    from botocore.config import Config

    from workshop_lib.sandbox.client import control

    if "key" not in kwargs:
        found = control.connection(endpoint)
        assert found is not None, f"no sandbox started by this process answers at {endpoint}"
        kwargs["key"] = found.credentials.access_key_id
        kwargs.setdefault("secret", found.credentials.secret_access_key)
    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id=kwargs.pop("key"),
        aws_secret_access_key=kwargs.pop("secret"), aws_session_token=kwargs.pop("token", None),
        config=Config(retries={"max_attempts": 0}, connect_timeout=5, read_timeout=60), **kwargs,
    )


def trust_policy(provider_arn: str, audiences: tuple[str, ...] = (GLOBAL_ACS,)) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML", "Principal": {"Federated": provider_arn},
        "Condition": {"StringEquals": {"SAML:aud": list(audiences)}},
    }]}


def federation_policy(instance_arn: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Statement1", "Effect": "Allow", "Action": "connect:GetFederationToken",
        "Resource": [instance_arn + "/user/" + "${aws:userid}"],
    }]}


def wait_active(connect: Any, instance_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        instance = connect.describe_instance(InstanceId=instance_id)["Instance"]
        if instance["InstanceStatus"] == "ACTIVE" or time.monotonic() > deadline:
            return instance
        time.sleep(0.05)


def seed_workshop(endpoint: str, *, region: str = "us-east-1", suffix: str = "",
                  agents: tuple[str, ...] = ("agent1@connect-workshop.com",), alias: str | None = None,
                  application: str = "Amazon Connect - Agent", destination: str = "%2Fccp-v2") -> SeededWorkshop:
    """The agent half of the workshop (chapters 01–05), complete and working; returns every ID."""
    c = lambda service: sandbox_client(endpoint, service, region=region)  # noqa: E731
    iam, connect, identitystore, sso = c("iam"), c("connect"), c("identitystore"), c("sso-admin")

    created = connect.create_instance(IdentityManagementType="SAML", InstanceAlias=alias or f"aws-connect-workshop-{suffix or '1234'}",
                                      InboundCallsEnabled=True, OutboundCallsEnabled=True)
    idc = console_client.enable_identity_center(endpoint, region, create_organization=True)
    app_arn = console_client.add_application(endpoint, application)
    metadata = console_client.download_metadata(endpoint, application)
    provider_arn = iam.create_saml_provider(Name=f"AmazonConnectAgentAccess{suffix}",
                                            SAMLMetadataDocument=metadata.decode("utf-8"))["SAMLProviderArn"]
    policy_arn = iam.create_policy(PolicyName=f"AmazonConnectSSOPolicy{suffix}",
                                   PolicyDocument=json.dumps(federation_policy(created["Arn"])))["Policy"]["Arn"]
    role_name = f"AmazonConnectAgentAccessRole{suffix}"
    role_arn = iam.create_role(RoleName=role_name,
                               AssumeRolePolicyDocument=json.dumps(trust_policy(provider_arn)))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    console_client.set_attribute_mappings(endpoint, application, {"Role": f"{role_arn},{provider_arn}"})
    relay = f"https://{region}.console.aws.amazon.com/connect/federate/{created['Id']}"
    relay += f"?destination={destination}" if destination else ""
    console_client.set_relay_state(endpoint, application, relay)

    wait_active(connect, created["Id"])
    profiles = {p["Name"]: p["Id"] for p in connect.list_security_profiles(InstanceId=created["Id"])["SecurityProfileSummaryList"]}
    routing = connect.list_routing_profiles(InstanceId=created["Id"])["RoutingProfileSummaryList"][0]["Id"]
    store = idc["identity_store_id"]
    group_id = identitystore.create_group(IdentityStoreId=store, DisplayName=f"ConnectAgents{suffix}",
                                          Description="Amazon Connect agents")["GroupId"]
    seeded = SeededWorkshop(
        endpoint=endpoint, region=region, instance_id=created["Id"], instance_arn=created["Arn"],
        identity_store_id=store, idc_instance_arn=idc["instance_arn"], application=application,
        application_arn=app_arn, provider_arn=provider_arn, policy_arn=policy_arn, role_name=role_name,
        role_arn=role_arn, group_id=group_id, relay_state=relay,
    )
    for number, email in enumerate(agents, start=1):
        seeded.connect_users[email] = connect.create_user(
            InstanceId=created["Id"], Username=email, IdentityInfo={"FirstName": "Agent", "LastName": str(number)},
            PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[profiles["Agent"]], RoutingProfileId=routing,
        )["UserId"]
        user_id = identitystore.create_user(
            IdentityStoreId=store, UserName=email, DisplayName=f"Agent {number}",
            Name={"GivenName": "Agent", "FamilyName": str(number)},
            Emails=[{"Value": email, "Type": "work", "Primary": True}],
        )["UserId"]
        identitystore.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
        seeded.users[email] = user_id
    sso.create_application_assignment(ApplicationArn=app_arn, PrincipalId=group_id, PrincipalType="GROUP")
    return seeded
