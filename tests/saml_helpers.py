"""Test identity provider: an RSA key, a self-signed certificate, IdC-like metadata and signed AWS-style responses."""

from __future__ import annotations

import base64
import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ConnectFederationRole"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/ConnectIdentityCenter"
ACS = "https://signin.aws.amazon.com/saml"
AUDIENCE = "urn:amazon:webservices"
AGENT_EMAIL = "agent.one@example.com"
ATTR = "https://aws.amazon.com/SAML/Attributes/"

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"


def realworld_files(kind: str) -> list[Path]:
    folder = REALWORLD / kind
    return sorted(folder.glob("*.xml")) if folder.is_dir() else []


@functools.lru_cache(maxsize=None)
def rsa_key(bits: int = 2048, label: str = "idp") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def self_signed_certificate(key, *, cn: str = "amazonaws.com", not_before: datetime | None = None,
                            not_after: datetime | None = None, duplicate_extension: bool = False) -> x509.Certificate:
    """A certificate shaped like IAM Identity Center's (CN=amazonaws.com, OU=IDAS, O=Amazon, C=US, 5 years)."""
    not_before = not_before or NOW - timedelta(days=365)
    not_after = not_after or not_before + timedelta(days=5 * 365)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IDAS"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    ])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after))
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    if duplicate_extension:
        cert = _with_duplicate_extension(cert, key)
    return cert


