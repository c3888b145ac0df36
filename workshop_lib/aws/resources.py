"""Get-or-create for every resource the workshop makes: safe to repeat, tagged, recorded in the ledger.

Each ``ensure_*`` finds what exists first, by name. It changes an existing resource only when the
workshop tag carries this settings file's owner id (``aws/ownership.py``); one the learner chose to use
as it is is only read, and the change it needs is named for the learner; any other is someone else's and
the step stops (``NotOurs``). What does not exist is created, tagged and recorded. Each ``find_*`` is
read-only and is what the steps' checks use. People (Connect and Identity Center users, groups,
memberships) are made in bulk by ``aws/bulk.py``.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Optional

from workshop_lib.aws.paging import paginate  # noqa: F401 - re-exported: the one listing helper
from workshop_lib.aws.errors import error_code, explained
from workshop_lib.aws.ownership import NotOurs, is_ours, tags_map, why_not_ours
from workshop_lib.errors import AwsError, WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context

GROUP_DESCRIPTION_MARK = "(created by connect-sso-workshop)"


def _client_error() -> tuple[type[Exception], ...]:
    """botocore's failures: an error answer, or no answer at all (both end in ``explained``, never raw)."""
    import botocore.exceptions

    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)




# ---- account ---------------------------------------------------------------------------------

def account_id(ctx: "Context") -> str:
    s = ctx.settings
    if s.account_id:
        return s.account_id
    with explained("sts:GetCallerIdentity"):
        account = ctx.client("sts").get_caller_identity()["Account"]
    with ctx.update() as s:
        s.account_id = account
    return account


# ---- Amazon Connect instance -------------------------------------------------------------------

def describe_instance(ctx: "Context", instance_id: str | None = None) -> Optional[dict]:
    instance_id = instance_id or ctx.settings.instance_id
    if not instance_id:
        return None
    try:
        return ctx.client("connect").describe_instance(InstanceId=instance_id)["Instance"]
    except _client_error() as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with explained("connect:DescribeInstance"):
            raise


def list_instances(ctx: "Context") -> list[dict]:
    with explained("connect:ListInstances"):
        return paginate(ctx.client("connect"), "list_instances", "InstanceSummaryList")


def use_instance(ctx: "Context", instance: dict) -> None:
    """Make ``instance`` the workshop's instance in the settings (the learner picked or created it)."""
    with ctx.update() as s:
        s.instance_id = instance["Id"]
        s.instance_arn = instance["Arn"]
        s.account_id = instance["Arn"].split(":")[4]


def ensure_instance(ctx: "Context", alias: str) -> dict:
    """The workshop's SAML instance: the one in the settings, or a new one (idempotent via ClientToken)."""
    existing = describe_instance(ctx)
    if existing:
        return existing
    # An earlier run may have been stopped after the create call answered and before the settings were
    # written: the alias (ours, with its random digits) finds that instance, which is then adopted.
    made = next((i for i in list_instances(ctx) if i.get("InstanceAlias") == alias and i.get("InstanceStatus") != "CREATION_FAILED"), None)
    if made is not None:
        found = describe_instance(ctx, made["Id"]) or made
        if not is_ours(ctx, found.get("Tags")):  # the alias is ours by chance only: someone else's instance
            raise NotOurs("connect.instance", alias, why_not_ours(ctx, found.get("Tags")))
        use_instance(ctx, made)
        with ctx.update() as s:
            s.record("connect.instance", alias, id=made["Id"], arn=made["Arn"], region=s.region, origin="created", recovered=True)
        return found
    pending = ctx.settings.find("connect.instance", alias)
    token = (pending.extra.get("client_token") if pending else None) or uuid.uuid4().hex
    with ctx.update() as s:
        # Recorded before the call: an interrupted run re-sends the same token and gets the same instance.
        s.record("connect.instance", alias, region=s.region, origin="pending", client_token=token)
    client = ctx.client("connect")
    with explained("connect:CreateInstance"):
        created = client.create_instance(
            ClientToken=token,
            IdentityManagementType="SAML",
            InstanceAlias=alias,
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
            Tags=tags_map(ctx),
        )
    with ctx.update() as s:
        s.record("connect.instance", alias, id=created["Id"], arn=created["Arn"], region=s.region, origin="created")
        s.instance_id, s.instance_arn = created["Id"], created["Arn"]
        s.account_id = created["Arn"].split(":")[4]
    return describe_instance(ctx, created["Id"]) or {"Id": created["Id"], "Arn": created["Arn"], "InstanceStatus": "CREATION_IN_PROGRESS"}


