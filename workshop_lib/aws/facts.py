"""Read the sign-in chain through boto3 into the doctor's snapshot (``aws.snapshot.Facts``).

``gather_facts`` reads the whole chain with paginated list calls, so for N agents the number of calls grows
with pages, not with N. What no API can read (relay state, attribute mappings, audience) comes only through
``aws.console``: the sandbox's simulated console, or the values the learner pasted back on a real account
(or the rehearsal target); with neither, the doctor asks the learner to verify by eye.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from workshop_lib.aws.errors import BAD_KEY_CODES, EXPIRED_CODES
from workshop_lib.aws.iam_facts import read_iam
from workshop_lib.aws.paging import page_config
from workshop_lib.aws.snapshot import (ApplicationFacts, ConnectUser, ConsoleSettingsProvider, Facts, GroupFacts, IdcUser,
                                       IdentityCenterFacts, InstanceFacts, OrganizationFacts, Unreadable, chains_from, metadata_for)
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.settings import Settings

# describe_user is the only per-user call, and only to find one Admin-profile user (F21).
MAX_ADMIN_PROBES = 5

_MISSING = {"ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException", "AWSOrganizationsNotInUseException"}
_FATAL = EXPIRED_CODES | BAD_KEY_CODES  # credentials that cannot work: stop reading, say why
_NOT_IMPLEMENTED = {"500", "404", "501", "NotImplemented", "InternalFailure", "InternalServerError"}

ClientFactory = Callable[[str], Any]


# ---- reading -----------------------------------------------------------------------------------


_CLIENTS_LOCK = threading.Lock()


class _Reader:
    """Calls boto3, turning 'not found' into None and denied or unsupported reads into Unreadable facts."""

    def __init__(self, client: ClientFactory, page_size: Optional[int], unreadable: list[Unreadable],
                 clients: Optional[dict[str, Any]] = None) -> None:
        self._client = client
        self._clients: dict[str, Any] = {} if clients is None else clients  # shared by the readers of one pass
        self.page_size = page_size
        self.unreadable = unreadable

    def another(self) -> "_Reader":
        """A reader for another part of the chain, read at the same time: its own list of what it could not
        read, the same clients (boto3 clients are thread-safe; sessions are not, so clients are made under a lock)."""
        return _Reader(self._client, self.page_size, [], self._clients)

    def client(self, service: str) -> Any:
        with _CLIENTS_LOCK:
            if service not in self._clients:
                import botocore.exceptions as bx

                from workshop_lib.aws.errors import translate

                try:
                    self._clients[service] = self._client(service)
                except bx.BotoCoreError as exc:  # e.g. a Region botocore does not know
                    raise translate(exc, f"creating the {service} client") from None
            return self._clients[service]

    def call(self, action: str, fn: Callable[[], Any]) -> Any:
        """The call's result; None when the thing does not exist or cannot be read (then recorded)."""
        import botocore.exceptions as bx
        from botocore.parsers import ResponseParserError

        from workshop_lib.aws.errors import error_code, translate

        try:
            return fn()
        except bx.ClientError as exc:
            code = error_code(exc)
            if code in _MISSING:
                return None
            if code in _FATAL:
                raise translate(exc, action) from None
            message = str(exc.response.get("Error", {}).get("Message", "")).strip() or code
            if code in _NOT_IMPLEMENTED:
                code, message = "not-implemented", f"this target does not answer {action} ({message[:120]})"
            self.unreadable.append(Unreadable(action, code, message))
            return None
        except (ResponseParserError, NotImplementedError) as exc:
            self.unreadable.append(
                Unreadable(action, "not-implemented", f"this target does not answer {action} ({exc})"[:300])
            )
            return None
        except (
            bx.NoCredentialsError,
            bx.PartialCredentialsError,
            bx.EndpointConnectionError,
            bx.ConnectTimeoutError,
            bx.ReadTimeoutError,
            bx.ConnectionClosedError,
        ) as exc:
            raise translate(exc, action) from None
        except bx.BotoCoreError as exc:
            self.unreadable.append(Unreadable(action, type(exc).__name__, str(exc)))
            return None

    def pages(self, service: str, operation: str, action: str, key: str, **kwargs: Any) -> Optional[list[dict]]:
        """Every item of a paginated list call at the largest page size (or the page size asked for)."""
        config = page_config(service, operation, self.page_size)

        def run() -> list[dict]:
            items: list[dict] = []
            paginator = self.client(service).get_paginator(operation)
            for page in paginator.paginate(**kwargs, PaginationConfig=config):
                items.extend(page.get(key, []) or [])
            return items

        return self.call(action, run)


