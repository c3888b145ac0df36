"""The doctor and `metadata check` know IAM providers that decrypt assertions (AssertionEncryptionMode, AddPrivateKey)."""

from __future__ import annotations

import copy

import pytest

from saml_helpers import make_idp, private_pem, rsa_key
from test_doctor_helpers import intact_facts
from workshop_lib.cli import main as cli_main
from workshop_lib.doctor import check_facts
from workshop_lib.findings import Severity

_INTACT = intact_facts()


def fresh():
    return copy.deepcopy(_INTACT)


def encryption_findings(facts):
    return [f for f in check_facts(facts) if f.code == "iam.assertion-encryption"]


def test_an_intact_chain_says_nothing_about_encryption():
    assert encryption_findings(fresh()) == []


@pytest.mark.parametrize("mode", ["Required", "Allowed"])
def test_an_encryption_mode_without_a_private_key_is_an_error(mode):
    facts = fresh()
    facts.providers["agent"].encryption_mode = mode
    [finding] = encryption_findings(facts)
    assert finding.severity is Severity.ERROR and "holds no private key" in finding.message
    assert "AddPrivateKey" in finding.fix
    assert ("refuses every unencrypted one" in finding.message) == (mode == "Required")


def test_required_with_a_key_warns_that_the_application_must_encrypt():
    facts = fresh()
    facts.providers["admin"].encryption_mode = "Required"
    facts.providers["admin"].private_keys = 1
    [finding] = encryption_findings(facts)
    assert finding.severity is Severity.WARNING and "must encrypt every assertion" in finding.message
    assert "Allowed" in finding.fix


def test_allowed_with_a_key_is_only_noted():
    facts = fresh()
    facts.providers["agent"].encryption_mode = "Allowed"
    facts.providers["agent"].private_keys = 2
    [finding] = encryption_findings(facts)
    assert finding.severity is Severity.INFO and "2 private key(s)" in finding.message


def test_metadata_check_reads_the_private_key_iam_would_hold(tmp_path, capsys):
    idp = make_idp()
    metadata, key = tmp_path / "metadata.xml", tmp_path / "key.pem"
    metadata.write_bytes(idp.metadata())
    key.write_bytes(private_pem(rsa_key(2048, "sp-encryption")))
    assert cli_main(["metadata", "check", str(metadata), "--private-key", str(key)]) == 0
    out = capsys.readouterr().out
    assert "Private key: RSA 2048 bits, public key SHA-256 " in out and "BEGIN" not in out


def test_metadata_check_names_a_certificate_given_as_the_private_key(tmp_path, capsys):
    idp = make_idp()
    metadata, key = tmp_path / "metadata.xml", tmp_path / "cert.pem"
    metadata.write_bytes(idp.metadata())
    key.write_text(idp.cert_pem)
    assert cli_main(["metadata", "check", str(metadata), "--private-key", str(key)]) == 1
    out = capsys.readouterr().out
    assert "Private key: not usable" in out and "not a private key" in out
