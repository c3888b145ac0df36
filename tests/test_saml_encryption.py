"""Encrypted assertions: judged with the key, honestly 'not judged' without it, never exit 0 unjudged."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saml_helpers import (
    AGENT_EMAIL,
    NOW,
    SAML,
    encrypt_element,
    encrypted_response,
    make_idp,
    private_pem,
    rsa_key,
    self_signed_certificate,
)
from workshop_lib.cli import main as cli_main
from workshop_lib.errors import SamlError
from workshop_lib.findings import Severity
from workshop_lib.saml import inspect_response, load_metadata, verify_response

XENC = "{http://www.w3.org/2001/04/xmlenc#}"


@pytest.fixture(scope="module")
def idp():
    return make_idp()


@pytest.fixture(scope="module")
def metadata(idp):
    return load_metadata(idp.metadata(), now=NOW)


@pytest.fixture(scope="module")
def sp_key():
    return rsa_key(2048, "sp-encryption")


@pytest.fixture(scope="module")
def other_key():
    return rsa_key(2048, "another-sp")


def codes(findings):
    return [f.code for f in findings]


@pytest.mark.parametrize("transport", ["rsa-oaep-mgf1p", "rsa-oaep", "rsa-1_5"])
@pytest.mark.parametrize("cipher", ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"])
def test_every_supported_algorithm_decrypts_and_the_assertion_is_judged(idp, metadata, sp_key, transport, cipher):
    xml = encrypted_response(idp, sp_key, transport=transport, cipher=cipher)
    inspection = inspect_response(xml, metadata, private_key=private_pem(sp_key), now=NOW)
    assert inspection.judged and inspection.verified is not None
    assert inspection.response.decrypted and inspection.response.name_id == AGENT_EMAIL
    assert inspection.response.signed_parts == "response and assertion"
    assert not [f for f in inspection.findings if f.severity is not Severity.INFO]


def test_a_valid_response_signature_is_valid_even_though_the_assertion_is_encrypted(idp, metadata, sp_key):
    inspection = inspect_response(encrypted_response(idp, sp_key), metadata, now=NOW)
    assert inspection.verified is not None and inspection.verified.signed_element == "Response"
    assert inspection.signature_line.startswith("valid")
    assert not inspection.judged and "saml.encrypted-unjudged" in codes(inspection.findings)
    assert "NOT JUDGED" in inspection.verdict


def test_without_the_key_it_says_what_was_and_was_not_judged(idp, sp_key):
    inspection = inspect_response(encrypted_response(idp, sp_key), None, now=NOW)
    [finding] = [f for f in inspection.findings if f.code == "saml.encrypted-unjudged"]
    assert finding.severity is Severity.WARNING
    assert "NOT judged" in finding.message and "its own signature" in finding.message
    assert "What was checked: the structure of the response" in finding.message
    assert "--private-key" in finding.fix


def test_the_assertion_signature_is_checked_after_decryption(idp, metadata, sp_key):
    """Only the assertion signed: the Response is unsigned, so the inner signature is what is trusted."""
    xml = encrypted_response(idp, sp_key, sign_response=False)
    verified = verify_response(xml, metadata=metadata, now=NOW, private_key=private_pem(sp_key))
    assert verified.signed_element == "Assertion" and verified.response.name_id == AGENT_EMAIL


def test_a_forged_assertion_encrypted_to_the_right_key_fails_its_own_signature(idp, metadata, sp_key):
    """Anyone can encrypt to the SP's public key; the inner assertion's signature must still hold."""
    forger = make_idp("forger")
    forger = type(forger)(key=rsa_key(2048, "forger"), cert=self_signed_certificate(rsa_key(2048, "forger")),
                          app_token=idp.app_token)
    xml = encrypted_response(forger, sp_key, sign_response=False, name_id="admin@example.com")
    with pytest.raises(SamlError, match="another key"):
        verify_response(xml, metadata=metadata, now=NOW, private_key=private_pem(sp_key))


def test_an_unsigned_encrypted_response_is_refused_once_decrypted(idp, metadata, sp_key):
    xml = encrypted_response(idp, sp_key, sign_response=False, sign_assertion=False)
    with pytest.raises(SamlError, match="not signed"):
        verify_response(xml, metadata=metadata, now=NOW, private_key=private_pem(sp_key))
    inspection = inspect_response(xml, metadata, private_key=private_pem(sp_key), now=NOW)
    assert "F4" in codes(inspection.findings) and inspection.judged


def test_an_unsigned_encrypted_response_without_the_key_is_not_judged_and_says_the_response_is_unsigned(idp, sp_key):
    xml = encrypted_response(idp, sp_key, sign_response=False, sign_assertion=False)
    inspection = inspect_response(xml, None, now=NOW)
    assert not inspection.judged
    assert "Response itself is not signed" in inspection.findings[0].message


def test_the_wrong_private_key_is_named_as_such(idp, metadata, sp_key, other_key):
    with pytest.raises(SamlError, match="cannot be decrypted with the given private key"):
        inspect_response(encrypted_response(idp, sp_key), metadata, private_key=private_pem(other_key), now=NOW)


def test_changed_ciphertext_is_named_as_damaged(idp, metadata, sp_key):
    root = etree.fromstring(encrypted_response(idp, sp_key, sign_response=False))
    value = root.find(f".//{XENC}EncryptedData/{XENC}CipherData/{XENC}CipherValue")
    value.text = value.text[:40] + ("A" if value.text[40] != "A" else "B") + value.text[41:]
    with pytest.raises(SamlError, match="damaged or changed"):
        inspect_response(etree.tostring(root), metadata, private_key=private_pem(sp_key), now=NOW)


def test_a_plain_assertion_smuggled_beside_an_encrypted_one_is_refused_without_any_key(idp, sp_key):
    root = etree.fromstring(encrypted_response(idp, sp_key))
    evil = etree.fromstring(idp.response(sign=None, name_id="admin@example.com")).find(f"{{{SAML}}}Assertion")
    root.append(evil)
    inspection = inspect_response(etree.tostring(root), None, now=NOW)
    assert inspection.refused and "2 assertions" in inspection.findings[0].message
    assert "admin@example.com" not in str(inspection.findings)


def test_encrypted_name_id_and_attribute_are_decrypted_inside_a_signed_assertion(idp, metadata, sp_key):
    """EncryptedID and EncryptedAttribute are encrypted first, then the assertion is signed over them."""
    import uuid

    from saml_helpers import build_assertion, build_response_around

    assertion_id = "_" + uuid.uuid4().hex
    assertion = etree.fromstring(build_assertion(assertion_id, issuer=idp.entity_id, placeholder=True))
    subject = assertion.find(f"{{{SAML}}}Subject")
    name_id = subject.find(f"{{{SAML}}}NameID")
    subject.replace(name_id, encrypt_element(copy.deepcopy(name_id), sp_key.public_key(), wrapper="EncryptedID"))
    attribute = assertion.find(f".//{{{SAML}}}Attribute")
    attribute.getparent().replace(attribute, encrypt_element(copy.deepcopy(attribute), sp_key.public_key(),
                                                             wrapper="EncryptedAttribute", key_inside=False))
    signed = idp.sign_element(assertion, assertion_id)
    xml = etree.tostring(build_response_around(signed, "_r" + uuid.uuid4().hex, issuer=idp.entity_id))

    without = inspect_response(xml, metadata, now=NOW)
    assert "saml.encrypted-parts" in codes(without.findings) and without.response.name_id is None
    with_key = inspect_response(xml, metadata, private_key=private_pem(sp_key), now=NOW)
    assert with_key.verified is not None and with_key.response.name_id == AGENT_EMAIL
    assert with_key.response.roles and "F1" not in codes(with_key.findings)


def test_xmlsec_encrypted_assertion_is_decrypted(idp, metadata, sp_key):
    """Interoperability: an assertion encrypted by xmlsec (libxmlsec1), not by this project's helper."""
    import xmlsec
    from cryptography.hazmat.primitives import serialization

    sp_cert = self_signed_certificate(sp_key, cn="sp.example.com")
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(sp_cert.public_bytes(serialization.Encoding.PEM),
                                           xmlsec.constants.KeyDataFormatCertPem))
    response = etree.fromstring(idp.response(sign="assertion"))
    assertion = response.find(f"{{{SAML}}}Assertion")
    holder = etree.SubElement(response, f"{{{SAML}}}EncryptedAssertion", nsmap={"saml2": SAML})
    response.remove(assertion)
    holder.append(assertion)
    template = xmlsec.template.encrypted_data_create(response, xmlsec.constants.TransformAes256Cbc,
                                                     type=xmlsec.EncryptionType.ELEMENT, ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="dsig")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession)
    context.encrypt_xml(template, assertion)
    inspection = inspect_response(etree.tostring(response), metadata, private_key=private_pem(sp_key), now=NOW)
    assert inspection.verified is not None and inspection.response.name_id == AGENT_EMAIL


