"""Delete what the ledger says the workshop created — in dependency order, and nothing else.

Never deleted: the Organization and the Identity Center instance (they may serve other work),
and anything not in the ledger. The console-added applications have no reliable delete API for
catalog SAML apps, so they are listed for the learner to remove by hand.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from workshop_lib.aws.errors import error_code, translate
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context
    from workshop_lib.settings import LedgerEntry

ORDER = (
    "sso.assignment",
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
GONE = {"NoSuchEntity", "ResourceNotFoundException", "NotFoundException"}
# The main delete call of each kind, to name it when it fails.
_ACTIONS = {
    "sso.assignment": "sso:DeleteApplicationAssignment",
    "identitystore.membership": "identitystore:DeleteGroupMembership",
    "identitystore.user": "identitystore:DeleteUser",
    "identitystore.group": "identitystore:DeleteGroup",
    "iam.role": "iam:DeleteRole",
    "iam.policy": "iam:DeletePolicy",
    "iam.saml_provider": "iam:DeleteSAMLProvider",
    "connect.user": "connect:DeleteUser",
    "connect.instance": "connect:DeleteInstance",
}


@dataclass
class CleanupPlan:
    delete: list["LedgerEntry"] = field(default_factory=list)
    keep: list[tuple["LedgerEntry", str]] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"delete {e.kind} {e.name}" for e in self.delete]
        out += [f"keep   {e.kind} {e.name}: {why}" for e, why in self.keep]
        out += [f"by hand: {m}" for m in self.manual]
        return out


@dataclass
class CleanupResult:
    deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in the ledger, but still used by something not ours


def plan_cleanup(ctx: "Context") -> CleanupPlan:
    s = ctx.settings
    plan = CleanupPlan()
    rank = {kind: i for i, kind in enumerate(ORDER)}
    for entry in sorted(s.ledger, key=lambda e: rank.get(e.kind, len(ORDER))):
        if entry.kind in rank:
            plan.delete.append(entry)
        else:
            plan.keep.append((entry, KEPT.get(entry.kind, "not something the workshop deletes")))
    for key in ("agent_app", "admin_app"):
        plan.manual.append(f"the IAM Identity Center application {s.name(key)!r} (Applications → Actions → Remove)")
    plan.manual.append("IAM Identity Center itself, only if you enabled it just for this workshop")
    return plan


def run_cleanup(ctx: "Context", plan: CleanupPlan | None = None, progress: Callable[[float, str], None] | None = None) -> CleanupResult:
    """Delete the plan's resources one by one; each success is removed from the ledger at once."""
    import botocore.exceptions

    plan = plan or plan_cleanup(ctx)
    result = CleanupResult()
    for i, entry in enumerate(plan.delete):
        label = f"{entry.kind} {entry.name}"
        if progress:
            progress(i / max(len(plan.delete), 1), f"Deleting {label}")
        try:
            still_used = _DELETERS[entry.kind](ctx, entry)
            if still_used:
                result.kept.append(f"{label}: {still_used}")
            else:
                result.deleted.append(label)
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
    if progress:
        progress(1.0, "Cleanup finished.")
    return result


def _store(ctx: "Context") -> str:
    from workshop_lib.aws.resources import identity_store_id

    return identity_store_id(ctx)


def _assignment(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("sso-admin").delete_application_assignment(ApplicationArn=e.arn, PrincipalId=e.id, PrincipalType=e.extra.get("principal_type", "GROUP"))


def _membership(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("identitystore").delete_group_membership(IdentityStoreId=_store(ctx), MembershipId=e.id)


def _idc_user(ctx: "Context", e: "LedgerEntry") -> str | None:
    """Delete the user unless a group that is not the workshop's still holds it (an account shared by attendees)."""
    from workshop_lib.aws.resources import paginate

    idc = ctx.client("identitystore")
    others = paginate(idc, "list_group_memberships_for_member", "GroupMemberships", IdentityStoreId=_store(ctx), MemberId={"UserId": e.id})
    if others:
        return f"kept: {len(others)} other group(s) still hold this user"
    idc.delete_user(IdentityStoreId=_store(ctx), UserId=e.id)
    return None


def _idc_group(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("identitystore").delete_group(IdentityStoreId=_store(ctx), GroupId=e.id)


def _role(ctx: "Context", e: "LedgerEntry") -> None:
    from workshop_lib.aws.resources import paginate

    iam = ctx.client("iam")
    for p in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=e.name):
        with _already_done_is_fine():
            iam.detach_role_policy(RoleName=e.name, PolicyArn=p["PolicyArn"])
    for name in paginate(iam, "list_role_policies", "PolicyNames", RoleName=e.name):
        with _already_done_is_fine():
            iam.delete_role_policy(RoleName=e.name, PolicyName=name)
    iam.delete_role(RoleName=e.name)


def _policy(ctx: "Context", e: "LedgerEntry") -> None:
    iam = ctx.client("iam")
    for v in iam.list_policy_versions(PolicyArn=e.arn)["Versions"]:
        if not v["IsDefaultVersion"]:
            with _already_done_is_fine():
                iam.delete_policy_version(PolicyArn=e.arn, VersionId=v["VersionId"])
    iam.delete_policy(PolicyArn=e.arn)


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


def _provider(ctx: "Context", e: "LedgerEntry") -> None:
    ctx.client("iam").delete_saml_provider(SAMLProviderArn=e.arn)


def _connect_user(ctx: "Context", e: "LedgerEntry") -> None:
    # A user's ARN is arn:aws:connect:<region>:<account>:instance/<instance id>/agent/<user id>.
    instance_id = e.arn.split(":instance/", 1)[1].split("/", 1)[0] if ":instance/" in e.arn else ctx.settings.instance_id
    if not instance_id:  # nothing says where it lives: its instance was deleted, and its users with it
        return
    ctx.client("connect").delete_user(InstanceId=instance_id, UserId=e.id)


def _instance(ctx: "Context", e: "LedgerEntry") -> None:
    instance_id = e.id
    if not instance_id:  # interrupted before the create call answered: find it by its alias
        from workshop_lib.aws.resources import list_instances

        found = [i for i in list_instances(ctx) if i.get("InstanceAlias") == e.name]
        if not found:
            return
        instance_id = found[0]["Id"]
    ctx.client("connect").delete_instance(InstanceId=instance_id)


_DELETERS: dict[str, Callable[["Context", "LedgerEntry"], "str | None"]] = {
    "sso.assignment": _assignment,
    "identitystore.membership": _membership,
    "identitystore.user": _idc_user,
    "identitystore.group": _idc_group,
    "iam.role": _role,
    "iam.policy": _policy,
    "iam.saml_provider": _provider,
    "connect.user": _connect_user,
    "connect.instance": _instance,
}
