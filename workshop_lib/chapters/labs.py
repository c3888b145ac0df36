"""Chapter 08: break one link of a working chain, watch sign-in fail and the doctor name it, repair it.

Sandbox only. Each repair re-runs the workshop's own step (or its simulated console action), so the
labs also prove that every step heals what it owns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from workshop_lib.chapters.federation import attribute_mappings, relay_state
from workshop_lib.rules.chain import AGENT
from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context


@dataclass(frozen=True)
class Lab:
    key: str
    title: str
    story: str  # what people do in real life that causes this
    code: str  # the failure mode the doctor and the sign-in should name
    breaks: Callable[["Context"], None]
    repair_step: str  # the workshop step whose perform() repairs it


def _agent_app_arn(ctx: "Context") -> str:
    from workshop_lib.aws.resources import require_application

    return require_application(ctx, ctx.settings.name(AGENT.app_key))["ApplicationArn"]


def _spaces_in_role(ctx: "Context") -> None:
    from workshop_lib.aws import console
    from workshop_lib.rules.role_attribute import ROLE_ATTRIBUTE_NAME

    rows = attribute_mappings(ctx, AGENT)
    rows[ROLE_ATTRIBUTE_NAME] = rows[ROLE_ATTRIBUTE_NAME].replace(",", ", ")
    console.set_attribute_mappings(ctx, _agent_app_arn(ctx), rows)


def _relay_wrong_region(ctx: "Context") -> None:
    from workshop_lib.aws import console

    region = ctx.settings.region
    other = "eu-west-2" if region != "eu-west-2" else "us-west-2"
    console.set_relay_state(ctx, _agent_app_arn(ctx), relay_state(ctx, AGENT).replace(f"https://{region}.", f"https://{other}."))


def _policy_other_instance(ctx: "Context") -> None:
    from workshop_lib.aws.breakage import replace_policy
    from workshop_lib.rules.iam_documents import federation_policy

    arn = ctx.settings.instance_arn
    other = arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    replace_policy(ctx, ctx.settings.name("policy"), federation_policy(other))


def _trust_without_provider(ctx: "Context") -> None:
    from workshop_lib.aws.breakage import replace_trust
    from workshop_lib.aws.resources import provider_arn
    from workshop_lib.rules.iam_documents import saml_trust_policy

    s = ctx.settings
    # The admin provider instead of the agent's: the classic copy-paste slip between the two roles.
    replace_trust(ctx, s.name(AGENT.role_key), saml_trust_policy(provider_arn(ctx, s.name("admin_provider")), s.region))


def _connect_user_missing(ctx: "Context") -> None:
    from workshop_lib.aws.breakage import delete_connect_user
    from workshop_lib.chapters.people import roster

    delete_connect_user(ctx, roster(ctx, AGENT)[0].email)


def _group_unassigned(ctx: "Context") -> None:
    from workshop_lib.aws.breakage import remove_group_assignment

    remove_group_assignment(ctx, _agent_app_arn(ctx), ctx.settings.name("agents_group"))


def _provider_from_admin_metadata(ctx: "Context") -> None:
    from workshop_lib.aws.breakage import replace_provider_metadata
    from workshop_lib.metadata_files import read_metadata

    admin = read_metadata("admin")
    if admin is None:
        raise WorkshopError("This lab needs the admin application's metadata.", fix="Run chapter 06 first.")
    replace_provider_metadata(ctx, ctx.settings.name(AGENT.provider_key), admin)


LABS: tuple[Lab, ...] = (
    Lab("role-spaces", "A space after the comma in the Role attribute", "Someone tidied the Role value to 'role, provider'.", "F1", _spaces_in_role, "agent.app.mappings"),
    Lab("trust-provider", "The agent role trusts the admin provider", "The trust policy was copied from the admin role.", "F2", _trust_without_provider, "agent.iam.role"),
    Lab("provider-metadata", "The agent provider holds the admin application's metadata", "The wrong XML file was uploaded to IAM.", "F4", _provider_from_admin_metadata, "agent.iam.provider"),
    Lab("connect-user", "The agent has no Connect user", "The Connect user was never created, or was deleted.", "F8", _connect_user_missing, "agents.connect_users"),
    Lab("policy-instance", "The policy names another instance", "The policy was written for a test instance.", "F9", _policy_other_instance, "iam.policy"),
    Lab("relay-region", "The relay state points at another Region", "The relay state was built with Identity Center's Region, not the instance's.", "F12", _relay_wrong_region, "agent.app.relay_state"),
    Lab("group-unassigned", "The agents' group is not assigned", "The assignment was removed during a tidy-up.", "F16", _group_unassigned, "agents.assignment"),
)


@dataclass
class LabResult:
    lab: Lab
    sign_in_message: str = ""
    sign_in_code: str = ""
    doctor_codes: list[str] = field(default_factory=list)
    doctor_findings: list = field(default_factory=list)  # the doctor's findings while the link was broken (for the chain picture)
    repaired: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        """The sign-in failed, the doctor named the lab's failure mode, and the repair made sign-in work again."""
        return not self.error and bool(self.sign_in_message) and self.lab.code in self.doctor_codes and self.repaired


def run_lab(ctx: "Context", lab: Lab) -> LabResult:
    from workshop_lib.aws import console
    from workshop_lib.chapters import find_step
    from workshop_lib.chapters.people import roster
    from workshop_lib.doctor import run_doctor

    if not ctx.is_sandbox:
        raise WorkshopError("The troubleshooting labs break things on purpose, so they only run on the sandbox.", fix="Switch the target to the sandbox in 00_start_here.")
    result = LabResult(lab)
    agent = roster(ctx, AGENT)[0].email
    app = ctx.settings.name(AGENT.app_key)
    try:
        lab.breaks(ctx)
        failed = console.sign_in(ctx, agent, app)
        result.sign_in_message = "" if failed.ok else failed.message
        result.sign_in_code = "" if failed.ok else (failed.code or "")
        result.doctor_findings = [f for f in run_doctor(ctx.settings).findings if f.severity.value != "info"]
        result.doctor_codes = sorted({f.code for f in result.doctor_findings if f.severity.value == "error"})
    finally:
        find_step(lab.repair_step).perform(ctx)
    result.repaired = console.sign_in(ctx, agent, app).ok
    return result


def lab_table(results: list[LabResult]) -> list[dict]:
    return [
        {"lab": r.lab.title, "expected": r.lab.code, "AWS said": r.sign_in_message, "doctor found": ", ".join(r.doctor_codes), "repaired": r.repaired}
        for r in results
    ]


def dumps(results: list[LabResult]) -> str:
    return json.dumps(lab_table(results), indent=2)
