"""One ledger per account, the real-account confirmation, the upload widget and the cleanup panel.

Two sandbox "accounts" stand in for switching targets and profiles: the sandbox's own account, and a second
account reached through the `aws` target with the sandbox as the endpoint (boto3's AWS_ENDPOINT_URL) and an
access key that moto maps to that account (a key made by an IAM user of that account).
"""

from __future__ import annotations

import datetime
import json
import sys

import pytest

from workshop_lib import settings as st
from workshop_lib.chapters import find_step
from workshop_lib.chapters.model import State
from workshop_lib.context import Context

pytestmark = pytest.mark.sandbox

OTHER_ACCOUNT = "111122223333"  # AWS's documentation example account ID: the sandbox's second "account"


def key_in_account(endpoint: str, account: str, user: str = "learner") -> dict:
    """An access key that the sandbox (moto) answers as ``account``: made by an IAM user of that account."""
    from sandbox_seed import sandbox_client

    iam = sandbox_client(endpoint, "iam")
    iam.meta.events.register("before-sign.iam.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    iam.create_user(UserName=user)
    return iam.create_access_key(UserName=user)["AccessKey"]


@pytest.fixture()
def aws_like(sandbox, monkeypatch, tmp_path):
    """Make the `aws` target reach the sandbox: endpoint and credentials from the environment, no local AWS config."""
    from workshop_lib.aws.session import forget_clients

    key = key_in_account(sandbox.endpoint, OTHER_ACCOUNT)
    monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    forget_clients()
    yield key
    forget_clients()


def other_account_iam(endpoint: str):
    from sandbox_seed import sandbox_client

    iam = sandbox_client(endpoint, "iam")
    iam.meta.events.register("before-sign.iam.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", OTHER_ACCOUNT))
    return iam


def switch(ctx, target: str, profile: str = "") -> Context:
    from workshop_lib.aws.session import forget_clients

    with ctx.update() as s:
        s.target, s.profile = target, profile
    forget_clients()
    return Context()


def test_switching_target_shows_checks_and_cleans_only_the_current_accounts_resources(ready_learner, aws_like, sandbox, aws):
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup
    from workshop_lib.aws.resources import ensure_policy
    from workshop_lib.doctor import run_doctor

    ctx = ready_learner
    assert all(find_step(k).perform(ctx).state is State.DONE for k in ("agent.app", "agent.app.metadata", "agent.iam.provider"))
    sandbox_ledger = [(e.kind, e.name, e.id, e.arn) for e in ctx.settings.ledger]
    instance = ctx.settings.instance_id
    with ctx.update() as s:
        s.role_ids["AmazonConnectAgentAccessRole"] = "AROASANDBOXROLE000001"  # what F10 compares with

    on_aws = switch(ctx, "aws")
    s = on_aws.settings
    assert (s.account_id, s.ledger, s.instance_id, s.role_ids) == (OTHER_ACCOUNT, [], "", {})  # nothing of the sandbox's
    assert plan_cleanup(on_aws).delete == []
    report = run_doctor(on_aws.settings)
    assert "F10" not in {f.code for f in report.findings}
    arn = ensure_policy(on_aws, "AmazonConnectSSOPolicy", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*"}]})
    assert arn == f"arn:aws:iam::{OTHER_ACCOUNT}:policy/AmazonConnectSSOPolicy"
    assert [(e.kind, e.arn) for e in on_aws.settings.ledger] == [("iam.policy", arn)]

    back = switch(on_aws, "sandbox")
    assert [(e.kind, e.name, e.id, e.arn) for e in back.settings.ledger] == sandbox_ledger
    assert back.settings.instance_id == instance and back.settings.account_id == "123456789012"
    assert all(OTHER_ACCOUNT not in e.arn for e in plan_cleanup(back).delete)

    on_aws = switch(back, "aws")
    result = run_cleanup(on_aws, plan_cleanup(on_aws))
    assert (result.deleted, result.failed) == (["IAM policy AmazonConnectSSOPolicy"], [])
    assert other_account_iam(sandbox.endpoint).list_policies(Scope="Local")["Policies"] == []
    providers = [p["Arn"] for p in aws("iam").list_saml_providers()["SAMLProviderList"]]
    assert providers == ["arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"]  # the sandbox account's: untouched
    assert [(e.kind, e.name, e.id, e.arn) for e in switch(on_aws, "sandbox").settings.ledger] == sandbox_ledger


def test_switching_the_profile_switches_the_account_and_its_ledger(learner, aws_like, sandbox, tmp_path, monkeypatch):
    from workshop_lib.aws.resources import ensure_policy

    from workshop_lib.sandbox.client import control

    own = control.credentials(sandbox.home)  # the sandbox verifies signatures: "main" is its own account's key
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[other]\naws_access_key_id = {aws_like['AccessKeyId']}\naws_secret_access_key = {aws_like['SecretAccessKey']}\n"
                           f"[main]\naws_access_key_id = {own.access_key_id}\naws_secret_access_key = {own.secret_access_key}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*"}]}
    other = switch(learner, "aws", "other")
    ensure_policy(other, "AmazonConnectSSOPolicy", doc)
    assert other.settings.account_id == OTHER_ACCOUNT
    main = switch(other, "aws", "main")
    assert (main.settings.account_id, main.settings.ledger) == ("123456789012", [])
    ensure_policy(main, "AmazonConnectSSOPolicy", doc)
    assert [e.arn for e in main.settings.ledger] == ["arn:aws:iam::123456789012:policy/AmazonConnectSSOPolicy"]
    assert [e.arn for e in switch(main, "aws", "other").settings.ledger] == [f"arn:aws:iam::{OTHER_ACCOUNT}:policy/AmazonConnectSSOPolicy"]
    data = json.loads(st.settings_path().read_text())
    assert set(data["accounts"]) == {"aws:aws:123456789012"} and data["scope"] == f"aws:aws:{OTHER_ACCOUNT}"


