"""Structure is checked in every mode; diagnoses are honest; responses are judged as at any moment."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from lxml import etree

from saml_helpers import NOW, SAML, FakeIdp, make_idp, rsa_key, self_signed_certificate
from workshop_lib.cli import main as cli_main
from workshop_lib.errors import SamlError
from workshop_lib.saml import inspect_response, load_metadata, verify_response

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ATTACKER = "attacker@evil.example"


@pytest.fixture(scope="module")
def idp():
    return make_idp()


@pytest.fixture(scope="module")
def metadata(idp):
    return load_metadata(idp.metadata(), now=NOW)


def strip_namespaces(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    return etree.tostring(root)


def wrapped(idp) -> bytes:
    """The classic wrapping attack: an unsigned evil assertion first, the signed one hidden after it."""
    root = etree.fromstring(idp.response(sign="assertion"))
    signed = root.find(f"{{{SAML}}}Assertion")
    evil = copy.deepcopy(signed)
    evil.remove(evil.find(f"{DS}Signature"))
    evil.set("ID", "_evil")
    evil.find(f".//{{{SAML}}}NameID").text = ATTACKER
    root.insert(list(root).index(signed), evil)
    return etree.tostring(root)


# ---- structure in every mode --------------------------------------------------------------------------

@pytest.mark.parametrize("with_metadata", [False, True])
def test_a_response_with_no_saml_namespace_is_refused_with_or_without_metadata(idp, metadata, with_metadata):
    xml = strip_namespaces(idp.response(sign=None))
    inspection = inspect_response(xml, metadata if with_metadata else None, now=NOW)
    assert inspection.refused and inspection.findings[0].code == "F4"
    assert "no namespace at all" in inspection.findings[0].message
    assert inspection.verdict.startswith("REFUSED")


def test_a_response_in_the_wrong_namespace_names_that_namespace(idp):
    xml = idp.response(sign=None).replace(b"urn:oasis:names:tc:SAML:2.0:assertion", b"urn:example:not-saml")
    inspection = inspect_response(xml, None, now=NOW)
    assert inspection.refused and "'urn:example:not-saml'" in inspection.findings[0].message


@pytest.mark.parametrize("with_metadata", [False, True])
def test_a_wrapping_attack_gets_one_verdict_and_no_attacker_values(idp, metadata, with_metadata, tmp_path, capsys):
    inspection = inspect_response(wrapped(idp), metadata if with_metadata else None, now=NOW)
    assert inspection.refused and len(inspection.findings) == 1
    assert "2 assertions" in inspection.findings[0].message
    path = tmp_path / "wrapped.xml"
    path.write_bytes(wrapped(idp))
    meta = tmp_path / "metadata.xml"
    meta.write_bytes(idp.metadata())
    extra = ["--metadata", str(meta)] if with_metadata else []
    assert cli_main(["saml", "inspect", str(path), "--at", "2026-11-27 12:00", *extra]) == 1
    out = capsys.readouterr().out
    assert ATTACKER not in out and "NameID" not in out
    assert "not signed" not in out.lower()  # no contradictory line beside the refusal
    assert out.count("Verdict:") == 1 and "Verdict: REFUSED" in out


def test_a_missing_assertion_id_is_refused_without_metadata(idp):
    root = etree.fromstring(idp.response(sign=None))
    del root.find(f"{{{SAML}}}Assertion").attrib["ID"]
    inspection = inspect_response(etree.tostring(root), None, now=NOW)
    assert inspection.refused and "has no ID attribute" in inspection.findings[0].message


def test_a_saml_1_version_is_refused(idp):
    root = etree.fromstring(idp.response(sign=None))
    root.set("Version", "1.1")
    inspection = inspect_response(etree.tostring(root), None, now=NOW)
    assert inspection.refused and "SAML 2.0" in inspection.findings[0].message


def test_reference_uri_empty_is_a_structural_refusal_not_tampering(idp, metadata):
    root = etree.fromstring(idp.response(sign="assertion"))
    root.find(f".//{DS}Reference").set("URI", "")
    with pytest.raises(SamlError) as caught:
        verify_response(etree.tostring(root), metadata=metadata, now=NOW)
    message = caught.value.message
    assert "does not name the element it signs" in message and "structural" in message
    assert "says nothing about whether the content was changed" in message
    assert "in transit" not in caught.value.fix and "altering" not in caught.value.fix


# ---- honest diagnoses: three failures, three findings ----------------------------------------------

def old_idp() -> FakeIdp:
    key = rsa_key(2048, "old")
    cert = self_signed_certificate(key, not_before=NOW - timedelta(days=6 * 365), not_after=NOW - timedelta(days=2))
    return FakeIdp(key=key, cert=cert)


def tampered(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for attribute in root.iter(f"{{{SAML}}}Attribute"):
        if attribute.get("Name").endswith("/RoleSessionName"):
            attribute[0].text = "admin@example.com"
    return etree.tostring(root)


def test_changed_content_under_an_expired_certificate_is_still_changed_content():
    """The retry at the certificate's start date must not swallow the digest error (it used to say 'rotated')."""
    idp = old_idp()
    meta = load_metadata(idp.metadata(), now=NOW)
    with pytest.raises(SamlError) as caught:
        verify_response(tampered(idp.response()), metadata=meta, now=NOW)
    assert caught.value.code == "F4" and "was changed after signing" in caught.value.message
    assert "rotated" not in caught.value.message and "another key" not in caught.value.message
    [expiry] = caught.value.findings  # the expired certificate is a separate finding, with its own fix
    assert expiry.code == "F18" and "expired on" in expiry.message and "new certificate" in expiry.fix
    inspection = inspect_response(tampered(idp.response()), meta, now=NOW)
    assert [f.code for f in inspection.findings[:2]] == ["F4", "F18"]


