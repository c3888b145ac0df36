"""Ownership at the step level: applications the simulated console may change, and F22 on a role card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.findings import Finding, Severity

if TYPE_CHECKING:
    from workshop_lib.chapters.federation import Federation
    from workshop_lib.context import Context


def own_application(ctx: "Context", fed: "Federation", change: str, value: str) -> dict:
    """The application, if the workshop added it: someone else's is never changed by the simulated console."""
    from workshop_lib.aws.ownership import ChangeNeeded, NotOurs
    from workshop_lib.aws.resources import require_application

    name = ctx.settings.name(fed.app_key)
    app = require_application(ctx, name)
    entry = ctx.settings.find("sso.application", name)
    if entry is not None and entry.ours:
        return app
    if ctx.settings.is_adopted("sso.application", name):
        raise ChangeNeeded("sso.application", name, change, value)
    raise NotOurs("sso.application", name, "someone else added it to Identity Center")


def session_findings(name: str, role: dict, wanted: int = 43200) -> list:
    """F22: STS refuses a SessionDuration longer than the role's MaxSessionDuration (AssumeRoleWithSAML)."""
    from workshop_lib.doctor.federation import DURATION_REFUSED

    allowed = int(role.get("MaxSessionDuration") or 3600)
    if allowed >= wanted:
        return []
    return [Finding(
        code="F22", severity=Severity.ERROR,
        message=f"{name!r} allows sessions of at most {allowed} seconds, but the mapping asks for SessionDuration {wanted}: "
                f'AWS refuses the sign-in with "{DURATION_REFUSED}".',
        fix=f"In the IAM console open the role {name}, choose Edit, and set Maximum session duration to 12 hours.", expected="43200")]


def add_application_once(ctx: "Context", name: str) -> None:
    """In the sandbox: add the application through the simulated console, recorded (pending first) as the workshop's."""
    from workshop_lib.aws import console
    from workshop_lib.aws.resources import find_application

    found = find_application(ctx, name)
    known = ctx.settings.find("sso.application", name)
    if not found:
        with ctx.update() as s:  # recorded first: an application an interrupted run added is known as ours
            s.record("sso.application", name, origin="pending")
        arn = console.add_application(ctx, name)
    elif known is not None and known.origin == "pending":
        arn = found["ApplicationArn"]
    else:
        return  # there already (someone else's, or ours and recorded): nothing to do
    with ctx.update() as s:  # made by the workshop (in the simulated console): cleanup removes it
        s.record("sso.application", name, arn=arn, origin="created")