def test_run_on_aws_says_where_and_what_then_needs_yes(learner, aws_like, sandbox, monkeypatch, capsys):
    from workshop_lib import runner
    from workshop_lib.cli import main

    runs = []

    def started(*_a, prepare=None, **_k):  # the notebooks would run now: stop here (the CLI's error edge makes it exit 1)
        if prepare is not None:  # what the runner does once the kernel is launched: adoptions, on AWS
            prepare()
        runs.append(True)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(runner, "run_notebooks", started)
    monkeypatch.setenv("WORKSHOP_TARGET", "sandbox")  # `run --target` sets it for the kernels: restored after the test
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["run", "--target", "aws"]) == 1
    out, err = capsys.readouterr()
    assert f"This run works in a real AWS account: {OTHER_ACCOUNT}" in out
    assert f"arn:aws:iam::{OTHER_ACCOUNT}:user/learner" in out and "Region:  us-east-1" in out
    assert "the roles AmazonConnectAgentAccessRole and AmazonConnectAdminAccessRole" in out
    assert "Not creating anything: add --yes" in err

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    assert main(["run", "--target", "aws"]) == 1
    assert asked == [f"Create these in account {OTHER_ACCOUNT}? Type 'yes' to go on: "]
    assert "Nothing created." in capsys.readouterr().out
    assert other_account_iam(sandbox.endpoint).list_roles()["Roles"] == []

    assert runs == []
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    main(["run", "--target", "aws"])
    assert runs == [True]
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    main(["run", "--target", "aws", "--yes", "--adopt", "iam.role:AmazonConnectAgentAccessRole"])
    assert runs == [True, True]
    assert "Using iam.role:AmazonConnectAgentAccessRole as it is" in capsys.readouterr().out
    assert Context().settings.adopt == ["iam.role:AmazonConnectAgentAccessRole"]


