"""IAM and STS in the sandbox: metadata and trust policies checked as IAM does, strict AssumeRoleWithSAML."""

from __future__ import annotations

import base64
import json
import re

import pytest
from botocore.exceptions import ClientError
from saml_helpers import certificate_for_public_key, metadata_with_certificate_b64, rsa_key, weak_rsa_public_key

from workshop_lib.sandbox.client import console_client
from sandbox_seed import sandbox_client, trust_policy

pytestmark = pytest.mark.sandbox
AGENT_APP = "Amazon Connect - Agent"


def _code(exc_info) -> str:
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture()
def metadata(sandbox) -> str:
    console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    console_client.add_application(sandbox.endpoint, AGENT_APP)
    return console_client.download_metadata(sandbox.endpoint, AGENT_APP).decode("utf-8")


# ---- SAML providers -------------------------------------------------------------------------------

def test_provider_keeps_the_metadata_byte_for_byte(aws, metadata):
    iam = aws("iam")
    arn = iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    assert arn == "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == metadata


def test_duplicate_provider_name_is_entity_already_exists(aws, metadata):
    iam = aws("iam")
    iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)
    with pytest.raises(ClientError) as caught:
        iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)
    assert _code(caught) == "EntityAlreadyExists"


def _weak_key_metadata(metadata: str) -> str:
    old = re.search(r"<ds:X509Certificate>([^<]+)</ds:X509Certificate>", metadata).group(1)
    weak = certificate_for_public_key(weak_rsa_public_key(768), rsa_key(2048, "signer"))
    return metadata_with_certificate_b64(metadata.encode(), old, weak).decode()


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda md: "<!DOCTYPE html><html><body>" + "Sign in to continue. " * 60 + "</body></html>", id="html-page"),
    pytest.param(lambda md: "\ufeff" + md, id="bom"),
    pytest.param(_weak_key_metadata, id="key-under-1024-bits"),
    pytest.param(lambda md: "-----BEGIN CERTIFICATE-----\n" + re.search(
        r"<ds:X509Certificate>([^<]+)<", md).group(1) + "\n-----END CERTIFICATE-----\n", id="pem-certificate"),
    pytest.param(lambda md: md.replace("</md:EntityDescriptor>", ""), id="truncated"),
])
def test_what_iam_refuses_is_could_not_parse_metadata(aws, metadata, spoil):
    with pytest.raises(ClientError) as caught:
        aws("iam").create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=spoil(metadata))
    assert _code(caught) == "InvalidInput"
    assert caught.value.response["Error"]["Message"] == "Could not parse metadata"
    assert aws("iam").list_saml_providers()["SAMLProviderList"] == []


def test_update_saml_provider_parses_the_metadata_too(sandbox, aws, metadata):
    iam = aws("iam")
    arn = iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    with pytest.raises(ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument="\ufeff" + metadata)
    assert _code(caught) == "InvalidInput"
    console_client.add_application(sandbox.endpoint, "Amazon Connect - Admin")
    admin = console_client.download_metadata(sandbox.endpoint, "Amazon Connect - Admin").decode()
    iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=admin)
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == admin


# ---- trust policies -------------------------------------------------------------------------------

@pytest.mark.parametrize("document", [
    pytest.param("this is not JSON", id="not-json"),
    pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML"}]},
                 id="no-principal"),
    pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Federated": "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"}}]}, id="no-action"),
    pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
                  "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/DoesNotExist"}}]},
                 id="unknown-provider"),
    pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
                  "Resource": "*", "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"}}]},
                 id="resource"),
])
def test_create_role_validates_the_trust_policy(aws, metadata, document):
    aws("iam").create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(ClientError) as caught:
        aws("iam").create_role(RoleName="AmazonConnectAgentAccessRole", AssumeRolePolicyDocument=text)
    assert _code(caught) == "MalformedPolicyDocument"


def test_create_role_with_the_workshop_trust_policy(aws, metadata):
    iam = aws("iam")
    provider = iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    role = iam.create_role(RoleName="AmazonConnectAgentAccessRole",
                           AssumeRolePolicyDocument=json.dumps(trust_policy(provider)))["Role"]
    assert role["RoleId"].startswith("AROA")


# ---- STS AssumeRoleWithSAML -----------------------------------------------------------------------

def _signed_response(workshop) -> str:
    result = console_client.sign_in(workshop.endpoint, "agent1@connect-workshop.com", workshop.application)
    assert result.ok, result
    return result.saml_response_b64


