"""The simulated AWS side of SAML sign-in: judge a SAML response as STS does, then hand out credentials.

Used by the browser-like sign-in (``signin``) and by ``sts:AssumeRoleWithSAML`` itself, so both
refuse the same responses with the same messages (aws-facts §8). The checks reuse the doctor's
code: signature verification from :mod:`workshop_lib.saml`, the Role value and trust policy rules
from :mod:`workshop_lib.rules`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
from dataclasses import dataclass
from typing import Any

from workshop_lib.saml.constants import AWS_AUDIENCE
CLOCK_SKEW = _dt.timedelta(minutes=5)

# What the AWS sign-in page (and STS) answer, by failure mode.
INVALID_RESPONSE = "Your request included an invalid SAML response. To logout, click here."
MESSAGES = {
    "F1": INVALID_RESPONSE,
    "F2": "Not authorized to perform sts:AssumeRoleWithSAML",
    "F3.missing": "RoleSessionName is required in AuthnResponse",
    "F3.pattern": "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    "F4.signature": "Response signature invalid",
    "F4.issuer": "Issuer not present in specified provider",
    "F6": "Specified provider doesn't exist",
    "F7": "Response does not contain the required audience",
    "expired": "Your request included an invalid SAML response: the response has expired (NotOnOrAfter is past).",
    "duration": "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    "redeem": "Token must be redeemed within 5 minutes of issuance",
}
# A bad RoleSessionName in the assertion is InvalidIdentityToken: it is the token that is wrong, not a parameter
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html, Errors).
STS_CODES = {"F1": "InvalidIdentityToken", "F2": "AccessDenied", "F13": "AccessDenied", "F3": "InvalidIdentityToken",
             "F4": "InvalidIdentityToken", "F6": "InvalidIdentityToken", "F7": "InvalidIdentityToken",
             "expired": "ExpiredTokenException", "F22": "ValidationError", "redeem": "ExpiredTokenException"}
# AssumeRoleWithSAML refuses a response redeemed more than 5 minutes after its IssueInstant with
# ExpiredTokenException (HTTP 400), which the STS API reference lists for the operation: "The web identity token
# that was passed is expired or is not valid. Get a new identity token from the identity provider and then retry
# the request." (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html, Errors).
# The message text is not in AWS's documentation; it is what STS answers, as users of SAML tools quote it:
# "An error occurred (ExpiredTokenException) when calling the AssumeRoleWithSAML operation: Token must be redeemed
# within 5 minutes of issuance" (https://github.com/Nike-Inc/gimme-aws-creds/issues/251). Whether STS allows
# clock skew on this limit is not documented; the sandbox allows none.
REDEEM_WITHIN = _dt.timedelta(minutes=5)


class SignInRefused(Exception):
    """AWS refused the SAML response: ``code`` is the failure mode (F1…), ``message`` what AWS shows."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail  # why, in the workshop's words (not shown by AWS)

    @property
    def sts_code(self) -> str:
        return STS_CODES.get(self.code, "InvalidIdentityToken")


@dataclass
class SamlSession:
    """What STS learned from an accepted response."""

    account: str
    role_arn: str
    provider_arn: str
    role_id: str
    role_session_name: str
    duration: int
    subject: str | None
    subject_type: str
    issuer: str
    recipient: str
    audience: str

    @property
    def userid(self) -> str:
        """The aws:userid of the session: <RoleId>:<RoleSessionName>."""
        return f"{self.role_id}:{self.role_session_name}"

    @property
    def name_qualifier(self) -> str:
        digest = hashlib.sha1(f"{self.issuer}{self.account}/{self.provider_arn.rsplit('/', 1)[-1]}".encode()).digest()
        return base64.b64encode(digest).decode()


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _provider(account: str, arn: str) -> Any:
    return next((p for p in _iam(account).list_saml_providers() if p.arn == arn), None)


def _decryption_key(account: str, saml: bytes | str) -> bytes | None:
    """The private key of an IAM provider in the account that decrypts the response's encrypted assertion.

    Real AWS knows the provider from the per-provider ACS URL (…/saml/acs/<SAMLProviderUUID>); the simulated
    sign-in posts to one endpoint, so it tries the keys the account's providers hold (at most two each).
    """
    from workshop_lib.errors import SamlError
    from workshop_lib.saml import parse_response

    if "EncryptedAssertion" not in _decoded(saml):
        return None
    for provider in _iam(account).list_saml_providers():
        for _key_id, _when, pem in getattr(provider, "workshop_private_keys", []):
            try:
                if parse_response(saml, private_key=pem).decrypted:
                    return pem.encode("ascii") if isinstance(pem, str) else pem
            except SamlError:
                continue
    return None


