"""Amazon Connect instance IDs and ARNs, as a learner pastes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workshop_lib.errors import InputError
from workshop_lib.rules.regions import partition_of, validate_region

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
ACCOUNT_RE = re.compile(r"^\d{12}\Z")
INSTANCE_PARTITIONS = ("aws", "aws-us-gov")
_GROUP_LENGTHS = (8, 4, 4, 4, 12)
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
_WRAPPERS = "'\"`\u2018\u2019\u201c\u201d"
WHERE_TO_COPY = (
    "Copy the instance ID or ARN from the Amazon Connect console (the instance's overview page) "
    "or from describe_instance instead of typing it or taking it from an example."
)


@dataclass(frozen=True)
class InstanceRef:
    """An Amazon Connect instance: its ID, and its Region and account when an ARN gave them."""

    instance_id: str
    region: str | None = None
    account: str | None = None

    @property
    def arn(self) -> str | None:
        """The instance ARN, or None when the Region or account is unknown."""
        if self.region is None or self.account is None:
            return None
        return instance_arn(self.region, self.account, self.instance_id)


def clean_pasted(text: str | None) -> str:
    """Strip what copying adds around a value: spaces, newlines, quotes and backticks."""
    value = (text or "").strip()
    while value and value[0] in _WRAPPERS and value[-1] in _WRAPPERS:
        value = value[1:-1].strip()
    return value.strip(_WRAPPERS).strip()


def _describe_char(char: str) -> str:
    if char == " ":
        return "a space"
    if char.isspace():
        return "a line break or tab"
    return f"'{char}'"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def instance_id_problems(value: str) -> list[str]:
    """What is wrong with an instance ID, in sentences; empty when it is a lowercase UUID."""
    if UUID_RE.match(value):
        return []
    if not value:
        return ["The instance ID is empty."]
    problems = []
    lowered = value.lower()
    bad = [(i + 1, ch) for i, ch in enumerate(lowered) if ch not in "0123456789abcdef-"]
    if bad:
        shown = bad[:6]
        chars = _join([_describe_char(ch) for _, ch in shown])
        positions = _join([str(pos) for pos, _ in shown])
        more = f" (and {len(bad) - len(shown)} more)" if len(bad) > len(shown) else ""
        if len(bad) == 1:
            problems.append(f"{chars} at position {positions} is not a hexadecimal digit (0-9, a-f).")
        else:
            problems.append(f"{chars} at positions {positions}{more} are not hexadecimal digits (0-9, a-f).")
    groups = lowered.split("-")
    if len(groups) != 5:
        problems.append(
            f"It has {len(groups)} group{'s' if len(groups) != 1 else ''} separated by hyphens "
            "instead of 5 (8-4-4-4-12 characters)."
        )
    else:
        for ordinal, group, length in zip(_ORDINALS, groups, _GROUP_LENGTHS):
            if len(group) != length:
                problems.append(
                    f"The {ordinal} group '{group}' has {len(group)} characters instead of {length}."
                )
    return problems


def validate_instance_id(text: str | None) -> str:
    """Return the instance ID as a lowercase UUID, or raise InputError naming what is wrong."""
    value = clean_pasted(text).rstrip("/")
    problems = instance_id_problems(value.lower())
    if problems:
        raise InputError(
            f"'{value}' is not a valid Amazon Connect instance ID, which is a UUID: " + " ".join(problems),
            fix=WHERE_TO_COPY,
        )
    return value.lower()


def _validate_account(account: str, where: str) -> str:
    if not ACCOUNT_RE.match(account or ""):
        raise InputError(
            f"The account '{account}' in {where} is not a 12-digit AWS account ID.",
            fix=WHERE_TO_COPY,
        )
    return account


def _parse_instance_arn(value: str) -> InstanceRef:
    parts = value.split(":", 5)
    if len(parts) != 6:
        raise InputError(
            f"'{value}' is not a complete ARN: an instance ARN has six parts separated by colons.",
            fix="It looks like arn:aws:connect:<region>:<account>:instance/<instance-id>. " + WHERE_TO_COPY,
        )
    _, partition, service, region, account, resource = parts
    if service != "connect":
        raise InputError(
            f"'{value}' is an ARN of the {service or 'unnamed'} service, not of an Amazon Connect instance.",
            fix="Paste the instance ARN, which looks like arn:aws:connect:<region>:<account>:instance/<instance-id>. "
            + WHERE_TO_COPY,
        )
    if partition not in INSTANCE_PARTITIONS:
        raise InputError(
            f"The ARN '{value}' is in the partition '{partition}', which this workshop does not support.",
            fix="Use an instance in the aws or aws-us-gov partition.",
        )
    resource_parts = resource.split("/")
    if resource_parts[0] != "instance" or len(resource_parts) < 2:
        raise InputError(
            f"'{value}' is the ARN of an Amazon Connect '{resource_parts[0]}', not of an instance.",
            fix="Paste the instance ARN, which ends in instance/<instance-id>. " + WHERE_TO_COPY,
        )
    if len(resource_parts) > 2:
        inner = resource_parts[2] or "path"
        prefix = ":".join(parts[:5]) + ":instance/" + resource_parts[1]
        raise InputError(
            f"'{value}' is the ARN of a {inner} inside an Amazon Connect instance, not of the instance itself.",
            fix=f"Use the instance ARN, which stops after the instance ID: {prefix}",
        )
    region = validate_region(region, "connect")
    if partition_of(region) != partition:
        raise InputError(
            f"The ARN '{value}' says partition '{partition}' but its Region {region} is in '{partition_of(region)}'.",
            fix=WHERE_TO_COPY,
        )
    _validate_account(account, f"the ARN '{value}'")
    return InstanceRef(validate_instance_id(resource_parts[1]), region, account)


def parse_instance(text: str | None, region: str | None = None) -> InstanceRef:
    """Read an instance ID or instance ARN as pasted; a `region` that disagrees with the ARN is an error."""
    value = clean_pasted(text).rstrip("/")
    if not value:
        raise InputError("No Amazon Connect instance ID or ARN was given.", fix=WHERE_TO_COPY)
    if value.lower().startswith(("http://", "https://")):
        raise InputError(
            f"'{value}' is a web address, not an Amazon Connect instance ID or ARN.",
            fix=WHERE_TO_COPY,
        )
    expected_region = validate_region(region, "connect") if region is not None else None
    if value.lower().startswith("arn:"):
        ref = _parse_instance_arn("arn:" + value[4:])
        if expected_region is not None and ref.region != expected_region:
            raise InputError(
                f"The instance ARN is in {ref.region}, but the Region given is {expected_region}.",
                fix=f"Use the instance's own Region, {ref.region}, or paste the ARN of the instance in {expected_region}.",
            )
        return ref
    return InstanceRef(validate_instance_id(value), expected_region, None)


def instance_arn(region: str, account: str, instance_id: str) -> str:
    """Build an instance ARN; the partition follows from the Region."""
    region = validate_region(region, "connect")
    _validate_account(account, "the instance ARN")
    return f"arn:{partition_of(region)}:connect:{region}:{account}:instance/{validate_instance_id(instance_id)}"
