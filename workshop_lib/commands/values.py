"""`relay-state` and `values`: every value a learner pastes into a console, built from the instance."""

from __future__ import annotations

import argparse

DESTINATION_CHOICES = ("ccp", "agent-workspace", "chat", "legacy-ccp")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relay-state", help="print the relay state (federate URL) for an instance")
    p.add_argument("--instance", required=True, metavar="ID_OR_ARN", help="instance ID or ARN, as copied from the Connect console")
    p.add_argument("--region", help="the instance's Region (taken from the ARN when you give one)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--admin", action="store_true", help="no destination: administrators land on the admin website")
    who.add_argument("--destination", choices=DESTINATION_CHOICES, help="where agents land (default: ccp)")  # no default: argparse only sees a conflict with --admin for non-default values
    p.set_defaults(func=run_relay_state)

    v = sub.add_parser("values", help="print every value to paste into a console, with the default names")
    v.add_argument("--instance", required=True, metavar="ARN", help="the instance ARN (it carries the Region and account)")
    v.add_argument("--region", help="the instance's Region, if it should be checked against the ARN's")
    v.set_defaults(func=run_values)


def _instance(args: argparse.Namespace):
    from workshop_lib.errors import InputError
    from workshop_lib.rules.instance import parse_instance
    from workshop_lib.rules.regions import validate_region

    region = validate_region(args.region) if args.region else None
    ref = parse_instance(args.instance, region)
    if not ref.region:
        raise InputError(
            "An instance ID alone does not say which Region the instance is in.",
            fix="Add --region (for example --region us-east-1) or pass the instance ARN instead.",
        )
    return ref


def run_relay_state(args: argparse.Namespace) -> int:
    from workshop_lib.rules.relay_state import relay_state_url

    ref = _instance(args)
    destination = None if args.admin else (args.destination or "ccp")
    url = relay_state_url(ref.instance_id, ref.region, destination)
    if destination == "legacy-ccp":
        import sys

        print("warning: %2Fconnect%2Fccp is the legacy CCP path; current instances use ccp (%2Fccp-v2).", file=sys.stderr)
    print(url)
    return 0


def build_values(instance_arn: str, region: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for everything pasted into a console, with the workshop's default names."""
    import json

    from workshop_lib.rules import names as n
    from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy
    from workshop_lib.rules.instance import parse_instance
    from workshop_lib.rules.relay_state import admin_relay_state_url, relay_state_url
    from workshop_lib.rules.role_attribute import role_arn, role_attribute_value, saml_provider_arn

    ref = parse_instance(instance_arn, region)
    if not ref.account:
        from workshop_lib.errors import InputError

        raise InputError("`values` needs the instance ARN, which carries the account and Region.", fix="Copy the ARN from the Connect console's instance overview (arn:aws:connect:REGION:ACCOUNT:instance/ID).")
    acct = ref.account
    agent_provider = saml_provider_arn(acct, n.AGENT_PROVIDER_NAME)
    admin_provider = saml_provider_arn(acct, n.ADMIN_PROVIDER_NAME)
    return [
        ("Agent application display name", n.AGENT_APP_NAME),
        ("Agent relay state", relay_state_url(ref.instance_id, ref.region, "ccp")),
        ("Agent Role attribute", role_attribute_value(role_arn(acct, n.AGENT_ROLE_NAME), agent_provider)),
        ("Admin application display name", n.ADMIN_APP_NAME),
        ("Admin relay state", admin_relay_state_url(ref.instance_id, ref.region)),
        ("Admin Role attribute", role_attribute_value(role_arn(acct, n.ADMIN_ROLE_NAME), admin_provider)),
        ("Subject attribute (format emailAddress)", "${user:email}"),
        ("RoleSessionName attribute", "${user:email}"),
        ("SessionDuration attribute (seconds; 12 hours)", "43200"),
        (f"Permission policy {n.POLICY_NAME}", json.dumps(federation_policy(ref.arn), indent=2)),
        (f"Trust policy of {n.AGENT_ROLE_NAME}", json.dumps(saml_trust_policy(agent_provider, ref.region), indent=2)),
        (f"Trust policy of {n.ADMIN_ROLE_NAME}", json.dumps(saml_trust_policy(admin_provider, ref.region), indent=2)),
    ]


def run_values(args: argparse.Namespace) -> int:
    for label, value in build_values(args.instance, args.region):
        print(f"{label}:")
        print("  " + value.replace("\n", "\n  "))
        print()
    return 0