def _decoded(saml: bytes | str) -> str:
    from workshop_lib.errors import SamlError
    from workshop_lib.saml import decode_response

    try:
        return decode_response(saml).decode("utf-8", "replace")
    except SamlError:
        return ""


def _check_encryption(provider: Any, unverified: Any, key: bytes | None) -> None:
    """What IAM's assertion encryption settings refuse (AssertionEncryptionMode, botocore iam 2010-05-08)."""
    mode = getattr(provider, "assertion_encryption_mode", "") or ""
    if unverified.decrypted and key is not None and not any(
            pem.encode("ascii") == key if isinstance(pem, str) else pem == key
            for _id, _when, pem in getattr(provider, "workshop_private_keys", [])):
        raise _refuse("F4", "F4.signature", detail="The assertion was encrypted for another IAM SAML provider's key.")
    if mode == "Required" and not unverified.decrypted:
        raise _refuse("F1", detail="The IAM SAML provider requires encrypted assertions (AssertionEncryptionMode "
                                   "Required), and this assertion is not encrypted.")


def _role(account: str, arn: str) -> Any:
    return next((r for r in _iam(account).get_roles() if r.arn == arn), None)


def _refuse(code: str, key: str | None = None, detail: str = "") -> SignInRefused:
    return SignInRefused(code, MESSAGES[key or code], detail)


def _pick_role_value(values: list[str], role_arn: str | None, principal_arn: str | None) -> tuple[str, Any]:
    """The Role value to use: the one the API call names, else the first (the sign-in page's only choice)."""
    from workshop_lib.errors import InputError
    from workshop_lib.rules.role_attribute import parse_role_attribute

    if not values:
        raise _refuse("F1", detail="The response has no https://aws.amazon.com/SAML/Attributes/Role attribute.")
    problems = []
    for value in values:
        try:
            pair = parse_role_attribute(value, strict=True)
        except InputError as exc:
            problems.append(exc.message)
            continue
        if role_arn is None or (pair.role_arn == role_arn and pair.provider_arn == principal_arn):
            return value, pair
    if role_arn is not None and not problems:
        raise _refuse("F2", detail=f"The response does not offer the role {role_arn} with the provider {principal_arn}.")
    raise _refuse("F1", detail="The Role attribute is not '<role ARN>,<provider ARN>': " + " ".join(problems))


def _check_issuer(issuer: str | None, metadata: Any) -> None:
    if metadata.entity_id and (issuer or "").strip() != metadata.entity_id:
        raise _refuse("F4", "F4.issuer", detail=f"The response's issuer {issuer!r} is not the entityID "
                                                f"{metadata.entity_id!r} of the provider's metadata.")


