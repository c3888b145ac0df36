"""Chapters 00–02: where we work, the Connect instance, the Organization and Identity Center."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from workshop_lib.chapters.federation import idc_console
from workshop_lib.rules.chain import organizations_console_url
from workshop_lib.rules.regions import partition_of
from workshop_lib.chapters.model import CopyValue, Guide, Status, Step
from workshop_lib.findings import Finding, Severity

if TYPE_CHECKING:
    from workshop_lib.context import Context


# ---- 00 start here -----------------------------------------------------------------------------

def preflight_check(ctx: "Context") -> Status:
    from workshop_lib.aws.preflight import run_preflight
    from workshop_lib.rules.regions import validate_region

    s = ctx.settings
    validate_region(s.region)
    validate_region(s.identity_center_region, service="sso-admin")
    report = run_preflight(s)
    if report.account and report.account != s.account_id:
        with ctx.update() as w:
            w.account_id = report.account
    summary = f"{report.target}: account {report.account}, Connect in {report.region}, Identity Center in {report.idc_region}."
    findings = []
    if report.organization_id and not report.is_management_account:
        findings.append(Finding("F15", Severity.ERROR, "This is a member account of an Organization.", "Use the management account's credentials (or a delegated administrator) for Identity Center."))
    if s.target == "aws":
        from workshop_lib.aws.permissions import missing_permissions

        for verdict in missing_permissions(s).values():
            if verdict.missing:
                findings.append(Finding("permissions", Severity.ERROR, verdict.explanation, "Attach docs/least-privilege-policy.json (or the listed actions) to the identity you use.", details={"chapter": verdict.chapter, "missing": verdict.missing}))
    if findings:
        return Status.wrong(summary, findings, lines=report.lines())
    return Status.done(summary, lines=report.lines())


# ---- 01 Connect instance -----------------------------------------------------------------------

def _alias(ctx: "Context") -> str:
    s = ctx.settings
    if s.names.get("instance_alias"):
        return s.names["instance_alias"]
    from workshop_lib.rules.names import default_alias

    alias = default_alias()
    with ctx.update() as w:
        w.names.setdefault("instance_alias", alias)
        alias = w.names["instance_alias"]
    return alias


def instance_check(ctx: "Context") -> Status:
    from workshop_lib.aws.resources import describe_instance

    s = ctx.settings
    if not s.instance_id:
        return Status.missing("No instance chosen or created yet.")
    instance = describe_instance(ctx)
    if instance is None:
        return Status.wrong(f"The instance {s.instance_id} in the settings does not exist in {s.region}.", [Finding("F12", Severity.ERROR, "The instance ID or the Region in the settings is wrong.", "Pick the instance again in 00_start_here, or create one here.")])
    status = instance.get("InstanceStatus")
    if status != "ACTIVE":
        return Status.missing(f"The instance {instance.get('InstanceAlias', s.instance_id)} is {status}.")
    return Status.done(f"Instance {instance.get('InstanceAlias')} ({s.instance_id}) is active.", arn=instance["Arn"], access_url=instance.get("InstanceAccessUrl", ""))


def instance_run(ctx: "Context") -> None:
    from workshop_lib.aws.resources import ensure_instance, wait_instance_active

    ensure_instance(ctx, _alias(ctx))
    wait_instance_active(ctx)


def saml_check(ctx: "Context") -> Status:
    from workshop_lib.aws.resources import describe_instance

    instance = describe_instance(ctx)
    if instance is None:
        return Status.missing("Create or choose the instance first.")
    kind = instance.get("IdentityManagementType")
    if kind != "SAML":
        return Status.wrong(f"The instance manages identities as {kind}, not SAML.", [Finding("F19", Severity.ERROR, f"Instance {instance.get('InstanceAlias')} uses {kind}; this cannot be changed, so no one can federate into it.", "Create a new instance with SAML 2.0-based authentication (chapter 01) and choose it in 00_start_here.")])
    return Status.done("The instance uses SAML 2.0-based authentication.")


# ---- 02 Organization and Identity Center ---------------------------------------------------------

def organization_check(ctx: "Context") -> Status:
    from workshop_lib.aws.resources import describe_organization

    org = describe_organization(ctx)
    if org is None:
        return Status.missing("There is no AWS Organization yet.")
    if org.get("FeatureSet") != "ALL":
        return Status.wrong(f"Organization {org['Id']} has consolidated billing only.", [Finding("F14", Severity.ERROR, "Identity Center needs an Organization with all features.", "Enable all features in the AWS Organizations console (Settings).", link=organizations_console_url(partition_of(ctx.settings.region), "settings"))])
    return Status.done(f"Organization {org['Id']} with all features.")


def organization_run(ctx: "Context") -> None:
    from workshop_lib.aws.resources import ensure_organization

    ensure_organization(ctx)


def idc_check(ctx: "Context") -> Status:
    from workshop_lib.aws.resources import describe_organization, idc_instance

    inst = idc_instance(ctx)
    region = ctx.settings.identity_center_region
    if inst is None:
        return Status.missing(f"IAM Identity Center is not enabled in {region}.")
    org = describe_organization(ctx)
    owner = inst.get("OwnerAccountId")
    if org and owner and owner != org.get("MasterAccountId"):
        return Status.wrong("This is an account instance of Identity Center, which cannot host the Amazon Connect application.", [Finding("F14", Severity.ERROR, "The Identity Center instance belongs to a member account.", "Enable Identity Center from the Organization's management account.")])
    default = default_portal_url(inst["IdentityStoreId"])
    pasted = (ctx.settings.confirmed.get("idc.instance") or "").strip()
    if pasted and not PORTAL_URL_RE.match(pasted):
        return Status.wrong(f"Identity Center is enabled in {region}, but {pasted!r} is not an access portal URL.",
                            [Finding("portal URL", Severity.ERROR, f"The access portal URL you pasted, {pasted!r}, is not of the form https://<subdomain>.awsapps.com/start.",
                                     "Copy the AWS access portal URL from the IAM Identity Center dashboard (Settings summary) and paste it again, or clear the field to use the default.", expected=default)])
    portal = pasted or default
    return Status.done(f"Identity Center is enabled in {region} (identity store {inst['IdentityStoreId']}); its access portal is {portal}.", portal=portal, instance_arn=inst["InstanceArn"])


# The default portal address; a customised subdomain replaces the d-… part, and no API returns it, so the
# learner pastes it (https://docs.aws.amazon.com/singlesignon/latest/userguide/howtochangeURL.html).
PORTAL_URL_RE = re.compile(r"^https://[A-Za-z0-9][A-Za-z0-9-]{0,62}\.awsapps\.com/start/?(#/?)?$")
DOCS_ENABLE_IDC = "https://docs.aws.amazon.com/singlesignon/latest/userguide/enable-identity-center.html"


def default_portal_url(identity_store_id: str) -> str:
    return f"https://{identity_store_id}.awsapps.com/start"


def idc_guide(ctx: "Context") -> Guide:
    region = ctx.settings.identity_center_region
    return Guide(
        link=idc_console(ctx, ""),
        docs=DOCS_ENABLE_IDC,
        instructions=[
            f"Open IAM Identity Center in {region} and choose **Enable**.",
            "When asked, choose to enable it with AWS Organizations (an *organization instance*). An account instance cannot host the Amazon Connect application.",
            "Wait until the dashboard shows the **AWS access portal URL**, then check this step.",
            "Only if you customised that URL (Settings → Identity source → Customize AWS access portal URL): paste it below, so the sign-in steps show the address your people really use.",
        ],
        values=[CopyValue("Region", region)],
    )


def idc_simulate(ctx: "Context") -> None:
    from workshop_lib.aws import console
    from workshop_lib.aws.resources import idc_instance

    if idc_instance(ctx) is None:
        console.enable_identity_center(ctx)


def start_steps() -> list[Step]:
    return [
        Step("start.preflight", "Check where the workshop will work", "check",
             "Every later step runs in this account and these Regions; the preflight proves the credentials work and says what the account can host.",
             preflight_check),
    ]


def instance_steps() -> list[Step]:
    return [
        Step("connect.instance", "Create the Amazon Connect instance", "api",
             "The instance is the contact centre; the workshop creates one with SAML identity management, or uses the one you chose.",
             instance_check, run=instance_run),
        Step("connect.instance.saml", "Confirm SAML identity management", "check",
             "Only a SAML instance can accept IAM Identity Center sign-in, and the choice cannot be changed later.",
             saml_check),
    ]


def identity_center_steps() -> list[Step]:
    return [
        Step("org.organization", "Create the AWS Organization (all features)", "api",
             "IAM Identity Center's organization instance lives in an Organization's management account.",
             organization_check, run=organization_run),
        Step("idc.instance", "Enable IAM Identity Center", "console",
             "Enabling it creates the identity store where your agents live and the access portal where they sign in. There is no API for the organization instance.",
             idc_check, guide=idc_guide, simulate=idc_simulate, confirm="Your access portal URL, only if you customised it"),
    ]
