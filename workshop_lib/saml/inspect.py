"""One inspection of a SAML response: read it, check its structure, verify it when metadata is given, judge it.

Shared by `connect-sso-workshop saml inspect` and the notebooks' inspector, so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml._time import aware
from workshop_lib.saml.judge import judge_response
from workshop_lib.saml.metadata import MetadataReport
from workshop_lib.saml.response import SamlResponse, parse_response
from workshop_lib.saml.signature import ENCRYPTED_FIX, VerifiedResponse, verify_response


@dataclass
class Inspection:
    response: SamlResponse  # the signed part only, when the signature was verified
    verified: Optional[VerifiedResponse] = None
    signature_error: str = ""  # why verification failed, when metadata was given
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # the structure was refused: nothing read from the response is trustworthy
    judged: bool = True  # False when the assertion could not be read (encrypted without the key)
    at: Optional[datetime] = None  # the moment the response was judged as at

    @property
    def trusted_values(self) -> bool:
        """True when the values read from the response may be shown as the response's (verified)."""
        return self.verified is not None and not self.refused

    @property
    def verdict(self) -> str:
        """One line: what the inspection concluded, in words."""
        if self.refused:
            return "REFUSED: the structure of the response is not trustworthy, so none of its values are shown."
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if not self.judged:
            return ("NOT JUDGED: the assertion is encrypted and no decryption key was given"
                    + (f"; {len(errors)} error(s) found in what could be checked." if errors else "."))
        if errors:
            return f"AWS would refuse it: {len(errors)} error(s)."
        warnings = [f for f in self.findings if f.severity is Severity.WARNING]
        checked = "" if self.verified is not None else " (signature not checked: give the metadata to check it)"
        return (f"AWS would accept it, with {len(warnings)} warning(s){checked}." if warnings
                else f"AWS would accept it{checked}.")

    @property
    def signature_line(self) -> str:
        if self.refused:
            return "not checked: the structure was refused first"
        if self.verified is not None:
            cert = self.verified.certificate
            shown = "only the signed part is shown"
            if not self.judged:
                shown = "the encrypted assertion inside it was not judged"
            return (f"valid ({self.verified.signed_element} signed with {cert.subject}, "
                    f"SHA-256 {cert.sha256_fingerprint}); {shown}")
        if self.signature_error:
            return f"NOT valid: {self.signature_error} The values below are what the response claims, unverified."
        return "not checked (give the application's metadata to verify it); the values below are unverified"


def inspect_response(data: bytes | str, metadata: Optional[MetadataReport] = None, *, private_key=None,
                     now: datetime | None = None, at_issue_instant: bool = False, **judge: Any) -> Inspection:
    """Parse (raises SamlError when unreadable), check the structure, verify against ``metadata`` if given, judge.

    A refused structure is the only finding, and nothing else is judged. A failed verification is an error
    finding, and the unverified response is still judged, so the learner sees every problem at once.
    ``private_key`` (PEM bytes) decrypts an encrypted assertion; ``now`` judges as at that moment (or
    ``at_issue_instant``: as at the response's own IssueInstant);
    ``judge`` goes to judge_response (expected ARNs, usernames …).
    """
    now = aware(now)
    inspection = Inspection(parse_response(data, private_key=private_key), at=now)
    resp = inspection.response
    if at_issue_instant and resp.issue_instant is not None:
        now = inspection.at = resp.issue_instant
    if resp.refusal is not None:
        inspection.refused = True
        inspection.findings = [f for f in resp.findings if f.details.get("refused") or f.code == "saml.namespaces"]
        return inspection
    extra: list[Finding] = []
    if metadata is not None:
        try:
            inspection.verified = verify_response(data, metadata=metadata, now=now, private_key=private_key)
        except WorkshopError as exc:
            if exc.code != "saml.encrypted-unjudged":  # unsigned Response around an encrypted assertion: said below
                inspection.signature_error = exc.message
                extra.append(Finding(exc.code or "saml.signature", Severity.ERROR, exc.message, fix=exc.fix,
                                     link=exc.link))
                extra.extend(getattr(exc, "findings", []))
        else:
            inspection.response = inspection.verified.response
            extra.extend(inspection.verified.findings)
    resp = inspection.response
    if resp.encrypted_assertions and not resp.decrypted:
        inspection.judged = False
        extra.append(_unjudged(resp, inspection))
    if resp.encrypted_parts:
        extra.append(Finding(
            "saml.encrypted-parts", Severity.WARNING,
            f"Parts of the assertion are encrypted ({', '.join(sorted(set(resp.encrypted_parts)))}) and were not "
            "read, so they were not judged.", fix=ENCRYPTED_FIX))
    judged = judge_response(resp, metadata=metadata, now=now, **judge)
    seen: set[tuple[str, str]] = set()
    for finding in extra + judged:
        if (finding.code, finding.message) not in seen:
            seen.add((finding.code, finding.message))
            inspection.findings.append(finding)
    return inspection


def _unjudged(resp: SamlResponse, inspection: Inspection) -> Finding:
    checked = ["the structure of the response"]
    if inspection.verified is not None:
        checked.append("the Response signature (valid: it covers the encrypted assertion)")
    elif inspection.signature_error:
        checked.append("the Response signature (NOT valid, see above)")
    elif resp.signed_parts == "none":
        checked.append("that the Response itself is not signed (whether the assertion inside is signed cannot be "
                       "seen without the key)")
    checked.append("the Status")
    return Finding(
        "saml.encrypted-unjudged", Severity.WARNING,
        "The assertion is encrypted and no decryption key was given, so the assertion was NOT judged: its "
        "issuer, subject (NameID), audience, validity times, attributes (Role, RoleSessionName, SessionDuration) "
        "and its own signature were not checked. What was checked: " + ", ".join(checked) + ".",
        fix=ENCRYPTED_FIX)
