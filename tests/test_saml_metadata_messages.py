"""Metadata messages a learner can act on: double-encoded certificates, several entities, SP metadata, no raw warnings."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from saml_helpers import NOW, certificate_with_serial, make_idp, rsa_key
from workshop_lib.findings import Severity
from workshop_lib.saml import load_metadata

MD = "urn:oasis:names:tc:SAML:2.0:metadata"


@pytest.fixture(scope="module")
def idp():
    return make_idp()


def test_a_certificate_that_is_base64_of_a_pem_text_is_named_with_the_fix(idp):
    double = base64.b64encode(idp.cert_pem.encode()).decode()
    report = load_metadata(idp.metadata().replace(idp.cert_b64.encode(), double.encode()), now=NOW)
    [finding] = [f for f in report.findings if f.details.get("check") == "bad-certificate"]
    assert "base64 of a PEM text" in finding.message and "encoded a second time" in finding.message
    assert "between the PEM file's BEGIN and END lines" in finding.fix
    assert "asn1" not in finding.message.lower() and "ParseError" not in finding.message


def test_a_whole_pem_pasted_into_the_certificate_element_is_named(idp):
    pem = idp.cert_pem.strip()
    report = load_metadata(idp.metadata().replace(idp.cert_b64.encode(), pem.encode()), now=NOW)
    [finding] = [f for f in report.findings if f.details.get("check") == "bad-certificate"]
    assert "whole PEM text" in finding.message


def test_base64_that_is_not_a_certificate_gets_a_sentence_without_the_parser_error(idp):
    junk = base64.b64encode(b"\x30\x03\x02\x01\x05" * 30).decode()
    report = load_metadata(idp.metadata().replace(idp.cert_b64.encode(), junk.encode()), now=NOW)
    [finding] = [f for f in report.findings if f.details.get("check") == "bad-certificate"]
    assert "not an X.509 certificate" in finding.message and "ParseError" not in finding.message


def entities(*descriptors: str) -> bytes:
    return (f'<md:EntitiesDescriptor xmlns:md="{MD}">' + "".join(descriptors) + "</md:EntitiesDescriptor>").encode()


def inner(xml: bytes) -> str:
    text = xml.decode()
    return text[text.index("<md:EntityDescriptor"):]


SP = (f'<md:EntityDescriptor xmlns:md="{MD}" entityID="https://sp.example.com/saml">'
      '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
      '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
      'Location="https://sp.example.com/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>')


def test_an_idp_and_an_sp_together_say_which_entity_was_read(idp):
    report = load_metadata(entities(SP, inner(idp.metadata())), now=NOW)
    [finding] = [f for f in report.findings if f.code == "metadata.several-entities"]
    assert finding.severity is Severity.WARNING
    assert "2 entities" in finding.message and "service provider 'https://sp.example.com/saml'" in finding.message
    assert f"read the first identity provider, {idp.entity_id!r}" in finding.message
    assert "does not document which entity" in finding.message
    assert report.entity_id == idp.entity_id and report.certificates


def test_two_identity_providers_are_a_finding_naming_the_one_read(idp):
    other = make_idp("second")
    other.app_token = "OTk5OTg4ODg3Nzc3X2lucy1mZWRjYmE5ODc2NTQzMjEw"
    report = load_metadata(entities(inner(idp.metadata()), inner(other.metadata())), now=NOW)
    [finding] = [f for f in report.findings if f.code == "metadata.several-entities"]
    assert finding.details["identity_providers"] == 2 and repr(idp.entity_id) in finding.message


def test_sp_metadata_alone_is_named_as_service_provider_metadata():
    report = load_metadata(entities(SP, SP.replace("sp.example.com/saml", "sp2.example.com/saml")), now=NOW)
    assert not report.iam_ok
    assert any("this is service-provider metadata" in f.message for f in report.findings)
    single = load_metadata(SP.encode(), now=NOW)
    assert any("service-provider metadata" in f.message for f in single.findings)


@pytest.mark.parametrize("serial", [b"\x00", b"\xff"], ids=["zero", "negative"])
def test_a_non_positive_serial_is_a_finding_not_a_raw_warning(serial, recwarn):
    idp = make_idp()
    cert = certificate_with_serial(rsa_key(2048, "idp"), serial)
    recwarn.clear()
    report = load_metadata(idp.metadata(certs=[cert]), now=NOW)
    assert not [w for w in recwarn.list if "serial" in str(w.message).lower()]
    [finding] = [f for f in report.findings if f.code == "metadata.certificate-note"]
    assert "serial number is zero or negative" in finding.message and "RFC 5280" in finding.message


def test_the_command_prints_no_warning_for_a_negative_serial(tmp_path):
    idp = make_idp()
    cert = certificate_with_serial(rsa_key(2048, "idp"), b"\xff")
    path = tmp_path / "metadata.xml"
    path.write_bytes(idp.metadata(certs=[cert]))
    done = subprocess.run([sys.executable, "-W", "default", "-m", "workshop_lib.cli", "metadata", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == ""
    assert "serial number is zero or negative" in done.stdout
