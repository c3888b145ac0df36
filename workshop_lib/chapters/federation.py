"""Steps that exist once per application (agents, admins): the IdC app, its metadata and relay state,
the IAM provider, the shared policy, the role and the attribute mappings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.chapters import requirements as needs
from workshop_lib.chapters._ownership import own_application as _own_application
from workshop_lib.chapters._ownership import session_findings as _session_findings
from workshop_lib.chapters.guides import agent_destination, app_guide, mappings_guide, metadata_guide, relay_guide
from workshop_lib.chapters.model import Status, Step
from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Severity
from workshop_lib.rules.chain import Side, idc_console_url

if TYPE_CHECKING:
    from workshop_lib.context import Context


def idc_console(ctx: "Context", fragment: str = "applications") -> str:
    """A page of the IAM Identity Center console for this learner's partition and Identity Center Region."""
    from workshop_lib.rules.regions import partition_of

    region = ctx.settings.identity_center_region
    return idc_console_url(partition_of(region), region, fragment)


# ---- expected values (what the learner pastes) ------------------------------------------------

def relay_state(ctx: "Context", fed: Side) -> str:
    from workshop_lib.rules.relay_state import admin_relay_state_url, relay_state_url

    s = ctx.settings
    _require_instance(ctx)
    if fed.destination is None:
        return admin_relay_state_url(s.instance_id, s.region)
    return relay_state_url(s.instance_id, s.region, agent_destination(ctx))


def role_attribute(ctx: "Context", fed: Side) -> str:
    from workshop_lib.aws.resources import account_id
    from workshop_lib.rules.role_attribute import role_arn, role_attribute_value, saml_provider_arn

    s = ctx.settings
    account = account_id(ctx)
    return role_attribute_value(role_arn(account, s.name(fed.role_key)), saml_provider_arn(account, s.name(fed.provider_key)))


def attribute_mappings(ctx: "Context", fed: Side) -> dict[str, str]:
    """The attribute mapping rows of the application, exactly as they must be entered."""
    from workshop_lib.rules import role_attribute as ra

    return {
        "Subject": "${user:email}",
        ra.ROLE_SESSION_NAME_ATTRIBUTE_NAME: "${user:email}",
        ra.ROLE_ATTRIBUTE_NAME: role_attribute(ctx, fed),
        ra.SESSION_DURATION_ATTRIBUTE_NAME: "43200",
    }


def _require_instance(ctx: "Context") -> None:
    if not ctx.settings.instance_id:
        raise WorkshopError("No Amazon Connect instance is chosen yet.", fix="Run chapter 01 (or pick an instance in 00_start_here) first.")


# ---- the application ---------------------------------------------------------------------------

def _app_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import find_application

        name = ctx.settings.name(fed.app_key)
        app = find_application(ctx, name)
        if not app:
            return Status.missing(f"No application called {name!r} yet.")
        if app.get("Status", "ENABLED") != "ENABLED":
            return Status.wrong(f"{name!r} exists but is {app.get('Status')}.", _finding("F16", f"The application {name!r} is disabled, so its tile does not appear.", "Enable it in the IAM Identity Center console."))
        return Status.done(f"{name!r} exists.", application_arn=app["ApplicationArn"])

    return check


def _app_simulate(fed: Side):
    def simulate(ctx: "Context") -> None:
        from workshop_lib.chapters._ownership import add_application_once

        add_application_once(ctx, ctx.settings.name(fed.app_key))

    return simulate


# ---- metadata ----------------------------------------------------------------------------------

def _metadata_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.metadata_files import metadata_path, read_metadata
        from workshop_lib.saml import load_metadata

        text = read_metadata(fed.key)
        if text is None:
            return Status.missing(f"The metadata of {ctx.settings.name(fed.app_key)!r} has not been uploaded yet.")
        report = load_metadata(text.encode("utf-8"))
        errors = [f for f in report.findings if f.severity is Severity.ERROR]
        if errors:
            return Status.wrong("IAM would reject the stored metadata.", errors)
        warnings = [f for f in report.findings if f.severity is Severity.WARNING]
        from workshop_lib.rules.words import when

        expires = min((c.not_after for c in report.certificates), default=None)
        until = f"; its certificate is valid until {when(expires)}" if expires else ""
        status = Status.done(f"Metadata kept in {metadata_path(fed.key)} (issuer {report.entity_id}{until}).", entity_id=report.entity_id)
        status.findings.extend(warnings)
        return status

    return check


