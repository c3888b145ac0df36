"""The workshop's canonical resource names (final upstream revision) and the rules names must follow."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from workshop_lib.errors import InputError

AGENT_APP_NAME = "Amazon Connect - Agent"
ADMIN_APP_NAME = "Amazon Connect - Admin"
AGENT_PROVIDER_NAME = "AmazonConnectAgentAccess"
ADMIN_PROVIDER_NAME = "AmazonConnectAdminAccess"
POLICY_NAME = "AmazonConnectSSOPolicy"  # shared by both roles
AGENT_ROLE_NAME = "AmazonConnectAgentAccessRole"
ADMIN_ROLE_NAME = "AmazonConnectAdminAccessRole"
AGENT_GROUP_NAME = "ConnectAgents"
ADMIN_GROUP_NAME = "ConnectAdmins"
ROUTING_PROFILE_NAME = "Basic Routing Profile"
AGENT_SECURITY_PROFILE = "Agent"
ADMIN_SECURITY_PROFILE = "Admin"
ALIAS_PREFIX = "aws-connect-workshop-123"
ALIAS_MAX_LENGTH = 45
# The same language as the model pattern ^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$, written without nested repeats.
ALIAS_RE = re.compile(r"^(?!d-)[\da-zA-Z](?:[-\da-zA-Z]*[\da-zA-Z])?\Z")
GROUP_NAME_MAX_LENGTH = 1024
RESERVED_GROUP_NAMES = frozenset({"Administrator", "AWSAdministrators"})

# kind -> (botocore pattern, max length, what a learner calls it)
IAM_NAME_RULES = {
    "role": (r"[\w+=,.@-]+", 64, "IAM role"),
    "policy": (r"[\w+=,.@-]+", 128, "IAM policy"),
    "saml-provider": (r"[\w._-]+", 128, "IAM SAML provider"),
}


@dataclass(frozen=True)
class WorkshopUser:
    """A user the workshop creates in both Amazon Connect and IAM Identity Center."""

    username: str  # the email; also the Connect username and the RoleSessionName
    first_name: str
    last_name: str
    is_admin: bool = False

    @property
    def group(self) -> str:
        return ADMIN_GROUP_NAME if self.is_admin else AGENT_GROUP_NAME

    @property
    def security_profile(self) -> str:
        return ADMIN_SECURITY_PROFILE if self.is_admin else AGENT_SECURITY_PROFILE


AGENT_USERS = (
    WorkshopUser("agent1@connect-workshop.com", "Agent", "1"),
    WorkshopUser("agent2@connect-workshop.com", "Agent", "2"),
)
ADMIN_USERS = (WorkshopUser("admin-user@amazon-connect-workshop.com", "Admin", "User", is_admin=True),)
DEFAULT_USERS = AGENT_USERS + ADMIN_USERS


def default_alias(rng: random.Random | int | None = None) -> str:
    """A fresh instance alias: the workshop prefix, a hyphen and 4 random digits (pass a seed or Random to repeat it)."""
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    return f"{ALIAS_PREFIX}-{rng.randrange(10_000):04d}"


def validate_alias(alias: str | None) -> str:
    """Return the instance alias with surrounding spaces removed, or raise InputError saying what breaks the rule."""
    value = (alias or "").strip()
    fix = f"Use letters, digits and hyphens only, up to {ALIAS_MAX_LENGTH} characters, such as {ALIAS_PREFIX}-4821."
    if not value:
        raise InputError("The instance alias is empty.", fix=fix)
    problems = []
    if len(value) > ALIAS_MAX_LENGTH:
        problems.append(f"it is {len(value)} characters long, more than {ALIAS_MAX_LENGTH}")
    bad = [c for c in value if not re.fullmatch(r"[\da-zA-Z-]", c)]
    if bad:
        shown = ", ".join("a space" if c == " " else f"'{c}'" for c in dict.fromkeys(bad))
        problems.append(f"it contains {shown}, and only letters, digits and hyphens are allowed")
    if value.startswith("d-"):
        problems.append("it starts with 'd-', which is reserved for directory IDs")
    if value.startswith("-") or value.endswith("-"):
        problems.append("it starts or ends with a hyphen")
    if not problems and not ALIAS_RE.match(value):  # pragma: no cover - the checks above cover the pattern
        problems.append("it does not match the alias pattern")
    if problems:
        raise InputError(f"The instance alias '{value}' cannot be used: " + "; ".join(problems) + ".", fix=fix)
    return value


def validate_iam_name(kind: str, name: str | None) -> str:
    """Check a role, policy or SAML provider name against IAM's pattern and length; raise InputError if it fails."""
    if kind not in IAM_NAME_RULES:
        raise ValueError(f"kind must be one of {', '.join(IAM_NAME_RULES)}, not {kind!r}")
    pattern, max_length, label = IAM_NAME_RULES[kind]
    value = (name or "").strip()
    allowed = "letters, digits and _ + = , . @ -" if kind != "saml-provider" else "letters, digits and _ . -"
    fix = f"Use up to {max_length} characters from {allowed}."
    if not value:
        raise InputError(f"The {label} name is empty.", fix=fix)
    problems = []
    if len(value) > max_length:
        problems.append(f"it is {len(value)} characters long, more than {max_length}")
    bad = [c for c in value if not re.fullmatch(pattern, c, re.ASCII)]
    if bad:
        shown = ", ".join("a space" if c == " " else f"'{c}'" for c in dict.fromkeys(bad))
        problems.append(f"it contains {shown}, which IAM does not allow in an {label} name")
    if problems:
        raise InputError(f"The {label} name '{value}' cannot be used: " + "; ".join(problems) + ".", fix=fix)
    return value


