"""Security: the IAM documents pass parliament, no credential ever lands in a file, output, report or log, and the
sandbox started by the notebooks listens on loopback only."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy

INSTANCES = [
    ("us-east-1", "arn:aws:connect:us-east-1:123456789012:instance/0f3c2a1b-4d5e-4f60-8a9b-0c1d2e3f4a5b"),
    ("eu-west-2", "arn:aws:connect:eu-west-2:210987654321:instance/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
    ("ap-southeast-2", "arn:aws:connect:ap-southeast-2:111122223333:instance/12345678-90ab-4cde-8f01-234567890abc"),
]
# parliament audits identity policies only: a trust policy has no Resource by definition, and parliament reports
# exactly this (duo-labs/parliament#229, open). It is the only finding filtered, and only for trust policies;
# the same document with the role as its Resource is then audited in full (actions, condition keys, principals).
TRUST_POLICY_FALSE_POSITIVE = ("MALFORMED", "Statement contains neither Resource nor NotResource")


def _findings(document: dict) -> list[tuple[str, str]]:
    import parliament

    policy = parliament.analyze_policy_string(json.dumps(document))
    return [(f.issue, str(f.detail)) for f in policy.findings]


@pytest.mark.parametrize(("region", "instance_arn"), INSTANCES)
def test_the_federation_policy_passes_parliament_with_no_findings(region, instance_arn):
    document = federation_policy(instance_arn)
    assert document["Statement"][0]["Resource"] == [instance_arn + "/user/${aws:userid}"]  # the variable reached it intact
    assert _findings(document) == []


@pytest.mark.parametrize(("region", "instance_arn"), INSTANCES)
def test_the_saml_trust_policy_passes_parliament_but_for_its_known_trust_policy_report(region, instance_arn):
    account = instance_arn.split(":")[4]
    document = saml_trust_policy(f"arn:aws:iam::{account}:saml-provider/AmazonConnectAgentAccess", region)
    assert _findings(document) == [TRUST_POLICY_FALSE_POSITIVE]
    audited = json.loads(json.dumps(document))
    audited["Statement"][0]["Resource"] = f"arn:aws:iam::{account}:role/AmazonConnectAgentAccessRole"
    assert _findings(audited) == []


def test_parliament_would_report_a_broken_policy():
    """The checks above are not vacuous: a typo in the action or the condition key is reported."""
    broken = federation_policy(INSTANCES[0][1])
    broken["Statement"][0]["Action"] = "connect:GetFederationTokens"
    assert [issue for issue, _ in _findings(broken)] == ["UNKNOWN_ACTION"]
    trust = saml_trust_policy("arn:aws:iam::123456789012:saml-provider/P", "us-east-1")
    trust["Statement"][0]["Resource"] = "arn:aws:iam::123456789012:role/R"
    trust["Statement"][0]["Condition"] = {"StringEquals": {"SAML:audience": "https://signin.aws.amazon.com/saml"}}
    assert "UNKNOWN_CONDITION_FOR_ACTION" in [issue for issue, _ in _findings(trust)]


# ---- no credential anywhere ---------------------------------------------------------------------------

def _fake_credentials() -> dict[str, str]:
    """Realistic-looking keys, new each run so they cannot be in any file by accident."""
    rng = random.SystemRandom()
    return {
        "AWS_ACCESS_KEY_ID": "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40)),
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(120)),
    }


def _files_containing(folder: Path, secrets: dict[str, str]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for name, value in secrets.items():
            if value.encode() in data:
                found.append(f"{path.relative_to(folder)} holds {name}")
    return found


@pytest.mark.notebooks
def test_no_credential_reaches_the_settings_notebook_outputs_reports_or_logs(tmp_path, monkeypatch, capsys):
    from test_sandbox_lifecycle import _listening_addresses

    from workshop_lib import settings as st
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.cli import main
    from workshop_lib.runner import attach_status, run_notebooks, write_report
    from workshop_lib.sandbox.client import control

    secrets = _fake_credentials()
    home, out = tmp_path / "home", tmp_path / "run"
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WORKSHOP_HOME", str(home))
    monkeypatch.setenv("WORKSHOP_TARGET", "sandbox")
    monkeypatch.setenv("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.2")
    monkeypatch.delenv("WORKSHOP_SANDBOX_HOME", raising=False)
    monkeypatch.delenv("WORKSHOP_SANDBOX_ENDPOINT", raising=False)  # 00 starts the learner's own sandbox, with these in its environment
    forget_clients()
    try:
        report = run_notebooks(out, include=["00", "01"], say=lambda m: None)
        assert report.ok, [(n.name, n.cell, n.error) for n in report.notebooks]
        attach_status(report)
        write_report(report, out)
        assert main(["status", "--chapter", "01"]) == 0
        printed = capsys.readouterr()
        info = control.status(home)
        assert info is not None and info.log_path.stat().st_size > 0
        if Path("/proc/net/tcp").exists():
            assert _listening_addresses(info.port) == {"0100007F"}  # 127.0.0.1 only
    finally:
        control.stop(home)
        forget_clients()
    assert st.load(home / st.FILE_NAME).instance_id  # the run did real work
    scanned = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert scanned == {"home", "run"}
    assert (home / "sandbox" / "server.log").exists() and list(out.glob("*.ipynb")) and (out / "report.md").exists()
    assert _files_containing(tmp_path, secrets) == []
    assert not [name for name, value in secrets.items() if value in printed.out + printed.err]
