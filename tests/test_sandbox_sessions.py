"""STS role sessions in the sandbox, as AWS documents them, through the real server.

- AssumeRoleWithSAML redeems a SAML response only within 5 minutes of its IssueInstant (ExpiredTokenException).
- A role session's calls are authorized against the role's policies on the action AND the resource.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from saml_helpers import make_idp
from sandbox_seed import sandbox_client, trust_policy

pytestmark = pytest.mark.sandbox


def _code(caught) -> str:
    return caught.value.response["Error"]["Code"]


# ---- 5-minute redemption ----------------------------------------------------------------------------

@pytest.fixture()
def own_idp(aws):
    """An IdP the test is: its metadata in an IAM SAML provider, a role that trusts it (the workshop's trust policy)."""
    idp = make_idp("redeem")
    iam = aws("iam")
    provider = iam.create_saml_provider(Name="RedeemTestIdP", SAMLMetadataDocument=idp.metadata().decode())["SAMLProviderArn"]
    role = iam.create_role(RoleName="RedeemTestRole", AssumeRolePolicyDocument=json.dumps(trust_policy(provider)))["Role"]
    return idp, provider, role["Arn"]


def _issued(idp, provider: str, role: str, minutes_ago: float) -> str:
    """A signed response issued ``minutes_ago``, whose NotOnOrAfter is still an hour away: only its age can fail it."""
    now = datetime.now(timezone.utc)
    issued = now - timedelta(minutes=minutes_ago)
    xml = idp.response(sign="both", now=issued, roles=[f"{role},{provider}"], not_on_or_after=now + timedelta(hours=1))
    return base64.b64encode(xml).decode()


def test_a_saml_response_is_redeemed_only_within_5_minutes_of_its_issue(aws, own_idp):
    idp, provider, role = own_idp
    sts = aws("sts")
    fresh = sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 4))
    assert fresh["AssumedRoleUser"]["Arn"].endswith(":assumed-role/RedeemTestRole/agent.one@example.com")
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 6))
    assert _code(caught) == "ExpiredTokenException"
    assert caught.value.response["Error"]["Message"] == "Token must be redeemed within 5 minutes of issuance"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Half a minute past the limit is past it: no clock-skew allowance is documented for this rule.
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 5.5))
    assert _code(caught) == "ExpiredTokenException"


# ---- the Resource element -----------------------------------------------------------------------------

AGENT = "agent1@connect-workshop.com"


def _agent_session(workshop, aws) -> dict[str, str]:
    from workshop_lib.sandbox.client import console_client

    result = console_client.sign_in(workshop.endpoint, AGENT, workshop.application)
    assert result.ok, result
    creds = aws("sts").assume_role_with_saml(RoleArn=workshop.role_arn, PrincipalArn=workshop.provider_arn,
                                             SAMLAssertion=result.saml_response_b64)["Credentials"]
    return dict(key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])


def _decoy_instance(workshop, aws) -> dict:
    """Another SAML instance in the same account and Region, with a Connect user of the agent's exact name: if only
    the action were judged, the agent's session could federate into it."""
    from sandbox_seed import wait_active

    connect = aws("connect")
    made = connect.create_instance(IdentityManagementType="SAML", InstanceAlias="decoy-same-account",
                                   InboundCallsEnabled=True, OutboundCallsEnabled=True)
    instance = wait_active(connect, made["Id"])
    assert instance["InstanceStatus"] == "ACTIVE"
    profiles = {p["Name"]: p["Id"] for p in connect.list_security_profiles(InstanceId=made["Id"])["SecurityProfileSummaryList"]}
    routing = connect.list_routing_profiles(InstanceId=made["Id"])["RoutingProfileSummaryList"][0]["Id"]
    connect.create_user(InstanceId=made["Id"], Username=AGENT, IdentityInfo={"FirstName": "Decoy", "LastName": "Agent"},
                        PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[profiles["Agent"]],
                        RoutingProfileId=routing)
    return instance


