"""Delete what the ledger says the workshop created — in dependency order, by identity, and nothing else.

Only entries the workshop made ("created", or "pending" from an interrupted run) are deleted; what it found
(an employee, someone's group) or used as it is (adopted) is kept. Each delete checks identity again at
delete time: a role by its RoleId, a policy by its PolicyId and owner tag, a provider by its owner tag, an
instance and users by their IDs. A resource replaced since (same name, new ID, someone else's tag) is kept
and reported. An Identity Center user is deleted only when nothing else refers to it: no membership the
workshop did not add, no account assignment, no assignment to an application that is not the workshop's.

Never deleted: the Organization and the Identity Center instance. The applications added in the console
are deleted in the sandbox; on AWS they are listed (by name and ARN, only those that exist) for the learner.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from workshop_lib.aws.errors import error_code, translate
from workshop_lib.aws.ownership import LEGACY_TAG_VALUE, is_ours, tag_owner, words
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context
    from workshop_lib.settings import LedgerEntry

ORDER = (
    "sso.assignment",
    "sso.application",
    "identitystore.membership",
    "identitystore.user",
    "identitystore.group",
    "iam.role",
    "iam.policy",
    "iam.saml_provider",
    "connect.user",
    "connect.instance",
)
KEPT = {
    "organizations.organization": "the Organization may hold other accounts; remove it in the Organizations console if it was made only for this workshop",
}
NOT_OURS = {
    "found": "it was there before the workshop (the workshop used it, but did not make it)",
    "adopted": "you chose to use it as it is: the workshop never changes or deletes it",
}
GONE = {"NoSuchEntity", "ResourceNotFoundException", "NotFoundException"}
# The main delete call of each kind, to name it when it fails.
_ACTIONS = {
    "sso.assignment": "sso:DeleteApplicationAssignment",
    "sso.application": "sso:DeleteApplication",
    "identitystore.membership": "identitystore:DeleteGroupMembership",
    "identitystore.user": "identitystore:DeleteUser",
    "identitystore.group": "identitystore:DeleteGroup",
    "iam.role": "iam:DeleteRole",
    "iam.policy": "iam:DeletePolicy",
    "iam.saml_provider": "iam:DeleteSAMLProvider",
    "connect.user": "connect:DeleteUser",
    "connect.instance": "connect:DeleteInstance",
}


class _Gone(Exception):
    """The resource no longer exists: nothing to delete."""


@dataclass
class CleanupPlan:
    delete: list["LedgerEntry"] = field(default_factory=list)
    keep: list[tuple["LedgerEntry", str]] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # the stored metadata files, removed at the end

    def lines(self) -> list[str]:
        out = [f"delete the {words(e.kind)} {e.name}" for e in self.delete]
        out += [f"keep   the {words(e.kind)} {e.name}: {why}" for e, why in self.keep]
        out += [f"remove the downloaded metadata file {p.name}" for p in self.files]
        out += [f"by hand: {m}" for m in self.manual]
        return out


@dataclass
class CleanupResult:
    deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in the ledger, but still used by something not ours, or replaced
    files: list[str] = field(default_factory=list)


def plan_cleanup(ctx: "Context") -> CleanupPlan:
    from workshop_lib.metadata_files import metadata_path

    s = ctx.settings
    plan = CleanupPlan()
    rank = {kind: i for i, kind in enumerate(ORDER)}
    for entry in sorted(s.ledger, key=lambda e: rank.get(e.kind, len(ORDER))):
        if entry.kind in KEPT:
            plan.keep.append((entry, KEPT[entry.kind]))
        elif not entry.ours:
            plan.keep.append((entry, NOT_OURS.get(entry.origin, "not the workshop's")))
        elif entry.kind in rank and (entry.kind != "sso.application" or ctx.is_sandbox):
            plan.delete.append(entry)
    plan.files = [p for p in (metadata_path(k) for k in ("agent", "admin")) if p.exists()]
    if not ctx.is_sandbox:
        plan.manual += _applications_by_hand(ctx)
        plan.manual.append("IAM Identity Center itself, only if you enabled it just for this workshop (IAM Identity Center console → Settings → Delete)")
    return plan


def _applications_by_hand(ctx: "Context") -> list[str]:
    """The workshop's applications that exist, with where to remove them (no API removes a console-added one)."""
    from workshop_lib.aws.resources import find_application

    s = ctx.settings
    region = s.identity_center_region
    lines = []
    for key in ("agent_app", "admin_app"):
        name = s.name(key)
        try:
            app = find_application(ctx, name)
        except WorkshopError:
            app = None  # Identity Center not enabled or not readable: nothing of ours to list
        if app:
            lines.append(f"the IAM Identity Center application {name!r} ({app['ApplicationArn']}): "
                         f"https://{region}.console.aws.amazon.com/singlesignon/home?region={region}#/applications → select it → Actions → Remove")
    return lines


