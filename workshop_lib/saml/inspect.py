"""One inspection of a SAML response: read it, verify it when metadata is given, judge it.

Shared by `connect-sso-workshop saml inspect` and the notebooks' inspector, so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml.judge import judge_response
from workshop_lib.saml.metadata import MetadataReport
from workshop_lib.saml.response import SamlResponse, parse_response
from workshop_lib.saml.signature import VerifiedResponse, verify_response


@dataclass
class Inspection:
    response: SamlResponse  # the signed part only, when the signature was verified
    verified: Optional[VerifiedResponse] = None
    signature_error: str = ""  # why verification failed, when metadata was given
    findings: list[Finding] = field(default_factory=list)

    @property
    def signature_line(self) -> str:
        if self.verified is not None:
            cert = self.verified.certificate
            return (f"valid ({self.verified.signed_element} signed with {cert.subject}, "
                    f"SHA-256 {cert.sha256_fingerprint}); only the signed part is shown")
        if self.signature_error:
            return f"NOT valid: {self.signature_error}"
        return "not checked (give the application's metadata to verify it)"


def inspect_response(data: bytes | str, metadata: Optional[MetadataReport] = None, **judge: Any) -> Inspection:
    """Parse (raises SamlError when unreadable), verify against ``metadata`` if given, and judge.

    A failed verification is an error finding, and the unverified response is still judged, so the
    learner sees every problem at once. ``judge`` goes to judge_response (expected ARNs, usernames …).
    """
    inspection = Inspection(parse_response(data))
    extra: list[Finding] = []
    if metadata is not None:
        try:
            inspection.verified = verify_response(data, metadata=metadata)
        except WorkshopError as exc:
            inspection.signature_error = exc.message
            extra.append(Finding(exc.code or "saml.signature", Severity.ERROR, exc.message, fix=exc.fix, link=exc.link))
        else:
            inspection.response = inspection.verified.response
            extra.extend(inspection.verified.findings)
    judged = judge_response(inspection.response, metadata=metadata, **judge)
    seen: set[tuple[str, str]] = set()
    for finding in extra + judged:
        if (finding.code, finding.message) not in seen:
            seen.add((finding.code, finding.message))
            inspection.findings.append(finding)
    return inspection