def _metadata_simulate(fed: Side):
    def simulate(ctx: "Context") -> None:
        from workshop_lib.aws import console
        from workshop_lib.aws.resources import require_application
        from workshop_lib.metadata_files import store_metadata

        app = require_application(ctx, ctx.settings.name(fed.app_key))
        store_metadata(fed.key, console.download_metadata(ctx, app["ApplicationArn"]))

    return simulate


# ---- relay state -------------------------------------------------------------------------------

def _relay_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws import console
        from workshop_lib.aws.resources import require_application
        from workshop_lib.rules.relay_state import check_relay_state

        expected = relay_state(ctx, fed)
        if ctx.is_sandbox:
            app = require_application(ctx, ctx.settings.name(fed.app_key))
            current = console.application_settings(ctx, app["ApplicationArn"]).get("relay_state") or ""
            if not current:
                return Status.missing("The application has no relay state yet.", expected=expected)
        else:
            current = ctx.settings.confirmed.get(console.pasted_key(fed.key, "relay_state"), "")  # what the learner pasted back
            if not current:
                return Status.unknown(f"No API can read the relay state. Check by eye that it is exactly {expected} — or paste what you entered below and it is checked for you.", expected=expected)
        s = ctx.settings
        findings = [f for f in check_relay_state(current, s.instance_id, s.region) if f.severity is Severity.ERROR]
        if current.strip() != expected:
            if not findings:
                findings = [_finding("F12", f"The relay state is {current!r}, not the expected value.", "Paste the value below unchanged.", expected)]
            return Status.wrong("The relay state is not the expected one.", findings, expected=expected)
        return Status.done("The relay state is set." if ctx.is_sandbox else "The relay state you pasted is exactly the expected one.", expected=expected)

    return check


def _relay_simulate(fed: Side):
    def simulate(ctx: "Context") -> None:
        from workshop_lib.aws import console

        app = _own_application(ctx, fed, "its relay state must be the value below (Actions → Edit configuration → Relay state).", relay_state(ctx, fed))
        console.set_relay_state(ctx, app["ApplicationArn"], relay_state(ctx, fed))

    return simulate


# ---- IAM provider ------------------------------------------------------------------------------

def _provider_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import get_saml_provider
        from workshop_lib.metadata_files import read_metadata
        from workshop_lib.saml import load_metadata

        name = ctx.settings.name(fed.provider_key)
        provider = get_saml_provider(ctx, name)
        if provider is None:
            return Status.missing(f"No IAM SAML provider called {name!r} yet.")
        stored = read_metadata(fed.key)
        if stored is not None:
            theirs = load_metadata(provider["SAMLMetadataDocument"].encode("utf-8"))
            ours = load_metadata(stored.encode("utf-8"))
            if theirs.entity_id != ours.entity_id or {c.sha256_fingerprint for c in theirs.certificates} != {c.sha256_fingerprint for c in ours.certificates}:
                return Status.wrong(
                    f"{name!r} was made from other metadata than {ctx.settings.name(fed.app_key)!r}'s.",
                    [_finding("F4", "The provider's issuer or certificate differs from the application's current metadata: AWS will answer 'Response signature invalid'.", "Run this step again: it updates the provider from the uploaded metadata.")],
                )
        return Status.done(f"{name!r} exists.", arn=provider["Arn"])

    return check


def _provider_run(fed: Side):
    def run(ctx: "Context") -> None:
        from workshop_lib.aws.resources import ensure_saml_provider
        from workshop_lib.metadata_files import read_metadata

        text = read_metadata(fed.key)
        if text is None:
            raise WorkshopError(f"The metadata of {ctx.settings.name(fed.app_key)!r} has not been uploaded yet.", fix="Do the metadata step first.")
        ensure_saml_provider(ctx, ctx.settings.name(fed.provider_key), text)

    return run


# ---- permission policy (shared by both roles) --------------------------------------------------

def policy_check(ctx: "Context") -> Status:
    from workshop_lib.aws.resources import get_policy_document
    from workshop_lib.rules.iam_documents import federation_policy_findings

    _require_instance(ctx)
    name = ctx.settings.name("policy")
    doc = get_policy_document(ctx, name)
    if doc is None:
        return Status.missing(f"No IAM policy called {name!r} yet.")
    findings = [f for f in federation_policy_findings(doc, ctx.settings.instance_arn) if f.severity is Severity.ERROR]
    if findings:
        return Status.wrong(f"{name!r} does not allow federation into this instance.", findings)
    return Status.done(f"{name!r} allows connect:GetFederationToken on this instance's users.")


