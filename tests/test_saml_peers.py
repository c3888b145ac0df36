"""The peer corpus: every file from python3-saml's and pysaml2's suites gets the verdict their own tests expect,
or a written reason beside the case where this project deliberately judges otherwise (it judges as AWS does).

Files and their origins: tests/peers/SOURCES.md. "Peer" is what the library's test asserts (file and test named
in each case). "Ours" is what `saml inspect` concludes, judged as at the response's own IssueInstant (the peers'
fixtures are years old) with the peer's trusted certificate and, for encrypted fixtures, the peer's SP key.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workshop_lib.cli import main as cli_main
from workshop_lib.errors import WorkshopError
from workshop_lib.saml import inspect_response, load_metadata
from workshop_lib.saml.certificates import certificate_from_base64
from workshop_lib.saml.metadata import MetadataReport
from workshop_lib.saml.signature import _as_certificate

PEERS = Path(__file__).parent / "peers"
P3 = PEERS / "python3-saml"
PY2 = PEERS / "pysaml2"
CORPUS_DAY = datetime(2026, 11, 27, tzinfo=timezone.utc)
CERT_2007 = datetime(2007, 7, 1, tzinfo=timezone.utc)  # inside settings1's certificate (2007-06-15 … 2007-08-14)

# Why the python3-saml "settings1" fixtures differ: their IdP certificate expired on 2007-08-14, years before the
# responses were made (2014); python3-saml never checks certificate dates. AWS refuses a response signed with an
# expired certificate (aws-facts F18), so we do too, and name it as the certificate's problem, not the response's.
EXPIRED_2007 = ("python3-saml does not check the IdP certificate's dates; AWS refuses a signature made with an "
                "expired certificate (F18), so we report F18 with its own fix. Judged as at 2007-07-01, when the "
                "certificate was valid, the same signature verifies (checked below).")
URI_EMPTY = ("python3-saml accepts a signature whose Reference URI is empty (the whole document). SAML 2.0 core "
             "§5.4.2 requires the Reference to name the signed element by its ID, and this tool refuses anything "
             "else structurally, before any cryptography, as part of its signature-wrapping defence.")


@dataclass(frozen=True)
class Case:
    path: str  # relative to tests/peers
    peer: str  # "valid" / "invalid" (responses) or "idp" / "not-idp" (metadata), as the peer's test asserts
    test: str  # the peer's test that asserts it
    ours: str  # our outcome (see outcome()) or, for metadata, "iam-ok" / "iam-refuses" / "unreadable"
    cert: str = "settings1"  # whose certificate is trusted: settings1, settings2, pysaml2
    key: bool = False  # give the peer's SP private key
    reason: str = ""  # why we differ from the peer, when we do
    words: str = ""  # a phrase our verdict must contain
    then: datetime | None = None  # also: judged as at this moment, the signature verifies


R = "python3-saml/data/responses/"
I = R + "invalids/"
RT = "response_test.py::"
CASES = [
    # ---- signed and valid for python3-saml -------------------------------------------------------------------
    Case(R + "valid_response.xml.base64", "valid", RT + "testIsValid2", "expired-certificate",
         reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "signed_message_response.xml.base64", "valid", RT + "testIsValidSign", "expired-certificate",
         reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "signed_assertion_response.xml.base64", "valid", RT + "testIsValidSign", "expired-certificate",
         reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "double_signed_response.xml.base64", "valid", RT + "testIsValidSign", "expired-certificate",
         reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "double_signed_encrypted_assertion.xml.base64", "valid", RT + "testIsValidEnc", "expired-certificate",
         key=True, reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "signed_encrypted_assertion.xml.base64", "valid", RT + "testIsValidEnc", "expired-certificate",
         key=True, reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "signed_message_encrypted_assertion.xml.base64", "valid", RT + "testIsValidEnc", "expired-certificate",
         key=True, reason=EXPIRED_2007, then=CERT_2007),
    Case(R + "valid_response2.xml.base64", "valid", RT + "testIsValid2", "verified", cert="settings2"),
    Case(R + "signed_message_response2.xml.base64", "valid", RT + "testIsValidSign", "verified", cert="settings2"),
    Case(R + "signed_assertion_response2.xml.base64", "valid", RT + "testIsValidSign", "verified", cert="settings2"),
    Case(R + "double_signed_response2.xml.base64", "valid", RT + "testIsValidSign", "verified", cert="settings2"),
    Case(R + "double_signed_encrypted_assertion2.xml.base64", "valid", RT + "testIsValidEnc", "verified",
         cert="settings2", key=True),
    Case(R + "signed_encrypted_assertion2.xml.base64", "valid", RT + "testIsValidEnc", "verified",
         cert="settings2", key=True),
    Case(R + "signed_message_encrypted_assertion2.xml.base64", "valid", RT + "testGetEncryptedAttributes",
         "verified", cert="settings2", key=True),
    Case(R + "response_without_reference_uri.xml.base64", "valid",
         RT + "testMessageSignedIsValidSignWithEmptyReferenceURI", "refused", cert="settings2", reason=URI_EMPTY,
         words="does not name the element it signs"),
    Case(R + "response_without_assertion_reference_uri.xml.base64", "valid",
         RT + "testAssertionSignedIsValidSignWithEmptyReferenceURI", "refused", cert="settings2", reason=URI_EMPTY,
         words="does not name the element it signs"),
    # ---- "No Signature found. SAML Response rejected" ----------------------------------------------------------
    *[Case(path, "invalid", RT + test, "not-signed", words="not signed") for path, test in (
        (R + "valid_unsigned_response.xml.base64", "testIsValid"),
        (R + "unsigned_response.xml.base64", "testIsInValidDestination"),
        (R + "expired_response.xml.base64", "testIsInValidExpired"),
        (R + "unsigned_response_with_miliseconds.xm.base64", "testDatetimeWithMiliseconds"),
        (I + "no_signature.xml.base64", "testIsInValidNoStatement"),
        (I + "invalid_audience.xml.base64", "testIsInValidAudience"),
        (I + "invalid_issuer_assertion.xml.base64", "testIsInValidIssuer"),
        (I + "invalid_issuer_message.xml.base64", "testIsInValidIssuer"),
        (I + "invalid_sessionindex.xml.base64", "testIsInValidSessionIndex"),
        (I + "no_subjectconfirmation_method.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "no_subjectconfirmation_data.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "invalid_subjectconfirmation_inresponse.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "invalid_subjectconfirmation_recipient.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "invalid_subjectconfirmation_noa.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "invalid_subjectconfirmation_nb.xml.base64", "testIsInValidSubjectConfirmation"),
        (I + "encrypted_attrs.xml.base64", "testIsInValidEncAttrs"),
    )],
    Case(R + "valid_encrypted_assertion.xml.base64", "invalid", RT + "testIsValidEnc", "not-signed", key=True,
         words="decrypted Assertion"),
    # ---- structure and wrapping ------------------------------------------------------------------------------
    Case(I + "multiple_assertions.xml.base64", "invalid", RT + "testIsInValidMultipleAssertions", "refused",
         words="2 assertions"),
    Case(I + "no_saml2.xml.base64", "invalid", RT + "testValidateVersion", "refused", words="SAML:1.0"),
    Case(I + "no_id.xml.base64", "invalid", RT + "testValidateID", "refused", words="has no ID attribute"),
    Case(I + "signature_wrapping_attack.xml.base64", "invalid", "utils_test.py::testValidateSign", "refused"),
    Case(R + "response4.xml.base64", "invalid", RT + "testDoesNotAllowSignatureWrappingAttack", "refused"),
    Case(R + "wrapped_response_2.xml.base64", "invalid", RT + "testOnlyRetrieveAssertionWithIDThatMatchesSignatureReference",
         "refused", words="unexpected place"),
    Case(I + "no_key.xml.base64", "invalid", RT + "testIsInValidNoKey", "malformed", words="is malformed"),
    Case(R + "response1.xml.base64", "invalid", RT + "testIsInValidReference", "another-key",
         words="signed with another key"),
    Case(I + "status_code_responder.xml.base64", "invalid", RT + "testCheckStatus", "no-assertion",
         words="refused the sign-in"),
    # ---- pysaml2: signature wrapping (tests/test_xsw.py expects SignatureError for each) ----------------------
    *[Case(f"pysaml2/xsw/{name}.xml", "invalid", "test_xsw.py", "refused", cert="pysaml2", words="2 assertions")
      for name in ("signed-xsw-assertion-assertion", "signed-xsw-assertion-extensions",
                   "signed-xsw-assertion-in-assertion-first-sig", "signed-xsw-assertion-wrapper",
                   "signed-xsw-response-in-response-first-sig")],
]

M = "python3-saml/data/metadata/"
MT = "idp_metadata_parser_test.py::"
METADATA = [
    Case(M + "idp_metadata.xml", "idp", MT + "testParse", "iam-ok"),
    Case(M + "idp_metadata2.xml", "idp", MT + "testParseRequiredBindingSSORedirect", "iam-ok"),
    Case(M + "idp_metadata_multi_certs.xml", "idp", MT + "testParseMultiCerts", "iam-ok",
         words="serial number is zero or negative"),
    Case(M + "idp_metadata_multi_signing_certs.xml", "idp", MT + "testParseMultipleSigningCerts", "iam-ok"),
    Case(M + "idp_metadata_different_sign_and_encrypt_cert.xml", "idp", MT + "testParseDifferentSigningAndEncryptCerts",
         "iam-ok"),
    Case(M + "testshib-providers.xml", "idp", MT + "testParseTestshibProviders", "iam-ok",
         words="does not document which entity"),
    Case(M + "idp_multiple_descriptors.xml", "idp", MT + "testParseMultipleDescriptors", "iam-refuses",
         words="base64 of a PEM text",
         reason="python3-saml only copies the certificate text; the fixture's certificate is base64 of a PEM file, "
                "which is not a DER certificate, so IAM could not read it. We name it and say how to fix it."),
    Case(M + "entities_metadata.xml", "not-idp", "settings_test.py::testValidateMetadata (noEntityDescriptor_xml)",
         "iam-refuses", words="service-provider metadata"),
    Case(M + "metadata_settings1.xml", "not-idp", "settings_test.py (SP metadata of settings1)", "iam-refuses",
         words="service-provider metadata"),
    Case(M + "signed_metadata_settings1.xml", "not-idp", "settings_test.py (signed SP metadata)", "iam-refuses",
         words="service-provider metadata"),
    Case(M + "noentity_metadata_settings1.xml", "not-idp", "settings_test.py::testValidateMetadataNoEntity (invalid_xml)",
         "iam-refuses", words="not SAML metadata"),
    Case(M + "unparsed_metadata.xml", "not-idp", "metadata_test.py::testAddX509KeyDescriptors (Error parsing)",
         "unreadable", words="not well-formed XML"),
    Case("pysaml2/idp.xml", "idp", "test_30_mdstore.py (an IdP's metadata)", "iam-ok"),
    Case("pysaml2/metadata_sp_1.xml", "not-idp", "test_30_mdstore.py (an SP's metadata)", "iam-refuses",
         words="service-provider metadata"),
]

AGREES = {"valid": {"verified"}, "idp": {"iam-ok"}, "not-idp": {"iam-refuses", "unreadable"},
          "invalid": {"refused", "not-signed", "malformed", "another-key", "changed", "expired-certificate",
                      "no-assertion", "unreadable"}}


def trusted(case: Case) -> MetadataReport:
    if case.cert == "pysaml2":
        return MetadataReport(certificates=[_as_certificate((PY2 / "test.pem").read_bytes())])
    settings = json.loads((P3 / "settings" / f"{case.cert}.json").read_text())
    return MetadataReport(certificates=[certificate_from_base64(settings["idp"]["x509cert"])])


def outcome(inspection) -> str:
    if inspection.refused:
        return "refused"
    if inspection.verified is not None:
        return "verified"
    error = inspection.signature_error
    for words, name in (("is not signed", "not-signed"), ("is malformed", "malformed"),
                        ("another key", "another-key"), ("changed after signing", "changed"),
                        ("right key, but the certificate", "expired-certificate"),
                        ("no assertion", "no-assertion")):
        if words in error:
            return name
    return "other: " + error


def inspect_case(case: Case, at: datetime | None = None):
    data = (PEERS / case.path).read_bytes()
    key = (P3 / "data/customPath/certs/sp.key").read_bytes() if case.key else None
    return inspect_response(data, trusted(case), private_key=key, now=at, at_issue_instant=at is None)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_each_peer_response_gets_the_peer_verdict_or_a_written_reason(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inspection = inspect_case(case)
    assert not caught, [str(w.message) for w in caught]
    assert outcome(inspection) == case.ours, inspection.findings[:2]
    assert (case.ours in AGREES[case.peer]) or case.reason, f"{case.path}: differs from the peer without a reason"
    assert not (case.ours in AGREES[case.peer] and case.reason), f"{case.path}: a reason but no difference"
    text = " ".join(f.message for f in inspection.findings)
    assert case.words in text
    if case.key:
        assert inspection.judged and (inspection.response.decrypted or inspection.refused
                                      or outcome(inspection) == "expired-certificate")
    if case.then is not None:
        assert outcome(inspect_case(case, at=case.then)) == "verified"


@pytest.mark.parametrize("case", METADATA, ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_each_peer_metadata_file_gets_the_peer_verdict_or_a_written_reason(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            report = load_metadata((PEERS / case.path).read_bytes(), now=CORPUS_DAY)
        except WorkshopError as exc:
            ours, text = "unreadable", exc.message
        else:
            ours = "iam-ok" if report.iam_ok else "iam-refuses"
            text = " ".join(f.message for f in report.findings)
    assert not caught, [str(w.message) for w in caught]
    assert ours == case.ours, text
    assert (ours in AGREES[case.peer]) or case.reason
    assert not (ours in AGREES[case.peer] and case.reason)
    assert case.words in text


def test_the_corpus_holds_dozens_of_files_each_listed_in_sources():
    files = [p for p in PEERS.rglob("*") if p.is_file() and p.name not in ("SOURCES.md", "LICENSE.txt")]
    sources = (PEERS / "SOURCES.md").read_text()
    assert len(files) >= 60
    for path in files:
        relative = path.relative_to(PEERS / path.relative_to(PEERS).parts[0]).as_posix()
        assert f"`tests/{relative}`" in sources, relative
    used = {c.path for c in CASES + METADATA}
    data = [p for p in files if p.suffix in (".base64", ".xml")]
    assert {p.relative_to(PEERS).as_posix() for p in data} == used  # no file without its case


@pytest.mark.parametrize("case", CASES + METADATA, ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_the_commands_never_print_a_traceback_or_a_warning(case, capsys, tmp_path):
    path = str(PEERS / case.path)
    if case in METADATA:
        code = cli_main(["metadata", "check", path])
    else:
        key = tmp_path / "key.pem"
        key.write_bytes((P3 / "data/customPath/certs/sp.key").read_bytes())
        code = cli_main(["saml", "inspect", path, "--at", "issued", "--private-key", str(key)])
    captured = capsys.readouterr()
    assert captured.err == "" and "Traceback" not in captured.out
    assert code in (0, 1)
    if case not in METADATA:
        assert code == 1  # without the peer's certificate nothing is verified, so nothing exits 0
