"""Read IdP metadata the way IAM will, and say what IAM would reject (F5) or what will break later (F18)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime

from workshop_lib.errors import SamlError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml import _xml
from workshop_lib.saml.constants import AWS_AUDIENCE
from workshop_lib.saml._time import aware as _aware
from workshop_lib.saml._time import parse_saml_time as _parse_time
from workshop_lib.saml.certificates import (
    EXPIRY_WARNING_DAYS,
    MIN_KEY_BITS,
    CertificateInfo,
    certificate_from_base64,
    describe_certificate,
)

MIN_METADATA_CHARS = 1_000
MAX_METADATA_CHARS = _xml.MAX_XML_CHARS
IAM_SAML_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html"
IDC_CERT_DOC = "https://docs.aws.amazon.com/singlesignon/latest/userguide/managesamlcerts.html"
_GET_METADATA = (
    "In the IAM Identity Center console open the Amazon Connect application and use "
    "'Download' next to 'IAM Identity Center SAML metadata file', then upload that .xml file unchanged."
)


@dataclass(frozen=True)
class Endpoint:
    """A SingleSignOnService or SingleLogoutService entry."""

    binding: str
    location: str

    @property
    def binding_name(self) -> str:
        """The short binding name, such as HTTP-POST."""
        return self.binding.rsplit(":", 1)[-1]


@dataclass
class MetadataReport:
    """What an IdP metadata document says, and whether IAM would accept it."""

    entity_id: str | None = None
    sso_endpoints: list[Endpoint] = field(default_factory=list)
    slo_endpoints: list[Endpoint] = field(default_factory=list)
    certificates: list[CertificateInfo] = field(default_factory=list)
    name_id_formats: list[str] = field(default_factory=list)
    valid_until: datetime | None = None
    signed: bool = False  # the metadata document itself carries a ds:Signature
    characters: int = 0
    has_bom: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def iam_ok(self) -> bool:
        """True when nothing here would make IAM answer "Could not parse metadata"."""
        return not any(f.code == "F5" and f.severity is Severity.ERROR for f in self.findings)

    @property
    def is_identity_center(self) -> bool:
        return bool(self.entity_id and re.match(r"^https://portal\.sso\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/saml/", self.entity_id))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]


def load_metadata(source: bytes | str | os.PathLike, *, now: datetime | None = None) -> MetadataReport:
    """Parse IdP metadata from bytes or XML text and check it against IAM's rules (aws-facts §7). Reads no file."""
    now = _aware(now)
    data = _read_source(source)
    report = MetadataReport()

    if isinstance(data, bytes) and _looks_like_der_certificate(data):
        report.characters = len(data)
        _add(report, _f5("certificate-file",
             "This is a certificate file in binary (DER) form, not the SAML metadata XML IAM needs."))
        try:
            report.certificates.append(_der_certificate(data))
        except SamlError:
            pass
        return report

    decoded = _xml.to_text(data, what="metadata")
    text = decoded.text
    report.characters = len(text)
    if decoded.bom == "utf-8":
        report.has_bom = True
        _add(report, _f5("bom",
             "The file starts with a UTF-8 byte order mark (BOM); IAM rejects metadata with a BOM.",
             fix="Save the file as UTF-8 without BOM (most editors offer 'UTF-8' next to 'UTF-8 with BOM'), "
                 "or upload the file exactly as downloaded from IAM Identity Center."))
    elif decoded.bom:
        report.has_bom = True
        _add(report, _f5("encoding",
             f"The file is {decoded.bom.upper()} text; IAM accepts only UTF-8 without BOM.",
             fix="Save the file as UTF-8 without BOM."))

    head = text.lstrip()
    if not head.startswith("<") and "-----BEGIN" in text:
        _pem_report(report, text)
        return report
    if re.search(r"<!doctype\s+html|<html[\s>]", text[:4096], re.IGNORECASE):
        _add(report, _f5("html",
             "This is an HTML web page, not the SAML metadata XML; it was probably saved from the browser "
             "instead of being downloaded with the console's Download button.",
             fix=_GET_METADATA))
        return report

    if len(text) > MAX_METADATA_CHARS:
        _add(report, _f5("too-large",
             f"The metadata is {len(text):,} characters long; IAM accepts at most {MAX_METADATA_CHARS:,}.",
             fix="Check that you chose the metadata file, not an export of many documents."))
        return report
    if len(text) < MIN_METADATA_CHARS:
        _add(report, _f5("too-small",
             f"The metadata is only {len(text):,} characters long; IAM needs at least {MIN_METADATA_CHARS:,}, "
             "so it is probably incomplete.",
             fix=_GET_METADATA))

    parsed = _xml.parse(text, what="metadata", allow_namespace_errors=True)
    if parsed.namespace_errors:
        _add(report, _f5("namespaces",
             "The metadata uses a namespace prefix it never declares (" + "; ".join(parsed.namespace_errors) +
             "), so strict XML parsers such as IAM's reject it.",
             fix=_GET_METADATA))
    _read_document(report, parsed.root, now)
    return report


