"""The shape of a SAML response, checked before anything in it is believed, with or without metadata.

SAML 2.0 namespaces, one Response, exactly one Assertion (plain or encrypted), IDs present and unique,
signatures only where SAML puts them and pointing at their element by ID. A response that fails here is
refused as a whole: nothing inside it is shown as fact, because a signature-wrapping attack works by
making a reader look at the wrong part of the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from workshop_lib.errors import SamlError
from workshop_lib.saml import _xml

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
XENC_NS = "http://www.w3.org/2001/04/xmlenc#"

# Elements whose meaning AWS relies on; each must be in its SAML 2.0 namespace to mean anything.
_ASSERTION_NAMES = frozenset({
    "Assertion", "EncryptedAssertion", "Issuer", "Subject", "NameID", "EncryptedID", "SubjectConfirmation",
    "SubjectConfirmationData", "Conditions", "AudienceRestriction", "Audience", "AuthnStatement",
    "AttributeStatement", "Attribute", "EncryptedAttribute", "AttributeValue",
})
_PROTOCOL_NAMES = frozenset({"Response", "Status", "StatusCode", "StatusMessage"})
_FRESH = ("Capture a fresh response from the access portal; if this keeps happening, something between the "
          "identity provider and the browser is altering responses.")


@dataclass
class Structure:
    """Where the parts of a response are, and the refusal when its shape cannot be trusted."""

    root: object
    response: object = None  # the <samlp:Response>, or None for a bare assertion
    assertion: object = None  # the plain <saml:Assertion>
    encrypted: object = None  # the <saml:EncryptedAssertion>
    response_signature: object = None
    assertion_signature: object = None
    refusal: Optional[SamlError] = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def examine(root) -> Structure:
    """Check the shape of a parsed response; never raises (the refusal is kept in ``Structure.refusal``)."""
    found = Structure(root=root)
    try:
        _examine(found)
    except SamlError as exc:
        found.refusal = exc
    return found


def _examine(found: Structure) -> None:
    root = found.root
    name = _xml.local(root.tag)
    if root.tag == f"{{{PROTOCOL_NS}}}Response":
        found.response = root
    elif root.tag == f"{{{ASSERTION_NS}}}Assertion":
        found.assertion = root
    elif name in ("Response", "Assertion"):
        raise _namespace(root)
    else:
        raise SamlError(f"This XML is not a SAML response: its root element is <{name}>.",
                        fix="Copy the SAMLResponse value the browser posted to https://signin.aws.amazon.com/saml "
                            "(or save the sign-in as a HAR file).", code="F4")
    version = root.get("Version")
    if version is not None and version.strip() != "2.0":
        raise SamlError(f"The <{name}> says Version={version!r}; AWS reads only SAML 2.0.",
                        fix="Configure the identity provider to send SAML 2.0 responses.", code="F4")
    _check_namespaces(root)

    everywhere = [e for e in root.iter() if _xml.local(e.tag) in ("Assertion", "EncryptedAssertion")]
    if len(everywhere) > 1:
        raise wrapping(f"The response holds {len(everywhere)} assertions; AWS accepts exactly one, and an extra "
                       "assertion is how signature-wrapping attacks smuggle in unsigned content.")
    if found.response is not None and everywhere:
        [single] = everywhere
        if single.getparent() is not root:
            raise wrapping(f"The <{_xml.local(single.tag)}> is not directly inside the Response but inside "
                           f"<{_xml.local(single.getparent().tag)}>, where AWS does not look for it.")
        if _xml.local(single.tag) == "Assertion":
            found.assertion = single
        else:
            found.encrypted = single
            _check_encrypted(single)

    if found.response is not None:
        found.response_signature = _direct_signature(found.response)
        _require_id(found.response)
    if found.assertion is not None:
        found.assertion_signature = _direct_signature(found.assertion)
        _require_id(found.assertion)
    allowed = {id(s) for s in (found.response_signature, found.assertion_signature) if s is not None}
    for element in root.iter(f"{{{DSIG_NS}}}Signature"):
        if id(element) not in allowed and not _inside(element, found.encrypted):
            raise wrapping("The response carries a signature in an unexpected place; only the Response and its "
                           "Assertion may be signed.")
    for element, signature in ((found.response, found.response_signature),
                               (found.assertion, found.assertion_signature)):
        if signature is not None:
            _check_reference(root, element, signature)
    _check_unique_ids(root)


def _check_namespaces(root) -> None:
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str) or ":" in tag.rsplit("}", 1)[-1]:
            continue  # comments, and prefixes the document never declared (reported as a warning elsewhere)
        name = _xml.local(tag)
        namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if name in _ASSERTION_NAMES and namespace != ASSERTION_NS:
            raise _namespace(element)
        if name in _PROTOCOL_NAMES and namespace != PROTOCOL_NS and not (name == "Response" and element is not root):
            raise _namespace(element)


def _namespace(element) -> SamlError:
    tag = element.tag
    namespace = tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""
    where = f"the namespace {namespace!r}" if namespace else "no namespace at all"
    return SamlError(
        f"The <{_xml.local(tag)}> element is in {where}, not in the SAML 2.0 namespace, so this is not a SAML 2.0 "
        "response and nothing in it can be trusted. The response was refused.",
        fix="Copy the response exactly as the browser posted it; if it is exactly that, the identity provider "
            "does not send standard SAML 2.0.", code="F4")


def _check_encrypted(element) -> None:
    data = [c for c in element if c.tag == f"{{{XENC_NS}}}EncryptedData"]
    if len(data) != 1:
        raise SamlError(
            f"The <EncryptedAssertion> holds {len(data)} xenc:EncryptedData elements; it must hold exactly one.",
            fix=_FRESH, code="F4")


def _inside(element, container) -> bool:
    if container is None:
        return False
    parent = element.getparent()
    while parent is not None:
        if parent is container:
            return True
        parent = parent.getparent()
    return False


def _direct_signature(element):
    found = [c for c in element if c.tag == f"{{{DSIG_NS}}}Signature"]
    if len(found) > 1:
        raise wrapping(f"<{_xml.local(element.tag)}> carries more than one signature.")
    return found[0] if found else None


def _require_id(element) -> None:
    if not (element.get("ID") or "").strip():
        raise SamlError(f"The <{_xml.local(element.tag)}> has no ID attribute, which SAML 2.0 requires; without "
                        "one a signature cannot point at it. The response was refused.", fix=_FRESH, code="F4")


def _check_reference(root, element, signature) -> None:
    element_id = element.get("ID")
    references = signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    label = _xml.local(element.tag)
    if len(references) != 1:
        raise wrapping(f"The signature inside <{label}> has {len(references)} references; SAML signatures have "
                       "exactly one, naming the signed element.")
    uri = references[0].get("URI")
    if uri is None or uri == "":
        raise SamlError(
            f"The signature inside <{label}> does not name the element it signs (Reference URI=\"\" or no URI "
            "means 'the whole document'). SAML 2.0 requires the signature to point at the signed element by "
            f"its ID (URI=\"#{element_id}\"), and this tool refuses the response on that structural ground, as "
            "AWS and strict SAML libraries do; it says nothing about whether the content was changed.",
            fix="Configure the identity provider to sign the Response or Assertion element by its ID, which every "
                "SAML 2.0 identity provider (IAM Identity Center included) does by default.", code="F4")
    if uri != f"#{element_id}":
        raise wrapping(f"The signature inside <{label}> refers to {uri!r}, not to that element (ID {element_id!r}).")
    same = [e for e in root.iter() if isinstance(e.tag, str)
            and any(_xml.local(k) in ("ID", "Id", "id") and v == element_id for k, v in e.attrib.items())]
    if len(same) != 1:
        raise wrapping(f"The ID {element_id!r} of the signed <{label}> appears {len(same)} times in the document.")


def _check_unique_ids(root) -> None:
    seen: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str) or _xml.local(element.tag) not in ("Response", "Assertion"):
            continue
        value = element.get("ID")
        if value in seen:
            raise wrapping(f"The ID {value!r} appears more than once in the document.")
        if value:
            seen.add(value)


def wrapping(detail: str) -> SamlError:
    """A refusal for a response shaped like a signature-wrapping attack."""
    return SamlError(f"Response signature invalid: {detail} The response was refused.", fix=_FRESH, code="F4")