def test_assume_role_with_saml_gives_working_credentials(workshop, aws):
    saml = _signed_response(workshop)
    answer = aws("sts").assume_role_with_saml(RoleArn=workshop.role_arn, PrincipalArn=workshop.provider_arn,
                                              SAMLAssertion=saml)
    role_id = aws("iam").get_role(RoleName=workshop.role_name)["Role"]["RoleId"]
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role_id}:agent1@connect-workshop.com"
    assert answer["Audience"] == "https://signin.aws.amazon.com/saml"
    assert answer["Issuer"].startswith("https://portal.sso.us-east-1.amazonaws.com/saml/assertion/")
    creds = answer["Credentials"]
    as_role = dict(key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    caller = sandbox_client(workshop.endpoint, "sts", **as_role).get_caller_identity()
    assert caller["UserId"] == f"{role_id}:agent1@connect-workshop.com"
    token = sandbox_client(workshop.endpoint, "connect", **as_role).get_federation_token(InstanceId=workshop.instance_id)
    assert token["UserId"] == workshop.connect_users["agent1@connect-workshop.com"]
    assert token["Credentials"]["AccessToken"] and token["SignInUrl"].startswith("https://")


def test_assume_role_with_saml_needs_the_role_pair_of_the_response(workshop, aws):
    saml = _signed_response(workshop)
    with pytest.raises(ClientError) as caught:
        aws("sts").assume_role_with_saml(RoleArn="arn:aws:iam::123456789012:role/Other",
                                         PrincipalArn=workshop.provider_arn, SAMLAssertion=saml)
    assert _code(caught) == "AccessDenied"


def test_assume_role_with_saml_refuses_a_tampered_response(workshop, aws):
    xml = base64.b64decode(_signed_response(workshop))
    tampered = xml.replace(b"agent1@connect-workshop.com</saml2:AttributeValue>",
                           b"agent2@connect-workshop.com</saml2:AttributeValue>")
    assert tampered != xml
    with pytest.raises(ClientError) as caught:
        aws("sts").assume_role_with_saml(RoleArn=workshop.role_arn, PrincipalArn=workshop.provider_arn,
                                         SAMLAssertion=base64.b64encode(tampered).decode())
    assert _code(caught) == "InvalidIdentityToken"
    assert "Response signature invalid" in str(caught.value)


def test_a_role_session_may_do_only_what_the_roles_policies_allow(workshop, aws):
    answer = aws("sts").assume_role_with_saml(RoleArn=workshop.role_arn, PrincipalArn=workshop.provider_arn,
                                              SAMLAssertion=_signed_response(workshop))
    creds = answer["Credentials"]
    as_role = dict(key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    with pytest.raises(ClientError) as caught:
        sandbox_client(workshop.endpoint, "iam", **as_role).list_roles()
    assert _code(caught) == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "is not authorized to perform: iam:ListRoles" in str(caught.value)
    assert "assumed-role/" in str(caught.value) and "agent1@connect-workshop.com" in str(caught.value)
    with pytest.raises(ClientError) as caught:
        sandbox_client(workshop.endpoint, "connect", **as_role).list_instances()
    assert _code(caught) == "AccessDeniedException"
    # What the role allows still works, and GetCallerIdentity needs no permission at all.
    assert sandbox_client(workshop.endpoint, "sts", **as_role).get_caller_identity()["Account"] == "123456789012"
    sandbox_client(workshop.endpoint, "connect", **as_role).get_federation_token(InstanceId=workshop.instance_id)
    # Without its session token, or with another one, the temporary key is refused.
    with pytest.raises(ClientError) as caught:
        sandbox_client(workshop.endpoint, "sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token="forged").get_caller_identity()
    assert _code(caught) == "InvalidClientTokenId"


@pytest.mark.parametrize("service, call, code", [
    ("iam", lambda c: c.change_password(OldPassword="old-Passw0rd", NewPassword="new-Passw0rd"), "InvalidAction"),
    ("connect", lambda c: c.describe_queue(InstanceId="11111111-2222-3333-4444-555555555555", QueueId="q1"), "UnknownOperationException"),
    ("sso-admin", lambda c: c.list_trusted_token_issuers(InstanceArn="arn:aws:sso:::instance/ssoins-1234567890abcdef"), "UnknownOperationException"),
])
def test_an_operation_the_sandbox_does_not_offer_is_named(aws, service, call, code):
    from workshop_lib.sandbox.server.authorize import unimplemented  # noqa: F401  (the rule under test)

    with pytest.raises(ClientError) as caught:
        call(aws(service))
    assert _code(caught) == code
    assert "The workshop's sandbox does not offer" in str(caught.value)
    assert caught.value.operation_name in str(caught.value)


def test_assume_role_with_saml_as_the_sts_api_reference_says(workshop, aws):
    """Base64 only; DurationSeconds defaults to 3600 and may not exceed the role's maximum, whatever the
    assertion's SessionDuration (a console setting); AccessDenied is HTTP 403."""
    import datetime as dt

    sts = aws("sts")
    pair = dict(RoleArn=workshop.role_arn, PrincipalArn=workshop.provider_arn)
    console_client.set_application_saml(workshop.endpoint, workshop.application, session_duration=43200)
    saml = _signed_response(workshop)
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(**pair, SAMLAssertion=base64.b64decode(saml).decode())
    assert _code(caught) == "InvalidIdentityToken"
    answer = sts.assume_role_with_saml(**pair, SAMLAssertion=saml)  # the role's maximum is 3600
    lasts = answer["Credentials"]["Expiration"] - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=55) < lasts <= dt.timedelta(hours=1)
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(**pair, SAMLAssertion=saml, DurationSeconds=7200)
    assert _code(caught) == "ValidationError" and "MaxSessionDuration" in str(caught.value)
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(RoleArn="arn:aws:iam::123456789012:role/Other", PrincipalArn=workshop.provider_arn,
                                  SAMLAssertion=saml)
    assert _code(caught) == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
