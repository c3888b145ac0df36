"""Decoding and reading SAML responses: real-world files, every way a learner may paste one, hostile XML."""

from __future__ import annotations

import base64
import time
import urllib.parse
import zlib
from datetime import datetime, timezone

import pytest
from lxml import etree

from saml_helpers import (
    ACS,
    AGENT_EMAIL,
    NOW,
    PROVIDER_ARN,
    REALWORLD,
    ROLE_ARN,
    b64,
    har,
    har_post,
    make_idp,
    realworld_files,
)
from workshop_lib.errors import SamlError
from workshop_lib.findings import Severity
from workshop_lib.saml import SamlResponse, decode_response, parse_response

RESPONSE_FILES = realworld_files("responses")
needs_corpus = pytest.mark.skipif(not RESPONSE_FILES, reason="../shared/realworld is not available")


def corpus(name: str) -> bytes:
    path = REALWORLD / "responses" / name
    if not path.is_file():
        pytest.skip("../shared/realworld is not available")
    return path.read_bytes()


@pytest.fixture(scope="module")
def signed_xml() -> bytes:
    return make_idp().response(sign="assertion")


# ---- the real-world corpus ---------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("path", RESPONSE_FILES, ids=lambda p: p.name)
def test_every_realworld_response_is_read_with_roles_and_session_name(path):
    resp = parse_response(path.read_bytes())
    assert isinstance(resp, SamlResponse)
    assert resp.roles and all(":role/" in r and ":saml-provider/" in p for r, p in resp.roles)
    assert resp.role_session_name
    assert resp.effective_issuer and resp.effective_issuer == resp.effective_issuer.strip()
    assert resp.recipient == ACS
    assert resp.assertion_count == 1
    assert resp.signed_parts == "assertion"
    assert not resp.verified
    assert resp.raw.lstrip().startswith(b"<")


@needs_corpus
@pytest.mark.parametrize("path", RESPONSE_FILES, ids=lambda p: p.name)
def test_every_realworld_response_decodes_from_base64_the_same(path):
    raw = path.read_bytes()
    assert parse_response(b64(raw)).roles == parse_response(raw).roles


def test_adfs_response_in_provider_then_role_order_gives_role_first():
    resp = parse_response(corpus("saml2aws-adfs-assertion.xml"))
    assert resp.roles == [
        ("arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSBuild", "arn:aws:iam::123123123123:saml-provider/ExampleADFS"),
        ("arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSNonProd", "arn:aws:iam::123123123123:saml-provider/ExampleADFS"),
    ]
    assert resp.name_id == "EXAMPLE\\wolfeidau"
    assert resp.name_id_format.endswith(":persistent")
    assert resp.destination == ACS and resp.audiences == ["urn:amazon:webservices"]
    assert resp.not_before == datetime(2016, 9, 10, 2, 54, 39, 371000, tzinfo=timezone.utc)
    assert resp.subject_not_on_or_after == datetime(2016, 9, 10, 2, 59, 39, 387000, tzinfo=timezone.utc)


def test_adfs_undeclared_saml2_prefix_is_tolerated_and_reported():
    resp = parse_response(corpus("saml2aws-adfs-assertion.xml"))
    assert resp.session_duration == 28800  # read from the <saml2:Attribute> with the unbound prefix
    [finding] = [f for f in resp.findings if f.code == "saml.namespaces"]
    assert "saml2" in finding.message and finding.severity is Severity.WARNING


def test_invalid_date_is_reported_not_raised():
    resp = parse_response(corpus("saml2aws-adfs-assertion-invalid-date.xml"))
    assert resp.subject_not_on_or_after is None
    [finding] = [f for f in resp.findings if f.code == "saml.bad-time"]
    assert "This-is-invalid-2016-09-10F32:59:39.387Z" in finding.message
    assert finding.details["field"] == "SubjectConfirmationData NotOnOrAfter"
    assert resp.not_on_or_after is not None  # the Conditions time is still read


def test_response_without_destination_has_none():
    resp = parse_response(corpus("saml2aws-adfs-assertion-no-destination.xml"))
    assert resp.destination is None and resp.recipient == ACS


def test_pingfed_response_in_no_namespace_with_padded_values_is_trimmed():
    resp = parse_response(corpus("saml2aws-pingfed-assertion.xml"))
    assert resp.issuer == "id:example:com:au:saml2"
    assert resp.audiences == ["urn:amazon:webservices"]
    assert resp.role_session_name == "evan.mclean"
    assert len(resp.roles) == 5
    assert {r.split(":")[4] for r, _ in resp.roles} == {"456456456456", "789789789789", "123123123123"}
    assert resp.attributes["http://schemas.xmlsoap.org/claims/CommonName"] == ["Evan McLean"]


