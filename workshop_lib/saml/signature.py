"""Check a SAML response's signature against the IdP's certificates, and keep only what the signature covers."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from workshop_lib.errors import SamlError
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml import _xml, encryption, structure
from workshop_lib.saml._time import aware
from workshop_lib.saml.certificates import CertificateInfo, describe_certificate
from workshop_lib.saml.judge import issuer_mismatch
from workshop_lib.saml.metadata import MetadataReport, load_metadata
from workshop_lib.saml.decode import decode_response
from workshop_lib.saml.response import SamlResponse, response_from_element

ASSERTION_NS = structure.ASSERTION_NS
DSIG_NS = structure.DSIG_NS
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
    metadata: MetadataReport | bytes | str | None = None,
    certificates: Iterable | None = None,
    now: datetime | None = None,
    private_key=None,
) -> VerifiedResponse:
    """Verify the response's XML signature with the metadata's signing certificates (or ``certificates``).

    Raises SamlError (code F4 or F18) when it is unsigned, tampered with, signed by another key, or shaped
    like a signature-wrapping attack. The returned response is rebuilt from the signed XML only.

    An encrypted assertion: the Response signature is verified on its own (it covers the ciphertext). With
    ``private_key`` (PEM bytes or a cryptography RSA key) the assertion is decrypted and its own signature
    verified too; without it, the result holds the signed Response only, with a finding saying the assertion
    was not judged.
    """
    now = aware(now)
    report = metadata if isinstance(metadata, MetadataReport) else (load_metadata(metadata, now=now) if metadata is not None else None)
    trusted = _trusted_certificates(report, certificates)

    xml = decode_response(data)
    text = _xml.to_text(xml, what="SAML response").text
    root = _xml.parse(text, what="SAML response").root
    shape = structure.examine(root)
    if shape.refused:
        raise shape.refusal
    if shape.encrypted is not None:
        return _verify_encrypted(shape, trusted, now, report, private_key)
    if shape.assertion is None:
        raise SamlError("The response has no assertion directly inside it, so nobody is signed in.",
                        fix="Check the Status of the response; the identity provider may have refused the sign-in.",
                        code="F4")
    if shape.response_signature is None and shape.assertion_signature is None:
        raise _unsigned()
    key = _private_key(private_key)
    findings: list[Finding] = []
    results = {}
    if shape.response_signature is not None:
        results["Response"] = _verify_one(root, shape.response, "./", trusted, now)
    if shape.assertion_signature is not None:
        location = "./" if shape.response is None else f"./{{{ASSERTION_NS}}}Assertion/"
        results["Assertion"] = _verify_one(root, shape.assertion, location, trusted, now)

    if "Response" in results:
        result, cert = results["Response"]
        signed = result.signed_xml
        inner = [e for e in signed.iter() if _xml.local(e.tag) == "Assertion"] if signed is not None else []
        if signed is None or _xml.local(signed.tag) != "Response" or len(inner) != 1:
            raise structure.wrapping("The signed part of the response does not contain exactly one assertion.")
        parts = "response and assertion" if "Assertion" in results else "response"
        _decrypt_parts(signed, key, findings)
        resp = response_from_element(signed, raw=result.signed_data, verified=True, signed_parts=parts)
        signed_element = "Response"
    else:
        result, cert = results["Assertion"]
        signed = result.signed_xml
        if signed is None or _xml.local(signed.tag) != "Assertion":
            raise structure.wrapping("The signature does not cover the assertion.")
        _decrypt_parts(signed, key, findings)
        resp = _assertion_only(signed, result.signed_data, shape.response is not None)
        signed_element = "Assertion"
    return _finish(resp, signed_element, cert, result, findings, report)


def _finish(resp, signed_element, cert, result, findings, report) -> VerifiedResponse:
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


def _assertion_only(signed, raw: bytes, in_response: bool) -> SamlResponse:
    resp = response_from_element(signed, raw=raw, verified=True, signed_parts="assertion")
    resp.findings = [f for f in resp.findings if f.code != "saml.assertion-only"]
    if in_response:
        resp.findings.append(Finding(
            "saml.envelope-unsigned", Severity.INFO,
            "Only the Assertion is signed, so the Response around it (Destination, Status, response Issuer) "
            "is not covered by the signature and was left out.",
            fix="Nothing to fix: AWS accepts a signed assertion inside an unsigned response."))
    return resp


def _verify_encrypted(shape, trusted, now, report, private_key) -> VerifiedResponse:
    """The Response signature on its own; with the key, the decrypted assertion and its own signature."""
    from lxml import etree

    key = _private_key(private_key)
    findings: list[Finding] = []
    response_result = None
    if shape.response_signature is not None:
        response_result = _verify_one(shape.root, shape.response, "./", trusted, now)
    if key is None:
        if response_result is None:
            raise SamlError(
                "The Response is not signed and its assertion is encrypted. Without the decryption key, whether "
                "the assertion carries its own signature cannot be seen, so nothing in this response was "
                "verified.", fix=ENCRYPTED_FIX, code="saml.encrypted-unjudged")
        result, cert = response_result
        resp = response_from_element(result.signed_xml, raw=result.signed_data, verified=True, signed_parts="response")
        return _finish(resp, "Response", cert, result, findings, report)

    assertion = encryption.decrypt_element(shape.encrypted, key)
    inner = structure.examine(assertion)
    if inner.refused:
        raise inner.refusal
    if inner.assertion is None:
        raise structure.wrapping("The encrypted assertion does not decrypt to a SAML <Assertion>.")
    findings.append(Finding(
        "saml.decrypted", Severity.INFO,
        "The assertion was encrypted; it was decrypted with the given private key and judged.",
        fix="Nothing to fix."))
    assertion_result = None
    if inner.assertion_signature is not None:
        assertion_result = _verify_one(assertion, assertion, "./", trusted, now)
    if response_result is None and assertion_result is None:
        raise _unsigned(encrypted=True)
    if response_result is not None:
        result, cert = response_result
        signed = copy.deepcopy(result.signed_xml)
        holder = [e for e in signed if _xml.local(e.tag) == "EncryptedAssertion"]
        if len(holder) != 1:
            raise structure.wrapping("The signed part of the response does not contain exactly one assertion.")
        plain = assertion_result[0].signed_xml if assertion_result is not None else assertion
        signed.replace(holder[0], copy.deepcopy(plain))
        _decrypt_parts(signed, key, findings)
        parts = "response and assertion" if assertion_result is not None else "response"
        resp = response_from_element(signed, raw=etree.tostring(signed), verified=True, signed_parts=parts)
        resp.decrypted = True
        return _finish(resp, "Response", cert, result, findings, report)
    result, cert = assertion_result
    signed = result.signed_xml
    _decrypt_parts(signed, key, findings)
    resp = _assertion_only(signed, result.signed_data, True)
    resp.decrypted = True
    return _finish(resp, "Assertion", cert, result, findings, report)


ENCRYPTED_FIX = ("Give the private key of the IAM SAML provider (the key added with AddPrivateKey, for example "
                 "--private-key key.pem) so the assertion can be decrypted and judged.")


def _private_key(private_key):
    if private_key is None or private_key == b"" or private_key == "":
        return None
    if isinstance(private_key, (bytes, str)):
        return encryption.load_private_key(private_key)
    return private_key


def _decrypt_parts(element, key, findings: list[Finding]) -> None:
    if key is None:
        return
    done, failed = encryption.decrypt_parts(element, key)
    for reason in dict.fromkeys(failed):
        findings.append(Finding("saml.encrypted-parts", Severity.WARNING, reason + " That part was not judged.",
                                fix=ENCRYPTED_FIX))
    if done:
        findings.append(Finding(
            "saml.decrypted-parts", Severity.INFO,
            f"Decrypted with the given private key: {', '.join(done)}.", fix="Nothing to fix."))


def _unsigned(*, encrypted: bool = False) -> SamlError:
    where = "neither the Response nor its decrypted Assertion" if encrypted else "neither the Response nor its Assertion"
    return SamlError(
        f"The response is not signed: {where} carries a signature, "
        "so AWS rejects it as \"Response signature invalid\".",
        fix="Make sure the sign-in goes through the IAM Identity Center application; IAM Identity Center always "
            "signs its responses, so an unsigned one was made or changed by something else.",
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
        with warnings.catch_warnings():  # e.g. a certificate in KeyInfo with a non-positive serial: said elsewhere
            warnings.simplefilter("ignore")
            return XMLVerifier().verify(root, x509_cert=cert.load(), id_attribute="ID", expect_config=config)

    label = _xml.local(element.tag)
    changed: list[CertificateInfo] = []  # the key matched, but the signed content no longer matches its digest
    malformed = None
    expired: list[CertificateInfo] = []
    for cert in trusted:
        try:
            return attempt(cert, now), cert
        except InvalidCertificate:
            # The certificate is outside its dates at ``now``: judge the signature as at a moment it was valid,
            # so a wrong key, an expired certificate and changed content stay three different findings.
            try:
                attempt(cert, cert.not_before + timedelta(seconds=1))
                expired.append(cert)
            except InvalidDigest:
                changed.append(cert)
                expired.append(cert)
            except Exception:  # noqa: BLE001 - any other failure means this certificate does not verify it
                continue
        except InvalidDigest:
            changed.append(cert)
        except InvalidSignature:
            continue
        except (SignXMLException, ValueError, etree.LxmlError) as exc:  # malformed signature, bad base64, schema
            malformed = exc
    also = [_expired_finding(label, cert, now) for cert in expired]
    if changed:
        raise _with_findings(SamlError(
            f"Response signature invalid: the signed content of the <{label}> was changed after signing (its "
            "digest no longer matches). The signature itself was made with the trusted key, so this is not a "
            "certificate or key problem.",
            fix="Copy the response again without editing it (no reformatting, no added spaces); if a fresh copy "
                "also fails, something between the identity provider and the browser alters responses.",
            code="F4"), also)
    if expired:
        first = also[0]
        raise _with_findings(SamlError(first.message, fix=first.fix, link=first.link, code="F18"), also[1:])
    if malformed is not None:
        raise SamlError(f"Response signature invalid: the signature on the <{label}> is malformed, so it cannot be "
                        f"checked: {_malformed_reason(malformed)}.",
                        fix="Copy the response again exactly as the browser posted it; if it is exactly that, the "
                            "identity provider produces broken signatures.", code="F4")
    fingerprints = ", ".join(c.sha256_fingerprint[:23] + "…" for c in trusted)
    raise SamlError(
        f"Response signature invalid: the <{label}> was signed with another key than the {len(trusted)} trusted "
        f"certificate(s) ({fingerprints}), for example another application's key or a certificate that was "
        "rotated since the metadata was uploaded.",
        fix=_ROTATE, code="F4")


def _malformed_reason(exc: Exception) -> str:
    """A malformed signature in words (signxml's schema messages name the element at fault)."""
    text = str(exc)
    for element, what in (("SignatureValue", "its SignatureValue is not valid base64"),
                          ("DigestValue", "its DigestValue is not a valid base64 digest"),
                          ("X509Certificate", "the certificate inside it is not valid base64")):
        if f"}}{element}'" in text:
            return what
    if "is not expected" in text or "Missing child element" in text:
        return "its elements are missing or out of the order the XML Signature standard requires"
    if "Algorithm" in text or "is not a valid" in text:
        return "it names an algorithm or value the XML Signature standard does not define"
    return "it does not follow the XML Signature standard"


def _expired_finding(label: str, cert: CertificateInfo, now: datetime) -> Finding:
    late = now > cert.not_after
    when = f"expired on {cert.not_after:%Y-%m-%d}" if late else f"is valid only from {cert.not_before:%Y-%m-%d %H:%M} UTC"
    return Finding(
        "F18", Severity.ERROR,
        f"Response signature invalid: the <{label}> is signed with the right key, but the certificate "
        f"{cert.subject} {when}, so AWS refuses the signature.",
        fix=("Create and activate a new certificate for the application in IAM Identity Center, then update the "
             "IAM SAML provider with the new metadata.") if late else
            "Check the identity provider's clock and this computer's clock, or judge the response as at another "
            "moment (--at).",
        link="https://docs.aws.amazon.com/singlesignon/latest/userguide/managesamlcerts.html")


def _with_findings(error: SamlError, findings: list[Finding]) -> SamlError:
    """Attach further, separate findings (each with its own fix) to a refusal."""
    error.findings = list(findings)
    return error


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