def run_cleanup(ctx: "Context", plan: CleanupPlan | None = None, progress: Callable[[float, str], None] | None = None) -> CleanupResult:
    """Delete the plan's resources one by one; each success is removed from the ledger at once."""
    import botocore.exceptions

    plan = plan or plan_cleanup(ctx)
    result = CleanupResult()
    for i, entry in enumerate(plan.delete):
        label = f"{words(entry.kind)} {entry.name}"
        if progress:
            progress(i / max(len(plan.delete), 1), f"Deleting the {label}")
        try:
            kept = _DELETERS[entry.kind](ctx, entry)
            if kept:
                result.kept.append(f"{label}: {kept}")
            else:
                result.deleted.append(label)
        except _Gone:
            result.already_gone.append(label)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, WorkshopError) as exc:
            if error_code(exc) in GONE:
                result.already_gone.append(label)
            else:  # kept in the ledger, so running cleanup again retries it; the others go on
                result.failed.append(f"{label}: {translate(exc, _ACTIONS.get(entry.kind, ''))}")
                continue
        with ctx.update() as s:
            s.forget(entry.kind, entry.name)
            if entry.kind == "connect.instance" and s.instance_id == entry.id:
                s.instance_id = s.instance_arn = ""
            if entry.kind == "iam.role":
                s.role_ids.pop(entry.name, None)
    if not result.failed:
        for path in plan.files:
            path.unlink(missing_ok=True)
            result.files.append(path.name)
    if progress:
        progress(1.0, "Cleanup finished.")
    return result


def _replaced(what: str) -> str:
    return f"kept: replaced since the workshop made it ({what}), so it is not the workshop's any more"


def _store(ctx: "Context") -> str:
    from workshop_lib.aws.resources import identity_store_id

    return identity_store_id(ctx)