def wait_instance_active(ctx: "Context", timeout: float = 600.0, poll: float = 0.2) -> dict:
    """Poll until the instance is ACTIVE, reporting progress; creation takes a few minutes on AWS."""
    started = time.monotonic()
    delay = poll
    while True:
        instance = describe_instance(ctx)
        if instance is None:
            raise AwsError("The Amazon Connect instance in the settings no longer exists.", fix="Run chapter 01 again to create or choose an instance.")
        status = instance.get("InstanceStatus")
        elapsed = time.monotonic() - started
        if status == "ACTIVE":
            ctx.progress(1.0, "The instance is active.")
            return instance
        if status == "CREATION_FAILED":
            reason = instance.get("StatusReason", {}).get("Message", "no reason given")
            raise AwsError(f"Amazon Connect could not create the instance: {reason}.", fix="Delete it in the Connect console, then run the step again with another alias.")
        if elapsed > timeout:
            raise AwsError(f"The instance is still {status} after {int(elapsed)} s.", fix="Wait a little and re-run this step: it continues where it stopped.")
        ctx.progress(min(0.95, elapsed / 120.0), f"Creating the instance ({status}, {int(elapsed)} s so far)…")
        time.sleep(delay)
        delay = min(delay * 1.5, 10.0)


def connect_users(ctx: "Context") -> dict[str, dict]:
    """Every Connect user of the instance by username (one paginated listing)."""
    with explained("connect:ListUsers"):
        users = paginate(ctx.client("connect"), "list_users", "UserSummaryList", InstanceId=ctx.settings.instance_id)
    return {u["Username"]: u for u in users}


# ---- Organizations and Identity Center ---------------------------------------------------------

def describe_organization(ctx: "Context") -> Optional[dict]:
    try:
        return ctx.client("organizations").describe_organization()["Organization"]
    except _client_error() as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return None
        with explained("organizations:DescribeOrganization"):
            raise


def ensure_organization(ctx: "Context") -> dict:
    """An Organization with all features. Never deleted by cleanup: it may hold other accounts."""
    org = describe_organization(ctx)
    if org:
        return org
    try:
        org = ctx.client("organizations").create_organization(FeatureSet="ALL")["Organization"]
    except _client_error() as exc:
        # A retry after a lost answer finds the Organization the first attempt made.
        org = describe_organization(ctx) if error_code(exc) == "AlreadyInOrganizationException" else None
        if org is None:
            with explained("organizations:CreateOrganization"):
                raise
    with ctx.update() as s:
        s.record("organizations.organization", org["Id"], id=org["Id"], arn=org["Arn"], keep=True)
    return org


def idc_instance(ctx: "Context") -> Optional[dict]:
    """The organization instance of IAM Identity Center in the IdC Region, if enabled (read once per context)."""
    s = ctx.settings
    remembered = getattr(ctx, "remembered", None)
    if remembered is None:
        return _idc_instance(ctx)
    return remembered(("sso:instance", s.target, s.profile, s.identity_center_region), lambda: _idc_instance(ctx))


def _idc_instance(ctx: "Context") -> Optional[dict]:
    with explained("sso:ListInstances"):
        instances = paginate(ctx.client("sso-admin"), "list_instances", "Instances")
    active = [i for i in instances if i.get("Status", "ACTIVE") == "ACTIVE"]
    return active[0] if active else None


def require_idc_instance(ctx: "Context") -> dict:
    inst = idc_instance(ctx)
    if not inst:
        region = ctx.settings.identity_center_region
        raise WorkshopError(f"IAM Identity Center is not enabled in {region}.", fix="Do chapter 02 first, or set the Identity Center Region in 00_start_here to the Region where it is enabled.")
    return inst


