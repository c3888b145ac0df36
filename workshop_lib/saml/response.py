"""Read a SAML response into a SamlResponse: its envelope, assertion, attributes, times and what is signed.

Decoding what the learner pasted (XML, base64, a form body, a HAR file) is saml/decode.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional
from datetime import datetime

from workshop_lib.errors import SamlError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml import _xml
from workshop_lib.saml._time import parse_saml_time
from workshop_lib.saml.decode import HOW_TO_COPY, decode_response
from workshop_lib.saml.constants import (
    ROLE_ATTRIBUTE_NAME,
    ROLE_SESSION_NAME_ATTRIBUTE_NAME,
    SESSION_DURATION_ATTRIBUTE_NAME,
)

_NOT_METADATA = "Use load_metadata for metadata; for a response, " + HOW_TO_COPY[0].lower() + HOW_TO_COPY[1:]



@dataclass
class SamlResponse:
    """The parts of a SAML response that decide whether AWS and Amazon Connect let the user in."""

    raw: bytes  # the XML these fields were read from
    is_assertion_only: bool = False  # a bare <Assertion> rather than a whole <Response>
    response_id: str | None = None
    assertion_id: str | None = None
    issue_instant: datetime | None = None
    issuer: str | None = None  # Response/Issuer
    assertion_issuer: str | None = None  # Assertion/Issuer
    destination: str | None = None
    in_response_to: str | None = None
    status: str | None = None  # StatusCode Value
    status_message: str | None = None
    name_id: str | None = None
    name_id_format: str | None = None
    subject_confirmations: int = 0
    recipient: str | None = None  # SubjectConfirmationData/@Recipient
    subject_not_before: datetime | None = None
    subject_not_on_or_after: datetime | None = None  # SubjectConfirmationData/@NotOnOrAfter
    audiences: list[str] = field(default_factory=list)
    not_before: datetime | None = None  # Conditions/@NotBefore
    not_on_or_after: datetime | None = None  # Conditions/@NotOnOrAfter
    attributes: dict[str, list[str]] = field(default_factory=dict)
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role ARN, provider ARN), either order in the value
    role_session_name: str | None = None
    session_duration: int | None = None
    assertion_count: int = 0
    encrypted_assertions: int = 0
    signed_parts: str = "none"  # "response and assertion", "response", "assertion" or "none"
    verified: bool = False  # True only when built by verify_response from the signed XML
    decrypted: bool = False  # the assertion was encrypted and has been decrypted with the given key
    encrypted_parts: list[str] = field(default_factory=list)  # EncryptedID/EncryptedAttribute left encrypted
    refusal: Optional[SamlError] = None  # the structure is refused: nothing read from it may be shown as fact
    findings: list[Finding] = field(default_factory=list)  # problems noticed while reading

    @property
    def effective_issuer(self) -> str | None:
        """The issuer AWS matches against the IAM SAML provider: the assertion's, else the response's."""
        return self.assertion_issuer or self.issuer

    @property
    def role_values(self) -> list[str]:
        return self.attributes.get(ROLE_ATTRIBUTE_NAME, [])


# ---- parsing ------------------------------------------------------------------------------------

def parse_response(data: bytes | str, *, private_key=None) -> SamlResponse:
    """Read a SAML response (any form ``decode_response`` accepts) without checking its signature.

    The structure is checked first (structure.examine); a refused structure is kept in ``refusal`` and
    reported as an F4 error. With ``private_key`` (PEM bytes or an RSA key) encrypted parts are decrypted
    so they can be read; nothing here is verified.
    """
    from workshop_lib.saml import encryption, structure

    xml = decode_response(data)
    text = _xml.to_text(xml, what="SAML response").text
    parsed = _xml.parse(text, what="SAML response", allow_namespace_errors=True)
    findings = []
    if parsed.namespace_errors:
        findings.append(Finding(
            "saml.namespaces", Severity.WARNING,
            "The response uses a namespace prefix it never declares (" + "; ".join(parsed.namespace_errors) +
            "); strict SAML parsers reject such XML.",
            fix="Check the identity provider's attribute configuration; the response should be namespace-well-formed.",
            details={"errors": parsed.namespace_errors}))
    root = parsed.root
    if _xml.local(root.tag) in ("EntityDescriptor", "EntitiesDescriptor"):
        raise SamlError("This is SAML metadata, not a SAML response.",
                        fix=_NOT_METADATA)
    if _xml.local(root.tag) not in ("Response", "Assertion"):
        raise SamlError(f"This XML is not a SAML response: its root element is <{_xml.local(root.tag)}>.",
                        fix=HOW_TO_COPY)
    shape = structure.examine(root)
    decrypted = False
    if shape.refusal is None and private_key is not None:
        key = private_key if not isinstance(private_key, (bytes, str)) else encryption.load_private_key(private_key)
        if shape.encrypted is not None:
            plain = encryption.decrypt_element(shape.encrypted, key)
            inner = structure.examine(plain)
            if inner.refusal is not None:
                shape.refusal = inner.refusal
            else:
                root.replace(shape.encrypted, plain)
                decrypted = True
        if shape.refusal is None:
            encryption.decrypt_parts(root, key)  # parts that fail stay encrypted and are reported as not judged
    resp = response_from_element(root, raw=xml, findings=findings)
    resp.decrypted = decrypted
    if shape.refusal is not None:
        resp.refusal = shape.refusal
        resp.findings.insert(0, Finding(shape.refusal.code or "F4", Severity.ERROR, shape.refusal.message,
                                        fix=shape.refusal.fix, details={"refused": True}))
    return resp


def response_from_element(root, *, raw: bytes, findings: list[Finding] | None = None, verified: bool = False,
                          signed_parts: str | None = None) -> SamlResponse:
    """Build a SamlResponse from a parsed <Response> or <Assertion> element."""
    resp = SamlResponse(raw=raw, verified=verified, findings=list(findings or []))
    name = _xml.local(root.tag)
    if name == "Response":
        assertions = _xml.children(root, "Assertion")
        resp.encrypted_assertions = len(_xml.children(root, "EncryptedAssertion"))
        _read_response_envelope(resp, root)
    elif name == "Assertion":
        assertions = [root]
        resp.is_assertion_only = True
        resp.findings.append(Finding(
            "saml.assertion-only", Severity.INFO,
            "This is a bare Assertion, not the whole Response that the browser posts to AWS, so Destination, "
            "Status and the response Issuer cannot be checked.",
            fix="For a full check, copy the SAMLResponse value posted to https://signin.aws.amazon.com/saml."))
    elif name in ("EntityDescriptor", "EntitiesDescriptor"):
        raise SamlError("This is SAML metadata, not a SAML response.",
                        fix=_NOT_METADATA)
    else:
        raise SamlError(f"This XML is not a SAML response: its root element is <{name}>.", fix=HOW_TO_COPY)

    resp.assertion_count = len(assertions)
    if len(assertions) > 1:
        resp.findings.append(Finding(
            "saml.several-assertions", Severity.ERROR,
            f"The response holds {len(assertions)} assertions; AWS accepts exactly one, and extra assertions "
            "are a sign of tampering (signature wrapping).",
            fix="Capture a fresh response from the access portal."))
    if assertions:
        _read_assertion(resp, assertions[0])
    elif not resp.encrypted_assertions:
        resp.findings.append(Finding(
            "saml.no-assertion", Severity.ERROR,
            "The response has no assertion, so it does not sign anybody in.",
            fix="Check the Status in the response; the identity provider may have refused the sign-in."))

    resp.signed_parts = signed_parts or _signed_parts(root, assertions[0] if assertions else None)
    resp.encrypted_parts = [_xml.local(e.tag) for e in root.iter()
                            if isinstance(e.tag, str) and _xml.local(e.tag) in ("EncryptedID", "EncryptedAttribute")]
    return resp


def _read_response_envelope(resp: SamlResponse, root) -> None:
    resp.response_id = _xml.attribute(root, "ID")
    resp.issue_instant = _time(resp, root, "IssueInstant", "Response IssueInstant")
    resp.destination = _clean(_xml.attribute(root, "Destination"))
    resp.in_response_to = _clean(_xml.attribute(root, "InResponseTo"))
    resp.issuer = _xml.text_of(_xml.child(root, "Issuer")) or None
    status = _xml.child(root, "Status")
    if status is not None:
        code = _xml.child(status, "StatusCode")
        resp.status = _clean(_xml.attribute(code, "Value"))
        nested = _xml.child(code, "StatusCode") if code is not None else None
        if nested is not None and _xml.attribute(nested, "Value"):
            resp.status = f"{resp.status} / {_xml.attribute(nested, 'Value').strip()}"
        resp.status_message = _xml.text_of(_xml.child(status, "StatusMessage")) or None


def _read_assertion(resp: SamlResponse, assertion) -> None:
    resp.assertion_id = _xml.attribute(assertion, "ID")
    resp.assertion_issuer = _xml.text_of(_xml.child(assertion, "Issuer")) or None
    if resp.issue_instant is None:
        resp.issue_instant = _time(resp, assertion, "IssueInstant", "Assertion IssueInstant")

    subject = _xml.child(assertion, "Subject")
    if subject is not None:
        name_id = _xml.child(subject, "NameID")
        if name_id is not None:
            resp.name_id = _xml.text_of(name_id)
            resp.name_id_format = _clean(_xml.attribute(name_id, "Format"))
        confirmations = _xml.children(subject, "SubjectConfirmation")
        resp.subject_confirmations = len(confirmations)
        bearer = [c for c in confirmations if (_xml.attribute(c, "Method") or "").endswith(":bearer")] or confirmations
        if bearer:
            data = _xml.child(bearer[0], "SubjectConfirmationData")
            if data is not None:
                resp.recipient = _clean(_xml.attribute(data, "Recipient"))
                resp.subject_not_before = _time(resp, data, "NotBefore", "SubjectConfirmationData NotBefore")
                resp.subject_not_on_or_after = _time(resp, data, "NotOnOrAfter", "SubjectConfirmationData NotOnOrAfter")
                if resp.in_response_to is None:
                    resp.in_response_to = _clean(_xml.attribute(data, "InResponseTo"))

    conditions = _xml.child(assertion, "Conditions")
    if conditions is not None:
        resp.not_before = _time(resp, conditions, "NotBefore", "Conditions NotBefore")
        resp.not_on_or_after = _time(resp, conditions, "NotOnOrAfter", "Conditions NotOnOrAfter")
        for restriction in _xml.children(conditions, "AudienceRestriction"):
            resp.audiences.extend(t for t in (_xml.text_of(a) for a in _xml.children(restriction, "Audience")) if t)

    for statement in _xml.children(assertion, "AttributeStatement"):
        for attribute in _xml.children(statement, "Attribute"):
            name = _xml.attribute(attribute, "Name")
            if name is None:
                continue
            values = [_xml.text_of(v) or "" for v in _xml.children(attribute, "AttributeValue")]
            resp.attributes.setdefault(name, []).extend(values)

    resp.roles = [pair for pair in (parse_role_value(v) for v in resp.attributes.get(ROLE_ATTRIBUTE_NAME, [])) if pair]
    session_names = resp.attributes.get(ROLE_SESSION_NAME_ATTRIBUTE_NAME)
    resp.role_session_name = session_names[0] if session_names else None
    durations = resp.attributes.get(SESSION_DURATION_ATTRIBUTE_NAME)
    if durations:
        try:
            resp.session_duration = int(durations[0].strip())
        except ValueError:
            resp.findings.append(Finding(
                "saml.session-duration", Severity.ERROR,
                f"SessionDuration is {durations[0]!r}, not a whole number of seconds.",
                fix="Set the SessionDuration mapping to a number of seconds between 900 and 43200, or remove it.",
                expected="43200"))


def parse_role_value(value: str) -> tuple[str, str] | None:
    """(role ARN, provider ARN) from one Role attribute value, in either order; None when it is not such a pair."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2:
        return None
    roles = [p for p in parts if re.match(r"^arn:[\w-]+:iam::\d{12}:role/", p)]
    providers = [p for p in parts if re.match(r"^arn:[\w-]+:iam::\d{12}:saml-provider/", p)]
    if len(roles) == 1 and len(providers) == 1:
        return roles[0], providers[0]
    return None


def _signed_parts(root, assertion) -> str:
    response_signed = _xml.local(root.tag) == "Response" and _xml.child(root, "Signature") is not None
    assertion_signed = assertion is not None and _xml.child(assertion, "Signature") is not None
    if response_signed and assertion_signed:
        return "response and assertion"
    if response_signed:
        return "response"
    if assertion_signed:
        return "assertion"
    return "none"


def _time(resp: SamlResponse, element, name: str, label: str) -> datetime | None:
    value = _xml.attribute(element, name)
    if value is None:
        return None
    parsed = parse_saml_time(value)
    if parsed is None:
        resp.findings.append(Finding(
            "saml.bad-time", Severity.ERROR,
            f"{label} is {value!r}, which is not a valid date and time, so AWS rejects the response.",
            fix="Check the identity provider's clock and configuration; SAML times look like 2026-11-27T10:00:00Z.",
            details={"field": label, "value": value}))
    return parsed


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