def policy_run(ctx: "Context") -> None:
    from workshop_lib.aws.resources import ensure_policy
    from workshop_lib.rules.iam_documents import federation_policy

    _require_instance(ctx)
    ensure_policy(ctx, ctx.settings.name("policy"), federation_policy(ctx.settings.instance_arn))


# ---- the role ----------------------------------------------------------------------------------

def _trust(ctx: "Context", fed: Side) -> dict:
    from workshop_lib.aws.resources import provider_arn
    from workshop_lib.rules.iam_documents import saml_trust_policy

    return saml_trust_policy(provider_arn(ctx, ctx.settings.name(fed.provider_key)), ctx.settings.region)


def _role_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws.resources import attached_policy_arns, get_role, policy_arn, provider_arn
        from workshop_lib.rules.iam_documents import saml_audiences, trust_policy_findings

        s = ctx.settings
        name = s.name(fed.role_key)
        role = get_role(ctx, name)
        if role is None:
            return Status.missing(f"No IAM role called {name!r} yet.")
        findings = [
            f
            for f in trust_policy_findings(role["AssumeRolePolicyDocument"], provider_arn(ctx, s.name(fed.provider_key)), saml_audiences(s.region))
            if f.severity is Severity.ERROR
        ]
        if policy_arn(ctx, s.name("policy")) not in attached_policy_arns(ctx, name):
            findings.append(_finding("F9", f"{s.name('policy')!r} is not attached to {name!r}.", "Run this step again: it attaches the policy."))
        findings += _session_findings(name, role)
        first = s.role_ids.get(name)
        if first and first != role["RoleId"]:
            findings.append(_finding("F10", f"{name!r} was re-created (its RoleId changed): users who signed in before get 'Bad Request'.", "Delete and re-create those Connect users (chapter 05/06 re-creates them)."))
        if findings:
            return Status.wrong(f"{name!r} needs fixing.", findings)
        return Status.done(f"{name!r} trusts {s.name(fed.provider_key)!r} and has the policy.", arn=role["Arn"], role_id=role["RoleId"])

    return check


def _role_run(fed: Side):
    def run(ctx: "Context") -> None:
        from workshop_lib.aws.resources import ensure_role, policy_arn

        s = ctx.settings
        ensure_role(ctx, s.name(fed.role_key), _trust(ctx, fed), policy_arn(ctx, s.name("policy")))

    return run


# ---- attribute mappings ------------------------------------------------------------------------

def _mappings_check(fed: Side):
    def check(ctx: "Context") -> Status:
        from workshop_lib.aws import console
        from workshop_lib.aws.resources import require_application
        from workshop_lib.rules.role_attribute import ROLE_ATTRIBUTE_NAME, role_attribute_findings

        expected = attribute_mappings(ctx, fed)
        if ctx.is_sandbox:
            app = require_application(ctx, ctx.settings.name(fed.app_key))
            current = console.application_settings(ctx, app["ApplicationArn"]).get("attribute_mappings") or {}
            if not current:
                return Status.missing("The application has no attribute mappings yet.")
        else:
            pasted = ctx.settings.confirmed.get(console.pasted_key(fed.key, "role"), "")  # the Role value pasted back
            rows = "; ".join(f"{k} = {v}" for k, v in expected.items())
            if not pasted:
                return Status.unknown(f"No API can read attribute mappings. Check by eye that the rows are {rows} — or paste your Role value below and it is checked for you.", expected=expected)
            # Only the Role value can be pasted back; the other rows are as expected or verified by eye.
            current = {**expected, ROLE_ATTRIBUTE_NAME: pasted}
        findings = []
        role_value = current.get(ROLE_ATTRIBUTE_NAME)
        if role_value is None:
            findings.append(_finding("F1", "There is no Role mapping row.", "Add the Role row below.", expected[ROLE_ATTRIBUTE_NAME]))
        elif role_value != expected[ROLE_ATTRIBUTE_NAME]:
            findings.extend(role_attribute_findings(role_value, expected_role_arn=expected[ROLE_ATTRIBUTE_NAME].split(",")[0], expected_provider_arn=expected[ROLE_ATTRIBUTE_NAME].split(",")[1]))
            if not findings:
                findings.append(_finding("F1", f"The Role row is {role_value!r}.", "Paste the expected value unchanged.", expected[ROLE_ATTRIBUTE_NAME]))
        for row in (k for k in expected if k != ROLE_ATTRIBUTE_NAME):
            if current.get(row) != expected[row]:
                code = "F3" if "RoleSessionName" in row else "F1"
                findings.append(_finding(code, f"The {row.rsplit('/', 1)[-1]} row is {current.get(row)!r}.", "Set it to the expected value.", expected[row]))
        from workshop_lib.aws.resources import get_role

        try:
            role = get_role(ctx, ctx.settings.name(fed.role_key))
        except WorkshopError:
            role = None  # unreadable: the role card and the doctor report it; the mappings are judged on their own
        if role is not None:  # F22: the mapping asks for a longer session than the role allows
            from workshop_lib.rules.role_attribute import SESSION_DURATION_ATTRIBUTE_NAME

            asked = str(current.get(SESSION_DURATION_ATTRIBUTE_NAME) or "").strip()
            findings += _session_findings(ctx.settings.name(fed.role_key), role, int(asked) if asked.isascii() and asked.isdigit() else 43200)
        if findings:
            return Status.wrong("The attribute mappings need fixing.", findings)
        if not ctx.is_sandbox:
            others = "; ".join(f"{k.rsplit('/', 1)[-1]} = {v}" for k, v in expected.items() if k != ROLE_ATTRIBUTE_NAME)
            return Status.done(f"The Role value you pasted is exactly right. Check the other rows by eye: {others}.")
        return Status.done("The attribute mappings are as expected.")

    return check


