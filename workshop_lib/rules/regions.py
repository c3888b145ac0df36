"""AWS Regions and partitions, from botocore's endpoint data (never a hand-typed list).

Pure: the data is a table generated from botocore by scripts/make_region_table.py (rules do no I/O), and
tests/test_rules_regions.py checks that it matches the installed botocore.
"""

from __future__ import annotations

import difflib
import functools
import re

from workshop_lib.errors import InputError
from workshop_lib.rules._region_table import PARTITIONS, SERVICE_REGIONS

SERVICE_NAMES = {
    "connect": "Amazon Connect",
    "sso-admin": "IAM Identity Center",
    "identitystore": "the IAM Identity Center identity store",
    "sso": "IAM Identity Center",
    "iam": "IAM",
    "sts": "AWS STS",
}
WORKSHOP_PARTITIONS = ("aws", "aws-us-gov")


def _partition(partition: str) -> dict:
    try:
        return PARTITIONS[partition]
    except KeyError:
        raise InputError(
            f"'{partition}' is not an AWS partition.",
            fix=f"Use one of: {', '.join(PARTITIONS)} (the workshop supports aws and aws-us-gov).",
        ) from None


def _regions(partition: str, service: str | None) -> tuple[str, ...]:
    data = _partition(partition)
    if service is None:
        return tuple(data["regions"])
    try:
        return SERVICE_REGIONS[f"{partition} {service}"]
    except KeyError:
        known = sorted({key.split(" ", 1)[1] for key in SERVICE_REGIONS})
        raise InputError(f"'{service}' is not an AWS service whose Regions the workshop knows.",
                         fix=f"Use a boto3 client name such as {', '.join(known)}.") from None


@functools.lru_cache(maxsize=1)
def _every_region() -> dict[str, str]:
    """Every Region botocore knows, mapped to its partition."""
    return {region: name for name, data in PARTITIONS.items() for region in data["regions"]}


def service_name(service: str) -> str:
    """The product name a learner recognises for a botocore service name."""
    return SERVICE_NAMES.get(service, service)


def region_description(region: str) -> str:
    """The Region's display name from botocore, such as 'US East (N. Virginia)', or '' when unknown."""
    partition = _every_region().get(region)
    if partition is None:
        return ""
    return PARTITIONS[partition]["regions"][region]


def all_regions(partition: str = "aws", service: str | None = None) -> list[str]:
    """Regions of a partition; with a service (e.g. 'sso-admin'), only those where botocore has an endpoint for it."""
    return list(_regions(partition, service))


def connect_regions(partition: str = "aws") -> list[str]:
    """Regions where Amazon Connect is offered in a partition, according to botocore's endpoint data."""
    return all_regions(partition, "connect")


def offered_in(region: str, service: str) -> bool:
    """Whether botocore's endpoint data gives ``service`` an endpoint in ``region``, in any partition."""
    return any(region in regions for key, regions in SERVICE_REGIONS.items() if key.split(" ", 1)[1] == service)


def partition_of(region: str) -> str:
    """The partition ('aws', 'aws-us-gov', …) a Region belongs to."""
    known = _every_region().get(region)
    if known:
        return known
    for name, data in PARTITIONS.items():
        if re.match(data["regex"], region):
            return name
    raise InputError(
        f"'{region}' does not look like an AWS Region name, so its partition is unknown.",
        fix="Use a Region code such as us-east-1 or us-gov-west-1.",
    )


def validate_region(text: str | None, service: str | None = "connect") -> str:
    """Normalise a typed Region ('  US-East-1 ' → 'us-east-1') and check that the service is offered there."""
    value = (text or "").strip().strip("'\"`").strip().lower()
    if not value:
        raise InputError("No Region was given.", fix="Type a Region code such as us-east-1.")
    known = _every_region()
    if value not in known:
        candidate = re.sub(r"[\s_]+", "-", value)
        if candidate in known:
            suggestion = candidate
        else:
            close = difflib.get_close_matches(candidate, list(known), n=1, cutoff=0.6)
            suggestion = close[0] if close else ""
        fix = f"Did you mean {suggestion}?" if suggestion else "Use a Region code such as us-east-1."
        raise InputError(f"'{value}' is not an AWS Region that botocore knows.", fix=fix)
    if service is not None:
        offered = all_regions(known[value], service)
        if value not in offered:
            where = ", ".join(offered) if offered else "no Region of this partition"
            description = region_description(value)
            named = f"{value} ({description})" if description else value
            raise InputError(
                f"{service_name(service)} is not offered in {named}.",
                fix=f"Choose one of the Regions where it is offered: {where}.",
            )
    return value
