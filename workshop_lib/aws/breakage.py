"""Deliberate breakage for the troubleshooting labs (sandbox only): each undoes one link of the chain."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from workshop_lib.aws.errors import explained

if TYPE_CHECKING:
    from workshop_lib.context import Context


def replace_policy(ctx: "Context", name: str, document: dict) -> None:
    from workshop_lib.aws.resources import policy_arn

    iam = ctx.client("iam")
    arn = policy_arn(ctx, name)
    with explained("iam:CreatePolicyVersion"):
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        for v in versions:
            if not v["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)


def replace_trust(ctx: "Context", role_name: str, trust: dict) -> None:
    with explained("iam:UpdateAssumeRolePolicy"):
        ctx.client("iam").update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))


def replace_provider_metadata(ctx: "Context", provider_name: str, metadata_xml: str) -> None:
    from workshop_lib.aws.resources import provider_arn

    with explained("iam:UpdateSAMLProvider"):
        ctx.client("iam").update_saml_provider(SAMLProviderArn=provider_arn(ctx, provider_name), SAMLMetadataDocument=metadata_xml)


def delete_connect_user(ctx: "Context", username: str) -> None:
    from workshop_lib.aws.resources import connect_users

    user = connect_users(ctx).get(username)
    if user:
        with explained("connect:DeleteUser"):
            ctx.client("connect").delete_user(InstanceId=ctx.settings.instance_id, UserId=user["Id"])
        with ctx.update() as s:
            s.forget("connect.user", username)


def remove_group_assignment(ctx: "Context", app_arn: str, group_name: str) -> None:
    from workshop_lib.aws.resources import find_group

    group_id = find_group(ctx, group_name)
    if group_id:
        with explained("sso:DeleteApplicationAssignment"):
            ctx.client("sso-admin").delete_application_assignment(ApplicationArn=app_arn, PrincipalId=group_id, PrincipalType="GROUP")
