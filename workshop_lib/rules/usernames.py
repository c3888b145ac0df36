"""Usernames that work as both an Amazon Connect SAML username and an STS RoleSessionName.

Sign-in maps the IdC user's email to RoleSessionName, and Connect looks up the user whose
username equals it exactly, so one value must satisfy both rule sets (aws-facts §4, §6).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Literal, TypeVar

from workshop_lib.errors import InputError

ROLE_SESSION_NAME_RE = re.compile(r"^[a-zA-Z_0-9+=,.@-]{2,64}\Z")
CONNECT_USERNAME_RE = re.compile(r"^[a-zA-Z0-9_.@-]{1,64}\Z")
USERNAME_RE = re.compile(r"^[a-zA-Z0-9_.@-]{2,64}\Z")  # the intersection of the two
EMAIL_FORM_RE = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\Z")
MAX_LENGTH = 64
_STS_ONLY = "+=,"  # legal in a RoleSessionName, illegal in a Connect username
_APOSTROPHES = "'\u2019\u2018`"
_EMAIL_ONLY = "Amazon Connect accepts '@' only in a full email form such as name@example.com."

Match = Literal["exact", "case-only", "different"]


def _quoted(chars: list[str]) -> str:
    return ", ".join(f"'{c}'" for c in dict.fromkeys(chars))


def _email_form_problems(value: str) -> list[str]:
    if value.count("@") > 1:
        return [f"The username contains {value.count('@')} '@' signs; an email form has exactly one, "
                "as in name@example.com."]
    local, _, domain = value.partition("@")
    if not local:
        return [f"The username has nothing before the '@'; {_EMAIL_ONLY}"]
    if not domain:
        return [f"The username has nothing after the '@'; {_EMAIL_ONLY}"]
    if "." not in domain:
        return [
            f"The domain '{domain}' has no top-level domain such as .com; Amazon Connect accepts '@' "
            f"only in a full email form, so write it as in {local}@{domain}.com."
        ]
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return [f"The domain '{domain}' has an empty part between dots."]
    if not re.fullmatch(r"[A-Za-z]{2,}", domain.rsplit(".", 1)[1]):
        return [f"The domain '{domain}' does not end in a top-level domain of two or more letters, such as .com."]
    return []


def username_problems(value: str | None) -> list[str]:
    """Every reason a value cannot be both a Connect SAML username and an STS RoleSessionName, as sentences."""
    if not value:
        return ["The username is empty; it must be the user's email address exactly as IAM Identity Center holds it."]
    problems = []
    if value != value.strip():
        problems.append("The username has whitespace at the start or end, which neither STS nor Amazon Connect accept.")
    if any(c.isspace() for c in value.strip()):
        problems.append("The username contains a space, which neither STS (RoleSessionName) nor Amazon Connect allow.")
    if any(c in _APOSTROPHES for c in value):
        problems.append(
            "The username contains an apostrophe (as in o'brien@…), which neither STS nor Amazon Connect accept."
        )
    non_ascii = [c for c in value if ord(c) > 127 and not c.isspace() and c not in _APOSTROPHES]
    if non_ascii:
        problems.append(
            f"The username contains non-ASCII characters ({_quoted(non_ascii)}); both STS and Amazon Connect allow only "
            "ASCII letters, digits and _ . @ -."
        )
    if "+" in value:
        problems.append(
            "The username contains '+' (plus-addressing): STS accepts '+' in a RoleSessionName, but Amazon Connect does not "
            "allow it in a username, so no Connect user can ever match and sign-in fails with 'not onboarded'."
        )
    sts_only = [c for c in value if c in "=,"]
    if sts_only:
        problems.append(
            f"The username contains {_quoted(sts_only)}, which STS accepts in a RoleSessionName but Amazon Connect does not "
            "allow in a username, so the two can never be equal."
        )
    others = [
        c for c in value
        if ord(c) < 128 and not c.isspace() and c not in _APOSTROPHES and c not in _STS_ONLY
        and not re.fullmatch(r"[A-Za-z0-9_.@-]", c)
    ]
    if others:
        problems.append(
            f"The username contains {_quoted(others)}, which neither STS nor Amazon Connect allow; use only letters, "
            "digits and _ . @ -."
        )
    if len(value) > MAX_LENGTH:
        problems.append(
            f"The username is {len(value)} characters long; both STS and Amazon Connect allow at most {MAX_LENGTH}."
        )
    elif len(value) < 2:
        problems.append("The username is 1 character long; STS needs at least 2 characters in a RoleSessionName.")
    if "@" in value:
        problems.extend(_email_form_problems(value.strip()))
    return problems


def validate_username(value: str | None) -> str:
    """Return the value if it works as both a Connect username and a RoleSessionName; else raise InputError."""
    problems = username_problems(value)
    if problems:
        raise InputError(
            f"'{value}' cannot be used as an Amazon Connect username for SAML sign-in. " + " ".join(problems),
            fix="Use an email of ASCII letters, digits and _ . - only, such as agent1@connect-workshop.com, "
            "for both the IAM Identity Center user and the Connect user.",
        )
    return value  # type: ignore[return-value]


def is_role_session_name(value: str) -> bool:
    """Whether STS accepts the value as RoleSessionName ([a-zA-Z_0-9+=,.@-]{2,64})."""
    return bool(ROLE_SESSION_NAME_RE.match(value))


def is_connect_username(value: str) -> bool:
    """Whether Amazon Connect accepts the value as a SAML username (≤64 of [a-zA-Z0-9_.@-], '@' only in email form)."""
    return bool(CONNECT_USERNAME_RE.match(value)) and ("@" not in value or not _email_form_problems(value))


def match_username(idc_email: str, connect_username: str) -> Match:
    """Compare the IdC email (RoleSessionName) with a Connect username: 'exact', 'case-only' or 'different'."""
    if idc_email == connect_username:
        return "exact"
    if idc_email.casefold() == connect_username.casefold():
        return "case-only"  # still fails: Connect matches usernames case-sensitively
    return "different"


def suggest_username(email: str) -> str | None:
    """A nearby value that passes validate_username (accents, apostrophes, spaces and '+tag' removed), or None."""
    value = unicodedata.normalize("NFKD", email.strip()).encode("ascii", "ignore").decode()
    value = re.sub(r"[\s'`]", "", value)
    local, at, domain = value.partition("@")
    local = local.split("+", 1)[0]
    value = re.sub(r"[^A-Za-z0-9_.@-]", "", local + at + domain)
    return value if not username_problems(value) else None


_P = TypeVar("_P")


def unique_by_email(people: Iterable[_P]) -> list[_P]:
    """Each person once (the first entry for an email wins), in their original order."""
    first: dict[str, _P] = {}
    for person in people:
        first.setdefault(person.email, person)  # type: ignore[attr-defined]
    return list(first.values())
