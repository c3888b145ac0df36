"""Starting, finding, resetting and stopping the sandbox server process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_lib.sandbox.client import _http, console_client, control

pytestmark = pytest.mark.sandbox


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket in LISTEN state on ``port``, read from /proc/net/tcp{,6}."""
    found = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs /proc/net/tcp")
def test_server_listens_on_loopback_only(sandbox_server):
    assert _listening_addresses(sandbox_server.port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::


def test_status_and_endpoint_describe_the_running_server(sandbox_server):
    assert control.status(sandbox_server.home) == sandbox_server
    assert control.endpoint(sandbox_server.home) == sandbox_server.endpoint == f"http://127.0.0.1:{sandbox_server.port}"
    recorded = json.loads((Path(sandbox_server.home) / "sandbox" / "server.json").read_text())
    assert recorded["pid"] == sandbox_server.pid and recorded["endpoint"] == sandbox_server.endpoint
    assert recorded["started_at"]


def test_starting_again_returns_the_running_server(sandbox_server):
    assert control.start(sandbox_server.home) == sandbox_server
    assert control.ensure_running(sandbox_server.home) == sandbox_server.endpoint


def test_server_is_detached_and_logs_to_the_home(sandbox_server):
    assert os.getsid(sandbox_server.pid) != os.getsid(0)  # its own session: no terminal signals from us
    assert "sandbox listening on http://127.0.0.1:" in sandbox_server.log_path.read_text()


def test_reset_empties_the_sandbox_and_keeps_it_running(sandbox, aws):
    console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    aws("connect").create_instance(IdentityManagementType="SAML", InstanceAlias="to-be-reset",
                                   InboundCallsEnabled=True, OutboundCallsEnabled=True)
    control.reset(sandbox.home)
    assert control.status(sandbox.home) == sandbox
    assert aws("connect").list_instances()["InstanceSummaryList"] == []
    assert aws("sso-admin").list_instances()["Instances"] == []


def test_the_sandbox_reset_clears_the_sandbox_extensions_too(sandbox, aws):
    console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    assert len(aws("sso-admin").list_instances()["Instances"]) == 1
    control.reset(sandbox.home)
    assert aws("sso-admin").list_instances()["Instances"] == []


def test_unknown_sandbox_route_is_an_error(sandbox):
    assert _http.request(sandbox.endpoint, "/_sandbox/nothing", {}, token=sandbox.token).status == 404
    with pytest.raises(console_client.ConsoleError) as caught:
        console_client._console(sandbox.endpoint, "no_such_action")
    assert "no action" in caught.value.message


def test_start_stop_status_with_a_stale_record(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = tmp_path / "sandbox"
    folder.mkdir()
    (folder / "server.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:9", "pid": int(dead.stdout),
                                                    "port": 9, "started_at": "2020-01-01T00:00:00+00:00"}))
    assert control.status(tmp_path) is None and control.endpoint(tmp_path) is None
    assert control.recorded_endpoint(tmp_path) is None
    info = control.start(tmp_path)
    try:
        assert info.pid != int(dead.stdout) and control.status(tmp_path) == info
        assert control.recorded_endpoint(tmp_path) == info.endpoint
    finally:
        assert control.stop(tmp_path) is True
    assert control.status(tmp_path) is None and not (folder / "server.json").exists()
    assert control.recorded_endpoint(tmp_path) is None
    assert control.stop(tmp_path) is False


def test_a_second_server_on_the_same_state_is_refused(sandbox_server):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([control._package_root(), os.environ.get("PYTHONPATH", "")])}
    second = subprocess.run([sys.executable, "-m", "workshop_lib.sandbox.server", "--home", sandbox_server.home],
                            capture_output=True, text=True, timeout=60, env=env)
    assert second.returncode != 0 and "Another sandbox server" in second.stderr
    assert control.status(sandbox_server.home) == sandbox_server


def test_reset_when_not_running_says_so(tmp_path):
    from workshop_lib.errors import SandboxError

    with pytest.raises(SandboxError) as caught:
        control.reset(tmp_path)
    assert "not running" in caught.value.message


def test_commands_start_status_stop(tmp_path, monkeypatch, capsys):
    from workshop_lib.cli import main

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    assert main(["sandbox", "status"]) == 1
    assert main(["sandbox", "start"]) == 0
    assert "started at http://127.0.0.1:" in capsys.readouterr().out
    try:
        assert main(["sandbox", "start"]) == 0 and "already running" in capsys.readouterr().out
        assert main(["sandbox", "status"]) == 0 and "moto 5.2.5" in capsys.readouterr().out
        assert main(["sandbox", "reset"]) == 2  # not a terminal: needs --yes
        assert main(["sandbox", "reset", "--yes"]) == 0
        assert main(["sandbox", "console", "enable-identity-center", "--region", "us-east-1",
                     "--create-organization"]) == 0
        assert "IAM Identity Center enabled in us-east-1" in capsys.readouterr().out
        assert main(["sandbox", "console", "add-application", "Amazon Connect - Agent"]) == 0
        assert "/apl-" in capsys.readouterr().out
        metadata = tmp_path / "agent.xml"
        assert main(["sandbox", "console", "download-metadata", "Amazon Connect - Agent", "--out", str(metadata)]) == 0
        assert metadata.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor')
        assert main(["sandbox", "console", "set-attribute-mappings", "Amazon Connect - Agent",
                     "Role=arn:aws:iam::123456789012:role/R,arn:aws:iam::123456789012:saml-provider/P",
                     "Subject=${user:subject};persistent"]) == 0
        printed = capsys.readouterr().out
        assert "https://aws.amazon.com/SAML/Attributes/Role = arn:aws:iam::123456789012:role/R," in printed
        assert "Subject = ${user:subject} (persistent)" in printed
        assert main(["sandbox", "console", "add-application", "Amazon Connect - Agent"]) == 1  # duplicate
    finally:
        assert main(["sandbox", "stop"]) == 0
    assert "stopped" in capsys.readouterr().out
    assert main(["sandbox", "status"]) == 1
