"""A browser sign-in, simulated end to end: access portal → AWS sign-in → Amazon Connect federation.

The portal checks the user and the assignment (F16) and signs a response from the application's
mappings; AWS sign-in judges it (:mod:`aws_signin`); the relay state sends the browser to Connect
(F12, F19), which federates the session (:mod:`federation`: F8, F9, F10). The answer says where the
browser lands, or the message AWS shows and why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from workshop_lib.sandbox.server.backend import Application, IdcInstance, idc_home

LANDINGS = {
    None: ("admin", "the Amazon Connect admin website"),
    "/ccp-v2": ("ccp", "the Contact Control Panel (CCP)"),
    "/ccp-v2/chat": ("ccp", "the Contact Control Panel (CCP), chat view"),
    "/agent-app-v2": ("agent-workspace", "the agent workspace"),
}
NO_ACCESS = "No access: the application is not assigned to you, so its tile is not in your AWS access portal."
BAD_LOGIN = "Incorrect username or password."


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 20_000)
    return f"pbkdf2_sha256${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, salt, _digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def find_application(account: str, application: str) -> Application | None:
    home = idc_home(account)
    if home is None:
        return None
    apps = list(home.applications.values())
    return next((a for a in apps if application in (a.arn, a.app_id)), None) or next(
        (a for a in apps if a.name == application), None)


def find_user(instance: IdcInstance, user: str) -> Any:
    """The identity store user whose UserName or an email is ``user`` (IdC sign-in ignores case)."""
    from workshop_lib.sandbox.server.ext_idc import identity_store

    store = identity_store(instance.owner_account, instance.region, instance.identity_store_id)
    wanted = (user or "").strip().lower()
    for candidate in (store.users.values() if store else []):
        if (candidate.UserName or "").lower() == wanted:
            return candidate
    for candidate in (store.users.values() if store else []):
        if any((e.get("Value") or "").lower() == wanted for e in candidate.Emails or []):
            return candidate
    return None


class _Flow:
    def __init__(self) -> None:
        self.trace: list[str] = []
        self.saml_b64: str | None = None

    def note(self, step: str) -> None:
        self.trace.append(step)

    def fail(self, code: str, message: str, detail: str = "") -> dict[str, Any]:
        return {"ok": False, "landing": None, "url": None, "message": message, "code": code, "detail": detail,
                "saml_response_b64": self.saml_b64, "trace": self.trace}


def sign_in(account: str, user: str, application: str, password: str | None = None,
            relay_state: str | None = None) -> dict[str, Any]:
    """The whole browser journey for ``user`` clicking the ``application`` tile; a JSON-ready result."""
    from workshop_lib.sandbox.server import aws_signin, federation, portal
    from workshop_lib.sandbox.server.ext_idc import groups_of

    flow = _Flow()
    home = idc_home(account)
    if home is None or home.idc is None:
        return flow.fail("portal", "There is no AWS access portal: IAM Identity Center is not enabled.",
                         "Enable IAM Identity Center in the (simulated) console first.")
    instance = home.idc
    identity = find_user(instance, user)
    if identity is None:
        return flow.fail("portal", BAD_LOGIN, f"There is no user {user!r} in the identity store {instance.identity_store_id}.")
    stored = home.passwords.get((instance.identity_store_id, identity.UserId))
    if password is not None:
        if stored is None:
            return flow.fail("F17", BAD_LOGIN, f"{identity.UserName} has no password yet: in the console choose "
                                               "'Reset password' > 'Generate a one-time password' (set_user_password).")
        if not password_matches(password, stored):
            return flow.fail("portal", BAD_LOGIN, "The password is not the one set for this user.")
    flow.note(f"portal: signed in as {identity.UserName} ({instance.portal_url})")

    app = find_application(account, application)
    if app is None:
        return flow.fail("F16", NO_ACCESS, f"There is no application {application!r} in IAM Identity Center.")
    groups = groups_of(instance, identity.UserId)
    via = [p for p in app.assignments if p == ("USER", identity.UserId) or (p[0] == "GROUP" and p[1] in groups)]
    if not via:
        return flow.fail("F16", NO_ACCESS, f"Neither {identity.UserName} nor a group they belong to is assigned to "
                                           f"{app.name!r}.")
    if app.status != "ENABLED":
        return flow.fail("F16", NO_ACCESS, f"The application {app.name!r} is disabled.")
    if not app.saml:
        return flow.fail("portal", "This application does not use SAML.", f"{app.name!r} is an OAuth application.")
    flow.note(f"portal: {app.name!r} assigned ({via[0][0].lower()} {via[0][1]})")

    xml = portal.build_response(app, portal.PortalUser.from_moto(identity))
    flow.saml_b64 = base64.b64encode(xml).decode("ascii")
    flow.note(f"portal: signed SAML response posted to {app.acs_url}")
    from workshop_lib.saml.constants import ACS_PATTERN

    if not ACS_PATTERN.match(app.acs_url):
        return flow.fail("F1", aws_signin.INVALID_RESPONSE,
                         f"The application's ACS URL {app.acs_url!r} is not an AWS sign-in endpoint.")
    try:
        session = aws_signin.judge(account, xml)
    except aws_signin.SignInRefused as refused:
        return flow.fail(refused.code, refused.message, refused.detail)
    aws_signin.assume(account, session)
    flow.note(f"AWS sign-in: assumed {session.role_arn} as {session.userid}")

    chosen = app.relay_state if relay_state is None else relay_state
    target = _relay_target(chosen)
    if isinstance(target, tuple):
        return flow.fail("F12", *target)
    flow.note(f"browser: following the relay state {chosen}")
    try:
        token = federation.federate(account, target.region, target.instance_id,
                                    federation.FederatedSession(session.role_arn, session.role_id,
                                                                session.role_session_name))
    except federation.FederationRefused as refused:
        return flow.fail(refused.code, refused.message, refused.detail)
    landing, where, url = _landing(target.destination, token.access_url)
    flow.note(f"Amazon Connect: {token.username} federated ({', '.join(token.security_profiles)})")
    return {"ok": True, "landing": landing, "url": url, "code": "", "detail": "",
            "message": f"Signed in to Amazon Connect as {token.username}; the browser lands on {where}.",
            "saml_response_b64": flow.saml_b64, "trace": flow.trace}


def _landing(destination: str | None, access_url: str) -> tuple[str, str, str]:
    """(landing key, words for it, URL) for the relay state's destination."""
    if destination is None:
        return (*LANDINGS[None], access_url + "/home")
    if destination.startswith("https://"):  # an approved origin of the instance
        return "custom", destination, destination
    landing, where = LANDINGS.get(destination.split("?", 1)[0], ("custom", destination))
    return landing, where, access_url + destination


def _relay_target(text: str | None) -> Any:
    """The relay state as Connect reads it, or (message, detail) for where the browser ends up instead."""
    from workshop_lib.errors import InputError
    from workshop_lib.findings import Severity
    from workshop_lib.rules.relay_state import LEGACY_DESTINATIONS, DESTINATIONS, check_relay_state, parse_relay_state

    if not (text or "").strip():
        return ("You land on the AWS Management Console home page instead of Amazon Connect.",
                "The application has no relay state.")
    errors = [f for f in check_relay_state(text) if f.severity is Severity.ERROR]
    if errors:
        return ("Amazon Connect shows an error page instead of opening.", errors[0].message)
    try:
        target = parse_relay_state(text)
    except InputError as exc:
        return ("Amazon Connect shows an error page instead of opening.", exc.message)
    if target.destination in {DESTINATIONS[k] for k in LEGACY_DESTINATIONS}:
        return ("Amazon Connect shows an error page instead of opening.",
                f"The destination {target.destination} is the legacy CCP path, which this instance does not serve.")
    return target