# ---- reading the document --------------------------------------------------------------------

def _read_document(report: MetadataReport, root, now: datetime) -> None:
    name = _xml.local(root.tag)
    if name == "EntitiesDescriptor":
        entity = _pick_entity(report, root)
        if entity is None:
            return
    elif name == "EntityDescriptor":
        entity = root
    else:
        _add(report, _f5("not-metadata", _not_metadata_sentence(name), fix=_GET_METADATA))
        return

    report.entity_id = (_xml.attribute(entity, "entityID") or "").strip() or None
    report.signed = _xml.child(entity, "Signature") is not None or _xml.child(root, "Signature") is not None
    valid_until = _xml.attribute(entity, "validUntil") or _xml.attribute(root, "validUntil")
    if valid_until:
        report.valid_until = _parse_time(valid_until)
        if report.valid_until and report.valid_until < now:
            _add(report, Finding(
                "metadata.valid-until", Severity.WARNING,
                f"The metadata says it was valid only until {report.valid_until:%Y-%m-%d}.",
                fix="Download current metadata from the identity provider and update the IAM SAML provider.",
                link=IAM_SAML_DOC))

    idp = _xml.child(entity, "IDPSSODescriptor")
    if idp is None:
        if _xml.child(entity, "SPSSODescriptor") is not None:
            if report.entity_id == AWS_AUDIENCE:
                sentence = ("This is AWS's own service-provider metadata (entityID urn:amazon:webservices), "
                            "not the metadata of your identity provider.")
            else:
                sentence = "This is service-provider metadata (SPSSODescriptor), not identity-provider metadata."
        else:
            sentence = "The metadata has no IDPSSODescriptor, so it does not describe an identity provider."
        _add(report, _f5("not-metadata", sentence, fix=_GET_METADATA))
        return

    if not report.entity_id:
        _add(report, _f5("no-entity-id", "The metadata has no entityID, so IAM cannot tell which issuer to trust.",
                         fix=_GET_METADATA))

    report.sso_endpoints = _endpoints(idp, "SingleSignOnService")
    report.slo_endpoints = _endpoints(idp, "SingleLogoutService")
    report.name_id_formats = [t for t in (_xml.text_of(e) for e in _xml.children(idp, "NameIDFormat")) if t]
    _check_repeated_extensions(report, root)
    _read_certificates(report, idp, now)


