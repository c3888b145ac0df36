"""What the sandbox's guard costs per request: SigV4 verification and the model-driven validator.

In-process, on requests signed by botocore exactly as boto3 sends them (an IAM query call, an identity
store JSON call, a Connect REST-JSON call): the time to verify the signature with botocore's signer,
and the time to validate the input against the botocore model. Then, end to end through a real
sandbox server, the median time of an API call, so the guard's share can be read against it.

    PYTHONPATH=. python bench/bench_sandbox.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import goal, parse_args, private_sandbox  # noqa: E402

from workshop_lib.sandbox.shared.credentials import SandboxCredentials  # noqa: E402
from workshop_lib.sandbox.server import guard, validate  # noqa: E402

OWN = SandboxCredentials("AKIASANDBOXBENCH0001", "b" * 40)
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Agents"},
     "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]})


def _environ(service: str, method: str, path: str, body: bytes, content_type: str, target: str = "") -> dict:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method, f"http://127.0.0.1:5000{path}", data=body, headers=headers)
    SigV4Auth(Credentials(OWN.access_key_id, OWN.secret_access_key), service, "us-east-1").add_auth(request)
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "RAW_URI": path, "QUERY_STRING": "",
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1:5000"}
    for name, value in request.headers.items():
        if name.lower() not in ("content-type", "content-length"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def requests() -> list[tuple[str, str, dict, bytes]]:
    iam = urllib.parse.urlencode({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "ConnectAgentRole",
                                  "Path": "/workshop/", "MaxSessionDuration": "43200", "AssumeRolePolicyDocument": TRUST,
                                  "Tags.member.1.Key": "workshop", "Tags.member.1.Value": "connect-sso"}).encode()
    store = json.dumps({"IdentityStoreId": "d-1234567890", "UserName": "agent1@connect-workshop.com",
                        "DisplayName": "Agent One", "Name": {"GivenName": "Agent", "FamilyName": "One"},
                        "Emails": [{"Value": "agent1@connect-workshop.com", "Type": "work", "Primary": True}]}).encode()
    connect = json.dumps({"Username": "agent1@connect-workshop.com", "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
                          "SecurityProfileIds": ["11111111-2222-3333-4444-555555555555"],
                          "RoutingProfileId": "11111111-2222-3333-4444-555555555555"}).encode()
    path = "/users/11111111-2222-3333-4444-555555555555"
    return [
        ("iam CreateRole (query)", "iam",
         _environ("iam", "POST", "/", iam, "application/x-www-form-urlencoded; charset=utf-8"), iam),
        ("identitystore CreateUser (JSON)", "identitystore",
         _environ("identitystore", "POST", "/", store, "application/x-amz-json-1.1", "AWSIdentityStore.CreateUser"), store),
        ("connect CreateUser (REST-JSON)", "connect", _environ("connect", "PUT", path, connect, "application/json"), connect),
    ]


def _per_call_us(fn, n: int) -> float:
    fn()  # warm: models and patterns load once per process
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="requests per figure")
    args = parse_args(parser, n=20)
    print("the sandbox's guard, per request (in-process, botocore-signed requests)")
    worst = 0.0
    for label, service, environ, body in requests():
        assert not isinstance(guard.verify_sigv4(environ, body, OWN, lambda key: None), guard.Refusal), label
        assert validate.check(service, environ, body) is None, label
        sig = _per_call_us(lambda: guard.verify_sigv4(environ, body, OWN, lambda key: None), args.n)
        val = _per_call_us(lambda: validate.check(service, environ, body), args.n)
        worst = max(worst, val)
        print(f"  {label:<34} SigV4 verify {sig:7.1f} µs   validate {val:7.1f} µs")
    goal("model-driven validation per request (worst of the three)", f"{worst:.0f} µs", worst <= 500, "≤ 500 µs")

    calls = max(5, args.n // 20)
    with private_sandbox():
        from workshop_lib.aws.session import client
        from workshop_lib.settings import Settings

        settings = Settings(target="sandbox")
        for label, call in (("sts GetCallerIdentity", lambda: client("sts", settings).get_caller_identity()),
                            ("iam ListRoles", lambda: client("iam", settings).list_roles())):
            call()
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            print(f"  end to end through the server: {label:<22} median {statistics.median(times):.2f} ms "
                  f"(min {min(times):.2f}, {calls} calls, signed, verified and validated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