def _mappings_simulate(fed: Side):
    def simulate(ctx: "Context") -> None:
        from workshop_lib.aws import console

        rows = attribute_mappings(ctx, fed)
        app = _own_application(ctx, fed, "its attribute mappings must be the rows below (Actions → Edit attribute mappings).",
                               "; ".join(f"{k} = {v}" for k, v in rows.items()))
        console.set_attribute_mappings(ctx, app["ApplicationArn"], rows)

    return simulate


def _finding(code: str, message: str, fix: str, expected: str = ""):
    from workshop_lib.findings import Finding

    return Finding(code=code, severity=Severity.ERROR, message=message, fix=fix, expected=expected)


# ---- the steps ---------------------------------------------------------------------------------

def application_steps(fed: Side) -> list[Step]:
    k = fed.key
    return [
        Step(f"{k}.app", f"Add the Amazon Connect application for {fed.audience}", "console",
             f"IAM Identity Center signs {fed.audience} in through an application; the catalog's Amazon Connect entry already knows AWS's sign-in endpoint.",
             _app_check(fed), guide=app_guide(fed), simulate=_app_simulate(fed), requires=(needs.identity_center,)),
        Step(f"{k}.app.metadata", "Download the application's SAML metadata", "console",
             "The metadata holds the application's issuer and signing certificate; IAM needs it to trust the signed responses.",
             _metadata_check(fed), guide=metadata_guide(fed), simulate=_metadata_simulate(fed), requires=(needs.application(fed),)),
        Step(f"{k}.app.relay_state", "Set the relay state", "console",
             "After AWS sign-in the browser follows the relay state to the Connect federation URL of your instance.",
             _relay_check(fed), guide=relay_guide(fed), simulate=_relay_simulate(fed), confirm="The relay state you saved",
             requires=(needs.instance, needs.application_when_readable(fed))),
    ]


def iam_steps(fed: Side, *, with_policy: bool) -> list[Step]:
    k = fed.key
    steps = [
        Step(f"{k}.iam.provider", "Create the IAM SAML identity provider", "api",
             "IAM trusts responses signed with the application's certificate only through a provider made from its metadata.",
             _provider_check(fed), run=_provider_run(fed)),
    ]
    if with_policy:
        steps.append(Step("iam.policy", "Create the federation policy", "api",
                          "Amazon Connect asks for a federation token as the signed-in user; this policy allows exactly that, for this instance only.",
                          policy_check, run=policy_run, requires=(needs.instance,)))
    steps += [
        Step(f"{k}.iam.role", "Create the federation role", "api",
             "STS gives the signed-in user this role's credentials; its trust policy accepts only your provider.",
             _role_check(fed), run=_role_run(fed)),
        Step(f"{k}.app.mappings", "Set the attribute mappings", "console",
             "The Role row tells AWS which role and provider to use; RoleSessionName carries the email, which must equal the Connect username.",
             _mappings_check(fed), guide=mappings_guide(fed), simulate=_mappings_simulate(fed), confirm="The Role value you saved",
             requires=(needs.application_when_readable(fed),)),
    ]
    return steps