def test_a_passphrase_protected_or_non_key_file_is_a_sentence(idp, sp_key):
    from cryptography.hazmat.primitives import serialization

    locked = sp_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"secret"))
    xml = encrypted_response(idp, sp_key)
    with pytest.raises(SamlError, match="passphrase"):
        inspect_response(xml, None, private_key=locked, now=NOW)
    with pytest.raises(SamlError, match="not a private key"):
        inspect_response(xml, None, private_key=idp.cert_pem.encode(), now=NOW)


# ---- the command: no unjudged response exits 0 --------------------------------------------------------

def run(*argv):
    return cli_main(list(argv))


@pytest.fixture()
def files(tmp_path, idp, sp_key):
    paths = {
        "metadata": tmp_path / "metadata.xml",
        "key": tmp_path / "key.pem",
        "encrypted": tmp_path / "encrypted.xml",
        "unsigned": tmp_path / "unsigned.xml",
    }
    paths["metadata"].write_bytes(idp.metadata())
    paths["key"].write_bytes(private_pem(sp_key))
    paths["encrypted"].write_bytes(encrypted_response(idp, sp_key, now=NOW))
    paths["unsigned"].write_bytes(encrypted_response(idp, sp_key, now=NOW, sign_response=False, sign_assertion=False))
    return {k: str(v) for k, v in paths.items()}