def _assignment(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("sso-admin").delete_application_assignment(ApplicationArn=e.arn, PrincipalId=e.id, PrincipalType=e.extra.get("principal_type", "GROUP"))


def _application(ctx: "Context", e: "LedgerEntry") -> str | None:
    """Sandbox only: the application the simulated console added, unless someone else's principals use it."""
    from workshop_lib.aws.resources import application_assignments

    others = application_assignments(ctx, e.arn)
    if others:
        return f"kept: {len(others)} assignment(s) the workshop did not make still use it"
    ctx.client("sso-admin").delete_application(ApplicationArn=e.arn)
    return None


def _membership(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("identitystore").delete_group_membership(IdentityStoreId=_store(ctx), MembershipId=e.id)


def _idc_user(ctx: "Context", e: "LedgerEntry") -> str | None:
    """Delete the user the workshop made, unless something the workshop did not make refers to it."""
    from workshop_lib.aws.resources import find_idc_user, paginate, require_idc_instance

    user_id = e.id or find_idc_user(ctx, e.name) or ""
    if not user_id:
        raise _Gone()
    idc, store = ctx.client("identitystore"), _store(ctx)
    user = idc.describe_user(IdentityStoreId=store, UserId=user_id)  # ResourceNotFoundException: gone
    if user.get("UserName", e.name) != e.name:
        return _replaced(f"that ID is now {user.get('UserName')!r}")
    groups = paginate(idc, "list_group_memberships_for_member", "GroupMemberships", IdentityStoreId=store, MemberId={"UserId": user_id})
    if groups:  # the workshop's own memberships were deleted first: these are someone else's
        return f"kept: {len(groups)} other group(s) still hold this user"
    instance = require_idc_instance(ctx)["InstanceArn"]
    accounts = paginate(ctx.client("sso-admin"), "list_account_assignments_for_principal", "AccountAssignments", InstanceArn=instance,
                        PrincipalId=user_id, PrincipalType="USER")
    if accounts:
        return f"kept: the user has {len(accounts)} AWS account assignment(s) the workshop did not make"
    ours = {a.arn for a in ctx.settings.ledger if a.kind in ("sso.assignment", "sso.application") and a.arn}
    apps = [a for a in paginate(ctx.client("sso-admin"), "list_application_assignments_for_principal", "ApplicationAssignments", InstanceArn=instance,
                                PrincipalId=user_id, PrincipalType="USER") if a.get("ApplicationArn") not in ours]
    if apps:
        return f"kept: the user is assigned to {len(apps)} application(s) that are not the workshop's"
    idc.delete_user(IdentityStoreId=store, UserId=user_id)
    return None


def _idc_group(ctx: "Context", e: "LedgerEntry") -> str | None:
    from workshop_lib.aws.resources import find_group

    group_id = e.id or find_group(ctx, e.name) or ""
    if not group_id:
        raise _Gone()
    idc = ctx.client("identitystore")
    group = idc.describe_group(IdentityStoreId=_store(ctx), GroupId=group_id)  # ResourceNotFoundException: gone
    if group.get("DisplayName", e.name) != e.name:
        return _replaced(f"that ID is now the group {group.get('DisplayName')!r}")
    idc.delete_group(IdentityStoreId=_store(ctx), GroupId=group_id)
    return None


def _legacy_same(tags: object, recorded: str, actual: str) -> bool:
    """Tagged before owner ids existed: ours only if it is the very resource the ledger recorded."""
    return tag_owner(tags) == LEGACY_TAG_VALUE and bool(recorded) and recorded == actual  # type: ignore[arg-type]


def _role(ctx: "Context", e: "LedgerEntry") -> str | None:
    from workshop_lib.aws.resources import get_role, paginate, role_tags

    role = get_role(ctx, e.name)
    if role is None:
        raise _Gone()
    if e.id and role.get("RoleId") != e.id:
        return _replaced(f"its RoleId is {role.get('RoleId')}, the workshop made {e.id}")
    tags = role.get("Tags") or role_tags(ctx, e.name)
    if not (is_ours(ctx, tags) or _legacy_same(tags, e.id, role.get("RoleId", ""))):
        return "kept: it does not carry your owner tag, so it is not the workshop's"
    iam = ctx.client("iam")
    for p in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=e.name):
        with _already_done_is_fine():
            iam.detach_role_policy(RoleName=e.name, PolicyArn=p["PolicyArn"])
    for name in paginate(iam, "list_role_policies", "PolicyNames", RoleName=e.name):
        with _already_done_is_fine():
            iam.delete_role_policy(RoleName=e.name, PolicyName=name)
    iam.delete_role(RoleName=e.name)
    return None


def _policy(ctx: "Context", e: "LedgerEntry") -> str | None:
    iam = ctx.client("iam")
    policy = iam.get_policy(PolicyArn=e.arn)["Policy"]  # NoSuchEntity: gone
    if e.id and policy.get("PolicyId") != e.id:
        return _replaced(f"its PolicyId is {policy.get('PolicyId')}, the workshop made {e.id}")
    tags = policy.get("Tags") or iam.list_policy_tags(PolicyArn=e.arn).get("Tags", [])
    if not (is_ours(ctx, tags) or _legacy_same(tags, e.id, policy.get("PolicyId", ""))):
        return "kept: it does not carry your owner tag, so it is not the workshop's"
    if policy.get("AttachmentCount"):
        from workshop_lib.aws.resources import paginate

        roles = {r["RoleName"] for r in paginate(iam, "list_entities_for_policy", "PolicyRoles", PolicyArn=e.arn)}
        adopted = {a.split(":", 1)[1] for a in ctx.settings.adopt if a.startswith("iam.role:")}
        ours = {r.name for r in ctx.settings.of_kind("iam.role")} - adopted  # roles used as they are stay
        # IAM refuses to delete a policy that is still attached (DeleteConflict, API_DeletePolicy): keep it when a
        # role, user or group the workshop does not delete holds it; an own role still holding it is retried later.
        if roles - ours or policy["AttachmentCount"] > len(roles):
            return f"kept: it is attached to {policy['AttachmentCount']} role(s), user(s) or group(s) the workshop did not make"
    for v in iam.list_policy_versions(PolicyArn=e.arn)["Versions"]:
        if not v["IsDefaultVersion"]:
            with _already_done_is_fine():
                iam.delete_policy_version(PolicyArn=e.arn, VersionId=v["VersionId"])
    iam.delete_policy(PolicyArn=e.arn)
    return None


@contextlib.contextmanager
def _already_done_is_fine() -> Iterator[None]:
    """A preparatory delete whose answer was lost and whose retry finds nothing left: that part is done.

    Without this, its NoSuchEntity would read as "the resource is already gone" and the resource
    itself (the role, the policy) would be dropped from the ledger without being deleted.
    """
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) not in GONE:
            raise


