"""Get-or-create for the IAM half of the chain: SAML providers, the federation policy and the roles.

Ownership as in ``aws/resources.py``: ours (the owner tag) is kept up to date, one used as it is is only read
(``ChangeNeeded`` names the change), anything else stops the step (``NotOurs``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, Optional

from workshop_lib.aws.errors import error_code, explained
from workshop_lib.aws.ownership import ChangeNeeded, ownership, tags_list
from workshop_lib.aws.paging import paginate
from workshop_lib.errors import AwsError
from workshop_lib.rules.iam_documents import load_policy

if TYPE_CHECKING:
    from workshop_lib.context import Context

# Roles the workshop creates allow the longest session IAM allows (12 hours): the applications' attribute
# mappings ask for SessionDuration 43200, and STS refuses a longer session than the role's MaxSessionDuration
# ("The requested DurationSeconds exceeds the MaxSessionDuration set for this role", F22). See IAM CreateRole:
# MaxSessionDuration, 3600 to 43200 seconds.
MAX_SESSION_SECONDS = 43200


def account_id(ctx: "Context") -> str:
    from workshop_lib.aws.resources import account_id as _account_id

    return _account_id(ctx)


def _client_error() -> tuple[type[Exception], ...]:
    import botocore.exceptions

    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def _iam_get(call: Callable[[], dict], action: str) -> Optional[dict]:
    try:
        return call()
    except _client_error() as exc:
        if error_code(exc) == "NoSuchEntity":
            return None
        with explained(action):
            raise


def _create_or_claim(ctx: "Context", kind: str, name: str, action: str, create: Callable[[], dict],
                     read: Callable[[], Optional[dict]], tags_of: Callable[[dict], Optional[list[dict]]]) -> tuple[dict, bool]:
    """``create()``'s answer and True; or, when IAM answers EntityAlreadyExists (it appeared since we looked: a
    killed run of ours, or someone else), what ``read()`` finds and False, once ``ownership`` has judged its
    tags (``tags_of``): someone else's raises NotOurs and is never touched."""
    try:
        with explained(action):
            return create(), True
    except AwsError as err:
        if err.code != "EntityAlreadyExists":
            raise
    found = read() or {}
    ownership(ctx, kind, name, tags_of(found))
    return found, False


def provider_arn(ctx: "Context", name: str) -> str:
    from workshop_lib.rules.role_attribute import saml_provider_arn

    return saml_provider_arn(account_id(ctx), name)


def get_saml_provider(ctx: "Context", name: str) -> Optional[dict]:
    arn = provider_arn(ctx, name)
    found = _iam_get(lambda: ctx.client("iam").get_saml_provider(SAMLProviderArn=arn), "iam:GetSAMLProvider")
    if found is not None:
        found["Arn"] = arn
    return found


def saml_provider_tags(ctx: "Context", arn: str) -> Optional[list[dict]]:
    """The provider's tags (None when it does not exist)."""
    found = _iam_get(lambda: ctx.client("iam").list_saml_provider_tags(SAMLProviderArn=arn), "iam:ListSAMLProviderTags")
    return None if found is None else found.get("Tags", [])


def ensure_saml_provider(ctx: "Context", name: str, metadata_xml: str) -> str:
    """The IAM SAML provider from this application's metadata; ours is refreshed when the metadata changed (rotation)."""
    existing = get_saml_provider(ctx, name)
    iam = ctx.client("iam")
    if existing is None:
        arn = provider_arn(ctx, name)
        made, _created = _create_or_claim(
            ctx, "iam.saml_provider", name, "iam:CreateSAMLProvider",
            lambda: iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata_xml, Tags=tags_list(ctx)),
            lambda: get_saml_provider(ctx, name), lambda found: found.get("Tags") or saml_provider_tags(ctx, arn))
        arn = made.get("SAMLProviderArn") or made.get("Arn") or arn
        with ctx.update() as s:
            s.record("iam.saml_provider", name, arn=arn, origin="created")
        return arn
    arn = existing["Arn"]
    whose = ownership(ctx, "iam.saml_provider", name, existing.get("Tags") or saml_provider_tags(ctx, arn))
    if existing.get("SAMLMetadataDocument", "").strip() != metadata_xml.strip():
        if whose == "adopted":
            _record_adopted(ctx, "iam.saml_provider", name, arn=arn)
            raise ChangeNeeded("iam.saml_provider", name, "its metadata is not the application's current metadata. In the IAM console, "
                               "open Identity providers → this provider → Replace metadata, and upload the metadata file you uploaded to the workshop.")
        with explained("iam:UpdateSAMLProvider"):
            iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=metadata_xml)
    if whose == "adopted":
        _record_adopted(ctx, "iam.saml_provider", name, arn=arn)
    else:
        with ctx.update() as s:
            s.record("iam.saml_provider", name, arn=arn, origin="created")
    return arn


