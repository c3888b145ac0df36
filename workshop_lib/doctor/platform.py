"""Checks of the platform: the Connect instance (F19), Organizations and Identity Center (F14, F15), apps and
assignments (F16), and reads that failed."""

from __future__ import annotations

from workshop_lib.aws.snapshot import Facts
from workshop_lib.doctor._common import (
    DENIED,
    ERROR,
    WARNING,
    can_read,
    capped,
    connect_link,
    idc_link,
    make_finding,
    people,
)
from workshop_lib.findings import Finding
from workshop_lib.rules.chain import organizations_console_url


def instance_uses_saml(facts: Facts) -> list[Finding]:
    """F19: the Connect instance exists, is ACTIVE and uses SAML 2.0 identity management."""
    inst = facts.instance
    if not inst.id:
        return [
            make_finding(
                "F19",
                ERROR,
                "The settings name no Amazon Connect instance, so nothing can federate into it.",
                fix="Choose or create the instance in chapter 01 (01_connect_instance).",
                link=connect_link(facts),
            )
        ]
    from workshop_lib.rules.instance import instance_id_problems

    problems = instance_id_problems(inst.id)
    if problems:
        return [
            make_finding(
                "F19",
                ERROR,
                f"The instance ID {inst.id!r} in the settings is not a valid Amazon Connect instance ID: "
                + " ".join(problems),
                fix="Choose the instance again in 00_start_here, copying its ID or ARN from the Connect console.",
                link=connect_link(facts),
            )
        ]
    if not can_read(facts, "connect:DescribeInstance"):
        return []
    if not inst.found:
        return [
            make_finding(
                "F19",
                ERROR,
                f"There is no Amazon Connect instance {inst.id} in {facts.region}.",
                fix="Check the Region and instance in 00_start_here, or create the instance in chapter 01.",
                link=connect_link(facts),
            )
        ]
    out = []
    if inst.identity_management_type != "SAML":
        out.append(
            make_finding(
                "F19",
                ERROR,
                f"The instance {inst.alias or inst.id} manages identities as {inst.identity_management_type or 'unknown'}, "
                "not SAML 2.0, so IAM Identity Center sign-in can never reach it.",
                fix="Identity management cannot be changed: create a new instance with SAML 2.0-based authentication "
                "(chapter 01) and use it instead (instance creation is quota-limited, so re-use it afterwards).",
                link=connect_link(facts),
                expected="SAML",
            )
        )
    if inst.status and inst.status != "ACTIVE":
        failed = inst.status == "CREATION_FAILED"
        out.append(
            make_finding(
                "F19",
                ERROR if failed else WARNING,
                f"The instance {inst.alias or inst.id} is {inst.status}, not ACTIVE.",
                fix="Delete it and create it again."
                if failed
                else "Wait a few minutes until it is ACTIVE, then run the doctor again.",
                link=connect_link(facts),
                expected="ACTIVE",
            )
        )
    return out


def organization_and_identity_center(facts: Facts) -> list[Finding]:
    """F14: an Organization with all features and an organization instance of Identity Center in the IdC Region."""
    out = []
    org = facts.organization
    link = organizations_console_url(facts.partition)
    if org is not None and not org.exists:
        out.append(
            make_finding(
                "F14",
                ERROR,
                "This account belongs to no AWS Organization, so IAM Identity Center can only be an "
                "account instance, which cannot host the Amazon Connect application.",
                fix="Create an Organization with all features (chapter 02), then enable IAM Identity Center from "
                "the management account.",
                link=link,
            )
        )
    elif org is not None and org.feature_set and org.feature_set != "ALL":
        out.append(
            make_finding(
                "F14",
                ERROR,
                f"The Organization {org.id} has only consolidated billing ({org.feature_set}), not all features.",
                fix="Enable all features in AWS Organizations (chapter 02).",
                link=link,
                expected="ALL",
            )
        )
    if not can_read(facts, "sso:ListInstances"):
        return out
    idc = facts.identity_center
    if idc is None:
        out.append(
            make_finding(
                "F14",
                ERROR,
                f"IAM Identity Center is not enabled in {facts.idc_region}.",
                fix="Enable it from the management account in the IAM Identity Center console (chapter 02), or set "
                "the Identity Center Region in 00_start_here to the Region where it is enabled.",
                link=idc_link(facts, ""),
            )
        )
    elif (
        org is not None
        and org.exists
        and idc.owner_account
        and org.management_account
        and idc.owner_account != org.management_account
    ):
        out.append(
            make_finding(
                "F14",
                WARNING,
                f"The IAM Identity Center instance is owned by account {idc.owner_account}, not by the management "
                f"account {org.management_account}; it is probably an account instance, which cannot host the "
                "Amazon Connect application.",
                fix="Use the organization instance in the management account; delete the account instance if it was "
                "created by mistake (for example before the Organization existed).",
                link=idc_link(facts, ""),
            )
        )
    return out