def _provider(ctx: "Context", e: "LedgerEntry") -> str | None:
    from workshop_lib.aws.resources import saml_provider_tags

    tags = saml_provider_tags(ctx, e.arn)
    if tags is None:
        raise _Gone()
    if not is_ours(ctx, tags):
        return _replaced("it does not carry your owner tag") if tag_owner(tags) else "kept: it carries no workshop tag, so it is not the workshop's"
    ctx.client("iam").delete_saml_provider(SAMLProviderArn=e.arn)
    return None


def _connect_user(ctx: "Context", e: "LedgerEntry") -> None:
    # A user's ARN is arn:aws:connect:<region>:<account>:instance/<instance id>/agent/<user id>.
    instance_id = e.arn.split(":instance/", 1)[1].split("/", 1)[0] if ":instance/" in e.arn else ctx.settings.instance_id
    if not instance_id or not e.id:  # nothing says where it lives: its instance was deleted, and its users with it
        return
    ctx.client("connect").delete_user(InstanceId=instance_id, UserId=e.id)


def _instance(ctx: "Context", e: "LedgerEntry") -> str | None:
    from workshop_lib.aws.resources import describe_instance, list_instances

    instance_id = e.id
    if not instance_id:  # interrupted before the create call answered: find it by its alias, and its tag
        found = [i for i in list_instances(ctx) if i.get("InstanceAlias") == e.name]
        if not found:
            raise _Gone()
        instance_id = found[0]["Id"]
        described = describe_instance(ctx, instance_id) or {}
        if not is_ours(ctx, described.get("Tags")):
            return "kept: an instance with this alias exists but does not carry your owner tag"
    ctx.client("connect").delete_instance(InstanceId=instance_id)
    return None


_DELETERS: dict[str, Callable[["Context", "LedgerEntry"], "str | None"]] = {
    "sso.assignment": _assignment,
    "sso.application": _application,
    "identitystore.membership": _membership,
    "identitystore.user": _idc_user,
    "identitystore.group": _idc_group,
    "iam.role": _role,
    "iam.policy": _policy,
    "iam.saml_provider": _provider,
    "connect.user": _connect_user,
    "connect.instance": _instance,
}