def _record_adopted(ctx: "Context", kind: str, name: str, **fields: str) -> None:
    with ctx.update() as s:
        s.record(kind, name, origin="adopted", **fields)


def policy_arn(ctx: "Context", name: str) -> str:
    return f"arn:aws:iam::{account_id(ctx)}:policy/{name}"


def get_policy(ctx: "Context", name: str) -> Optional[dict]:
    """The policy (GetPolicy's Policy, with its Tags), or None."""
    arn = policy_arn(ctx, name)
    found = _iam_get(lambda: ctx.client("iam").get_policy(PolicyArn=arn), "iam:GetPolicy")
    return None if found is None else found["Policy"]


def policy_tags(ctx: "Context", arn: str) -> list[dict]:
    with explained("iam:ListPolicyTags"):
        return ctx.client("iam").list_policy_tags(PolicyArn=arn).get("Tags", [])


def get_policy_document(ctx: "Context", name: str) -> Optional[dict]:
    iam = ctx.client("iam")
    arn = policy_arn(ctx, name)
    policy = _iam_get(lambda: iam.get_policy(PolicyArn=arn), "iam:GetPolicy")
    if policy is None:
        return None
    version = policy["Policy"]["DefaultVersionId"]
    with explained("iam:GetPolicyVersion"):
        doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return load_policy(doc)


def ensure_policy(ctx: "Context", name: str, document: dict) -> str:
    """The federation policy; ours gets a new default version when the document changed (another instance)."""
    iam = ctx.client("iam")
    arn = policy_arn(ctx, name)
    current = get_policy(ctx, name)
    if current is None:
        made, _created = _create_or_claim(
            ctx, "iam.policy", name, "iam:CreatePolicy",
            lambda: iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), Tags=tags_list(ctx),
                                      Description="Lets Amazon Connect federation roles get a federation token")["Policy"],
            lambda: get_policy(ctx, name), lambda found: found.get("Tags") or policy_tags(ctx, arn))
        with ctx.update() as s:
            s.record("iam.policy", name, arn=arn, id=made.get("PolicyId", ""), origin="created")
        return arn
    whose = ownership(ctx, "iam.policy", name, current.get("Tags") or policy_tags(ctx, arn), resource_id=current.get("PolicyId", ""))
    if get_policy_document(ctx, name) != document:
        if whose == "adopted":
            _record_adopted(ctx, "iam.policy", name, arn=arn, id=current.get("PolicyId", ""))
            raise ChangeNeeded("iam.policy", name, "its default version does not allow federation into your instance. In the IAM console, "
                               "open the policy, choose Edit, paste the document below (JSON) and save it as the default version.", json.dumps(document))
        with explained("iam:CreatePolicyVersion"):
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            old = [v for v in versions if not v["IsDefaultVersion"]]
            if len(versions) >= 5 and old:  # IAM keeps five versions at most
                oldest = min(old, key=lambda v: v["CreateDate"])
                iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    if whose == "adopted":
        _record_adopted(ctx, "iam.policy", name, arn=arn, id=current.get("PolicyId", ""))
    else:
        with ctx.update() as s:
            s.record("iam.policy", name, arn=arn, id=current.get("PolicyId", ""), origin="created")
    return arn


def get_role(ctx: "Context", name: str) -> Optional[dict]:
    found = _iam_get(lambda: ctx.client("iam").get_role(RoleName=name), "iam:GetRole")
    if found is None:
        return None
    role = found["Role"]
    role["AssumeRolePolicyDocument"] = load_policy(role.get("AssumeRolePolicyDocument") or "")
    return role


