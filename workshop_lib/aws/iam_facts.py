"""The IAM part of the doctor's snapshot: SAML providers and the two roles with their trust and policies.

One GetAccountAuthorizationDetails call where it is allowed (roles, inline and managed policies at once), else
each role on its own; the reader (``aws.facts._Reader``) turns each failure into an ``Unreadable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from workshop_lib.aws.paging import MAX_PAGE
from workshop_lib.aws.snapshot import Facts, PolicyDocument, ProviderFacts, RoleFacts
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.aws.facts import _Reader


def _document(value: Any) -> Optional[dict]:
    """A policy document as a dict (see rules.iam_documents.load_policy), or None when it is not one."""
    from workshop_lib.rules.iam_documents import load_policy

    if not isinstance(value, (dict, str)):
        return None
    try:
        return load_policy(value)
    except WorkshopError:
        return None


def read_iam(reader: "_Reader", facts: Facts) -> None:
    partition = facts.partition
    if not facts.account_id:
        ident = reader.call("sts:GetCallerIdentity", lambda: reader.client("sts").get_caller_identity())
        facts.account_id = (ident or {}).get("Account", "")
    account = facts.account_id
    iam = lambda: reader.client("iam")  # noqa: E731 - created on first use
    for side, chain in facts.chains.items():
        arn = f"arn:{partition}:iam::{account}:saml-provider/{chain.provider}" if account else ""
        provider = ProviderFacts(chain.provider, arn)
        if arn:
            got = reader.call("iam:GetSAMLProvider", lambda arn=arn: iam().get_saml_provider(SAMLProviderArn=arn))
            if got:
                provider.found = True
                provider.metadata = got.get("SAMLMetadataDocument", "") or ""
                provider.encryption_mode = got.get("AssertionEncryptionMode", "") or ""
                provider.private_keys = len(got.get("PrivateKeyList") or [])
        facts.providers[side] = provider

    wanted = {chain.role for chain in facts.chains.values()}
    roles = _roles_from_details(reader, facts, wanted)
    from_details = roles is not None
    if roles is None:  # denied or unsupported: read the two roles one by one
        roles = {name: _role_one_by_one(reader, name) for name in wanted}
    for side, chain in facts.chains.items():
        facts.roles[side] = roles.get(chain.role) or RoleFacts(chain.role)
    for role in {r.name: r for r in facts.roles.values() if from_details and r.found and not r.max_session_duration}.values():
        # GetAccountAuthorizationDetails' RoleDetail has no MaxSessionDuration: GetRole has (F22).
        got = reader.call("iam:GetRole", lambda name=role.name: iam().get_role(RoleName=name))
        if got:
            role.max_session_duration = int(got["Role"].get("MaxSessionDuration") or 0)


def _roles_from_details(reader: "_Reader", facts: Facts, wanted: set[str]) -> Optional[dict[str, RoleFacts]]:
    """Every role and customer-managed policy in one paginated call (get_account_authorization_details)."""
    before = len(reader.unreadable)
    roles_raw: list[dict] = []
    policies_raw: list[dict] = []

    def run() -> bool:
        paginator = reader.client("iam").get_paginator("get_account_authorization_details")
        size = MAX_PAGE[("iam", "get_account_authorization_details")]
        for page in paginator.paginate(Filter=["Role", "LocalManagedPolicy"], PaginationConfig={"PageSize": size}):
            roles_raw.extend(page.get("RoleDetailList", []) or [])
            policies_raw.extend(page.get("Policies", []) or [])
        return True

    if not reader.call("iam:GetAccountAuthorizationDetails", run):
        del reader.unreadable[before:]  # fall back quietly; the per-role reads report their own problems
        return None
    documents: dict[str, dict] = {}
    for policy in policies_raw:
        default = policy.get("DefaultVersionId")
        for version in policy.get("PolicyVersionList", []) or []:
            if version.get("IsDefaultVersion") or version.get("VersionId") == default:
                doc = _document(version.get("Document"))
                if doc is not None and policy.get("Arn"):
                    documents[policy["Arn"]] = doc
    found: dict[str, RoleFacts] = {}
    for raw in roles_raw:
        name = raw.get("RoleName", "")
        if name not in wanted:
            continue
        role = _role_facts(name, raw)
        for inline in raw.get("RolePolicyList", []) or []:
            role.policies.append(
                PolicyDocument(inline.get("PolicyName", ""), "", _document(inline.get("PolicyDocument")), True)
            )
        for attached in raw.get("AttachedManagedPolicies", []) or []:
            arn = attached.get("PolicyArn", "")
            doc = documents.get(arn)
            if doc is None:  # an AWS-managed policy: not in the LocalManagedPolicy listing
                doc = _managed_policy_document(reader, arn)
            role.policies.append(PolicyDocument(attached.get("PolicyName", arn.rsplit("/", 1)[-1]), arn, doc))
        found[name] = role
    return found


def _role_facts(name: str, raw: dict) -> RoleFacts:
    """A role as GetRole or GetAccountAuthorizationDetails describe it, before its policies are added."""
    return RoleFacts(name, True, raw.get("Arn", ""), raw.get("RoleId", ""), raw.get("Path", "/"), _document(raw.get("AssumeRolePolicyDocument")),
                     max_session_duration=int(raw.get("MaxSessionDuration") or 0))


def _managed_policy_document(reader: "_Reader", arn: str) -> Optional[dict]:
    iam = reader.client("iam")
    policy = reader.call("iam:GetPolicy", lambda: iam.get_policy(PolicyArn=arn))
    if not policy:
        return None
    version = policy["Policy"].get("DefaultVersionId", "v1")
    got = reader.call("iam:GetPolicyVersion", lambda: iam.get_policy_version(PolicyArn=arn, VersionId=version))
    return _document(got["PolicyVersion"].get("Document")) if got else None


def _role_one_by_one(reader: "_Reader", name: str) -> RoleFacts:
    iam = reader.client("iam")
    got = reader.call("iam:GetRole", lambda: iam.get_role(RoleName=name))
    if not got:
        return RoleFacts(name)
    raw = got["Role"]
    role = _role_facts(name, raw)
    attached = (
        reader.pages(
            "iam", "list_attached_role_policies", "iam:ListAttachedRolePolicies", "AttachedPolicies", RoleName=name
        )
        or []
    )
    for item in attached:
        arn = item.get("PolicyArn", "")
        role.policies.append(PolicyDocument(item.get("PolicyName", ""), arn, _managed_policy_document(reader, arn)))
    inline = reader.pages("iam", "list_role_policies", "iam:ListRolePolicies", "PolicyNames", RoleName=name) or []
    for policy_name in inline:
        got = reader.call("iam:GetRolePolicy", lambda p=policy_name: iam.get_role_policy(RoleName=name, PolicyName=p))
        role.policies.append(
            PolicyDocument(policy_name, "", _document(got.get("PolicyDocument")) if got else None, True)
        )
    return role
