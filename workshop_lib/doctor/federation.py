"""Checks of the IAM side of federation: providers and metadata (F4, F5, F6, F18), trust (F2, F13), RoleId (F10)
and the permission policy (F9)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from workshop_lib.aws.snapshot import Facts, RoleFacts
from workshop_lib.doctor._common import (
    ERROR,
    INFO,
    WARNING,
    can_read,
    capped,
    connect_link,
    expected_provider_arn,
    expected_role_arn,
    iam_link,
    idc_link,
    make_finding,
    people,
    prefixed,
    safe,
)
from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding


def providers_match_metadata(facts: Facts, now: Optional[datetime] = None) -> list[Finding]:
    """F6 provider exists; F5 its metadata parses; F18 certificate not expiring; F4 it is this app's current metadata."""
    from workshop_lib.saml.metadata import load_metadata

    if not can_read(facts, "iam:GetSAMLProvider"):
        return []
    reports = {}
    out: list[Finding] = []
    for side, chain in facts.chains.items():
        provider = facts.providers.get(side)
        if provider is None:
            continue
        if not provider.found:
            out.append(
                make_finding(
                    "F6",
                    ERROR,
                    f"The IAM SAML provider {chain.provider} does not exist, so STS answers "
                    '"Specified provider doesn\'t exist" for the ' + people(chain) + ".",
                    fix=f"Create it from the '{chain.app}' application's metadata (chapter 04/06).",
                    link=iam_link(facts, "identity_providers"),
                    expected=provider.arn,
                    side=side,
                )
            )
            continue
        report = _metadata_report(load_metadata, provider.metadata, now)
        if isinstance(report, WorkshopError):
            out.append(
                make_finding(
                    "F5",
                    ERROR,
                    f"The metadata stored in the IAM SAML provider {chain.provider} cannot be read: {report.message}",
                    fix=f"Download the metadata of '{chain.app}' again and run update_saml_provider with it.",
                    link=iam_link(facts, "identity_providers"),
                    side=side,
                )
            )
            continue
        reports[side] = report
        out.extend(_assertion_encryption(facts, chain, provider, side))
        for finding in report.findings:
            if finding.code in ("F5", "F18") and finding.severity is not INFO:
                out.append(
                    make_finding(
                        finding.code,
                        finding.severity,
                        f"IAM SAML provider {chain.provider}: {finding.message}",
                        fix=finding.fix,
                        link=finding.link or iam_link(facts, "identity_providers"),
                        side=side,
                        **{k: v for k, v in finding.details.items() if k != "side"},
                    )
                )
    out.extend(_provider_is_current_metadata(facts, reports, now, load_metadata))
    return out


def _assertion_encryption(facts: Facts, chain, provider, side: str) -> list[Finding]:
    """IAM SAML providers can decrypt assertions (AssertionEncryptionMode, AddPrivateKey: botocore iam 2010-05-08).

    "Required" refuses every unencrypted assertion, and IAM Identity Center's Amazon Connect application sends
    them unencrypted; any mode without a private key leaves IAM unable to decrypt what it is sent.
    """
    mode, keys = getattr(provider, "encryption_mode", ""), getattr(provider, "private_keys", 0)
    where = f"The IAM SAML provider {chain.provider}"
    if mode and not keys:
        return [make_finding(
            "iam.assertion-encryption", ERROR,
            f"{where} has AssertionEncryptionMode {mode} but holds no private key, so it cannot decrypt an "
            "encrypted assertion" + (" and refuses every unencrypted one." if mode == "Required" else "."),
            fix="Add the private key whose certificate the identity provider encrypts to (update_saml_provider "
                "AddPrivateKey), or remove the encryption mode if assertions are not encrypted.",
            link=iam_link(facts, "identity_providers"), side=side)]
    if mode == "Required":
        return [make_finding(
            "iam.assertion-encryption", WARNING,
            f"{where} requires encrypted assertions (AssertionEncryptionMode Required, {keys} private key(s)), so "
            f"the '{chain.app}' application must encrypt every assertion to the certificate of that key; an "
            "unencrypted one is refused.",
            fix="If the application does not encrypt (IAM Identity Center's Amazon Connect application does not), "
                "set AssertionEncryptionMode to Allowed; check a response with saml inspect --private-key.",
            link=iam_link(facts, "identity_providers"), side=side)]
    if mode or keys:
        return [make_finding(
            "iam.assertion-encryption", INFO,
            f"{where} can decrypt assertions (AssertionEncryptionMode {mode or 'not set'}, {keys} private key(s)).",
            fix="Nothing to fix while sign-in works.", side=side)]
    return []