def find_application(ctx: "Context", display_name: str) -> Optional[dict]:
    inst = require_idc_instance(ctx)

    def read() -> list[dict]:
        with explained("sso:ListApplications"):
            return list(paginate(ctx.client("sso-admin"), "list_applications", "Applications", InstanceArn=inst["InstanceArn"]))

    apps = ctx.listing(("sso:ListApplications", inst["InstanceArn"]), read)
    matches = [a for a in apps if a.get("Name") == display_name]
    return matches[0] if matches else None


def require_application(ctx: "Context", display_name: str) -> dict:
    app = find_application(ctx, display_name)
    if not app:
        raise WorkshopError(f"There is no application called {display_name!r} in IAM Identity Center yet.", fix="Add it as described in chapter 03 (agents) or 06 (admins), with exactly this display name.")
    return app


def identity_store_id(ctx: "Context") -> str:
    return require_idc_instance(ctx)["IdentityStoreId"]


def find_idc_user(ctx: "Context", user_name: str) -> Optional[str]:
    store = identity_store_id(ctx)
    try:
        return ctx.client("identitystore").get_user_id(
            IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": user_name}}
        )["UserId"]
    except _client_error() as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with explained("identitystore:GetUserId"):
            raise


def find_group(ctx: "Context", name: str) -> Optional[str]:
    store = identity_store_id(ctx)
    try:
        return ctx.client("identitystore").get_group_id(
            IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}}
        )["GroupId"]
    except _client_error() as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with explained("identitystore:GetGroupId"):
            raise


def idc_users(ctx: "Context") -> dict[str, str]:
    """Identity Center user name → user ID (one paginated listing)."""
    with explained("identitystore:ListUsers"):
        users = paginate(ctx.client("identitystore"), "list_users", "Users", IdentityStoreId=identity_store_id(ctx))
    return {u["UserName"]: u["UserId"] for u in users}


def group_member_ids(ctx: "Context", group_id: str) -> dict[str, str]:
    """user ID → membership ID for a group (one paginated listing)."""
    with explained("identitystore:ListGroupMemberships"):
        members = paginate(ctx.client("identitystore"), "list_group_memberships", "GroupMemberships", IdentityStoreId=identity_store_id(ctx), GroupId=group_id)
    return {m["MemberId"]["UserId"]: m["MembershipId"] for m in members if "UserId" in m.get("MemberId", {})}


def application_assignments(ctx: "Context", app_arn: str) -> list[dict]:
    with explained("sso:ListApplicationAssignments"):
        return paginate(ctx.client("sso-admin"), "list_application_assignments", "ApplicationAssignments", ApplicationArn=app_arn)


def ensure_group_assignment(ctx: "Context", app_arn: str, group_id: str, label: str) -> None:
    """The group's assignment to the app. Recorded as pending before the call, so an interrupted run's assignment
    is recognised as ours; one that exists otherwise is recorded as found (someone else's) unless the group is ours."""
    exists = any(a["PrincipalId"] == group_id for a in application_assignments(ctx, app_arn))
    if not exists:
        with ctx.update() as s:
            s.record("sso.assignment", label, id=group_id, arn=app_arn, principal_type="GROUP", origin="pending")
        try:
            ctx.client("sso-admin").create_application_assignment(ApplicationArn=app_arn, PrincipalId=group_id, PrincipalType="GROUP")
        except _client_error() as exc:
            if error_code(exc) != "ConflictException":  # made by an earlier attempt whose answer was lost
                with explained("sso:CreateApplicationAssignment"):
                    raise
    with ctx.update() as s:
        known = s.find("sso.assignment", label)
        group_ours = any(e.id == group_id and e.origin == "created" for e in s.of_kind("identitystore.group"))
        ours = not exists or (known is not None and known.ours) or group_ours
        s.record("sso.assignment", label, id=group_id, arn=app_arn, principal_type="GROUP", origin="created" if ours else "found")


# ---- IAM: in aws/iam_resources.py, re-exported here for the steps and cleanup -------------------

from workshop_lib.aws.iam_resources import (  # noqa: E402,F401 - after account_id, which it uses; re-exported
    MAX_SESSION_SECONDS,
    provider_arn,
    get_saml_provider,
    saml_provider_tags,
    ensure_saml_provider,
    policy_arn,
    get_policy,
    policy_tags,
    get_policy_document,
    ensure_policy,
    get_role,
    role_tags,
    attached_policy_arns,
    ensure_role,
)
