"""The simulated Identity Center side of SAML: per-application certificates, metadata, signed responses.

Each console-added application gets its own RSA-2048 key and self-signed certificate (valid five
years, like IdC's), metadata in the form the IdC console downloads, and responses signed with
XML-DSig (RSA-SHA256, exclusive c14n) exactly where IdC signs them: the assertion.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import queue
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from workshop_lib.sandbox.server.backend import Application, MappingRow

AWS_ATTRIBUTE_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
SHORT_NAMES = {"Role", "RoleSessionName", "SessionDuration", "PrincipalTag", "TransitiveTagKeys", "SourceIdentity"}
SUBJECT = "Subject"
NAME_ID_FORMATS = {
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "emailAddress": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "x509SubjectName": "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName",
    "kerberos": "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos",
    "entity": "urn:oasis:names:tc:SAML:2.0:nameid-format:entity",
}
ATTRIBUTE_FORMATS = {"unspecified", "uri", "basic"}
USER_ATTRIBUTES = ("email", "subject", "preferredUsername", "givenName", "familyName", "middleName", "name",
                   "displayName", "AD_GUID")
_EXPRESSION = re.compile(r"\$\{user:([A-Za-z_]+)\}")
CERT_YEARS = 5
RESPONSE_LIFETIME = _dt.timedelta(minutes=5)

NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XS = "http://www.w3.org/2001/XMLSchema"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


class MappingError(ValueError):
    """An attribute mapping the console would not save."""


# ---- certificates -------------------------------------------------------------------------------


# RSA-2048 keys made ahead by a background thread once the server listens: making one takes 50–500 ms, and an
# application needs one when it is created (and when its certificate is rotated). Each key is handed out once.
SPARE_KEYS = 3
_spare_keys: "queue.SimpleQueue" = queue.SimpleQueue()


def _new_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_spare_keys(count: int = SPARE_KEYS) -> threading.Thread:
    """Start making ``count`` keys in the background (the server calls it once it is ready)."""
    def make() -> None:
        for _ in range(count):
            _spare_keys.put(_new_key())

    thread = threading.Thread(target=make, name="spare-keys", daemon=True)
    thread.start()
    return thread


def _signing_key_for_new_certificate():
    """A spare key when one is ready (and another made in its place), else a new one now."""
    try:
        key = _spare_keys.get_nowait()
    except queue.Empty:
        return _new_key()
    make_spare_keys(1)
    return key


def new_signing_certificate(now: _dt.datetime | None = None) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM): RSA-2048, self-signed as IdC's, valid five years."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    now = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    key = _signing_key_for_new_certificate()
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "amazonaws.com"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IDAS"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    ])
    try:
        not_after = now.replace(year=now.year + CERT_YEARS)
    except ValueError:  # 29 February
        not_after = now.replace(year=now.year + CERT_YEARS, day=28)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(secrets.randbelow(2**31 - 1) + 1)
        .not_valid_before(now).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def certificate_base64(cert_pem: bytes) -> str:
    body = b"".join(line for line in cert_pem.splitlines() if line and not line.startswith(b"-----"))
    return body.decode("ascii")


def certificate_summary(cert_pem: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(cert_pem)
    return {
        "subject": cert.subject.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "sha1_fingerprint": cert.fingerprint(hashes.SHA1()).hex(":").upper(),
        "key_bits": cert.public_key().key_size,
    }


# ---- identifiers and metadata -------------------------------------------------------------------


def issuer_token(app: Application) -> str:
    """base64("<account>_ins-<16 hex of the application ID>"), the last part of IdC's SAML URLs."""
    return base64.b64encode(f"{app.account}_ins-{app.app_id.removeprefix('apl-')}".encode()).decode()


def entity_id(app: Application) -> str:
    return f"https://portal.sso.{app.region}.amazonaws.com/saml/assertion/{issuer_token(app)}"


def metadata_url(app: Application) -> str:
    return f"https://portal.sso.{app.region}.amazonaws.com/saml/metadata/{issuer_token(app)}"


def metadata_xml(app: Application) -> bytes:
    """The IdP metadata file as the IdC console's Download button gives it (UTF-8, no BOM)."""
    token, region = issuer_token(app), app.region
    base = f"https://portal.sso.{region}.amazonaws.com/saml"
    post = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{base}/assertion/{token}">\n'
        '  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
        '    <md:KeyDescriptor use="signing">\n'
        '      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n'
        '        <ds:X509Data>\n'
        f'          <ds:X509Certificate>{certificate_base64(app.certificate_pem)}</ds:X509Certificate>\n'
        '        </ds:X509Data>\n'
        '      </ds:KeyInfo>\n'
        '    </md:KeyDescriptor>\n'
        f'    <md:SingleLogoutService Binding="{post}" Location="{base}/logout/{token}"/>\n'
        f'    <md:SingleLogoutService Binding="{redirect}" Location="{base}/logout/{token}"/>\n'
        '    <md:NameIDFormat/>\n'
        f'    <md:SingleSignOnService Binding="{post}" Location="{base}/assertion/{token}"/>\n'
        f'    <md:SingleSignOnService Binding="{redirect}" Location="{base}/assertion/{token}"/>\n'
        '  </md:IDPSSODescriptor>\n'
        '</md:EntityDescriptor>\n'
    ).encode("utf-8")


