"""Amazon Connect users in the sandbox: CreateUser and its checks (as the Connect API reference gives them),
listing, describing, searching, updating and deleting users of an instance."""

from __future__ import annotations

import operator
import re
import unicodedata
import uuid
from typing import Any, Callable

from moto.core.responses import ActionResult, EmptyResult

from workshop_lib.sandbox.server.awsapi import AwsError, account_of, json_body, now, paginate, param
from workshop_lib.sandbox.server.backend import ConnectInstanceExtras, ConnectUser
from workshop_lib.sandbox.server.instances import active_instance
# ---- users --------------------------------------------------------------------------------------


def _check_username(username: str, saml: bool) -> None:
    from workshop_lib.rules.usernames import is_connect_username, username_problems

    if is_connect_username(username) if saml else re.fullmatch(r"[a-zA-Z0-9_.@-]{1,100}", username):
        return
    problems = username_problems(username) or [
        "Use at most 64 characters from letters, digits and _ - . @ ('@' only in an email form)."
    ]
    raise AwsError("InvalidParameterException", f"The username '{username}' is not valid. " + " ".join(problems))


def _check_identity_info(info: dict[str, Any], kind: str) -> dict[str, str]:
    info = {k: unicodedata.normalize("NFC", str(v)) for k, v in (info or {}).items() if v is not None}
    if kind == "SAML" and info.get("Email"):
        raise AwsError(
            "InvalidRequestException",
            "IdentityInfo.Email is not supported for an instance with SAML-based identity management; "
            "the username is the email that RoleSessionName carries.",
        )
    if kind in ("SAML", "CONNECT_MANAGED") and not (info.get("FirstName") and info.get("LastName")):
        raise AwsError("InvalidParameterException", "IdentityInfo.FirstName and IdentityInfo.LastName are required.")
    for key in ("FirstName", "LastName"):
        if len(info.get(key, "")) > 100:
            raise AwsError("InvalidParameterException", f"IdentityInfo.{key} is longer than 100 characters.")
    return info


def _check_phone_config(config: dict[str, Any] | None) -> dict[str, Any]:
    config = dict(config or {"PhoneType": "SOFT_PHONE"})
    if config.get("PhoneType") not in ("SOFT_PHONE", "DESK_PHONE"):
        raise AwsError("InvalidParameterException", f"PhoneConfig.PhoneType must be SOFT_PHONE or DESK_PHONE, not {config.get('PhoneType')!r}.")
    if config["PhoneType"] == "DESK_PHONE" and not config.get("DeskPhoneNumber"):
        raise AwsError("InvalidParameterException", "PhoneConfig.DeskPhoneNumber is required for DESK_PHONE.")
    config.setdefault("AutoAccept", False)
    config.setdefault("AfterContactWorkTimeLimit", 0)
    return config


def _check_profiles(extras: ConnectInstanceExtras, security_ids: list[str] | None, routing_id: str | None) -> None:
    security_ids = security_ids or []
    if not 1 <= len(security_ids) <= 10:
        raise AwsError("InvalidParameterException", "SecurityProfileIds must hold between 1 and 10 security profile IDs.")
    for ident in security_ids:
        if ident not in extras.security_profiles:
            raise AwsError("ResourceNotFoundException", f"Security profile not found: {ident}")
    if routing_id is not None and routing_id not in extras.routing_profiles:
        raise AwsError("ResourceNotFoundException", f"Routing profile not found: {routing_id}")


def create_user(self: Any) -> Any:
    body = json_body(self)
    moto_instance, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    kind = moto_instance.identity_management_type
    username = body.get("Username") or ""
    if kind == "SAML":
        if body.get("Password"):
            raise AwsError("InvalidRequestException",
                           "Password is not supported for an instance with SAML-based identity management.")
        if body.get("DirectoryUserId"):
            raise AwsError("InvalidRequestException",
                           "DirectoryUserId is not supported for an instance with SAML-based identity management.")
    elif kind == "CONNECT_MANAGED" and not body.get("Password"):
        raise AwsError("InvalidParameterException", "Password is required for an instance whose users Amazon Connect manages.")
    _check_username(username, kind == "SAML")
    info = _check_identity_info(body.get("IdentityInfo") or {}, kind)
    phone = _check_phone_config(body.get("PhoneConfig"))
    _check_profiles(extras, body.get("SecurityProfileIds"), body.get("RoutingProfileId"))
    if username in map(operator.attrgetter("username"), extras.users.values()):  # one C loop: 1,000s of users
        raise AwsError("DuplicateResourceException", f"User with username {username} already exists.")
    ident = str(uuid.uuid4())
    user = ConnectUser(
        id=ident, arn=f"{moto_instance.arn}/agent/{ident}", username=username, identity_info=info,
        phone_config=phone, security_profile_ids=list(body["SecurityProfileIds"]),
        routing_profile_id=body["RoutingProfileId"], hierarchy_group_id=body.get("HierarchyGroupId"),
        directory_user_id=body.get("DirectoryUserId"), tags=dict(body.get("Tags") or {}), last_modified=now(),
    )
    extras.users[ident] = user
    return ActionResult({"UserId": user.id, "UserArn": user.arn})