def test_entra_response_keeps_microsoft_role_claim_apart_from_aws_role():
    resp = parse_response(corpus("saml2aws-aad-response.xml"))
    assert resp.issuer == "https://sts.windows.net/25f4519b-eca5-405d-b516-123af862c268/"
    assert len(resp.roles) == 2
    assert "http://schemas.microsoft.com/ws/2008/06/identity/claims/role" in resp.attributes
    assert resp.not_before == resp.not_on_or_after  # a zero-length window
    assert resp.session_duration is None


def test_google_response_reads_session_duration_and_acs_audience():
    resp = parse_response(corpus("aws-google-auth-google-response.xml"))
    assert resp.session_duration == 28800
    assert resp.audiences == [ACS]
    assert resp.issuer == "https://accounts.google.com/o/saml2?idpid=abcd12345"


# ---- the test IdP's responses -------------------------------------------------------------------

def test_identity_center_style_response_is_read_completely(signed_xml):
    resp = parse_response(signed_xml)
    idp_issuer = resp.issuer
    assert idp_issuer.startswith("https://portal.sso.us-east-1.amazonaws.com/saml/assertion/")
    assert resp.assertion_issuer == idp_issuer
    assert resp.destination == ACS and resp.recipient == ACS
    assert resp.audiences == ["urn:amazon:webservices"]
    assert resp.status == "urn:oasis:names:tc:SAML:2.0:status:Success"
    assert resp.name_id == AGENT_EMAIL and resp.name_id_format.endswith("emailAddress")
    assert resp.roles == [(ROLE_ARN, PROVIDER_ARN)]
    assert resp.role_session_name == AGENT_EMAIL and resp.session_duration == 43200
    assert resp.not_on_or_after > NOW > resp.not_before
    assert resp.subject_confirmations == 1
    assert resp.findings == []


def test_bare_assertion_is_read_and_noted(signed_xml):
    root = etree.fromstring(signed_xml)
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    resp = parse_response(etree.tostring(assertion))
    assert resp.is_assertion_only and resp.destination is None and resp.status is None
    assert resp.roles == [(ROLE_ARN, PROVIDER_ARN)]
    assert [f.code for f in resp.findings] == ["saml.assertion-only"]


def test_role_value_in_provider_then_role_order_is_paired_correctly():
    xml = make_idp().response(roles=[f"{PROVIDER_ARN},{ROLE_ARN}"])
    assert parse_response(xml).roles == [(ROLE_ARN, PROVIDER_ARN)]


def test_role_value_that_is_not_a_pair_is_kept_in_attributes_but_not_in_roles():
    xml = make_idp().response(roles=[ROLE_ARN])
    resp = parse_response(xml)
    assert resp.roles == [] and resp.role_values == [ROLE_ARN]


def test_non_numeric_session_duration_is_reported():
    resp = parse_response(make_idp().response(session_duration="12h"))
    assert resp.session_duration is None
    assert "'12h'" in next(f.message for f in resp.findings if f.code == "saml.session-duration")


def test_response_with_two_assertions_is_flagged(signed_xml):
    root = etree.fromstring(signed_xml)
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    root.append(etree.fromstring(etree.tostring(assertion)))
    resp = parse_response(etree.tostring(root))
    assert resp.assertion_count == 2 and "saml.several-assertions" in {f.code for f in resp.findings}


def test_metadata_is_not_mistaken_for_a_response():
    with pytest.raises(SamlError, match="metadata, not a SAML response"):
        parse_response(make_idp().metadata())


# ---- every way to paste it --------------------------------------------------------------------

def test_decode_accepts_raw_xml_bytes_and_text(signed_xml):
    assert decode_response(signed_xml) == signed_xml
    assert decode_response(signed_xml.decode()) == signed_xml


def test_decode_accepts_base64_wrapped_at_76_columns(signed_xml):
    wrapped = base64.encodebytes(signed_xml).decode()
    assert "\n" in wrapped
    assert decode_response(wrapped) == signed_xml


def test_decode_accepts_url_encoded_base64_from_devtools(signed_xml):
    encoded = urllib.parse.quote(b64(signed_xml), safe="")
    assert "%2B" in encoded or "%2F" in encoded or "%3D" in encoded
    assert decode_response(encoded) == signed_xml


def test_decode_accepts_form_body_with_relay_state(signed_xml):
    relay = "https://us-east-1.console.aws.amazon.com/connect/federate/8c5a3f1e-0b6e-4f5b-9d57-3c8e2f6a1b2c"
    body = urllib.parse.urlencode({"SAMLResponse": b64(signed_xml), "RelayState": relay})
    assert decode_response(body) == signed_xml
    reversed_body = urllib.parse.urlencode({"RelayState": relay, "SAMLResponse": b64(signed_xml)})
    assert decode_response(reversed_body) == signed_xml


