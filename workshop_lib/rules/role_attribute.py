"""The SAML Role attribute: `<role ARN>,<provider ARN>`, typed by hand into the IdC attribute mappings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workshop_lib.errors import InputError
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules.names import AGENT_ROLE_NAME, validate_iam_name

SAML_ATTRIBUTE_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE_NAME = SAML_ATTRIBUTE_PREFIX + "Role"
ROLE_SESSION_NAME_ATTRIBUTE_NAME = SAML_ATTRIBUTE_PREFIX + "RoleSessionName"
SESSION_DURATION_ATTRIBUTE_NAME = SAML_ATTRIBUTE_PREFIX + "SessionDuration"
IAM_PARTITIONS = ("aws", "aws-us-gov")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-us-gov):iam::(\d{12}):role/([\w+=,.@/-]+)\Z", re.ASCII)
PROVIDER_ARN_RE = re.compile(r"^arn:(aws|aws-us-gov):iam::(\d{12}):saml-provider/([\w._-]+)\Z", re.ASCII)
ROLE_ATTRIBUTE_RE = re.compile(ROLE_ARN_RE.pattern[:-2] + "," + PROVIDER_ARN_RE.pattern[1:], re.ASCII)
RESERVED_SSO_ROLE_PREFIX = "AWSReservedSSO_"
RESERVED_SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
_EXAMPLE = (
    "arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole,"
    "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"
)
_FORMAT_FIX = f"Write the role ARN, one comma and the provider ARN, with no spaces, for example {_EXAMPLE}."


@dataclass(frozen=True)
class Arn:
    """An ARN split into its six parts."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_name(self) -> str:
        return re.split(r"[/:]", self.resource)[-1]

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn:
    """Split an ARN into partition, service, Region, account and resource; raise InputError if it is not one."""
    value = (text or "").strip()
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        raise InputError(
            f"'{value}' is not an ARN; an ARN looks like arn:<partition>:<service>:<region>:<account>:<resource>.",
            fix="Copy the ARN from the AWS console or from the API response instead of typing it.",
        )
    return Arn(*parts[1:])


def _check_account(account: str) -> str:
    if not re.fullmatch(r"\d{12}", account or ""):
        raise InputError(f"'{account}' is not a 12-digit AWS account ID.",
                         fix="Use the account ID that sts.get_caller_identity returns.")
    return account


def _check_partition(partition: str) -> str:
    if partition not in IAM_PARTITIONS:
        raise InputError(f"'{partition}' is not a partition this workshop supports.",
                         fix="Use aws or aws-us-gov.")
    return partition


def role_arn(account: str, name: str, partition: str = "aws") -> str:
    """The ARN of an IAM role (no path) in an account."""
    name = validate_iam_name("role", name)
    return f"arn:{_check_partition(partition)}:iam::{_check_account(account)}:role/{name}"


def saml_provider_arn(account: str, name: str, partition: str = "aws") -> str:
    """The ARN of an IAM SAML provider in an account."""
    name = validate_iam_name("saml-provider", name)
    return f"arn:{_check_partition(partition)}:iam::{_check_account(account)}:saml-provider/{name}"


@dataclass(frozen=True)
class RoleAttribute:
    """The Role attribute: which role STS assumes, trusted through which SAML provider."""

    role_arn: str
    provider_arn: str

    @property
    def value(self) -> str:
        """The exact string for the IdC attribute mapping: role first, one comma, no spaces."""
        return f"{self.role_arn},{self.provider_arn}"

    @property
    def account(self) -> str:
        return parse_arn(self.role_arn).account

    @property
    def role_name(self) -> str:
        return parse_arn(self.role_arn).resource_name

    @property
    def provider_name(self) -> str:
        return parse_arn(self.provider_arn).resource_name


def role_attribute_value(role_arn: str, provider_arn: str) -> str:
    """The Role attribute value for a role and a provider, checked before it is shown to the learner."""
    return parse_role_attribute(f"{role_arn},{provider_arn}").value


@dataclass
class _Part:
    text: str
    kind: str  # "role", "provider", "name", "other", "bad"
    arn: Arn | None = None
    problem: str = ""


