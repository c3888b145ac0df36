"""The doctor's snapshot of the sign-in chain: plain dataclasses, no boto3 objects (read by ``aws.facts``).

``Facts`` is what the doctor's pure checks judge; ``chains_from`` gives the names the settings use, and
``ConsoleSettings`` holds the values only the IAM Identity Center console shows, in one spelling: attribute
mappings keyed by their short names (Subject, Role, RoleSessionName, SessionDuration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from workshop_lib.errors import WorkshopError
from workshop_lib.rules.chain import SIDES, SideNames

if TYPE_CHECKING:
    from workshop_lib.settings import Settings

# Where console-only values came from: the sandbox's simulated console, or what the learner pasted back
# (then only the relay state and the Role row are known; the other rows stay "verify by eye").
FROM_CONSOLE = "console"
PASTED = "pasted"

# ---- the snapshot ------------------------------------------------------------------------------


@dataclass
class InstanceFacts:
    """The Amazon Connect instance, from describe_instance."""

    id: str
    found: bool = False
    arn: str = ""
    alias: str = ""
    identity_management_type: str = ""
    status: str = ""
    access_url: str = ""


@dataclass
class ProviderFacts:
    """An IAM SAML provider and the metadata document IAM holds for it."""

    name: str
    arn: str
    found: bool = False
    metadata: str = ""
    encryption_mode: str = ""  # AssertionEncryptionMode: "Required", "Allowed" or "" (not set)
    private_keys: int = 0  # how many private keys IAM holds to decrypt assertions (PrivateKeyList)


@dataclass
class PolicyDocument:
    """A permission policy attached to or inside a role."""

    name: str
    arn: str = ""  # empty for an inline policy
    document: Optional[dict] = None
    inline: bool = False


@dataclass
class RoleFacts:
    """An IAM role: its RoleId (F10), trust policy (F2/F13) and permission policies (F9)."""

    name: str
    found: bool = False
    arn: str = ""
    role_id: str = ""
    path: str = "/"
    trust_policy: Optional[dict] = None
    policies: list[PolicyDocument] = field(default_factory=list)
    max_session_duration: int = 0  # seconds; 0 when unread (F22 when shorter than the mapping's SessionDuration)


@dataclass
class OrganizationFacts:
    exists: bool = False
    id: str = ""
    management_account: str = ""
    feature_set: str = ""


@dataclass
class IdentityCenterFacts:
    """The IAM Identity Center instance in the IdC Region (None in Facts when there is none)."""

    arn: str
    identity_store_id: str
    owner_account: str = ""
    status: str = ""


@dataclass
class ApplicationFacts:
    """An IAM Identity Center application and the principals assigned to it."""

    name: str
    arn: str = ""
    status: str = ""
    provider_arn: str = ""
    assigned_groups: list[str] = field(default_factory=list)
    assigned_users: list[str] = field(default_factory=list)


@dataclass
class IdcUser:
    id: str
    user_name: str
    email: str = ""  # the primary (else first) email: what ${user:email} sends as RoleSessionName
    emails: list[str] = field(default_factory=list)
    display_name: str = ""


@dataclass
class GroupFacts:
    name: str
    id: str = ""
    found: bool = False
    member_ids: list[str] = field(default_factory=list)


@dataclass
class ConnectUser:
    id: str
    username: str
    security_profile_ids: Optional[list[str]] = None  # None = not read (describe_user is per user)


@dataclass
class ConsoleSettings:
    """What only the IdC console shows for an application: relay state, attribute mappings, audience, ACS."""

    relay_state: Optional[str] = None
    attribute_mappings: Optional[dict[str, str]] = None  # short name (Subject, Role, …) -> value
    audience: Optional[str] = None
    acs: Optional[str] = None
    metadata: Optional[str] = None  # the application's current IdP metadata, when the console offers it
    source: str = FROM_CONSOLE  # FROM_CONSOLE, or PASTED: only relay_state and the Role row are known

    @property
    def pasted(self) -> bool:
        return self.source == PASTED


@dataclass
class Unreadable:
    """A read that failed: the doctor says so instead of guessing."""

    action: str  # e.g. "sso:ListApplications"
    code: str  # AWS error code, "not-implemented", or ""
    message: str


@dataclass
class Facts:
    """A plain snapshot of the sign-in chain; the doctor's checks read only this."""

    target: str
    region: str
    idc_region: str
    account_id: str
    instance: InstanceFacts
    chains: dict[str, SideNames]
    providers: dict[str, ProviderFacts] = field(default_factory=dict)
    roles: dict[str, RoleFacts] = field(default_factory=dict)
    organization: Optional[OrganizationFacts] = None
    identity_center: Optional[IdentityCenterFacts] = None
    applications: dict[str, Optional[ApplicationFacts]] = field(default_factory=dict)  # side -> app
    groups: dict[str, GroupFacts] = field(default_factory=dict)  # side -> group
    idc_users: dict[str, IdcUser] = field(default_factory=dict)  # user id -> user
    connect_users: dict[str, ConnectUser] = field(default_factory=dict)  # username -> user
    security_profiles: dict[str, str] = field(default_factory=dict)  # name -> id
    app_metadata: dict[str, str] = field(default_factory=dict)  # side -> current app metadata (files/console)
    console: dict[str, ConsoleSettings] = field(default_factory=dict)  # side -> console-only values
    recorded_role_ids: dict[str, str] = field(default_factory=dict)  # role name -> RoleId first seen
    ledger_idc_users: list[str] = field(default_factory=list)  # user names the workshop created
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def partition(self) -> str:
        return _partition_of(self.region)

    def unreadable_for(self, *prefixes: str) -> list[Unreadable]:
        return [u for u in self.unreadable if u.action.startswith(prefixes)]

    def users_in(self, side: str) -> list[IdcUser]:
        group = self.groups.get(side)
        if not group:
            return []
        return [self.idc_users[i] for i in group.member_ids if i in self.idc_users]


# ---- names from the settings ------------------------------------------------------------------


def chains_from(settings: "Settings") -> dict[str, SideNames]:
    """Both sides' names as the settings give them (the workshop's defaults unless renamed or prefixed)."""
    return {key: side.names(settings.name) for key, side in SIDES.items()}


def _partition_of(region: str) -> str:
    try:
        from workshop_lib.rules.regions import partition_of

        return partition_of(region)
    except WorkshopError:
        return "aws"


# Reads an application's console-only values for one chain; None when there is no source for them.
ConsoleSettingsProvider = Callable[[SideNames], Optional[ConsoleSettings]]


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def metadata_for(chain: SideNames, metadata: Mapping[str, Any]) -> Optional[str]:
    """The app's metadata from a mapping keyed by app name, side, provider name or file stem (any case)."""
    wanted = {_slug(chain.app), _slug(chain.side), _slug(chain.provider), _slug(chain.app.rsplit("-", 1)[-1])}
    for key, value in metadata.items():
        if _slug(str(key)) in wanted and value is not None:
            return value.decode("utf-8", errors="replace") if isinstance(value, (bytes, bytearray)) else str(value)
    return None