def judge(account: str, saml: bytes | str, *, role_arn: str | None = None, principal_arn: str | None = None,
          duration: Any = None, now: _dt.datetime | None = None, api: bool = False) -> SamlSession:
    """Accept the response as STS would, or raise SignInRefused in the order AWS checks.

    ``api``: the call is sts:AssumeRoleWithSAML itself (not the console sign-in): the assertion must be
    redeemed within 5 minutes of its IssueInstant, and the credentials last DurationSeconds (default 3600),
    capped by the role's MaxSessionDuration; SessionDuration governs only console sessions.
    """
    from workshop_lib.errors import SamlError
    from workshop_lib.rules.iam_documents import trust_policy_findings
    from workshop_lib.findings import Severity
    from workshop_lib.saml import load_metadata, parse_response, verify_response

    now = now or _dt.datetime.now(_dt.timezone.utc)
    key = _decryption_key(account, saml)
    try:
        unverified = parse_response(saml, private_key=key)
    except SamlError as exc:
        raise _refuse("F1", detail=exc.message) from None
    if unverified.encrypted_assertions and not unverified.decrypted:
        raise _refuse("F4", "F4.signature", detail="The assertion is encrypted, and no private key of an IAM SAML "
                                                   "provider in this account decrypts it.")
    raw_value, pair = _pick_role_value(unverified.role_values, role_arn, principal_arn)
    if pair.provider_arn.split(":")[4] != account:
        raise _refuse("F6", detail=f"The provider {pair.provider_arn} is not in this account ({account}).")
    provider = _provider(account, pair.provider_arn)
    if provider is None:
        raise _refuse("F6", detail=f"There is no IAM SAML provider {pair.provider_arn}.")
    if pair.role_arn.split(":")[4] != account:
        raise _refuse("F1", detail=f"The role {pair.role_arn} is not in the provider's account ({account}).")

    _check_encryption(provider, unverified, key)
    metadata = load_metadata(provider.saml_metadata_document.encode("utf-8"), now=now)
    _check_issuer(unverified.effective_issuer, metadata)  # AWS names the issuer problem before the signature
    try:
        verified = verify_response(saml, metadata=metadata, now=now, private_key=key)
    except SamlError as exc:
        raise _refuse("F4", "F4.signature", detail=exc.message) from None
    signed = verified.response
    _check_issuer(signed.effective_issuer, metadata)  # and what the signature covers must agree
    if raw_value not in signed.role_values:
        raise _refuse("F1", detail="The Role value is not covered by the signature.")
    if AWS_AUDIENCE not in signed.audiences:
        raise _refuse("F7", detail=f"The audience is {signed.audiences or 'missing'}; AWS requires {AWS_AUDIENCE}.")
    recipient = signed.recipient or ""
    expiries = [t for t in (signed.not_on_or_after, signed.subject_not_on_or_after) if t is not None]
    if not expiries or any(now >= t + CLOCK_SKEW for t in expiries):
        raise _refuse("expired", detail="NotOnOrAfter is missing or in the past.")
    if signed.not_before is not None and now + CLOCK_SKEW < signed.not_before:
        raise _refuse("F1", detail="The response is not valid yet (NotBefore is in the future).")
    if api and signed.issue_instant is not None and now > signed.issue_instant + REDEEM_WITHIN:
        raise _refuse("redeem", detail=f"The response was issued at {signed.issue_instant.isoformat()}.")

    role = _role(account, pair.role_arn)
    if role is None:
        raise _refuse("F2", detail=f"There is no role {pair.role_arn}.")
    findings = [f for f in trust_policy_findings(role.assume_role_policy_document, pair.provider_arn, [recipient])
                if f.severity is Severity.ERROR]
    if findings:
        raise SignInRefused(findings[0].code if findings[0].code == "F13" else "F2", MESSAGES["F2"],
                            detail=findings[0].message)

    session_name = signed.role_session_name
    if not session_name:
        raise _refuse("F3", "F3.missing", detail="The response has no RoleSessionName attribute.")
    from workshop_lib.rules.usernames import is_role_session_name

    if not is_role_session_name(session_name):
        raise _refuse("F3", "F3.pattern", detail=f"The RoleSessionName is {session_name!r}.")
    seconds = _api_duration(duration, role) if api else _duration(signed, duration, role)
    return SamlSession(
        account=account, role_arn=pair.role_arn, provider_arn=pair.provider_arn, role_id=role.id,
        role_session_name=session_name, duration=seconds, subject=signed.name_id,
        subject_type=_subject_type(signed.name_id_format), issuer=signed.effective_issuer or "",
        recipient=recipient, audience=AWS_AUDIENCE,
    )


def _duration(signed: Any, requested: Any, role: Any) -> int:
    from workshop_lib.saml.constants import SESSION_DURATION_MAX, SESSION_DURATION_MIN

    limit = int(role.max_session_duration or 3600)
    seconds = signed.session_duration if signed.session_duration is not None else 3600
    if not SESSION_DURATION_MIN <= seconds <= SESSION_DURATION_MAX:
        raise _refuse("F1", detail=f"SessionDuration {seconds} is outside 900–43200 seconds.")
    if requested not in (None, ""):
        seconds = min(seconds, int(requested)) if signed.session_duration is not None else int(requested)
    if seconds > limit:
        raise _refuse("F22", "duration", detail=f"SessionDuration {seconds} exceeds the role's MaxSessionDuration {limit}.")
    return seconds


def _api_duration(requested: Any, role: Any) -> int:
    """DurationSeconds, 3600 by default; more than the role's MaxSessionDuration is refused
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html: "By default, the value is
    set to 3600 seconds"; SessionDuration "specifies the maximum amount of time that the federated user can access
    the AWS Management Console", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html)."""
    seconds = int(requested) if requested not in (None, "") else 3600
    limit = int(role.max_session_duration or 3600)
    if seconds > limit:
        raise _refuse("F22", "duration", detail=f"DurationSeconds {seconds} exceeds the role's MaxSessionDuration {limit}.")
    return seconds


def _subject_type(name_id_format: str | None) -> str:
    fmt = (name_id_format or "").rsplit(":", 1)[-1]
    return {"persistent": "persistent", "transient": "transient"}.get(fmt, f"urn:oasis:names:tc:SAML:2.0:nameid-format:{fmt}" if fmt else "unspecified")


def assume(account: str, session: SamlSession) -> Any:
    """STS credentials for the session (moto's AssumedRole: boto3 calls made with them identify as the role)."""
    from moto.core.utils import utcnow
    from moto.sts.models import sts_backends

    sts = sts_backends[account]["aws"]
    sts.assumed_roles = [r for r in sts.assumed_roles if r.expiration > utcnow()]  # keep the saved state small
    return sts.assume_role(
        region_name="us-east-1", role_session_name=session.role_session_name, role_arn=session.role_arn,
        policy=None, duration=session.duration, external_id=None,
    )
