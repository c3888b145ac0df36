"""The simulated console and sign-in, from Python: plain functions that take the sandbox endpoint.

The console-only steps of the workshop (enable Identity Center, add the Amazon Connect application,
download its metadata, relay state, attribute mappings, a user's password) and the browser sign-in.
Refusals raise :class:`ConsoleError` with the console's sentence; nothing here imports moto or boto3.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Mapping

from workshop_lib.errors import SandboxError
from workshop_lib.sandbox.client import _http


class ConsoleError(SandboxError):
    """The simulated console refused an action (``code`` says which kind, e.g. F14, duplicate, input)."""


def _token(endpoint: str) -> str:
    from workshop_lib.sandbox.client import control

    found = control.connection(endpoint)
    if found is None:
        raise SandboxError(f"No running sandbox on this machine records the endpoint {endpoint}, so its token is unknown.",
                           fix="Start it with `connect-sso-workshop sandbox start`, or set WORKSHOP_SANDBOX_HOME to "
                               "the WORKSHOP_HOME it was started in.")
    return found.token


def _call(endpoint: str, path: str, payload: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    token = _token(endpoint)
    try:
        answer = _http.request(endpoint, path, payload, timeout=timeout, token=token)
    except OSError as exc:
        raise SandboxError(f"The sandbox at {endpoint} did not answer ({exc}).",
                           fix="Check it with `connect-sso-workshop sandbox status`; start it if needed.") from None
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status != 200:
        error = body.get("error") or {}
        raise ConsoleError(error.get("message") or f"The sandbox answered HTTP {answer.status}.",
                           fix=error.get("fix", ""), code=error.get("code", ""))
    return body


def _console(endpoint: str, action: str, **payload: Any) -> dict[str, Any]:
    return _call(endpoint, f"/_sandbox/console/{action}", {k: v for k, v in payload.items() if v is not None})


# ---- Identity Center ----------------------------------------------------------------------------


def enable_identity_center(endpoint: str, region: str, *, create_organization: bool = False) -> dict[str, Any]:
    """Enable the organization instance in ``region``: {instance_arn, identity_store_id, region, portal_url, created}.

    Needs an all-features organization; ``create_organization=True`` is the console's 'Create AWS organization'.
    Enabling again in the same Region returns the existing instance.
    """
    return _console(endpoint, "enable_identity_center", region=region, create_organization=create_organization)


def add_application(endpoint: str, display_name: str, provider: str = "Amazon Connect") -> str:
    """Add the catalog application with this display name; returns its ARN (…/apl-…)."""
    return _console(endpoint, "add_application", display_name=display_name, provider=provider)["application_arn"]


def download_metadata(endpoint: str, application: str) -> bytes:
    """The application's IdP metadata file (application = display name or ARN), as the Download button gives it."""
    return _console(endpoint, "download_metadata", application=application)["metadata"].encode("utf-8")


def set_relay_state(endpoint: str, application: str, url: str) -> dict[str, Any]:
    """Save the application's relay state ('' clears it); returns the application's settings."""
    return _console(endpoint, "set_relay_state", application=application, relay_state=url)


def set_attribute_mappings(endpoint: str, application: str, mappings: Mapping[str, Any] | list[dict[str, Any]],
                           *, replace: bool = False) -> dict[str, Any]:
    """Edit attribute mappings: {'Role': '<role ARN>,<provider ARN>', 'Subject': {'value': '${user:email}',
    'format': 'emailAddress'}, 'RoleSessionName': None (deletes the row)}; short names get the AWS prefix.
    Rows not named stay unless ``replace``."""
    return _console(endpoint, "set_attribute_mappings", application=application,
                    mappings=dict(mappings) if isinstance(mappings, Mapping) else list(mappings), replace=replace)


def set_application_saml(endpoint: str, application: str, *, acs_url: str | None = None, audience: str | None = None,
                         session_duration: int | None = None, encryption_certificate: str | None = None) -> dict[str, Any]:
    """Edit the application's ACS URL, SAML audience, session duration (seconds) or encryption certificate
    (PEM: the application then encrypts its assertions to it; "" stops encrypting)."""
    return _console(endpoint, "set_application_saml", application=application, acs_url=acs_url, audience=audience,
                    session_duration=session_duration, encryption_certificate=encryption_certificate)


def set_application_status(endpoint: str, application: str, enabled: bool) -> dict[str, Any]:
    return _console(endpoint, "set_application_status", application=application, enabled=enabled)


def rotate_certificate(endpoint: str, application: str) -> dict[str, Any]:
    """Give the application a new signing certificate; the IAM provider needs update_saml_provider afterwards."""
    return _console(endpoint, "rotate_certificate", application=application)


def get_application_settings(endpoint: str, application: str) -> dict[str, Any]:
    """What the console shows for the application: relay state, ACS, audience, mappings, certificate, assignments."""
    return _console(endpoint, "get_application_settings", application=application)


def set_user_password(endpoint: str, identity_store_id: str, user_name: str, password: str) -> dict[str, Any]:
    """Set the user's password (the console's one-time password); sign_in then checks it when given."""
    return _console(endpoint, "set_user_password", identity_store_id=identity_store_id, user_name=user_name,
                    password=password)


# ---- sign-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    """Where the browser ended up: ``ok`` and ``landing`` ('ccp', 'agent-workspace', 'admin'), or the
    message AWS or Connect showed, with ``code`` (F1…F19) and ``detail`` (why, in the workshop's words)."""

    ok: bool
    landing: str | None
    message: str
    code: str
    saml_response_b64: str | None
    url: str | None = None
    detail: str = ""
    trace: tuple[str, ...] = field(default_factory=tuple)

    @property
    def saml_response(self) -> bytes | None:
        """The signed SAML response XML the portal posted (None when the portal stopped before signing)."""
        return base64.b64decode(self.saml_response_b64) if self.saml_response_b64 else None


def sign_in(endpoint: str, user: str, application: str, password: str | None = None,
            relay_state: str | None = None) -> SignInResult:
    """Sign in to the access portal as ``user`` (UserName or email), click ``application``, follow it into Connect.

    ``password`` None skips the portal password (already signed in); ``relay_state`` overrides the app's.
    """
    body = _call(endpoint, "/_sandbox/portal/sign-in",
                 {"user": user, "application": application, "password": password, "relay_state": relay_state})
    return SignInResult(
        ok=bool(body.get("ok")), landing=body.get("landing"), message=body.get("message", ""),
        code=body.get("code", ""), saml_response_b64=body.get("saml_response_b64"), url=body.get("url"),
        detail=body.get("detail", ""), trace=tuple(body.get("trace") or ()),
    )
