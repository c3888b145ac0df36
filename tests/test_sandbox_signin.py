"""The simulated sign-in end to end: a complete workshop, then exactly one link broken at a time."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError

from workshop_lib.sandbox.client import console_client as console
from sandbox_seed import federation_policy, trust_policy, wait_active

pytestmark = pytest.mark.sandbox
AGENT = "agent1@connect-workshop.com"
GLOBAL_ACS = "https://signin.aws.amazon.com/saml"
REGIONAL_ACS = "https://us-east-1.signin.aws.amazon.com/saml"


def sign_in(workshop, user: str = AGENT, **kwargs) -> console.SignInResult:
    return console.sign_in(workshop.endpoint, user, workshop.application, **kwargs)


def refused(workshop, code: str, message: str | None = None, **kwargs) -> console.SignInResult:
    result = sign_in(workshop, **kwargs)
    assert not result.ok and result.code == code, result
    if message is not None:
        assert message in result.message, result
    return result


def _relay(workshop, tail: str = "?destination=%2Fccp-v2", region: str = "us-east-1", instance: str | None = None) -> str:
    return f"https://{region}.console.aws.amazon.com/connect/federate/{instance or workshop.instance_id}{tail}"


# ---- where a working set-up lands -----------------------------------------------------------------

def test_complete_set_up_lands_on_the_ccp(workshop):
    result = sign_in(workshop)
    assert result.ok and result.landing == "ccp" and result.code == "", result
    assert result.url == "https://aws-connect-workshop-1234.my.connect.aws/ccp-v2"
    assert "agent1@connect-workshop.com" in result.message
    assert result.saml_response.startswith(b"<?xml")


def test_agent_workspace_destination(workshop):
    console.set_relay_state(workshop.endpoint, workshop.application, _relay(workshop, "?destination=%2Fagent-app-v2"))
    assert sign_in(workshop).landing == "agent-workspace"


def test_no_destination_lands_on_the_admin_site(workshop):
    console.set_relay_state(workshop.endpoint, workshop.application, _relay(workshop, ""))
    result = sign_in(workshop)
    assert result.ok and result.landing == "admin" and "admin website" in result.message


def test_relay_state_argument_overrides_the_applications(workshop):
    assert sign_in(workshop, relay_state=_relay(workshop, "")).landing == "admin"


def test_user_assigned_directly_rather_than_through_a_group(workshop):
    sso = workshop.client("sso-admin")
    sso.delete_application_assignment(ApplicationArn=workshop.application_arn, PrincipalId=workshop.group_id,
                                      PrincipalType="GROUP")
    sso.create_application_assignment(ApplicationArn=workshop.application_arn, PrincipalId=workshop.users[AGENT],
                                      PrincipalType="USER")
    assert sign_in(workshop).ok


def test_portal_password(workshop):
    with pytest.raises(console.ConsoleError):
        console.set_user_password(workshop.endpoint, workshop.identity_store_id, AGENT, "short")
    assert refused(workshop, "F17", password="Workshop-2024!").message == "Incorrect username or password."
    console.set_user_password(workshop.endpoint, workshop.identity_store_id, AGENT, "Workshop-2024!")
    refused(workshop, "portal", "Incorrect username or password.", password="wrong-password")
    assert sign_in(workshop, password="Workshop-2024!").ok


def test_unknown_user_cannot_sign_in_to_the_portal(workshop):
    result = refused(workshop, "portal", user="nobody@connect-workshop.com")
    assert result.saml_response_b64 is None


# ---- the portal: F16 ----------------------------------------------------------------------------

def test_group_not_assigned_is_f16(workshop):
    workshop.client("sso-admin").delete_application_assignment(
        ApplicationArn=workshop.application_arn, PrincipalId=workshop.group_id, PrincipalType="GROUP")
    result = refused(workshop, "F16", "No access")
    assert result.saml_response_b64 is None


def test_user_not_in_the_assigned_group_is_f16(workshop):
    ids = workshop.client("identitystore")
    membership = ids.list_group_memberships(IdentityStoreId=workshop.identity_store_id,
                                            GroupId=workshop.group_id)["GroupMemberships"][0]
    ids.delete_group_membership(IdentityStoreId=workshop.identity_store_id, MembershipId=membership["MembershipId"])
    refused(workshop, "F16")


def test_disabled_application_is_f16(workshop):
    console.set_application_status(workshop.endpoint, workshop.application, enabled=False)
    refused(workshop, "F16", "No access")


# ---- AWS sign-in: F1 F2 F3 F4 F6 F7 F13 -----------------------------------------------------------

@pytest.mark.parametrize("value", [
    pytest.param("{role}, {provider}", id="space-after-comma"),
    pytest.param("AmazonConnectAgentAccessRole,{provider}", id="role-name-not-arn"),
    pytest.param("{role},AmazonConnectAgentAccess", id="provider-name-not-arn"),
    pytest.param("{role}", id="role-only"),
])
def test_malformed_role_attribute_is_f1(workshop, value):
    console.set_attribute_mappings(workshop.endpoint, workshop.application,
                                   {"Role": value.format(role=workshop.role_arn, provider=workshop.provider_arn)})
    refused(workshop, "F1", "Your request included an invalid SAML response")


def test_missing_role_mapping_is_f1(workshop):
    console.set_attribute_mappings(workshop.endpoint, workshop.application, {"Role": None})
    result = refused(workshop, "F1")
    assert "no https://aws.amazon.com/SAML/Attributes/Role" in result.detail


def test_role_pair_in_provider_then_role_order_is_accepted(workshop):
    console.set_attribute_mappings(workshop.endpoint, workshop.application,
                                   {"Role": f"{workshop.provider_arn},{workshop.role_arn}"})
    assert sign_in(workshop).ok


def test_deleted_provider_is_f6(workshop):
    iam = workshop.client("iam")
    iam.delete_saml_provider(SAMLProviderArn=workshop.provider_arn)
    refused(workshop, "F6", "Specified provider doesn't exist")


def test_provider_from_another_applications_metadata_is_f4_issuer(workshop):
    console.add_application(workshop.endpoint, "Amazon Connect - Admin")
    admin = console.download_metadata(workshop.endpoint, "Amazon Connect - Admin").decode()
    workshop.client("iam").update_saml_provider(SAMLProviderArn=workshop.provider_arn, SAMLMetadataDocument=admin)
    refused(workshop, "F4", "Issuer not present in specified provider")


def test_rotated_certificate_is_f4_until_the_provider_is_updated(workshop):
    console.rotate_certificate(workshop.endpoint, workshop.application)
    refused(workshop, "F4", "Response signature invalid")
    fresh = console.download_metadata(workshop.endpoint, workshop.application).decode()
    workshop.client("iam").update_saml_provider(SAMLProviderArn=workshop.provider_arn, SAMLMetadataDocument=fresh)
    assert sign_in(workshop).ok


def test_audience_edited_away_is_f7(workshop):
    console.set_application_saml(workshop.endpoint, workshop.application, audience="https://signin.aws.amazon.com/saml")
    refused(workshop, "F7", "Response does not contain the required audience")


def test_role_name_typo_in_the_mapping_is_f2(workshop):
    typo = workshop.role_arn.replace("AgentAccessRole", "AgentAcessRole")
    console.set_attribute_mappings(workshop.endpoint, workshop.application, {"Role": f"{typo},{workshop.provider_arn}"})
    refused(workshop, "F2", "Not authorized to perform sts:AssumeRoleWithSAML")


def test_trust_policy_without_assume_role_with_saml_is_f2(workshop):
    document = trust_policy(workshop.provider_arn)
    document["Statement"][0]["Action"] = "sts:AssumeRole"
    workshop.client("iam").update_assume_role_policy(RoleName=workshop.role_name, PolicyDocument=json.dumps(document))
    refused(workshop, "F2", "Not authorized to perform sts:AssumeRoleWithSAML")


def test_regional_acs_with_a_global_only_trust_policy_is_f13(workshop):
    console.set_application_saml(workshop.endpoint, workshop.application, acs_url=REGIONAL_ACS)
    result = refused(workshop, "F13", "Not authorized to perform sts:AssumeRoleWithSAML")
    assert REGIONAL_ACS in result.detail
    workshop.client("iam").update_assume_role_policy(
        RoleName=workshop.role_name, PolicyDocument=json.dumps(trust_policy(workshop.provider_arn, (GLOBAL_ACS, REGIONAL_ACS))))
    assert sign_in(workshop).ok


def test_missing_role_session_name_mapping_is_f3(workshop):
    console.set_attribute_mappings(workshop.endpoint, workshop.application, {"RoleSessionName": None})
    refused(workshop, "F3", "RoleSessionName is required in AuthnResponse")


def test_role_session_name_outside_the_sts_pattern_is_f3(workshop):
    console.set_attribute_mappings(workshop.endpoint, workshop.application, {"RoleSessionName": "${user:displayName}"})
    refused(workshop, "F3", "must match [a-zA-Z_0-9+=,.@-]{2,64}")


def test_session_duration_above_the_roles_maximum_is_refused(workshop):
    console.set_attribute_mappings(workshop.endpoint, workshop.application, {"SessionDuration": "43200"})
    refused(workshop, "F22", "MaxSessionDuration")  # F22: the role allows a shorter session than the mapping asks
    workshop.client("iam").update_role(RoleName=workshop.role_name, MaxSessionDuration=43200)
    assert sign_in(workshop).ok


def test_expired_response_is_refused_by_sts(workshop):
    """The test plays an external IdP: its own key in a provider, a response signed an hour ago."""
    from workshop_lib.sandbox.server import portal
    from workshop_lib.sandbox.server.backend import Application

    cert, key = portal.new_signing_certificate()
    idp = Application(arn="-", app_id="apl-00000000000000ff", name="external", provider_arn="-", instance_arn="-",
                      account="123456789012", region="us-east-1", created=dt.datetime.now(dt.timezone.utc),
                      certificate_pem=cert, private_key_pem=key, mappings=portal.default_mappings())
    iam = workshop.client("iam")
    provider = iam.create_saml_provider(Name="ExternalIdP",
                                        SAMLMetadataDocument=portal.metadata_xml(idp).decode())["SAMLProviderArn"]
    role = iam.create_role(RoleName="ExternalRole", AssumeRolePolicyDocument=json.dumps(trust_policy(provider)))["Role"]
    portal.apply_mappings(idp, {"Role": f"{role['Arn']},{provider}"})
    user = portal.PortalUser("u-1", AGENT, (AGENT,))
    sts = workshop.client("sts")
    for age, outcome in ((dt.timedelta(hours=1), "ExpiredTokenException"), (dt.timedelta(0), None)):
        xml = portal.build_response(idp, user, now=dt.datetime.now(dt.timezone.utc) - age)
        call = lambda: sts.assume_role_with_saml(RoleArn=role["Arn"], PrincipalArn=provider,  # noqa: E731
                                                 SAMLAssertion=base64.b64encode(xml).decode())
        if outcome is None:
            assert call()["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/ExternalRole/{AGENT}")
        else:
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == outcome


# ---- Amazon Connect: F8 F9 F10 F12 F19 ----------------------------------------------------------

def test_missing_connect_user_is_f8(workshop):
    connect = workshop.client("connect")
    connect.delete_user(InstanceId=workshop.instance_id, UserId=workshop.connect_users[AGENT])
    refused(workshop, "F8", "not been onboarded")


def test_connect_username_differing_in_case_is_f8(workshop):
    connect = workshop.client("connect")
    user = connect.describe_user(InstanceId=workshop.instance_id, UserId=workshop.connect_users[AGENT])["User"]
    connect.delete_user(InstanceId=workshop.instance_id, UserId=user["Id"])
    connect.create_user(InstanceId=workshop.instance_id, Username="Agent1@connect-workshop.com",
                        IdentityInfo=user["IdentityInfo"], PhoneConfig={"PhoneType": "SOFT_PHONE"},
                        SecurityProfileIds=user["SecurityProfileIds"], RoutingProfileId=user["RoutingProfileId"])
    result = refused(workshop, "F8")
    assert "upper/lower case" in result.detail


def test_federation_policy_detached_is_f9(workshop):
    workshop.client("iam").detach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    refused(workshop, "F9", "Access denied, Please contact your AWS account administrator")


def test_federation_policy_for_another_instance_is_f9(workshop):
    other = workshop.instance_arn.rsplit("/", 1)[0] + "/00000000-1111-2222-3333-444444444444"
    workshop.client("iam").create_policy_version(PolicyArn=workshop.policy_arn, SetAsDefault=True,
                                                 PolicyDocument=json.dumps(federation_policy(other)))
    refused(workshop, "F9")


def test_federation_policy_without_version_is_f9(workshop):
    document = federation_policy(workshop.instance_arn)
    del document["Version"]  # ${aws:userid} becomes literal text
    workshop.client("iam").create_policy_version(PolicyArn=workshop.policy_arn, SetAsDefault=True,
                                                 PolicyDocument=json.dumps(document))
    refused(workshop, "F9")


def test_role_recreated_is_f10_until_the_connect_user_is_recreated(workshop):
    assert sign_in(workshop).ok  # binds the Connect user to this RoleId
    iam = workshop.client("iam")
    document = iam.get_role(RoleName=workshop.role_name)["Role"]["AssumeRolePolicyDocument"]
    iam.detach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    iam.delete_role(RoleName=workshop.role_name)
    iam.create_role(RoleName=workshop.role_name, AssumeRolePolicyDocument=json.dumps(document))
    iam.attach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    result = refused(workshop, "F10", "Bad Request")
    assert "re-create the Connect user" in result.detail
    connect = workshop.client("connect")
    user = connect.describe_user(InstanceId=workshop.instance_id, UserId=workshop.connect_users[AGENT])["User"]
    connect.delete_user(InstanceId=workshop.instance_id, UserId=user["Id"])
    connect.create_user(InstanceId=workshop.instance_id, Username=AGENT, IdentityInfo=user["IdentityInfo"],
                        PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=user["SecurityProfileIds"],
                        RoutingProfileId=user["RoutingProfileId"])
    assert sign_in(workshop).ok


def test_empty_relay_state_lands_on_the_console_home_f12(workshop):
    console.set_relay_state(workshop.endpoint, workshop.application, "")
    refused(workshop, "F12", "AWS Management Console home")


@pytest.mark.parametrize("relay", [
    pytest.param(lambda w: _relay(w, region="eu-west-2"), id="wrong-region"),
    pytest.param(lambda w: _relay(w, instance="00000000-1111-2222-3333-444444444444"), id="unknown-instance"),
    pytest.param(lambda w: _relay(w, "?destination=%2Fconnect%2Fccp"), id="legacy-destination"),
    pytest.param(lambda w: _relay(w, "?destination=/ccp-v2"), id="unencoded-destination"),
    pytest.param(lambda w: f"https://aws-connect-workshop-1234.my.connect.aws/ccp-v2", id="access-url"),
])
def test_wrong_relay_state_is_f12(workshop, relay):
    console.set_relay_state(workshop.endpoint, workshop.application, relay(workshop))
    refused(workshop, "F12")


def test_instance_without_saml_is_f19(workshop):
    connect = workshop.client("connect")
    managed = connect.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="managed-instance",
                                      InboundCallsEnabled=True, OutboundCallsEnabled=True)
    wait_active(connect, managed["Id"])
    refused(workshop, "F19", relay_state=_relay(workshop, instance=managed["Id"]))


# ---- what an independent verifier says about the portal's signatures ------------------------------

def test_signed_response_verifies_with_xmlsec(workshop):
    xmlsec = pytest.importorskip("xmlsec")
    from lxml import etree

    metadata = console.download_metadata(workshop.endpoint, workshop.application)
    cert_b64 = etree.fromstring(metadata).findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    pem = "-----BEGIN CERTIFICATE-----\n" + cert_b64 + "\n-----END CERTIFICATE-----\n"
    root = etree.fromstring(sign_in(workshop).saml_response)
    xmlsec.tree.add_ids(root, ["ID"])
    signature = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
    assert signature.getparent().tag == "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
    context.verify(signature)  # raises xmlsec.Error when the signature is wrong
    assertion = signature.getparent()
    assertion.find("{urn:oasis:names:tc:SAML:2.0:assertion}Subject")[0].text = "someone-else@example.com"
    with pytest.raises(xmlsec.Error):
        context.verify(signature)


def test_metadata_loads_in_pysaml2(workshop):
    pytest.importorskip("saml2")
    from saml2.attribute_converter import ac_factory
    from saml2.mdstore import InMemoryMetaData

    xml = console.download_metadata(workshop.endpoint, workshop.application).decode()
    store = InMemoryMetaData(ac_factory(), metadata=xml)
    store.load()
    entity_id = console.get_application_settings(workshop.endpoint, workshop.application)["entity_id"]
    assert list(store.keys()) == [entity_id]
    assert store.certs(entity_id, "idpsso", use="signing")


def test_response_shape(workshop):
    from lxml import etree

    root = etree.fromstring(sign_in(workshop).saml_response)
    ns = {"p": "urn:oasis:names:tc:SAML:2.0:protocol", "a": "urn:oasis:names:tc:SAML:2.0:assertion"}
    assert root.get("Destination") == GLOBAL_ACS
    assert root.findtext("a:Assertion/a:Conditions/a:AudienceRestriction/a:Audience", namespaces=ns) == "urn:amazon:webservices"
    confirmation = root.find("a:Assertion/a:Subject/a:SubjectConfirmation/a:SubjectConfirmationData", ns)
    assert confirmation.get("Recipient") == GLOBAL_ACS
    issued = dt.datetime.fromisoformat(root.get("IssueInstant").replace("Z", "+00:00"))
    expires = dt.datetime.fromisoformat(confirmation.get("NotOnOrAfter").replace("Z", "+00:00"))
    assert expires - issued == dt.timedelta(minutes=5)
    values = {a.get("Name"): [v.text for v in a] for a in root.iterfind(".//a:Attribute", ns)}
    assert values == {"https://aws.amazon.com/SAML/Attributes/RoleSessionName": [AGENT],
                      "https://aws.amazon.com/SAML/Attributes/Role": [workshop.role_value]}
    assert root.findtext("a:Assertion/a:Subject/a:NameID", namespaces=ns) == AGENT


# ---- the command ------------------------------------------------------------------------------------

def test_sign_in_command(sandbox, workshop, tmp_path, monkeypatch, capsys):
    from workshop_lib.cli import main

    monkeypatch.setenv("WORKSHOP_HOME", sandbox.home)
    out = tmp_path / "response.xml"
    assert main(["sandbox", "sign-in", "--user", AGENT, "--application", workshop.application, "--saml-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Contact Control Panel" in printed and out.read_bytes().startswith(b"<?xml")
    workshop.client("iam").detach_role_policy(RoleName=workshop.role_name, PolicyArn=workshop.policy_arn)
    assert main(["sandbox", "sign-in", "--user", AGENT, "--application", workshop.application]) == 1
    assert "[F9]" in capsys.readouterr().out


def test_certificates_made_from_spare_keys_never_share_a_key():
    """The keys made ahead in the background are each handed out once: two applications never share a key,
    whether their keys came from the spares or were made on the spot when none was left."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from workshop_lib.sandbox.server import portal

    portal.make_spare_keys(2).join()
    pairs = [portal.new_signing_certificate() for _ in range(4)]  # two spares (refills may still be running), then more
    public = [x509.load_pem_x509_certificate(cert).public_key().public_numbers() for cert, _key in pairs]
    assert len({(n.n, n.e) for n in public}) == 4
    for (cert, key_pem), numbers in zip(pairs, public):  # each certificate is signed for its own private key
        assert load_pem_private_key(key_pem, None).public_key().public_numbers() == numbers
