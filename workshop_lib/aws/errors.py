"""Turn botocore's exceptions into sentences a learner can act on."""

from __future__ import annotations

import contextlib
import re
from typing import Iterator

from workshop_lib.errors import AwsError, WorkshopError

# Every access-denied error code the services the workshop calls can answer (the one list).
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError"}
EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
BAD_KEY_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
_ACTION_IN_MESSAGE = re.compile(r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def translate(exc: BaseException, action: str = "") -> WorkshopError:
    """A WorkshopError for a botocore exception; ``action`` is what we were doing, e.g. ``iam:CreateRole``."""
    import botocore.exceptions as bx

    if isinstance(exc, WorkshopError):
        return exc
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AwsError(
            "No AWS credentials were found for this kernel.",
            fix="Run `aws configure` or `aws sso login --profile NAME` and choose that profile in 00_start_here, or switch the target to the sandbox.",
        )
    if isinstance(exc, bx.ProfileNotFound):
        return AwsError(f"{exc}.", fix="Check the profile name in 00_start_here against `aws configure list-profiles`.")
    if isinstance(exc, (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)):
        return AwsError("Your AWS SSO sign-in for this profile has expired.", fix="Run `aws sso login --profile NAME` in a terminal, then re-run the cell.")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ConnectionClosedError, bx.ReadTimeoutError)):
        absent = _not_offered_there(exc)
        if absent is not None:
            return absent
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        during = f" ({action} got no answer)" if action else ""
        if url.startswith(("http://127.0.0.1", "http://localhost")):
            return AwsError(
                f"The sandbox at {url} is not answering{during}.",
                fix="Start it again with `connect-sso-workshop sandbox start`; your resources are kept on disk.",
            )
        return AwsError(
            f"Could not reach AWS{' at ' + url if url else ''}{during}.",
            fix="Check your network connection and that the Region offers this service, then re-run the cell.",
        )
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")).strip()
        op = action or _operation(exc)
        if code in DENIED_CODES:
            denied = _ACTION_IN_MESSAGE.search(message)
            denied_action = denied.group(1) if denied else op
            return AwsError(
                f"AWS denied {denied_action}: the credentials in use are not allowed to do this.",
                fix=f"Ask your administrator to allow {denied_action}, or use a profile with more permissions (see docs/least-privilege-policy.json).",
                code=code,
            )
        if code in EXPIRED_CODES:
            return AwsError("Your AWS credentials have expired.", fix="Sign in again (`aws sso login` or refresh your keys), then re-run the cell.", code=code)
        if code in BAD_KEY_CODES:
            return AwsError("AWS does not recognise these credentials.", fix="Check the profile chosen in 00_start_here; its keys may have been deleted or mistyped.", code=code)
        if code in _THROTTLED:
            return AwsError(f"AWS kept throttling {op} even after retries.", fix="Wait a minute and re-run the cell; nothing was lost.", code=code)
        return AwsError(f"{op} failed: {(message or code).rstrip('.')}.", fix=_fix_for(code), code=code)
    if isinstance(exc, bx.ParamValidationError):
        return AwsError(f"{action or 'The AWS call'} was not sent: {_invalid_parameters(str(exc))}.",
                        fix="A value it needs is missing or malformed: check the settings in 00_start_here and do the earlier chapters first.")
    if isinstance(exc, bx.BotoCoreError):
        return AwsError(f"{action or 'The AWS call'} failed: {exc}.", fix="Re-run the cell; if it keeps failing, run the doctor.")
    return AwsError(f"{action or 'The AWS call'} failed unexpectedly: {exc}.", fix="Re-run the cell; if it keeps failing, please report it.")


_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_AWS_HOST = re.compile(r"^https?://([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?(?:[/:]|$)")
_REGIONAL = {"connect": "connect", "sso": "sso-admin", "identitystore": "identitystore", "sts": "sts"}


def _not_offered_there(exc: BaseException) -> WorkshopError | None:
    """A connection failure for a Region where the service has no endpoint, as the Region rule's own sentence.

    On AWS the endpoint's name (connect.eu-west-1.amazonaws.com) does not resolve: EndpointConnectionError, whose
    URL names the service and Region. The sandbox ends such a request unanswered: ConnectionClosedError, whose
    request is signed for the Region (SigV4 credential scope). Where AWS lists the endpoints:
    https://docs.aws.amazon.com/general/latest/gr/connect_region.html (botocore's endpoint data, rules/regions).
    """
    from workshop_lib.errors import InputError
    from workshop_lib.rules.regions import region_description, validate_region

    request = getattr(exc, "request", None)
    authorization = request.headers.get("Authorization") if request is not None else None
    if isinstance(authorization, bytes):
        authorization = authorization.decode("ascii", "replace")
    found = _SCOPE.search(authorization or "")
    if found is not None:
        region, signing_name = found.groups()
    else:
        host = _AWS_HOST.match(str(getattr(exc, "kwargs", {}).get("endpoint_url", "")))
        if host is None:
            return None
        signing_name, region = host.groups()
    service = _REGIONAL.get(signing_name)
    if service is None or not region_description(region):
        return None  # a Region botocore does not know may be newer than its data: a network problem, as far as we know
    try:
        validate_region(region, service)
    except InputError as refused:
        return refused
    return None


def _invalid_parameters(report: str) -> str:
    """botocore's parameter validation report in a learner's words (it checks values against the service model)."""
    import re

    said = []
    for line in report.splitlines():
        if m := re.search(r"Invalid length for parameter ([\w.\[\]]+), value: (\d+), valid (min|max) length: (\d+)", line):
            name, value, bound, limit = m.groups()
            said.append(f"{name} is empty" if value == "0" else f"{name} is {value} characters long, the {bound}imum is {limit}")
        elif m := re.search(r'Missing required parameter in input: "([^"]+)"', line):
            said.append(f"{m.group(1)} is missing")
        elif m := re.search(r"Invalid type for parameter ([\w.\[\]]+)", line):
            said.append(f"{m.group(1)} has the wrong type")
        elif m := re.search(r"Invalid range for parameter ([\w.\[\]]+)", line):
            said.append(f"{m.group(1)} is out of range")
    return "; ".join(dict.fromkeys(said)) or "one of its values is not valid"


def _operation(exc: BaseException) -> str:
    name = getattr(exc, "operation_name", "") or ""
    return name or "The AWS call"


def _fix_for(code: str) -> str:
    return {
        "ResourceNotFoundException": "Check the Region and the ID in 00_start_here: the resource does not exist there.",
        "NoSuchEntity": "The IAM resource does not exist (yet): run the step that creates it.",
        "EntityAlreadyExists": "It already exists: the step will adopt it when you re-run it.",
        "ValidationException": "One of the values sent is not valid; check the settings in 00_start_here.",
        "InvalidParameterException": "One of the values sent is not valid; check the settings in 00_start_here.",
        "ServiceQuotaExceededException": "A service quota is reached; delete unused resources or ask for a higher quota.",
        "AWSOrganizationsNotInUseException": "Create an organization first (chapter 02).",
    }.get(code, "Re-run the cell; if it keeps failing, run the doctor (chapter 07).")


@contextlib.contextmanager
def explained(action: str = "") -> Iterator[None]:
    """Run AWS calls and re-raise any botocore failure as a WorkshopError in plain words."""
    import botocore.exceptions as bx

    try:
        yield
    except (bx.BotoCoreError, bx.ClientError) as exc:
        raise translate(exc, action) from None
