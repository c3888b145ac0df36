"""IAM Identity Center (sso-admin) and the identity store as AWS answers them for this workshop.

The organization instance exists only after the simulated console enabled it (moto's automatic
per-Region instance is hidden); SAML applications exist only when the console added them;
assignments check that the user or group exists; unknown identity store IDs are refused.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from moto.core.responses import ActionResult, EmptyResult

from workshop_lib.sandbox.server.awsapi import AwsError, account_of, now, paginate, param, random_hex
from workshop_lib.sandbox.server.backend import Application, IdcInstance, backend, idc_home

CONNECT_PROVIDER_ARN = "arn:aws:sso::aws:applicationProvider/catalog/AmazonConnect"
CUSTOM_SAML_PROVIDER_ARN = "arn:aws:sso::aws:applicationProvider/custom-saml"
CUSTOM_OAUTH_PROVIDER_ARN = "arn:aws:sso::aws:applicationProvider/custom"
PROVIDERS: dict[str, dict[str, Any]] = {
    CONNECT_PROVIDER_ARN: {
        "FederationProtocol": "SAML",
        "DisplayData": {"DisplayName": "Amazon Connect",
                        "Description": "Amazon Connect is an omnichannel cloud contact center.",
                        "IconUrl": "https://static.sso.amazonaws.com/app/icons/amazon-connect.png"},
    },
    CUSTOM_SAML_PROVIDER_ARN: {
        "FederationProtocol": "SAML",
        "DisplayData": {"DisplayName": "Custom SAML 2.0 application",
                        "Description": "Add your own SAML 2.0 application."},
    },
    CUSTOM_OAUTH_PROVIDER_ARN: {
        "FederationProtocol": "OAUTH",
        "DisplayData": {"DisplayName": "Custom OAuth 2.0 application",
                        "Description": "Add your own OAuth 2.0 application."},
        "ResourceServerConfig": {"Scopes": {}},
    },
}
# The console names catalog providers by their display name ("Amazon Connect").
PROVIDER_BY_NAME = {data["DisplayData"]["DisplayName"]: arn for arn, data in PROVIDERS.items()}

SAML_PROVIDER_REFUSED = (
    "The application provider {arn} is not supported for this action: SAML applications, including catalog "
    "applications such as Amazon Connect, can only be added in the IAM Identity Center console."
)


# ---- lookups shared with the console and the portal ----------------------------------------------


def instance_for(account: str, instance_arn: str | None = None) -> IdcInstance:
    home = idc_home(account)
    if home is None or home.idc is None:
        raise AwsError("ResourceNotFoundException", "IAM Identity Center is not enabled in this account.")
    if instance_arn and home.idc.instance_arn != instance_arn:
        raise AwsError("ResourceNotFoundException", f"The IAM Identity Center instance {instance_arn} was not found.")
    return home.idc


def application_for(account: str, application_arn: str) -> Application:
    home = idc_home(account)
    app = home.applications.get(application_arn) if home else None
    if app is None:
        raise AwsError("ResourceNotFoundException", f"Application {application_arn} was not found.")
    return app


def identity_store(account: str, region: str, store_id: str) -> Any:
    """moto's data for one identity store, or None."""
    from moto.identitystore.models import identitystore_backends

    return identitystore_backends[account][region].identity_stores.get(store_id)


def principal_exists(instance: IdcInstance, principal_type: str, principal_id: str) -> bool:
    store = identity_store(instance.owner_account, instance.region, instance.identity_store_id)
    if store is None:
        return False
    if principal_type == "USER":
        return principal_id in store.users
    if principal_type == "GROUP":
        return principal_id in store.groups
    return False


def groups_of(instance: IdcInstance, user_id: str) -> set[str]:
    store = identity_store(instance.owner_account, instance.region, instance.identity_store_id)
    if store is None:
        return set()
    return {m["GroupId"] for m in store.group_memberships.values() if m.get("MemberId", {}).get("UserId") == user_id}


# ---- sso-admin: instances -----------------------------------------------------------------------


def _instance_dict(instance: IdcInstance, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "InstanceArn": instance.instance_arn, "IdentityStoreId": instance.identity_store_id,
        "IdentityStoreArn": instance.identity_store_arn, "OwnerAccountId": instance.owner_account,
        "CreatedDate": instance.created, "Status": "ACTIVE", "PrimaryRegion": instance.region,
    }
    if instance.name:
        data["Name"] = instance.name
    if full:
        data["Regions"] = [{"RegionName": instance.region, "Status": "ACTIVE", "AddedDate": instance.created,
                            "IsPrimaryRegion": True}]
        data["PermissionSetsEnabled"] = instance.kind == "ORGANIZATION"
    return data


