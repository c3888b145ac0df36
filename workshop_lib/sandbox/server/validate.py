"""AWS's server-side input validation, driven by the botocore models, before moto or an extension runs.

One generic walk over the operation's input shape checks what AWS checks on its side and botocore's
client-side validation does not (it checks only required members, minimums and types): maximum
lengths, patterns, enums, numeric ranges and list/map sizes, plus the required members and minimums
for clients that skip botocore's validation (the AWS CLI with --no-cli-..., raw HTTP). There is no
per-operation code: the constraints are the model's ``min``, ``max``, ``pattern``, ``enum`` and
``required`` traits (https://smithy.io/2.0/spec/constraint-traits.html).

Errors are answered in each service's own style, as AWS documents them:
- query services (IAM, STS): ``ValidationError``, HTTP 400, "1 validation error detected: Value '…' at
  'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"
  (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html);
- JSON and REST-JSON services: the operation's own validation error from its model, the first of
  ``ValidationException`` (Identity Center, identity store:
  https://docs.aws.amazon.com/singlesignon/latest/APIReference/CommonErrors.html),
  ``InvalidParameterException`` (Amazon Connect answers its constraint violations so, e.g.
  https://github.com/amazon-connect/voicemail-for-amazon-connect/issues/15), ``InvalidRequestException``
  (Connect operations that list no InvalidParameterException) and ``InvalidInputException``
  (Organizations), HTTP 400, the same sentence.
Patterns are Java regular expressions matched against the whole value; the ``regex`` module reads
their ``\\p{…}`` classes.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from typing import Any

from workshop_lib.sandbox.server.guard import SERVED, Refusal, aws_error

MODEL_NAMES = {"iam": "iam", "sts": "sts", "organizations": "organizations", "connect": "connect", "sso": "sso-admin",
               "identitystore": "identitystore"}
_NUMBERS = ("integer", "long", "float", "double")
_MAX_SHOWN = 256  # characters of a value quoted back in the message


@functools.lru_cache(maxsize=None)
def model(signing_name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(MODEL_NAMES[signing_name])


@functools.lru_cache(maxsize=2048)
def _pattern(text: str) -> Any:
    import regex

    if len(text) > 2 and text.startswith("/") and text.endswith("/"):
        text = text[1:-1]  # a few models write JavaScript-style /…/ delimiters (Connect's Password)
    try:
        return regex.compile(text)
    except regex.error:
        return None


# ---- which operation, with which input -------------------------------------------------------------


def operation_input(signing_name: str, environ: dict[str, Any], body: bytes) -> tuple[Any, dict[str, Any]] | None:
    """The operation model and its input as a plain structure, or None when the request names no operation."""
    protocol = SERVED[signing_name]
    service = model(signing_name)
    if protocol == "query":
        flat = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        name = flat.get("Action", "")
        if name not in service.operation_names:
            return None
        operation = service.operation_model(name)
        shape = operation.input_shape
        return operation, (_from_query(shape, "", flat) or {}) if shape is not None else {}
    if protocol == "json":
        target = environ.get("HTTP_X_AMZ_TARGET") or ""
        name = target.rsplit(".", 1)[-1]
        if name not in service.operation_names:
            return None
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return None
        return service.operation_model(name), data if isinstance(data, dict) else {}
    # The path as sent: an encoded "/" inside a parameter (an instance ARN given as InstanceId) must stay inside
    # that parameter, or the request would match no operation and skip validation and authorization.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or urllib.parse.quote(environ.get("PATH_INFO", ""))
    routed = route(signing_name, environ.get("REQUEST_METHOD", "GET"), urllib.parse.urlsplit(raw).path)
    if routed is None:
        return None
    operation, uri_params = routed
    return operation, _rest_input(operation, uri_params, environ, body)


@functools.lru_cache(maxsize=None)
def _routes(signing_name: str) -> list[tuple[str, Any, str, int]]:
    """(method, compiled URI pattern, operation name, literal length) from the model's http traits, most specific first."""
    service = model(signing_name)
    table = []
    for name in service.operation_names:
        http = service.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(uri))
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
        table.append((http.get("method", "POST"), re.compile(f"^{pattern}$"), name, literal))
    table.sort(key=lambda row: -row[3])
    return table


