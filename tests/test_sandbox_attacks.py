"""Another program on the learner's machine, or a web page in their browser, tries to drive the sandbox.

Every attack is refused, and the sandbox keeps serving the learner afterwards (each test ends with a
real boto3 call through the learner's own credentials).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.parse

import pytest

from workshop_lib.sandbox.client import control

pytestmark = pytest.mark.sandbox
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _port(info) -> int:
    return int(urllib.parse.urlsplit(info.endpoint).port)


def _raw(info, method: str, path: str, body: bytes = b"", headers: dict | None = None,
         timeout: float = 10) -> tuple[int, dict, bytes]:
    """One request exactly as given (http.client adds only Host unless told), answered status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", _port(info), timeout=timeout)
    try:
        given = dict(headers or {})
        skip_host = "Host" in given
        conn.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
        for name, value in given.items():
            conn.putheader(name, value)
        if body or method == "POST":
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def _signed(info, service: str, params: dict, *, key: str | None = None, secret: str | None = None,
            token: str | None = None, region: str = "us-east-1") -> tuple[dict, bytes]:
    """Headers and body of a query-protocol request signed by botocore's own signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    own = control.credentials(info.home)
    body = urllib.parse.urlencode(params).encode()
    request = AWSRequest("POST", info.endpoint + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(key or own.access_key_id, secret or own.secret_access_key, token), service,
              region).add_auth(request)
    headers = {k: v for k, v in request.headers.items()}
    headers["Host"] = urllib.parse.urlsplit(info.endpoint).netloc
    return headers, body


def _learner_still_served(aws) -> None:
    assert aws("sts").get_caller_identity()["Account"] == "123456789012"
    assert "InstanceSummaryList" in aws("connect").list_instances()


def _role_names(aws) -> list[str]:
    return [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]


# ---- web pages and other hosts ------------------------------------------------------------------


def test_a_web_page_cannot_reset_the_sandbox_even_knowing_the_token(sandbox, aws):
    aws("iam").create_role(RoleName="KeepMe", AssumeRolePolicyDocument=TRUST)
    # The "simple request" a page can send without a preflight: text/plain POST from its own Origin.
    status, headers, _ = _raw(sandbox, "POST", "/_sandbox/reset", b"{}",
                              {"Origin": "https://attacker.example", "Content-Type": "text/plain",
                               "X-Sandbox-Token": sandbox.token})
    assert status == 403
    assert not any(name.startswith("access-control-") for name in headers)
    status, _, _ = _raw(sandbox, "POST", "/_sandbox/reset", b"{}", {"Content-Type": "text/plain"})
    assert status == 401  # no token: refused even without an Origin
    assert _role_names(aws) == ["KeepMe"]
    _learner_still_served(aws)


def test_a_fetch_from_a_page_is_refused_by_sec_fetch_site(sandbox, aws):
    headers, body = _signed(sandbox, "sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    status, _, _ = _raw(sandbox, "POST", "/", body, {**headers, "Sec-Fetch-Site": "cross-site"})
    assert status == 403
    _learner_still_served(aws)


def test_dns_rebinding_a_foreign_host_is_refused(sandbox, aws):
    port = _port(sandbox)
    for host in (f"attacker.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", f"0.0.0.0:{port}"):
        status, _, body = _raw(sandbox, "GET", "/_sandbox/health", headers={"Host": host, "X-Sandbox-Token": sandbox.token})
        assert status == 421, host
        assert b"pid" not in body
    status, _, _ = _raw(sandbox, "GET", "/_sandbox/health", headers={"Host": f"localhost:{port}", "X-Sandbox-Token": sandbox.token})
    assert status == 200
    _learner_still_served(aws)


def test_no_cors_headers_and_no_preflight(sandbox, aws):
    status, headers, _ = _raw(sandbox, "OPTIONS", "/", headers={"Origin": f"http://127.0.0.1:{_port(sandbox)}",
                                                             "Access-Control-Request-Method": "POST"})
    assert status == 405
    assert not any(name.startswith("access-control-") for name in headers)
    signed, body = _signed(sandbox, "iam", {"Action": "ListRoles", "Version": "2010-05-08"})
    status, headers, _ = _raw(sandbox, "POST", "/", body, signed)
    assert status == 200
    assert not any(name.startswith("access-control-") for name in headers)


# ---- signatures -------------------------------------------------------------------------------


def _create_role_params(name: str) -> dict:
    return {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": name,
            "AssumeRolePolicyDocument": TRUST}


@pytest.mark.parametrize("how, code, status", [
    ("unsigned", "MissingAuthenticationToken", 403),
    ("wrong-secret", "SignatureDoesNotMatch", 403),
    ("unknown-key", "InvalidClientTokenId", 403),
    ("tampered-body", "SignatureDoesNotMatch", 403),
    ("garbled-header", "IncompleteSignature", 400),
    ("stray-session-token", "InvalidClientTokenId", 403),
])
def test_iam_refuses_what_aws_refuses_and_nothing_is_created(sandbox, aws, how, code, status):
    params = _create_role_params("Intruder")
    if how == "wrong-secret":
        headers, body = _signed(sandbox, "iam", params, secret="x" * 40)
    elif how == "unknown-key":
        headers, body = _signed(sandbox, "iam", params, key="AKIAIOSFODNN7EXAMPLE", secret="x" * 40)
    elif how == "stray-session-token":
        headers, body = _signed(sandbox, "iam", params, token="made-up")
    else:
        headers, body = _signed(sandbox, "iam", params)
    if how == "unsigned":
        headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date")}
    elif how == "tampered-body":
        body = urllib.parse.urlencode(_create_role_params("Intrudr")).encode()  # same length, other role
    elif how == "garbled-header":
        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=nonsense"
    answered, _, text = _raw(sandbox, "POST", "/", body, headers)
    assert answered == status
    assert f"<Code>{code}</Code>".encode() in text
    assert [r for r in _role_names(aws) if r.startswith("Intr")] == []
    _learner_still_served(aws)


@pytest.mark.parametrize("service, call, code", [
    ("sso-admin", lambda c: c.list_instances(), "InvalidSignatureException"),
    ("connect", lambda c: c.list_instances(), "InvalidSignatureException"),
    ("identitystore", lambda c: c.list_users(IdentityStoreId="d-1234567890"), "InvalidSignatureException"),
    ("organizations", lambda c: c.describe_organization(), "InvalidSignatureException"),
])
def test_json_services_refuse_a_wrong_secret_in_their_own_shape(sandbox, aws, service, call, code):
    import botocore.exceptions

    from sandbox_seed import sandbox_client

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(sandbox_client(sandbox.endpoint, service, key=control.credentials(sandbox.home).access_key_id,
                            secret="y" * 40))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    _learner_still_served(aws)


def test_a_service_the_workshop_does_not_use_is_not_served(sandbox, aws):
    import botocore.exceptions

    from sandbox_seed import sandbox_client

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sandbox_client(sandbox.endpoint, "lambda").list_functions()
    assert "does not offer the 'lambda' service" in caught.value.response["Error"]["Message"]
    _learner_still_served(aws)


# ---- moto's own routes ----------------------------------------------------------------------------


@pytest.mark.parametrize("path, method", [
    ("/moto-api/data.json", "GET"), ("/moto-api/reset", "POST"), ("/moto-api/", "GET"),
    ("/moto-api/recorder/replay-recording", "POST"), ("/moto-api/state-manager/set-transition", "POST"),
])
def test_motos_routes_are_unreachable(sandbox, aws, path, method):
    aws("iam").create_role(RoleName="KeepMe", AssumeRolePolicyDocument=TRUST)
    status, _, body = _raw(sandbox, method, path, b"{}" if method == "POST" else b"")
    assert status == 404
    assert b"KeepMe" not in body
    assert _role_names(aws) == ["KeepMe"]
    _learner_still_served(aws)


# ---- size and slowness ------------------------------------------------------------------------------


def test_a_huge_body_is_refused_before_it_is_read(sandbox, aws):
    with socket.create_connection(("127.0.0.1", _port(sandbox)), timeout=10) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{_port(sandbox)}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {300 * 1024 * 1024}\r\n\r\n".encode() + b"A" * 65536)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    _learner_still_served(aws)


@pytest.fixture()
def impatient_sandbox(tmp_path, monkeypatch):
    """A second sandbox in its own home, whose connections time out after 1 s of silence."""
    monkeypatch.setenv("WORKSHOP_SANDBOX_READ_TIMEOUT", "1")
    info = control.start(tmp_path / "impatient")
    yield info
    control.stop(tmp_path / "impatient")


def test_a_slow_client_blocks_nobody_and_is_dropped(impatient_sandbox):
    from sandbox_seed import sandbox_client

    sts = sandbox_client(impatient_sandbox.endpoint, "sts")
    sts.get_caller_identity()  # warm
    with socket.create_connection(("127.0.0.1", _port(impatient_sandbox)), timeout=10) as slow:
        slow.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{_port(impatient_sandbox)}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=".encode())
        started = time.monotonic()
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert sandbox_client(impatient_sandbox.endpoint, "iam").list_roles()["Roles"] == []
        assert time.monotonic() - started < 1.0  # answered while the slow request is still being read
        slow.settimeout(5)
        dropped = slow.recv(4096)  # the server gives up on it after its 1 s read timeout
        assert dropped == b"" or dropped.startswith((b"HTTP/1.1 4", b"HTTP/1.1 5")), dropped[:40]
        assert time.monotonic() - started < 4
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_stop_works_while_a_client_hangs(impatient_sandbox):
    with socket.create_connection(("127.0.0.1", _port(impatient_sandbox)), timeout=10):
        started = time.monotonic()
        assert control.stop(impatient_sandbox.home) is True
        assert time.monotonic() - started < 5
    assert control.status(impatient_sandbox.home) is None


def test_two_sandboxes_refuse_each_others_credentials(sandbox, aws, impatient_sandbox):
    import botocore.exceptions

    from sandbox_seed import sandbox_client

    mine, theirs = control.credentials(sandbox.home), control.credentials(impatient_sandbox.home)
    assert mine.access_key_id != theirs.access_key_id
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sandbox_client(impatient_sandbox.endpoint, "iam", key=mine.access_key_id, secret=mine.secret_access_key).list_roles()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    status, _, _ = _raw(impatient_sandbox, "GET", "/_sandbox/health", headers={"X-Sandbox-Token": sandbox.token})
    assert status == 401
    _learner_still_served(aws)


def test_the_server_does_not_grow_with_a_huge_body(sandbox):
    pid = sandbox.pid
    before = _rss_kb(pid)
    with socket.create_connection(("127.0.0.1", _port(sandbox)), timeout=10) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{_port(sandbox)}\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
        chunk = b"A" * (1024 * 1024)
        try:
            for _ in range(40):  # 40 MB, chunked: no Content-Length to refuse up front
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            pass  # the server answered 413 and closed
        sock.settimeout(5)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413") or answer == b""
    assert _rss_kb(pid) - before < 20 * 1024


def _rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status", encoding="utf-8"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_the_credentials_file_is_private(sandbox):
    path = control.sandbox_dir(sandbox.home) / "credentials.json"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(control.sandbox_dir(sandbox.home) / "server.json").st_mode & 0o777 == 0o600


def test_an_iam_users_access_key_works_until_it_is_deactivated(sandbox, aws):
    import botocore.exceptions

    from sandbox_seed import sandbox_client

    iam = aws("iam")
    iam.create_user(UserName="script")
    key = iam.create_access_key(UserName="script")["AccessKey"]
    as_user = dict(key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert sandbox_client(sandbox.endpoint, "sts", **as_user).get_caller_identity()["Arn"].endswith(":user/script")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sandbox_client(sandbox.endpoint, "sts", key=key["AccessKeyId"], secret="z" * 40).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    iam.update_access_key(UserName="script", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sandbox_client(sandbox.endpoint, "sts", **as_user).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    _learner_still_served(aws)
