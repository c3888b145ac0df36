"""`relay-state` and `values`: the values a learner pastes, and one-line usage errors (exit 2, no traceback)."""

import json
import subprocess
import sys

import pytest

from workshop_lib.cli import main

ARN = "arn:aws:connect:us-east-1:123456789012:instance/178c75e4-b3de-4839-a6aa-e321ab3f3770"
SEED = "arn:aws:connect:us-east-1:257804509653:instance/9690dd9b-3de7-4097-b4d9-67829f7c8fur"


def run(*args):
    return subprocess.run([sys.executable, "-m", "workshop_lib.cli", *args], capture_output=True, text=True, timeout=60)


def test_relay_state_prints_the_ccp_url():
    done = run("relay-state", "--instance", ARN)
    assert done.returncode == 0
    assert done.stdout.strip() == "https://us-east-1.console.aws.amazon.com/connect/federate/178c75e4-b3de-4839-a6aa-e321ab3f3770?destination=%2Fccp-v2"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--instance", SEED], "not hexadecimal"),
        (["--instance", "178c75e4-b3de-4839-a6aa-e321ab3f3770"], "--region"),
        (["--instance", "178c75e4-b3de-4839-a6aa-e321ab3f3770", "--region", "us-east1"], "did you mean us-east-1"),
        (["--instance", ARN, "--region", "eu-west-2"], "eu-west-2"),
        (["--instance"], "expected one argument"),
        (["--instance", ARN, "--destination", "nowhere"], "invalid choice"),
    ],
)
def test_relay_state_usage_errors_exit_2_with_one_helpful_line(args, words):
    done = run("relay-state", *args)
    assert done.returncode == 2
    assert words.lower() in done.stderr.lower()
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_admin_relay_state_has_no_destination(capsys):
    assert main(["relay-state", "--instance", ARN, "--admin"]) == 0
    assert capsys.readouterr().out.strip().endswith("/connect/federate/178c75e4-b3de-4839-a6aa-e321ab3f3770")


def test_legacy_destination_is_built_only_when_asked_and_warns(capsys):
    assert main(["relay-state", "--instance", ARN, "--destination", "legacy-ccp"]) == 0
    out = capsys.readouterr()
    assert out.out.strip().endswith("?destination=%2Fconnect%2Fccp")
    assert "legacy" in out.err


def test_values_prints_every_pasted_value_with_the_variable_kept_literal(capsys):
    assert main(["values", "--instance", ARN]) == 0
    out = capsys.readouterr().out
    assert "arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole,arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess" in out
    assert "arn:aws:iam::123456789012:role/AmazonConnectAdminAccessRole,arn:aws:iam::123456789012:saml-provider/AmazonConnectAdminAccess" in out
    assert f'"{ARN}/user/${{aws:userid}}"' in out
    assert "https://us-east-1.signin.aws.amazon.com/saml" in out


def test_values_refuses_a_bare_instance_id():
    done = run("values", "--instance", "178c75e4-b3de-4839-a6aa-e321ab3f3770", "--region", "us-east-1")
    assert done.returncode == 2 and "ARN" in done.stderr


def test_values_include_every_attribute_mapping_row_chapter_04_requires():
    from workshop_lib.commands.values import build_values

    values = dict(build_values(ARN))
    assert values["Subject attribute (format emailAddress)"] == "${user:email}"
    assert values["SessionDuration attribute (seconds; 12 hours)"] == "43200"
