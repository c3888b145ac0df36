"""Judge a SAML response by the rules AWS sign-in and Amazon Connect apply (aws-facts §4 and §8)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Iterable

from workshop_lib.findings import Finding, Severity, by_severity
from workshop_lib.saml._time import aware
from workshop_lib.saml.constants import (
    ACS_PATTERN,
    AWS_AUDIENCE,
    CLOCK_SKEW_SECONDS,
    GLOBAL_ACS,
    MAX_BASE64_RESPONSE_CHARS,
    PROVIDER_ARN_PATTERN,
    ROLE_ARN_PATTERN,
    ROLE_ATTRIBUTE_NAME,
    ROLE_SESSION_NAME_ATTRIBUTE_NAME,
    ROLE_SESSION_NAME_PATTERN,
    SESSION_DURATION_ATTRIBUTE_NAME,
    SESSION_DURATION_MAX,
    SESSION_DURATION_MIN,
    STATUS_SUCCESS,
)
from workshop_lib.saml.response import SamlResponse

SAML_ASSERTIONS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html"
_MAPPINGS = "In IAM Identity Center open the Amazon Connect application, 'Actions' > 'Edit attribute mappings'"


def judge_response(
    resp: SamlResponse,
    *,
    now: datetime | None = None,
    expected_role_arn: str | None = None,
    expected_provider_arn: str | None = None,
    acs: str | Iterable[str] | None = None,
    connect_usernames: set[str] | None = None,
    metadata=None,
    expected_issuer: str | None = None,
) -> list[Finding]:
    """Everything in ``resp`` that would stop AWS sign-in or Amazon Connect, worst first.

    ``acs`` is the set of SAML:aud values the role's trust policy allows (the ACS URLs in use);
    ``metadata`` (a MetadataReport) or ``expected_issuer`` enables the issuer check (F4);
    ``connect_usernames`` enables the Connect user check (F8).
    """
    now = aware(now)
    findings: list[Finding] = list(resp.findings)
    _status(resp, findings)
    if resp.assertion_count == 0:
        return _ordered(findings)
    _signature_and_issuer(resp, findings, metadata, expected_issuer)
    _recipient(resp, findings, acs)
    _audience(resp, findings)
    _validity(resp, findings, now)
    if not resp.name_id and "EncryptedID" not in resp.encrypted_parts:  # an unread EncryptedID is reported as such
        findings.append(Finding("saml.nameid", Severity.ERROR, "The assertion has no Subject NameID.",
                                fix=f"{_MAPPINGS}: map Subject to ${{user:email}} (emailAddress).",
                                link=SAML_ASSERTIONS_DOC))
    if "EncryptedAttribute" not in resp.encrypted_parts:  # attributes still encrypted were not read: not judged
        _role(resp, findings, expected_role_arn, expected_provider_arn)
        _role_session_name(resp, findings, connect_usernames)
        _session_duration(resp, findings)
    if math.ceil(len(resp.raw) / 3) * 4 > MAX_BASE64_RESPONSE_CHARS:
        findings.append(Finding(
            "saml.too-large", Severity.WARNING,
            f"The response is {len(resp.raw):,} bytes; in base64 that is over the {MAX_BASE64_RESPONSE_CHARS:,} "
            "characters AWS accepts.", fix="Remove attributes AWS does not need from the application's mappings."))
    return _ordered(findings)


# ---- envelope -----------------------------------------------------------------------------------

def _status(resp: SamlResponse, findings: list[Finding]) -> None:
    if resp.status and not resp.status.startswith(STATUS_SUCCESS):
        extra = f" ({resp.status_message})" if resp.status_message else ""
        findings.append(Finding(
            "saml.status", Severity.ERROR,
            f"The identity provider refused the sign-in: Status is {resp.status}{extra}.",
            fix="Check that the user is assigned to the application in IAM Identity Center and can sign in to "
                "the access portal."))


def _signature_and_issuer(resp, findings, metadata, expected_issuer) -> None:
    if resp.signed_parts == "none":
        findings.append(Finding(
            "F4", Severity.ERROR,
            "The response is not signed; AWS rejects it as \"Response signature invalid\".",
            fix="Capture the response that IAM Identity Center posts to AWS; it is always signed.",
            link=SAML_ASSERTIONS_DOC))
    expected = expected_issuer or getattr(metadata, "entity_id", None)
    issuer = (resp.effective_issuer or "").strip()
    if expected and issuer != expected.strip():
        findings.append(issuer_mismatch(resp.effective_issuer, expected))
    if resp.issuer and resp.assertion_issuer and resp.issuer.strip() != resp.assertion_issuer.strip():
        findings.append(Finding(
            "saml.issuer", Severity.WARNING,
            f"The Response Issuer {resp.issuer!r} differs from the Assertion Issuer {resp.assertion_issuer!r}.",
            fix="Both should be the entityID of the IAM Identity Center application."))


def issuer_mismatch(issuer: str | None, entity_id: str) -> Finding:
    """F4: the response comes from another issuer than the one in the IAM SAML provider's metadata."""
    return Finding(
        "F4", Severity.ERROR,
        f"The response's Issuer {issuer!r} is not the metadata's entityID {entity_id!r}; AWS answers "
        "\"Issuer not present in specified provider\".",
        fix="The IAM SAML provider holds another application's metadata: download the metadata of the Amazon "
            "Connect application in IAM Identity Center and run update_saml_provider with it.",
        expected=entity_id)


