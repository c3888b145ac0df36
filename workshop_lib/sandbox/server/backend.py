"""The sandbox's own state for what moto lacks, kept per account and Region like moto's backends.

Registered as a moto ``BackendDict``, so ``/moto-api/reset`` clears it together with moto's state,
and pickled with moto's backends by :mod:`workshop_lib.sandbox.server.persistence`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from workshop_lib.saml.constants import AWS_AUDIENCE

# ---- Amazon Connect ---------------------------------------------------------------------------


@dataclass
class SecurityProfile:
    id: str
    arn: str
    name: str
    description: str
    instance_id: str
    last_modified: _dt.datetime


@dataclass
class RoutingProfile:
    id: str
    arn: str
    name: str
    description: str
    instance_id: str
    last_modified: _dt.datetime


@dataclass
class ConnectUser:
    id: str
    arn: str
    username: str
    identity_info: dict[str, str]
    phone_config: dict[str, Any]
    security_profile_ids: list[str]
    routing_profile_id: str
    hierarchy_group_id: str | None = None
    directory_user_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    last_modified: _dt.datetime | None = None
    federated_role_id: str | None = None  # the RoleId of the first successful federation (F10)


@dataclass
class ConnectInstanceExtras:
    """What the sandbox adds to one moto Connect instance."""

    instance_id: str
    ready_at: float  # epoch seconds when CREATION_IN_PROGRESS turns ACTIVE
    security_profiles: dict[str, SecurityProfile] = field(default_factory=dict)
    routing_profiles: dict[str, RoutingProfile] = field(default_factory=dict)
    users: dict[str, ConnectUser] = field(default_factory=dict)
    client_token: str | None = None
    request_fingerprint: str = ""


# ---- IAM Identity Center ----------------------------------------------------------------------


@dataclass
class IdcInstance:
    instance_arn: str
    identity_store_id: str
    owner_account: str
    region: str
    created: _dt.datetime
    kind: str = "ORGANIZATION"  # or "ACCOUNT" (made by sso-admin create_instance outside an organization)
    name: str = ""

    @property
    def identity_store_arn(self) -> str:
        return f"arn:aws:identitystore::{self.owner_account}:identitystore/{self.identity_store_id}"

    @property
    def portal_url(self) -> str:
        return f"https://{self.identity_store_id}.awsapps.com/start"


@dataclass
class MappingRow:
    """One row of an application's attribute mappings, as the IdC console shows it."""

    attribute: str  # "Subject" or the full SAML attribute name
    value: str  # a literal, or an expression such as ${user:email}
    format: str = "unspecified"


@dataclass
class Application:
    arn: str
    app_id: str  # apl-<16 hex>
    name: str
    provider_arn: str
    instance_arn: str
    account: str
    region: str
    created: _dt.datetime
    description: str = ""
    status: str = "ENABLED"
    created_from: str = "console"
    # SAML settings (console only)
    relay_state: str = ""
    acs_url: str = "https://signin.aws.amazon.com/saml"
    audience: str = AWS_AUDIENCE
    session_duration: int = 3600
    mappings: list[MappingRow] = field(default_factory=list)
    certificate_pem: bytes = b""
    private_key_pem: bytes = b""
    encryption_certificate_pem: bytes = b""  # set: the application encrypts its assertions to this certificate
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (PrincipalType, PrincipalId)
    assignment_required: bool = True

    @property
    def saml(self) -> bool:
        return bool(self.certificate_pem)


# ---- the backend ------------------------------------------------------------------------------


class WorkshopBackend(BaseBackend):
    """Everything the sandbox keeps beside moto, for one account in one Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.connect: dict[str, ConnectInstanceExtras] = {}  # by Connect instance ID
        self.idc: IdcInstance | None = None  # the Identity Center instance whose home is this Region
        self.applications: dict[str, Application] = {}  # by application ARN (console SAML and API OAuth apps)
        self.passwords: dict[tuple[str, str], str] = {}  # (identity store ID, user ID) -> salted hash


workshop_backends: BackendDict[WorkshopBackend] = BackendDict(WorkshopBackend, "sso-admin")


def backend(account: str, region: str) -> WorkshopBackend:
    return workshop_backends[account][region]


def idc_home(account: str) -> WorkshopBackend | None:
    """The backend of the Region where this account's Identity Center instance lives, if any."""
    if account not in workshop_backends:
        return None
    for region_backend in dict.values(workshop_backends[account]):
        if region_backend.idc is not None:
            return region_backend
    return None
