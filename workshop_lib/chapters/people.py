"""Steps for the people who sign in: Connect users, Identity Center users, their group and its assignment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

from workshop_lib.chapters import requirements as needs
from workshop_lib.chapters.federation import idc_console
from workshop_lib.rules.chain import Side
from workshop_lib.chapters.model import CopyValue, Guide, Status, Step
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules.words import all_of, plural

if TYPE_CHECKING:
    from workshop_lib.agents import Agent
    from workshop_lib.aws.onboard_result import OnboardResult
    from workshop_lib.context import Context


@dataclass(frozen=True)
class Person:
    email: str  # the Connect username, the IdC user name and its only email: all three identical
    first: str
    last: str
    role: str  # "agent" or "admin"

    @property
    def security_profile(self) -> str:
        return "Admin" if self.role == "admin" else "Agent"


def everyone(ctx: "Context") -> list[Person]:
    """Everybody in the workshop, agents and administrators: the defaults plus the imported people, each once."""
    from workshop_lib.rules.usernames import unique_by_email
    from workshop_lib.rules import names

    people = [Person(u.username, u.first_name, u.last_name, "admin" if u.is_admin else "agent") for u in names.DEFAULT_USERS]
    people += [Person(p["email"], p["first"], p["last"], p.get("role", "agent")) for p in ctx.settings.people]
    return unique_by_email(people)


def roster(ctx: "Context", fed: Side) -> list[Person]:
    """The people who sign in through ``fed``: the workshop's defaults plus any imported ones."""
    return [p for p in everyone(ctx) if p.role == fed.key]


def import_people(ctx: "Context", agents: Sequence["Agent"], *, workers: Optional[int] = None, dry_run: bool = False, page_size: Optional[int] = None) -> "OnboardResult":
    """Add validated CSV rows to the roster (``settings.people``), then create what each of them is missing.

    The roster is written first, so the chapter's steps, the doctor and the status board see the people
    even when some creations fail; running the import (or the steps) again retries only what is missing.
    """
    from workshop_lib.agents import merge_people
    from workshop_lib.aws.bulk import WORKERS, onboard

    if not dry_run:
        present = {p.email for p in everyone(ctx)}  # the defaults and everyone imported before
        new = [a for a in agents if a.email not in present]
        if new:
            with ctx.update() as s:
                s.people, _added = merge_people(s.people, new)
    return onboard(ctx, agents, workers=workers or WORKERS, dry_run=dry_run, page_size=page_size)


def _err(code: str, message: str, fix: str) -> Finding:
    return Finding(code=code, severity=Severity.ERROR, message=message, fix=fix)


# ---- Connect users -----------------------------------------------------------------------------

def _connect_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import connect_users

        people = roster(ctx, fed)
        users = connect_users(ctx)
        lower = {u.lower(): u for u in users}
        missing, findings = [], []
        for p in people:
            if p.email in users:
                continue
            if p.email.lower() in lower:
                findings.append(_err("F8", f"The Connect user is {lower[p.email.lower()]!r} but the email is {p.email!r}: usernames are case-sensitive.", "Delete that Connect user and run this step again."))
            else:
                missing.append(p.email)
        if findings:
            return Status.wrong("Some Connect usernames differ from the emails only in case.", findings)
        if missing:
            return Status.missing(f"{len(missing)} of {plural(len(people), 'Connect user')} {'is' if len(missing) == 1 else 'are'} still to create: {', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}.")
        return Status.done(f"{all_of(len(people), 'Connect user').capitalize()} {'exists' if len(people) == 1 else 'exist'}, named exactly as {'the email' if len(people) == 1 else 'their emails'}.")

    return check


def _bulk_run(fed: Side, part: str):
    """One part of onboarding for the whole roster: one listing, then only what is missing, concurrently."""

    def run(ctx: "Context") -> None:
        from workshop_lib.aws.bulk import onboard

        onboard(ctx, roster(ctx, fed), parts=(part,), roles=(fed.key,)).raise_for_failures()

    return run


def _connect_run(fed: Side):
    return _bulk_run(fed, "connect")


# ---- Identity Center users ---------------------------------------------------------------------

def _idc_check(fed: Side):
    def check(ctx: "Context") -> Status:
        people = roster(ctx, fed)
        from workshop_lib.aws.resources import idc_users

        users = idc_users(ctx)
        missing = [p.email for p in people if p.email not in users]
        if missing:
            return Status.missing(f"{len(missing)} of {plural(len(people), 'Identity Center user')} {'is' if len(missing) == 1 else 'are'} still to create: {', '.join(missing[:5])}.")
        return Status.done(f"{all_of(len(people), 'Identity Center user').capitalize()} {'exists' if len(people) == 1 else 'exist'}.")

    return check


def _idc_run(fed: Side):
    return _bulk_run(fed, "idc")


# ---- group and memberships ---------------------------------------------------------------------

def _group_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import find_group, group_member_ids

        name = ctx.settings.name(fed.group_key)
        group_id = find_group(ctx, name)
        if group_id is None:
            return Status.missing(f"No group called {name!r} yet.")
        from workshop_lib.aws.resources import idc_users

        users = idc_users(ctx)
        members = set(group_member_ids(ctx, group_id))
        missing = [p.email for p in roster(ctx, fed) if users.get(p.email) not in members]
        if missing:
            return Status.missing(f"{plural(len(missing), 'person')} {'is' if len(missing) == 1 else 'are'} not in {name!r} yet: {', '.join(missing[:5])}.")
        return Status.done(f"{name!r} holds {all_of(len(members), fed.audience[:-1], fed.audience)}.", group_id=group_id)

    return check


