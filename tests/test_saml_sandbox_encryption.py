"""An encrypted sign-in in the sandbox: an application set to encrypt, an IAM provider holding the private key."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from saml_helpers import private_pem, rsa_key, self_signed_certificate
from test_doctor_sandbox import AGENT_PROVIDER, world  # noqa: F401 - the doctor's sandbox world fixture
from workshop_lib.saml import inspect_response, load_metadata
from workshop_lib.sandbox.client import console_client as console

pytestmark = pytest.mark.sandbox
AGENT = "agent1@connect-workshop.com"


def pem_certificate(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return self_signed_certificate(key, cn="iam-saml-provider").public_bytes(serialization.Encoding.PEM).decode()


def encrypt(workshop, key, mode: str = "Required") -> None:
    workshop.client("iam").update_saml_provider(SAMLProviderArn=workshop.provider_arn, AssertionEncryptionMode=mode,
                                                AddPrivateKey=private_pem(key).decode())
    console.set_application_saml(workshop.endpoint, workshop.application, encryption_certificate=pem_certificate(key))


def test_an_encrypted_sign_in_lands_on_the_ccp_and_the_toolkit_judges_it(workshop):
    key = rsa_key(2048, "sandbox-iam-provider")
    encrypt(workshop, key)
    provider = workshop.client("iam").get_saml_provider(SAMLProviderArn=workshop.provider_arn)
    assert provider["AssertionEncryptionMode"] == "Required" and len(provider["PrivateKeyList"]) == 1
    assert console.get_application_settings(workshop.endpoint, workshop.application)["encrypts_assertions"]

    result = console.sign_in(workshop.endpoint, AGENT, workshop.application)
    assert result.ok and result.landing == "ccp", result
    assert b"EncryptedAssertion" in result.saml_response and AGENT.encode() not in result.saml_response

    metadata = load_metadata(console.download_metadata(workshop.endpoint, workshop.application))
    without = inspect_response(result.saml_response, metadata)
    assert not without.judged and "NOT JUDGED" in without.verdict
    judged = inspect_response(result.saml_response, metadata, private_key=private_pem(key))
    assert judged.judged and judged.verified is not None and judged.response.role_session_name == AGENT
    assert not [f for f in judged.findings if f.severity.value == "error"], judged.findings


def test_the_provider_without_the_matching_key_refuses_the_encrypted_assertion(workshop):
    encrypt(workshop, rsa_key(2048, "sandbox-iam-provider"))
    console.set_application_saml(workshop.endpoint, workshop.application,
                                 encryption_certificate=pem_certificate(rsa_key(2048, "someone-else")))
    result = console.sign_in(workshop.endpoint, AGENT, workshop.application)
    assert not result.ok and result.code == "F4", result


def test_required_encryption_refuses_an_unencrypted_assertion(workshop):
    encrypt(workshop, rsa_key(2048, "sandbox-iam-provider"))
    console.set_application_saml(workshop.endpoint, workshop.application, encryption_certificate="")
    result = console.sign_in(workshop.endpoint, AGENT, workshop.application)
    assert not result.ok and "requires encrypted assertions" in result.detail, result


def test_allowed_encryption_accepts_both(workshop):
    encrypt(workshop, rsa_key(2048, "sandbox-iam-provider"), mode="Allowed")
    assert console.sign_in(workshop.endpoint, AGENT, workshop.application).ok
    console.set_application_saml(workshop.endpoint, workshop.application, encryption_certificate="")
    assert console.sign_in(workshop.endpoint, AGENT, workshop.application).ok


def test_iam_refuses_a_bad_mode_a_bad_key_and_a_third_key(workshop):
    iam = workshop.client("iam")
    with pytest.raises(ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=workshop.provider_arn, AssertionEncryptionMode="Sometimes")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=workshop.provider_arn, AddPrivateKey=pem_certificate(rsa_key()))
    assert caught.value.response["Error"]["Code"] == "InvalidInput"
    for label in ("one", "two"):
        iam.update_saml_provider(SAMLProviderArn=workshop.provider_arn, AddPrivateKey=private_pem(rsa_key(2048, label)).decode())
    with pytest.raises(ClientError) as caught:
        iam.update_saml_provider(SAMLProviderArn=workshop.provider_arn, AddPrivateKey=private_pem(rsa_key(2048, "three")).decode())
    assert caught.value.response["Error"]["Code"] == "LimitExceeded"
    keys = iam.get_saml_provider(SAMLProviderArn=workshop.provider_arn)["PrivateKeyList"]
    iam.update_saml_provider(SAMLProviderArn=workshop.provider_arn, RemovePrivateKey=keys[0]["KeyId"])
    assert len(iam.get_saml_provider(SAMLProviderArn=workshop.provider_arn)["PrivateKeyList"]) == 1


def test_the_doctor_reads_the_encryption_settings_from_the_sandbox(world):  # noqa: F811 - the imported fixture
    """The whole chain: GetSAMLProvider's AssertionEncryptionMode reaches the doctor through gathered facts."""
    iam = world.client("iam")
    provider = f"arn:aws:iam::{world.account}:saml-provider/{AGENT_PROVIDER}"
    iam.update_saml_provider(SAMLProviderArn=provider, AssertionEncryptionMode="Required")
    [finding] = [f for f in world.doctor().findings if f.code == "iam.assertion-encryption"]
    assert finding.severity.value == "error" and "holds no private key" in finding.message
    iam.update_saml_provider(SAMLProviderArn=provider, AddPrivateKey=private_pem(rsa_key(2048, "doctor")).decode())
    [finding] = [f for f in world.doctor().findings if f.code == "iam.assertion-encryption"]
    assert finding.severity.value == "warning" and "must encrypt every assertion" in finding.message