def validate_group_name(name: str | None) -> str:
    """Check an IAM Identity Center group display name (1-1024 printable characters, not reserved)."""
    value = (name or "").strip()
    fix = f"Use a name such as {AGENT_GROUP_NAME} or {ADMIN_GROUP_NAME}."
    if not value:
        raise InputError("The group name is empty.", fix=fix)
    if len(value) > GROUP_NAME_MAX_LENGTH:
        raise InputError(
            f"The group name is {len(value)} characters long, more than {GROUP_NAME_MAX_LENGTH}.", fix=fix
        )
    if value in RESERVED_GROUP_NAMES:
        raise InputError(f"The group name '{value}' is reserved by IAM Identity Center.", fix=fix)
    control = [c for c in value if unicodedata.category(c).startswith("C")]
    if control:
        raise InputError(f"The group name '{value}' contains invisible control characters.", fix=fix)
    return value



# The prefix is put in front of role, policy and SAML provider names (IAM patterns above), group names and
# application display names (IAM Identity Center), so it may use only what all of them allow: ASCII letters,
# digits, '_', '.' and '-' (the saml-provider pattern [\w._-]+ is the narrowest), and it must leave room
# for the longest role name within IAM's 64 characters.
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName: [\w+=,.@-]+, 1-64)
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html (Name: [\w._-]+, 1-128)
NAME_PREFIX_RE = re.compile(r"[A-Za-z0-9_.-]*")
NAME_PREFIX_MAX_LENGTH = 64 - max(len(AGENT_ROLE_NAME), len(ADMIN_ROLE_NAME))


def validate_name_prefix(prefix: str | None) -> str:
    """Return the name prefix with surrounding spaces removed, or raise InputError saying what breaks IAM's or Identity Center's rules."""
    value = (prefix or "").strip()
    fix = f"Use up to {NAME_PREFIX_MAX_LENGTH} letters, digits, '_', '.' or '-', such as team7-."
    problems = []
    if len(value) > NAME_PREFIX_MAX_LENGTH:
        problems.append(f"it is {len(value)} characters long; with it the role name would pass IAM's 64-character limit")
    bad = [c for c in value if not NAME_PREFIX_RE.fullmatch(c)]
    if bad:
        shown = ", ".join("a space" if c == " " else f"'{c}'" for c in dict.fromkeys(bad))
        problems.append(f"it contains {shown}, which IAM does not allow in a SAML provider name")
    if problems:
        raise InputError(f"The name prefix '{value}' cannot be used: " + "; ".join(problems) + ".", fix=fix)
    return value
