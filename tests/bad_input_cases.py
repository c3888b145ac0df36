"""Bad input at every entry point, as a table shared by tests/test_bad_input.py and bench/faults.py.

Each case is something a learner types, pastes, uploads or leaves behind: a Region, an instance ID or
ARN, a name, an email, a relay state, a Role attribute, an agents CSV, a metadata file, a SAML response,
the settings file, or command-line arguments. Every one must end in a WorkshopError (for the CLI: exit
1 or 2) whose message is a sentence and whose fix says what to do, with no traceback and within a few
seconds. ``try_case`` runs one case and says whether it was handled so.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import signal
import tempfile
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

TIME_LIMIT = 10.0  # seconds per case: far more than any needs, so only a hang trips it

UUID = "0f3c2a1b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
ACCOUNT = "123456789012"
ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAgentAccessRole"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAgentAccess"
RELAY = f"https://us-east-1.console.aws.amazon.com/connect/federate/{UUID}?destination=%2Fccp-v2"


@dataclass(frozen=True)
class BadInput:
    category: str
    label: str
    run: Callable[[], Any]
    cli: bool = False  # run returns (exit code, stdout, stderr)


@dataclass
class Handled:
    case: BadInput
    ok: bool
    sentence: str
    seconds: float
    why: str = ""


# ---- what "handled" means --------------------------------------------------------------------------

def is_sentence(text: str, *, limit: int = 1200) -> bool:
    """Plain words a learner can read: several words, ends like a sentence, no traceback, not a wall of text."""
    text = (text or "").strip()
    if not (8 <= len(text) <= limit) or "Traceback" in text or 'File "' in text:
        return False
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        return False
    return len(text.split()) >= 3 and text.rstrip("'\"`").endswith((".", "?", "!", ")"))


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise CaseTimeout in the main thread when a case hangs (SIGALRM; elsewhere, no limit)."""
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(*_args: Any) -> None:
        raise CaseTimeout(f"no answer within {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def try_case(case: BadInput, limit: float = TIME_LIMIT) -> Handled:
    from workshop_lib.agents import AgentFile
    from workshop_lib.errors import WorkshopError

    started = time.perf_counter()
    try:
        with time_limit(limit):
            result = case.run()
    except WorkshopError as exc:
        took = time.perf_counter() - started
        ok = is_sentence(exc.message) and (bool(exc.fix.strip()) or exc.message.count(". ") >= 1)
        return Handled(case, ok, exc.describe(), took, "" if ok else "the error is not a clear sentence with a fix")
    except CaseTimeout as exc:
        return Handled(case, False, "", time.perf_counter() - started, str(exc))
    except BaseException as exc:  # noqa: BLE001 - anything else is a traceback for the learner
        return Handled(case, False, "", time.perf_counter() - started, f"raw {type(exc).__name__}: {str(exc)[:300]}")
    took = time.perf_counter() - started
    if case.cli:
        code, out, err = result
        lines = [_without_prog(line) for line in (err + "\n" + out).splitlines() if line.strip()]
        said = next((line for line in lines if is_sentence(line)), "")
        ok = code in (1, 2) and bool(said) and "Traceback" not in out + err
        return Handled(case, ok, said, took, "" if ok else f"exit {code}: {(err or out)[-300:]!r}")
    if isinstance(result, AgentFile):  # a CSV is reported row by row, not raised
        said = result.problems[0].message if result.problems else result.summary()
        ok = not result.ok and is_sentence(said) and all(is_sentence(p.message) for p in result.problems)
        return Handled(case, ok, said, took, "" if ok else f"accepted: {result.summary()}")
    return Handled(case, False, "", took, f"accepted: {str(result)[:200]}")


def _without_prog(line: str) -> str:
    line = line.strip()
    if line.startswith("connect-sso-workshop") and ": " in line:
        return line.split(": ", 1)[1]
    return re.sub(r"^(ERROR|WARNING)\s+", "", line)


# ---- helpers -----------------------------------------------------------------------------------------

def _raises(fn: Callable, *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: fn(*args, **kwargs)


@contextlib.contextmanager
def _home() -> Iterator[Path]:
    """A throw-away WORKSHOP_HOME for cases that read or write files."""
    saved = os.environ.get("WORKSHOP_HOME")
    with tempfile.TemporaryDirectory(prefix="bad-input-") as folder:
        os.environ["WORKSHOP_HOME"] = folder
        try:
            yield Path(folder)
        finally:
            if saved is None:
                os.environ.pop("WORKSHOP_HOME", None)
            else:
                os.environ["WORKSHOP_HOME"] = saved


def _in_home(fn: Callable[[Path], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with _home() as home:
            return fn(home)

    return run


def _cli(*argv: str, files: dict[str, bytes] | None = None, stdin: bytes = b"") -> Callable[[], Any]:
    """Run ``connect-sso-workshop ARGV`` in-process; ``{name}`` in an argument is a file written first."""

    def run() -> tuple[int, str, str]:
        import sys

        from workshop_lib.cli import main

        with _home() as home:
            paths = {}
            for name, data in (files or {}).items():
                path = home / name
                if data is None:
                    path.mkdir()
                else:
                    path.write_bytes(data)
                paths[name] = str(path)
            args = [a.format(**paths) if "{" in a and files else a for a in argv]
            out, err = io.StringIO(), io.StringIO()
            saved_in, saved_env = sys.stdin, dict(os.environ)
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        code = main(args)
                    except SystemExit as exc:  # argparse's usage errors
                        code = exc.code if isinstance(exc.code, int) else 2
            finally:
                sys.stdin = saved_in
                os.environ.clear()  # a command may set WORKSHOP_* for its own run
                os.environ.update(saved_env)
            return code, out.getvalue(), err.getvalue()

    return run


# ---- the cases ---------------------------------------------------------------------------------------

def region_cases() -> list[BadInput]:
    from workshop_lib.rules.regions import validate_region

    bad = ["", "   ", "us-east-9", "us_east_1", "useast1", "europe", "1", "us-east-1\x00", "x" * 5000,
           ARN, "us\u2011east\u20111", "us-east-1,eu-west-2", "cn-north-1", "ap-northeast-3", "me-south-1",
           "us-west-1", "sa-east-1", "il-central-1", "us-iso-east-1", "global", "aws-global", "*", "us-east-1a",
           "https://us-east-1.console.aws.amazon.com", "N. Virginia", "eu-west-2 eu-west-1", "u\u0455-east-1"]
    cases = [BadInput("region", repr(r)[:40], _raises(validate_region, r)) for r in bad]
    cases.append(BadInput("region", "None", _raises(validate_region, None)))
    cases.append(BadInput("region", "Identity Center in ap-northeast-3 is fine, Connect is not",
                          _raises(validate_region, "ap-northeast-3", service="connect")))
    return cases


def instance_cases() -> list[BadInput]:
    from workshop_lib.rules.instance import parse_instance, validate_instance_id

    bad_ids = ["", "abc", UUID.replace("-", ""), "{" + UUID + "}", UUID[:-1], UUID + "0", UUID.replace("-", "\u2010"),
               UUID[:8] + "\u200b" + UUID[8:], "instance/" + UUID, "my-alias", UUID + "\n" + UUID, UUID.replace("f", "g"),
               "00000000-0000-0000-0000-00000000000", UUID + " " + UUID, "x" * 10000]
    bad_arns = [ARN + "/user/abc", ARN.replace("connect", "iam", 1), ARN.replace(ACCOUNT, "12345678901"),
                ARN.replace("us-east-1", ""), ARN.replace(":instance/", ":instances/"),
                f"arn:aws-cn:connect:cn-north-1:{ACCOUNT}:instance/{UUID}", "https://my-alias.my.connect.aws/",
                f"https://us-east-1.console.aws.amazon.com/connect/v2/app/instances/{UUID}",
                f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/my-alias", "arn:aws:connect", f"arn:aws:connect:us-east-9:{ACCOUNT}:instance/{UUID}",
                ARN.replace("arn:", "ar n:"), f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID}/queue/abc"]
    cases = [BadInput("instance", repr(v)[:50], _raises(validate_instance_id, v)) for v in bad_ids]
    cases += [BadInput("instance", repr(v)[:50], _raises(parse_instance, v)) for v in bad_arns]
    cases.append(BadInput("instance", "ARN in another Region than the one given", _raises(parse_instance, ARN, "eu-west-2")))
    cases.append(BadInput("instance", "None", _raises(parse_instance, None)))
    return cases


def name_cases() -> list[BadInput]:
    from workshop_lib.rules.names import validate_alias, validate_group_name, validate_iam_name

    aliases = ["", "d-1234", "-workshop", "workshop-", "my workshop", "my_workshop", "x" * 46, "café", "ab\ncd", "a.b", "a/b"]
    cases = [BadInput("names", f"alias {a!r}"[:50], _raises(validate_alias, a)) for a in aliases]
    iam = {"role": ["", "my role", "x" * 65, "role/Agent", "Rôle", "a:b", "a*b", "a#b"],
           "policy": ["", "my policy", "x" * 129, "policy/x", "a$b"],
           "saml-provider": ["", "my provider", "x" * 129, "a+b", "a@b", "a,b", "Provider=1"]}
    cases += [BadInput("names", f"{kind} {n!r}"[:50], _raises(validate_iam_name, kind, n)) for kind, names in iam.items() for n in names]
    groups = ["", "   ", "x" * 1025, "Administrator", "AWSAdministrators", "Agents\x00", "Agents\u200b", "Tab\tgroup"]
    cases += [BadInput("names", f"group {g!r}"[:50], _raises(validate_group_name, g)) for g in groups]
    return cases


def username_cases() -> list[BadInput]:
    from workshop_lib.rules.usernames import validate_username

    bad = ["", "a", "a+b@example.com", "o'neil@example.com", "a b@example.com", "x" * 60 + "@example.com", "testuser@example",
           "@example.com", "a@", "a@@example.com", "a@example..com", "jos\u00e9@example.com", "a;b@example.com", "a,b@example.com",
           "<a@example.com>", "mailto:a@example.com", "Agent One <a@example.com>", "a@example.c",
           "a@example.com.", "a\u200b@example.com", "agent1@example.com agent2@example.com", "a@example_com", "\u0430gent@example.com",
           None]
    return [BadInput("usernames", repr(u)[:50], _raises(validate_username, u)) for u in bad]


def relay_state_cases() -> list[BadInput]:
    from workshop_lib.rules.relay_state import parse_relay_state

    bad = ["", "   ", RELAY.replace("https://", "http://"), RELAY.replace("console.aws.amazon.com", "console.aws.amazon.co"),
           RELAY.replace(UUID, UUID[:-1]), RELAY.replace(UUID, "my-alias"), RELAY.replace("%2Fccp-v2", "/ccp-v2"),
           RELAY.replace("%2Fccp-v2", "%2Fccp-v3"), RELAY.replace("%2Fccp-v2", "%252Fccp-v2"), RELAY.replace("federate", "federation"),
           RELAY.replace("/connect/federate/", "/connect/home/"), RELAY + " trailing words", RELAY.replace("?", " ?"),
           "https://my-alias.my.connect.aws/ccp-v2", "https://console.aws.amazon.com/console/home",
           "javascript:alert(1)", RELAY.replace("https://us-east-1.", "https://"), RELAY.replace("us-east-1", "us-east-9"),
           "connect/federate/" + UUID,
           RELAY.replace("?destination=%2Fccp-v2", "?destination="), "x" * 20000, RELAY.replace(UUID, UUID.upper().replace("-", "")),
           RELAY + "\n" + RELAY, None]
    return [BadInput("relay state", repr(r)[:60], _raises(parse_relay_state, r)) for r in bad]


def role_attribute_cases() -> list[BadInput]:
    from workshop_lib.rules.role_attribute import parse_role_attribute

    good = f"{ROLE},{PROVIDER}"
    bad = ["", f"{ROLE}, {PROVIDER}", f"{ROLE},AmazonConnectAgentAccess", ROLE + PROVIDER, f"{ROLE},{PROVIDER},{ROLE}", ROLE,
           PROVIDER, f"{ROLE};{PROVIDER}", f"{ROLE},", f'"{good}"', good.replace(",", ",\n"), good.replace(ACCOUNT, "12345678901"),
           f"{ROLE.replace(':iam:', ':sts:')},{PROVIDER}", f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef,{PROVIDER}",
           f"{ROLE},{PROVIDER.replace('saml-provider', 'oidc-provider')}", f"{ROLE} , {PROVIDER}", good.replace("arn:aws:", "arn:aws-cn:"),
           "AmazonConnectAgentAccessRole,AmazonConnectAgentAccess", "x" * 5000, f"{ROLE},{PROVIDER.replace(ACCOUNT, '210987654321')}", None]
    cases = [BadInput("role attribute", repr(b)[:60], _raises(parse_role_attribute, b)) for b in bad]
    cases.append(BadInput("role attribute", "another account than the instance's", _raises(parse_role_attribute, good, "210987654321")))
    return cases


@lru_cache(maxsize=1)
def _idp() -> Any:
    from saml_helpers import make_idp

    return make_idp("bad-input")


@lru_cache(maxsize=1)
def _other_idp() -> Any:
    from saml_helpers import make_idp

    return make_idp("bad-input-other")


def metadata_cases() -> list[BadInput]:
    from workshop_lib.metadata_files import store_metadata

    def store(data_fn: Callable[[], bytes]) -> Callable[[], Any]:
        return _in_home(lambda home: store_metadata("agent", data_fn()))

    def good() -> bytes:
        return _idp().metadata()

    def weak() -> bytes:
        from saml_helpers import certificate_for_public_key, metadata_with_certificate_b64, weak_rsa_public_key

        idp = _idp()
        cert = certificate_for_public_key(weak_rsa_public_key(512), idp.key)
        return metadata_with_certificate_b64(good(), idp.cert_b64, cert)

    def sp() -> bytes:
        return good().replace(b"IDPSSODescriptor", b"SPSSODescriptor")

    from cryptography.hazmat.primitives import serialization

    cases = {
        "empty file": lambda: b"",
        "only spaces": lambda: b"   \n  ",
        "the certificate (.pem) instead of the metadata": lambda: _idp().cert_pem.encode(),
        "the certificate in DER": lambda: _idp().cert.public_bytes(serialization.Encoding.DER),
        "an HTML sign-in page": lambda: b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>",
        "JSON": lambda: b'{"metadata": "nope"}',
        "a byte-order mark": lambda: b"\xef\xbb\xbf" + good(),
        "UTF-16": lambda: good().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        "service-provider metadata": sp,
        "no certificate": lambda: _idp().metadata(certs=[]),
        "a 512-bit key": weak,
        "a DTD with an external entity": lambda: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&e;"/>',
        "billion laughs": lambda: b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>',
        "cut off half way": lambda: good()[: len(good()) // 2],
        "random bytes": lambda: os.urandom(3000),
        "a zip file": lambda: b"PK\x03\x04" + os.urandom(2000),
        "plain text": lambda: b"hello, this is my metadata",
        "larger than IAM accepts": lambda: good().replace(b"<md:NameIDFormat/>", b"<md:NameIDFormat/><!--" + b"x" * 10_000_001 + b"-->"),
        "a SAML response instead": lambda: _idp().response(),
        "a certificate with a repeated extension": lambda: _repeated_extension_metadata(),
    }
    return [BadInput("metadata", label, store(fn)) for label, fn in cases.items()]


def _repeated_extension_metadata() -> bytes:
    from saml_helpers import _with_duplicate_extension

    idp = _idp()
    cert = _with_duplicate_extension(idp.cert, idp.key)
    return idp.metadata(certs=[cert])


def saml_response_cases() -> list[BadInput]:
    from saml_helpers import b64, har, har_post

    from workshop_lib.saml import verify_response

    def verify(data_fn: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: verify_response(data_fn(), metadata=_idp().metadata())

    def now() -> Any:
        from datetime import datetime, timezone

        return datetime.now(timezone.utc)

    def tampered() -> bytes:
        return _idp().response(now=now()).replace(b"agent.one@example.com", b"attacker@example.com")

    def wrapped() -> bytes:
        from lxml import etree

        root = etree.fromstring(_idp().response(now=now()))
        assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
        evil = etree.fromstring(etree.tostring(assertion))
        for sig in evil.iter("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            sig.getparent().remove(sig)
        evil.set("ID", "_evil")
        root.insert(0, evil)
        return etree.tostring(root)

    cases = {
        "empty": lambda: b"",
        "not base64": lambda: "this is not a SAML response!!",
        "base64 of random bytes": lambda: base64.b64encode(os.urandom(600)).decode(),
        "base64 of XML that is not a Response": lambda: b64(b"<note><to>you</to></note>"),
        "a DTD with an entity": lambda: b64(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>'),
        "unsigned": lambda: b64(_idp().response(sign=None, now=now())),
        "signed by another key": lambda: b64(_other_idp().response(now=now())),
        "changed after signing": lambda: b64(tampered()),
        "signature wrapping": lambda: b64(wrapped()),
        "truncated base64": lambda: b64(_idp().response(now=now()))[:500],
        "deflated garbage": lambda: base64.b64encode(zlib.compress(b"garbage" * 50)[2:-4]).decode(),
        "a HAR without a SAMLResponse": lambda: har([har_post("https://signin.aws.amazon.com/saml", params=[{"name": "RelayState", "value": RELAY}])]),
        "a form body without SAMLResponse": lambda: "RelayState=" + urllib.parse.quote(RELAY),
        "URL-encoded nonsense": lambda: "SAMLResponse=%%%ZZ",
        "the metadata instead": lambda: _idp().metadata(),
        "JSON": lambda: '{"SAMLResponse": 1}',
        "a response with two assertions": lambda: b64(_two_assertions()),
        "a HAR that is not JSON": lambda: '{"log": {"entries": [',
    }
    return [BadInput("saml response", label, verify(fn)) for label, fn in cases.items()]


def _two_assertions() -> bytes:
    from datetime import datetime, timezone

    from lxml import etree

    root = etree.fromstring(_idp().response(now=datetime.now(timezone.utc)))
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    root.append(etree.fromstring(etree.tostring(assertion)))
    return etree.tostring(root)


def settings_cases() -> list[BadInput]:
    from workshop_lib import settings as st

    def load(content: Any) -> Callable[[], Any]:
        def run(home: Path) -> Any:
            path = home / st.FILE_NAME
            if content is None:
                path.mkdir()
            else:
                path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
            return st.load(path)

        return _in_home(run)

    ok = {"schema": st.SCHEMA, "version": st.SCHEMA_VERSION}
    cases = {
        "empty": b"",
        "cut off": b'{"schema": "connect-sso-workshop/settings", "version": 1, "ledger": [',
        "a list": [],
        "null": None and b"null" or b"null",
        "a string": "hello",
        "a number": 42,
        "binary garbage": os.urandom(200),
        "UTF-16": json.dumps(ok).encode("utf-16"),
        "another program's JSON": {"name": "my-app", "version": "1.0.0"},
        "no schema": {"version": 1},
        "a newer version": {**ok, "version": st.SCHEMA_VERSION + 1},
        "the version as text": {**ok, "version": "1"},
        "no version": {"schema": st.SCHEMA},
        "an unknown target": {**ok, "target": "cloud"},
        "a ledger that is text": {**ok, "ledger": "lots"},
        "ledger entries that are numbers": {**ok, "ledger": [1, 2]},
        "a ledger entry without a name": {**ok, "ledger": [{"kind": "iam.role"}]},
        "a Region that is a number": {**ok, "region": 123},
        "names that are a list": {**ok, "names": ["a"]},
        "people that are not a list": {**ok, "people": {"email": "a@example.com"}},
        "nested ten thousand deep": b"[" * 10000 + b"]" * 10000,
        "a folder instead of a file": None,
        "an instance ID that is a list": {**ok, "instance_id": ["x"]},
        "role IDs that are a list": {**ok, "role_ids": ["AROA"]},
    }
    return [BadInput("settings file", label, load(content)) for label, content in cases.items()]


def agents_csv_cases() -> list[BadInput]:
    try:
        from workshop_lib.agents import load_agents_file, read_agents_csv
    except ImportError:  # the agents import is not there: this category is skipped
        return []

    header = "first name,last name,email,role\n"
    rows = {
        "empty": "",
        "only a header": header,
        "no email column": "first name,last name,role\nAna,Silva,agent\n",
        "an invalid email": header + "Ana,Silva,ana silva@example.com,agent\n",
        "an email with a plus": header + "Ana,Silva,ana+1@example.com,agent\n",
        "the same email twice": header + "Ana,Silva,ana@example.com,agent\nAna,Silva,ana@example.com,agent\n",
        "an unknown role": header + "Ana,Silva,ana@example.com,manager\n",
        "a name longer than Connect allows": header + f"{'A' * 101},Silva,ana@example.com,agent\n",
        "a missing first name": header + ",Silva,ana@example.com,agent\n",
        "binary garbage": os.urandom(500),
        "an unclosed quote": header + '"Ana,Silva,ana@example.com,agent\n',
        "an email longer than 64": header + f"Ana,Silva,{'a' * 60}@example.com,agent\n",
        "an email without a domain": header + "Ana,Silva,ana@example,agent\n",
        "no header": "Ana,Silva,ana@example.com,agent\n",
    }
    cases = [BadInput("agents csv", label, _raises(read_agents_csv, data)) for label, data in rows.items()]
    cases.append(BadInput("agents csv", "a file that does not exist", _raises(load_agents_file, "/nonexistent/agents.csv")))
    cases.append(BadInput("agents csv", "a folder", _in_home(lambda home: load_agents_file(home))))
    cases.append(BadInput("agents csv", "a file over the size limit", _in_home(lambda home: (home / "big.csv").write_bytes(b"a" * 5_000_001) and load_agents_file(home / "big.csv"))))
    return cases


def cli_cases() -> list[BadInput]:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    argvs: list[tuple[str, Callable]] = [
        ("no command", _cli()),
        ("an unknown command", _cli("nonsense")),
        ("relay-state without --instance", _cli("relay-state")),
        ("relay-state with a bad instance", _cli("relay-state", "--instance", "not-an-id")),
        ("relay-state with an ID but no Region", _cli("relay-state", "--instance", UUID)),
        ("relay-state with an unknown Region", _cli("relay-state", "--instance", UUID, "--region", "mars-1")),
        ("relay-state with an unknown destination", _cli("relay-state", "--instance", ARN, "--destination", "home")),
        ("relay-state with --admin and --destination", _cli("relay-state", "--instance", ARN, "--admin", "--destination", "ccp")),
        ("relay-state with a 100,000-character instance", _cli("relay-state", "--instance", "x" * 100_000)),
        ("values with an ID instead of the ARN", _cli("values", "--instance", UUID)),
        ("values with a role ARN", _cli("values", "--instance", ROLE)),
        ("values with a Region that contradicts the ARN", _cli("values", "--instance", ARN, "--region", "eu-west-2")),
        ("metadata without an action", _cli("metadata")),
        ("metadata check of a missing file", _cli("metadata", "check", "/nonexistent/metadata.xml")),
        ("metadata check of a folder", _cli("metadata", "check", "{folder}", files={"folder": None})),
        ("metadata check of a certificate", _cli("metadata", "check", "{cert}", files={"cert": pem})),
        ("metadata check of an empty file", _cli("metadata", "check", "{empty}", files={"empty": b""})),
        ("saml without an action", _cli("saml")),
        ("saml inspect of a missing file", _cli("saml", "inspect", "/nonexistent/response.txt")),
        ("saml inspect of garbage on stdin", _cli("saml", "inspect", "-", stdin=b"\x00\x01garbage")),
        ("saml inspect with a missing metadata file", _cli("saml", "inspect", "-", "--metadata", "/nonexistent.xml", stdin=b"x")),
        ("run with an unknown target", _cli("run", "--target", "cloud")),
        ("run --fresh against a real account", _cli("run", "--target", "aws", "--fresh")),
        ("status with --chapter and no value", _cli("status", "--chapter")),
        ("cleanup with an extra argument", _cli("cleanup", "--yes", "now")),
        ("sandbox with an unknown action", _cli("sandbox", "explode")),
        ("doctor with an unknown option", _cli("doctor", "--bogus")),
        ("agents import of a missing file", _cli("agents", "import", "/nonexistent/agents.csv")),
        ("agents import with 0 workers", _cli("agents", "import", "x.csv", "--workers", "0")),
        ("an option with no command", _cli("--frobnicate")),
    ]
    return [BadInput("cli", label, fn, cli=True) for label, fn in argvs]


def all_cases() -> list[BadInput]:
    return (region_cases() + instance_cases() + name_cases() + username_cases() + relay_state_cases()
            + role_attribute_cases() + agents_csv_cases() + metadata_cases() + saml_response_cases()
            + settings_cases() + cli_cases())
