"""`metadata check FILE` and `saml inspect FILE|-`: read what IAM and AWS sign-in would read, and say what is wrong."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable

from workshop_lib.errors import InputError, WorkshopError
from workshop_lib.findings import Finding, Severity, by_severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# Metadata is at most 10,000,000 characters; a HAR of a sign-in can be far larger than its SAML response.
MAX_METADATA_BYTES = 40_000_000
MAX_RESPONSE_BYTES = 210_000_000
MAX_KEY_BYTES = 100_000
_SHOWN = 300  # characters of one value printed before it is shortened


def add_parser(sub: argparse._SubParsersAction) -> None:
    meta = sub.add_parser("metadata", help="check an identity provider's SAML metadata file")
    meta_sub = meta.add_subparsers(dest="metadata_command", metavar="ACTION", parser_class=type(meta))
    check = meta_sub.add_parser("check", help="say what IAM would reject in a metadata file, and show its certificates")
    check.add_argument("file", metavar="FILE", help="the metadata .xml file as downloaded (- reads standard input)")
    check.add_argument(
        "--private-key",
        metavar="FILE",
        help="also check the PEM private key you give the IAM SAML provider (AddPrivateKey) to decrypt assertions",
    )
    check.set_defaults(func=run_metadata_check)
    meta.set_defaults(func=_usage(meta))

    saml = sub.add_parser("saml", help="inspect a SAML response")
    saml_sub = saml.add_subparsers(dest="saml_command", metavar="ACTION", parser_class=type(saml))
    inspect = saml_sub.add_parser(
        "inspect", help="decode a SAML response (XML, base64, URL-encoded, form body or HAR), verify and judge it"
    )
    inspect.add_argument(
        "file", metavar="FILE|-", help="the response as copied from the browser, or - for standard input"
    )
    inspect.add_argument(
        "--metadata", metavar="FILE", help="the IdP metadata: verify the signature with its certificates"
    )
    inspect.add_argument("--role-arn", metavar="ARN", help="the role the Role attribute should name")
    inspect.add_argument("--provider-arn", metavar="ARN", help="the SAML provider the Role attribute should name")
    inspect.add_argument(
        "--connect-user",
        metavar="USERNAME",
        action="append",
        help="an Amazon Connect username RoleSessionName must equal (repeatable)",
    )
    inspect.add_argument(
        "--private-key",
        metavar="FILE",
        help="the PEM private key of the IAM SAML provider: decrypt an encrypted assertion and judge it",
    )
    inspect.add_argument(
        "--at",
        metavar="TIME",
        help="judge as at this moment instead of now (2026-11-27 12:00, 2026-11-27T12:00:05Z, UTC unless an "
        "offset is given), or 'issued' for the response's own IssueInstant",
    )
    inspect.set_defaults(func=run_saml_inspect)
    saml.set_defaults(func=_usage(saml))


def _usage(parser: argparse.ArgumentParser):
    def run(args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: choose an action (see --help)", file=sys.stderr)
        return EXIT_USAGE

    return run


# ---- reading input ---------------------------------------------------------------------------------


def read_input(name: str, *, what: str, limit: int) -> bytes:
    """The bytes of a file (or standard input for '-'); usage problems raise InputError (exit 2)."""
    if name == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode("utf-8", "replace")
        if len(data) > limit:
            raise InputError(
                f"The {what} on standard input is larger than {limit:,} bytes.",
                fix=f"Give the {what} itself, not a larger file.",
            )
        return data
    path = Path(name)
    try:
        if path.is_dir():
            raise InputError(f"{name} is a folder, not a {what} file.", fix=f"Give the path of the {what} file.")
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"{name} is {size:,} bytes, far larger than any {what}.", fix=f"Check that you chose the {what} file."
            )
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"There is no file {name}.", fix="Check the path and the file name.") from None
    except PermissionError:
        raise InputError(f"{name} cannot be read (permission denied).", fix="Check the file's permissions.") from None
    except OSError as exc:
        raise InputError(
            f"{name} cannot be read: {exc.strerror or exc}.", fix=f"Give the path of a readable {what} file."
        ) from None


# ---- printing --------------------------------------------------------------------------------------


def _out(text: str = "") -> None:
    print(_printable(text))


def _printable(text: str) -> str:
    """Hostile input must not drive the terminal: control characters are shown escaped."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"… ({len(text):,} characters)"


def _when(value) -> str:
    if not value:
        return "-"
    from workshop_lib.saml.judge import when

    return when(value)