# ---- attribute mappings -------------------------------------------------------------------------


def default_mappings() -> list[MappingRow]:
    """The rows a new Amazon Connect catalog application starts with: Subject and RoleSessionName by email."""
    return [
        MappingRow(SUBJECT, "${user:email}", "emailAddress"),
        MappingRow(AWS_ATTRIBUTE_PREFIX + "RoleSessionName", "${user:email}", "unspecified"),
    ]


def attribute_name(name: str) -> str:
    """'Role' → the full AWS attribute name; 'Subject' and full names stay as they are."""
    name = (name or "").strip()
    if name.lower() == "subject":
        return SUBJECT
    if name in SHORT_NAMES:
        return AWS_ATTRIBUTE_PREFIX + name
    return name


def mapping_rows(mappings: Any) -> list[tuple[str, str | None, str | None]]:
    """(attribute, value or None to delete, format or None) from a dict or a list of rows."""
    rows: list[tuple[str, str | None, str | None]] = []
    if isinstance(mappings, dict):
        for name, value in mappings.items():
            if isinstance(value, dict):
                rows.append((name, value.get("value"), value.get("format")))
            else:
                rows.append((name, value, None))
    elif isinstance(mappings, list):
        for row in mappings:
            if not isinstance(row, dict) or "attribute" not in row:
                raise MappingError("Each mapping row needs 'attribute' and 'value' (and optionally 'format').")
            rows.append((row["attribute"], row.get("value"), row.get("format")))
    else:
        raise MappingError("Mappings are a dict {attribute: value} or a list of {attribute, value, format} rows.")
    return rows


def check_mapping(attribute: str, value: str, fmt: str) -> None:
    if not attribute:
        raise MappingError("A mapping row has no attribute name.")
    for name in _EXPRESSION.findall(value):
        if name not in USER_ATTRIBUTES:
            raise MappingError(
                f"${{user:{name}}} is not an IAM Identity Center user attribute; use one of "
                + ", ".join(f"${{user:{a}}}" for a in USER_ATTRIBUTES) + "."
            )
    if "${" in _EXPRESSION.sub("", value):
        raise MappingError(f"The value {value!r} has a malformed expression; write expressions as ${{user:email}}.")
    allowed = NAME_ID_FORMATS if attribute == SUBJECT else ATTRIBUTE_FORMATS
    if fmt not in allowed:
        raise MappingError(f"The format {fmt!r} is not offered for {attribute}; choose one of {', '.join(allowed)}.")


def apply_mappings(app: Application, mappings: Any, *, replace: bool = False) -> None:
    rows = {} if replace else {row.attribute: row for row in app.mappings}
    for raw_name, value, fmt in mapping_rows(mappings):
        name = attribute_name(raw_name)
        if value is None or value == "":
            rows.pop(name, None)
            continue
        previous = rows.get(name)
        fmt = fmt or (previous.format if previous else ("emailAddress" if name == SUBJECT else "unspecified"))
        check_mapping(name, str(value), fmt)
        rows[name] = MappingRow(name, str(value), fmt)
    app.mappings = list(rows.values())


@dataclass(frozen=True)
class PortalUser:
    """The identity store user as the portal sees it."""

    user_id: str
    user_name: str
    emails: tuple[str, ...]
    given_name: str = ""
    family_name: str = ""
    middle_name: str = ""
    formatted_name: str = ""
    display_name: str = ""

    @classmethod
    def from_moto(cls, user: Any) -> "PortalUser":
        emails = sorted(user.Emails or [], key=lambda e: not e.get("Primary"))
        name = user.Name
        return cls(
            user_id=user.UserId, user_name=user.UserName or "",
            emails=tuple(e.get("Value", "") for e in emails if e.get("Value")),
            given_name=(name.GivenName if name else "") or "", family_name=(name.FamilyName if name else "") or "",
            middle_name=(name.MiddleName if name else "") or "", formatted_name=(name.Formatted if name else "") or "",
            display_name=user.DisplayName or "",
        )

    def value_of(self, attribute: str) -> str:
        return {
            "email": self.emails[0] if self.emails else "",
            "subject": self.user_id,
            "preferredUsername": self.user_name,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "middleName": self.middle_name,
            "name": self.formatted_name or f"{self.given_name} {self.family_name}".strip(),
            "displayName": self.display_name,
            "AD_GUID": "",
        }.get(attribute, "")


