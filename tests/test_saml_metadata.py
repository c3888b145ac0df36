"""IdP metadata: every real-world file, what IAM rejects (F5), and certificate expiry (F18)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from saml_helpers import (
    NOW,
    REALWORLD,
    certificate_for_public_key,
    make_idp,
    realworld_files,
    rsa_key,
    self_signed_certificate,
    weak_rsa_public_key,
)
from workshop_lib.errors import SamlError
from workshop_lib.findings import Severity
from workshop_lib.saml import MetadataReport, load_metadata

CORPUS_DAY = datetime(2026, 11, 27, tzinfo=timezone.utc)
METADATA_FILES = realworld_files("metadata")
needs_corpus = pytest.mark.skipif(not METADATA_FILES, reason="../shared/realworld is not available")

EXPECTED = {
    "aws-idc-us-east-1-dsf-opensearch.xml": (
        "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/NDQ0OTc1NjczNTMwX2lucy01MTRmOGNkNGRjYzJhMjky",
        "2029-01-03"),
    "aws-idc-us-east-1-sourcefuse-example.xml": (
        "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/Njk1ODA5NjM3MDI0X2lucy1kMDkyZGJlMDI3NjY2YTFi",
        "2028-08-09"),
    "aws-idc-us-east-1-sourcefuse-tfvar.xml": (
        "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MTkyNTMwMjE4MDg1X2lucy1lNDJiMDkxZDI2MTllZjNl",
        "2028-06-13"),
    "entra-id-ssoready.xml": ("https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/", "2026-11-16"),
    "okta-ssoready.xml": ("http://www.okta.com/exkdoocxa1VmjpXmX697", "2034-04-25"),
    "google-workspace-ssoready.xml": ("https://accounts.google.com/o/saml2?idpid=C029op2ga", "2028-07-19"),
}


def corpus(name: str) -> bytes:
    path = REALWORLD / "metadata" / name
    if not path.is_file():
        pytest.skip("../shared/realworld is not available")
    return path.read_bytes()


def checks(report: MetadataReport) -> set[str]:
    return {f.details.get("check") for f in report.findings if f.code == "F5"}


# ---- the real-world corpus ---------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("path", METADATA_FILES, ids=lambda p: p.name)
def test_every_realworld_metadata_file_parses_with_entity_id_endpoint_and_certificate(path):
    report = load_metadata(path.read_bytes(), now=CORPUS_DAY)
    entity_id, not_after = EXPECTED[path.name]
    assert report.entity_id == entity_id
    assert report.sso_endpoints and all(e.location.startswith("https://") for e in report.sso_endpoints)
    assert len(report.certificates) == 1
    cert = report.certificates[0]
    assert f"{cert.not_after:%Y-%m-%d}" == not_after
    assert cert.key_type == "RSA" and cert.key_size == 2048
    assert len(cert.sha256_fingerprint.split(":")) == 32
    assert cert.pem.startswith("-----BEGIN CERTIFICATE-----")


@needs_corpus
@pytest.mark.parametrize("path", METADATA_FILES, ids=lambda p: p.name)
def test_realworld_metadata_reads_the_same_from_bytes_and_text(path):
    from_bytes = load_metadata(path.read_bytes(), now=CORPUS_DAY)
    from_text = load_metadata(path.read_text(encoding="utf-8"), now=CORPUS_DAY)
    assert from_bytes.entity_id == from_text.entity_id
    assert from_bytes.certificates == from_text.certificates
    assert checks(from_bytes) == checks(from_text)


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("aws-idc")])
def test_identity_center_console_metadata_is_acceptable_to_iam(name):
    report = load_metadata(corpus(name), now=CORPUS_DAY)
    assert report.iam_ok
    assert report.findings == []
    assert report.is_identity_center
    assert report.certificates[0].subject == "C=US,O=Amazon,OU=IDAS,CN=amazonaws.com"
    assert report.certificates[0].self_signed
    assert {e.binding_name for e in report.sso_endpoints} == {"HTTP-POST", "HTTP-Redirect"}
    assert [e.location for e in report.slo_endpoints][0].endswith(report.entity_id.rsplit("/", 1)[-1])


def test_entra_metadata_with_bom_is_parsed_but_iam_would_reject_it():
    report = load_metadata(corpus("entra-id-ssoready.xml"), now=CORPUS_DAY)
    assert report.has_bom
    assert not report.iam_ok
    bom = [f for f in report.findings if f.details.get("check") == "bom"]
    assert bom and bom[0].severity is Severity.ERROR and "byte order mark" in bom[0].message
    assert "without BOM" in bom[0].fix


def test_entra_metadata_skips_ws_federation_role_descriptors_and_reads_slo():
    report = load_metadata(corpus("entra-id-ssoready.xml"), now=CORPUS_DAY)
    assert report.signed
    assert [e.binding_name for e in report.sso_endpoints] == ["HTTP-Redirect", "HTTP-POST"]
    assert [e.binding_name for e in report.slo_endpoints] == ["HTTP-Redirect"]
    assert report.certificates[0].subject == "CN=Microsoft Azure Federated SSO Certificate"


def test_entra_certificate_expired_before_corpus_date_is_reported_as_f18():
    report = load_metadata(corpus("entra-id-ssoready.xml"), now=CORPUS_DAY)
    f18 = [f for f in report.findings if f.code == "F18"]
    assert len(f18) == 1
    assert f18[0].severity is Severity.ERROR
    assert "expired on 2026-11-16" in f18[0].message
    assert "Response signature invalid" in f18[0].message
    assert f18[0].details["days_left"] < 0


def test_certificate_expiring_within_90_days_is_a_warning():
    report = load_metadata(corpus("aws-idc-us-east-1-sourcefuse-example.xml"),
                           now=datetime(2028, 6, 1, tzinfo=timezone.utc))
    [finding] = [f for f in report.findings if f.code == "F18"]
    assert finding.severity is Severity.WARNING
    assert "expires on 2028-08-09" in finding.message and "in 69 days" in finding.message
    assert report.iam_ok  # expiry is not a parse failure


def test_certificate_with_more_than_90_days_left_raises_nothing():
    report = load_metadata(corpus("aws-idc-us-east-1-sourcefuse-example.xml"),
                           now=datetime(2028, 5, 1, tzinfo=timezone.utc))
    assert not [f for f in report.findings if f.code == "F18"]


def test_okta_certificate_base64_with_indented_continuation_lines_is_read():
    report = load_metadata(corpus("okta-ssoready.xml"), now=CORPUS_DAY)
    assert "CN=trial-1022863" in report.certificates[0].subject
    assert report.name_id_formats == ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]


def test_google_metadata_reads_valid_until_and_query_string_entity_id():
    report = load_metadata(corpus("google-workspace-ssoready.xml"), now=CORPUS_DAY)
    assert report.valid_until == datetime(2028, 7, 19, 17, 28, 34, tzinfo=timezone.utc)
    assert "?idpid=" in report.entity_id
    assert not report.is_identity_center
    later = load_metadata(corpus("google-workspace-ssoready.xml"), now=datetime(2028, 8, 1, tzinfo=timezone.utc))
    assert "metadata.valid-until" in {f.code for f in later.findings}


# ---- prefixes, encodings and sizes ---------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "saml2:", "m:"])
def test_metadata_namespace_prefix_does_not_matter(prefix):
    idp = make_idp()
    xml = idp.metadata().decode()
    if prefix:
        xml = xml.replace("<md:", "<" + prefix).replace("</md:", "</" + prefix)
        xml = xml.replace("xmlns:md=", f"xmlns:{prefix[:-1]}=")
    else:
        xml = xml.replace("<md:", "<").replace("</md:", "</").replace("xmlns:md=", "xmlns=")
    report = load_metadata(xml, now=NOW)
    assert report.entity_id == idp.entity_id
    assert report.iam_ok and report.certificates[0].sha256_fingerprint


def test_metadata_with_an_undeclared_prefix_is_read_but_iam_would_reject_it():
    xml = make_idp().metadata().decode().replace("<md:NameIDFormat/>", "<saml2:NameIDFormat/>")
    report = load_metadata(xml, now=NOW)
    assert report.entity_id and report.certificates
    assert checks(report) == {"namespaces"} and "saml2" in report.findings[0].message


def test_helper_metadata_with_bom_reports_bom_and_still_parses():
    idp = make_idp()
    report = load_metadata(idp.metadata(bom=True), now=NOW)
    assert report.entity_id == idp.entity_id
    assert checks(report) == {"bom"} and not report.iam_ok


def test_text_starting_with_bom_character_is_reported_too():
    report = load_metadata("\ufeff" + make_idp().metadata().decode(), now=NOW)
    assert report.has_bom and "bom" in checks(report)


def test_utf16_metadata_is_reported_as_wrong_encoding():
    data = make_idp().metadata().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    report = load_metadata(data, now=NOW)
    assert report.entity_id and "encoding" in checks(report)
    assert "UTF-16" in next(f.message for f in report.findings if f.details.get("check") == "encoding")


def test_metadata_under_1000_characters_is_too_small_for_iam():
    idp = make_idp()
    xml = (f'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{idp.entity_id}">'
           '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>')
    report = load_metadata(xml, now=NOW)
    assert {"too-small", "no-certificate"} <= checks(report)
    assert "at least 1,000" in next(f.message for f in report.findings if f.details.get("check") == "too-small")


def test_metadata_over_10_million_characters_is_refused_without_parsing():
    xml = make_idp().metadata().decode().replace("<md:NameIDFormat/>", "<!--" + "x" * 10_000_001 + "-->")
    started = time.monotonic()
    report = load_metadata(xml, now=NOW)
    assert time.monotonic() - started < 2
    assert checks(report) == {"too-large"} and report.entity_id is None
    assert "at most 10,000,000" in report.findings[0].message


# ---- things that are not metadata --------------------------------------------------------------

def test_pem_certificate_instead_of_metadata_is_named_as_such():
    idp = make_idp()
    report = load_metadata(idp.cert_pem, now=NOW)
    assert checks(report) == {"pem"}
    assert "PEM certificate" in report.findings[0].message and "not the SAML metadata" in report.findings[0].message
    assert report.certificates[0].subject == "C=US,O=Amazon,OU=IDAS,CN=amazonaws.com"
    assert not report.iam_ok


def test_binary_der_certificate_instead_of_metadata_is_named_as_such():
    idp = make_idp()
    report = load_metadata(idp.cert.public_bytes(serialization.Encoding.DER), now=NOW)
    assert checks(report) == {"certificate-file"} and "DER" in report.findings[0].message
    assert report.certificates


def test_private_key_instead_of_metadata_warns_not_to_share_it():
    pem = rsa_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()
    report = load_metadata(pem, now=NOW)
    assert checks(report) == {"private-key"} and "Never upload or share" in report.findings[0].message


def test_html_page_instead_of_metadata_is_named_as_such():
    html = ("<!DOCTYPE html><html><head><title>IAM Identity Center</title></head><body>"
            + "<div>Amazon Connect application</div>" * 40 + "</body></html>")
    report = load_metadata(html, now=NOW)
    assert checks(report) == {"html"}
    assert "HTML web page" in report.findings[0].message and "Download" in report.findings[0].fix


def test_saml_response_instead_of_metadata_is_named_as_such():
    report = load_metadata(make_idp().response(), now=NOW)
    assert checks(report) == {"not-metadata"}
    assert "SAML response" in report.findings[0].message


def test_aws_service_provider_metadata_is_recognised_as_the_wrong_side():
    xml = ('<?xml version="1.0"?><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
           'entityID="urn:amazon:webservices"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
           '<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
           'Location="https://signin.aws.amazon.com/saml" index="1"/>' + " " * 1000 + "</SPSSODescriptor></EntityDescriptor>")
    report = load_metadata(xml, now=NOW)
    assert checks(report) == {"not-metadata"}
    assert "AWS's own service-provider metadata" in report.findings[0].message


def test_other_xml_is_not_metadata():
    report = load_metadata("<policy>" + "<rule/>" * 200 + "</policy>", now=NOW)
    assert checks(report) == {"not-metadata"} and "<policy>" in report.findings[0].message


def test_garbage_raises_a_sentence():
    with pytest.raises(SamlError) as caught:
        load_metadata(b"<EntityDescriptor><unclosed></EntityDescriptor>" + b" " * 1000)
    assert "not well-formed XML" in caught.value.message and caught.value.fix


def test_text_that_is_neither_xml_nor_an_existing_path_raises():
    with pytest.raises(SamlError, match="neither SAML metadata XML nor the metadata's text"):
        load_metadata("certainly-not-a-file.xml")


def test_a_path_is_refused_because_the_saml_package_reads_no_files(tmp_path):
    path = tmp_path / "metadata.xml"
    path.write_text("<x/>")
    with pytest.raises(SamlError, match="not the path") as caught:
        load_metadata(path)
    assert "read_bytes()" in caught.value.fix


# ---- certificates IAM rejects --------------------------------------------------------------------

def test_certificate_key_under_1024_bits_is_rejected():
    idp = make_idp()
    weak = certificate_for_public_key(weak_rsa_public_key(512), idp.key)
    report = load_metadata(idp.metadata(certs=[weak]), now=NOW)
    assert report.certificates[0].key_size == 512
    [finding] = [f for f in report.findings if f.details.get("check") == "small-key"]
    assert "512-bit RSA key" in finding.message and "at least 1024" in finding.message
    assert not report.iam_ok


def test_certificate_with_repeated_extension_is_rejected():
    idp = make_idp()
    duplicated = self_signed_certificate(idp.key, duplicate_extension=True)
    report = load_metadata(idp.metadata(certs=[duplicated]), now=NOW)
    assert report.certificates[0].repeated_extensions
    assert "repeated-extensions" in checks(report) and not report.iam_ok


def test_repeated_extensions_elements_are_rejected():
    xml = make_idp().metadata().decode().replace(
        "<md:IDPSSODescriptor", "<md:Extensions/><md:Extensions/><md:IDPSSODescriptor", 1)
    report = load_metadata(xml, now=NOW)
    assert "repeated-extensions" in checks(report)
    assert "more than one <Extensions>" in next(
        f.message for f in report.findings if f.details.get("check") == "repeated-extensions")


def test_metadata_without_signing_certificate_is_rejected():
    report = load_metadata(make_idp().metadata(certs=[]), now=NOW)
    assert checks(report) == {"no-certificate"}


def test_rotation_metadata_lists_every_signing_certificate():
    idp = make_idp()
    second = self_signed_certificate(rsa_key(2048, "next"), not_before=NOW - timedelta(days=1))
    report = load_metadata(idp.metadata(certs=[idp.cert, second, idp.cert]), now=NOW)
    assert len(report.certificates) == 2 and report.iam_ok


def test_encryption_only_certificates_are_not_signing_certificates():
    xml = make_idp().metadata().decode().replace('use="signing"', 'use="encryption"')
    report = load_metadata(xml, now=NOW)
    assert report.certificates == [] and "no-certificate" in checks(report)


# ---- hostile input ------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>'
)


def test_billion_laughs_metadata_fails_fast_with_a_sentence():
    started = time.monotonic()
    with pytest.raises(SamlError) as caught:
        load_metadata(BILLION_LAUGHS + " " * 1000)
    assert time.monotonic() - started < 1
    assert "DTD" in caught.value.message


def test_external_entity_in_metadata_is_never_read():
    xml = ('<?xml version="1.0"?><!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;">'
           + " " * 1000 + "</md:EntityDescriptor>")
    with pytest.raises(SamlError) as caught:
        load_metadata(xml)
    assert "root:" not in str(caught.value)


def test_external_entity_hidden_in_utf16_is_still_refused():
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>')
    with pytest.raises(SamlError, match="DTD"):
        load_metadata(xml.encode("utf-16"))


def test_any_dtd_is_refused_even_without_entities():
    xml = make_idp().metadata().decode().replace("?>", '?><!DOCTYPE md:EntityDescriptor SYSTEM "http://127.0.0.1:9/x.dtd">', 1)
    with pytest.raises(SamlError, match="DTD"):
        load_metadata(xml)
