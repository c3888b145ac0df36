"""Which account the credentials reach, so the settings show that account's ledger and nothing else's.

The ledger, the instance and the federation roles' RoleIds are kept per (target, partition, account ID).
When the target or the profile changes, the next AWS call first asks STS who the caller is and switches
the settings to that account's fields (``Settings.enter_account``): a sandbox ledger never reaches AWS,
and account B never sees (or cleans up) account A's resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workshop_lib.aws.errors import explained

if TYPE_CHECKING:
    from workshop_lib.settings import Settings


@dataclass(frozen=True)
class Caller:
    """Who the credentials are, as STS says (nothing secret)."""

    account: str
    arn: str
    partition: str


def caller(settings: "Settings") -> Caller:
    from workshop_lib.aws.session import client

    with explained("sts:GetCallerIdentity"):
        ident = client("sts", settings).get_caller_identity()
    arn = ident.get("Arn", "")
    partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
    return Caller(account=ident["Account"], arn=arn, partition=partition)


def current(path: Path | None = None) -> "Settings":
    """The settings with the current account's fields in place (one STS call after a switch, none otherwise)."""
    from workshop_lib import settings as settings_mod

    s = settings_mod.load(path)
    if s.in_scope:
        return s
    return enter(path, s)


def enter(path: Path | None = None, s: "Settings | None" = None) -> "Settings":
    """Ask STS for the account of the current target and profile, and make its fields the current ones."""
    from workshop_lib import settings as settings_mod

    s = s or settings_mod.load(path)
    who = caller(s)
    with settings_mod.update(path) as s:
        s.enter_account(who.account, who.partition)
    return s
