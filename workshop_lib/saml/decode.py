"""Turn whatever the learner pasted (XML, base64, a form body, a HAR file) into the XML of a SAML response."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from workshop_lib.errors import SamlError
from workshop_lib.saml import _xml

MAX_INPUT_CHARS = _xml.MAX_XML_CHARS
MAX_HAR_CHARS = 200_000_000  # HAR files carry every page of the sign-in; the XML inside is still capped
HOW_TO_COPY = (
    "In the browser's developer tools (Network tab, 'Preserve log' on) sign in again, select the POST to "
    "https://signin.aws.amazon.com/saml and copy the whole SAMLResponse value, or save the tab as a HAR file."
)


# ---- decoding -----------------------------------------------------------------------------------

def decode_response(data: bytes | str) -> bytes:
    """The SAML XML from raw XML, base64, URL-encoded base64, a ``SAMLResponse=…&RelayState=…`` body or a HAR file."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if len(data) > MAX_HAR_CHARS:
            raise SamlError(f"The input is {len(data):,} bytes, too large to be a SAML response or a HAR file.")
        stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if stripped.startswith(b"<") or stripped[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return _checked_xml(stripped)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SamlError("The input is binary data, not a SAML response.", fix=HOW_TO_COPY) from None
    elif isinstance(data, str):
        text = data
    else:
        raise SamlError(f"A SAML response must be bytes or text, not {type(data).__name__}.")

    text = text.lstrip("\ufeff").strip()
    if not text:
        raise SamlError("The SAML response is empty.", fix=HOW_TO_COPY)
    if text.startswith("<"):
        if len(text) > MAX_INPUT_CHARS:
            _xml.check_size(text, what="SAML response")
        return _checked_xml(_xml._DECLARATION.sub("", text, count=1).lstrip().encode("utf-8"))
    if text.startswith("{"):
        return _checked_xml(_from_har(text))
    if len(text) > MAX_INPUT_CHARS:
        _xml.check_size(text, what="SAML response")
    return _checked_xml(_base64_to_xml(_extract_form_value(text)))


def _checked_xml(xml: bytes) -> bytes:
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
        tail = xml.decode("utf-16", errors="replace").rstrip()
        complete = tail.endswith(">")
    else:
        complete = xml.rstrip().endswith(b">")
    if not complete:
        raise SamlError(
            "The SAML response XML ends before its last '>', so it was cut off when it was copied.",
            fix=HOW_TO_COPY,
        )
    return xml


def _extract_form_value(text: str) -> str:
    """The SAMLResponse value from a form body or a devtools 'Payload' listing; otherwise the text itself."""
    if "SAMLResponse" not in text:
        return text
    body = text.strip()
    if re.match(r"^[\w.-]+=", body) and ("&" in body or body.startswith("SAMLResponse=")):
        for name, value in parse_qsl(body, keep_blank_values=True):
            if name.strip() == "SAMLResponse":
                if not value.strip():
                    raise SamlError("The form body has an empty SAMLResponse.", fix=HOW_TO_COPY)
                return value.replace(" ", "+")  # parse_qsl turned literal '+' into spaces
    match = re.search(r"(?:^|[\s&?])SAMLResponse\s*[:=]\s*([^&\s]+)", body)
    if match is None:
        raise SamlError("The text mentions SAMLResponse but carries no value for it.", fix=HOW_TO_COPY)
    return match.group(1)


def _base64_to_xml(value: str) -> bytes:
    candidate = value.strip()
    if "%" in candidate:
        candidate = unquote_plus(candidate)
    candidate = candidate.replace(" ", "+")  # form decoding turns '+' into spaces; base64 never has spaces
    candidate = re.sub(r"[\r\n\t]+", "", candidate)
    if not candidate:
        raise SamlError("The SAMLResponse value is empty.", fix=HOW_TO_COPY)
    bad = re.search(r"[^A-Za-z0-9+/=_-]", candidate)
    if bad:
        raise SamlError(
            f"This is not a SAML response: it is neither XML nor base64 (it contains {bad.group(0)!r}).",
            fix=HOW_TO_COPY,
        )
    candidate = candidate.replace("-", "+").replace("_", "/")
    body = candidate.rstrip("=")
    if "=" in body or len(candidate) - len(body) > 2:
        raise SamlError("The SAMLResponse base64 is damaged: it has '=' padding in the middle.", fix=HOW_TO_COPY)
    if len(candidate) % 4:
        raise SamlError(
            f"The SAMLResponse base64 is truncated: {len(candidate):,} characters is not a whole number of "
            "base64 blocks, so part of it was lost when copying.",
            fix=HOW_TO_COPY,
        )
    try:
        decoded = base64.b64decode(candidate, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError("The SAMLResponse is not valid base64.", fix=HOW_TO_COPY) from None
    stripped = decoded.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return stripped
    inflated = _inflate(decoded)
    if inflated is not None:
        return inflated
    raise SamlError(
        "The SAMLResponse value decodes from base64, but what it holds is not XML, so it is not a SAML response "
        "(or it was truncated at the start).",
        fix=HOW_TO_COPY,
    )


def _inflate(data: bytes) -> bytes | None:
    """Redirect-binding messages are raw-deflated before base64; accept them too."""
    try:
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(data, MAX_INPUT_CHARS)
    except zlib.error:
        return None
    if inflater.unconsumed_tail:
        raise SamlError("The compressed SAML message expands beyond the size limit and was refused.")
    out = out.lstrip()
    return out if out.startswith(b"<") else None


def _from_har(text: str) -> bytes:
    if len(text) > MAX_HAR_CHARS:
        raise SamlError(f"The HAR file is {len(text):,} characters, too large to read.")
    try:
        har = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SamlError(f"The input starts like JSON (a HAR file) but is not valid JSON ({exc.msg}, line {exc.lineno}).",
                        fix="Save the Network tab again with 'Save all as HAR'.") from None
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) and isinstance(har.get("log"), dict) else None
    if not isinstance(entries, list):
        raise SamlError("This JSON is not a HAR file (it has no log.entries).",
                        fix="In the browser's developer tools use 'Save all as HAR' on the Network tab.")
    found: list[tuple[bool, str]] = []
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or str(request.get("method", "")).upper() != "POST":
            continue
        value = _har_saml_value(request.get("postData") or {})
        if value:
            path = urlsplit(str(request.get("url", ""))).path
            found.append((path.rstrip("/").endswith("/saml") or "/saml" in path, value))
    if not found:
        raise SamlError(
            "The HAR file has no POST carrying a SAMLResponse, so the sign-in to AWS was not recorded.",
            fix="Turn on 'Preserve log' in the Network tab, sign in from the access portal again, then save the HAR.",
        )
    preferred = [value for is_saml, value in found if is_saml] or [value for _, value in found]
    return _base64_to_xml(preferred[-1])


def _har_saml_value(post_data: dict) -> str | None:
    params = post_data.get("params")
    if isinstance(params, list):
        for param in params:
            if isinstance(param, dict) and param.get("name") == "SAMLResponse" and param.get("value"):
                return str(param["value"])
    body = post_data.get("text")
    if isinstance(body, str) and "SAMLResponse" in body:
        for name, value in parse_qsl(body.strip(), keep_blank_values=True):
            if name == "SAMLResponse" and value:
                return value.replace(" ", "+")
    return None