def _classify(text: str) -> _Part:
    if not text:
        return _Part(text, "bad", problem="One side of the comma is empty.")
    if not text.lower().startswith("arn:"):
        if re.fullmatch(r"[\w+=,.@/-]+", text, re.ASCII):
            return _Part(text, "name")
        return _Part(text, "bad", problem=f"'{text}' is neither an ARN nor an IAM name.")
    try:
        arn = parse_arn(text)
    except InputError as exc:
        return _Part(text, "bad", problem=exc.message)
    rtype = arn.resource_type
    if arn.service == "sts" and rtype == "assumed-role":
        role = arn.resource.split("/")[1] if "/" in arn.resource else "<name>"
        return _Part(text, "other", arn, (
            f"'{text}' is the ARN of a signed-in session (sts assumed-role), not of the role; "
            f"use arn:{arn.partition}:iam::{arn.account}:role/{role}."))
    if arn.service != "iam" or rtype.lower() not in ("role", "saml-provider"):
        what = f"{arn.service} {rtype}".strip()
        return _Part(text, "other", arn,
                     f"'{text}' names a {what}, not an IAM role or an IAM SAML provider.")
    kind = "role" if rtype.lower() == "role" else "provider"
    if rtype != rtype.lower():
        return _Part(text, kind, arn, f"In '{text}' the resource type must be lowercase '{rtype.lower()}/'.")
    if arn.partition not in IAM_PARTITIONS:
        return _Part(text, kind, arn, f"'{text}' is in the partition '{arn.partition}'; use aws or aws-us-gov.")
    if arn.region:
        return _Part(text, kind, arn, (
            f"'{text}' has the Region '{arn.region}', but IAM ARNs have none "
            f"(arn:{arn.partition}:iam::<account>:…)."))
    if not re.fullmatch(r"\d{12}", arn.account):
        return _Part(text, kind, arn, f"'{text}' has the account '{arn.account}', which is not 12 digits.")
    pattern = ROLE_ARN_RE if kind == "role" else PROVIDER_ARN_RE
    if not pattern.match(text):
        allowed = "letters, digits and _ + = , . @ - /" if kind == "role" else "letters, digits and _ . -"
        return _Part(text, kind, arn, f"The name in '{text}' may contain only {allowed}.")
    return _Part(text, kind, arn)


def _analyse(text: str | None, expected_account: str | None, strict: bool) -> tuple[list[tuple], RoleAttribute | None]:
    """Problems as (code, severity, message, fix) tuples, and the attribute when it could be read."""
    problems: list[tuple] = []

    def add(message: str, fix: str = _FORMAT_FIX, code: str = "F1", severity: Severity = Severity.ERROR) -> None:
        problems.append((code, severity, message, fix))

    value = (text or "").strip()
    if len(value) >= 2 and value[0] in "'\"`" and value[-1] == value[0]:
        if strict:
            add("The Role value is wrapped in quotes, and IAM Identity Center would send them as part of it.",
                "Remove the quotes.")
        value = value[1:-1].strip()
    if not value:
        add("The Role value is empty, so STS cannot tell which role to assume.")
        return problems, None
    if "," not in value:
        halves = [h for h in re.split(r"[\s;|]+", value) if h]
        if len(halves) == 2 and all(h.lower().startswith("arn:") for h in halves):
            separator = value[len(halves[0]) : value.index(halves[1])].strip() or "a space"
            add(f"The two ARNs are separated by {separator!r} instead of a comma."
                if separator != "a space" else "The two ARNs are separated by a space instead of a comma.")
        elif _classify(value).kind == "role":
            add("The Role value has only the role ARN; the SAML provider ARN must follow after a comma.")
        else:
            add("The Role value has no comma; it must be the role ARN and the provider ARN separated by one comma.")
        return problems, None
    pieces = value.split(",")
    if len(pieces) > 2 and sum(p.strip().lower().startswith("arn:") for p in pieces) == 2:
        add("A name in the Role value contains a comma; IAM allows commas in role names, but the SAML Role "
            "attribute uses the comma to separate the two ARNs, so such a role cannot be used.",
            "Use a role (and provider) whose name has no comma, such as " + AGENT_ROLE_NAME + ".")
        return problems, None
    if len(pieces) > 2:
        add(f"The Role value has {len(pieces) - 1} commas, but it must be exactly two ARNs separated by one comma.")
        return problems, None
    left, right = pieces
    spaced = [w for w, s in (("before", left != left.rstrip()), ("after", right != right.lstrip())) if s]
    if spaced and strict:
        where = " and ".join(spaced)
        add(f"There is a space {where} the comma; IAM Identity Center passes the value literally, so STS "
            "reads an ARN with a space in it and rejects the SAML response.",
            "Remove the spaces so the comma sits directly between the two ARNs.")
    first, second = _classify(left.strip()), _classify(right.strip())
    for part in (first, second):
        if part.problem:
            add(part.problem)
    kinds = (first.kind, second.kind)
    role = first if first.kind == "role" else second if second.kind == "role" else None
    provider = first if first.kind == "provider" else second if second.kind == "provider" else None
    named = [p for p in (first, second) if p.kind == "name"]
    partition = (role or provider).arn.partition if (role or provider) and (role or provider).arn else "aws"
    account = (role or provider).arn.account if (role or provider) and (role or provider).arn else (
        expected_account or "<account>")
    if kinds == ("role", "role"):
        add("Both values are role ARNs; the second must be the SAML provider ARN.",
            f"Replace the second with arn:{partition}:iam::{account}:saml-provider/<provider name>.")
    elif kinds == ("provider", "provider"):
        add("Both values are SAML provider ARNs; the first must be the role ARN.",
            f"Replace the first with arn:{partition}:iam::{account}:role/<role name>.")
    for part in named:
        if role is not None or (part is second and provider is None):
            add(f"'{part.text}' is a provider name, not an ARN.",
                f"Use the full ARN arn:{partition}:iam::{account}:saml-provider/{part.text}.")
        else:
            add(f"'{part.text}' is a role name, not an ARN.",
                f"Use the full ARN arn:{partition}:iam::{account}:role/{part.text}.")
    if role is None or provider is None or any(p.problem for p in (first, second)):
        return problems, None
    if first is provider:
        add("The provider ARN comes before the role ARN; STS accepts either order, but the workshop writes "
            "the role first.", "Swap them to read <role ARN>,<provider ARN>.", severity=Severity.INFO)
    if role.arn is None or provider.arn is None:  # unreachable: both were classified from an ARN
        return problems, None
    if role.arn.partition != provider.arn.partition:
        add(f"The role is in the {role.arn.partition} partition but the provider is in {provider.arn.partition}.",
            "Use a role and a provider from the same account.")
    if role.arn.account != provider.arn.account:
        add(f"The role is in account {role.arn.account} but the provider is in account {provider.arn.account}; "
            "the provider must be in the role's account.",
            "Use the role and the provider that the workshop created in the Connect instance's account.")
    if expected_account:
        for label, part in (("role", role), ("provider", provider)):
            if part.arn and part.arn.account != expected_account:
                add(f"The {label} is in account {part.arn.account}, but the workshop's account is {expected_account}.",
                    f"Use the {label} ARN from account {expected_account}.",
                    code="F1" if label == "role" else "F6")
    name = role.arn.resource_name
    if name.startswith(RESERVED_SSO_ROLE_PREFIX) or RESERVED_SSO_PATH in role.text:
        add(f"The role {name} is an AWSReservedSSO_ role that IAM Identity Center manages for a permission set; "
            "it cannot be used by the Amazon Connect application.",
            f"Use the role the workshop created for this app, such as {AGENT_ROLE_NAME}.")
    return problems, RoleAttribute(role.text, provider.text)