def _upload_value(data: bytes) -> tuple:
    return ({"name": "metadata.xml", "type": "text/xml", "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)


def test_the_metadata_upload_widget_keeps_a_valid_file_on_the_sandbox_and_on_an_aws_like_target(ready_learner, aws_like, sandbox):
    from workshop_lib.aws import console
    from workshop_lib.aws.ownership import TAG_KEY
    from workshop_lib.aws.resources import require_application
    from workshop_lib.metadata_files import metadata_path
    from workshop_lib.ui.inspectors import MetadataUpload

    ctx = ready_learner
    assert find_step("agent.app").perform(ctx).state is State.DONE
    data = console.download_metadata(ctx, require_application(ctx, "Amazon Connect - Agent")["ApplicationArn"])
    widget = MetadataUpload(ctx, "agent")
    widget.upload.value = _upload_value(data)  # as the browser sets it after a file is chosen
    assert "Kept." in widget.result.value and "RSA 2048 bits" in widget.result.value
    assert metadata_path("agent").read_bytes() == data
    assert not widget.accept(b"<EntityDescriptor/>")
    assert "IAM would reject this metadata file" in widget.result.value and "Traceback" not in widget.result.value

    on_aws = switch(ctx, "aws")
    metadata_path("agent").unlink()
    widget = MetadataUpload(on_aws, "agent")
    widget.upload.value = _upload_value(data)
    assert "Kept." in widget.result.value and "bits" in widget.result.value
    assert find_step("agent.app.metadata").check(on_aws).state is State.DONE
    assert find_step("agent.iam.provider").perform(on_aws).state is State.DONE  # made in the other account, from the upload
    arn = f"arn:aws:iam::{OTHER_ACCOUNT}:saml-provider/AmazonConnectAgentAccess"
    tags = other_account_iam(sandbox.endpoint).list_saml_provider_tags(SAMLProviderArn=arn)["Tags"]
    assert tags == [{"Key": TAG_KEY, "Value": on_aws.settings.owner_id}]


def test_the_cleanup_panel_with_nothing_to_delete_asks_nothing(learner):
    import ipywidgets as W

    from workshop_lib.ui.cleanup_panel import CleanupPanel

    panel = CleanupPanel(learner)
    assert not [c for c in panel.widget.children if isinstance(c, W.Checkbox)]
    assert "there is nothing to delete" in panel.widget.children[0].value


def test_the_cleanup_panel_names_kinds_in_words_and_asks_first(ready_learner, aws):
    import ipywidgets as W

    from workshop_lib.ui.cleanup_panel import CleanupPanel

    panel = CleanupPanel(ready_learner)
    shown = panel.widget.children[0].value
    assert "delete the Amazon Connect instance" in shown and "keep   the Organization" in shown
    assert "connect.instance" not in shown
    assert any(isinstance(c, W.Checkbox) for c in panel.widget.children)
    assert panel.delete() is None and "Tick the confirmation first" in panel.result.value
    alias = ready_learner.settings.of_kind("connect.instance")[0].name
    panel.confirm.value = True
    result = panel.delete()
    assert (result.failed, result.deleted) == ([], [f"Amazon Connect instance {alias}"])


def test_a_version_1_settings_file_keeps_its_ledger_for_its_account_and_trusts_no_name_match(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    old = {"schema": st.SCHEMA, "version": 1, "target": "aws", "profile": "work", "account_id": "123456789012",
           "ledger": [{"kind": "iam.role", "name": "AmazonConnectAgentAccessRole", "id": "AROAEXAMPLE1"},
                      {"kind": "identitystore.group", "name": "ConnectAgents", "id": "g-1", "adopted": True}]}
    (tmp_path / "settings.json").write_text(json.dumps(old))
    s = st.load()
    assert (s.scope, s.scope_source, s.in_scope) == ("aws:aws:123456789012", "aws|work", True)
    assert [(e.name, e.origin) for e in s.ledger] == [("AmazonConnectAgentAccessRole", "created"), ("ConnectAgents", "found")]
    s.target = "sandbox"
    assert not s.in_scope
    s.enter_account("123456789012")
    assert (s.ledger, s.scope) == ([], "sandbox:aws:123456789012")
    s.target = "aws"
    s.profile = "work"
    s.enter_account("123456789012")
    assert [e.name for e in s.ledger] == ["AmazonConnectAgentAccessRole", "ConnectAgents"]
    st.save(s)
    again = json.loads((tmp_path / "settings.json").read_text())
    assert again["version"] == st.SCHEMA_VERSION and again["owner_id"].startswith("owner-")