def _recipient(resp: SamlResponse, findings: list[Finding], acs) -> None:
    if resp.subject_confirmations != 1:
        findings.append(Finding(
            "saml.subject-confirmation", Severity.ERROR,
            f"The assertion has {resp.subject_confirmations} SubjectConfirmation elements; AWS needs exactly one.",
            fix="Use the Amazon Connect application from the IAM Identity Center catalog unchanged.",
            link=SAML_ASSERTIONS_DOC))
    if not resp.recipient:
        findings.append(Finding(
            "saml.recipient", Severity.ERROR,
            "The assertion has no Recipient (SubjectConfirmationData/@Recipient); AWS needs its sign-in URL there.",
            fix=f"Set the application's ACS URL to {GLOBAL_ACS}.", expected=GLOBAL_ACS, link=SAML_ASSERTIONS_DOC))
    elif not ACS_PATTERN.match(resp.recipient):
        findings.append(Finding(
            "saml.recipient", Severity.ERROR,
            f"The Recipient {resp.recipient!r} is not an AWS sign-in SAML endpoint, so AWS will not accept it.",
            fix=f"Set the application's ACS URL to {GLOBAL_ACS} (or https://<region>.signin.aws.amazon.com/saml).",
            expected=GLOBAL_ACS, link=SAML_ASSERTIONS_DOC))
    if resp.subject_confirmations and resp.subject_not_on_or_after is None and not any(
            f.details.get("field") == "SubjectConfirmationData NotOnOrAfter" for f in findings):
        findings.append(Finding(
            "saml.subject-confirmation", Severity.ERROR,
            "SubjectConfirmationData has no NotOnOrAfter; AWS needs both Recipient and NotOnOrAfter there.",
            fix="Use the Amazon Connect application from the IAM Identity Center catalog unchanged.",
            link=SAML_ASSERTIONS_DOC))
    if acs is not None and resp.recipient:
        allowed = {acs} if isinstance(acs, str) else set(acs)
        if resp.recipient not in allowed:
            findings.append(Finding(
                "F2", Severity.ERROR,
                f"The response is addressed to {resp.recipient!r}, which becomes SAML:aud, but the role's trust "
                f"policy allows only {sorted(allowed)}; AWS answers \"Not authorized to perform "
                "sts:AssumeRoleWithSAML\".",
                fix=f"Add {resp.recipient} to the SAML:aud condition of the role's trust policy.",
                expected=resp.recipient))
    if resp.destination:
        if not ACS_PATTERN.match(resp.destination):
            findings.append(Finding(
                "saml.destination", Severity.ERROR,
                f"The response Destination {resp.destination!r} is not an AWS sign-in SAML endpoint.",
                fix=f"Set the application's ACS URL to {GLOBAL_ACS}.", expected=GLOBAL_ACS))
        elif resp.recipient and resp.destination != resp.recipient:
            findings.append(Finding(
                "saml.destination", Severity.WARNING,
                f"Destination {resp.destination!r} and Recipient {resp.recipient!r} differ.",
                fix="Both come from the application's ACS URL; set it once and capture a new response.",
                expected=resp.recipient))