def test_decode_accepts_form_value_whose_plus_signs_became_spaces(signed_xml):
    # a trailing comment full of '>' makes the base64 contain '+' whatever the alignment
    xml = next(x for x in (signed_xml + b" " * pad + b"<!-- >>>>>>>>> -->" for pad in range(3)) if "+" in b64(x))
    assert decode_response("SAMLResponse=" + b64(xml).replace("+", " ") + "&RelayState=x") == xml


def test_decode_accepts_devtools_payload_listing(signed_xml):
    listing = f"SAMLResponse: {b64(signed_xml)}\nRelayState: https://example.invalid/"
    assert decode_response(listing) == signed_xml


def test_decode_accepts_url_safe_base64(signed_xml):
    urlsafe = base64.urlsafe_b64encode(signed_xml).decode()
    assert decode_response(urlsafe) == signed_xml


def test_decode_accepts_deflated_redirect_binding_message(signed_xml):
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflater.compress(signed_xml) + deflater.flush()
    assert decode_response(base64.b64encode(packed)) == signed_xml


def test_decode_finds_the_saml_post_in_a_har_file(signed_xml):
    other = make_idp().response(role_session_name="someone.else@example.com")
    document = har([
        {"request": {"method": "GET", "url": "https://d-1234567890.awsapps.com/start/", "headers": []}},
        har_post("https://example.com/other/acs", params=[{"name": "SAMLResponse", "value": b64(other)}]),
        har_post(ACS, params=[{"name": "SAMLResponse", "value": urllib.parse.quote(b64(signed_xml), safe="")},
                              {"name": "RelayState", "value": "x"}]),
    ])
    assert decode_response(document) == signed_xml
    assert parse_response(document.encode()).role_session_name == AGENT_EMAIL


def test_decode_reads_har_post_data_text_when_params_are_missing(signed_xml):
    body = urllib.parse.urlencode({"SAMLResponse": b64(signed_xml), "RelayState": "r"})
    assert decode_response(har([har_post(ACS, text=body)])) == signed_xml


def test_har_without_a_saml_post_explains_how_to_record_one():
    document = har([{"request": {"method": "GET", "url": "https://signin.aws.amazon.com/saml"}}])
    with pytest.raises(SamlError) as caught:
        decode_response(document)
    assert "no POST carrying a SAMLResponse" in caught.value.message and "Preserve log" in caught.value.fix


def test_json_that_is_not_a_har_file_is_named():
    with pytest.raises(SamlError, match="not a HAR file"):
        decode_response('{"SAMLResponse": "abc"}')


def test_truncated_base64_says_it_was_truncated(signed_xml):
    value = b64(signed_xml)
    cut = value[: len(value) // 2 + 1] if (len(value) // 2 + 1) % 4 else value[: len(value) // 2 + 2]
    with pytest.raises(SamlError) as caught:
        decode_response(cut)
    assert "truncated" in caught.value.message


def test_base64_cut_on_a_block_boundary_says_the_xml_was_cut_off(signed_xml):
    value = b64(signed_xml)
    with pytest.raises(SamlError, match="cut off"):
        decode_response(value[: (len(value) // 8) * 4])


def test_truncated_raw_xml_says_it_was_cut_off(signed_xml):
    with pytest.raises(SamlError, match="cut off"):
        parse_response(signed_xml[: signed_xml.rindex(b"</saml2:Attribute>") + len(b"</saml2:Attribute>")])


def test_text_that_is_neither_xml_nor_base64_is_named():
    with pytest.raises(SamlError, match="neither XML nor base64"):
        decode_response("this is my SAML response, I think!")


def test_base64_of_something_else_is_not_a_response():
    with pytest.raises(SamlError, match="not XML"):
        decode_response(base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40))


def test_empty_input_is_named():
    with pytest.raises(SamlError, match="empty"):
        decode_response("   ")


# ---- hostile input ------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol9;</samlp:Response>'
)


def test_billion_laughs_response_fails_fast():
    started = time.monotonic()
    with pytest.raises(SamlError, match="DTD"):
        parse_response(BILLION_LAUGHS)
    with pytest.raises(SamlError, match="DTD"):
        parse_response(base64.b64encode(BILLION_LAUGHS.encode()))
    assert time.monotonic() - started < 1


def test_external_entity_in_response_is_never_read():
    xml = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><x>&xxe;</x></samlp:Response>')
    with pytest.raises(SamlError) as caught:
        parse_response(xml)
    assert "root:" not in str(caught.value)


def test_comment_inside_a_value_does_not_split_it(signed_xml):
    xml = signed_xml.replace(b">agent.one@example.com</saml2:AttributeValue>",
                             b">agent.one@example.com<!-- note -->.evil.example</saml2:AttributeValue>")
    assert parse_response(xml).role_session_name == "agent.one@example.com.evil.example"


def test_response_over_the_size_cap_is_refused():
    with pytest.raises(SamlError, match="10,000,000"):
        parse_response("<Response>" + " " * 10_000_001 + "</Response>")
