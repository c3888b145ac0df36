"""Findings: one thing that is wrong (or worth a look), shared by the rules, the SAML toolkit and the doctor."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"  # sign-in cannot work until this is fixed
    WARNING = "warning"  # works today, breaks later or for some users
    INFO = "info"  # verify by eye: no API can read it

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for what to verify by eye: the order findings are shown in."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def by_severity(findings):
    """The findings, errors first, then warnings, then what to verify by eye (stable within each)."""
    return sorted(findings, key=lambda f: f.severity.rank)


@dataclass(frozen=True)
class Finding:
    """What is wrong in plain words, how to fix it, and the failure mode (F1–F22) it causes."""

    code: str  # "F1" … "F22", or a short id such as "metadata.small-key"
    severity: Severity
    message: str
    fix: str = ""
    link: str = ""
    expected: str = ""  # the exact value that should be there, when one is known
    details: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """The finding's name for a learner: its F-number, or a few plain words, never an internal id."""
        return plain_name(self.code)

    def line(self) -> str:
        text = f"[{self.label}] {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


_PLAIN_NAMES = {
    "saml.envelope-unsigned": "response envelope not signed",
    "saml.assertion-only": "bare assertion",
    "saml.not-yet-valid": "not valid yet",
    "saml.clock-skew": "clock skew",
    "saml.sha1": "SHA-1 signature",
    "saml.encrypted-unjudged": "encrypted, not judged",
    "saml.encrypted-parts": "encrypted parts",
    "saml.decrypted": "decrypted",
    "saml.decrypted-parts": "decrypted parts",
    "saml.nameid": "no NameID",
    "saml.bad-time": "unreadable time",
}


def plain_name(code: str) -> str:
    """What a learner reads for a finding's code: the F-number, or a few plain words (never an internal id)."""
    if re.fullmatch(r"F\d+", code or ""):
        return code
    if code in _PLAIN_NAMES:
        return _PLAIN_NAMES[code]
    words = (code or "").split(".", 1)[-1].replace("-", " ").replace("_", " ").strip()
    return words or "finding"