def _metadata_report(load, text: str, now):
    try:
        return load(text.encode("utf-8") if isinstance(text, str) else text, now=now)
    except WorkshopError as exc:
        return exc


def _provider_is_current_metadata(facts: Facts, reports: dict, now, load) -> list[Finding]:
    out = []
    apps = {}
    for side, text in facts.app_metadata.items():
        report = _metadata_report(load, text, now)
        if isinstance(report, WorkshopError) or not report.entity_id:
            chain = facts.chains[side]
            why = report.message if isinstance(report, WorkshopError) else "it has no entityID"
            out.append(
                make_finding(
                    "F5",
                    WARNING,
                    f"The downloaded metadata of '{chain.app}' cannot be read ({why}), so the "
                    "provider could not be compared with it.",
                    fix=f"Download the metadata of '{chain.app}' again (chapter 03/06).",
                    side=side,
                )
            )
            continue
        apps[side] = report
    for side, chain in facts.chains.items():
        provider, app = reports.get(side), apps.get(side)
        if provider is None or app is None:
            continue
        other = next((s for s, r in apps.items() if s != side and r.entity_id == provider.entity_id), None)
        if provider.entity_id != app.entity_id:
            source = (
                f"the '{facts.chains[other].app}' application's metadata"
                if other
                else f"metadata whose issuer is {provider.entity_id}"
            )
            out.append(
                make_finding(
                    "F4",
                    ERROR,
                    f"The IAM SAML provider {chain.provider} was made from {source}, not from '{chain.app}' "
                    f'(issuer {app.entity_id}); sign-in fails with "Issuer not present in specified provider".',
                    fix=f"Run update_saml_provider on {chain.provider} with the metadata of '{chain.app}' (one "
                    "provider per application).",
                    link=iam_link(facts, "identity_providers"),
                    expected=app.entity_id,
                    side=side,
                )
            )
            continue
        have = {c.sha256_fingerprint for c in provider.certificates}
        want = {c.sha256_fingerprint for c in app.certificates}
        if want and not (have & want):
            out.append(
                make_finding(
                    "F4",
                    ERROR,
                    f"The certificate in the IAM SAML provider {chain.provider} is not the current certificate of "
                    f"'{chain.app}' (it was rotated), so AWS answers \"Response signature invalid\".",
                    fix=f"Download the current metadata of '{chain.app}' and run update_saml_provider on {chain.provider}.",
                    link=iam_link(facts, "identity_providers"),
                    expected=sorted(want)[0],
                    side=side,
                )
            )
    # Without downloaded metadata: two providers made from the same app's metadata.
    sides = [s for s in facts.chains if s in reports and s not in apps]
    if len(reports) >= 2 and sides:
        first, second = list(reports)[:2]
        a, b = reports[first], reports[second]
        if a.entity_id and a.entity_id == b.entity_id:
            names = " and ".join(facts.chains[s].provider for s in (first, second))
            out.append(
                make_finding(
                    "F4",
                    ERROR,
                    f"The IAM SAML providers {names} hold the same metadata (issuer {a.entity_id}), but each "
                    "application has its own issuer and certificate; one of them was made from the other app's "
                    "metadata.",
                    fix="Download each application's metadata and run update_saml_provider on its own provider.",
                    link=iam_link(facts, "identity_providers"),
                    side=sides[0],
                )
            )
    return out


