"""Amazon Connect as the workshop needs it: instance life cycle, default profiles, users, federation.

moto keeps the instances; the sandbox adds the creation delay, the checks AWS makes, the default
security and routing profiles, users, and ``GetFederationToken`` (judged by :mod:`federation`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from typing import Any, Callable

from moto.core.responses import ActionResult, EmptyResult

from workshop_lib.sandbox.server.awsapi import AwsError, account_of, json_body, paginate, param
from workshop_lib.sandbox.server.backend import RoutingProfile, SecurityProfile, backend
from workshop_lib.sandbox.server.instances import active_instance, find_instance, moto_backend, new_extras, settle
from workshop_lib.sandbox.server.ext_connect_users import (
    create_user, delete_user, describe_user, list_users, search_users, update_user_identity_info,
    update_user_phone_config, update_user_routing_profile, update_user_security_profiles,
)

CREATE_SECONDS_ENV = "WORKSHOP_SANDBOX_CREATE_SECONDS"
DEFAULT_CREATE_SECONDS = 3.0
IDENTITY_TYPES = ("SAML", "CONNECT_MANAGED", "EXISTING_DIRECTORY")
ALIAS_RE = re.compile(r"^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$")
# Extra REST routes moto does not have (URI patterns from the Connect service model).
ROUTES = (
    r"{0}/users/(?P<InstanceId>[^/]+)$",
    r"{0}/users-summary/(?P<InstanceId>[^/]+)$",
    r"{0}/users/(?P<InstanceId>[^/]+)/(?P<UserId>[^/]+)$",
    r"{0}/users/(?P<InstanceId>[^/]+)/(?P<UserId>[^/]+)/identity-info$",
    r"{0}/users/(?P<InstanceId>[^/]+)/(?P<UserId>[^/]+)/security-profiles$",
    r"{0}/users/(?P<InstanceId>[^/]+)/(?P<UserId>[^/]+)/routing-profile$",
    r"{0}/users/(?P<InstanceId>[^/]+)/(?P<UserId>[^/]+)/phone-config$",
    r"{0}/search-users$",
    r"{0}/user/federate/(?P<InstanceId>[^/]+)$",
    r"{0}/security-profiles-summary/(?P<InstanceId>[^/]+)$",
    r"{0}/security-profiles/(?P<InstanceId>[^/]+)/(?P<SecurityProfileId>[^/]+)$",
    r"{0}/routing-profiles-summary/(?P<InstanceId>[^/]+)$",
    r"{0}/routing-profiles/(?P<InstanceId>[^/]+)/(?P<RoutingProfileId>[^/]+)$",
    # The instance ARN also works as InstanceId where it is the last part of the path.
    r"{0}/instance/(?P<InstanceId>arn:[^/]+/[^/]+)$",
    r"{0}/users/(?P<InstanceId>arn:[^/]+/[^/]+)$",
    r"{0}/users-summary/(?P<InstanceId>arn:[^/]+/[^/]+)$",
    r"{0}/user/federate/(?P<InstanceId>arn:[^/]+/[^/]+)$",
    r"{0}/security-profiles-summary/(?P<InstanceId>arn:[^/]+/[^/]+)$",
    r"{0}/routing-profiles-summary/(?P<InstanceId>arn:[^/]+/[^/]+)$",
)


def create_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(CREATE_SECONDS_ENV, DEFAULT_CREATE_SECONDS)))
    except ValueError:
        return DEFAULT_CREATE_SECONDS


# ---- instances ----------------------------------------------------------------------------------


def create_instance(self: Any) -> Any:
    body = json_body(self)
    account, region = account_of(self), self.region
    kind = body.get("IdentityManagementType")
    alias = body.get("InstanceAlias")
    directory = body.get("DirectoryId")
    token = body.get("ClientToken")
    if kind not in IDENTITY_TYPES:
        raise AwsError(
            "InvalidRequestException",
            f"1 validation error detected: Value '{kind}' at 'identityManagementType' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(IDENTITY_TYPES)}]",
        )
    fingerprint = hashlib.sha256(
        json.dumps({k: v for k, v in body.items() if k != "ClientToken"}, sort_keys=True).encode()
    ).hexdigest()
    if token:
        for extras in backend(account, region).connect.values():
            if extras.client_token == token:
                if extras.request_fingerprint != fingerprint:
                    raise AwsError(
                        "InvalidRequestException",
                        "The ClientToken was already used for a different CreateInstance request.",
                    )
                known = moto_backend(account, region).instances.get(extras.instance_id)
                if known is not None:
                    return ActionResult({"Id": known.id, "Arn": known.arn})
    if kind == "EXISTING_DIRECTORY" and not directory:
        raise AwsError("InvalidRequestException", "DirectoryId is required when IdentityManagementType is EXISTING_DIRECTORY.")
    if kind != "EXISTING_DIRECTORY" and directory:
        raise AwsError("InvalidRequestException", f"DirectoryId is only allowed with EXISTING_DIRECTORY, not {kind}.")
    if kind != "EXISTING_DIRECTORY" and not alias:
        raise AwsError("InvalidRequestException", f"InstanceAlias is required when IdentityManagementType is {kind}.")
    if alias is not None:
        if len(alias) > 45 or not ALIAS_RE.match(alias):
            raise AwsError(
                "InvalidRequestException",
                f"1 validation error detected: Value '{alias}' at 'instanceAlias' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: ^(?!d-)([\\da-zA-Z]+)([-]*[\\da-zA-Z])*$ "
                "and have length less than or equal to 45",
            )
        if _alias_taken(alias):
            raise AwsError("InvalidRequestException", f"The alias {alias} is already in use; choose another alias.")
    result = moto_backend(account, region).create_instance(
        identity_management_type=kind,
        inbound_calls_enabled=bool(body.get("InboundCallsEnabled")),
        outbound_calls_enabled=bool(body.get("OutboundCallsEnabled")),
        instance_alias=alias,
        tags=body.get("Tags"),
    )
    moto_instance = moto_backend(account, region).instances[result["Id"]]
    delay = create_seconds()
    moto_instance.instance_status = "CREATION_IN_PROGRESS" if delay > 0 else "ACTIVE"
    extras = new_extras(account, region, moto_instance, ready_at=time.time() + delay)
    extras.client_token, extras.request_fingerprint = token, fingerprint
    return ActionResult({"Id": moto_instance.id, "Arn": moto_instance.arn})


def _alias_taken(alias: str) -> bool:
    """Aliases are unique across AWS; in the sandbox, across every account and Region it holds."""
    from moto.connect.models import connect_backends

    for _account, _region, region_backend in connect_backends.iter_backends():
        if any((i.instance_alias or "").lower() == alias.lower() for i in region_backend.instances.values()):
            return True
    return False


def describe_instance(self: Any) -> Any:
    moto_instance, _ = find_instance(account_of(self), self.region, param(self, "InstanceId"))
    return ActionResult({"Instance": moto_instance.to_dict()})


def list_instances(self: Any) -> Any:
    account, region = account_of(self), self.region
    instances = list(moto_backend(account, region).instances.values())
    for moto_instance in instances:
        extras = backend(account, region).connect.get(moto_instance.id)
        if extras is not None:
            settle(moto_instance, extras)
    page, token = paginate(instances, param(self, "MaxResults"), param(self, "NextToken"), default=10, maximum=10,
                           error_code="InvalidRequestException")
    result: dict[str, Any] = {"InstanceSummaryList": [i.to_summary_dict() for i in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def delete_instance(self: Any) -> Any:
    account, region = account_of(self), self.region
    moto_instance, _ = find_instance(account, region, param(self, "InstanceId"))
    moto_backend(account, region).delete_instance(instance_id=moto_instance.id)
    backend(account, region).connect.pop(moto_instance.id, None)
    return EmptyResult()


# ---- profiles -----------------------------------------------------------------------------------


def _summary(profile: SecurityProfile | RoutingProfile, region: str) -> dict[str, Any]:
    return {"Id": profile.id, "Arn": profile.arn, "Name": profile.name,
            "LastModifiedTime": profile.last_modified, "LastModifiedRegion": region}


def list_security_profiles(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    profiles = sorted(extras.security_profiles.values(), key=lambda p: p.name)
    page, token = paginate(profiles, param(self, "MaxResults"), param(self, "NextToken"), maximum=1000)
    result: dict[str, Any] = {"SecurityProfileSummaryList": [_summary(p, self.region) for p in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def list_routing_profiles(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    profiles = sorted(extras.routing_profiles.values(), key=lambda p: p.name)
    page, token = paginate(profiles, param(self, "MaxResults"), param(self, "NextToken"), maximum=1000)
    result: dict[str, Any] = {"RoutingProfileSummaryList": [_summary(p, self.region) for p in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def describe_security_profile(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    profile = extras.security_profiles.get(param(self, "SecurityProfileId"))
    if profile is None:
        raise AwsError("ResourceNotFoundException", f"Security profile not found: {param(self, 'SecurityProfileId')}")
    return ActionResult({"SecurityProfile": {
        "Id": profile.id, "OrganizationResourceId": profile.instance_id, "Arn": profile.arn,
        "SecurityProfileName": profile.name, "Description": profile.description, "Tags": {},
        "LastModifiedTime": profile.last_modified, "LastModifiedRegion": self.region, "Type": "AWS_MANAGED",
    }})


def describe_routing_profile(self: Any) -> Any:
    _, extras = active_instance(account_of(self), self.region, param(self, "InstanceId"))
    profile = extras.routing_profiles.get(param(self, "RoutingProfileId"))
    if profile is None:
        raise AwsError("ResourceNotFoundException", f"Routing profile not found: {param(self, 'RoutingProfileId')}")
    users = sum(1 for u in extras.users.values() if u.routing_profile_id == profile.id)
    return ActionResult({"RoutingProfile": {
        "InstanceId": profile.instance_id, "Name": profile.name, "RoutingProfileArn": profile.arn,
        "RoutingProfileId": profile.id, "Description": profile.description,
        "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}], "Tags": {},
        "NumberOfAssociatedQueues": 1, "NumberOfAssociatedUsers": users, "IsDefault": True,
        "LastModifiedTime": profile.last_modified, "LastModifiedRegion": self.region,
    }})


# ---- federation ---------------------------------------------------------------------------------


def get_federation_token(self: Any) -> Any:
    """GetFederationToken with the caller's credentials: they must belong to a SAML-assumed role session."""
    from workshop_lib.sandbox.server import federation

    account = account_of(self)
    session = federation.session_for_access_key(account, self.get_access_key())
    if session is None:
        raise AwsError(
            "InvalidRequestException",
            "Provided identity cannot be used for federation with Amazon Connect: call GetFederationToken with "
            "the credentials of the role assumed through SAML (AssumeRoleWithSAML).",
        )
    try:
        token = federation.federate(account, self.region, param(self, "InstanceId"), session)
    except federation.FederationRefused as refused:
        raise AwsError(refused.api_code, refused.message) from None
    return ActionResult(token.api_response())