def _pick_entity(report: MetadataReport, root):
    """The identity provider in an EntitiesDescriptor, with a finding saying that IAM expects one entity.

    IAM's documentation asks for "the metadata document of the IdP" (one entity) and does not say which entity
    it reads from a document holding several, so with more than one the learner is told which one this tool
    read and to upload that one alone (CreateSAMLProvider, botocore iam/2010-05-08 SAMLMetadataDocument).
    """
    entities = list(_xml.descendants(root, "EntityDescriptor"))
    idps = [e for e in entities if _xml.child(e, "IDPSSODescriptor") is not None]
    sps = [e for e in entities if _xml.child(e, "SPSSODescriptor") is not None and e not in idps]
    if not idps:
        if sps:
            _add(report, _f5("sp-metadata", (
                f"The document holds {len(entities)} entit{'y' if len(entities) == 1 else 'ies'}, all service "
                "providers (SPSSODescriptor): this is service-provider metadata, and IAM needs the metadata of "
                "the identity provider."), fix=_GET_METADATA))
        else:
            _add(report, _f5("not-metadata", "The document is a list of entities, but none of them is an identity "
                             "provider (no IDPSSODescriptor).", fix=_GET_METADATA))
        return None
    entity = idps[0]
    if len(entities) > 1:
        names = ", ".join(f"{_entity_kind(e)} {(_xml.attribute(e, 'entityID') or '?')!r}" for e in entities[:5])
        more = f" and {len(entities) - 5} more" if len(entities) > 5 else ""
        _add(report, Finding(
            "metadata.several-entities", Severity.WARNING,
            f"The document holds {len(entities)} entities ({names}{more}). IAM expects the metadata of exactly "
            "one identity provider and does not document which entity it would use from such a document; this "
            f"tool read the first identity provider, {(_xml.attribute(entity, 'entityID') or '?')!r}.",
            fix="Upload a file holding only the EntityDescriptor of the identity provider you use for Amazon "
                "Connect (for IAM Identity Center: the application's metadata file, downloaded unchanged).",
            link=IAM_SAML_DOC, details={"entities": len(entities), "identity_providers": len(idps)}))
    return entity


def _entity_kind(entity) -> str:
    if _xml.child(entity, "IDPSSODescriptor") is not None:
        return "identity provider"
    if _xml.child(entity, "SPSSODescriptor") is not None:
        return "service provider"
    return "entity"


def _not_metadata_sentence(root_name: str) -> str:
    if root_name in ("Response", "Assertion"):
        return (f"This is a SAML {root_name.lower()} (what the identity provider sends at sign-in), "
                "not the identity provider's metadata.")
    return f"This XML is not SAML metadata: its root element is <{root_name}>, not <EntityDescriptor>."


def _endpoints(idp, name: str) -> list[Endpoint]:
    found = []
    for element in _xml.children(idp, name):
        found.append(Endpoint(binding=(_xml.attribute(element, "Binding") or "").strip(),
                              location=(_xml.attribute(element, "Location") or "").strip()))
    return found


def _check_repeated_extensions(report: MetadataReport, root) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if len(_xml.children(element, "Extensions")) > 1:
            _add(report, _f5("repeated-extensions",
                 f"<{_xml.local(element.tag)}> has more than one <Extensions> element; IAM rejects repeated extensions.",
                 fix=_GET_METADATA))
            return


def _read_certificates(report: MetadataReport, idp, now: datetime) -> None:
    seen: set[str] = set()
    for descriptor in _xml.children(idp, "KeyDescriptor"):
        use = (_xml.attribute(descriptor, "use") or "").strip()
        if use not in ("", "signing"):
            continue
        for element in _xml.descendants(descriptor, "X509Certificate"):
            try:
                cert = certificate_from_base64(element.text or "", use=use)
            except SamlError as exc:
                _add(report, _f5("bad-certificate", exc.message, fix=exc.fix or _GET_METADATA))
                continue
            if cert.sha256_fingerprint in seen:
                continue
            seen.add(cert.sha256_fingerprint)
            report.certificates.append(cert)
            _judge_certificate(report, cert, now)
    if not report.certificates and not any(f.details.get("check") == "bad-certificate" for f in report.findings):
        _add(report, _f5("no-certificate",
             "The metadata has no signing certificate (ds:X509Certificate in a KeyDescriptor), "
             "so AWS could not check any response signature.", fix=_GET_METADATA))


