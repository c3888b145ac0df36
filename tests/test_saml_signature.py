"""Signature verification: only signed content is trusted, wrapping attacks fail, xmlsec agrees."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from lxml import etree

from saml_helpers import (
    AGENT_EMAIL,
    NOW,
    REALWORLD,
    ROLE_ARN,
    FakeIdp,
    b64,
    make_idp,
    realworld_files,
    rsa_key,
    self_signed_certificate,
)
from workshop_lib.errors import SamlError
from workshop_lib.findings import Severity
from workshop_lib.saml import VerifiedResponse, judge_response, load_metadata, verify_response

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


@pytest.fixture(scope="module")
def idp() -> FakeIdp:
    return make_idp()


@pytest.fixture(scope="module")
def metadata(idp):
    return load_metadata(idp.metadata(), now=NOW)


@pytest.fixture(scope="module")
def other_idp() -> FakeIdp:
    key = rsa_key(2048, "other-app")
    return FakeIdp(key=key, cert=self_signed_certificate(key), app_token="OTk5OTg4ODg3Nzc3X2lucy1mZWRjYmE5ODc2NTQzMjEw")


def tree(xml: bytes):
    return etree.fromstring(xml)


def assertion_of(root):
    return root.find(f"{SAML}Assertion")


def set_session_name(element, value: str) -> None:
    for attribute in element.iter(f"{SAML}Attribute"):
        if attribute.get("Name").endswith("/RoleSessionName"):
            attribute[0].text = value


# ---- what verifies ---------------------------------------------------------------------------

@pytest.mark.parametrize("sign, element, parts", [
    ("assertion", "Assertion", "assertion"),
    ("response", "Response", "response"),
    ("both", "Response", "response and assertion"),
])
def test_identity_center_style_response_verifies_against_its_metadata(idp, metadata, sign, element, parts):
    result = verify_response(idp.response(sign=sign), metadata=metadata, now=NOW)
    assert isinstance(result, VerifiedResponse)
    assert result.signed_element == element
    assert result.response.verified and result.response.signed_parts == parts
    assert result.response.role_session_name == AGENT_EMAIL
    assert result.response.roles[0][0] == ROLE_ARN
    assert result.certificate.sha256_fingerprint == metadata.certificates[0].sha256_fingerprint
    assert result.signature_algorithm.endswith("rsa-sha256")
    assert result.findings == []
    assert judge_response(result.response, now=NOW, metadata=metadata) == [
        f for f in judge_response(result.response, now=NOW) if f.severity is Severity.INFO]


def test_verified_response_accepts_metadata_bytes_and_base64_input(idp):
    result = verify_response(b64(idp.response()), metadata=idp.metadata(), now=NOW)
    assert result.response.role_session_name == AGENT_EMAIL


def test_verified_response_accepts_certificates_without_metadata(idp):
    assert verify_response(idp.response(), certificates=[idp.cert_pem], now=NOW).signed_element == "Assertion"
    assert verify_response(idp.response(), certificates=[idp.cert], now=NOW).signed_element == "Assertion"


def test_only_the_signed_assertion_is_kept_when_the_response_is_unsigned(idp, metadata):
    result = verify_response(idp.response(sign="assertion"), metadata=metadata, now=NOW)
    assert result.response.is_assertion_only
    assert result.response.destination is None and result.response.issuer is None
    assert [f.code for f in result.response.findings] == ["saml.envelope-unsigned"]


def test_signed_response_keeps_its_destination(idp, metadata):
    result = verify_response(idp.response(sign="response"), metadata=metadata, now=NOW)
    assert result.response.destination == "https://signin.aws.amazon.com/saml"
    assert result.response.status.endswith(":Success")


def test_rotated_metadata_with_two_certificates_verifies_with_the_matching_one(idp):
    newer = self_signed_certificate(rsa_key(2048, "rotated"))
    report = load_metadata(idp.metadata(certs=[newer, idp.cert]), now=NOW)
    result = verify_response(idp.response(), metadata=report, now=NOW)
    assert result.certificate.sha256_fingerprint == report.certificates[1].sha256_fingerprint


def test_comment_injected_into_signed_value_cannot_shorten_it(idp, metadata):
    xml = idp.response(role_session_name="agent.one@example.com.evil.example")
    injected = xml.replace(b">agent.one@example.com.evil.example<", b">agent.one@example.com<!---->.evil.example<")
    assert injected != xml
    result = verify_response(injected, metadata=metadata, now=NOW)
    assert result.response.role_session_name == "agent.one@example.com.evil.example"


# ---- what does not verify (F4 / F18) ---------------------------------------------------------

def test_unsigned_response_is_refused_as_not_signed(idp, metadata):
    with pytest.raises(SamlError) as caught:
        verify_response(idp.response(sign=None), metadata=metadata, now=NOW)
    assert caught.value.code == "F4"
    assert "the response is not signed" in caught.value.message.lower()


def test_response_signed_by_another_application_is_refused(idp, other_idp, metadata):
    with pytest.raises(SamlError) as caught:
        verify_response(other_idp.response(), metadata=metadata, now=NOW)
    assert caught.value.code == "F4"
    assert caught.value.message.startswith("Response signature invalid")
    assert "signed with another key than the 1 trusted certificate" in caught.value.message
    assert "update_saml_provider" in caught.value.fix


def test_value_changed_after_signing_is_refused_as_digest_mismatch(idp, metadata):
    root = tree(idp.response())
    set_session_name(assertion_of(root), "admin@example.com")
    with pytest.raises(SamlError) as caught:
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)
    assert caught.value.code == "F4" and "was changed after signing" in caught.value.message


def test_expired_signing_certificate_is_reported_as_f18(metadata):
    key = rsa_key(2048, "old")
    old = FakeIdp(key=key, cert=self_signed_certificate(key, not_before=NOW - timedelta(days=6 * 365),
                                                       not_after=NOW - timedelta(days=2)))
    with pytest.raises(SamlError) as caught:
        verify_response(old.response(), metadata=old.metadata(), now=NOW)
    assert caught.value.code == "F18"
    assert "signed with the right key" in caught.value.message and "expired on" in caught.value.message


def test_issuer_other_than_metadata_entity_id_is_an_f4_finding(idp):
    elsewhere = load_metadata(idp.metadata().replace(idp.app_token.encode(), b"QW5vdGhlckFwcA"), now=NOW)
    result = verify_response(idp.response(), metadata=elsewhere, now=NOW)
    [finding] = result.findings
    assert finding.code == "F4" and "Issuer not present in specified provider" in finding.message
    assert finding.expected == elsewhere.entity_id


def test_no_certificate_to_check_with_raises():
    with pytest.raises(SamlError, match="no certificate"):
        verify_response(make_idp().response(), now=NOW)


# ---- signature wrapping ----------------------------------------------------------------------

def _evil_assertion(signed_assertion, new_id: str = "_evil"):
    evil = copy.deepcopy(signed_assertion)
    evil.set("ID", new_id)
    signature = evil.find(f"{DS}Signature")
    if signature is not None:
        evil.remove(signature)
    set_session_name(evil, "admin@example.com")
    return evil


def test_unsigned_evil_assertion_beside_the_signed_one_is_refused(idp, metadata):
    root = tree(idp.response(sign="assertion"))
    root.insert(list(root).index(assertion_of(root)), _evil_assertion(assertion_of(root)))
    with pytest.raises(SamlError) as caught:
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)
    assert caught.value.code == "F4" and "2 assertions" in caught.value.message


def test_signed_assertion_moved_into_extensions_is_refused(idp, metadata):
    root = tree(idp.response(sign="assertion"))
    signed = assertion_of(root)
    evil = _evil_assertion(signed)
    root.replace(signed, evil)
    extensions = etree.SubElement(root, f"{SAMLP}Extensions")
    extensions.append(signed)
    root.insert(1, extensions)
    with pytest.raises(SamlError, match="Response signature invalid"):
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)


def test_signed_assertion_moved_into_a_signature_object_is_refused(idp, metadata):
    root = tree(idp.response(sign="assertion"))
    signed = assertion_of(root)
    evil = _evil_assertion(signed, new_id=signed.get("ID"))
    root.replace(signed, evil)
    fake = etree.SubElement(evil, f"{DS}Signature")
    obj = etree.SubElement(fake, f"{DS}Object")
    obj.append(signed)
    with pytest.raises(SamlError, match="Response signature invalid"):
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)


def test_assertion_of_a_signed_response_replaced_is_refused(idp, metadata):
    root = tree(idp.response(sign="response"))
    signed = assertion_of(root)
    root.replace(signed, _evil_assertion(signed, new_id=signed.get("ID")))
    with pytest.raises(SamlError) as caught:
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)
    assert caught.value.code == "F4" and "was changed after signing" in caught.value.message


def test_signed_response_wrapped_inside_an_evil_response_is_refused(idp, metadata):
    original = tree(idp.response(sign="response"))
    evil = copy.deepcopy(original)
    evil.set("ID", "_evil")
    evil.remove(evil.find(f"{DS}Signature"))
    set_session_name(assertion_of(evil), "admin@example.com")
    extensions = etree.SubElement(evil, f"{SAMLP}Extensions")
    extensions.append(original)
    with pytest.raises(SamlError, match="Response signature invalid"):
        verify_response(etree.tostring(evil), metadata=metadata, now=NOW)


def test_signature_referring_to_another_element_is_refused(idp, metadata):
    root = tree(idp.response(sign="assertion"))
    reference = root.find(f".//{DS}Reference")
    reference.set("URI", "#" + root.get("ID"))
    with pytest.raises(SamlError, match="not to that element"):
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)


def test_duplicate_id_is_refused(idp, metadata):
    root = tree(idp.response(sign="assertion"))
    root.set("ID", assertion_of(root).get("ID"))
    with pytest.raises(SamlError, match="appears 2 times"):
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)


def test_response_with_elements_outside_the_saml_namespace_is_refused(idp, metadata):
    xml = idp.response().replace(b"urn:oasis:names:tc:SAML:2.0:protocol", b"urn:example:not-saml")
    with pytest.raises(SamlError, match="not in the SAML 2.0 namespace"):
        verify_response(xml, metadata=metadata, now=NOW)


# ---- the real-world corpus is sanitised: nothing in it verifies --------------------------------

@pytest.mark.skipif(not realworld_files("responses"), reason="../shared/realworld is not available")
@pytest.mark.parametrize("path", realworld_files("responses"), ids=lambda p: p.name)
def test_sanitised_realworld_responses_never_verify(path, metadata):
    with pytest.raises(SamlError):
        verify_response(path.read_bytes(), metadata=metadata, now=NOW)


def test_google_corpus_response_fails_against_google_metadata_with_signature_wording():
    response = REALWORLD / "responses" / "aws-google-auth-google-response.xml"
    google = REALWORLD / "metadata" / "google-workspace-ssoready.xml"
    if not (response.is_file() and google.is_file()):
        pytest.skip("../shared/realworld is not available")
    with pytest.raises(SamlError) as caught:
        verify_response(response.read_bytes(), metadata=google.read_bytes(), now=NOW - timedelta(days=365))
    assert caught.value.message.startswith("Response signature invalid")


# ---- an independent verifier agrees ------------------------------------------------------------

def xmlsec_verifies(xml: bytes, cert_pem: str) -> bool:
    xmlsec = pytest.importorskip("xmlsec")
    root = etree.fromstring(xml)
    xmlsec.tree.add_ids(root, ["ID"])
    signatures = list(root.iter(f"{DS}Signature"))
    if not signatures:
        return False
    for signature in signatures:
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_memory(cert_pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
        try:
            ctx.verify(signature)
        except xmlsec.Error:
            return False
    return True


def ours_verifies(xml: bytes, metadata) -> bool:
    try:
        verify_response(xml, metadata=metadata, now=NOW)
        return True
    except SamlError:
        return False


@pytest.mark.parametrize("sign", ["assertion", "response", "both"])
def test_xmlsec_agrees_that_the_helper_signed_response_is_valid(idp, metadata, sign):
    xml = idp.response(sign=sign)
    assert xmlsec_verifies(xml, idp.cert_pem) and ours_verifies(xml, metadata)


def test_xmlsec_agrees_that_a_tampered_response_is_invalid(idp, metadata):
    root = tree(idp.response(sign="both"))
    set_session_name(assertion_of(root), "admin@example.com")
    xml = etree.tostring(root)
    assert not xmlsec_verifies(xml, idp.cert_pem) and not ours_verifies(xml, metadata)


def test_xmlsec_agrees_that_another_key_is_invalid(other_idp, idp, metadata):
    xml = other_idp.response()
    assert not xmlsec_verifies(xml, idp.cert_pem) and not ours_verifies(xml, metadata)


# ---- algorithms and import weight ----------------------------------------------------------------

def test_sha1_signed_response_verifies_with_a_warning(idp):
    from signxml import XMLSigner
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

    from saml_helpers import build_assertion, build_response_around

    class LegacySigner(XMLSigner):
        def check_deprecated_methods(self):  # signxml refuses SHA-1 unless told otherwise
            pass

    signer = LegacySigner(signature_algorithm=SignatureMethod.RSA_SHA1, digest_algorithm=DigestAlgorithm.SHA1,
                          c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signer.namespaces = {"ds": DS[1:-1]}
    assertion = signer.sign(tree(build_assertion("_sha1", issuer=idp.entity_id)), key=idp.key, cert=[idp.cert],
                            reference_uri="#_sha1")
    xml = etree.tostring(build_response_around(assertion, "_response", issuer=idp.entity_id))
    result = verify_response(xml, metadata=idp.metadata(), now=NOW)
    assert result.signature_algorithm.endswith("rsa-sha1")
    assert [f.code for f in result.findings] == ["saml.sha1"]


def test_importing_the_saml_package_does_not_load_signxml_lxml_or_cryptography():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, workshop_lib.saml; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'signxml', 'lxml', 'cryptography'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1],
                         env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"


# ---- inspect_response: the pipeline the CLI and the notebook inspector share --------------------------

def test_inspection_of_a_good_response_is_verified_and_shows_only_the_signed_part(idp, metadata):
    from workshop_lib.saml import inspect_response

    inspection = inspect_response(idp.response(), metadata, now=NOW)
    assert inspection.verified is not None and inspection.response.verified
    assert inspection.signature_line.startswith("valid (Assertion signed")
    assert [f for f in inspection.findings if f.severity is Severity.ERROR] == []


def test_inspection_with_the_wrong_metadata_reports_f4_and_still_judges_the_rest(other_idp, metadata):
    from workshop_lib.saml import inspect_response

    forged = other_idp.response(audience="https://example.com/not-aws")
    inspection = inspect_response(forged, metadata, now=NOW)
    codes = {f.code for f in inspection.findings}
    assert "F4" in codes and "F7" in codes  # the signature and the audience, in one pass
    assert inspection.verified is None and inspection.signature_line.startswith("NOT valid")


def test_inspection_without_metadata_says_the_signature_was_not_checked(idp):
    from workshop_lib.saml import inspect_response

    inspection = inspect_response(idp.response(), None, now=NOW)
    assert inspection.verified is None and "not checked" in inspection.signature_line