def _group_run(fed: Side):
    return _bulk_run(fed, "membership")


# ---- assignment --------------------------------------------------------------------------------

def _assignment_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import application_assignments, find_group, require_application

        s = ctx.settings
        app = require_application(ctx, s.name(fed.app_key))
        group_id = find_group(ctx, s.name(fed.group_key))
        if group_id is None:
            return Status.missing(f"Create {s.name(fed.group_key)!r} first.")
        if any(a["PrincipalId"] == group_id for a in application_assignments(ctx, app["ApplicationArn"])):
            return Status.done(f"{s.name(fed.group_key)!r} is assigned to {s.name(fed.app_key)!r}.")
        return Status.missing(f"{s.name(fed.group_key)!r} is not assigned to {s.name(fed.app_key)!r} yet (F16: no tile in the portal).")

    return check


def _assignment_run(fed: Side):
    def run(ctx: "Context") -> None:
        from workshop_lib.aws.resources import ensure_group_assignment, find_group, require_application

        s = ctx.settings
        app = require_application(ctx, s.name(fed.app_key))
        group_id = find_group(ctx, s.name(fed.group_key))
        if group_id is None:
            from workshop_lib.errors import WorkshopError

            raise WorkshopError(f"There is no group {s.name(fed.group_key)!r} yet.", fix="Run the group step first.")
        ensure_group_assignment(ctx, app["ApplicationArn"], group_id, f"{s.name(fed.app_key)}/{s.name(fed.group_key)}")

    return run


# ---- one-time passwords (console only) ---------------------------------------------------------

def _password_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws import console

        people = roster(ctx, fed)
        if not ctx.is_sandbox:
            return Status.unknown("No API sets or reads passwords: give each person a one-time password in the console (Users → Reset password → Generate a one-time password).")
        holders = console.users_with_password(ctx)
        without = [p.email for p in people if p.email not in holders]
        if without:
            return Status.missing(f"{plural(len(without), 'person')} {'has' if len(without) == 1 else 'have'} no password yet: {', '.join(without[:5])}.")
        return Status.done(f"{all_of(len(people), fed.audience[:-1], fed.audience).capitalize()} can sign in.")

    return check


DOCS_RESET_PASSWORD = "https://docs.aws.amazon.com/singlesignon/latest/userguide/resetuserpwd.html"
GUIDE_PEOPLE = 25  # copy fields on the card; a whole imported contact centre would be thousands of widgets


def _password_guide(fed: Side):
    def guide(ctx: "Context") -> Guide:
        people = roster(ctx, fed)
        instructions = [
            "In the IAM Identity Center console choose **Users**. For each user below: open it, choose **Reset password**, then **Generate a one-time password and share the password with the user**, and choose **Reset password**.",
            "Copy the one-time password shown and hand it over safely; at the first sign-in they choose their own.",
            "API-created users get no invitation email, and the workshop's example domains cannot receive mail.",
        ]
        if len(people) > GUIDE_PEOPLE:
            instructions.append(f"Only the first {GUIDE_PEOPLE} of {len(people)} users are listed here; the Users page of the console lists them all.")
        return Guide(link=idc_console(ctx, "users"), docs=DOCS_RESET_PASSWORD, instructions=instructions, values=[CopyValue("User", p.email) for p in people[:GUIDE_PEOPLE]])

    return guide


def _password_simulate(fed: Side):
    def simulate(ctx: "Context") -> None:
        from workshop_lib.aws import console

        holders = console.users_with_password(ctx)
        console.set_passwords(ctx, [p.email for p in roster(ctx, fed) if p.email not in holders])

    return simulate


def people_steps(fed: Side) -> list[Step]:
    k = f"{fed.key}s"
    return [
        Step(f"{k}.connect_users", f"Create the Connect users for the {fed.audience}", "api",
             "With SAML, Connect does not store passwords: it matches the signed-in RoleSessionName (the email) to a username, exactly and case-sensitively.",
             _connect_check(fed), run=_connect_run(fed), requires=(needs.instance,)),
        Step(f"{k}.idc_users", "Create the Identity Center users", "api",
             "Identity Center is where these people sign in; each user's email becomes the RoleSessionName.",
             _idc_check(fed), run=_idc_run(fed), requires=(needs.identity_center,)),
        Step(f"{k}.group", "Put them in a group", "api",
             "Assigning a group rather than individuals keeps the application's access in one place.",
             _group_check(fed), run=_group_run(fed), requires=(needs.identity_center,)),
        Step(f"{k}.assignment", "Assign the group to the application", "api",
             "Only assigned people see the application's tile in the access portal.",
             _assignment_check(fed), run=_assignment_run(fed), requires=(needs.application(fed),)),
        Step(f"{k}.passwords", "Give each person a one-time password", "console",
             "There is no API for passwords or invitations: this part stays in the console.",
             _password_check(fed), guide=_password_guide(fed), simulate=_password_simulate(fed), requires=(needs.identity_center,)),
    ]