def _judge_certificate(report: MetadataReport, cert: CertificateInfo, now: datetime) -> None:
    label = f"The signing certificate {cert.subject} (SHA-256 {cert.sha256_fingerprint[:23]}…)"
    for note in cert.notes:
        _add(report, Finding("metadata.certificate-note", Severity.WARNING, f"{label}: {note}",
                             fix="Issue a new signing certificate at the identity provider, activate it and "
                                 "download the metadata again.", details={"fingerprint": cert.sha256_fingerprint}))
    if cert.key_type in ("RSA", "DSA") and cert.key_size < MIN_KEY_BITS:
        _add(report, _f5("small-key",
             f"{label} has a {cert.key_size}-bit {cert.key_type} key; IAM needs at least {MIN_KEY_BITS} bits.",
             fix="Create a new certificate with a 2048-bit RSA key at the identity provider, activate it and "
                 "download the metadata again.", details={"fingerprint": cert.sha256_fingerprint}))
    if cert.repeated_extensions:
        _add(report, _f5("repeated-extensions",
             f"{label} repeats an X.509 extension; IAM rejects certificates with repeated extensions.",
             fix="Issue a new signing certificate at the identity provider and download the metadata again.",
             details={"fingerprint": cert.sha256_fingerprint}))
    days = cert.days_left(now)
    details = {"fingerprint": cert.sha256_fingerprint, "not_after": cert.not_after.isoformat(), "days_left": days}
    if cert.expired(now):
        report.findings.append(Finding(
            "F18", Severity.ERROR,
            f"{label} expired on {cert.not_after:%Y-%m-%d}; AWS will answer \"Response signature invalid\".",
            fix="In IAM Identity Center create a new certificate for the application, make it active, download "
                "the metadata and run update_saml_provider with it.",
            link=IDC_CERT_DOC, details=details))
    elif days <= EXPIRY_WARNING_DAYS:
        report.findings.append(Finding(
            "F18", Severity.WARNING,
            f"{label} expires on {cert.not_after:%Y-%m-%d}, in {days} days.",
            fix="Rotate it now: create a new certificate for the application in IAM Identity Center, activate it, "
                "download the metadata and run update_saml_provider with it.",
            link=IDC_CERT_DOC, details=details))
    if cert.not_before > now:
        report.findings.append(Finding(
            "metadata.cert-not-yet-valid", Severity.WARNING,
            f"{label} is valid only from {cert.not_before:%Y-%m-%d %H:%M} UTC.",
            fix="Check the clock of the identity provider, or wait until the certificate becomes valid.",
            details=details))


# ---- inputs that are not metadata XML ----------------------------------------------------------

def _pem_report(report: MetadataReport, text: str) -> None:
    if re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
        _add(report, _f5("private-key",
             "This is a private key, not SAML metadata. Never upload or share a private key.",
             fix=_GET_METADATA))
        return
    _add(report, _f5("pem",
         "This is a PEM certificate (-----BEGIN CERTIFICATE-----, usually a .pem or .cer file), "
         "not the SAML metadata XML; IAM needs the metadata file.",
         fix=_GET_METADATA))
    from cryptography import x509

    try:
        for cert in x509.load_pem_x509_certificates(text.encode("ascii", errors="ignore")):
            report.certificates.append(describe_certificate(cert))
    except ValueError:
        pass


def _looks_like_der_certificate(data: bytes) -> bool:
    return len(data) > 4 and data[0] == 0x30 and data[1] in (0x82, 0x83) and b"<" not in data[:4]


def _der_certificate(data: bytes) -> CertificateInfo:
    from workshop_lib.saml.certificates import certificate_from_der

    return certificate_from_der(data)


# ---- helpers ------------------------------------------------------------------------------------

def _read_source(source: bytes | str) -> bytes | str:
    """The document itself; saml/ reads no files (the callers do: the CLI, the upload widget, the sandbox)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str):
        head = source.lstrip("\ufeff \t\r\n")
        if head.startswith("<") or "\n" in source or "-----BEGIN" in source or len(source) > 4096:
            return source
        raise SamlError(
            "This is neither SAML metadata XML nor the metadata's text: load_metadata takes the document itself, "
            "not a file name.", fix="Read the file first, for example load_metadata(Path('metadata.xml').read_bytes()).")
    if isinstance(source, os.PathLike):
        raise SamlError(f"load_metadata takes the metadata document itself, not the path {os.fspath(source)!r}.",
                        fix="Read the file first, for example load_metadata(Path('metadata.xml').read_bytes()).")
    raise SamlError(f"Metadata must be bytes or text, not {type(source).__name__}.")


def _f5(check: str, message: str, *, fix: str = "", details: dict | None = None) -> Finding:
    return Finding("F5", Severity.ERROR, message, fix=fix or _GET_METADATA, link=IAM_SAML_DOC,
                   details={"check": check, **(details or {})})


def _add(report: MetadataReport, finding: Finding) -> None:
    report.findings.append(finding)