def _audience(resp: SamlResponse, findings: list[Finding]) -> None:
    if AWS_AUDIENCE not in resp.audiences:
        found = ", ".join(repr(a) for a in resp.audiences) or "none"
        findings.append(Finding(
            "F7", Severity.ERROR,
            f"The response is not addressed to the audience {AWS_AUDIENCE} (it has {found}); AWS answers "
            "\"Response does not contain the required audience\".",
            fix=f"In the application's configuration set 'Application SAML audience' to {AWS_AUDIENCE}.",
            expected=AWS_AUDIENCE, link=SAML_ASSERTIONS_DOC))


def _validity(resp: SamlResponse, findings: list[Finding], now: datetime) -> None:
    skew = timedelta(seconds=CLOCK_SKEW_SECONDS)
    deadlines = [t for t in (resp.not_on_or_after, resp.subject_not_on_or_after) if t is not None]
    deadline = min(deadlines) if deadlines else None
    if deadline is not None and deadline + skew <= now:
        findings.append(Finding(
            "saml.expired", Severity.ERROR,
            f"The response expired at {when(deadline)}, {_ago(now - deadline)} before {_moment(now)} (beyond the "
            f"{CLOCK_SKEW_SECONDS // 60}-minute clock-skew allowance); AWS accepts a response only for the few "
            "minutes it is valid.",
            fix="Sign in again from the access portal and check the new response at once. If fresh responses "
                "are already expired, check the computer's clock.",
            details={"not_on_or_after": deadline.isoformat()}))
    elif deadline is not None and deadline <= now:
        findings.append(Finding(
            "saml.clock-skew", Severity.WARNING,
            f"The response expired at {when(deadline)}, {_ago(now - deadline)} before {_moment(now)}; that is "
            f"within the {CLOCK_SKEW_SECONDS // 60}-minute clock-skew allowance this tool grants, but AWS does not "
            "document its own allowance, so AWS may refuse it.",
            fix="Sign in again and use the response at once; check that this computer's clock is right.",
            details={"not_on_or_after": deadline.isoformat()}))
    starts = [t for t in (resp.not_before, resp.subject_not_before) if t is not None]
    start = max(starts) if starts else None
    if start is not None and start > now + skew:
        findings.append(Finding(
            "saml.not-yet-valid", Severity.ERROR,
            f"The response is valid only from {when(start)}, {_ago(start - now)} after {_moment(now)} (beyond the "
            f"{CLOCK_SKEW_SECONDS // 60}-minute clock-skew allowance).",
            fix="The identity provider's clock or this computer's clock is wrong; correct it and sign in again.",
            details={"not_before": start.isoformat()}))
    elif start is not None and start > now:
        findings.append(Finding(
            "saml.clock-skew", Severity.WARNING,
            f"The response is valid only from {when(start)}, {_ago(start - now)} after {_moment(now)}; that is "
            f"within the {CLOCK_SKEW_SECONDS // 60}-minute clock-skew allowance, but AWS does not document its own.",
            fix="The identity provider's clock runs ahead of this computer's; check both.",
            details={"not_before": start.isoformat()}))