def trust_policies(facts: Facts) -> list[Finding]:
    """F2/F13: each role exists, is not an AWSReservedSSO_ role, and trusts its provider for the SAML:aud in use."""
    from workshop_lib.rules.iam_documents import saml_audiences, trust_policy_findings

    if not can_read(facts, "iam:GetAccountAuthorizationDetails", "iam:GetRole"):
        return []
    out = []
    audiences = safe(lambda: saml_audiences(facts.region), [])
    for side, chain in facts.chains.items():
        role = facts.roles.get(side)
        if role is None:
            continue
        if not role.found:
            out.append(
                make_finding(
                    "F2",
                    ERROR,
                    f'The IAM role {chain.role} does not exist, so STS answers "Not authorized to '
                    'perform sts:AssumeRoleWithSAML" for the ' + people(chain) + ".",
                    fix=f"Create the role {chain.role} with the SAML trust policy (chapter 04/06).",
                    link=iam_link(facts, "roles"),
                    expected=expected_role_arn(facts, chain),
                    side=side,
                )
            )
            continue
        if role.name.startswith("AWSReservedSSO_") or "/aws-reserved/" in (role.path or ""):
            out.append(
                make_finding(
                    "F2",
                    ERROR,
                    f"{role.name} is an AWSReservedSSO_ role managed by IAM Identity Center; it cannot "
                    "be the Amazon Connect federation role.",
                    fix=f"Use the workshop's role {chain.role}.",
                    side=side,
                )
            )
            continue
        if role.trust_policy is None:
            out.append(
                make_finding(
                    "F2",
                    ERROR,
                    f"The trust policy of {chain.role} cannot be read as JSON.",
                    fix="Replace it with the trust policy the workshop generates (chapter 04).",
                    link=iam_link(facts, f"roles/details/{chain.role}"),
                    side=side,
                )
            )
            continue
        provider_arn = expected_provider_arn(facts, chain)
        console = facts.console.get(side)
        in_use = [console.acs] if console and console.acs else audiences[:1]
        found = safe(lambda: trust_policy_findings(role.trust_policy, provider_arn, in_use), [])
        for finding in found:
            out.append(prefixed(finding, f"Role {chain.role}: ", iam_link(facts, f"roles/details/{chain.role}"), side))
        regional = [a for a in audiences[1:] if a not in in_use]
        if regional and not any(f.severity is ERROR for f in found):
            later = safe(lambda: trust_policy_findings(role.trust_policy, provider_arn, regional), [])
            for finding in later:
                if finding.code == "F13":
                    out.append(
                        make_finding(
                            "F13",
                            WARNING,
                            f"Role {chain.role}: the trust policy allows only the global sign-in endpoint; sign-in "
                            f"breaks if the application switches to the regional endpoint {regional[0]} (which the "
                            "Connect admin guide recommends).",
                            fix=f'Add "{regional[0]}" to the SAML:aud list under StringEquals.',
                            link=iam_link(facts, f"roles/details/{chain.role}"),
                            expected=regional[0],
                            side=side,
                        )
                    )
    return out


def role_ids_unchanged(facts: Facts) -> list[Finding]:
    """F10: a role re-created since users first federated (new RoleId), or one person in both groups."""
    out = []
    for side, chain in facts.chains.items():
        role = facts.roles.get(side)
        recorded = facts.recorded_role_ids.get(chain.role)
        if role and role.found and recorded and role.role_id and role.role_id != recorded:
            out.append(
                make_finding(
                    "F10",
                    ERROR,
                    f"The role {chain.role} was re-created: its RoleId is now {role.role_id}, but users first "
                    f'signed in through {recorded}. Connect users who federated before get "Bad Request".',
                    fix="Delete and re-create those Amazon Connect users (same username), then record the new "
                    "RoleId by re-running the role step.",
                    link=connect_link(facts),
                    expected=recorded,
                    side=side,
                )
            )
    groups = [g for g in facts.groups.values() if g.found]
    if len(groups) >= 2:
        both = set(groups[0].member_ids) & set(groups[1].member_ids)
        users = sorted(facts.idc_users[u].user_name for u in both if u in facts.idc_users)
        findings = [
            make_finding(
                "F10",
                WARNING,
                f"{name} is in both '{groups[0].name}' and '{groups[1].name}'; a Connect user can sign in through "
                'one role only, so the second app answers "Bad Request".',
                fix="Keep each person in one group; use separate identities for agent and admin work.",
                link=idc_link(facts, "groups"),
                user=name,
            )
            for name in users
        ]
        out.extend(capped(findings, "users"))
    return out


