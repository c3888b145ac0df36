"""The simulated AWS console: the steps no API can do, as JSON actions on the sandbox server.

Each action takes the account and a JSON payload and returns a JSON-ready dict, or raises
:class:`ConsoleRefused` with the sentence the console would show. Reached over HTTP at
``POST /_sandbox/console/<action>``; :mod:`console_client` is the Python side.
"""

from __future__ import annotations

from typing import Any, Callable

from workshop_lib.sandbox.server.backend import Application, IdcInstance, backend, idc_home


class ConsoleRefused(Exception):
    def __init__(self, message: str, *, fix: str = "", code: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.fix, self.code, self.status = message, fix, code, status

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "fix": self.fix, "code": self.code}}


def _text(payload: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = payload.get(key)
    if value is None or (required and not str(value).strip()):
        if required:
            raise ConsoleRefused(f"'{key}' is required.", code="input")
        return ""
    if not isinstance(value, str):
        raise ConsoleRefused(f"'{key}' must be text.", code="input")
    return value


def _instance(account: str) -> IdcInstance:
    home = idc_home(account)
    if home is None or home.idc is None:
        raise ConsoleRefused("IAM Identity Center is not enabled in this account.",
                             fix="Enable it first (enable_identity_center).", code="F14", status=404)
    return home.idc


def _application(account: str, payload: dict[str, Any]) -> Application:
    from workshop_lib.sandbox.server.signin import find_application

    name = _text(payload, "application")
    _instance(account)
    app = find_application(account, name)
    if app is None:
        home = idc_home(account)
        known = ", ".join(repr(a.name) for a in home.applications.values()) if home else ""
        raise ConsoleRefused(f"There is no application {name!r} in IAM Identity Center.",
                             fix=f"Applications: {known}." if known else "Add it first (add_application).",
                             code="not-found", status=404)
    if not app.saml:
        raise ConsoleRefused(f"{app.name!r} is an OAuth application; it has no SAML settings.", code="input")
    return app


# ---- Identity Center --------------------------------------------------------------------------


def enable_identity_center(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Enable the organization instance of IAM Identity Center in ``region`` (needs an all-features organization)."""
    from moto.organizations.models import organizations_backends

    from workshop_lib.errors import InputError
    from workshop_lib.rules.regions import validate_region
    from workshop_lib.sandbox.server.ext_idc import new_instance, organization_of

    try:
        region = validate_region(_text(payload, "region"), "sso-admin")
    except InputError as exc:
        raise ConsoleRefused(exc.message, fix=exc.fix, code="input") from None
    org = organization_of(account)
    if org is None:
        if not payload.get("create_organization"):
            raise ConsoleRefused(
                "Enabling IAM Identity Center needs an AWS organization, and this account has none.",
                fix="Choose 'Create AWS organization' (create_organization=True), or call "
                    "organizations.create_organization(FeatureSet='ALL') first.", code="no-organization")
        organizations_backends[account]["aws"].create_organization(region="us-east-1", FeatureSet="ALL")
        org = organization_of(account)
    if org.master_account_id != account:
        raise ConsoleRefused("Only the organization's management account can enable the organization instance.",
                             code="F15")
    if org.feature_set != "ALL":
        raise ConsoleRefused("The organization has only consolidated billing; IAM Identity Center needs all features.",
                             fix="Enable all features: organizations.enable_all_features().", code="no-all-features")
    home = idc_home(account)
    if home is not None and home.idc is not None:
        existing = home.idc
        if existing.kind == "ACCOUNT":
            raise ConsoleRefused("This account already has an account instance of IAM Identity Center, which cannot "
                                 "host the Amazon Connect application.",
                                 fix="Delete the account instance, then enable the organization instance.", code="F14")
        if existing.region != region:
            raise ConsoleRefused(f"IAM Identity Center is already enabled in {existing.region}; an organization has "
                                 "one instance, in one Region.", fix=f"Use {existing.region}.", code="F14")
        return _instance_dict(existing, created=False)
    org_backend = organizations_backends[account]["aws"]
    org_backend.enable_aws_service_access(ServicePrincipal="sso.amazonaws.com")
    return _instance_dict(new_instance(account, region, kind="ORGANIZATION"), created=True)


def _instance_dict(instance: IdcInstance, *, created: bool) -> dict[str, Any]:
    return {"instance_arn": instance.instance_arn, "identity_store_id": instance.identity_store_id,
            "region": instance.region, "portal_url": instance.portal_url, "created": created}


def add_application(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Add a catalog application (Amazon Connect) with a display name; returns its ARN."""
    from workshop_lib.sandbox.server import portal
    from workshop_lib.sandbox.server.ext_idc import PROVIDER_BY_NAME, PROVIDERS, new_application

    instance = _instance(account)
    name = _text(payload, "display_name").strip()
    if len(name) > 100:
        raise ConsoleRefused("The display name can be at most 100 characters.", code="input")
    provider_name = payload.get("provider") or "Amazon Connect"
    provider = PROVIDER_BY_NAME.get(provider_name, provider_name if provider_name in PROVIDERS else None)
    if provider is None or PROVIDERS[provider]["FederationProtocol"] != "SAML":
        raise ConsoleRefused(f"{provider_name!r} is not a SAML application in the catalog.",
                             fix="Use provider='Amazon Connect'.", code="input")
    if instance.kind != "ORGANIZATION":
        raise ConsoleRefused("The application catalog is not available for an account instance of IAM Identity "
                             "Center, so Amazon Connect cannot be added.",
                             fix="Use the organization instance (enable IAM Identity Center from the management "
                                 "account of an all-features organization).", code="F14")
    home = backend(instance.owner_account, instance.region)
    if any(a.name == name for a in home.applications.values()):
        raise ConsoleRefused(f"An application named {name!r} already exists.",
                             fix="Use it (get_application_settings), or choose another display name.",
                             code="duplicate", status=409)
    app = new_application(instance, name, provider, description=payload.get("description") or "")
    app.certificate_pem, app.private_key_pem = portal.new_signing_certificate()
    app.mappings = portal.default_mappings()
    return {"application_arn": app.arn, "name": app.name, "metadata_url": portal.metadata_url(app)}


def download_metadata(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    from workshop_lib.sandbox.server import portal

    app = _application(account, payload)
    return {"metadata": portal.metadata_xml(app).decode("utf-8"), "file_name": f"{app.name}_ins-{app.app_id[4:]}.xml"}


def set_relay_state(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    app = _application(account, payload)
    app.relay_state = _text(payload, "relay_state", required=False)
    return get_application_settings(account, payload)


def set_application_saml(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Edit the SAML settings the console shows under 'Application metadata' and 'Application properties'."""
    app = _application(account, payload)
    if payload.get("acs_url") is not None:
        app.acs_url = _text(payload, "acs_url")
    if payload.get("audience") is not None:
        app.audience = _text(payload, "audience")
    if payload.get("session_duration") is not None:
        seconds = payload["session_duration"]
        if not isinstance(seconds, int) or not 900 <= seconds <= 43200:
            raise ConsoleRefused("The session duration must be between 900 and 43200 seconds (15 minutes to 12 hours).",
                                 code="input")
        app.session_duration = seconds
    if payload.get("encryption_certificate") is not None:
        app.encryption_certificate_pem = _encryption_certificate(payload["encryption_certificate"])
    return get_application_settings(account, payload)


def _encryption_certificate(text: Any) -> bytes:
    """The certificate the application encrypts assertions to ('' stops encrypting): the IAM provider's key's."""
    from cryptography import x509

    if not text:
        return b""
    data = str(text).encode("ascii", errors="replace")
    try:
        x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ConsoleRefused("The encryption certificate must be a PEM certificate (-----BEGIN CERTIFICATE-----).",
                             code="input") from None
    return data


def set_attribute_mappings(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    from workshop_lib.sandbox.server import portal

    app = _application(account, payload)
    try:
        portal.apply_mappings(app, payload.get("mappings"), replace=bool(payload.get("replace")))
    except portal.MappingError as exc:
        raise ConsoleRefused(str(exc), code="input") from None
    return get_application_settings(account, payload)


def set_application_status(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    app = _application(account, payload)
    app.status = "ENABLED" if payload.get("enabled", True) else "DISABLED"
    return get_application_settings(account, payload)


def rotate_certificate(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace the application's signing certificate (the IAM provider keeps the old one until updated)."""
    from workshop_lib.sandbox.server import portal

    app = _application(account, payload)
    app.certificate_pem, app.private_key_pem = portal.new_signing_certificate()
    return get_application_settings(account, payload)


def get_application_settings(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    from workshop_lib.sandbox.server import portal

    app = _application(account, payload)
    return {
        "application_arn": app.arn, "name": app.name, "status": app.status, "provider_arn": app.provider_arn,
        "relay_state": app.relay_state, "acs_url": app.acs_url, "audience": app.audience,
        "session_duration": app.session_duration, "entity_id": portal.entity_id(app),
        "encrypts_assertions": bool(app.encryption_certificate_pem),
        "metadata_url": portal.metadata_url(app), "certificate": portal.certificate_summary(app.certificate_pem),
        "mappings": [{"attribute": r.attribute, "value": r.value, "format": r.format} for r in app.mappings],
        "assignments": [{"principal_type": t, "principal_id": i} for t, i in app.assignments],
    }


def set_user_password(account: str, payload: dict[str, Any]) -> dict[str, Any]:
    """'Reset password' > 'Generate a one-time password' / set one: the sign-in then asks for it."""
    from workshop_lib.sandbox.server.signin import find_user, hash_password

    instance = _instance(account)
    store_id = payload.get("identity_store_id") or instance.identity_store_id
    if store_id != instance.identity_store_id:
        raise ConsoleRefused(f"There is no identity store {store_id}.", fix=f"Use {instance.identity_store_id}.",
                             code="not-found", status=404)
    password = _text(payload, "password")
    if len(password) < 8:
        raise ConsoleRefused("The password must have at least 8 characters.", code="input")
    user = find_user(instance, _text(payload, "user_name"))
    if user is None:
        raise ConsoleRefused(f"There is no user {payload['user_name']!r} in {store_id}.", code="not-found", status=404)
    backend(instance.owner_account, instance.region).passwords[(store_id, user.UserId)] = hash_password(password)
    return {"user_id": user.UserId, "user_name": user.UserName}


ACTIONS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    fn.__name__: fn
    for fn in (
        enable_identity_center, add_application, download_metadata, set_relay_state, set_application_saml,
        set_attribute_mappings, set_application_status, rotate_certificate, get_application_settings,
        set_user_password,
    )
}


def run(account: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    handler = ACTIONS.get(action)
    if handler is None:
        raise ConsoleRefused(f"The console has no action {action!r}.", fix=f"Actions: {', '.join(sorted(ACTIONS))}.",
                             code="input", status=404)
    return handler(account, payload)
