"""Check a SAML response's signature against the IdP's certificates, and keep only what the signature covers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from workshop_lib.errors import SamlError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml import _xml
from workshop_lib.saml._time import aware
from workshop_lib.saml.certificates import CertificateInfo, describe_certificate
from workshop_lib.saml.judge import issuer_mismatch
from workshop_lib.saml.metadata import MetadataReport, load_metadata
from workshop_lib.saml.response import SamlResponse, decode_response, response_from_element

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_ROTATE = ("Compare the certificate in the IAM SAML provider with the application's current certificate in "
           "IAM Identity Center; if they differ, download the metadata again and run update_saml_provider.")


@dataclass
class VerifiedResponse:
    """A response whose signature checked out; ``response`` holds only what the signature covers."""

    response: SamlResponse
    signed_element: str  # "Response" or "Assertion": the element whose signature was trusted
    certificate: CertificateInfo  # the trusted certificate that verified it
    signature_algorithm: str = ""
    digest_algorithm: str = ""
    findings: list[Finding] = field(default_factory=list)


def verify_response(
    data: bytes | str,
    *,
    metadata: MetadataReport | bytes | str | os.PathLike | None = None,
    certificates: Iterable | None = None,
    now: datetime | None = None,
) -> VerifiedResponse:
    """Verify the response's XML signature with the metadata's signing certificates (or ``certificates``).

    Raises SamlError (code F4 or F18) when it is unsigned, tampered with, signed by another key, or shaped
    like a signature-wrapping attack. The returned response is rebuilt from the signed XML only.
    """
    now = aware(now)
    report = metadata if isinstance(metadata, MetadataReport) else (load_metadata(metadata, now=now) if metadata is not None else None)
    trusted = _trusted_certificates(report, certificates)

    xml = decode_response(data)
    text = _xml.to_text(xml, what="SAML response").text
    root = _xml.parse(text, what="SAML response").root
    response_el, assertion, response_sig, assertion_sig = _checked_structure(root)

    findings: list[Finding] = []
    results = {}
    if response_sig is not None:
        results["Response"] = _verify_one(root, response_el, "./", trusted, now)
    if assertion_sig is not None:
        location = "./" if response_el is None else f"./{{{ASSERTION_NS}}}Assertion/"
        results["Assertion"] = _verify_one(root, assertion, location, trusted, now)

    if "Response" in results:
        result, cert = results["Response"]
        signed = result.signed_xml
        inner = [e for e in signed.iter() if _xml.local(e.tag) == "Assertion"] if signed is not None else []
        if signed is None or _xml.local(signed.tag) != "Response" or len(inner) != 1:
            raise _wrapping("The signed part of the response does not contain exactly one assertion.")
        parts = "response and assertion" if "Assertion" in results else "response"
        resp = response_from_element(signed, raw=result.signed_data, verified=True, signed_parts=parts)
        signed_element = "Response"
    else:
        result, cert = results["Assertion"]
        signed = result.signed_xml
        if signed is None or _xml.local(signed.tag) != "Assertion":
            raise _wrapping("The signature does not cover the assertion.")
        resp = response_from_element(signed, raw=result.signed_data, verified=True, signed_parts="assertion")
        resp.findings = [f for f in resp.findings if f.code != "saml.assertion-only"]
        if response_el is not None:
            resp.findings.append(Finding(
                "saml.envelope-unsigned", Severity.INFO,
                "Only the Assertion is signed, so the Response around it (Destination, Status, response Issuer) "
                "is not covered by the signature and was left out.",
                fix="Nothing to fix: AWS accepts a signed assertion inside an unsigned response."))
        signed_element = "Assertion"

    algorithm = _algorithm(result.signature_xml, "SignatureMethod")
    digest = _algorithm(result.signature_xml, "DigestMethod")
    if "sha1" in algorithm.lower() or digest.lower().endswith("#sha1"):
        findings.append(Finding(
            "saml.sha1", Severity.WARNING,
            "The response is signed with SHA-1, which is weak and being retired.",
            fix="Choose a SHA-256 certificate/signing algorithm for the application in IAM Identity Center."))
    if report is not None and report.entity_id and (resp.effective_issuer or "").strip() != report.entity_id:
        findings.append(issuer_mismatch(resp.effective_issuer, report.entity_id))
    return VerifiedResponse(resp, signed_element, cert, algorithm, digest, findings)


# ---- structure (signature wrapping) -------------------------------------------------------------

def _checked_structure(root):
    name = _xml.local(root.tag)
    if root.tag == f"{{{PROTOCOL_NS}}}Response":
        response_el = root
        assertions = [c for c in root if c.tag == f"{{{ASSERTION_NS}}}Assertion"]
    elif root.tag == f"{{{ASSERTION_NS}}}Assertion":
        response_el, assertions = None, [root]
    elif name in ("Response", "Assertion"):
        raise SamlError(
            f"The <{name}> element is not in the SAML 2.0 namespace, so it is not a SAML 2.0 response and its "
            "signature cannot be checked.", fix="Copy the response exactly as the browser posted it.", code="F4")
    else:
        raise SamlError(f"This XML is not a SAML response: its root element is <{name}>.",
                        fix="Copy the SAMLResponse value the browser posted to https://signin.aws.amazon.com/saml (or save the sign-in as a HAR file).", code="F4")

    everywhere = [e for e in root.iter() if _xml.local(e.tag) in ("Assertion", "EncryptedAssertion")]
    if any(_xml.local(e.tag) == "EncryptedAssertion" for e in everywhere):
        raise SamlError("The response holds an encrypted assertion, which this tool cannot verify.",
                        fix="IAM Identity Center does not encrypt assertions for Amazon Connect; check the response.")
    if len(everywhere) > 1:
        raise _wrapping(f"The response holds {len(everywhere)} assertions; AWS accepts exactly one, and an extra "
                        "assertion is how signature-wrapping attacks smuggle in unsigned content.")
    if not everywhere or not assertions:
        raise SamlError("The response has no assertion directly inside it, so nobody is signed in.",
                        fix="Check the Status of the response; the identity provider may have refused the sign-in.",
                        code="F4")
    assertion = assertions[0]

    response_sig = _direct_signature(response_el) if response_el is not None else None
    assertion_sig = _direct_signature(assertion)
    allowed = {id(s) for s in (response_sig, assertion_sig) if s is not None}
    for element in root.iter(f"{{{DSIG_NS}}}Signature"):
        if id(element) not in allowed:
            raise _wrapping("The response carries a signature in an unexpected place; only the Response and its "
                            "Assertion may be signed.")
    if response_sig is None and assertion_sig is None:
        raise SamlError(
            "The response is not signed: neither the Response nor its Assertion carries a signature, "
            "so AWS rejects it as \"Response signature invalid\".",
            fix="Make sure the sign-in goes through the IAM Identity Center application; IAM Identity Center always "
                "signs its responses, so an unsigned one was made or changed by something else.",
            code="F4")
    for element, signature in ((response_el, response_sig), (assertion, assertion_sig)):
        if signature is not None:
            _check_reference(root, element, signature)
    return response_el, assertion, response_sig, assertion_sig


def _direct_signature(element):
    found = [c for c in element if c.tag == f"{{{DSIG_NS}}}Signature"]
    if len(found) > 1:
        raise _wrapping(f"<{_xml.local(element.tag)}> carries more than one signature.")
    return found[0] if found else None


def _check_reference(root, element, signature) -> None:
    element_id = element.get("ID")
    references = signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    label = _xml.local(element.tag)
    if not element_id:
        raise _wrapping(f"The signed <{label}> has no ID attribute, so its signature cannot point at it.")
    if len(references) != 1 or references[0].get("URI") != f"#{element_id}":
        raise _wrapping(f"The signature inside <{label}> does not refer to that element (ID {element_id!r}).")
    same = [e for e in root.iter() if isinstance(e.tag, str)
            and any(_xml.local(k) in ("ID", "Id", "id") and v == element_id for k, v in e.attrib.items())]
    if len(same) != 1:
        raise _wrapping(f"The ID {element_id!r} of the signed <{label}> appears {len(same)} times in the document.")


def _wrapping(detail: str) -> SamlError:
    return SamlError(
        f"Response signature invalid: {detail} The response was refused.",
        fix="Capture a fresh response from the access portal; if this keeps happening, something between the "
            "identity provider and the browser is altering responses.",
        code="F4")


# ---- the cryptographic check ---------------------------------------------------------------------

def _verify_one(root, element, location: str, trusted: list[CertificateInfo], now: datetime):
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from lxml import etree
    from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature, SignXMLException

    def attempt(cert: CertificateInfo, when: datetime):
        config = SignatureConfiguration(
            location=location,
            expect_references=1,
            signature_methods=frozenset(SignatureMethod),
            digest_algorithms=frozenset(DigestAlgorithm),
            verification_time=when,
        )
        return XMLVerifier().verify(root, x509_cert=cert.load(), id_attribute="ID", expect_config=config)

    label = _xml.local(element.tag)
    digest_error = malformed = None
    expired: list[CertificateInfo] = []
    for cert in trusted:
        try:
            return attempt(cert, now), cert
        except InvalidCertificate:
            try:  # does the signature match this certificate, apart from its dates?
                attempt(cert, cert.not_before + timedelta(seconds=1))
                expired.append(cert)
            except Exception:  # noqa: BLE001 - any failure means this certificate does not verify it
                continue
        except InvalidDigest as exc:
            digest_error = exc
        except InvalidSignature:
            continue
        except (SignXMLException, ValueError, etree.LxmlError) as exc:  # malformed signature, bad base64, schema
            malformed = exc
    if expired:
        cert = expired[0]
        when = "expired on" if now > cert.not_after else "is valid only from"
        stamp = cert.not_after if now > cert.not_after else cert.not_before
        raise SamlError(
            f"Response signature invalid: the <{label}> is signed with the right key, but the certificate "
            f"{cert.subject} {when} {stamp:%Y-%m-%d}.",
            fix="Create and activate a new certificate for the application in IAM Identity Center, then update the "
                "IAM SAML provider with the new metadata.", code="F18")
    if digest_error is not None:
        raise SamlError(
            f"Response signature invalid: the <{label}> was changed after it was signed (digest mismatch).",
            fix="Copy the response again without editing it; if it still fails, something altered it in transit.",
            code="F4")
    if malformed is not None:
        raise SamlError(f"Response signature invalid: the signature on the <{label}> cannot be checked ({malformed}).",
                        fix="Copy the response again exactly as the browser posted it.", code="F4")
    fingerprints = ", ".join(c.sha256_fingerprint[:23] + "…" for c in trusted)
    raise SamlError(
        f"Response signature invalid: the <{label}> was not signed by any of the {len(trusted)} trusted "
        f"certificate(s) ({fingerprints}); it was signed by another key, for example another application's "
        "or a rotated certificate.",
        fix=_ROTATE, code="F4")


def _trusted_certificates(report: MetadataReport | None, extra: Iterable | None) -> list[CertificateInfo]:
    trusted: list[CertificateInfo] = list(report.certificates) if report is not None else []
    for item in extra or ():
        trusted.append(_as_certificate(item))
    unique = list({c.sha256_fingerprint: c for c in trusted}.values())
    if not unique:
        raise SamlError("There is no certificate to check the signature with.",
                        fix="Pass the identity provider's metadata (metadata=...) or its signing certificate.")
    return unique


def _as_certificate(item) -> CertificateInfo:
    if isinstance(item, CertificateInfo):
        return item
    from cryptography import x509

    if isinstance(item, x509.Certificate):
        return describe_certificate(item)
    if isinstance(item, str):
        item = item.encode("ascii", errors="ignore")
    if isinstance(item, bytes):
        try:
            if b"-----BEGIN" in item:
                return describe_certificate(x509.load_pem_x509_certificate(item))
            from workshop_lib.saml.certificates import certificate_from_base64, certificate_from_der

            stripped = item.strip()
            if stripped[:1] == b"0":  # DER starts with a SEQUENCE byte (0x30)
                return certificate_from_der(stripped)
            return certificate_from_base64(stripped.decode("ascii"))
        except ValueError:
            pass
    raise SamlError(f"{type(item).__name__} is not a certificate this tool can read.",
                    fix="Pass PEM text, DER bytes or a cryptography x509.Certificate.")


def _algorithm(signature, name: str) -> str:
    if signature is None:
        return ""
    for element in signature.iter(f"{{{DSIG_NS}}}{name}"):
        return element.get("Algorithm", "")
    return ""
