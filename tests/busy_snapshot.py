"""A snapshot of every resource in the sandbox account, as plain comparable values, keyed by identity.

Keys are IDs and ARNs (a role replaced under the same name is a different key), values hold everything a careless
workshop could change: documents, tags, metadata, memberships, assignments, console settings.
"""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import unquote

from workshop_lib.sandbox.client import console_client


def _doc(value: Any) -> Any:
    if isinstance(value, str):
        text = unquote(value) if value.lstrip().startswith("%7B") else value
        return json.loads(text)
    return value


def _tags(items: list[dict] | dict | None) -> dict:
    if isinstance(items, dict):
        return dict(sorted(items.items()))
    return dict(sorted((t["Key"], t["Value"]) for t in items or []))


def _all(client: Any, operation: str, key: str, **kwargs: Any) -> list:
    out: list = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        out.extend(page.get(key, []))
    return out


def snapshot(client: Callable[[str], Any], endpoint: str) -> dict[str, Any]:
    snap: dict[str, Any] = {}
    orgs = client("organizations")
    try:
        org = orgs.describe_organization()["Organization"]
        snap[f"org:{org['Id']}"] = org["FeatureSet"]
        for a in _all(orgs, "list_accounts", "Accounts"):
            snap[f"account:{a['Id']}"] = (a["Name"], a["Email"], a["Status"])
    except orgs.exceptions.AWSOrganizationsNotInUseException:
        pass
    _identity_center(client, endpoint, snap)
    _connect(client, snap)
    _iam(client, snap)
    return snap


def _identity_center(client: Callable[[str], Any], endpoint: str, snap: dict) -> None:
    sso, ids = client("sso-admin"), client("identitystore")
    for inst in sso.list_instances()["Instances"]:
        store, arn = inst["IdentityStoreId"], inst["InstanceArn"]
        snap[f"idc:{arn}"] = store
        for u in _all(ids, "list_users", "Users", IdentityStoreId=store):
            snap[f"user:{u['UserId']}"] = {k: u.get(k) for k in ("UserName", "DisplayName", "Name", "Emails", "Title")}
        for g in _all(ids, "list_groups", "Groups", IdentityStoreId=store):
            members = _all(ids, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=g["GroupId"])
            snap[f"group:{g['GroupId']}"] = (g["DisplayName"], g.get("Description"))
            for m in members:
                snap[f"membership:{g['GroupId']}:{m['MemberId']['UserId']}"] = True
        for ps in _all(sso, "list_permission_sets", "PermissionSets", InstanceArn=arn):
            described = sso.describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]
            policies = sorted(p["Arn"] for p in sso.list_managed_policies_in_permission_set(InstanceArn=arn, PermissionSetArn=ps)["AttachedManagedPolicies"])
            snap[f"permission-set:{ps}"] = (described["Name"], described.get("Description"), described.get("SessionDuration"), policies)
            for account in sorted({k.split(":")[1] for k in snap if k.startswith("account:")} | {"123456789012"}):
                for a in _all(sso, "list_account_assignments", "AccountAssignments", InstanceArn=arn, AccountId=account, PermissionSetArn=ps):
                    snap[f"account-assignment:{ps}:{account}:{a['PrincipalType']}:{a['PrincipalId']}"] = True
        for app in _all(sso, "list_applications", "Applications", InstanceArn=arn):
            shown = console_client.get_application_settings(endpoint, app["ApplicationArn"])
            snap[f"application:{app['ApplicationArn']}"] = {
                "name": app["Name"], "status": app["Status"], "provider": app["ApplicationProviderArn"],
                "relay_state": shown.get("relay_state"), "mappings": shown.get("mappings"), "certificate": shown.get("certificate"),
            }
            for a in _all(sso, "list_application_assignments", "ApplicationAssignments", ApplicationArn=app["ApplicationArn"]):
                snap[f"app-assignment:{app['ApplicationArn']}:{a['PrincipalType']}:{a['PrincipalId']}"] = True


def _connect(client: Callable[[str], Any], snap: dict) -> None:
    connect = client("connect")
    for inst in _all(connect, "list_instances", "InstanceSummaryList"):
        described = connect.describe_instance(InstanceId=inst["Id"])["Instance"]
        snap[f"connect:{inst['Id']}"] = (described.get("InstanceAlias"), described.get("IdentityManagementType"), _tags(described.get("Tags")))
        for u in _all(connect, "list_users", "UserSummaryList", InstanceId=inst["Id"]):
            user = connect.describe_user(InstanceId=inst["Id"], UserId=u["Id"])["User"]
            snap[f"connect-user:{inst['Id']}:{u['Id']}"] = (user["Username"], user.get("IdentityInfo"), sorted(user.get("SecurityProfileIds", [])), _tags(user.get("Tags")))


def _iam(client: Callable[[str], Any], snap: dict) -> None:
    iam = client("iam")
    for role in _all(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        got = iam.get_role(RoleName=name)["Role"]
        attached = sorted(p["PolicyArn"] for p in _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name))
        inline = {p: _doc(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]) for p in _all(iam, "list_role_policies", "PolicyNames", RoleName=name)}
        snap[f"role:{got['RoleId']}"] = {"name": name, "trust": _doc(got["AssumeRolePolicyDocument"]), "max_session": got.get("MaxSessionDuration"),
                                         "description": got.get("Description"), "tags": _tags(got.get("Tags")), "attached": attached, "inline": inline}
    for policy in _all(iam, "list_policies", "Policies", Scope="Local"):
        arn = policy["Arn"]
        versions = _all(iam, "list_policy_versions", "Versions", PolicyArn=arn)
        default = next(v["VersionId"] for v in versions if v["IsDefaultVersion"])
        document = _doc(iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]["Document"])
        tags = _tags(iam.list_policy_tags(PolicyArn=arn)["Tags"])
        snap[f"policy:{policy['PolicyId']}"] = {"arn": arn, "default": default, "versions": sorted(v["VersionId"] for v in versions), "document": document, "tags": tags}
    for provider in iam.list_saml_providers()["SAMLProviderList"]:
        got = iam.get_saml_provider(SAMLProviderArn=provider["Arn"])
        snap[f"saml-provider:{provider['Arn']}:{provider.get('CreateDate')}"] = {"metadata": got["SAMLMetadataDocument"], "tags": _tags(got.get("Tags"))}


def differences(before: dict, after: dict, *, only_before: bool = True) -> dict[str, tuple]:
    """What changed (key -> (before, after)); with ``only_before`` only resources that existed before count."""
    keys = set(before) if only_before else set(before) | set(after)
    return {k: (before.get(k), after.get(k)) for k in sorted(keys) if before.get(k) != after.get(k)}
