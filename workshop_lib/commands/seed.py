"""`connect-sso-workshop sandbox seed busy-account`: a believable production account in the sandbox, to rehearse in.

Added to the ``sandbox`` command by ``commands/sandbox.py``; the seeding itself is ``aws/busy_account.py``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def add_seed_parser(sub: Any, parser_class: type) -> None:
    seed = sub.add_parser("seed", help="fill the sandbox with example content to rehearse in")
    kinds = seed.add_subparsers(dest="seed_kind", metavar="KIND", parser_class=parser_class)
    seed.set_defaults(func=lambda args: (seed.print_help(), 2)[1])
    busy = kinds.add_parser(
        "busy-account",
        help="a shared production account: an Organization with Identity Center, dozens of people and groups "
             "(ConnectAgents among them), permission sets, other applications, another Connect instance, and "
             "someone else's IAM roles, policy and SAML providers with the workshop's default names",
    )
    busy.add_argument("--region", help="Region of Identity Center and the other Connect instance (default: the settings' Connect Region)")
    busy.set_defaults(func=_busy_account)


def _busy_account(args: argparse.Namespace) -> int:
    from workshop_lib import settings as settings_mod
    from workshop_lib.aws.busy_account import seed_busy_account
    from workshop_lib.rules.regions import validate_region

    region = validate_region(args.region or settings_mod.load().region)
    endpoint = os.environ.get("WORKSHOP_SANDBOX_ENDPOINT")
    if not endpoint:
        from workshop_lib.sandbox.client import control

        endpoint = control.ensure_running()
    busy = seed_busy_account(endpoint, region)
    print(f"The sandbox at {endpoint} now looks like a busy production account:")
    for line in busy.summary():
        print(f"  - {line}")
    print("Rehearse in it with the target 'rehearsal' (00_start_here, or `run --target rehearsal`). The workshop must leave "
          "all of this as it was: choose a name prefix, or use someone else's resource as it is only on purpose.")
    return 0
