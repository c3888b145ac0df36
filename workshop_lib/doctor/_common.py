"""Helpers the doctor's checks share: finding builders, console links, and guards around the rules."""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from workshop_lib.aws.errors import DENIED_CODES as DENIED  # noqa: F401 - re-exported for the checks
from workshop_lib.aws.snapshot import Facts
from workshop_lib.rules.chain import SideNames
from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules import chain as sides
from workshop_lib.saml.constants import AWS_AUDIENCE  # noqa: F401 - re-exported for the checks

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO




EMAIL_EXPRESSION = "${user:email}"


SUBJECT_EXPRESSIONS = ("${user:email}", "${user:subject}")


MAX_USER_FINDINGS = 25


MAPPINGS_HOW = "In IAM Identity Center open the application, then Actions > Edit attribute mappings"


def console_url(facts: Facts, path: str, region: Optional[str] = None) -> str:
    return sides.console_url(facts.partition, region or facts.region, path)


def connect_link(facts: Facts) -> str:
    return sides.connect_console_url(facts.partition, facts.region)


def iam_link(facts: Facts, what: str) -> str:
    return sides.iam_console_url(facts.partition, what)


def idc_link(facts: Facts, what: str = "applications") -> str:
    return sides.idc_console_url(facts.partition, facts.idc_region, what)


def make_finding(
    code: str, severity: Severity, message: str, fix: str = "", link: str = "", expected: str = "", **details
) -> Finding:
    return Finding(code, severity, message, fix=fix, link=link, expected=expected, details=details)


def people(chain: SideNames) -> str:
    return "agents" if chain.side == "agent" else "administrators"


def expected_provider_arn(facts: Facts, chain: SideNames) -> str:
    provider = facts.providers.get(chain.side)
    if provider and provider.arn:
        return provider.arn
    return f"arn:{facts.partition}:iam::{facts.account_id or '<account>'}:saml-provider/{chain.provider}"


def expected_role_arn(facts: Facts, chain: SideNames) -> str:
    role = facts.roles.get(chain.side)
    if role and role.arn:
        return role.arn
    return f"arn:{facts.partition}:iam::{facts.account_id or '<account>'}:role/{chain.role}"


def safe(fn: Callable[[], object], default=None):
    """Call a rule that validates its inputs; settings with a bad ID must not crash the doctor."""
    try:
        return fn()
    except (WorkshopError, ValueError):
        return default


def judged(
    rule: Callable[[], list[Finding]], code: str, what: str, expected: str, side: str, link: str
) -> list[Finding]:
    """Run a rule over text a learner typed (its findings prefixed with ``what``); a value the rule cannot even
    analyse is itself a finding."""
    try:
        return [prefixed(f, f"{what}: ", link, side) for f in rule()]
    except WorkshopError as exc:
        message = exc.message
    except Exception as exc:  # noqa: BLE001 - odd typed text must never crash the doctor
        message = f"{type(exc).__name__}: {exc}"
    return [
        make_finding(
            code,
            ERROR,
            f"{what}: the value cannot be read ({message}).",
            fix=f"Replace it with exactly {expected}." if expected else "",
            link=link,
            expected=expected,
            side=side,
        )
    ]


def capped(findings: list[Finding], what: str) -> list[Finding]:
    """At most MAX_USER_FINDINGS per code; the rest summarised in one finding."""
    out: list[Finding] = []
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    for code, items in by_code.items():
        out.extend(items[:MAX_USER_FINDINGS])
        rest = items[MAX_USER_FINDINGS:]
        if rest:
            users = [f.details.get("user", "") for f in rest]
            out.append(
                make_finding(
                    code,
                    max((f.severity for f in rest), key=rank),
                    f"{len(rest)} more {what} have the same kind of problem ({code}).",
                    fix="Fix them the same way; to_frame() lists every finding.",
                    users=users,
                )
            )
    return out


def rank(severity: Severity) -> int:
    return {ERROR: 2, WARNING: 1, INFO: 0}[severity]


def can_read(facts: Facts, *prefixes: str) -> bool:
    return not facts.unreadable_for(*prefixes)


def prefixed(finding: Finding, prefix: str, link: str, side: str) -> Finding:
    return Finding(
        finding.code,
        finding.severity,
        prefix + finding.message,
        fix=finding.fix,
        link=finding.link or link,
        expected=finding.expected,
        details={**finding.details, "side": side},
    )


def unique(findings: Iterable[Finding]) -> list[Finding]:
    seen, out = set(), []
    for finding in findings:
        key = (finding.code, finding.severity, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out