def role_tags(ctx: "Context", name: str) -> list[dict]:
    with explained("iam:ListRoleTags"):
        return ctx.client("iam").list_role_tags(RoleName=name).get("Tags", [])


def attached_policy_arns(ctx: "Context", role_name: str) -> list[str]:
    with explained("iam:ListAttachedRolePolicies"):
        return [p["PolicyArn"] for p in paginate(ctx.client("iam"), "list_attached_role_policies", "AttachedPolicies", RoleName=role_name)]


def ensure_role(ctx: "Context", name: str, trust: dict, attach: str) -> dict:
    """The federation role: created with the SAML trust and a 12-hour MaxSessionDuration, the policy attached,
    its RoleId remembered (F10). Someone else's role is never changed: NotOurs, or ChangeNeeded when adopted."""
    iam = ctx.client("iam")
    role = get_role(ctx, name)
    created = False
    if role is None:
        role, created = _create_or_claim(
            ctx, "iam.role", name, "iam:CreateRole",
            lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                    Description="Amazon Connect federation through IAM Identity Center",
                                    MaxSessionDuration=MAX_SESSION_SECONDS, Tags=tags_list(ctx))["Role"],  # has RoleId and Arn
            lambda: get_role(ctx, name), lambda found: found.get("Tags") or role_tags(ctx, name))
        with ctx.update() as s:
            s.record("iam.role", name, id=role.get("RoleId", ""), arn=role.get("Arn", ""), origin="created")
    whose = "ours" if created else ownership(ctx, "iam.role", name, role.get("Tags") or role_tags(ctx, name), resource_id=role.get("RoleId", ""))
    if whose == "adopted":
        _record_adopted(ctx, "iam.role", name, id=role.get("RoleId", ""), arn=role.get("Arn", ""))
        with ctx.update() as s:
            s.role_ids.setdefault(name, role.get("RoleId", ""))
        _adopted_role_changes(ctx, name, role, trust, attach)
        return role
    if not created and role.get("AssumeRolePolicyDocument") != trust:
        with explained("iam:UpdateAssumeRolePolicy"):
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    if not created and int(role.get("MaxSessionDuration") or 3600) < MAX_SESSION_SECONDS:
        with explained("iam:UpdateRole"):
            iam.update_role(RoleName=name, MaxSessionDuration=MAX_SESSION_SECONDS)
    if created or attach not in attached_policy_arns(ctx, name):  # a new role has no policy yet
        with explained("iam:AttachRolePolicy"):
            iam.attach_role_policy(RoleName=name, PolicyArn=attach)
    with ctx.update() as s:
        s.record("iam.role", name, id=role.get("RoleId", ""), arn=role.get("Arn", ""), origin="created")
        s.role_ids.setdefault(name, role.get("RoleId", ""))
    return role


def _adopted_role_changes(ctx: "Context", name: str, role: dict, trust: dict, attach: str) -> None:
    """What a role used as it is still needs, as the exact change for the learner (the workshop makes none)."""
    if role.get("AssumeRolePolicyDocument") != trust:
        raise ChangeNeeded("iam.role", name, "its trust policy does not trust your SAML provider. In the IAM console, open the role → "
                           "Trust relationships → Edit trust policy, and paste the document below.", json.dumps(trust))
    if attach not in attached_policy_arns(ctx, name):
        raise ChangeNeeded("iam.role", name, f"the policy {attach} is not attached. In the IAM console, open the role → Permissions → "
                           "Add permissions → Attach policies, and attach it.", attach)
    if int(role.get("MaxSessionDuration") or 3600) < MAX_SESSION_SECONDS:
        raise ChangeNeeded("iam.role", name, f"its maximum session duration is {int(role.get('MaxSessionDuration') or 3600)} seconds, shorter than the "
                           f"{MAX_SESSION_SECONDS} the attribute mappings ask for (F22: sign-in fails with 'The requested DurationSeconds exceeds "
                           "the MaxSessionDuration set for this role'). In the IAM console, open the role → Edit → Maximum session duration → 12 hours.",
                           str(MAX_SESSION_SECONDS))
