"""The sandbox's folders belong to the learner alone: 0700, owned by them, writable by nobody else.

Shared by both halves: the client checks before it starts a server, and the server checks again
before it reads anything (its state holds private signing keys, its credentials file a secret).
"""

from __future__ import annotations

import os
from pathlib import Path

from workshop_lib.errors import SandboxError


def secure_folders(home: Path) -> Path:
    """Make (0700) or check ``home``, ``home/sandbox`` and ``home/sandbox/state``; the sandbox folder.

    SandboxError, with what to do, when one of them belongs to another user or others can write it.
    """
    home = Path(home)
    sandbox = home / "sandbox"
    for folder in (home, sandbox, sandbox / "state"):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise SandboxError(f"Cannot create the sandbox folder {folder}: {exc.strerror}.",
                               fix="Set WORKSHOP_HOME to a folder you can write.") from None
        _check(folder, own=folder != home)
    return sandbox


def _check(folder: Path, *, own: bool) -> None:
    if os.name != "posix":
        return
    info = folder.stat()
    if info.st_uid != os.getuid():
        raise SandboxError(
            f"The workshop folder {folder} belongs to another user (uid {info.st_uid}), so the sandbox will not keep "
            "its state or its credentials there.",
            fix="Set WORKSHOP_HOME to a folder of your own, for example ~/.connect-sso-workshop.")
    if info.st_mode & 0o022:
        raise SandboxError(
            f"Other users can write to the workshop folder {folder}, so they could plant files the sandbox reads.",
            fix=f"Run `chmod go-w {folder}` (or `chmod 700 {folder}`), or set WORKSHOP_HOME to a private folder.")
    if own and info.st_mode & 0o077:
        os.chmod(folder, 0o700)  # the sandbox's own folders: the learner's alone