def when(moment: datetime) -> str:
    """A time as people read it: 27 Nov 2026, 12:00:05 UTC."""
    return f"{moment.day} {moment:%b %Y, %H:%M:%S} UTC"


def _moment(now: datetime) -> str:
    return f"the judging time ({when(now)})"


def _ago(delta) -> str:
    seconds = int(abs(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    if seconds < 172800:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"


# ---- attributes ---------------------------------------------------------------------------------

def _near_misses(resp: SamlResponse, exact: str) -> list[str]:
    """Attribute names that are almost ``exact`` (case, scheme, spaces, missing prefix)."""
    def norm(name: str) -> str:
        name = re.sub(r"\s+", "", name).lower()
        name = re.sub(r"^https?://", "", name)
        return name

    target = norm(exact)
    short = exact.rsplit("/", 1)[-1].lower()
    misses = []
    for name in resp.attributes:
        if name == exact:
            continue
        n = norm(name)
        if n == target or n == short or n.rstrip("/").endswith("/saml/attributes/" + short):
            misses.append(name)
    return misses


def _role(resp, findings, expected_role_arn, expected_provider_arn) -> None:
    values = resp.attributes.get(ROLE_ATTRIBUTE_NAME)
    fix_literal = (f"{_MAPPINGS}: the Role row must be named exactly {ROLE_ATTRIBUTE_NAME} with the value "
                   "'<role ARN>,<provider ARN>' and format unspecified.")
    if not values:
        misses = _near_misses(resp, ROLE_ATTRIBUTE_NAME)
        if misses:
            message = (f"The Role attribute is named {misses[0]!r}; AWS only reads the exact, case-sensitive name "
                       f"{ROLE_ATTRIBUTE_NAME}.")
        else:
            message = (f"The response has no {ROLE_ATTRIBUTE_NAME} attribute, so AWS does not know which role to "
                       "give; it answers \"Your request included an invalid SAML response\".")
        findings.append(Finding("F1", Severity.ERROR, message, fix=fix_literal, expected=ROLE_ATTRIBUTE_NAME,
                                link=SAML_ASSERTIONS_DOC))
        return

    for value in values:
        problem, expected = _role_value_problem(value)
        if problem:
            findings.append(Finding("F1", Severity.ERROR, problem, fix=fix_literal, expected=expected,
                                    link=SAML_ASSERTIONS_DOC, details={"value": value}))
    if len(values) > 1:
        findings.append(Finding(
            "saml.several-roles", Severity.INFO,
            f"The Role attribute has {len(values)} values, so AWS shows a role chooser before signing in.",
            fix="For Amazon Connect map a single Role value: the Connect federation role and its provider."))

    pairs = resp.roles
    if expected_role_arn and pairs and expected_role_arn not in [role for role, _ in pairs]:
        close = [role for role, _ in pairs if role.lower() == expected_role_arn.lower()]
        hint = " (it differs only in upper/lower case)" if close else ""
        findings.append(Finding(
            "F2", Severity.ERROR,
            f"The Role attribute names {', '.join(r for r, _ in pairs)}, not the role {expected_role_arn}{hint}; "
            "AWS answers \"Not authorized to perform sts:AssumeRoleWithSAML\".",
            fix=f"{_MAPPINGS}: put the role ARN {expected_role_arn} in the Role value.", expected=expected_role_arn))
    for role, provider in pairs:
        if role.split(":role/", 1)[-1].split("/")[-1].startswith("AWSReservedSSO_") or "/aws-reserved/" in role:
            findings.append(Finding(
                "F2", Severity.ERROR,
                f"{role} is a role managed by IAM Identity Center permission sets; it cannot be assumed with this "
                "SAML application.",
                fix="Use the workshop's own Connect federation role in the Role value."))
    if expected_provider_arn and pairs:
        relevant = [(r, p) for r, p in pairs if not expected_role_arn or r == expected_role_arn] or pairs
        for role, provider in relevant:
            if provider != expected_provider_arn:
                findings.append(Finding(
                    "F6", Severity.ERROR,
                    f"The Role value names the SAML provider {provider}, but the IAM provider is "
                    f"{expected_provider_arn}; AWS answers \"Specified provider doesn't exist\".",
                    fix=f"{_MAPPINGS}: use {role},{expected_provider_arn} as the Role value.",
                    expected=f"{role},{expected_provider_arn}"))


def _role_value_problem(value: str) -> tuple[str, str]:
    """A sentence saying what is wrong with one Role value ('' when it is fine), and the corrected value."""
    shown = repr(value)
    if not value.strip():
        return "A Role value is empty.", ""
    if re.search(r"\s", value):
        fixed = re.sub(r"\s+", "", value)
        return f"The Role value {shown} contains spaces; AWS needs the two ARNs joined by a comma only.", fixed
    parts = value.split(",")
    if len(parts) != 2:
        return (f"The Role value {shown} is not a role/provider pair: AWS needs exactly two ARNs separated by one "
                "comma ('<role ARN>,<provider ARN>')."), ""
    roles = [p for p in parts if ROLE_ARN_PATTERN.match(p)]
    providers = [p for p in parts if PROVIDER_ARN_PATTERN.match(p)]
    if len(roles) == 1 and len(providers) == 1:
        role_account = ROLE_ARN_PATTERN.match(roles[0]).group(1)
        provider_account = PROVIDER_ARN_PATTERN.match(providers[0]).group(1)
        if role_account != provider_account:
            return (f"The Role value {shown} names a role in account {role_account} but a provider in account "
                    f"{provider_account}; both must be in the Amazon Connect instance's account."), ""
        return "", ""
    others = [p for p in parts if p not in roles and p not in providers]
    if len(roles) == 1 and len(others) == 1 and not others[0].startswith("arn:"):
        account = ROLE_ARN_PATTERN.match(roles[0]).group(1)
        partition = roles[0].split(":")[1]
        provider = f"arn:{partition}:iam::{account}:saml-provider/{others[0]}"
        return (f"The Role value {shown} gives the provider by name ({others[0]!r}) instead of by ARN.",
                f"{roles[0]},{provider}")
    if len(providers) == 1 and len(others) == 1 and not others[0].startswith("arn:"):
        account = PROVIDER_ARN_PATTERN.match(providers[0]).group(1)
        partition = providers[0].split(":")[1]
        role = f"arn:{partition}:iam::{account}:role/{others[0]}"
        return f"The Role value {shown} gives the role by name ({others[0]!r}) instead of by ARN.", f"{role},{providers[0]}"
    if len(roles) == 2 or len(providers) == 2:
        kind = "role" if len(roles) == 2 else "provider"
        return f"The Role value {shown} holds two {kind} ARNs; AWS needs one role ARN and one provider ARN.", ""
    return (f"The Role value {shown} is not a role/provider pair: expected "
            "'arn:aws:iam::<account>:role/<name>,arn:aws:iam::<account>:saml-provider/<name>'."), ""


def _role_session_name(resp, findings, connect_usernames) -> None:
    values = resp.attributes.get(ROLE_SESSION_NAME_ATTRIBUTE_NAME)
    fix = f"{_MAPPINGS}: map {ROLE_SESSION_NAME_ATTRIBUTE_NAME} to ${{user:email}} (format unspecified)."
    if not values:
        misses = _near_misses(resp, ROLE_SESSION_NAME_ATTRIBUTE_NAME)
        if misses:
            message = (f"The RoleSessionName attribute is named {misses[0]!r}; AWS only reads the exact, "
                       f"case-sensitive name {ROLE_SESSION_NAME_ATTRIBUTE_NAME}.")
        else:
            message = ("The response has no RoleSessionName attribute; AWS answers \"RoleSessionName is required "
                       "in AuthnResponse\".")
        findings.append(Finding("F3", Severity.ERROR, message, fix=fix, expected=ROLE_SESSION_NAME_ATTRIBUTE_NAME,
                                link=SAML_ASSERTIONS_DOC))
        return
    if len(values) > 1:
        findings.append(Finding("F3", Severity.ERROR,
                                f"RoleSessionName has {len(values)} values; AWS needs exactly one.", fix=fix))
    name = values[0]
    if not ROLE_SESSION_NAME_PATTERN.match(name):
        bad = sorted(set(re.sub(r"[a-zA-Z_0-9+=,.@-]", "", name)))
        why = []
        if bad:
            why.append("it contains " + ", ".join(repr(c) for c in bad))
        if not 2 <= len(name) <= 64:
            why.append(f"it is {len(name)} characters long (2 to 64 allowed)")
        findings.append(Finding(
            "F3", Severity.ERROR,
            f"RoleSessionName {name!r} is not accepted: {' and '.join(why)}; AWS answers \"RoleSessionName … must "
            "match [a-zA-Z_0-9+=,.@-]{2,64}\".",
            fix="Give the user an email address of 2–64 letters, digits and . _ @ - only, and use the same value "
                "as the Amazon Connect username.", details={"value": name}))
    elif "+" in name:
        findings.append(Finding(
            "F3", Severity.WARNING,
            f"RoleSessionName {name!r} uses plus-addressing: AWS accepts the '+', but an Amazon Connect username "
            "cannot contain one, so no Connect user can match it (F8).",
            fix="Give the user an email address without '+' in IAM Identity Center and create the Connect user "
                "with exactly that address.", details={"value": name}))
    if connect_usernames is not None and name:
        if name in connect_usernames:
            return
        same_but_case = sorted(u for u in connect_usernames if u.lower() == name.lower())
        if same_but_case:
            findings.append(Finding(
                "F8", Severity.ERROR,
                f"The Connect user is named {same_but_case[0]!r} but RoleSessionName is {name!r}; Connect usernames "
                "are case-sensitive, so Connect says the user \"has not been onboarded to this application\".",
                fix="Make the IAM Identity Center email and the Amazon Connect username identical, including case "
                    "(recreate the Connect user if needed).",
                expected=name, details={"connect_username": same_but_case[0]}))
        else:
            findings.append(Finding(
                "F8", Severity.ERROR,
                f"No Amazon Connect user is named {name!r} (the RoleSessionName), so Connect says the user "
                "\"has not been onboarded to this application\".",
                fix=f"Create an Amazon Connect user with the username {name} exactly.", expected=name))


def _session_duration(resp, findings) -> None:
    if SESSION_DURATION_ATTRIBUTE_NAME not in resp.attributes:
        misses = _near_misses(resp, SESSION_DURATION_ATTRIBUTE_NAME)
        if misses:
            findings.append(Finding(
                "saml.session-duration", Severity.WARNING,
                f"The SessionDuration attribute is named {misses[0]!r}, so AWS ignores it and uses one hour.",
                fix=f"Rename it to exactly {SESSION_DURATION_ATTRIBUTE_NAME}.",
                expected=SESSION_DURATION_ATTRIBUTE_NAME))
        return
    seconds = resp.session_duration
    if seconds is not None and not SESSION_DURATION_MIN <= seconds <= SESSION_DURATION_MAX:
        findings.append(Finding(
            "saml.session-duration", Severity.ERROR,
            f"SessionDuration is {seconds} seconds; AWS accepts {SESSION_DURATION_MIN} to {SESSION_DURATION_MAX}.",
            fix="Set SessionDuration between 900 and 43200 seconds (43200 = 12 hours, a Connect shift), "
                "or remove it.", expected=str(SESSION_DURATION_MAX)))


def _ordered(findings: list[Finding]) -> list[Finding]:
    return by_severity(findings)
