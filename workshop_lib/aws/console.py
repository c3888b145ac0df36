"""Console-only steps and values: the one place the workshop touches what only the IAM Identity Center console shows.

Only on the ``sandbox`` target are console steps done for the learner, through the sandbox's simulated console
(over HTTP, like everything else). On a real account and on the ``rehearsal`` target these steps are the
learner's job: the step shows its guide, and the values no API can read (the relay state, the Role row of the
attribute mappings) are known only when the learner pastes them back (``console_values``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.aws.snapshot import ConsoleSettings, ConsoleSettingsProvider
    from workshop_lib.rules.chain import SideNames
    from workshop_lib.context import Context
    from workshop_lib.settings import Settings

# The SAML attributes' names in the console, https://aws.amazon.com/SAML/Attributes/<short name>; Subject has none.
SAML_ATTRIBUTE_PREFIX = "https://aws.amazon.com/SAML/Attributes/"


def simulated(settings: "Settings") -> bool:
    """Whether console steps are done for the learner: only on the sandbox target, never on rehearsal or AWS."""
    return settings.target == "sandbox"


def pasted_key(side: str, value: str) -> str:
    """Where a value pasted back on a step card is kept in ``settings.confirmed`` (the step's key)."""
    return {"relay_state": f"{side}.app.relay_state", "role": f"{side}.app.mappings"}[value]


def _endpoint_for(settings: "Settings") -> str:
    from workshop_lib.aws.session import resolve_target

    if not simulated(settings):
        raise WorkshopError("This step has no API: do it in the AWS console as the card describes.", fix="Follow the instructions and values on the card, then press Check.")
    return resolve_target(settings).endpoint_url


def _endpoint(ctx: "Context") -> str:
    """The sandbox's console, for an action that may change what listings show (an application added, its relay
    state or mappings changed): the step's remembered listings are forgotten."""
    ctx.forget_listings()
    return _endpoint_for(ctx.settings)


def _client():
    from workshop_lib.sandbox.client import console_client

    return console_client


def enable_identity_center(ctx: "Context") -> None:
    _client().enable_identity_center(_endpoint(ctx), ctx.settings.identity_center_region)


def add_application(ctx: "Context", display_name: str) -> str:
    return _client().add_application(_endpoint(ctx), display_name)


def download_metadata(ctx: "Context", application_arn: str) -> bytes:
    return _client().download_metadata(_endpoint(ctx), application_arn)


def set_relay_state(ctx: "Context", application_arn: str, url: str) -> None:
    _client().set_relay_state(_endpoint(ctx), application_arn, url)


def set_attribute_mappings(ctx: "Context", application_arn: str, mappings: dict[str, str]) -> None:
    _client().set_attribute_mappings(_endpoint(ctx), application_arn, mappings)


def application_settings(ctx: "Context", application_arn: str) -> dict[str, Any]:
    """What the console shows for the application, with ``attribute_mappings`` as {attribute name: value}."""
    found = _client().get_application_settings(_endpoint(ctx), application_arn)
    found["attribute_mappings"] = {row["attribute"]: row["value"] for row in found.get("mappings", [])}
    return found


def short_attribute_name(attribute: str) -> str:
    """Role for https://aws.amazon.com/SAML/Attributes/Role; other names (Subject) as they are."""
    return attribute[len(SAML_ATTRIBUTE_PREFIX):] if attribute.startswith(SAML_ATTRIBUTE_PREFIX) else attribute


def console_values(settings: "Settings", chain: "SideNames") -> Optional["ConsoleSettings"]:
    """The console-only values of one application from the one source the target has, or None without one.

    Sandbox: what the simulated console shows (relay state, every mapping row, audience, ACS, current metadata).
    Rehearsal and AWS: what the learner pasted back on the step cards (relay state, Role row), marked PASTED.
    """
    from workshop_lib.aws.snapshot import FROM_CONSOLE, PASTED, ConsoleSettings

    if not simulated(settings):
        relay = settings.confirmed.get(pasted_key(chain.side, "relay_state")) or None
        role = settings.confirmed.get(pasted_key(chain.side, "role")) or None
        if relay is None and role is None:
            return None
        return ConsoleSettings(relay_state=relay, attribute_mappings={"Role": role} if role else None, source=PASTED)
    endpoint = _endpoint_for(settings)
    shown = _client().get_application_settings(endpoint, chain.app)
    metadata = _client().download_metadata(endpoint, chain.app)  # the current metadata: reveals a rotated certificate
    return ConsoleSettings(
        relay_state=shown.get("relay_state"),
        attribute_mappings={short_attribute_name(r["attribute"]): r["value"] for r in shown.get("mappings", [])},
        audience=shown.get("audience"),
        acs=shown.get("acs_url"),
        metadata=metadata.decode("utf-8"),
        source=FROM_CONSOLE,
    )


def provider_for(settings: "Settings") -> "ConsoleSettingsProvider":
    """``console_values`` bound to these settings, for ``gather_facts``."""
    return lambda chain: console_values(settings, chain)


def users_with_password(ctx: "Context") -> set[str]:
    """Every user the simulated console gave a one-time password (one settings read, for many people)."""
    return {k[4:] for k, v in ctx.settings.confirmed.items() if k.startswith("otp:") and v == "set"}


def set_passwords(ctx: "Context", user_names: list[str]) -> None:
    """Give each sandbox user a random one-time password, as the console's "Generate a one-time password" does (only the fact is kept)."""
    import secrets

    from workshop_lib.aws.resources import identity_store_id

    if not user_names:
        return
    endpoint, store = _endpoint(ctx), identity_store_id(ctx)
    done = []
    try:
        for name in user_names:
            _client().set_user_password(endpoint, store, name, secrets.token_urlsafe(12))
            done.append(name)
    finally:
        if done:
            with ctx.update() as s:
                for name in done:
                    s.confirmed[f"otp:{name}"] = "set"


def sign_in(ctx: "Context", user: str, application: str):
    return _client().sign_in(_endpoint(ctx), user, application)