# ---- installation -------------------------------------------------------------------------------

OPERATIONS: dict[str, Callable[[Any], Any]] = {
    fn.__name__: fn
    for fn in (
        create_instance, describe_instance, list_instances, delete_instance,
        list_security_profiles, list_routing_profiles, describe_security_profile, describe_routing_profile,
        create_user, list_users, describe_user, search_users, update_user_identity_info,
        update_user_security_profiles, update_user_routing_profile, update_user_phone_config, delete_user,
        get_federation_token,
    )
}


# moto's other Connect operations, still served by moto itself.
MOTO_OPERATIONS = ("TagResource", "UntagResource", "ListTagsForResource", "AssociateAnalyticsDataSet",
                   "DisassociateAnalyticsDataSet", "ListAnalyticsDataAssociations")
_ROUTER: list[tuple[str, "re.Pattern[str]", str]] = []


def _router() -> list[tuple[str, "re.Pattern[str]", str]]:
    """(method, path pattern, operation) for the operations the sandbox serves, exact patterns first.

    moto compiles a router over all ~430 Connect operations on the first request (about 0.3 s);
    matching the two dozen served here is instant.
    """
    if not _ROUTER:
        from botocore import xform_name
        from moto.core.utils import get_service_model

        model = get_service_model("connect")
        names = {xform_name(n): n for n in model.operation_names}
        wanted = [names[n] for n in OPERATIONS] + list(MOTO_OPERATIONS)
        exact, greedy = [], []
        for name in wanted:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?", 1)[0]
            labels = re.findall(r"\{([^}]+)\}", uri)
            pattern = re.escape(uri)
            for label in labels:
                pattern = pattern.replace(re.escape("{" + label + "}"), f"(?P<{label.rstrip('+')}>[^/]+)")
            exact.append((http["method"], re.compile(f"^{pattern}/?$"), name))
            if labels and uri.endswith("}"):  # the last label may hold an ARN with slashes
                last = labels[-1].rstrip("+")
                greedy.append((http["method"], re.compile("^" + pattern.replace(f"(?P<{last}>[^/]+)", f"(?P<{last}>.+)") + "$"), name))
        _ROUTER.extend(exact + greedy)
    return _ROUTER


def _action_from_method_and_uri(self: Any, request: Any) -> str:
    from urllib.parse import unquote

    path = request.path
    for method, pattern, name in _router():
        match = pattern.match(path) if method == request.method else None
        if match:
            self.uri_match = {k: unquote(v) for k, v in match.groupdict().items()}
            return name
    return None  # type: ignore[return-value]


def install() -> None:
    """Attach the operations to moto's ConnectResponse and route their URLs (before the first request)."""
    from moto.connect import urls
    from moto.connect.responses import ConnectResponse

    for name, fn in OPERATIONS.items():
        setattr(ConnectResponse, name, fn)
    ConnectResponse._get_action_from_method_and_request_uri = _action_from_method_and_uri  # type: ignore[method-assign]
    for pattern in ROUTES:
        urls.url_paths.setdefault(pattern, ConnectResponse.dispatch)
