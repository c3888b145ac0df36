"""Shared builders for the doctor tests: IdP metadata with a real certificate, and an intact Facts snapshot."""

from __future__ import annotations

import datetime as dt
import functools

from workshop_lib.aws.snapshot import (
    ApplicationFacts,
    ConnectUser,
    ConsoleSettings,
    Facts,
    GroupFacts,
    IdcUser,
    IdentityCenterFacts,
    InstanceFacts,
    OrganizationFacts,
    PolicyDocument,
    ProviderFacts,
    RoleFacts,
    chains_from,
)
from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy
from workshop_lib.rules.relay_state import relay_state_url
from workshop_lib.settings import Settings

ACCOUNT = "123456789012"
REGION = "us-east-1"
INSTANCE_ID = "178c75e4-b3de-4839-a6aa-e321ab3f3770"
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{INSTANCE_ID}"
AGENT_ENTITY = "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MTIzNDU2Nzg5MDEyX2lucy1hZ2VudGFwcDAwMDAwMQ"
ADMIN_ENTITY = "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MTIzNDU2Nzg5MDEyX2lucy1hZG1pbmFwcDAwMDAwMQ"
ADMIN_EMAIL = "admin-user@amazon-connect-workshop.com"


@functools.lru_cache(maxsize=None)
def certificate(common_name: str, days: int = 1825, bits: int = 2048, start_days_ago: int = 1) -> str:
    """A self-signed certificate as base64 DER (what ds:X509Certificate holds)."""
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon")]
    )
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=start_days_ago))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def metadata_xml(entity_id: str, cert_name: str = "agent", days: int = 1825, bits: int = 2048) -> str:
    """IdC-shaped IdP metadata for one application."""
    cert = certificate(cert_name, days, bits)
    sso = "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/x"
    return f"""<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>{cert}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://portal.sso.us-east-1.amazonaws.com/saml/logout/x"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://portal.sso.us-east-1.amazonaws.com/saml/logout/x"/>
    <md:NameIDFormat/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{sso}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def settings(**overrides) -> Settings:
    values = dict(
        target="sandbox",
        region=REGION,
        instance_id=INSTANCE_ID,
        instance_arn=INSTANCE_ARN,
        account_id=ACCOUNT,
        role_ids={
            "AmazonConnectAgentAccessRole": "AROAAGENTROLE00000001",
            "AmazonConnectAdminAccessRole": "AROAADMINROLE00000001",
        },
    )
    values.update(overrides)
    return Settings(**values)


def intact_facts(n_agents: int = 2) -> Facts:
    """A complete, correct set-up: check_facts must report nothing on it."""
    s = settings()
    chains = chains_from(s)
    facts = Facts(
        target="sandbox",
        region=REGION,
        idc_region=REGION,
        account_id=ACCOUNT,
        instance=InstanceFacts(INSTANCE_ID, True, INSTANCE_ARN, "aws-connect-workshop-123-0001", "SAML", "ACTIVE"),
        chains=chains,
        recorded_role_ids=dict(s.role_ids),
    )
    facts.organization = OrganizationFacts(True, "o-abc1234567", ACCOUNT, "ALL")
    facts.identity_center = IdentityCenterFacts(
        "arn:aws:sso:::instance/ssoins-1234567890abcdef", "d-1234567890", ACCOUNT, "ACTIVE"
    )
    facts.security_profiles = {
        "Admin": "sp-admin",
        "Agent": "sp-agent",
        "CallCenterManager": "sp-ccm",
        "QualityAnalyst": "sp-qa",
    }
    entities = {"agent": AGENT_ENTITY, "admin": ADMIN_ENTITY}
    role_ids = {"agent": "AROAAGENTROLE00000001", "admin": "AROAADMINROLE00000001"}
    for side, chain in chains.items():
        xml = metadata_xml(entities[side], side)
        provider_arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/{chain.provider}"
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{chain.role}"
        facts.providers[side] = ProviderFacts(chain.provider, provider_arn, True, xml)
        facts.app_metadata[side] = xml
        facts.roles[side] = RoleFacts(
            chain.role,
            True,
            role_arn,
            role_ids[side],
            "/",
            saml_trust_policy(provider_arn, REGION),
            [
                PolicyDocument(
                    chain.policy, f"arn:aws:iam::{ACCOUNT}:policy/{chain.policy}", federation_policy(INSTANCE_ARN)
                )
            ],
        )
        group_id = f"group-{side}"
        facts.groups[side] = GroupFacts(chain.group, group_id, True, [])
        facts.applications[side] = ApplicationFacts(
            chain.app,
            f"arn:aws:sso::{ACCOUNT}:application/ssoins-1234567890abcdef/apl-{side:0<16}",
            "ENABLED",
            "arn:aws:sso::aws:applicationProvider/catalog/AmazonConnect",
            [group_id],
        )
        facts.console[side] = ConsoleSettings(
            relay_state=relay_state_url(INSTANCE_ID, REGION, chain.destination),
            attribute_mappings={
                "Subject": "${user:email}",
                "Role": f"{role_arn},{provider_arn}",
                "RoleSessionName": "${user:email}",
            },
            audience="urn:amazon:webservices",
            acs="https://signin.aws.amazon.com/saml",
        )
    for i in range(1, n_agents + 1):
        add_user(facts, f"agent{i}@connect-workshop.com", "agent")
    add_user(facts, ADMIN_EMAIL, "admin")
    return facts


def add_user(
    facts: Facts, email: str, side: str, *, connect_username: str | None = "same", idc_email: str | None = None
) -> IdcUser:
    uid = f"u-{len(facts.idc_users):06d}"
    user = IdcUser(
        uid,
        email,
        idc_email if idc_email is not None else email,
        [idc_email if idc_email is not None else email],
        email,
    )
    facts.idc_users[uid] = user
    facts.groups[side].member_ids.append(uid)
    if connect_username is not None:
        name = email if connect_username == "same" else connect_username
        profiles = ["sp-admin"] if side == "admin" else ["sp-agent"]
        facts.connect_users[name] = ConnectUser(f"c-{uid}", name, profiles if side == "admin" else None)
    return user
