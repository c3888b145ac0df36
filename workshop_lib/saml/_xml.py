"""Hardened XML parsing for metadata and responses: no DTDs, no entities, no network, a size cap."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from workshop_lib.errors import SamlError

if TYPE_CHECKING:  # pragma: no cover
    from lxml import etree

MAX_XML_CHARS = 10_000_000

_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)\b", re.IGNORECASE)


@dataclass
class XmlText:
    """XML as text, with what was noticed while decoding it."""

    text: str
    bom: str = ""  # "utf-8", "utf-16" … when the bytes started with a byte order mark
    notes: list[str] = field(default_factory=list)


def to_text(data: bytes | str, *, what: str) -> XmlText:
    """Decode XML bytes (UTF-8, with or without BOM, UTF-16 with BOM, or the declared encoding) to text."""
    if isinstance(data, str):
        if data.startswith("\ufeff"):
            return XmlText(data[1:], bom="utf-8")
        return XmlText(data)
    if data.startswith(_UTF8_BOM):
        return XmlText(_decode(data[3:], "utf-8", what), bom="utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return XmlText(_decode(data, "utf-16", what), bom="utf-16")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return XmlText(_decode(data, "utf-32", what), bom="utf-32")
    head = data[:200].decode("ascii", errors="replace")
    declared = _DECLARED_ENCODING.search(head) if head.lstrip().startswith("<?xml") else None
    encoding = declared.group(1).lower() if declared else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SamlError(
            f"The {what} declares the unknown text encoding {declared.group(1)!r}.",
            fix="Save it again as UTF-8.",
        ) from None
    return XmlText(_decode(data, encoding, what))


def _decode(data: bytes, encoding: str, what: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise SamlError(
            f"The {what} is not readable text (it is not valid {encoding.upper()}); it may be a binary file.",
            fix="Give the XML file itself, as downloaded, not a zip, a screenshot or a document.",
        ) from None


def reject_dtd(text: str, *, what: str) -> None:
    """SAML never uses a DTD; one is the sign of an entity-expansion or external-entity attack."""
    if _DTD.search(text):
        raise SamlError(
            f"The {what} contains a DTD (<!DOCTYPE or <!ENTITY). SAML documents never have one, "
            "and it is refused because entities can read files or expand without limit.",
            fix="Use the document exactly as the identity provider produced it.",
        )


def check_size(text: str, *, what: str) -> None:
    if len(text) > MAX_XML_CHARS:
        raise SamlError(
            f"The {what} is {len(text):,} characters long, more than the {MAX_XML_CHARS:,} this tool reads.",
            fix="Check that you picked the right file.",
        )


def _parser(*, recover: bool = False):
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_pis=False,
    )


@dataclass
class ParsedXml:
    root: "etree._Element"
    namespace_errors: list[str] = field(default_factory=list)


def parse(text: str, *, what: str, allow_namespace_errors: bool = False) -> ParsedXml:
    """Parse XML text safely.

    With ``allow_namespace_errors`` a document whose only fault is an undeclared prefix is read in
    recovery mode (the element keeps its ``prefix:name`` tag); the faults are returned so callers can
    report them. Anything else that is not well-formed raises SamlError.
    """
    from lxml import etree

    check_size(text, what=what)
    reject_dtd(text, what=what)
    body = _DECLARATION.sub("", text, count=1)
    data = body.encode("utf-8")
    if not body.strip():
        raise SamlError(f"The {what} is empty.", fix="Paste or choose the whole document.")
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
        errors: list[str] = []
    except etree.XMLSyntaxError as exc:
        # the parser's own log: exc.error_log can carry stale entries from earlier lxml work in this thread
        log = list(parser.error_log) or list(exc.error_log)
        only_ns = bool(log) and all(entry.domain_name == "NAMESPACE" for entry in log)
        if not (only_ns and allow_namespace_errors):
            raise SamlError(_syntax_sentence(what, exc, body), fix=_syntax_fix(what, body)) from None
        recovering = _parser(recover=True)
        root = etree.fromstring(data, recovering)
        if root is None:  # pragma: no cover - recovery always yields a root for namespace-only faults
            raise SamlError(_syntax_sentence(what, exc, body), fix=_syntax_fix(what, body)) from None
        errors = sorted({entry.message for entry in log})
    except ValueError as exc:  # e.g. lxml refusing odd input
        raise SamlError(f"The {what} cannot be read as XML: {exc}.", fix=_syntax_fix(what, body)) from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise SamlError(f"The {what} contains a DTD, which SAML never uses.", fix="Use the original document.")
    for _ in root.iter(etree.Entity):
        raise SamlError(f"The {what} contains entity references, which SAML never uses.", fix="Use the original document.")
    return ParsedXml(root=root, namespace_errors=errors)


def _syntax_sentence(what: str, exc: Exception, body: str) -> str:
    message = str(exc)
    low = message.lower()
    truncated = "premature end" in low or ("endtag" in low and "not found" in low) or not body.rstrip().endswith(">")
    if truncated:
        return f"The {what} ends before the XML is complete, so it was probably cut off when it was copied ({message})."
    return f"The {what} is not well-formed XML ({message})."


def _syntax_fix(what: str, body: str) -> str:
    return f"Copy the whole {what} again, from the first '<' to the last '>', without editing it."


# ---- small helpers over namespace-tolerant trees -------------------------------------------------

def local(tag: object) -> str:
    """The local name of an element tag, whatever its namespace or (unbound) prefix."""
    if not isinstance(tag, str):
        return ""
    name = tag.rsplit("}", 1)[-1]
    return name.rsplit(":", 1)[-1]


def children(element, name: str) -> list:
    return [child for child in element if local(child.tag) == name]


def child(element, name: str):
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def descendants(element, name: str) -> Iterator:
    for item in element.iter():
        if item is not element and local(item.tag) == name:
            yield item


def text_of(element) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext()).strip()


def attribute(element, name: str) -> str | None:
    """An attribute by local name (attributes are normally unprefixed in SAML)."""
    if element is None:
        return None
    if name in element.attrib:
        return element.attrib[name]
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return None
