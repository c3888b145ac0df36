"""Chapter 07: sign in as an agent and as the admin, and let the doctor check the whole chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.chapters import requirements as needs
from workshop_lib.chapters.federation import relay_state
from workshop_lib.chapters.guides import landing_words
from workshop_lib.rules.chain import ADMIN, AGENT, Side
from workshop_lib.chapters.model import CopyValue, Guide, Status, Step
from workshop_lib.findings import Finding, Severity

if TYPE_CHECKING:
    from workshop_lib.context import Context

# The sandbox's landing keys, in the learner's words.
LANDED = {"ccp": "the Contact Control Panel (CCP)", "agent-workspace": "the agent workspace", "admin": "the Amazon Connect admin website"}
DOCS_SIGN_IN = "https://docs.aws.amazon.com/singlesignon/latest/userguide/howtosignin.html"
DOCS_EMERGENCY = "https://docs.aws.amazon.com/connect/latest/adminguide/emergency-admin-login.html"
FIRST_SIGN_IN = (
    "**The first sign-in on a real account.** After the one-time password, Identity Center asks for a new password and, with the "
    "default multi-factor authentication settings (Settings → Authentication), to register an MFA device: an authenticator app "
    "on a phone or a security key. Some settings send a verification code by email instead; the workshop's example addresses "
    "(such as connect-workshop.com) cannot receive mail, so sign in as someone with a real mailbox (import them in chapter 05), "
    "or register an authenticator app. **In the sandbox** the simulated portal takes the one-time password alone and asks for nothing more."
)


def portal_url(ctx: "Context") -> str:
    """The access portal: the URL the learner pasted in chapter 02 if they customised it, else the default."""
    from workshop_lib.aws.resources import require_idc_instance
    from workshop_lib.chapters.foundation import PORTAL_URL_RE, default_portal_url

    pasted = (ctx.settings.confirmed.get("idc.instance") or "").strip()
    if pasted and PORTAL_URL_RE.match(pasted):
        return pasted
    return default_portal_url(require_idc_instance(ctx)["IdentityStoreId"])


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
                f"No API can sign in for you: open {portal_url(ctx)} as {person.email}, choose the {app!r} tile and check you land on {landing_words(ctx, fed)}.",
            )
        result = console.sign_in(ctx, person.email, app)
        if result.ok:
            where = LANDED.get(result.landing or "", result.landing)
            return Status.done(f"{person.email} signed in through {app!r} and landed on {where}.", landing=result.landing, relay_state=relay_state(ctx, fed))
        finding = Finding(result.code or "sign-in", Severity.ERROR, f"AWS answered: {result.message}", "Run the doctor below: it names the broken link.")
        return Status.wrong(f"{person.email} could not sign in through {app!r}.", [finding])

    return check


def _signin_guide(fed: Side):
    def guide(ctx: "Context") -> Guide:
        person = first_person(ctx, fed)
        return Guide(
            link=portal_url(ctx),
            docs=DOCS_SIGN_IN,
            instructions=[
                f"Open the access portal in a private window and sign in as {person.email} with the one-time password from chapter {'05' if fed.key == 'agent' else '06'}; choose a new password.",
                f"Choose the {ctx.settings.name(fed.app_key)!r} tile: you should land on {landing_words(ctx, fed)}.",
                "Never open the instance's access URL directly: SAML instances only support sign-in from the portal ('Session expired', F11).",
            ],
            note=FIRST_SIGN_IN,
            values=[CopyValue("Access portal", portal_url(ctx)), CopyValue("User", person.email)],
        )

    return guide


def doctor_check(ctx: "Context") -> Status:
    from workshop_lib.doctor import run_doctor

    report = run_doctor(ctx.settings)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors:
        from workshop_lib.rules.words import plural

        return Status.wrong(f"The doctor found {plural(len(errors), 'problem')}.", report.findings)
    unread = [f for f in report.findings if f.code == "doctor.unreadable"]
    if unread:  # skipped checks must not read as "nothing wrong"
        from workshop_lib.chapters.model import State

        actions = ", ".join(dict.fromkeys(str(f.details.get("action", "")) for f in unread if f.details.get("action")))
        return Status(State.ERROR, f"The doctor could not read {actions or 'everything it needs'}, so the checks that need it were skipped. {unread[0].fix}", findings=report.findings)
    status = Status.done("The doctor found nothing wrong with the chain.")
    status.findings.extend(report.findings)
    return status


# ---- emergency access (F21) ------------------------------------------------------------------------

def _emergency_check(ctx: "Context") -> Status:
    """F21: with SAML, the admin website opens only for a Connect user that matches a signed-in identity."""
    from workshop_lib.aws.resources import connect_users
    from workshop_lib.chapters.people import roster

    admins = [p.email for p in roster(ctx, ADMIN)]
    present = [a for a in admins if a in connect_users(ctx)]
    if not present:
        return Status.missing("No administrator has a Connect user yet, so no one can reach the admin website through Identity Center (F21). "
                              "Until chapter 06 is done, emergency access is the way in.")
    return Status.done(f"{present[0]} can reach the admin website through Identity Center. If that chain ever breaks, "
                       "the instance's emergency access still lets an AWS administrator in: this card says where to find it.")


def _emergency_guide(ctx: "Context") -> Guide:
    from workshop_lib.rules.chain import connect_console_url
    from workshop_lib.rules.regions import partition_of

    region = ctx.settings.region
    return Guide(
        link=connect_console_url(partition_of(region), region),
        docs=DOCS_EMERGENCY,
        instructions=[
            "**What it is:** a SAML instance has no passwords, so when the sign-in chain is broken no administrator can open the Amazon Connect admin website. "
            "Emergency access lets someone signed in to the AWS console as an IAM administrator open it anyway, without SAML.",
            f"**Where:** in the Amazon Connect console ({region}), choose your instance's alias; on its overview page choose **Log in for emergency access**.",
            "It needs the IAM permission `connect:AdminGetEmergencyAccessToken`. Use it to repair the chain (for example to create the admin's Connect user), not for daily work.",
        ],
        note="In the sandbox there is no console to open: read where it is, so you know it on a real account.",
    )


def emergency_step() -> Step:
    return Step("admin.emergency_access", "Know the way in when sign-in is broken (emergency access)", "check",
                "Without a Connect user matching an Identity Center administrator, nobody reaches the admin website (F21); emergency access is the console's way in.",
                _emergency_check, guide=_emergency_guide, requires=(needs.instance,))


def signin_steps() -> list[Step]:
    return [
        Step("signin.agent", "Sign in as an agent", "check",
             "The real proof: the portal signs a SAML response, AWS checks it, and Connect lets the agent in.",
             _signin_check(AGENT), guide=_signin_guide(AGENT), requires=(needs.instance, needs.application(AGENT), needs.role(AGENT))),
        Step("signin.admin", "Sign in as the administrator", "check",
             "The admin application has its own certificate, provider and role; its relay state has no destination.",
             _signin_check(ADMIN), guide=_signin_guide(ADMIN), requires=(needs.instance, needs.application(ADMIN), needs.role(ADMIN))),
        Step("doctor", "Run the doctor", "check",
             "The doctor checks every link of the chain that an API can read, and lists what to verify by eye.",
             doctor_check, requires=(needs.instance, needs.application(AGENT))),
    ]
