"""The doctor's answer: findings worst first, the facts they came from, and what the reading cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workshop_lib.findings import SEVERITY_ORDER, Finding, Severity

if TYPE_CHECKING:
    import pandas

    from workshop_lib.aws.snapshot import Facts

HEADINGS = {
    Severity.ERROR: "Errors: sign-in cannot work until these are fixed",
    Severity.WARNING: "Warnings: works today, breaks later or for some users",
    Severity.INFO: "Verify by eye: no API can read these",
}


@dataclass
class DoctorReport:
    """Findings over the whole sign-in chain; ``ok`` when nothing is wrong (INFO items only ask for a look)."""

    findings: list[Finding]
    facts: "Facts"
    calls: int = 0  # API calls the gathering made
    calls_by_operation: dict[tuple[str, str], int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(f.severity in (Severity.ERROR, Severity.WARNING) for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return self.of(Severity.ERROR)

    @property
    def warnings(self) -> list[Finding]:
        return self.of(Severity.WARNING)

    def of(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity is severity]

    def codes(self, *severities: Severity) -> set[str]:
        """The failure-mode codes found (all severities unless some are given)."""
        wanted = severities or SEVERITY_ORDER
        return {f.code for f in self.findings if f.severity in wanted}

    def summary(self) -> str:
        counts = {s: len(self.of(s)) for s in SEVERITY_ORDER}
        if self.ok:
            head = "The sign-in chain looks intact."
        else:
            head = f"{counts[Severity.ERROR]} error(s) and {counts[Severity.WARNING]} warning(s) in the sign-in chain."
        if counts[Severity.INFO]:
            head += f" {counts[Severity.INFO]} value(s) to verify by eye."
        return head + f" ({self.calls} API calls, {self.seconds:.1f} s)"

    def lines(self) -> list[str]:
        """The report as text lines, grouped by severity (for a terminal or a plain notebook output)."""
        out = [self.summary()]
        for severity in SEVERITY_ORDER:
            items = self.of(severity)
            if not items:
                continue
            out.append("")
            out.append(f"{HEADINGS[severity]} ({len(items)}):")
            for finding in items:
                out.append(f"  [{finding.label}] {finding.message}")
                if finding.fix:
                    out.append(f"      Fix: {finding.fix}")
                if finding.expected and finding.expected not in finding.message and "\n" not in finding.expected:
                    out.append(f"      Expected: {finding.expected}")
                if finding.link:
                    out.append(f"      See: {finding.link}")
        return out

    def to_frame(self) -> "pandas.DataFrame":
        """One row per finding: severity, code, message, fix, expected, link (pandas is imported only here)."""
        import pandas as pd

        rows: list[dict[str, Any]] = [
            {
                "severity": f.severity.value,
                "code": f.code,
                "message": f.message,
                "fix": f.fix,
                "expected": f.expected,
                "link": f.link,
            }
            for f in self.findings
        ]
        return pd.DataFrame(rows, columns=["severity", "code", "message", "fix", "expected", "link"])
