"""Checks of what only the IdC console shows: relay state (F12), attribute mappings (F1, F3, F6, F8) and audience
(F7); INFO "verify by eye" findings with the exact value when no source could read them."""

from __future__ import annotations

from typing import Optional

from workshop_lib.aws.snapshot import Facts
from workshop_lib.rules.chain import SideNames
from workshop_lib.doctor._common import (
    AWS_AUDIENCE,
    EMAIL_EXPRESSION,
    ERROR,
    INFO,
    MAPPINGS_HOW,
    SUBJECT_EXPRESSIONS,
    WARNING,
    expected_provider_arn,
    expected_role_arn,
    idc_link,
    judged,
    make_finding,
    safe,
)
from workshop_lib.findings import Finding


def console_values(facts: Facts) -> list[Finding]:
    """F12 relay state, F1/F6 Role mapping, F3 RoleSessionName mapping, F7 audience: checked when a console
    source gave them, else listed as INFO with the exact value to verify by eye."""
    out = []
    for side, chain in facts.chains.items():
        if facts.applications.get(side, "unknown") is None:
            continue  # the app is missing (F16): there is nothing to configure yet
        console = facts.console.get(side)
        out.extend(_relay_state(facts, chain, console.relay_state if console else None))
        mappings = console.attribute_mappings if console else None
        if console is not None and console.pasted:  # only the Role row was pasted back: the rest stays by eye
            out.extend(_pasted_role(facts, chain, mappings))
        else:
            out.extend(_mappings(facts, chain, mappings))
        out.extend(_audience(facts, chain, console.audience if console else None))
    return out


def _expected_relay_state(facts: Facts, chain: SideNames) -> str:
    from workshop_lib.rules.relay_state import relay_state_url

    return safe(lambda: relay_state_url(facts.instance.id, facts.region, chain.destination), "")


def _relay_state(facts: Facts, chain: SideNames, value: Optional[str]) -> list[Finding]:
    from workshop_lib.rules.relay_state import check_relay_state, parse_relay_state

    expected = _expected_relay_state(facts, chain)
    link = idc_link(facts)
    if value is None:
        return [
            make_finding(
                "F12",
                INFO,
                f"Verify by eye: the Relay state of '{chain.app}' must be exactly {expected or 'the federate URL of the instance'}.",
                fix="In IAM Identity Center open the application, Actions > Edit configuration > Application properties.",
                link=link,
                expected=expected,
                side=chain.side,
            )
        ]
    # Compare with the instance only when the settings hold a valid ID and Region (F19 reports them otherwise).
    comparable = safe(lambda: check_relay_state("", facts.instance.id, facts.region)) is not None
    out = judged(
        lambda: check_relay_state(value, *((facts.instance.id, facts.region) if comparable else ())),
        "F12",
        f"Relay state of '{chain.app}'",
        expected,
        chain.side,
        link,
    )
    if not any(f.severity is ERROR for f in out) and chain.destination:
        parsed = safe(lambda: parse_relay_state(value))
        if parsed is not None and parsed.destination is None:
            out.append(
                make_finding(
                    "F12",
                    WARNING,
                    f"The relay state of '{chain.app}' has no destination, so agents land on the "
                    "admin dashboard instead of the Contact Control Panel.",
                    fix="Add ?destination=%2Fccp-v2 (or %2Fagent-app-v2 for the agent workspace).",
                    link=link,
                    expected=expected,
                    side=chain.side,
                )
            )
    return out


def _verify_role_by_eye(chain: SideNames, role_value: str, where: str, link: str) -> Finding:
    return make_finding(
        "F1",
        INFO,
        f"Verify by eye: in '{chain.app}' the attribute https://aws.amazon.com/SAML/Attributes/Role must "
        f"map to exactly {role_value} (one comma, no spaces).",
        fix=where,
        link=link,
        expected=role_value,
        side=chain.side,
    )


def _verify_session_by_eye(chain: SideNames, where: str, link: str) -> Finding:
    return make_finding(
        "F3",
        INFO,
        f"Verify by eye: in '{chain.app}' the attribute https://aws.amazon.com/SAML/Attributes/RoleSessionName "
        f"must map to {EMAIL_EXPRESSION}, and Subject to {EMAIL_EXPRESSION} (emailAddress).",
        fix=where,
        link=link,
        expected=EMAIL_EXPRESSION,
        side=chain.side,
    )


def _pasted_role(facts: Facts, chain: SideNames, mappings: Optional[dict]) -> list[Finding]:
    """The learner pasted back the Role value (or not): judge it; the other rows can only be verified by eye."""
    role_value = f"{expected_role_arn(facts, chain)},{expected_provider_arn(facts, chain)}"
    where, link = f"{MAPPINGS_HOW} of '{chain.app}'.", idc_link(facts)
    role = (mappings or {}).get("Role")
    out = _judge_role(facts, chain, role, where, link) if role else [_verify_role_by_eye(chain, role_value, where, link)]
    return out + [_verify_session_by_eye(chain, where, link)]