def federation_permissions(facts: Facts) -> list[Finding]:
    """F9: a policy of each role allows connect:GetFederationToken on <instance ARN>/user/${aws:userid}."""
    from workshop_lib.rules.iam_documents import federation_policy, federation_policy_findings, policy_json

    if not facts.instance.found or not facts.instance.arn:
        return []
    if not can_read(facts, "iam:GetAccountAuthorizationDetails", "iam:GetRole", "iam:ListAttachedRolePolicies"):
        return []
    arn = facts.instance.arn
    expected = safe(lambda: policy_json(federation_policy(arn)), "")
    out = []
    for side, chain in facts.chains.items():
        role: Optional[RoleFacts] = facts.roles.get(side)
        if role is None or not role.found:
            continue
        link = iam_link(facts, f"roles/details/{chain.role}")
        readable = [p for p in role.policies if p.document is not None]
        if not role.policies:
            out.append(
                make_finding(
                    "F9",
                    ERROR,
                    f"The role {chain.role} has no permission policy, so Amazon Connect answers "
                    '"Access denied" after sign-in.',
                    fix=f"Attach {chain.policy} to {chain.role} (chapter 04).",
                    link=link,
                    expected=expected,
                    side=side,
                )
            )
            continue
        per_policy = [(p, safe(lambda p=p: federation_policy_findings(p.document, arn), [])) for p in readable]
        if any(not [f for f in found if f.severity is ERROR] for _, found in per_policy):
            continue  # one policy grants it: sign-in works (warnings of the others are not the cause)
        if not readable:
            out.append(
                make_finding(
                    "F9",
                    WARNING,
                    f"The permission policies of {chain.role} could not be read.",
                    fix="Check by eye that they allow connect:GetFederationToken on this instance.",
                    link=link,
                    expected=expected,
                    side=side,
                )
            )
            continue
        # Explain with the workshop's own policy if attached, else with every policy that mentions the action.
        ours = [(p, f) for p, f in per_policy if p.name == chain.policy or p.arn.endswith(f"/{chain.policy}")]
        relevant = ours or [(p, f) for p, f in per_policy if not _only_no_action(f)] or per_policy[:1]
        for policy, found in relevant:
            label = f"policy {policy.name}" if not policy.inline else f"inline policy {policy.name}"
            for finding in found:
                out.append(prefixed(finding, f"Role {chain.role}, {label}: ", link, side))
    return out


def _only_no_action(findings: list[Finding]) -> bool:
    return all(
        "allows connect:GetFederationToken" in f.message and f.message.startswith("No statement") for f in findings
    )


# What STS answers when the SAML response asks for a longer session than the role allows (AssumeRoleWithSAML).
DURATION_REFUSED = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role"
WORKSHOP_SESSION_SECONDS = 43200


def session_fits_role(facts: Facts) -> list[Finding]:
    """F22: the mapping's SessionDuration is longer than the role's MaxSessionDuration, so STS refuses the sign-in."""
    out = []
    for side, chain in facts.chains.items():
        role = facts.roles.get(side)
        if not role or not role.found or not role.max_session_duration:
            continue
        console = facts.console.get(side)
        mappings = console.attribute_mappings if console else None
        if mappings is None:  # no source for console values: the session the workshop tells learners to map
            wanted = WORKSHOP_SESSION_SECONDS
        else:  # no SessionDuration row: STS's default of one hour
            mapped = (mappings.get("SessionDuration") or "3600").strip()
            wanted = int(mapped) if mapped.isascii() and mapped.isdigit() else 3600
        if role.max_session_duration < wanted:
            out.append(
                make_finding(
                    "F22",
                    ERROR,
                    f"The role {chain.role} allows sessions of at most {role.max_session_duration} seconds, but the "
                    f"application asks for SessionDuration {wanted}: AWS refuses the sign-in with "
                    f'"{DURATION_REFUSED}".',
                    fix=f"In the IAM console open the role {chain.role}, choose Edit, and set Maximum session duration "
                    f"to 12 hours ({WORKSHOP_SESSION_SECONDS} seconds); or lower SessionDuration in '{chain.app}' to "
                    f"{role.max_session_duration} or less.",
                    link=iam_link(facts, "roles"),
                    expected=str(WORKSHOP_SESSION_SECONDS),
                    side=side,
                )
            )
    return out
