"""Decrypt SAML's encrypted parts (EncryptedAssertion, EncryptedID, EncryptedAttribute) with the SP's private key.

An IAM SAML provider can hold private keys and an assertion encryption mode (CreateSAMLProvider's
AddPrivateKey and AssertionEncryptionMode, botocore iam/2010-05-08 service-2.json); the identity provider then
encrypts the assertion to the provider's public key. XML Encryption (https://www.w3.org/TR/xmlenc-core1/):
a random content key is wrapped with RSA (key transport) and the content is encrypted with AES.

The algorithms are those IAM and common identity providers use. All cryptography comes from the
``cryptography`` package; this module only finds the parts in the XML and undoes XML Encryption's framing
(IV in front, tag behind, its padding rule). Pure: the key arrives as bytes, never as a path.
"""

from __future__ import annotations

import base64
import binascii

from workshop_lib.errors import SamlError
from workshop_lib.saml import _xml

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"

RSA_OAEP_MGF1P = XENC + "rsa-oaep-mgf1p"
RSA_OAEP = XENC11 + "rsa-oaep"
RSA_1_5 = XENC + "rsa-1_5"
_BLOCK_CIPHERS = {  # algorithm → (key bytes, mode)
    XENC + "aes128-cbc": (16, "cbc"),
    XENC + "aes192-cbc": (24, "cbc"),
    XENC + "aes256-cbc": (32, "cbc"),
    XENC11 + "aes128-gcm": (16, "gcm"),
    XENC11 + "aes192-gcm": (24, "gcm"),
    XENC11 + "aes256-gcm": (32, "gcm"),
}
_DIGESTS = {
    DS + "sha1": "SHA1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "SHA256",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "SHA224",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "SHA384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "SHA512",
}
_MGFS = {
    XENC11 + "mgf1sha1": "SHA1",
    XENC11 + "mgf1sha224": "SHA224",
    XENC11 + "mgf1sha256": "SHA256",
    XENC11 + "mgf1sha384": "SHA384",
    XENC11 + "mgf1sha512": "SHA512",
}
_KEY_FIX = ("Give the private key whose certificate the identity provider encrypts to: the key you added to the "
            "IAM SAML provider (AddPrivateKey), as a PEM file.")


