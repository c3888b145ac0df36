"""What a signing certificate says: who, until when, how strong, and its fingerprint."""

from __future__ import annotations

import base64
import binascii
import re
import warnings
from dataclasses import dataclass
from datetime import datetime

from workshop_lib.errors import SamlError
from workshop_lib.saml._time import aware as _aware

EXPIRY_WARNING_DAYS = 90
MIN_KEY_BITS = 1024


@dataclass(frozen=True)
class CertificateInfo:
    """One X.509 certificate from metadata or a signature, summarised."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    key_type: str  # "RSA", "EC", "DSA", "Ed25519", "Ed448"
    key_size: int  # bits
    sha256_fingerprint: str  # AA:BB:… upper-case hex
    pem: str
    use: str = ""  # "signing", "encryption" or "" (both) as declared in the metadata
    repeated_extensions: bool = False
    notes: tuple[str, ...] = ()  # what the crypto library warned about while reading it, in words


    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def days_left(self, now: datetime | None = None) -> int:
        """Whole days until NotAfter (negative once expired)."""
        return int((self.not_after - _aware(now)).total_seconds() // 86400)

    def expired(self, now: datetime | None = None) -> bool:
        return _aware(now) > self.not_after

    def load(self):
        """The cryptography certificate object (its deprecation warnings are in ``notes``, never on stderr)."""
        from cryptography import x509

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return x509.load_pem_x509_certificate(self.pem.encode("ascii"))


def certificate_from_base64(text: str, *, use: str = "") -> CertificateInfo:
    """A certificate from the base64 in ds:X509Certificate (whitespace and line breaks allowed)."""
    cleaned = re.sub(r"\s+", "", text or "")
    if not cleaned:
        raise SamlError("A certificate element is empty.", fix="Download the metadata again from the identity provider.")
    if cleaned.startswith("-----BEGIN"):
        raise SamlError(
            "A certificate element holds a whole PEM text (with its -----BEGIN CERTIFICATE----- line) instead of "
            "the base64 alone.",
            fix="Keep only the base64 between the BEGIN and END lines in <ds:X509Certificate>, or download the "
                "metadata again from the identity provider.")
    try:
        der = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError(
            "A certificate in the document is not valid base64, so it cannot be read.",
            fix="Download the metadata again; do not edit the certificate text.",
        ) from None
    if der.lstrip().startswith(b"-----BEGIN"):
        raise SamlError(
            "A certificate in the document is base64 of a PEM text: the PEM file (-----BEGIN CERTIFICATE----- …) "
            "was base64-encoded a second time, so it is not the DER certificate SAML metadata carries.",
            fix="Put the base64 between the PEM file's BEGIN and END lines into <ds:X509Certificate> (not the "
                "base64 of the whole file), or download the metadata again from the identity provider.")
    return certificate_from_der(der, use=use)


def certificate_from_der(der: bytes, *, use: str = "") -> CertificateInfo:
    from cryptography import x509

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            raise SamlError(
                "A certificate in the document is valid base64 but not an X.509 certificate (it may be cut short, "
                "or be a key or another kind of file).",
                fix="Download the metadata again; do not edit the certificate text.",
            ) from None
        info = describe_certificate(cert, use=use)
    return _with_notes(info, caught)


def _with_notes(info: "CertificateInfo", caught) -> "CertificateInfo":
    from dataclasses import replace

    notes = []
    for warning in caught:
        text = str(warning.message)
        if "serial number" in text.lower():
            notes.append("Its serial number is zero or negative, which RFC 5280 forbids; current crypto libraries "
                         "still read it with a deprecation warning, and future ones will refuse it.")
        else:  # pragma: no cover - other library warnings are kept in words too
            notes.append(f"The crypto library warned while reading it: {text}")
    return replace(info, notes=tuple(dict.fromkeys(notes))) if notes else info


def describe_certificate(cert, *, use: str = "") -> CertificateInfo:
    """Summarise a cryptography ``x509.Certificate``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _describe(cert, use)


def _describe(cert, use: str) -> "CertificateInfo":
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_type, key_size = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_type, key_size = "EC", key.curve.key_size
    elif isinstance(key, dsa.DSAPublicKey):
        key_type, key_size = "DSA", key.key_size
    elif isinstance(key, ed25519.Ed25519PublicKey):
        key_type, key_size = "Ed25519", 256
    elif isinstance(key, ed448.Ed448PublicKey):
        key_type, key_size = "Ed448", 456
    else:  # pragma: no cover - exotic keys
        key_type, key_size = type(key).__name__, 0
    repeated = False
    try:
        cert.extensions  # noqa: B018 - parsing the extensions is the check
    except x509.DuplicateExtension:
        repeated = True
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return CertificateInfo(
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        sha256_fingerprint=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        use=use,
        repeated_extensions=repeated,
    )


def _name(name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:  # pragma: no cover - malformed names
        return str(name)