def identity_center_reachable(facts: Facts) -> list[Finding]:
    """F15: Identity Center and the identity store answer with these credentials in the IdC Region."""
    denied = [u for u in facts.unreadable_for("sso:", "identitystore:") if u.code in DENIED]
    if not denied:
        return []
    actions = ", ".join(dict.fromkeys(u.action for u in denied))
    return [
        make_finding(
            "F15",
            ERROR,
            f"IAM Identity Center refused {actions} in {facts.idc_region} for account {facts.account_id or 'unknown'}: "
            f"{denied[0].message}",
            fix="Use the management account (or a delegated administrator) and the Region where Identity Center is "
            "enabled; set both in 00_start_here.",
            link=idc_link(facts, ""),
        )
    ]


def applications_and_assignments(facts: Facts) -> list[Finding]:
    """F16: each app exists and is ENABLED, its group exists, has members and is assigned to it."""
    if facts.identity_center is None:
        return []
    out = []
    for side, chain in facts.chains.items():
        if side in facts.applications:
            app = facts.applications[side]
            if app is None:
                out.append(
                    make_finding(
                        "F16",
                        ERROR,
                        f"IAM Identity Center has no application called '{chain.app}', so the "
                        f"{people(chain)} have no app tile.",
                        fix=f"Add the catalog application 'Amazon Connect' with the display name '{chain.app}' "
                        "(chapter 03 for agents, 06 for admins).",
                        link=idc_link(facts),
                        expected=chain.app,
                        side=side,
                    )
                )
                app = None
            elif app.status and app.status != "ENABLED":
                out.append(
                    make_finding(
                        "F16",
                        ERROR,
                        f"The application '{chain.app}' is {app.status}, so its tile shows 'No access'.",
                        fix="Enable it in IAM Identity Center (Applications > the app > Actions > Enable).",
                        link=idc_link(facts),
                        expected="ENABLED",
                        side=side,
                    )
                )
        else:
            app = None
        group = facts.groups.get(side)
        if group is None or not can_read(facts, "identitystore:GetGroupId"):
            continue
        if not group.found:
            out.append(
                make_finding(
                    "F16",
                    ERROR,
                    f"There is no group '{chain.group}' in IAM Identity Center, so no {people(chain)[:-1]} "
                    f"is assigned to '{chain.app}'.",
                    fix=f"Create the group '{chain.group}' and add the {people(chain)} to it (chapter 05/06).",
                    link=idc_link(facts, "groups"),
                    expected=chain.group,
                    side=side,
                )
            )
            continue
        if (
            app is not None
            and group.id not in app.assigned_groups
            and can_read(facts, "sso:ListApplicationAssignments")
        ):
            out.append(
                make_finding(
                    "F16",
                    ERROR,
                    f"The group '{chain.group}' is not assigned to '{chain.app}', so its members see no app tile.",
                    fix=f"Assign the group '{chain.group}' to the application '{chain.app}' (Assigned users and groups).",
                    link=idc_link(facts),
                    side=side,
                )
            )
        if not group.member_ids and can_read(facts, "identitystore:ListGroupMemberships"):
            out.append(
                make_finding(
                    "F16",
                    WARNING,
                    f"The group '{chain.group}' has no members, so no one can use '{chain.app}'.",
                    fix=f"Add the {people(chain)} to '{chain.group}' (chapter 05/06).",
                    link=idc_link(facts, "groups"),
                    side=side,
                )
            )
    out.extend(_ledger_users_in_groups(facts))
    return out


def _ledger_users_in_groups(facts: Facts) -> list[Finding]:
    if not facts.ledger_idc_users or not can_read(facts, "identitystore:"):
        return []
    by_name = {u.user_name: u for u in facts.idc_users.values()}
    grouped = {uid for g in facts.groups.values() if g.found for uid in g.member_ids}
    direct = {uid for a in facts.applications.values() if a for uid in a.assigned_users}
    out = []
    for name in facts.ledger_idc_users:
        user = by_name.get(name)
        if user is None or user.id in grouped or user.id in direct:
            continue
        groups = " or ".join(f"'{c.group}'" for c in facts.chains.values())
        out.append(
            make_finding(
                "F16",
                WARNING,
                f"The IAM Identity Center user {name} is in neither {groups}, so no Amazon Connect "
                "tile appears in their portal.",
                fix="Add the user to the group for their role (agent or admin).",
                link=idc_link(facts, "groups"),
                user=name,
            )
        )
    return capped(out, "users")


def reads_that_failed(facts: Facts) -> list[Finding]:
    """Everything the doctor could not read (except what F15 explains), so no check passes silently."""
    out = []
    from workshop_lib.rules.instance import instance_id_problems

    for item in facts.unreadable:
        if item.code in DENIED and item.action.startswith(("sso:", "identitystore:")):
            continue  # F15 explains it
        if item.action == "connect:DescribeInstance" and instance_id_problems(facts.instance.id):
            continue  # F19 explains it
        out.append(
            make_finding(
                "doctor.unreadable",
                WARNING,
                f"Could not read {item.action}: {item.message}. The checks that need it were skipped.",
                fix="Use credentials allowed to read it (see docs/least-privilege-policy.json), then run the doctor again.",
                action=item.action,
                error_code=item.code,
            )
        )
    return out