def parse_role_attribute(text: str | None, expected_account: str | None = None, strict: bool = True) -> RoleAttribute:
    """Read a Role value in either order; strict=True treats it as typed into IdC, where spaces are errors."""
    problems, attribute = _analyse(text, expected_account, strict)
    errors = [p for p in problems if p[1] is Severity.ERROR]
    if errors or attribute is None:
        message = " ".join(p[2] for p in errors) or "The Role value could not be read."
        raise InputError(message, fix=errors[0][3] if errors else _FORMAT_FIX, code=errors[0][0] if errors else "F1")
    return attribute


def role_attribute_findings(
    text: str | None,
    expected_role_arn: str | None = None,
    expected_provider_arn: str | None = None,
    expected_account: str | None = None,
) -> list[Finding]:
    """Findings (F1, F6) for a Role value as configured in IdC, compared with the role and provider the workshop made."""
    if expected_account is None and expected_role_arn:
        expected_account = parse_arn(expected_role_arn).account
    expected = ""
    if expected_role_arn and expected_provider_arn:
        expected = RoleAttribute(expected_role_arn, expected_provider_arn).value
    problems, attribute = _analyse(text, expected_account, strict=True)
    if attribute is not None:
        for label, code, found, wanted in (
            ("role", "F1", attribute.role_arn, expected_role_arn),
            ("provider", "F6", attribute.provider_arn, expected_provider_arn),
        ):
            if wanted and found != wanted:
                case = " (they differ only in upper and lower case)" if found.lower() == wanted.lower() else ""
                why = (" Each app needs its own provider, made from that app's metadata."
                       if label == "provider" else "")
                problems.append((code, Severity.ERROR,
                                 f"The Role value names the {label} {found}, but this app's {label} is {wanted}{case}.{why}",
                                 f"Use {wanted} in the Role mapping."))
    return [Finding(code, severity, message, fix=fix, expected=expected)
            for code, severity, message, fix in problems]
