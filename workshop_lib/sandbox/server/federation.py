"""Amazon Connect's side of federation: what happens at /connect/federate/<id> after AWS sign-in.

Connect calls GetFederationToken with the SAML session's credentials: the role's policies must
allow ``connect:GetFederationToken`` on ``<instance ARN>/user/${aws:userid}`` (F9), a user whose
username equals the RoleSessionName exactly must exist (F8), and a user stays bound to the first
role it federated through (F10).
"""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass
from typing import Any

MESSAGES = {
    "F8": "Access Denied. You have been authenticated, but have not been onboarded to this application. "
          "Please contact your administrator.",
    "F9": "Access denied, Please contact your AWS account administrator",
    "F10": "Bad Request. The request was not valid, please contact your AWS account administrator.",
    "F12": "Amazon Connect could not find this instance: check the relay state (Region and instance ID).",
    "F19": "This Amazon Connect instance does not use SAML 2.0-based authentication, so it cannot be "
           "reached through IAM Identity Center.",
}
API_CODES = {"F8": "UserNotFoundException", "F9": "AccessDeniedException", "F10": "InvalidRequestException",
             "F12": "ResourceNotFoundException", "F19": "InvalidRequestException"}
ACCESS_TOKEN_LIFETIME = _dt.timedelta(hours=12)


class FederationRefused(Exception):
    def __init__(self, code: str, detail: str = "", message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        self.detail = detail
        super().__init__(self.message)

    @property
    def api_code(self) -> str:
        return API_CODES.get(self.code, "InvalidRequestException")


@dataclass
class FederatedSession:
    """An assumed-role session: who calls Connect."""

    role_arn: str
    role_id: str
    session_name: str

    @property
    def userid(self) -> str:
        return f"{self.role_id}:{self.session_name}"


@dataclass
class FederationToken:
    user_id: str
    user_arn: str
    username: str
    instance_id: str
    access_url: str
    security_profiles: list[str]

    def api_response(self) -> dict[str, Any]:
        now = _dt.datetime.now(_dt.timezone.utc)
        return {
            "UserId": self.user_id, "UserArn": self.user_arn, "SignInUrl": f"{self.access_url}/auth/sign-in",
            "Credentials": {
                "AccessToken": secrets.token_urlsafe(48), "AccessTokenExpiration": now + ACCESS_TOKEN_LIFETIME,
                "RefreshToken": secrets.token_urlsafe(48), "RefreshTokenExpiration": now + 2 * ACCESS_TOKEN_LIFETIME,
            },
        }


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def session_for_access_key(account: str, access_key: str) -> FederatedSession | None:
    """The assumed-role session these credentials belong to, if any."""
    from moto.sts.models import sts_backends

    assumed = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key)
    if assumed is None:
        return None
    role = next((r for r in _iam(account).get_roles() if r.arn == assumed.role_arn), None)
    if role is None:
        return None
    return FederatedSession(role.arn, role.id, assumed.session_name)


def role_policies(account: str, role_arn: str) -> list[str]:
    """Every permission policy document of the role: attached managed policies' default versions and inline ones."""
    role = next((r for r in _iam(account).get_roles() if r.arn == role_arn), None)
    if role is None:
        return []
    documents = []
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.version_id == policy.default_version_id), None)
        if version is not None:
            documents.append(version.document)
    documents.extend(role.policies.values())
    return documents


def federate(account: str, region: str, instance_id: str, session: FederatedSession) -> FederationToken:
    """Connect's decision for this session on this instance; FederationRefused with the F-code otherwise."""
    from workshop_lib.rules.iam_documents import allows_federation
    from workshop_lib.sandbox.server.awsapi import AwsError
    from workshop_lib.sandbox.server.instances import find_instance

    try:
        moto_instance, extras = find_instance(account, region, instance_id)
    except AwsError:
        raise FederationRefused("F12", detail=f"There is no Connect instance {instance_id} in {region}.") from None
    if moto_instance.instance_status != "ACTIVE":
        raise FederationRefused("F12", detail=f"The instance {moto_instance.id} is still {moto_instance.instance_status}.")
    if moto_instance.identity_management_type != "SAML":
        raise FederationRefused("F19", detail=f"The instance's identity management is "
                                              f"{moto_instance.identity_management_type}, not SAML.")
    documents = role_policies(account, session.role_arn)
    if not documents or not allows_federation(documents, moto_instance.arn, session.userid):
        raise FederationRefused("F9", detail=f"No policy of {session.role_arn} allows connect:GetFederationToken on "
                                             f"{moto_instance.arn}/user/{session.userid}.")
    user = next((u for u in extras.users.values() if u.username == session.session_name), None)
    if user is None:
        near = [u.username for u in extras.users.values() if u.username.lower() == session.session_name.lower()]
        hint = f" (a user {near[0]!r} differs only in upper/lower case)" if near else ""
        raise FederationRefused("F8", detail=f"No Connect user is named exactly {session.session_name!r}{hint}.")
    if user.federated_role_id and user.federated_role_id != session.role_id:
        raise FederationRefused("F10", detail=f"{user.username} first signed in through the role with RoleId "
                                              f"{user.federated_role_id}, not {session.role_id}; delete and re-create "
                                              "the Connect user to bind it to the new role.")
    user.federated_role_id = session.role_id
    names = [extras.security_profiles[p].name for p in user.security_profile_ids if p in extras.security_profiles]
    return FederationToken(user.id, user.arn, user.username, moto_instance.id,
                           moto_instance.instance_access_url.rstrip("/"), names)