def _print_findings(findings: Iterable[Finding]) -> None:
    findings = list(findings)
    if not findings:
        _out("Findings: none")
        return
    _out(f"Findings ({len(findings)}):")
    for finding in by_severity(findings):
        _out(f"  {finding.severity.value.upper():7} [{finding.label}] {_short(finding.message)}")
        if finding.fix:
            _out(f"          Fix: {finding.fix}")
        if finding.link:
            _out(f"          See: {finding.link}")


def _exit_code(findings: Iterable[Finding]) -> int:
    return EXIT_FINDINGS if any(f.severity is not Severity.INFO for f in findings) else EXIT_OK


def _guarded(run):
    """No input may end in a traceback: WorkshopErrors go to cli.main, anything else is one sentence."""

    def wrapper(args: argparse.Namespace) -> int:
        _tolerant_stdout()
        try:
            return run(args)
        except WorkshopError:
            raise
        except BrokenPipeError:  # the reader (e.g. `| head`) went away: nothing more to say
            _silence_stdout()
            return EXIT_FINDINGS
        except Exception as exc:  # noqa: BLE001 - the command's edge: a sentence, never a traceback
            print(
                f"connect-sso-workshop: {args.file} could not be read: {type(exc).__name__}: {_short(exc)}.",
                file=sys.stderr,
            )
            return EXIT_FINDINGS

    wrapper.__name__ = run.__name__
    wrapper.__doc__ = run.__doc__
    return wrapper


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _tolerant_stdout() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


# ---- metadata check --------------------------------------------------------------------------------


@_guarded
def run_metadata_check(args: argparse.Namespace) -> int:
    """Print entityID, endpoints, certificates and findings; exit 1 when IAM would reject it or it needs care."""
    from workshop_lib.saml.metadata import load_metadata

    data = read_input(args.file, what="metadata", limit=MAX_METADATA_BYTES)
    try:
        report = load_metadata(data)
    except WorkshopError as exc:
        _out(f"Metadata: {args.file}")
        _print_findings([Finding(exc.code or "F5", Severity.ERROR, exc.message, fix=exc.fix, link=exc.link)])
        _out("IAM would accept it: no")
        return EXIT_FINDINGS
    _out(f"Metadata: {args.file} ({report.characters:,} characters{', with BOM' if report.has_bom else ''})")
    _out(f"entityID: {_short(report.entity_id or '-')}"
         + (" (an IAM Identity Center application)" if report.is_identity_center else ""))
    if report.valid_until:
        _out(f"validUntil: {_when(report.valid_until)}")
    for label, endpoints in (("SSO endpoints", report.sso_endpoints), ("Logout endpoints", report.slo_endpoints)):
        if endpoints:
            _out(f"{label}:")
            for endpoint in endpoints:
                _out(f"  {endpoint.binding_name or '-':14} {_short(endpoint.location or '-')}")
    _out(f"Certificates ({len(report.certificates)}):")
    for cert in report.certificates:
        _out(f"  Subject:   {_short(cert.subject)}" + (" (self-signed, as IdP signing certificates usually are)" if cert.self_signed else ""))
        _out(f"  NotAfter:  {_when(cert.not_after)} ({cert.days_left()} days left)")
        _out(f"  Key:       {cert.key_type} {cert.key_size} bits")
        _out(f"  SHA-256:   {cert.sha256_fingerprint}")
    findings = list(report.findings)
    if getattr(args, "private_key", None):
        findings.extend(_private_key_lines(args.private_key))
    _print_findings(findings)
    _out(f"IAM would accept it: {'yes' if report.iam_ok else 'no'}")
    return _exit_code(findings)


def _private_key_lines(name: str) -> list[Finding]:
    """Print what IAM's AddPrivateKey would hold; a finding when IAM could not use the key. The key is never shown."""
    from workshop_lib.saml.encryption import describe_private_key

    data = read_input(name, what="private key", limit=MAX_KEY_BYTES)
    try:
        _out(f"Private key: {describe_private_key(data)}")
    except WorkshopError as exc:
        _out("Private key: not usable")
        return [Finding("iam.private-key", Severity.ERROR, exc.message, fix=exc.fix)]
    return [Finding(
        "iam.private-key", Severity.INFO,
        "With this key in the IAM SAML provider (AddPrivateKey) and an AssertionEncryptionMode, IAM decrypts "
        "assertions encrypted to its certificate; the identity provider must encrypt to the certificate of this key.",
        fix="Check the same key's responses with: saml inspect RESPONSE --private-key KEY.")]


# ---- saml inspect ----------------------------------------------------------------------------------