def test_a_session_scoped_to_its_instance_cannot_federate_into_another_instance_of_the_account(workshop, aws):
    decoy = _decoy_instance(workshop, aws)
    as_agent = sandbox_client(workshop.endpoint, "connect", **_agent_session(workshop, aws))
    role_id = aws("iam").get_role(RoleName=workshop.role_name)["Role"]["RoleId"]
    with pytest.raises(ClientError) as caught:
        as_agent.get_federation_token(InstanceId=decoy["Id"])
    assert _code(caught) == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert caught.value.response["Error"]["Message"] == (
        f"User: arn:aws:sts::123456789012:assumed-role/{workshop.role_name}/{AGENT} is not authorized to perform: "
        f"connect:GetFederationToken on resource: {decoy['Arn']}/user/{role_id}:{AGENT} because no identity-based "
        "policy allows the connect:GetFederationToken action")
    # The same session on its own instance: the policy's Resource <instance ARN>/user/${aws:userid} matches.
    token = as_agent.get_federation_token(InstanceId=workshop.instance_id)
    assert token["UserId"] == workshop.connect_users[AGENT]
    # The instance ARN is accepted where an InstanceId is, and judged the same way.
    with pytest.raises(ClientError) as caught:
        as_agent.get_federation_token(InstanceId=decoy["Arn"])
    assert _code(caught) == "AccessDeniedException" and decoy["Arn"] in str(caught.value)


def test_instance_actions_are_judged_on_the_instance_and_an_explicit_deny_wins(workshop, aws):
    decoy = _decoy_instance(workshop, aws)
    iam = aws("iam")
    iam.put_role_policy(RoleName=workshop.role_name, PolicyName="DescribeOwnInstance", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["connect:DescribeInstance", "connect:ListInstances"],
             "Resource": workshop.instance_arn}]}))
    as_agent = sandbox_client(workshop.endpoint, "connect", **_agent_session(workshop, aws))
    assert as_agent.describe_instance(InstanceId=workshop.instance_id)["Instance"]["Arn"] == workshop.instance_arn
    with pytest.raises(ClientError) as caught:
        as_agent.describe_instance(InstanceId=decoy["Id"])
    assert _code(caught) == "AccessDeniedException" and caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"connect:DescribeInstance on resource: {decoy['Arn']} because no identity-based policy" in str(caught.value)
    # ListInstances has no resource type: only Resource "*" allows it, not the instance's ARN.
    with pytest.raises(ClientError) as caught:
        as_agent.list_instances()
    assert "is not authorized to perform: connect:ListInstances because no identity-based policy" in str(caught.value)
    iam.put_role_policy(RoleName=workshop.role_name, PolicyName="DenyFederationHere", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "connect:*", "Resource": workshop.instance_arn + "/*"}]}))
    with pytest.raises(ClientError) as caught:
        as_agent.get_federation_token(InstanceId=workshop.instance_id)
    assert caught.value.response["Error"]["Message"].endswith(
        f"connect:GetFederationToken on resource: {workshop.instance_arn}/user/"
        f"{iam.get_role(RoleName=workshop.role_name)['Role']['RoleId']}:{AGENT} with an explicit deny in an "
        "identity-based policy")


@pytest.mark.parametrize("path", ["/instance/{arn}", "/instance/{id}/", "/instance//{id}", "/user/federate/{id}/"])
def test_a_path_the_model_does_not_name_is_not_served_to_a_role_session(workshop, aws, path):
    """Hand-made requests that the sandbox might still route must not slip past the authorization of role sessions:
    an instance ARN with its "/" not encoded is routed to DescribeInstance, but names no operation of the model."""
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    decoy = _decoy_instance(workshop, aws)
    session = _agent_session(workshop, aws)
    request = AWSRequest(method="GET", url=workshop.endpoint + path.format(id=decoy["Id"], arn=decoy["Arn"]))
    SigV4Auth(Credentials(session["key"], session["secret"], session["token"]), "connect", "us-east-1").add_auth(request)
    prepared = request.prepare()
    answer = requests.get(prepared.url, headers=dict(prepared.headers), timeout=30)
    assert answer.status_code in (400, 403, 404), answer.text
    assert decoy["Id"] not in answer.text or "not authorized" in answer.text
    assert "decoy-same-account" not in answer.text