def load_private_key(pem: bytes | str):
    """An RSA private key from PEM (PKCS#1 or PKCS#8, unencrypted); SamlError with a sentence otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    data = pem.encode("ascii", errors="replace") if isinstance(pem, str) else bytes(pem)
    if b"-----BEGIN" not in data:
        raise SamlError("The decryption key is not a PEM private key (it has no -----BEGIN … PRIVATE KEY----- line).",
                        fix=_KEY_FIX)
    if b"PRIVATE KEY-----" not in data:
        raise SamlError("The decryption key file holds a certificate or public key, not a private key; decryption "
                        "needs the private key.", fix=_KEY_FIX)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SamlError("The decryption key is protected by a passphrase, which this tool does not ask for.",
                        fix="Export it without a passphrase, for example: openssl pkey -in key.pem -out plain.pem") from None
    except ValueError:
        raise SamlError("The decryption key cannot be read as a PEM private key.", fix=_KEY_FIX) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SamlError(f"The decryption key is a {type(key).__name__.replace('PrivateKey', '').lstrip('_')} key; "
                        "SAML assertion encryption uses RSA keys.", fix=_KEY_FIX)
    return key


MAX_IAM_PRIVATE_KEY_CHARS = 16384  # botocore iam 2010-05-08: privateKeyType max 16384 (AddPrivateKey)


def describe_private_key(pem: bytes | str) -> str:
    """One line about a private key as IAM's AddPrivateKey would take it: type, size and public-key fingerprint.

    Raises SamlError with a sentence when IAM could not use it (not PEM, passphrase, not RSA, too long).
    """
    from cryptography.hazmat.primitives import hashes, serialization

    text = pem.decode("ascii", errors="replace") if isinstance(pem, bytes) else pem
    if len(text) > MAX_IAM_PRIVATE_KEY_CHARS:
        raise SamlError(f"The private key file is {len(text):,} characters long; IAM's AddPrivateKey takes at most "
                        f"{MAX_IAM_PRIVATE_KEY_CHARS:,}.", fix="Give the PEM file of the key alone.")
    key = load_private_key(pem)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    value = digest.finalize().hex().upper()
    fingerprint = ":".join(value[i:i + 2] for i in range(0, len(value), 2))
    return f"RSA {key.key_size} bits, public key SHA-256 {fingerprint}"


def decrypt_element(container, key):
    """The element inside an EncryptedAssertion/EncryptedID/EncryptedAttribute, as a standalone parsed element."""
    label = _xml.local(container.tag)
    data = container.find(f"{{{XENC}}}EncryptedData")
    if data is None:
        raise SamlError(f"The <{label}> has no xenc:EncryptedData.", fix="Capture a fresh response.", code="F4")
    method = data.find(f"{{{XENC}}}EncryptionMethod")
    algorithm = method.get("Algorithm", "") if method is not None else ""
    if algorithm not in _BLOCK_CIPHERS:
        raise SamlError(f"The <{label}> is encrypted with {algorithm or 'no stated algorithm'}, which this tool does "
                        "not decrypt (it reads AES-128/192/256 in CBC or GCM mode).",
                        fix="Configure the identity provider to encrypt with AES-256-GCM or AES-256-CBC, as IAM "
                            "expects.")
    size, mode = _BLOCK_CIPHERS[algorithm]
    content_key = _content_key(container, data, key, size, label)
    cipher_value = data.find(f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
    if cipher_value is None:
        raise SamlError(f"The <{label}> carries no CipherValue (a CipherReference is not followed).",
                        fix="Capture a fresh response.", code="F4")
    plaintext = _decrypt_content(_b64(cipher_value.text, label), content_key, mode, label)
    return _parse_plaintext(plaintext, container, label)


def _content_key(container, data, key, size: int, label: str) -> bytes:
    candidates = data.findall(f"{{{DS}}}KeyInfo/{{{XENC}}}EncryptedKey") or container.findall(f"{{{XENC}}}EncryptedKey")
    if not candidates:
        raise SamlError(f"The <{label}> carries no xenc:EncryptedKey, so the content key cannot be recovered.",
                        fix="Capture a fresh response.", code="F4")
    unsupported = ""
    for encrypted_key in candidates:
        method = encrypted_key.find(f"{{{XENC}}}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        value = encrypted_key.find(f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue")
        if value is None:
            continue
        try:
            padding = _key_transport(algorithm, method)
        except SamlError as exc:
            unsupported = exc.message
            continue
        try:
            content_key = key.decrypt(_b64(value.text, label), padding)
        except ValueError:
            continue
        if len(content_key) == size:
            return content_key
    if unsupported:
        raise SamlError(unsupported, fix="Configure the identity provider to use RSA-OAEP key transport.")
    raise SamlError(
        f"The <{label}> cannot be decrypted with the given private key: the content key was encrypted for "
        "another key.",
        fix="Use the private key whose certificate the identity provider encrypts to (the one added to the IAM "
            "SAML provider); after a key rotation, the identity provider may still use the old certificate.")


def _key_transport(algorithm: str, method):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if algorithm == RSA_1_5:
        return padding.PKCS1v15()
    if algorithm in (RSA_OAEP_MGF1P, RSA_OAEP):
        digest_el = method.find(f"{{{DS}}}DigestMethod")
        digest = _DIGESTS.get(digest_el.get("Algorithm", "") if digest_el is not None else DS + "sha1")
        mgf_el = method.find(f"{{{XENC11}}}MGF")
        mgf = _MGFS.get(mgf_el.get("Algorithm", "") if mgf_el is not None else XENC11 + "mgf1sha1")
        if algorithm == RSA_OAEP_MGF1P:
            mgf = "SHA1"  # rsa-oaep-mgf1p fixes MGF1 with SHA-1
        if digest is None or mgf is None:
            raise SamlError("The content key is wrapped with RSA-OAEP using a digest this tool does not know.")
        params = method.find(f"{{{XENC}}}OAEPparams")
        label = base64.b64decode(params.text) if params is not None and params.text else None
        return padding.OAEP(mgf=padding.MGF1(getattr(hashes, mgf)()), algorithm=getattr(hashes, digest)(), label=label)
    raise SamlError(f"The content key is wrapped with {algorithm or 'no stated algorithm'}, which this tool does not "
                    "unwrap (it reads RSA-OAEP and RSA 1.5).")


def _decrypt_content(blob: bytes, content_key: bytes, mode: str, label: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if mode == "gcm":  # xmlenc-core1 §5.2.4: 96-bit IV in front, 128-bit tag at the end
        if len(blob) < 12 + 16:
            raise _damaged(label)
        try:
            return AESGCM(content_key).decrypt(blob[:12], blob[12:], None)
        except InvalidTag:
            raise _damaged(label) from None
    if len(blob) < 32 or len(blob) % 16:  # xmlenc-core1 §5.2.2: IV in front, whole blocks
        raise _damaged(label)
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(blob[:16])).decryptor()
    padded = decryptor.update(blob[16:]) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= 16:  # xmlenc's padding: the last octet counts the padding octets (their values are arbitrary)
        raise _damaged(label)
    return padded[:-pad]


def _parse_plaintext(plaintext: bytes, container, label: str):
    from lxml import etree

    try:
        text = plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise _damaged(label) from None
    text = _xml._DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    # The decrypted fragment is read in the namespace context of the element it replaces (xmlenc §4.5).
    declarations = "".join(
        f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"' for prefix, uri in container.nsmap.items())
    wrapper = _xml.parse(f"<decrypted{declarations}>{text}</decrypted>", what=f"decrypted {label}").root
    elements = [child for child in wrapper if isinstance(child.tag, str)]
    if len(elements) != 1:
        raise SamlError(f"The decrypted <{label}> holds {len(elements)} elements instead of one.",
                        fix="Capture a fresh response.", code="F4")
    return etree.fromstring(etree.tostring(elements[0]))


def decrypt_parts(element, key) -> tuple[list[str], list[str]]:
    """Replace every EncryptedID and EncryptedAttribute under ``element`` by its decrypted content, in place.

    Returns (what was decrypted, e.g. "NameID"; why a part could not be, one sentence each). A part that
    cannot be decrypted stays encrypted and is reported as not judged; it does not stop the rest.
    """
    done, failed = [], []
    for tag in ("EncryptedID", "EncryptedAttribute"):
        for container in list(element.iter(f"{{urn:oasis:names:tc:SAML:2.0:assertion}}{tag}")):
            try:
                plain = decrypt_element(container, key)
            except SamlError as exc:
                failed.append(exc.message)
                continue
            container.getparent().replace(container, plain)
            done.append(_xml.local(plain.tag))
    return done, failed


def encrypt_assertion(assertion, certificate_pem: bytes):
    """``<saml2:EncryptedAssertion>`` holding ``assertion`` (an lxml element, already signed) encrypted to the
    certificate's RSA key: AES-256-GCM content, RSA-OAEP (MGF1-SHA1) key transport, as identity providers do.

    Used by the sandbox's simulated identity provider; all cryptography is the ``cryptography`` package's.
    """
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from lxml import etree

    public_key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    content_key, iv = os.urandom(32), os.urandom(12)
    blob = iv + AESGCM(content_key).encrypt(iv, etree.tostring(assertion), None)
    wrapped = public_key.encrypt(content_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(),
                                                           label=None))
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    xml = (
        f'<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">'
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{XENC11}aes256-gcm"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{RSA_OAEP_MGF1P}">'
        f'<ds:DigestMethod Algorithm="{DS}sha1"/></xenc:EncryptionMethod>'
        f"<xenc:CipherData><xenc:CipherValue>{b64(wrapped)}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{b64(blob)}</xenc:CipherValue></xenc:CipherData>"
        "</xenc:EncryptedData></saml2:EncryptedAssertion>"
    )
    return etree.fromstring(xml.encode("ascii"))


def _b64(text: str | None, label: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _damaged(label) from None


def _damaged(label: str) -> SamlError:
    return SamlError(f"The <{label}> decrypts to nothing readable: its ciphertext was damaged or changed.",
                     fix="Capture a fresh response; the encrypted content must be copied unchanged.", code="F4")