def _with_duplicate_extension(cert: x509.Certificate, key) -> x509.Certificate:
    """Re-sign the certificate with its BasicConstraints extension repeated (cryptography refuses to build that)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    tbs = _der_decode(cert.tbs_certificate_bytes)
    extensions = tbs[1][-1][1][0]  # [3] EXPLICIT -> SEQUENCE OF Extension
    extensions[1].append(extensions[1][0])
    new_tbs = _der_encode(tbs)
    signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
    algorithm = _der_encode(_der_decode(cert.public_bytes(serialization.Encoding.DER))[1][1])
    return x509.load_der_x509_certificate(_der_tlv(0x30, new_tbs + algorithm + _der_tlv(0x03, b"\x00" + signature)))


# --- a tiny DER codec, enough to duplicate an extension ---------------------------------------------

def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(value)) + value


def _der_read(data: bytes, pos: int):
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return tag, data[pos:pos + length], pos + length


def _der_decode(data: bytes):
    """Constructed nodes become [tag, [children]]; primitive ones (tag, bytes)."""
    tag, value, _ = _der_read(data, 0)
    return _node(tag, value)


def _node(tag, value):
    if tag & 0x20:
        items, pos = [], 0
        while pos < len(value):
            t, v, pos = _der_read(value, pos)
            items.append(_node(t, v))
        return [tag, items]
    return (tag, value)


def _der_encode(node) -> bytes:
    if isinstance(node, list):
        return _der_tlv(node[0], b"".join(_der_encode(child) for child in node[1]))
    return _der_tlv(node[0], node[1])


# --- the identity provider -------------------------------------------------------------------------

@dataclass
class FakeIdp:
    """An IAM Identity Center look-alike that signs responses with its own key."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    app_token: str = "MTExMTIyMjIzMzMzX2lucy0wMTIzNDU2Nzg5YWJjZGVm"
    region: str = "us-east-1"
    extra_certs: list[x509.Certificate] = field(default_factory=list)

    @property
    def entity_id(self) -> str:
        return f"https://portal.sso.{self.region}.amazonaws.com/saml/assertion/{self.app_token}"

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def cert_b64(self) -> str:
        return base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()

    def metadata(self, *, bom: bool = False, certs: list[x509.Certificate] | None = None) -> bytes:
        """Metadata shaped like the console download (md: prefix, ds: on KeyInfo, empty NameIDFormat)."""
        key_descriptors = "".join(
            f"""
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="{DS}">
        <ds:X509Data>
          <ds:X509Certificate>{base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>""" for c in (certs if certs is not None else [self.cert, *self.extra_certs]))
        logout = self.entity_id.replace("/saml/assertion/", "/saml/logout/")
        xml = f"""<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{self.entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{key_descriptors}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{logout}"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{logout}"/>
    <md:NameIDFormat/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{self.entity_id}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{self.entity_id}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
        data = xml.encode("utf-8")
        return (b"\xef\xbb\xbf" + data) if bom else data

    def response(self, *, sign: str | None = "assertion", now: datetime = NOW, **fields) -> bytes:
        """A Response like IdC posts to AWS; ``sign`` is "assertion", "response", "both" or None."""
        assertion_id = "_" + uuid.uuid4().hex
        response_id = "_" + uuid.uuid4().hex
        assertion = build_assertion(assertion_id, issuer=fields.pop("issuer", self.entity_id), now=now,
                                    placeholder=sign in ("assertion", "both"), **fields)
        if sign in ("assertion", "both"):
            assertion = self.sign_element(assertion, assertion_id)
        else:
            assertion = etree.fromstring(assertion)
        response = build_response_around(assertion, response_id, issuer=self.entity_id, now=now,
                                         destination=fields.get("destination", ACS),
                                         placeholder=sign in ("response", "both"))
        if sign in ("response", "both"):
            response = self.sign_element(response, response_id)
        return etree.tostring(response)

    def sign_element(self, element, element_id: str):
        from signxml import XMLSigner
        from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

        signer = XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signer.namespaces = {"ds": DS}
        if isinstance(element, (bytes, str)):
            element = etree.fromstring(element)
        return signer.sign(element, key=self.key, cert=[self.cert], reference_uri="#" + element_id)


def make_idp(label: str = "idp", *, bits: int = 2048, not_before: datetime | None = None,
             not_after: datetime | None = None) -> FakeIdp:
    key = rsa_key(bits, label)
    return FakeIdp(key=key, cert=self_signed_certificate(key, not_before=not_before, not_after=not_after))


def build_assertion(assertion_id: str, *, issuer: str, now: datetime = NOW, placeholder: bool = True,
                    name_id: str | None = AGENT_EMAIL, recipient: str | None = ACS, audience: str | None = AUDIENCE,
                    roles: list[str] | None = None, role_session_name: str | None = AGENT_EMAIL,
                    session_duration: str | int | None = 43200, attributes: dict[str, list[str]] | None = None,
                    not_before: datetime | None = None, not_on_or_after: datetime | None = None,
                    role_attribute_name: str = ATTR + "Role",
                    role_session_name_attribute_name: str = ATTR + "RoleSessionName",
                    destination: str | None = None) -> bytes:
    """An assertion as IAM Identity Center builds it for the Amazon Connect application."""
    del destination  # belongs to the Response
    not_before = not_before or now - timedelta(minutes=5)
    not_on_or_after = not_on_or_after or now + timedelta(minutes=5)
    roles = [f"{ROLE_ARN},{PROVIDER_ARN}"] if roles is None else roles
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"  # noqa: E731
    attrs: list[tuple[str, list[str]]] = []
    if roles:
        attrs.append((role_attribute_name, roles))
    if role_session_name is not None:
        attrs.append((role_session_name_attribute_name, [role_session_name]))
    if session_duration is not None:
        attrs.append((ATTR + "SessionDuration", [str(session_duration)]))
    attrs.extend((attributes or {}).items())
    attribute_xml = "".join(
        f'<saml2:Attribute Name={quoteattr(name)} NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">'
        + "".join(f"<saml2:AttributeValue>{escape(v)}</saml2:AttributeValue>" for v in values)
        + "</saml2:Attribute>" for name, values in attrs)
    recipient_attr = f" Recipient={quoteattr(recipient)}" if recipient else ""
    name_id_xml = (f'<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{escape(name_id)}'
                   "</saml2:NameID>") if name_id else ""
    audience_xml = (f"<saml2:AudienceRestriction><saml2:Audience>{escape(audience)}</saml2:Audience>"
                    "</saml2:AudienceRestriction>") if audience else ""
    sig = f'<ds:Signature xmlns:ds="{DS}" Id="placeholder"/>' if placeholder else ""
    xml = (
        f'<saml2:Assertion xmlns:saml2="{SAML}" ID="{assertion_id}" IssueInstant="{stamp(now)}" Version="2.0">'
        f"<saml2:Issuer>{escape(issuer)}</saml2:Issuer>{sig}"
        f"<saml2:Subject>{name_id_xml}"
        '<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml2:SubjectConfirmationData NotOnOrAfter="{stamp(not_on_or_after)}"{recipient_attr}/>'
        "</saml2:SubjectConfirmation></saml2:Subject>"
        f'<saml2:Conditions NotBefore="{stamp(not_before)}" NotOnOrAfter="{stamp(not_on_or_after)}">{audience_xml}'
        "</saml2:Conditions>"
        f'<saml2:AuthnStatement AuthnInstant="{stamp(now)}" SessionIndex="{assertion_id}">'
        "<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>"
        f"<saml2:AttributeStatement>{attribute_xml}</saml2:AttributeStatement>"
        "</saml2:Assertion>"
    )
    return xml.encode("utf-8")


def build_response_around(assertion, response_id: str, *, issuer: str, now: datetime = NOW,
                          destination: str | None = ACS, placeholder: bool = False):
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    dest = f" Destination={quoteattr(destination)}" if destination else ""
    sig = f'<ds:Signature xmlns:ds="{DS}" Id="placeholder"/>' if placeholder else ""
    shell = etree.fromstring(
        f'<saml2p:Response xmlns:saml2p="{SAMLP}"{dest} ID="{response_id}" IssueInstant="{stamp}" Version="2.0">'
        f'<saml2:Issuer xmlns:saml2="{SAML}">{escape(issuer)}</saml2:Issuer>{sig}'
        '<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>'
        "</saml2p:Response>".encode())
    shell.append(assertion)
    return shell


def b64(xml: bytes) -> str:
    return base64.b64encode(xml).decode("ascii")


def har(entries: list[dict]) -> str:
    import json

    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}})


def har_post(url: str, *, params: list[dict] | None = None, text: str | None = None) -> dict:
    post = {"mimeType": "application/x-www-form-urlencoded"}
    if params is not None:
        post["params"] = params
    if text is not None:
        post["text"] = text
    return {"request": {"method": "POST", "url": url, "headers": [], "postData": post},
            "response": {"status": 302, "headers": [], "content": {"size": 0, "text": ""}}}


def weak_rsa_public_key(bits: int = 512):
    """An RSA public key smaller than cryptography will generate (IAM needs at least 1024 bits)."""
    import secrets

    def probable_prime(n: int) -> bool:
        if n % 2 == 0:
            return False
        d, s = n - 1, 0
        while d % 2 == 0:
            d, s = d // 2, s + 1
        for _ in range(20):
            x = pow(secrets.randbelow(n - 3) + 2, d, n)
            if x in (1, n - 1):
                continue
            for _ in range(s - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                return False
        return True

    def prime(size: int) -> int:
        while True:
            candidate = secrets.randbits(size) | (3 << (size - 2)) | 1
            if probable_prime(candidate) and (candidate - 1) % 65537:
                return candidate

    return rsa.RSAPublicNumbers(65537, prime(bits // 2) * prime(bits // 2)).public_key()


def certificate_for_public_key(public_key, signer_key, *, cn: str = "weak.example.com") -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=3650)).sign(signer_key, hashes.SHA256()))


def metadata_with_certificate_b64(template: bytes, old_b64: str, new_cert: x509.Certificate) -> bytes:
    new_b64 = base64.b64encode(new_cert.public_bytes(serialization.Encoding.DER)).decode()
    return template.replace(old_b64.encode(), new_b64.encode())


# --- XML Encryption, as an identity provider encrypting to the SAML provider's key ---------------------

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"


def encrypt_element(element, public_key, *, transport: str = "rsa-oaep-mgf1p", cipher: str = "aes256-gcm",
                    wrapper: str = "EncryptedAssertion", key_inside: bool = True) -> "etree._Element":
    """``<saml2:{wrapper}>`` holding ``element`` encrypted (xmlenc-core1) with a fresh AES key wrapped by RSA."""
    import os

    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plaintext = etree.tostring(element)
    size = {"128": 16, "192": 24, "256": 32}[cipher[3:6]]
    content_key = os.urandom(size)
    if cipher.endswith("gcm"):
        iv = os.urandom(12)
        blob = iv + AESGCM(content_key).encrypt(iv, plaintext, None)
        cipher_uri = XENC11 + cipher
    else:
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        padded = plaintext + os.urandom(pad - 1) + bytes([pad])  # xmlenc padding: arbitrary bytes, count last
        encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
        blob = iv + encryptor.update(padded) + encryptor.finalize()
        cipher_uri = XENC + cipher
    if transport == "rsa-1_5":
        wrapped = public_key.encrypt(content_key, padding.PKCS1v15())
        method = f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-1_5"/>'
    elif transport == "rsa-oaep":  # xmlenc 1.1 with SHA-256 digest and MGF1-SHA256
        wrapped = public_key.encrypt(content_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                               algorithm=hashes.SHA256(), label=None))
        method = (f'<xenc:EncryptionMethod Algorithm="{XENC11}rsa-oaep">'
                  f'<ds:DigestMethod xmlns:ds="{DS}" Algorithm="{XENC}sha256"/>'
                  f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1sha256"/></xenc:EncryptionMethod>')
    else:
        wrapped = public_key.encrypt(content_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                                                               algorithm=hashes.SHA1(), label=None))
        method = (f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-oaep-mgf1p">'
                  f'<ds:DigestMethod xmlns:ds="{DS}" Algorithm="{DS}sha1"/></xenc:EncryptionMethod>')
    encrypted_key = (f'<xenc:EncryptedKey xmlns:xenc="{XENC}" Id="_k1">{method}<xenc:CipherData><xenc:CipherValue>'
                     f"{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>")
    key_info = (f'<ds:KeyInfo xmlns:ds="{DS}">{encrypted_key}</ds:KeyInfo>' if key_inside else
                f'<ds:KeyInfo xmlns:ds="{DS}"><ds:RetrievalMethod URI="#_k1" '
                f'Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"/></ds:KeyInfo>')
    data = (f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
            f'<xenc:EncryptionMethod Algorithm="{cipher_uri}"/>{key_info}'
            f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(blob).decode()}</xenc:CipherValue>"
            "</xenc:CipherData></xenc:EncryptedData>")
    outside = "" if key_inside else encrypted_key
    return etree.fromstring(f'<saml2:{wrapper} xmlns:saml2="{SAML}">{data}{outside}</saml2:{wrapper}>')


def encrypted_response(idp: "FakeIdp", sp_key, *, sign_assertion: bool = True, sign_response: bool = True,
                       now: datetime = NOW, transport: str = "rsa-oaep-mgf1p", cipher: str = "aes256-gcm",
                       **fields) -> bytes:
    """A Response whose assertion (signed first, when asked) is encrypted to ``sp_key``'s public key."""
    assertion_id, response_id = "_" + uuid.uuid4().hex, "_" + uuid.uuid4().hex
    assertion = build_assertion(assertion_id, issuer=idp.entity_id, now=now, placeholder=sign_assertion, **fields)
    assertion = idp.sign_element(assertion, assertion_id) if sign_assertion else etree.fromstring(assertion)
    sealed = encrypt_element(assertion, sp_key.public_key(), transport=transport, cipher=cipher)
    response = build_response_around(sealed, response_id, issuer=idp.entity_id, now=now, placeholder=sign_response)
    if sign_response:
        response = idp.sign_element(response, response_id)
    return etree.tostring(response)


def private_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def certificate_with_serial(key, serial: bytes) -> x509.Certificate:
    """A self-signed certificate whose serialNumber INTEGER holds ``serial`` (e.g. b"\\x00" or b"\\xff": zero or -1),
    which cryptography's builder refuses to make."""
    from cryptography.hazmat.primitives.asymmetric import padding

    cert = self_signed_certificate(key)
    tbs = _der_decode(cert.tbs_certificate_bytes)
    tbs[1][1] = (0x02, serial)  # [0] version, then serialNumber
    new_tbs = _der_encode(tbs)
    signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
    algorithm = _der_encode(_der_decode(cert.public_bytes(serialization.Encoding.DER))[1][1])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(_der_tlv(0x30, new_tbs + algorithm + _der_tlv(0x03, b"\x00" + signature)))
