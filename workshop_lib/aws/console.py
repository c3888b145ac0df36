"""Console-only steps, done through the sandbox's simulated console (over HTTP, like everything else).

On a real account these functions are never called: the step shows its guide instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context


def _endpoint(ctx: "Context") -> str:
    from workshop_lib.aws.session import resolve_target

    target = resolve_target(ctx.settings)
    if target.kind != "sandbox":
        raise WorkshopError("This step has no API: do it in the AWS console as the card describes.", fix="Follow the instructions and values on the card, then press Check.")
    return target.endpoint_url


def _client():
    from workshop_lib.sandbox import console_client

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
