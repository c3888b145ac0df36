"""What a step needs before it can be checked or done; each returns None when met, else what to do first.

A fresh workshop then shows every later step as "to do", never as an error (issue: "a fresh board that invites").
Each requirement is one cheap read; the board's read-only context reads the Identity Center instance once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from workshop_lib.rules.chain import Side
    from workshop_lib.context import Context

Requirement = Callable[["Context"], Optional[str]]


def instance(ctx: "Context") -> Optional[str]:
    if ctx.settings.instance_id:
        return None
    return "create or choose the Amazon Connect instance (chapter 01)."


def identity_center(ctx: "Context") -> Optional[str]:
    from workshop_lib.aws.resources import idc_instance

    if idc_instance(ctx) is not None:
        return None
    return f"enable IAM Identity Center in {ctx.settings.identity_center_region} (chapter 02)."


def application(fed: "Side") -> Requirement:
    def requirement(ctx: "Context") -> Optional[str]:
        from workshop_lib.aws.resources import find_application

        missing = identity_center(ctx)
        if missing:
            return missing
        name = ctx.settings.name(fed.app_key)
        if find_application(ctx, name):
            return None
        chapter = "03" if fed.key == "agent" else "06"
        return f"add the application {name!r} (chapter {chapter})."

    return requirement


def role(fed: "Side") -> Requirement:
    def requirement(ctx: "Context") -> Optional[str]:
        from workshop_lib.aws.resources import get_role

        name = ctx.settings.name(fed.role_key)
        if get_role(ctx, name) is not None:
            return None
        chapter = "04" if fed.key == "agent" else "06"
        return f"create the IAM role {name!r} (chapter {chapter})."

    return requirement


def application_when_readable(fed: "Side") -> Requirement:
    """The application, for checks that read it: in the sandbox only. On a real account those checks judge
    the value the learner pasted back, which needs no application to be readable."""
    inner = application(fed)

    def requirement(ctx: "Context") -> Optional[str]:
        return inner(ctx) if ctx.is_sandbox else None

    return requirement
