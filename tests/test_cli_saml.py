"""`metadata check`, `saml inspect` and `doctor` on the command line: exit codes, output, and no traceback for any input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from saml_helpers import AGENT_EMAIL, PROVIDER_ARN, ROLE_ARN, b64, make_idp

from workshop_lib.cli import main

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = ROOT.parent / "shared" / "realworld"


def run(*argv, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="replace"))
    return main(list(argv))


def subprocess_cli(*argv, stdin: bytes = b"", home: Path | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("WORKSHOP_SANDBOX_ENDPOINT", None)
    env.pop("WORKSHOP_SANDBOX_HOME", None)
    if home is not None:
        env["WORKSHOP_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", *argv],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def idp():
    return make_idp("cli")


@pytest.fixture()
def files(tmp_path, idp):
    now = datetime.now(timezone.utc)
    good = tmp_path / "metadata.xml"
    good.write_bytes(idp.metadata())
    response = tmp_path / "response.xml"
    response.write_bytes(idp.response(now=now))
    encoded = tmp_path / "response.b64"
    encoded.write_text(b64(idp.response(now=now)))
    other = tmp_path / "other-metadata.xml"
    other.write_bytes(make_idp("cli-other").metadata())
    return {"metadata": good, "response": response, "b64": encoded, "other": other, "dir": tmp_path}


# ---- metadata check ------------------------------------------------------------------------------------


def test_metadata_check_prints_entity_endpoints_and_certificate(files, idp, capsys):
    assert run("metadata", "check", str(files["metadata"])) == 0
    out = capsys.readouterr().out
    assert f"entityID: {idp.entity_id}" in out
    assert "HTTP-POST" in out and "SSO endpoints:" in out
    assert "RSA 2048 bits" in out and "SHA-256:" in out and "NotAfter:" in out
    assert "Findings: none" in out and "IAM would accept it: yes" in out


def test_metadata_check_with_a_bom_exits_1_with_f5(tmp_path, idp, capsys):
    path = tmp_path / "bom.xml"
    path.write_bytes(idp.metadata(bom=True))
    assert run("metadata", "check", str(path)) == 1
    out = capsys.readouterr().out
    assert "[F5]" in out and "byte order mark" in out and "IAM would accept it: no" in out


@pytest.mark.parametrize("name", sorted(p.name for p in (REALWORLD / "metadata").glob("*.xml")) or ["missing"])
def test_metadata_check_reads_every_real_world_file(name, capsys):
    path = REALWORLD / "metadata" / name
    if not path.is_file():
        pytest.skip("../shared/realworld is not available")
    assert run("metadata", "check", str(path)) in (0, 1)
    assert "entityID: http" in capsys.readouterr().out


def test_metadata_check_reads_standard_input(files, monkeypatch, capsys):
    assert run("metadata", "check", "-", stdin=files["metadata"].read_bytes(), monkeypatch=monkeypatch) == 0
    assert "IAM would accept it: yes" in capsys.readouterr().out


def test_metadata_check_missing_file_is_a_usage_error(tmp_path, capsys):
    assert run("metadata", "check", str(tmp_path / "nope.xml")) == 2
    assert "There is no file" in capsys.readouterr().err


def test_metadata_check_directory_is_a_usage_error(tmp_path, capsys):
    assert run("metadata", "check", str(tmp_path)) == 2
    assert "is a folder" in capsys.readouterr().err


def test_metadata_check_huge_file_is_refused_without_reading_it(tmp_path, capsys):
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: nothing is written
    assert run("metadata", "check", str(path)) == 2
    assert "far larger than any metadata" in capsys.readouterr().err


def test_metadata_check_without_a_file_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        run("metadata", "check")
    assert info.value.code == 2


def test_metadata_without_an_action_is_a_usage_error(capsys):
    assert run("metadata") == 2
    assert "choose an action" in capsys.readouterr().err


# ---- saml inspect --------------------------------------------------------------------------------------


def test_saml_inspect_prints_the_fields_of_a_response(files, idp, capsys):
    code = run("saml", "inspect", str(files["response"]))
    out = capsys.readouterr().out
    assert f"Issuer:          {idp.entity_id}" in out
    assert "Recipient:       https://signin.aws.amazon.com/saml" in out
    assert "Audience:        urn:amazon:webservices" in out
    assert f"RoleSessionName: {AGENT_EMAIL}" in out
    assert f"role {ROLE_ARN}" in out and f"via {PROVIDER_ARN}" in out
    assert "not checked" in out
    assert code in (0, 1)


def test_saml_inspect_verifies_the_signature_with_metadata(files, capsys):
    code = run(
        "saml",
        "inspect",
        str(files["b64"]),
        "--metadata",
        str(files["metadata"]),
        "--role-arn",
        ROLE_ARN,
        "--provider-arn",
        PROVIDER_ARN,
        "--connect-user",
        AGENT_EMAIL,
    )
    out = capsys.readouterr().out
    assert "Signature:       valid (Assertion signed with" in out
    assert "(the signed assertion only)" in out
    assert "ERROR" not in out and "WARNING" not in out
    assert code == 0


def test_saml_inspect_with_another_apps_metadata_fails_the_signature(files, capsys):
    assert run("saml", "inspect", str(files["response"]), "--metadata", str(files["other"])) == 1
    out = capsys.readouterr().out
    assert "Signature:       NOT valid" in out


def test_saml_inspect_reads_standard_input(files, monkeypatch, capsys):
    data = files["b64"].read_bytes()
    assert run("saml", "inspect", "-", "--metadata", str(files["metadata"]), stdin=data, monkeypatch=monkeypatch) == 0
    assert "Signature:       valid" in capsys.readouterr().out


def test_saml_inspect_both_inputs_on_stdin_is_a_usage_error(monkeypatch, capsys):
    assert run("saml", "inspect", "-", "--metadata", "-", stdin=b"x", monkeypatch=monkeypatch) == 2


def test_saml_inspect_with_unusable_metadata_exits_1(files, tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("not xml at all")
    assert run("saml", "inspect", str(files["response"]), "--metadata", str(bad)) == 1
    assert "cannot be used" in capsys.readouterr().out


def test_saml_inspect_with_missing_metadata_file_is_a_usage_error(files, tmp_path, capsys):
    assert run("saml", "inspect", str(files["response"]), "--metadata", str(tmp_path / "gone.xml")) == 2


def test_saml_inspect_judges_a_wrong_audience(tmp_path, idp, capsys):
    path = tmp_path / "aud.xml"
    path.write_bytes(idp.response(now=datetime.now(timezone.utc), audience="https://example.com"))
    assert run("saml", "inspect", str(path)) == 1
    assert "[F7]" in capsys.readouterr().out


def test_saml_inspect_huge_file_is_refused_without_reading_it(tmp_path, capsys):
    path = tmp_path / "huge.har"
    with path.open("wb") as handle:
        handle.truncate(300_000_000)
    assert run("saml", "inspect", str(path)) == 2
    assert "far larger" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(p.name for p in (REALWORLD / "responses").glob("*.xml")) or ["missing"])
def test_saml_inspect_reads_every_real_world_response(name, capsys):
    path = REALWORLD / "responses" / name
    if not path.is_file():
        pytest.skip("../shared/realworld is not available")
    assert run("saml", "inspect", str(path)) in (0, 1)
    out = capsys.readouterr().out
    if name == "saml2aws-pingfed-assertion.xml":  # a documentation example with every namespace stripped
        assert "Verdict: REFUSED" in out and "in no namespace at all" in out and "Issuer:" not in out
    else:
        assert "Issuer:" in out and "Verdict: " in out


# ---- hostile input: never a traceback ---------------------------------------------------------------

HOSTILE = {
    "empty": b"",
    "spaces": b"   \n\t  ",
    "garbage": b"hello, this is not saml",
    "binary": bytes(range(256)) * 40,
    "nul": b"\x00" * 5000,
    "invalid-utf8": b"<?xml version='1.0'?><a>\xff\xfe\xfa</a>",
    "billion-laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    ),
    "external-entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "deep": b"<a>" * 100_000 + b"</a>" * 100_000,
    "truncated": b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSO',
    "html": b"<!DOCTYPE html><html><body>Sign in</body></html>",
    "pem": b"-----BEGIN CERTIFICATE-----\nMIIBIjANBg==\n-----END CERTIFICATE-----\n",
    "json": b'{"log": {"entries": [{"request": {"postData": {"text": "SAMLResponse=%%%"}}}]}}',
    "base64-garbage": b"U0FNTFJlc3BvbnNlPT09PT09PQ==" * 10,
    "form": b"SAMLResponse=PHg%2B&RelayState=https%3A%2F%2Fx",
    "control-chars": b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="\x1b[31mred"/>',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("command", [("metadata", "check"), ("saml", "inspect")])
def test_hostile_input_gets_a_sentence_not_a_traceback(kind, command, tmp_path, capsys):
    path = tmp_path / f"{kind}.xml"
    path.write_bytes(HOSTILE[kind])
    code = run(*command, str(path))
    captured = capsys.readouterr()
    assert code in (1, 2)
    assert "Traceback" not in captured.out + captured.err
    assert "\x1b" not in captured.out


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")))
)
def test_random_input_never_raises(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(data)
    for command in (("metadata", "check"), ("saml", "inspect")):
        assert main([*command, str(path)]) in (0, 1, 2)


# ---- real subprocesses -----------------------------------------------------------------------------------


def test_subprocess_metadata_check(files):
    ok = subprocess_cli("metadata", "check", str(files["metadata"]))
    assert ok.returncode == 0 and b"IAM would accept it: yes" in ok.stdout
    missing = subprocess_cli("metadata", "check", str(files["dir"] / "missing.xml"))
    assert missing.returncode == 2
    binary = subprocess_cli("metadata", "check", "-", stdin=HOSTILE["binary"])
    assert binary.returncode == 1
    for result in (ok, missing, binary):
        assert b"Traceback" not in result.stderr


def test_subprocess_saml_inspect(files):
    ok = subprocess_cli("saml", "inspect", "-", "--metadata", str(files["metadata"]), stdin=files["b64"].read_bytes())
    assert ok.returncode == 0 and b"Signature:       valid" in ok.stdout
    garbage = subprocess_cli("saml", "inspect", "-", stdin=b"\x00garbage\xff")
    assert garbage.returncode == 1
    directory = subprocess_cli("saml", "inspect", str(files["dir"]))
    assert directory.returncode == 2
    for result in (ok, garbage, directory):
        assert b"Traceback" not in result.stderr


def test_subprocess_doctor_without_a_sandbox_says_how_to_start_it(tmp_path):
    result = subprocess_cli("doctor", home=tmp_path / "home")
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"sandbox" in result.stderr


def test_subprocess_doctor_with_a_corrupt_settings_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text("{not json")
    result = subprocess_cli("doctor", home=home)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"not valid JSON" in result.stderr