def gather_facts(
    settings: "Settings",
    *,
    metadata: Optional[Mapping[str, Any]] = None,
    console_settings: Optional[ConsoleSettingsProvider] = None,
    page_size: Optional[int] = None,
    client: Optional[ClientFactory] = None,
) -> Facts:
    """Read the whole chain for the settings' target into a Facts snapshot.

    ``metadata`` maps an app (display name, side ``agent``/``admin`` or file stem) to the metadata the
    learner downloaded; ``console_settings(app_name)`` returns console-only values when a source exists.
    """
    if client is None:
        from workshop_lib.aws.session import client as session_client

        def client(service: str) -> Any:
            return session_client(service, settings)

    chains = chains_from(settings)
    facts = Facts(
        target=settings.target,
        region=settings.region,
        idc_region=settings.identity_center_region,
        account_id=settings.account_id or _account_from_arn(settings.instance_arn),
        instance=InstanceFacts(id=settings.instance_id),
        chains=chains,
        recorded_role_ids=dict(settings.role_ids),
        ledger_idc_users=[e.name for e in settings.of_kind("identitystore.user")],
    )
    reader = _Reader(client, page_size, facts.unreadable)
    _read_instance(reader, facts)  # first: its ARN names the account, which IAM's reads need
    # IAM and Identity Center are read side by side (each reader fills its own part of the snapshot); the
    # Connect users need the instance and Identity Center. What could not be read keeps a fixed order.
    parts = [(read, reader.another()) for read in (read_iam, _read_identity_center)]
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="facts") as pool:
        running = [pool.submit(read, part, facts) for read, part in parts]
        for done in running:
            done.result()  # the first failure (no credentials, no network) is raised, in this order
    for _read, part in parts:
        facts.unreadable.extend(part.unreadable)
    _read_connect_users(reader, facts)
    _read_app_inputs(facts, metadata or {}, console_settings)
    return facts


def _account_from_arn(arn: str) -> str:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 else ""


def _read_instance(reader: _Reader, facts: Facts) -> None:
    if not facts.instance.id:
        return
    found = reader.call(
        "connect:DescribeInstance", lambda: reader.client("connect").describe_instance(InstanceId=facts.instance.id)
    )
    if not found:
        return
    inst = found.get("Instance", {})
    facts.instance = InstanceFacts(
        id=inst.get("Id", facts.instance.id),
        found=True,
        arn=inst.get("Arn", ""),
        alias=inst.get("InstanceAlias", ""),
        identity_management_type=inst.get("IdentityManagementType", ""),
        status=inst.get("InstanceStatus", ""),
        access_url=inst.get("InstanceAccessUrl", ""),
    )
    facts.account_id = _account_from_arn(facts.instance.arn) or facts.account_id