@_guarded
def run_saml_inspect(args: argparse.Namespace) -> int:
    """Decode, check the structure, optionally verify and decrypt, print and judge a SAML response."""
    from workshop_lib.saml import inspect_response, load_metadata

    at = _moment(getattr(args, "at", None))
    names = [n for n in (args.file, args.metadata, getattr(args, "private_key", None)) if n == "-"]
    if len(names) > 1:
        raise InputError(
            "Only one of the response, --metadata and --private-key can come from standard input.",
            fix="Give the others as files.",
        )
    private_key = None
    if getattr(args, "private_key", None):
        private_key = read_input(args.private_key, what="private key", limit=MAX_KEY_BYTES)
    metadata = None
    if args.metadata:
        raw_metadata = read_input(args.metadata, what="metadata", limit=MAX_METADATA_BYTES)
        try:
            metadata = load_metadata(raw_metadata, now=None if at in (None, "issued") else at)
        except WorkshopError as exc:
            _out(f"Metadata {args.metadata} cannot be used: {exc.message}")
            if exc.fix:
                _out(f"  Fix: {exc.fix}")
            return EXIT_FINDINGS
    data = read_input(args.file, what="SAML response", limit=MAX_RESPONSE_BYTES)
    try:
        inspection = inspect_response(
            data,
            metadata,
            private_key=private_key,
            now=None if at == "issued" else at,
            at_issue_instant=at == "issued",
            expected_role_arn=args.role_arn,
            expected_provider_arn=args.provider_arn,
            connect_usernames=set(args.connect_user) if args.connect_user else None,
        )
    except WorkshopError as exc:
        _out(f"SAML response: {args.file}")
        _print_findings(
            [Finding(exc.code or "saml.unreadable", Severity.ERROR, exc.message, fix=exc.fix, link=exc.link)]
        )
        _out("Verdict: NOT JUDGED: the response could not be read.")
        return EXIT_FINDINGS
    response, verified = inspection.response, inspection.verified
    if inspection.refused:
        _out(f"SAML response: {args.file}")
        _out(f"Judged as at: {_when(inspection.at)}")
    else:
        if verified is not None:
            note = " (the signed assertion only)" if verified.signed_element == "Assertion" else " (the signed response)"
        else:
            note = " (a bare assertion, unverified)" if response.is_assertion_only else " (unverified)"
        _print_response(args.file, response, inspection, note)
    _print_findings(inspection.findings)
    _out(f"Verdict: {inspection.verdict}")
    if inspection.refused or not inspection.judged:
        return EXIT_FINDINGS
    return _exit_code(inspection.findings)


def _moment(text: str | None):
    if not text or text.strip().lower() == "now":
        return None
    if text.strip().lower() in ("issued", "issue-instant"):
        return "issued"
    from workshop_lib.saml._time import parse_moment

    try:
        return parse_moment(text)
    except ValueError as exc:
        raise InputError(f"--at {exc}", fix="For example: --at '2026-11-27 12:00' (UTC).") from None


def _print_response(name: str, resp, inspection, note: str) -> None:
    from workshop_lib.saml.judge import when

    def moment(value):
        return when(value) if value else None

    _out(f"SAML response: {name}{note}")
    _out(f"{'Judged as at:':17}{_when(inspection.at)}")
    end = resp.not_on_or_after or resp.subject_not_on_or_after
    rows = [
        ("Issuer", resp.effective_issuer),
        ("Destination", resp.destination),
        ("Status", resp.status),
        ("Recipient", resp.recipient),
        ("Audience", ", ".join(resp.audiences) if resp.audiences else None),
        ("Issued", moment(resp.issue_instant)),
        ("Valid from", moment(resp.not_before or resp.subject_not_before)),
        ("Valid until", moment(end)),
        ("NameID", f"{resp.name_id} ({resp.name_id_format})" if resp.name_id and resp.name_id_format else resp.name_id),
        ("RoleSessionName", resp.role_session_name),
        ("SessionDuration", resp.session_duration),
        ("Encrypted", _encrypted_line(resp)),
        ("Signed parts", resp.signed_parts),
        ("Signature", inspection.signature_line),
    ]
    for label, value in rows:
        if label == "Encrypted" and value is None:
            continue
        _out(f"{label + ':':17}{_short(value) if value not in (None, '') else '-'}")
    if resp.roles:
        _out("Roles:")
        for role, provider in resp.roles:
            _out(f"  role {_short(role)}")
            _out(f"    via {_short(provider)}")
    if resp.attributes:
        _out(f"Attributes ({len(resp.attributes)}):")
        for attr_name, values in resp.attributes.items():
            _out(f"  {_short(attr_name)} = {_short(', '.join(values))}")


def _encrypted_line(resp) -> str | None:
    if resp.decrypted:
        return "the assertion was encrypted and has been decrypted with the given key"
    if resp.encrypted_assertions:
        return "the assertion is encrypted and was not read (no --private-key)"
    if resp.encrypted_parts:
        return ", ".join(sorted(set(resp.encrypted_parts))) + " encrypted, not read"
    return None
