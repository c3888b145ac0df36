"""Who may drive the sandbox: its own loopback Host, no foreign Origin, and a valid SigV4 signature.

Every AWS request's signature is recomputed with botocore's own signer (``botocore.auth.SigV4Auth``)
over the request as received, and compared with ``hmac.compare_digest``. Accepted keys are the
sandbox's generated credentials (:mod:`workshop_lib.sandbox.shared.credentials`), the temporary
credentials its STS issued (AssumeRoleWithSAML), with their session token, until they expire, and the
active access keys of IAM users made in it (CreateAccessKey), as AWS accepts them.

Refusals use AWS's error codes, in each service protocol's own shape, from the common errors pages:
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html (query protocol: IAM, STS) and
https://docs.aws.amazon.com/singlesignon/latest/APIReference/CommonErrors.html (JSON services), and
the SigV4 reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html

A request signed for a Region where its service has no endpoint is not answered at all
(:func:`region_not_offered`): see that function for why.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import hmac
import json
import re
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from xml.sax.saxutils import escape

from workshop_lib.sandbox.shared.credentials import SandboxCredentials

# The services the workshop uses, by SigV4 signing name (sso-admin signs as "sso"); moto serves no other.
SERVED = {"iam": "query", "sts": "query", "organizations": "json", "connect": "rest-json", "sso": "json",
          "identitystore": "json"}
# AWS refuses a signature whose X-Amz-Date is more than 15 minutes from its clock.
MAX_SKEW = _dt.timedelta(minutes=15)
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;_.-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$")

# code per protocol family: (query code, JSON code, HTTP status)
_CODES = {
    "missing": ("MissingAuthenticationToken", "MissingAuthenticationTokenException", 403),
    "incomplete": ("IncompleteSignature", "IncompleteSignatureException", 400),
    "unknown-key": ("InvalidClientTokenId", "UnrecognizedClientException", 403),
    "signature": ("SignatureDoesNotMatch", "InvalidSignatureException", 403),
    "expired": ("ExpiredToken", "ExpiredTokenException", 403),
    "service": ("InvalidAction", "UnknownOperationException", 400),
}
_SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                      "Secret Access Key and signing method. Consult the service documentation for details.")


@dataclass(frozen=True)
class Refusal:
    """An answer that stops the request before moto sees it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    service: str
    region: str
    session_token: str | None


def plain_refusal(status: int, message: str, code: str, fix: str = "") -> Refusal:
    """The sandbox's own JSON error (its own routes, Host, Origin, size)."""
    body = json.dumps({"error": {"message": message, "code": code, "fix": fix}}).encode("utf-8")
    return Refusal(status, [("Content-Type", "application/json")], body)


def protocol_of(environ: dict[str, Any], service: str | None = None) -> str:
    if service in SERVED:
        return SERVED[service]
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest-json"


def aws_refusal(protocol: str, kind: str, message: str) -> Refusal:
    query_code, json_code, status = _CODES[kind]
    return aws_error(protocol, query_code if protocol == "query" else json_code, message, status)


