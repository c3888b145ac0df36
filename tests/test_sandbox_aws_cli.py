"""The real AWS CLI (awscli from PyPI, a test dependency) drives the sandbox with the `sandbox env` exports.

It does the API half of the agent chain as a learner's own script would: Connect instance, IAM provider,
policy and role, identity store users and group, the application assignment, Connect users. The console
half (Identity Center, the application, its metadata) is done in the simulated console first. Every CLI
request is signed with the sandbox's generated credentials and verified by the sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox_seed import sandbox_client
from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy
from workshop_lib.sandbox.client import console_client, control

pytestmark = pytest.mark.sandbox
REGION = "us-east-1"

# The script lives beside the benchmark that times it as the peer (bench/bench_peer.py).
SCRIPT = (Path(__file__).resolve().parents[1] / "bench" / "aws_cli_agent_half.sh").read_text(encoding="utf-8")


def _aws() -> str:
    found = Path(sys.executable).with_name("aws")
    return str(found) if found.exists() else (shutil.which("aws") or pytest.skip("awscli is not installed"))


@pytest.fixture()
def home(tmp_path):
    previous = os.environ.get("WORKSHOP_SANDBOX_CREATE_SECONDS")
    os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = "0.2"
    try:
        control.start(tmp_path / "home")
    finally:
        if previous is None:
            os.environ.pop("WORKSHOP_SANDBOX_CREATE_SECONDS")
        else:
            os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = previous
    yield tmp_path / "home"
    control.stop(tmp_path / "home")


def sandbox_env(home: Path) -> dict[str, str]:
    """The environment a learner gets from `eval "$(connect-sso-workshop sandbox env)"`, and nothing of theirs."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKSHOP_SANDBOX_"))}
    done = subprocess.run([sys.executable, "-m", "workshop_lib.cli", "sandbox", "env"], capture_output=True, text=True,
                          env={**base, "WORKSHOP_HOME": str(home)}, check=True)
    exports = dict(line[len("export "):].split("=", 1) for line in done.stdout.splitlines() if line.startswith("export "))
    assert set(exports) >= {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}
    return {**base, **exports, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "",
            "PATH": f"{Path(_aws()).parent}{os.pathsep}{base.get('PATH', '')}"}


def test_the_aws_cli_does_the_api_half_of_the_workshop_with_sandbox_env(home, tmp_path):
    info = control.status(home)
    console_client.enable_identity_center(info.endpoint, REGION, create_organization=True)
    console_client.add_application(info.endpoint, "Amazon Connect - Agent")
    work = tmp_path / "work"
    work.mkdir()
    (work / "metadata.xml").write_bytes(console_client.download_metadata(info.endpoint, "Amazon Connect - Agent"))
    placeholder = f"arn:aws:connect:{REGION}:123456789012:instance/00000000-0000-0000-0000-000000000000"
    (work / "policy.template.json").write_text(json.dumps(federation_policy(placeholder)).replace(placeholder, "INSTANCE_ARN"))
    provider = "arn:aws:iam::123456789012:saml-provider/CliAgentAccess"
    (work / "trust.template.json").write_text(json.dumps(saml_trust_policy(provider, REGION)).replace(provider, "PROVIDER_ARN"))
    (work / "script.sh").write_text(SCRIPT)

    done = subprocess.run(["bash", "script.sh"], cwd=work, env=sandbox_env(home), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    instance_id, group_id = done.stdout.split()[-2:]

    # What the CLI made is there, as the workshop's own checks would read it.
    connect = sandbox_client(info.endpoint, "connect")
    assert sorted(u["Username"] for u in connect.list_users(InstanceId=instance_id)["UserSummaryList"]) == \
        ["cli1@example.com", "cli2@example.com"]
    role = sandbox_client(info.endpoint, "iam").get_role(RoleName="CliAgentAccessRole")["Role"]
    assert role["MaxSessionDuration"] == 43200
    store = sandbox_client(info.endpoint, "sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    members = sandbox_client(info.endpoint, "identitystore").list_group_memberships(IdentityStoreId=store, GroupId=group_id)
    assert len(members["GroupMemberships"]) == 2


def test_the_aws_cli_is_refused_without_the_sandboxs_secret(home):
    env = sandbox_env(home)
    ok = subprocess.run(["aws", "sts", "get-caller-identity", "--query", "Account", "--output", "text"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip() == "123456789012", ok.stderr
    wrong = subprocess.run(["aws", "iam", "list-roles"], env={**env, "AWS_SECRET_ACCESS_KEY": "x" * 40},
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode != 0 and "SignatureDoesNotMatch" in wrong.stderr
    unsigned = subprocess.run(["aws", "iam", "list-roles", "--no-sign-request"], env=env, capture_output=True,
                              text=True, timeout=120)
    assert unsigned.returncode != 0 and "MissingAuthenticationToken" in unsigned.stderr
