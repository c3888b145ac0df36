"""What a signing certificate says: who, until when, how strong, and its fingerprint."""

from __future__ import annotations

import base64
import binascii
import re
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

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def days_left(self, now: datetime | None = None) -> int:
        """Whole days until NotAfter (negative once expired)."""
        return int((self.not_after - _aware(now)).total_seconds() // 86400)

    def expired(self, now: datetime | None = None) -> bool:
        return _aware(now) > self.not_after

    def load(self):
        """The cryptography certificate object."""
        from cryptography import x509

        return x509.load_pem_x509_certificate(self.pem.encode("ascii"))


def certificate_from_base64(text: str, *, use: str = "") -> CertificateInfo:
    """A certificate from the base64 in ds:X509Certificate (whitespace and line breaks allowed)."""
    cleaned = re.sub(r"\s+", "", text or "")
    if not cleaned:
        raise SamlError("A certificate element is empty.", fix="Download the metadata again from the identity provider.")
    try:
        der = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError(
            "A certificate in the document is not valid base64, so it cannot be read.",
            fix="Download the metadata again; do not edit the certificate text.",
        ) from None
    return certificate_from_der(der, use=use)


def certificate_from_der(der: bytes, *, use: str = "") -> CertificateInfo:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise SamlError(
            f"A certificate in the document cannot be read as X.509 ({exc}).",
            fix="Download the metadata again; do not edit the certificate text.",
        ) from None
    return describe_certificate(cert, use=use)


def describe_certificate(cert, *, use: str = "") -> CertificateInfo:
    """Summarise a cryptography ``x509.Certificate``."""
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
