"""The sandbox's own credentials: made on its first start, kept 0600 in ``$WORKSHOP_HOME/sandbox/``.

Shared by both halves (standard library only): the server verifies every AWS request's SigV4
signature against them, and the client half hands them to boto3 and to ``sandbox env``. They are
local to one WORKSHOP_HOME, so two sandboxes (two attendees on one JupyterHub) refuse each other's.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from workshop_lib.files import atomic_write

FILE_NAME = "credentials.json"
# AWS access key IDs are 20 upper-case letters and digits; "AKIASANDBOX" marks these as the sandbox's own.
_KEY_PREFIX = "AKIASANDBOX"
_KEY_ALPHABET = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class SandboxCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)


def path(sandbox_dir: Path) -> Path:
    return Path(sandbox_dir) / FILE_NAME


def read(sandbox_dir: Path) -> SandboxCredentials | None:
    """The credentials of the sandbox kept in this folder, or None when it has none (yet) or they are unreadable."""
    try:
        data = json.loads(path(sandbox_dir).read_text(encoding="utf-8"))
        key, secret = str(data["access_key_id"]), str(data["secret_access_key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(key) != 20 or len(secret) != 40:
        return None
    return SandboxCredentials(key, secret)


def load_or_create(sandbox_dir: Path) -> SandboxCredentials:
    """The existing credentials, or new random ones written 0600 (the server calls this as it starts)."""
    found = read(sandbox_dir)
    if found is not None:
        if os.name == "posix":
            os.chmod(path(sandbox_dir), 0o600)
        return found
    made = SandboxCredentials(
        _KEY_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(20 - len(_KEY_PREFIX))),
        secrets.token_urlsafe(30)[:40],
    )
    atomic_write(path(sandbox_dir), json.dumps({"access_key_id": made.access_key_id,
                                                "secret_access_key": made.secret_access_key}), mode=0o600)
    return made
