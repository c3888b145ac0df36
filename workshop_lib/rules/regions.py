"""AWS Regions and partitions, read from botocore's bundled endpoint data (never a hand-typed list)."""

from __future__ import annotations

import difflib
import functools
import re

from workshop_lib.errors import InputError

SERVICE_NAMES = {
    "connect": "Amazon Connect",
    "sso-admin": "IAM Identity Center",
    "identitystore": "the IAM Identity Center identity store",
    "sso": "IAM Identity Center",
    "iam": "IAM",
    "sts": "AWS STS",
}
WORKSHOP_PARTITIONS = ("aws", "aws-us-gov")


@functools.lru_cache(maxsize=1)
def _endpoint_data() -> dict:
    """botocore's endpoints.json, loaded once (botocore is imported here so importing rules stays fast)."""
    import botocore.loaders

    return botocore.loaders.create_loader().load_data("endpoints")


@functools.lru_cache(maxsize=None)
def _partition(partition: str) -> dict:
    for data in _endpoint_data()["partitions"]:
        if data["partition"] == partition:
            return data
    known = ", ".join(p["partition"] for p in _endpoint_data()["partitions"])
    raise InputError(
        f"'{partition}' is not an AWS partition.",
        fix=f"Use one of: {known} (the workshop supports aws and aws-us-gov).",
    )


@functools.lru_cache(maxsize=None)
def _endpoint_prefix(service: str) -> str:
    """The key of a service in the endpoint data ('sso-admin' is 'sso'), as botocore's own session finds it."""
    import botocore.exceptions
    import botocore.loaders

    try:
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
    except botocore.exceptions.UnknownServiceError:
        raise InputError(f"'{service}' is not an AWS service that botocore knows.",
                         fix="Use a boto3 client name such as connect or sso-admin.") from None
    return model["metadata"].get("endpointPrefix", service)


@functools.lru_cache(maxsize=None)
def _regions(partition: str, service: str | None) -> tuple[str, ...]:
    data = _partition(partition)
    if service is None:
        return tuple(sorted(data["regions"]))
    endpoints = data["services"].get(_endpoint_prefix(service), {}).get("endpoints", {})
    # Only real Regions: drops "fips-…" aliases and global endpoints such as "aws-global".
    return tuple(sorted(name for name in endpoints if name in data["regions"]))


@functools.lru_cache(maxsize=1)
def _every_region() -> dict[str, str]:
    """Every Region botocore knows, mapped to its partition."""
    return {
        region: data["partition"]
        for data in _endpoint_data()["partitions"]
        for region in data["regions"]
    }


def service_name(service: str) -> str:
    """The product name a learner recognises for a botocore service name."""
    return SERVICE_NAMES.get(service, service)


def region_description(region: str) -> str:
    """The Region's display name from botocore, such as 'US East (N. Virginia)', or '' when unknown."""
    partition = _every_region().get(region)
    if partition is None:
        return ""
    return _partition(partition)["regions"][region].get("description", "")


def all_regions(partition: str = "aws", service: str | None = None) -> list[str]:
    """Regions of a partition; with a service (e.g. 'sso-admin'), only those where botocore has an endpoint for it."""
    return list(_regions(partition, service))


def connect_regions(partition: str = "aws") -> list[str]:
    """Regions where Amazon Connect is offered in a partition, according to botocore's endpoint data."""
    return all_regions(partition, "connect")


def partition_of(region: str) -> str:
    """The partition ('aws', 'aws-us-gov', …) a Region belongs to."""
    known = _every_region().get(region)
    if known:
        return known
    for data in _endpoint_data()["partitions"]:
        if re.match(data["regionRegex"], region):
            return data["partition"]
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