def test_the_three_signature_failures_have_three_different_fixes(idp, metadata):
    other = FakeIdp(key=rsa_key(2048, "other"), cert=self_signed_certificate(rsa_key(2048, "other")))
    old = old_idp()
    old_meta = load_metadata(old.metadata(), now=NOW)
    errors = {}
    for name, xml, meta in (("wrong key", other.response(), metadata),
                            ("expired", old.response(), old_meta),
                            ("changed", tampered(idp.response()), metadata)):
        with pytest.raises(SamlError) as caught:
            verify_response(xml, metadata=meta, now=NOW)
        errors[name] = caught.value
    assert "another key" in errors["wrong key"].message and "update_saml_provider" in errors["wrong key"].fix
    assert errors["expired"].code == "F18" and "expired on" in errors["expired"].message
    assert "changed after signing" in errors["changed"].message and "without editing" in errors["changed"].fix
    assert len({e.fix for e in errors.values()}) == 3


def test_an_expired_certificate_verifies_when_judged_as_at_a_moment_it_was_valid():
    idp = old_idp()
    then = NOW - timedelta(days=30)
    verified = verify_response(idp.response(now=then), metadata=idp.metadata(), now=then)
    assert verified.signed_element == "Assertion"


# ---- judged as at any moment ------------------------------------------------------------------------

def test_at_judges_an_old_response_as_at_its_time(idp, tmp_path, capsys):
    then = NOW - timedelta(days=400)
    path = tmp_path / "old.xml"
    path.write_bytes(idp.response(now=then))
    meta = tmp_path / "metadata.xml"
    meta.write_bytes(make_idp("at-test", not_before=then - timedelta(days=1)).metadata())
    assert cli_main(["saml", "inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[expired]" in out and "saml.expired" not in out  # plain words, never the internal id
    assert cli_main(["saml", "inspect", str(path), "--at", then.strftime("%Y-%m-%d %H:%M")]) == 0
    out = capsys.readouterr().out
    assert f"Judged as at:    {then.day} {then:%b %Y, %H:%M:00} UTC" in out
    assert cli_main(["saml", "inspect", str(path), "--at", "issued"]) == 0


def test_at_with_nonsense_is_a_usage_error(idp, tmp_path, capsys):
    path = tmp_path / "r.xml"
    path.write_bytes(idp.response())
    assert cli_main(["saml", "inspect", str(path), "--at", "yesterday-ish"]) == 2
    assert "is not a date and time" in capsys.readouterr().err


def test_the_inspector_widget_judges_as_at_its_field_and_shows_plain_names(idp):
    from workshop_lib.ui.inspectors import SamlInspector

    widget = SamlInspector()
    widget.at.value = "2026-11-27 12:00"
    findings = widget.inspect(text=idp.response().decode(), metadata=idp.metadata())
    assert "saml.expired" not in [f.code for f in findings]
    html = widget.result.value
    assert "27 Nov 2026, 12:00:00 UTC" in html and "response envelope not signed" in html
    assert "saml.envelope-unsigned" not in html and "saml." not in html
    widget.at.value = ""
    widget.inspect(text=wrapped(idp).decode(), metadata=b"")
    assert "REFUSED" in widget.result.value and ATTACKER not in widget.result.value
    widget.at.value = "not a time"
    widget.inspect(text=idp.response().decode(), metadata=b"")
    assert "is not a date and time" in widget.result.value