def _read_identity_center(reader: _Reader, facts: Facts) -> None:
    org = reader.call(
        "organizations:DescribeOrganization", lambda: reader.client("organizations").describe_organization()
    )
    if org is not None:
        o = org.get("Organization", {})
        facts.organization = OrganizationFacts(
            True, o.get("Id", ""), o.get("MasterAccountId", ""), o.get("FeatureSet", "")
        )
    elif not any(u.action.startswith("organizations:") for u in reader.unreadable):  # this reader's own list
        facts.organization = OrganizationFacts(False)

    instances = reader.pages("sso-admin", "list_instances", "sso:ListInstances", "Instances")
    active = [i for i in instances or [] if i.get("Status", "ACTIVE") == "ACTIVE"]
    if not active:
        return
    inst = active[0]
    idc = IdentityCenterFacts(
        inst.get("InstanceArn", ""),
        inst.get("IdentityStoreId", ""),
        inst.get("OwnerAccountId", ""),
        inst.get("Status", ""),
    )
    facts.identity_center = idc

    apps = reader.pages("sso-admin", "list_applications", "sso:ListApplications", "Applications", InstanceArn=idc.arn)
    if apps is not None:
        by_name = {a.get("Name"): a for a in apps}
        for side, chain in facts.chains.items():
            raw = by_name.get(chain.app)
            if raw is None:
                facts.applications[side] = None
                continue
            app = ApplicationFacts(
                chain.app, raw.get("ApplicationArn", ""), raw.get("Status", ""), raw.get("ApplicationProviderArn", "")
            )
            assignments = (
                reader.pages(
                    "sso-admin",
                    "list_application_assignments",
                    "sso:ListApplicationAssignments",
                    "ApplicationAssignments",
                    ApplicationArn=app.arn,
                )
                or []
            )
            app.assigned_groups = [a["PrincipalId"] for a in assignments if a.get("PrincipalType") == "GROUP"]
            app.assigned_users = [a["PrincipalId"] for a in assignments if a.get("PrincipalType") == "USER"]
            facts.applications[side] = app

    store = idc.identity_store_id
    ids = reader.client("identitystore")
    for side, chain in facts.chains.items():
        group = GroupFacts(chain.group)
        got = reader.call(
            "identitystore:GetGroupId",
            lambda name=chain.group: ids.get_group_id(
                IdentityStoreId=store,
                AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}},
            ),
        )
        if got:
            group.id, group.found = got.get("GroupId", ""), True
            members = (
                reader.pages(
                    "identitystore",
                    "list_group_memberships",
                    "identitystore:ListGroupMemberships",
                    "GroupMemberships",
                    IdentityStoreId=store,
                    GroupId=group.id,
                )
                or []
            )
            group.member_ids = [m["MemberId"]["UserId"] for m in members if "UserId" in (m.get("MemberId") or {})]
        facts.groups[side] = group

    users = reader.pages("identitystore", "list_users", "identitystore:ListUsers", "Users", IdentityStoreId=store) or []
    for raw in users:
        emails = [e.get("Value", "") for e in raw.get("Emails", []) or [] if e.get("Value")]
        primary = next((e.get("Value", "") for e in raw.get("Emails", []) or [] if e.get("Primary")), "")
        facts.idc_users[raw["UserId"]] = IdcUser(
            raw["UserId"],
            raw.get("UserName", ""),
            primary or (emails[0] if emails else ""),
            emails,
            raw.get("DisplayName", ""),
        )


def _read_connect_users(reader: _Reader, facts: Facts) -> None:
    if not facts.instance.found:
        return
    connect = reader.client("connect")
    instance_id = facts.instance.id
    users = reader.pages("connect", "list_users", "connect:ListUsers", "UserSummaryList", InstanceId=instance_id)
    for raw in users or []:
        facts.connect_users[raw.get("Username", "")] = ConnectUser(raw.get("Id", ""), raw.get("Username", ""))
    profiles = (
        reader.pages(
            "connect",
            "list_security_profiles",
            "connect:ListSecurityProfiles",
            "SecurityProfileSummaryList",
            InstanceId=instance_id,
        )
        or []
    )
    facts.security_profiles = {p.get("Name", ""): p.get("Id", "") for p in profiles}
    admin_profile = facts.security_profiles.get(facts.chains["admin"].security_profile)
    if not admin_profile:
        return
    # F21 needs one Admin-profile user whose username is an IdC email: probe the admin group's members only.
    probes = 0
    for user in facts.users_in("admin"):
        connect_user = facts.connect_users.get(user.email)
        if connect_user is None or probes >= MAX_ADMIN_PROBES:
            continue
        probes += 1
        got = reader.call(
            "connect:DescribeUser",
            lambda uid=connect_user.id: connect.describe_user(InstanceId=instance_id, UserId=uid),
        )
        if got:
            connect_user.security_profile_ids = list(got.get("User", {}).get("SecurityProfileIds", []) or [])
            if admin_profile in connect_user.security_profile_ids:
                return


def _read_app_inputs(facts: Facts, metadata: Mapping[str, Any], provider: Optional[ConsoleSettingsProvider]) -> None:
    for side, chain in facts.chains.items():
        found = metadata_for(chain, metadata)
        if found is not None:
            facts.app_metadata[side] = found
        if provider is None or (side in facts.applications and facts.applications[side] is None):
            continue  # no console source, or the app does not exist (F16): nothing to read
        try:
            settings = provider(chain)
        except WorkshopError as exc:
            facts.unreadable.append(Unreadable("console:GetApplicationSettings", exc.code, exc.message))
            continue
        except Exception as exc:  # noqa: BLE001 - a console that cannot answer is reported, not fatal
            facts.unreadable.append(Unreadable("console:GetApplicationSettings", type(exc).__name__, str(exc)[:300]))
            continue
        if settings is None:
            continue
        facts.console[side] = settings
        if settings.metadata:  # the console's current metadata beats a file downloaded before a rotation
            facts.app_metadata[side] = settings.metadata
