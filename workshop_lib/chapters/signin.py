"""Chapter 07: sign in as an agent and as the admin, and let the doctor check the whole chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.chapters.federation import relay_state
from workshop_lib.rules.chain import ADMIN, AGENT, Side
from workshop_lib.chapters.model import CopyValue, Guide, Status, Step
from workshop_lib.findings import Finding, Severity

if TYPE_CHECKING:
    from workshop_lib.context import Context

LANDING = {"agent": "the Contact Control Panel", "admin": "the Amazon Connect admin website"}


def portal_url(ctx: "Context") -> str:
    from workshop_lib.aws.resources import require_idc_instance

    return f"https://{require_idc_instance(ctx)['IdentityStoreId']}.awsapps.com/start"


def first_person(ctx: "Context", fed: Side):
    from workshop_lib.chapters.people import roster

    return roster(ctx, fed)[0]


def _signin_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws import console

        person = first_person(ctx, fed)
        app = ctx.settings.name(fed.app_key)
        if not ctx.is_sandbox:
            return Status.unknown(
                f"No API can sign in for you: open {portal_url(ctx)} as {person.email}, choose the {app!r} tile and check you land on {LANDING[fed.key]}.",
            )
        result = console.sign_in(ctx, person.email, app)
        if result.ok:
            return Status.done(f"{person.email} signed in through {app!r} and landed on {result.landing}.", landing=result.landing, relay_state=relay_state(ctx, fed))
        finding = Finding(result.code or "sign-in", Severity.ERROR, f"AWS answered: {result.message}", "Run the doctor below: it names the broken link.")
        return Status.wrong(f"{person.email} could not sign in through {app!r}.", [finding])

    return check


def _signin_guide(fed: Side):
    def guide(ctx: "Context") -> Guide:
        person = first_person(ctx, fed)
        return Guide(
            link=portal_url(ctx),
            instructions=[
                f"Open the access portal in a private window and sign in as {person.email} with the one-time password; choose a new password.",
                f"Choose the {ctx.settings.name(fed.app_key)!r} tile: you should land on {LANDING[fed.key]}.",
                "Never open the instance's access URL directly: SAML instances only support sign-in from the portal ('Session expired', F11).",
            ],
            values=[CopyValue("Access portal", portal_url(ctx)), CopyValue("User", person.email)],
        )

    return guide


def doctor_check(ctx: "Context") -> Status:
    from workshop_lib.doctor import run_doctor

    report = run_doctor(ctx.settings)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors:
        return Status.wrong(f"The doctor found {len(errors)} problem(s).", report.findings)
    unread = [f for f in report.findings if f.code == "doctor.unreadable"]
    if unread:  # skipped checks must not read as "nothing wrong"
        from workshop_lib.chapters.model import State

        actions = ", ".join(dict.fromkeys(str(f.details.get("action", "")) for f in unread if f.details.get("action")))
        return Status(State.ERROR, f"The doctor could not read {actions or 'everything it needs'}, so the checks that need it were skipped. {unread[0].fix}", findings=report.findings)
    status = Status.done("The doctor found nothing wrong with the chain.")
    status.findings.extend(report.findings)
    return status


def signin_steps() -> list[Step]:
    return [
        Step("signin.agent", "Sign in as an agent", "check",
             "The real proof: the portal signs a SAML response, AWS checks it, and Connect lets the agent in.",
             _signin_check(AGENT), guide=_signin_guide(AGENT)),
        Step("signin.admin", "Sign in as the administrator", "check",
             "The admin application has its own certificate, provider and role; its relay state has no destination.",
             _signin_check(ADMIN), guide=_signin_guide(ADMIN)),
        Step("doctor", "Run the doctor", "check",
             "The doctor checks every link of the chain that an API can read, and lists what to verify by eye.",
             doctor_check),
    ]