def route(signing_name: str, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    for verb, pattern, name, _ in _routes(signing_name):
        if verb == method:
            found = pattern.match(path)
            if found:
                return model(signing_name).operation_model(name), {k: urllib.parse.unquote(v)
                                                                    for k, v in found.groupdict().items()}
    return None


def _rest_input(operation: Any, uri_params: dict[str, str], environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    values: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    for name, member in shape.members.items():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "uri" and wire in uri_params:
            values[name] = uri_params[wire]
        elif location == "querystring" and wire in query:
            values[name] = query[wire] if member.type_name == "list" else query[wire][-1]
        elif location == "header":
            header = environ.get("HTTP_" + wire.upper().replace("-", "_"))
            if header is not None:
                values[name] = header
    return values


def _from_query(shape: Any, prefix: str, flat: dict[str, str]) -> Any:
    """The value at ``prefix`` of a query-protocol request (``Tags.member.1.Key=…``), shaped like ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        found: dict[str, Any] = {}
        for name, member in shape.members.items():
            key = f"{prefix}.{member.serialization.get('name', name)}" if prefix else member.serialization.get("name", name)
            value = _from_query(member, key, flat)
            if value is not None:
                found[name] = value
        return found if (found or not prefix) else None
    if kind == "list":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.member"
        items = []
        while True:
            value = _from_query(shape.member, f"{base}.{len(items) + 1}", flat)
            if value is None:
                break
            items.append(value)
        if items:
            return items
        return [] if flat.get(prefix) == "" else None
    if kind == "map":
        entries: dict[str, Any] = {}
        index = 1
        while f"{prefix}.entry.{index}.key" in flat:
            entries[flat[f"{prefix}.entry.{index}.key"]] = _from_query(shape.value, f"{prefix}.entry.{index}.value", flat)
            index += 1
        return entries or None
    return flat.get(prefix)


# ---- the walk ---------------------------------------------------------------------------------------


def problems(shape: Any, value: Any, path: str = "") -> list[str]:
    """Every constraint the value breaks, in AWS's words ("Value '…' at 'roleName' failed to satisfy …")."""
    found: list[str] = []
    _walk(shape, value, path, found)
    return found


def _member_path(path: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


def _fail(found: list[str], value: Any, path: str, constraint: str, *, sensitive: bool = False) -> None:
    if sensitive:  # AWS does not quote values the model marks sensitive (passwords, assertions, e-mail addresses)
        found.append(f"Value at '{path}' failed to satisfy constraint: {constraint}")
        return
    if value is None:
        shown = "null"
    else:
        text = value if isinstance(value, str) else (json.dumps(value, default=str) if isinstance(value, (list, dict))
                                                     else str(value))
        shown = f"'{text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + '…'}'"
    found.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")


def _walk(shape: Any, value: Any, path: str, found: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                _fail(found, None, _member_path(path, name), "Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _walk(member, value[name], _member_path(path, name), found)
        return
    if kind in ("list", "map"):
        if not isinstance(value, (list, dict)):
            return
        _lengths(meta, value, len(value), path, found)
        if kind == "list":
            for index, item in enumerate(value, start=1):
                if item is not None:
                    _walk(shape.member, item, f"{path}.{index}.member", found)
        elif isinstance(value, dict):
            for key, item in value.items():
                _walk(shape.key, key, f"{path}.key", found)
                if item is not None:
                    _walk(shape.value, item, f"{path}.{key}.member", found)
        return
    if kind == "string":
        if not isinstance(value, str):
            return
        secret = bool(meta.get("sensitive"))
        _lengths(meta, value, len(value), path, found, sensitive=secret)
        enum = shape.enum
        if enum and value not in enum:
            _fail(found, value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]", sensitive=secret)
        pattern = meta.get("pattern")
        if pattern:
            compiled = _pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                _fail(found, value, path, f"Member must satisfy regular expression pattern: {pattern}", sensitive=secret)
        return
    if kind in _NUMBERS:
        try:
            number = float(value) if kind in ("float", "double") else int(value)
        except (TypeError, ValueError):
            return
        if "min" in meta and number < meta["min"]:
            _fail(found, value, path, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and number > meta["max"]:
            _fail(found, value, path, f"Member must have value less than or equal to {meta['max']}")


def _lengths(meta: dict[str, Any], value: Any, size: int, path: str, found: list[str], *,
             sensitive: bool = False) -> None:
    if "min" in meta and size < meta["min"]:
        _fail(found, value, path, f"Member must have length greater than or equal to {meta['min']}", sensitive=sensitive)
    if "max" in meta and size > meta["max"]:
        _fail(found, value, path, f"Member must have length less than or equal to {meta['max']}", sensitive=sensitive)


_JSON_CODES = ("ValidationException", "InvalidParameterException", "InvalidRequestException", "InvalidInputException")


def _json_code(operation: Any) -> str:
    listed = {shape.name for shape in operation.error_shapes}
    return next((code for code in _JSON_CODES if code in listed), "ValidationException")


def examine(signing_name: str, environ: dict[str, Any], body: bytes) -> tuple[Refusal | None, Any, dict[str, Any]]:
    """(AWS's validation answer or None when the input passes, the operation model or None when none is named,
    the request's input as a plain structure)."""
    found = operation_input(signing_name, environ, body)
    if found is None:
        return None, None, {}
    operation, values = found
    if operation.input_shape is None:
        return None, operation, values
    broken = problems(operation.input_shape, values)
    if not broken:
        return None, operation, values
    protocol = SERVED[signing_name]
    count = len(broken)
    code = "ValidationError" if protocol == "query" else _json_code(operation)
    message = f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(broken)
    return aws_error(protocol, code, message, 400), operation, values


def check(signing_name: str, environ: dict[str, Any], body: bytes) -> Refusal | None:
    """AWS's validation answer for this request, or None when it passes (or names no known operation)."""
    return examine(signing_name, environ, body)[0]