@pytest.mark.parametrize("kind", ["encrypted", "unsigned"])
@pytest.mark.parametrize("with_metadata", [False, True])
def test_an_encrypted_response_without_the_key_never_exits_0(files, kind, with_metadata, capsys):
    extra = ["--metadata", files["metadata"]] if with_metadata else []
    assert run("saml", "inspect", files[kind], "--at", "2026-11-27 12:00", *extra) == 1
    out = capsys.readouterr().out
    assert "Verdict: NOT JUDGED" in out and "was not read (no --private-key)" in out


def test_with_the_key_the_command_judges_the_decrypted_assertion(files, capsys):
    code = run("saml", "inspect", files["encrypted"], "--metadata", files["metadata"], "--private-key", files["key"],
               "--at", "2026-11-27T12:00:00Z", "--role-arn", "arn:aws:iam::111122223333:role/Other")
    out = capsys.readouterr().out
    assert code == 1 and "has been decrypted" in out and f"NameID:          {AGENT_EMAIL}" in out
    assert "[F2]" in out  # the decrypted Role attribute was judged
    assert "BEGIN" not in out  # the key is never printed


def test_with_the_key_a_good_encrypted_response_exits_0(files, capsys):
    code = run("saml", "inspect", files["encrypted"], "--metadata", files["metadata"], "--private-key", files["key"],
               "--at", "2026-11-27 12:00")
    assert code == 0, capsys.readouterr().out


def test_a_missing_key_file_is_a_usage_error(files, tmp_path, capsys):
    assert run("saml", "inspect", files["encrypted"], "--private-key", str(tmp_path / "nope.pem")) == 2
