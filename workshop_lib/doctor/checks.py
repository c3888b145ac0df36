"""The doctor's checks: pure functions over a Facts snapshot, one per failure mode (aws-facts §8).

Each returns findings with the F-number, plain words, the fix and, where one helps, a console link. An intact
set-up gives no findings; what no source could read gives an INFO "verify by eye" finding with the exact
expected value. The rules themselves live in ``workshop_lib.rules`` and ``workshop_lib.saml``; the checks
are grouped by link of the chain in ``platform``, ``federation``, ``console`` and ``users``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from workshop_lib.aws.snapshot import Facts
from workshop_lib.doctor._common import unique
from workshop_lib.doctor.console import console_values
from workshop_lib.doctor.federation import (
    federation_permissions,
    providers_match_metadata,
    role_ids_unchanged,
    session_fits_role,
    trust_policies,
)
from workshop_lib.doctor.platform import (
    applications_and_assignments,
    identity_center_reachable,
    instance_uses_saml,
    organization_and_identity_center,
    reads_that_failed,
)
from workshop_lib.doctor.users import admin_can_sign_in, usernames_match
from workshop_lib.findings import Finding

# In the order of the sign-in chain, so the first finding is the first broken link.
CHECKS: tuple[Callable[..., list[Finding]], ...] = (
    instance_uses_saml,
    organization_and_identity_center,
    identity_center_reachable,
    applications_and_assignments,
    providers_match_metadata,
    trust_policies,
    federation_permissions,
    role_ids_unchanged,
    session_fits_role,
    console_values,
    usernames_match,
    admin_can_sign_in,
    reads_that_failed,
)

__all__ = ["CHECKS", "check_facts", *(check.__name__ for check in CHECKS)]


def check_facts(facts: Facts, *, now: Optional[datetime] = None) -> list[Finding]:
    """Every finding for a snapshot, in the order of the sign-in chain."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(facts, now=now) if check is providers_match_metadata else check(facts))
    return unique(findings)