def list_instances(self: Any) -> Any:
    home = idc_home(account_of(self))
    scope = param(self, "RegionScope") or "CURRENT_REGION"
    found = [home.idc] if home and home.idc and (scope == "ALL_REGIONS" or home.idc.region == self.region) else []
    page, token = paginate(found, param(self, "MaxResults"), param(self, "NextToken"), default=10, maximum=100,
                           error_code="ValidationException")
    result: dict[str, Any] = {"Instances": [_instance_dict(i) for i in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def describe_instance(self: Any) -> Any:
    arn = param(self, "InstanceArn")
    home = idc_home(account_of(self))
    if not home or not home.idc or home.idc.instance_arn != arn:
        raise AwsError("ValidationException", f"The IAM Identity Center instance {arn} does not exist in this account.")
    return ActionResult(_instance_dict(home.idc, full=True))


def create_instance(self: Any) -> Any:
    """Account instances only; AWS refuses them in an organization's management account."""
    account = account_of(self)
    org = organization_of(account)
    if org is not None and org.master_account_id == account:
        raise AwsError(
            "ValidationException",
            "Account instances of IAM Identity Center cannot be created in the management account of an "
            "organization. Enable the organization instance in the IAM Identity Center console instead.",
        )
    if idc_home(account) is not None:
        raise AwsError("ConflictException", "This account already has an IAM Identity Center instance.")
    instance = new_instance(account, self.region, kind="ACCOUNT", name=param(self, "Name") or "")
    return ActionResult({"InstanceArn": instance.instance_arn})


def organization_of(account: str) -> Any:
    """moto's organization this account manages (or None)."""
    from moto.organizations.models import organizations_backends

    for _account, _partition, org_backend in organizations_backends.iter_backends():
        if org_backend.org is not None and (
            org_backend.org.master_account_id == account or any(a.id == account for a in org_backend.accounts)
        ):
            return org_backend.org
    return None


def new_instance(account: str, region: str, *, kind: str, name: str = "") -> IdcInstance:
    """Create the Identity Center instance and its (empty) identity store in moto."""
    from moto.identitystore.models import IdentityStoreData, identitystore_backends

    instance = IdcInstance(
        instance_arn=f"arn:aws:sso:::instance/ssoins-{random_hex(16)}", identity_store_id=f"d-{random_hex(10)}",
        owner_account=account, region=region, created=now(), kind=kind, name=name,
    )
    identitystore_backends[account][region].identity_stores[instance.identity_store_id] = IdentityStoreData()
    backend(account, region).idc = instance
    return instance


# ---- sso-admin: providers and applications ------------------------------------------------------


def _provider_dict(arn: str) -> dict[str, Any]:
    return {"ApplicationProviderArn": arn, **PROVIDERS[arn]}


def list_application_providers(self: Any) -> Any:
    page, token = paginate(sorted(PROVIDERS), param(self, "MaxResults"), param(self, "NextToken"),
                           error_code="ValidationException")
    result: dict[str, Any] = {"ApplicationProviders": [_provider_dict(a) for a in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def describe_application_provider(self: Any) -> Any:
    arn = param(self, "ApplicationProviderArn")
    if arn not in PROVIDERS:
        raise AwsError("ResourceNotFoundException", f"Application provider {arn} was not found.")
    return ActionResult(_provider_dict(arn))


def _application_dict(app: Application, instance: IdcInstance) -> dict[str, Any]:
    # The botocore Application shape: Description has at least one character (left out when there is none),
    # and CreatedFrom is the Region it was created in (pattern ([a-z]+-){2,3}\d), never "console".
    found = {
        "ApplicationArn": app.arn, "ApplicationProviderArn": app.provider_arn, "Name": app.name,
        "ApplicationAccount": app.account, "InstanceArn": app.instance_arn,
        "IdentityStoreArn": instance.identity_store_arn, "Status": app.status,
        "PortalOptions": {"Visibility": "ENABLED", "SignInOptions": {"Origin": "IDENTITY_CENTER"}},
        "CreatedDate": app.created, "CreatedFrom": app.region,
    }
    if app.description:
        found["Description"] = app.description
    return found


def new_application(instance: IdcInstance, name: str, provider_arn: str, *, description: str = "",
                    created_from: str = "console") -> Application:
    app_id = f"apl-{random_hex(16)}"
    instance_part = instance.instance_arn.rsplit("/", 1)[-1]
    app = Application(
        arn=f"arn:aws:sso::{instance.owner_account}:application/{instance_part}/{app_id}", app_id=app_id,
        name=name, provider_arn=provider_arn, instance_arn=instance.instance_arn, account=instance.owner_account,
        region=instance.region, created=now(), description=description, created_from=created_from,
    )
    backend(instance.owner_account, instance.region).applications[app.arn] = app
    return app


def create_application(self: Any) -> Any:
    account = account_of(self)
    provider = param(self, "ApplicationProviderArn")
    if provider not in PROVIDERS:
        raise AwsError("ResourceNotFoundException", f"Application provider {provider} was not found.")
    if PROVIDERS[provider]["FederationProtocol"] == "SAML":
        raise AwsError("ValidationException", SAML_PROVIDER_REFUSED.format(arn=provider))
    instance = instance_for(account, param(self, "InstanceArn"))
    app = new_application(instance, param(self, "Name"), provider, description=param(self, "Description") or "",
                          created_from="api")
    app.status = param(self, "Status") or "ENABLED"
    return ActionResult({"ApplicationArn": app.arn, "InstanceArn": instance.instance_arn,
                         "IdentityStoreArn": instance.identity_store_arn})


def describe_application(self: Any) -> Any:
    account = account_of(self)
    app = application_for(account, param(self, "ApplicationArn"))
    return ActionResult(_application_dict(app, instance_for(account)))


def list_applications(self: Any) -> Any:
    account = account_of(self)
    instance = instance_for(account, param(self, "InstanceArn"))
    home = idc_home(account)
    apps = sorted(home.applications.values(), key=lambda a: a.created) if home else []
    wanted = param(self, "Filter") or {}
    if wanted.get("ApplicationProvider"):
        apps = [a for a in apps if a.provider_arn == wanted["ApplicationProvider"]]
    if wanted.get("ApplicationAccount"):
        apps = [a for a in apps if a.account == wanted["ApplicationAccount"]]
    page, token = paginate(apps, param(self, "MaxResults"), param(self, "NextToken"), maximum=100,
                           error_code="ValidationException")
    result: dict[str, Any] = {"Applications": [_application_dict(a, instance) for a in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def update_application(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    for attribute, key in (("name", "Name"), ("description", "Description"), ("status", "Status")):
        value = param(self, key)
        if value is not None:
            setattr(app, attribute, value)
    return EmptyResult()


def delete_application(self: Any) -> Any:
    account = account_of(self)
    app = application_for(account, param(self, "ApplicationArn"))
    home = idc_home(account)
    if home is not None:
        home.applications.pop(app.arn, None)
    return EmptyResult()


# ---- sso-admin: assignments ---------------------------------------------------------------------


def _principal(self: Any) -> tuple[str, str]:
    principal_type, principal_id = param(self, "PrincipalType"), param(self, "PrincipalId")
    if principal_type not in ("USER", "GROUP"):
        raise AwsError("ValidationException", f"PrincipalType must be USER or GROUP, not {principal_type!r}.")
    return principal_type, principal_id


def _assignment_dict(app: Application, principal: tuple[str, str]) -> dict[str, str]:
    return {"ApplicationArn": app.arn, "PrincipalType": principal[0], "PrincipalId": principal[1]}


def create_application_assignment(self: Any) -> Any:
    account = account_of(self)
    app = application_for(account, param(self, "ApplicationArn"))
    principal = _principal(self)
    if not principal_exists(instance_for(account), *principal):
        raise AwsError("ResourceNotFoundException",
                       f"The {principal[0].lower()} {principal[1]} does not exist in the identity store.")
    if principal not in app.assignments:
        app.assignments.append(principal)
    return EmptyResult()


def delete_application_assignment(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    principal = _principal(self)
    if principal not in app.assignments:
        raise AwsError("ResourceNotFoundException",
                       f"The {principal[0].lower()} {principal[1]} is not assigned to {app.arn}.")
    app.assignments.remove(principal)
    return EmptyResult()


def describe_application_assignment(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    principal = _principal(self)
    if principal not in app.assignments:
        raise AwsError("ResourceNotFoundException",
                       f"The {principal[0].lower()} {principal[1]} is not assigned to {app.arn}.")
    return ActionResult(_assignment_dict(app, principal))


def list_application_assignments(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    page, token = paginate(app.assignments, param(self, "MaxResults"), param(self, "NextToken"), maximum=100,
                           error_code="ValidationException")
    result: dict[str, Any] = {"ApplicationAssignments": [_assignment_dict(app, p) for p in page]}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def list_application_assignments_for_principal(self: Any) -> Any:
    account = account_of(self)
    instance_for(account, param(self, "InstanceArn"))
    principal = _principal(self)
    home = idc_home(account)
    wanted = (param(self, "Filter") or {}).get("ApplicationArn")
    found = [
        _assignment_dict(app, principal)
        for app in (home.applications.values() if home else [])
        if principal in app.assignments and (not wanted or app.arn == wanted)
    ]
    page, token = paginate(found, param(self, "MaxResults"), param(self, "NextToken"), maximum=100,
                           error_code="ValidationException")
    result: dict[str, Any] = {"ApplicationAssignments": page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def get_application_assignment_configuration(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    return ActionResult({"AssignmentRequired": app.assignment_required})


def put_application_assignment_configuration(self: Any) -> Any:
    app = application_for(account_of(self), param(self, "ApplicationArn"))
    if app.saml:
        raise AwsError("ValidationException",
                       "The assignment configuration of a SAML application can only be changed in the console.")
    app.assignment_required = bool(param(self, "AssignmentRequired"))
    return EmptyResult()


SSO_ADMIN_OPERATIONS: dict[str, Callable[[Any], Any]] = {
    fn.__name__: fn
    for fn in (
        list_instances, describe_instance, create_instance, list_application_providers,
        describe_application_provider, create_application, describe_application, list_applications,
        update_application, delete_application, create_application_assignment, delete_application_assignment,
        describe_application_assignment, list_application_assignments, list_application_assignments_for_principal,
        get_application_assignment_configuration, put_application_assignment_configuration,
    )
}


# ---- identity store -----------------------------------------------------------------------------


def _known_store_only(self: Any, store_id: str) -> Any:
    """Replaces moto's lookup that silently creates a new store for any unknown ID."""
    from moto.identitystore.exceptions import ResourceNotFoundException

    store = self.identity_stores.get(store_id)
    if store is None:
        raise ResourceNotFoundException(
            message=f"Identity store {store_id} does not exist. Use the IdentityStoreId that "
            "sso-admin list_instances returns.",
            resource_type="IDENTITY_STORE",
        )
    return store


def install() -> None:
    from moto.identitystore.models import IdentityStoreBackend
    from moto.ssoadmin.responses import SSOAdminResponse

    from workshop_lib.sandbox.server import ext_idstore, moto_fixes

    moto_fixes.install()
    ext_idstore.install()

    for name, fn in SSO_ADMIN_OPERATIONS.items():
        setattr(SSOAdminResponse, name, fn)
    IdentityStoreBackend._IdentityStoreBackend__get_identity_store = _known_store_only  # type: ignore[attr-defined]
    if not getattr(IdentityStoreBackend.create_group_membership, "_workshop_unique", False):
        IdentityStoreBackend.create_group_membership = _unique_membership(IdentityStoreBackend.create_group_membership)  # type: ignore[method-assign]


def _unique_membership(create: Callable[..., Any]) -> Callable[..., Any]:
    """Like Identity Center, refuse a second membership of the same user in the same group (moto adds one)."""

    def create_group_membership(self: Any, identity_store_id: str, group_id: str, member_id: dict[str, str]) -> Any:
        from moto.identitystore.exceptions import ConflictException

        store = self._IdentityStoreBackend__get_identity_store(identity_store_id)
        user_id = (member_id or {}).get("UserId")
        # moto's memberships hold MemberId {"UserId": …} and nothing else: one C loop over 1,000s of them
        if (group_id, {"UserId": user_id}) in map(operator.itemgetter("GroupId", "MemberId"), store.group_memberships.values()):
            raise ConflictException(message="Member and Group relationship already exists.", reason="UNIQUENESS_CONSTRAINT_VIOLATION")
        return create(self, identity_store_id, group_id, member_id)

    create_group_membership._workshop_unique = True  # type: ignore[attr-defined]
    return create_group_membership


__all__ = ["CONNECT_PROVIDER_ARN", "PROVIDER_BY_NAME", "install"]