def evaluate(value: str, user: PortalUser) -> str:
    return _EXPRESSION.sub(lambda m: user.value_of(m.group(1)), value)


# ---- the signed response ------------------------------------------------------------------------


def _iso(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@functools.lru_cache(maxsize=32)
def _signing_key(private_key_pem: bytes):
    """The application's key, loaded once. The sandbox made the key itself (new_signing_certificate) and keeps it
    in its integrity-checked state, so the RSA consistency check (50–80 ms a load) is skipped."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(private_key_pem, password=None, unsafe_skip_rsa_key_validation=True)


def build_response(app: Application, user: PortalUser, *, now: _dt.datetime | None = None) -> bytes:
    """A SAML Response for ``user`` from the application's mappings, its assertion signed with the app's key."""
    from lxml import etree
    from signxml import XMLSigner
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

    now = now or _dt.datetime.now(_dt.timezone.utc)
    issued, expires = _iso(now), _iso(now + RESPONSE_LIFETIME)
    issuer = entity_id(app)
    assertion_id = "_" + str(uuid.uuid4())
    nsmap = {"saml2": NS_SAML}

    def sub(parent: Any, ns: str, tag: str, text: str | None = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    assertion = etree.Element(f"{{{NS_SAML}}}Assertion", {"ID": assertion_id, "IssueInstant": issued,
                                                          "Version": "2.0"}, nsmap=nsmap)
    sub(assertion, NS_SAML, "Issuer", issuer, Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
    placeholder = etree.SubElement(assertion, f"{{{NS_DS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": NS_DS})
    assert placeholder is not None
    subject = sub(assertion, NS_SAML, "Subject")
    subject_row = next((r for r in app.mappings if r.attribute == SUBJECT), None)
    name_id_value = evaluate(subject_row.value, user) if subject_row else user.user_id
    name_id_format = NAME_ID_FORMATS.get(subject_row.format if subject_row else "persistent",
                                         NAME_ID_FORMATS["unspecified"])
    sub(subject, NS_SAML, "NameID", name_id_value, Format=name_id_format)
    confirmation = sub(subject, NS_SAML, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    sub(confirmation, NS_SAML, "SubjectConfirmationData", NotOnOrAfter=expires, Recipient=app.acs_url)
    conditions = sub(assertion, NS_SAML, "Conditions", NotBefore=issued, NotOnOrAfter=expires)
    sub(sub(conditions, NS_SAML, "AudienceRestriction"), NS_SAML, "Audience", app.audience)
    authn = sub(assertion, NS_SAML, "AuthnStatement", AuthnInstant=issued, SessionIndex="_" + uuid.uuid4().hex,
                SessionNotOnOrAfter=_iso(now + _dt.timedelta(seconds=app.session_duration)))
    sub(sub(authn, NS_SAML, "AuthnContext"), NS_SAML, "AuthnContextClassRef",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    rows = [r for r in app.mappings if r.attribute != SUBJECT]
    if rows:
        statement = sub(assertion, NS_SAML, "AttributeStatement")
        for row in rows:
            value = evaluate(row.value, user)
            if not value:
                continue  # IdC leaves out attributes whose value is empty
            attribute = sub(statement, NS_SAML, "Attribute", Name=row.attribute,
                            NameFormat=f"urn:oasis:names:tc:SAML:2.0:attrname-format:{row.format}")
            element = etree.SubElement(attribute, f"{{{NS_SAML}}}AttributeValue",
                                       {f"{{{NS_XSI}}}type": "xs:string"}, nsmap={"xs": NS_XS, "xsi": NS_XSI})
            element.text = value
        if not len(statement):
            assertion.remove(statement)

    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(assertion, key=_signing_key(app.private_key_pem), cert=app.certificate_pem.decode("ascii"),
                         reference_uri=assertion_id, id_attribute="ID")

    response = etree.Element(
        f"{{{NS_SAMLP}}}Response",
        {"Destination": app.acs_url, "ID": "_" + str(uuid.uuid4()), "IssueInstant": issued, "Version": "2.0"},
        nsmap={"saml2p": NS_SAMLP, "saml2": NS_SAML},
    )
    sub(response, NS_SAML, "Issuer", issuer, Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
    status = etree.SubElement(response, f"{{{NS_SAMLP}}}Status")
    etree.SubElement(status, f"{{{NS_SAMLP}}}StatusCode", {"Value": "urn:oasis:names:tc:SAML:2.0:status:Success"})
    if app.encryption_certificate_pem:  # an application set to encrypt: sign, then encrypt the signed assertion
        from workshop_lib.saml.encryption import encrypt_assertion

        signed = encrypt_assertion(signed, app.encryption_certificate_pem)
    response.append(signed)
    return etree.tostring(response, xml_declaration=True, encoding="UTF-8")
