"""Who the credentials are: the account, caller and partition, as STS says (for the real-account confirmation).

The ledger is kept per (target, partition, account ID): ``Context.settings`` asks STS the same question after
the target or profile changed and switches the settings to that account's fields (``Settings.enter_account``).
"""

from __future__ import annotations

from dataclasses import dataclass
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
