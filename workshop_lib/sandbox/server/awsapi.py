"""What every extension operation needs: AWS-shaped errors, request parameters and pagination.

Server side only (imports moto). Errors raised here are serialised by moto through the botocore
service model, so boto3 sees the same error codes and HTTP statuses as from AWS.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import secrets
from typing import Any, Sequence, TypeVar

from moto.core.exceptions import ServiceException

DEFAULT_ACCOUNT = "123456789012"
T = TypeVar("T")


class AwsError(ServiceException):
    """An AWS error answer: ``AwsError("ResourceNotFoundException", "Instance … not found")``.

    Defined outside moto's package on purpose: moto then looks the code up in the service model
    of the request, which gives the right HTTP status (404 for Connect's ResourceNotFound, …).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def random_hex(length: int) -> str:
    return secrets.token_hex((length + 1) // 2)[:length]


def json_body(response: Any) -> dict[str, Any]:
    """The request's JSON body as a dict (empty for none); parsed once per request."""
    cached = getattr(response, "_workshop_body", None)
    if cached is None:
        try:
            cached = json.loads(response.body) if response.body else {}
        except ValueError:
            raise AwsError("SerializationException", "The request body is not valid JSON.") from None
        if not isinstance(cached, dict):
            cached = {}
        response._workshop_body = cached
    return cached


def param(response: Any, name: str, default: Any = None) -> Any:
    """A parameter from the JSON body, else the URI or the query string (REST-JSON lists use camelCase there)."""
    body = json_body(response)
    if name in body:
        return body[name]
    if name in (response.uri_match or {}):
        from urllib.parse import unquote

        return unquote(response.uri_match[name])
    camel = name[0].lower() + name[1:]
    for key in (name, camel):
        values = response.querystring.get(key)
        if values:
            return values[0] if isinstance(values, list) else values
    return default


def paginate(items: Sequence[T], max_results: Any, next_token: Any, *, default: int = 100, maximum: int = 1000,
             error_code: str = "InvalidParameterException") -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next page (None on the last page)."""
    try:
        size = int(max_results) if max_results not in (None, "") else default
    except (TypeError, ValueError):
        raise AwsError(error_code, f"MaxResults must be a number, not {max_results!r}.") from None
    if size < 1 or size > maximum:
        raise AwsError(error_code, f"MaxResults must be between 1 and {maximum}.")
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(str(next_token).encode()).decode().removeprefix("o:"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AwsError(error_code, "The NextToken is not valid; start again without it.") from None
    page = list(items[start : start + size])
    end = start + size
    token = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < len(items) else None
    return page, token


def account_of(response: Any) -> str:
    return getattr(response, "current_account", None) or DEFAULT_ACCOUNT
