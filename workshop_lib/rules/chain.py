"""One side of the sign-in chain (agents or administrators): its names, destination and console links.

The one model of a side, used by the chapters, the facts reader, the doctor and bulk onboarding. Pure: a
side resolves its names through a ``name(key)`` function (``Settings.name``, which applies the learner's prefix)
and builds console links from a partition and Region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from workshop_lib.rules import names as n

# Console hosts per partition. GovCloud has one console host for every Region.
# https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-endpoints.html
_GOVCLOUD_CONSOLE = "console.amazonaws-us-gov.com"
_CHINA_CONSOLE = "console.amazonaws.cn"


def console_host(partition: str, region: Optional[str] = None) -> str:
    """The AWS Management Console host for a partition, regional where the partition has regional hosts."""
    if partition == "aws-us-gov":
        return _GOVCLOUD_CONSOLE
    if partition == "aws-cn":
        return _CHINA_CONSOLE
    return f"{region}.console.aws.amazon.com" if region else "console.aws.amazon.com"


def console_url(partition: str, region: Optional[str], path: str) -> str:
    """``https://<console host>/<path>`` for the partition (and Region, where hosts are regional)."""
    return f"https://{console_host(partition, region)}/{path.lstrip('/')}"


def idc_console_url(partition: str, idc_region: str, fragment: str = "applications") -> str:
    """A page of the IAM Identity Center console, in the Identity Center Region."""
    return console_url(partition, idc_region, f"singlesignon/home?region={idc_region}#/{fragment}")


def iam_console_url(partition: str, fragment: str) -> str:
    """A page of the IAM console (global: no Region in the host)."""
    return console_url(partition, None, f"iam/home#/{fragment}")


def connect_console_url(partition: str, region: str) -> str:
    """The Amazon Connect console's list of instances in the Region."""
    return console_url(partition, region, f"connect/v2/app/instances?region={region}")


def organizations_console_url(partition: str, page: str = "") -> str:
    """A page of the AWS Organizations console (global)."""
    return console_url(partition, None, "organizations/v2/home" + (f"/{page}" if page else ""))


@dataclass(frozen=True)
class SideNames:
    """A side's resource names as one learner's settings give them (prefix applied)."""

    side: str
    app: str
    provider: str
    role: str
    group: str
    policy: str
    security_profile: str  # the Connect security profile its users hold ("Agent", "Admin")
    destination: Optional[str]  # relay-state destination key; None = the Connect admin website


@dataclass(frozen=True)
class Side:
    """One side of the sign-in chain: who signs in through it and where they land."""

    key: str  # "agent" or "admin"
    audience: str  # "agents" / "administrators", for sentences
    destination: Optional[str]  # relay-state destination; None = the Connect admin website
    security_profile: str

    # the keys of its names in Settings.name
    @property
    def app_key(self) -> str:
        return f"{self.key}_app"

    @property
    def provider_key(self) -> str:
        return f"{self.key}_provider"

    @property
    def role_key(self) -> str:
        return f"{self.key}_role"

    @property
    def group_key(self) -> str:
        return f"{self.key}s_group"

    policy_key = "policy"  # one policy, shared by both roles

    def names(self, name: Callable[[str], str]) -> SideNames:
        """The side's names, each looked up through ``name`` (``Settings.name``)."""
        return SideNames(self.key, name(self.app_key), name(self.provider_key), name(self.role_key),
                         name(self.group_key), name(self.policy_key), self.security_profile, self.destination)


AGENT = Side("agent", "agents", "ccp", n.AGENT_SECURITY_PROFILE)
ADMIN = Side("admin", "administrators", None, n.ADMIN_SECURITY_PROFILE)
SIDES: dict[str, Side] = {AGENT.key: AGENT, ADMIN.key: ADMIN}


def side_for(key: str) -> Side:
    """The side called ``key`` ("agent" or "admin"); people carry it as their role."""
    try:
        return SIDES[key]
    except KeyError:
        raise ValueError(f"side must be one of {', '.join(SIDES)}, not {key!r}") from None