def aws_error(protocol: str, code: str, message: str, status: int) -> Refusal:
    """An error as the service's protocol shapes it, so botocore parses code and message."""
    request_id = str(uuid.uuid4())
    if protocol == "query":
        body = (f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode("utf-8")
        return Refusal(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body)
    payload = {"__type": code, "message": message} if protocol == "json" else {"message": message}
    content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
    return Refusal(status, [("Content-Type", content_type), ("x-amzn-RequestId", request_id),
                            ("x-amzn-ErrorType", code)], json.dumps(payload).encode("utf-8"))


# ---- Regions without the service -----------------------------------------------------------------

# Regional services by SigV4 signing name -> their botocore endpoint name (rules/_region_table lists their Regions).
# IAM and Organizations have one global endpoint per partition, so no Region lacks them.
_REGIONAL = {"connect": "connect", "sso": "sso-admin", "identitystore": "identitystore", "sts": "sts"}


def region_not_offered(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, Region) when an AWS request is signed for a Region where that service has no endpoint.

    AWS lists the endpoints of each service by Region ("Amazon Connect endpoints and quotas",
    https://docs.aws.amazon.com/general/latest/gr/connect_region.html; botocore's endpoint data, which
    rules/_region_table.py is generated from, lists the same Regions). Elsewhere there is no endpoint to answer:
    the client's request never reaches AWS, and botocore raises EndpointConnectionError ("Could not connect to
    the endpoint URL: https://connect.eu-west-1.amazonaws.com/…") once the name fails to resolve. AWS's own
    pages say only that "errors or unexpected results might occur if an AWS service isn't available for your
    specified AWS Region" (https://docs.aws.amazon.com/cli/latest/userguide/troubleshooting.html); the DNS
    failure is what clients report, not a documented answer, and was not observed from this project.

    The sandbox has one address for every Region, so it cannot fail the name lookup. The nearest thing a client
    pointed at it with endpoint_url can observe is a connection that ends with no answer: the caller hangs up
    (see ``app``), and botocore raises ConnectionClosedError, a connection failure it retries and then reports
    just as it does a failed lookup, instead of any HTTP answer that AWS would never send. The Region is read
    from the signature's credential scope, before the signature is checked, as the lookup happens before AWS
    could check anything.
    """
    match = _AUTH_RE.match((environ.get("HTTP_AUTHORIZATION") or "").strip())
    if match is None:
        return None  # unsigned (AssumeRoleWithSAML): the Region is only in the host name, which is ours
    service = _REGIONAL.get(match["service"])
    if service is None:
        return None
    from workshop_lib.rules.regions import offered_in

    return None if offered_in(match["region"], service) else (service, match["region"])


# ---- Host and Origin ------------------------------------------------------------------------------


def check_host_and_origin(environ: dict[str, Any], port: int) -> Refusal | None:
    """Refuse a Host that is not this server's loopback address (DNS rebinding) and any foreign Origin."""
    own = {f"127.0.0.1:{port}", f"localhost:{port}"}
    host = (environ.get("HTTP_HOST") or "").lower()
    if host not in own:
        return plain_refusal(421, f"The sandbox answers only requests for 127.0.0.1:{port}, not {host or 'no Host'}.",
                             "host", "Use the endpoint `connect-sso-workshop sandbox env` prints.")
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin.lower() not in {f"http://{name}" for name in own}:
        return plain_refusal(403, "The sandbox does not answer requests made by web pages.", "origin")
    if environ.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        return plain_refusal(403, "The sandbox does not answer requests made by web pages.", "origin")
    return None


# ---- SigV4 ---------------------------------------------------------------------------------------


def verify_sigv4(environ: dict[str, Any], body: bytes, own: SandboxCredentials,
                 temporary_secret: Callable[[str], tuple[str, str, _dt.datetime] | None],
                 now: _dt.datetime | None = None) -> Caller | Refusal:
    """The caller when the request is signed with a key the sandbox issued; else AWS's refusal.

    ``temporary_secret(key)`` gives (secret, session token, expiry) for keys the sandbox issued: STS sessions,
    or IAM users' access keys (session token None).
    """
    header = environ.get("HTTP_AUTHORIZATION")
    if not header and _unsigned_operation(environ, body):
        return Caller("", "sts", "", None)
    if not header:
        return aws_refusal(protocol_of(environ), "missing", "Request is missing Authentication Token")
    match = _AUTH_RE.match(header.strip())
    if match is None:
        return aws_refusal(protocol_of(environ), "incomplete",
                           "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
                           "of the AWS4-HMAC-SHA256 algorithm.")
    service, region, key = match["service"], match["region"], match["key"]
    protocol = protocol_of(environ, service)
    if service not in SERVED:
        return aws_refusal(protocol, "service", f"The workshop's sandbox does not offer the {service!r} service; it "
                           "serves IAM, STS, Organizations, Amazon Connect, IAM Identity Center and its identity store.")
    amz_date = environ.get("HTTP_X_AMZ_DATE") or ""
    try:
        stamp = _dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return aws_refusal(protocol, "incomplete", "Authorization header requires existence of either a "
                                                   "'X-Amz-Date' or a 'Date' header.")
    if amz_date[:8] != match["date"]:
        return aws_refusal(protocol, "signature", _SIGNATURE_MESSAGE)
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
    if hmac.compare_digest(key, own.access_key_id):
        if token is not None:
            return aws_refusal(protocol, "unknown-key", "The security token included in the request is invalid.")
        secret = own.secret_access_key
    else:
        issued = temporary_secret(key)
        if issued is None:
            return aws_refusal(protocol, "unknown-key", "The security token included in the request is invalid.")
        secret, expected_token, expires = issued
        if expected_token is None:  # an IAM user's long-term key: no session token may come with it
            if token is not None:
                return aws_refusal(protocol, "unknown-key", "The security token included in the request is invalid.")
        elif token is None or not hmac.compare_digest(token, expected_token):
            return aws_refusal(protocol, "unknown-key", "The security token included in the request is invalid.")
        if (now or _dt.datetime.now(_dt.timezone.utc)) >= expires:
            return aws_refusal(protocol, "expired", "The security token included in the request is expired")
    now = now or _dt.datetime.now(_dt.timezone.utc)
    if abs(now - stamp) > MAX_SKEW:
        return aws_refusal(protocol, "signature", f"Signature expired: {amz_date} is now earlier or later than "
                                                  f"15 minutes from {now.strftime('%Y%m%dT%H%M%SZ')}.")
    signed = match["headers"].split(";")
    if "host" not in signed:
        return aws_refusal(protocol, "incomplete", "'Host' must be a signed header.")
    expected = _signature(environ, body, signed, key, secret, token, region, service, amz_date)
    if expected is None or not hmac.compare_digest(expected, match["signature"]):
        return aws_refusal(protocol, "signature", _SIGNATURE_MESSAGE)
    return Caller(key, service, region, token)


@functools.lru_cache(maxsize=1)
def _unsigned_sts_operations() -> frozenset[str]:
    """STS operations its model marks as called without credentials (AssumeRoleWithSAML, …WithWebIdentity)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sts")
    return frozenset(name for name in model.operation_names if model.operation_model(name).auth_type == "none")


def _unsigned_operation(environ: dict[str, Any], body: bytes) -> bool:
    if not (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return False
    actions = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action") or [""]
    return len(actions) == 1 and actions[0] in _unsigned_sts_operations()


def _signature(environ: dict[str, Any], body: bytes, signed: list[str], key: str, secret: str, token: str | None,
               region: str, service: str, amz_date: str) -> str | None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers: dict[str, str] = {}
    for name in signed:
        wsgi_name = name.upper().replace("-", "_")
        value = environ.get(wsgi_name if wsgi_name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{wsgi_name}")
        if value is None:
            return None  # a header the client says it signed is not in the request
        headers[name] = value
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha is not None and not hmac.compare_digest(content_sha, hashlib.sha256(body).hexdigest()):
        return None  # the body is not the one that was signed
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=f"http://{headers['host']}{raw_uri}",
                         headers=headers, data=body)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key, secret, token), service, region)
    # Only the headers the client signed are in the request, so the signer canonicalises exactly those.
    if sorted(signer.headers_to_sign(request)) != sorted(signed):
        return None
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)