def _judge_role(facts: Facts, chain: SideNames, role: str, where: str, link: str) -> list[Finding]:
    from workshop_lib.rules.role_attribute import role_attribute_findings

    role_arn, provider_arn = expected_role_arn(facts, chain), expected_provider_arn(facts, chain)
    found = judged(
        lambda: role_attribute_findings(role, role_arn, provider_arn, facts.account_id or None),
        "F1",
        f"Role mapping of '{chain.app}'",
        f"{role_arn},{provider_arn}",
        chain.side,
        link,
    )
    return [f for f in found if f.severity is not INFO]


def _mappings(facts: Facts, chain: SideNames, mappings: Optional[dict]) -> list[Finding]:
    role_arn, provider_arn = expected_role_arn(facts, chain), expected_provider_arn(facts, chain)
    role_value = f"{role_arn},{provider_arn}"
    where = f"{MAPPINGS_HOW} of '{chain.app}'."
    link = idc_link(facts)
    if mappings is None:
        return [_verify_role_by_eye(chain, role_value, where, link), _verify_session_by_eye(chain, where, link)]
    out = []
    role = mappings.get("Role")
    if not role:
        out.append(
            make_finding(
                "F1",
                ERROR,
                f"'{chain.app}' has no Role attribute mapping, so AWS answers \"Your request included an "
                'invalid SAML response".',
                fix=f"{where} Add https://aws.amazon.com/SAML/Attributes/Role = {role_value}.",
                link=link,
                expected=role_value,
                side=chain.side,
            )
        )
    else:
        out.extend(_judge_role(facts, chain, role, where, link))
    session = mappings.get("RoleSessionName")
    if not session:
        out.append(
            make_finding(
                "F3",
                ERROR,
                f"'{chain.app}' has no RoleSessionName attribute mapping, so STS answers "
                '"RoleSessionName is required".',
                fix=f"{where} Add https://aws.amazon.com/SAML/Attributes/RoleSessionName = {EMAIL_EXPRESSION}.",
                link=link,
                expected=EMAIL_EXPRESSION,
                side=chain.side,
            )
        )
    elif session.strip() != EMAIL_EXPRESSION:
        out.append(
            make_finding(
                "F8",
                ERROR,
                f"In '{chain.app}' RoleSessionName maps to {session}, not {EMAIL_EXPRESSION}; Amazon Connect "
                "usernames are the users' emails, so the session name does not match any of them.",
                fix=f"{where} Set RoleSessionName to {EMAIL_EXPRESSION}.",
                link=link,
                expected=EMAIL_EXPRESSION,
                side=chain.side,
            )
        )
    subject = mappings.get("Subject")
    if subject is not None and subject.strip() and subject.strip() not in SUBJECT_EXPRESSIONS:
        out.append(
            make_finding(
                "F1",
                WARNING,
                f"In '{chain.app}' Subject maps to {subject}; the workshop uses {EMAIL_EXPRESSION}.",
                fix=f"{where} Set Subject to {EMAIL_EXPRESSION} (emailAddress).",
                link=link,
                expected=EMAIL_EXPRESSION,
                side=chain.side,
            )
        )
    elif subject is None or not subject.strip():
        out.append(
            make_finding(
                "F1",
                ERROR,
                f"In '{chain.app}' the Subject mapping is missing, so the response has no NameID and AWS rejects it.",
                fix=f"{where} Set Subject to {EMAIL_EXPRESSION} (emailAddress).",
                link=link,
                expected=EMAIL_EXPRESSION,
                side=chain.side,
            )
        )
    duration = mappings.get("SessionDuration")
    if duration:
        out.extend(_session_duration(chain, duration.strip(), where, link))
    return out


def _session_duration(chain: SideNames, value: str, where: str, link: str) -> list[Finding]:
    if value.startswith("${"):
        return []
    if not (value.isascii() and value.isdigit()) or not 900 <= int(value) <= 43200:
        return [
            make_finding(
                "F1",
                ERROR,
                f"In '{chain.app}' SessionDuration is {value!r}; AWS accepts 900 to 43200 seconds and "
                "rejects the response otherwise.",
                fix=f"{where} Set SessionDuration to 43200 or remove it.",
                link=link,
                expected="43200",
                side=chain.side,
            )
        ]
    return []


def _audience(facts: Facts, chain: SideNames, audience: Optional[str]) -> list[Finding]:
    link = idc_link(facts)
    how = f"In IAM Identity Center open '{chain.app}', Actions > Edit configuration > Application metadata."
    if audience is None:
        return [
            make_finding(
                "F7",
                INFO,
                f"Verify by eye: the Application SAML audience of '{chain.app}' must be {AWS_AUDIENCE}.",
                fix=how,
                link=link,
                expected=AWS_AUDIENCE,
                side=chain.side,
            )
        ]
    if audience.strip() != AWS_AUDIENCE:
        return [
            make_finding(
                "F7",
                ERROR,
                f"The SAML audience of '{chain.app}' is {audience!r}, so AWS answers \"Response does not "
                'contain the required audience".',
                fix=f"{how} Set it back to {AWS_AUDIENCE}.",
                link=link,
                expected=AWS_AUDIENCE,
                side=chain.side,
            )
        ]
    return []