def _user(self: Any) -> tuple[Any, ConnectInstanceExtras, ConnectUser]:
    moto_instance, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    user_id = param(self, "UserId")
    user = extras.users.get(user_id)
    if user is None:
        raise AwsError("ResourceNotFoundException", f"User not found: {user_id}")
    return moto_instance, extras, user


def _user_dict(user: ConnectUser, region: str, *, search: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Id": user.id, "Arn": user.arn, "Username": user.username,
        "IdentityInfo": ({k: v for k, v in user.identity_info.items() if k in ("FirstName", "LastName")}
                         if search else dict(user.identity_info)),
        "PhoneConfig": dict(user.phone_config), "SecurityProfileIds": list(user.security_profile_ids),
        "RoutingProfileId": user.routing_profile_id, "Tags": dict(user.tags),
    }
    if user.hierarchy_group_id:
        data["HierarchyGroupId"] = user.hierarchy_group_id
    if user.directory_user_id:
        data["DirectoryUserId"] = user.directory_user_id
    if not search:
        data["LastModifiedTime"] = user.last_modified
        data["LastModifiedRegion"] = region
    return data


def list_users(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    users = list(extras.users.values())
    page, token = paginate(users, param(self, "MaxResults"), param(self, "NextToken"), maximum=1000)
    result: dict[str, Any] = {"UserSummaryList": [
        {"Id": u.id, "Arn": u.arn, "Username": u.username, "LastModifiedTime": u.last_modified,
         "LastModifiedRegion": self.region} for u in page
    ]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def describe_user(self: Any) -> Any:
    _, _, user = _user(self)
    return ActionResult({"User": _user_dict(user, self.region)})


_SEARCH_FIELDS: dict[str, Callable[[ConnectUser], str]] = {
    "username": lambda u: u.username,
    "firstname": lambda u: u.identity_info.get("FirstName", ""),
    "lastname": lambda u: u.identity_info.get("LastName", ""),
    "name": lambda u: f"{u.identity_info.get('FirstName', '')} {u.identity_info.get('LastName', '')}",
    "resourceid": lambda u: u.id,
    "routingprofileid": lambda u: u.routing_profile_id,
    "securityprofileid": lambda u: " ".join(u.security_profile_ids),
}


def _matches(user: ConnectUser, criteria: dict[str, Any] | None) -> bool:
    if not criteria:
        return True
    if criteria.get("OrConditions"):
        return any(_matches(user, c) for c in criteria["OrConditions"])
    if criteria.get("AndConditions"):
        return all(_matches(user, c) for c in criteria["AndConditions"])
    condition = criteria.get("StringCondition")
    if condition:
        field_name = str(condition.get("FieldName", "")).lower()
        getter = _SEARCH_FIELDS.get(field_name)
        if getter is None:
            raise AwsError("InvalidParameterException", f"FieldName {condition.get('FieldName')!r} cannot be searched.")
        actual, wanted = getter(user), str(condition.get("Value", ""))
        how = condition.get("ComparisonType", "EXACT")
        if how == "EXACT":
            return actual == wanted if field_name == "username" else actual.lower() == wanted.lower()
        if how == "STARTS_WITH":
            return actual.lower().startswith(wanted.lower())
        if how == "CONTAINS":
            return wanted.lower() in actual.lower()
        raise AwsError("InvalidParameterException", f"ComparisonType {how!r} is not supported.")
    return True


def search_users(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    found = [u for u in extras.users.values() if _matches(u, param(self, "SearchCriteria"))]
    page, token = paginate(found, param(self, "MaxResults"), param(self, "NextToken"), maximum=500)
    result: dict[str, Any] = {"Users": [_user_dict(u, self.region, search=True) for u in page],
                              "ApproximateTotalCount": len(found)}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def update_user_identity_info(self: Any) -> Any:
    moto_instance, _, user = _user(self)
    user.identity_info = _check_identity_info(param(self, "IdentityInfo") or {}, moto_instance.identity_management_type)
    user.last_modified = now()
    return EmptyResult()


def update_user_security_profiles(self: Any) -> Any:
    _, extras, user = _user(self)
    ids = param(self, "SecurityProfileIds")
    _check_profiles(extras, ids, None)
    user.security_profile_ids, user.last_modified = list(ids), now()
    return EmptyResult()


def update_user_routing_profile(self: Any) -> Any:
    _, extras, user = _user(self)
    routing_id = param(self, "RoutingProfileId")
    _check_profiles(extras, user.security_profile_ids, routing_id)
    user.routing_profile_id, user.last_modified = routing_id, now()
    return EmptyResult()


def update_user_phone_config(self: Any) -> Any:
    _, _, user = _user(self)
    user.phone_config, user.last_modified = _check_phone_config(param(self, "PhoneConfig")), now()
    return EmptyResult()


def delete_user(self: Any) -> Any:
    _, extras, user = _user(self)
    del extras.users[user.id]
    return EmptyResult()
