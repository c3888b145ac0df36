"""Errors a learner can read: what went wrong, what to do next, and where to look."""

from __future__ import annotations

import re

# A pasted value echoed back in a message: a whole file pasted into a field must not come back as a wall of text.
_LONG_QUOTED = re.compile(r"'([^'\n]{200,})'")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def readable(message: str) -> str:
    """The message with long quoted values shortened and control characters shown escaped (they drive terminals)."""
    message = _LONG_QUOTED.sub(lambda m: f"'{m.group(1)[:120]}…' ({len(m.group(1)):,} characters)", message)
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], message)


class WorkshopError(Exception):
    """A problem explained in plain words, with the fix and, where one helps, a console link."""

    kind = "error"

    def __init__(self, message: str, *, fix: str = "", link: str = "", code: str = "") -> None:
        message = readable(message)
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.link = link
        self.code = code  # an F-number or AWS error code, when there is one

    def __str__(self) -> str:
        text = self.message
        if self.fix:
            text += f" {self.fix}"
        return text

    def describe(self) -> str:
        """The whole explanation on one or two lines, for a terminal or a widget."""
        lines = [str(self)]
        if self.link:
            lines.append(f"See: {self.link}")
        return "\n".join(lines)


class InputError(WorkshopError):
    """A value the learner typed or pasted is wrong."""

    kind = "input"


class SettingsError(WorkshopError):
    """The settings file cannot be read or written."""

    kind = "settings"


class AwsError(WorkshopError):
    """An AWS call failed in a way the learner can fix (credentials, permissions, region, network)."""

    kind = "aws"


class SandboxError(WorkshopError):
    """The embedded sandbox is not running or cannot be started."""

    kind = "sandbox"


class SamlError(WorkshopError):
    """A SAML metadata file or response cannot be read or is rejected."""

    kind = "saml"
