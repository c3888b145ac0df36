"""What a step needs to do its work: the settings, clients for the target, and a way to report progress."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any, Callable, Iterator

from workshop_lib import settings as settings_mod
from workshop_lib.settings import Settings

ProgressFn = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    pass


class Context:
    """Reads the settings fresh whenever the file changed (a widget or the CLI may have changed them) and writes
    atomically."""

    def __init__(self, path: Path | None = None, progress: ProgressFn | None = None, *, _facts: dict | None = None, _read_only: bool = False) -> None:
        self.path = path
        self.progress: ProgressFn = progress or _quiet
        self._facts: dict = {} if _facts is None else _facts
        self._read_only = _read_only  # a pass of checks only: nothing changes, so absences can be remembered too
        self._loaded: tuple[tuple, Settings] | None = None
        self._listings: dict | None = None  # inside one_step: listings read once

    def _load(self) -> Settings:
        """The settings file, parsed again only when it changed: a step reads the settings many times.

        "Changed" is another path, inode, size or modification time (an atomic write's os.replace gives a new
        inode). The settings returned are only read: every change goes through ``update``, which reads the
        file itself, so a change that failed to save never shows here."""
        path = self.path or settings_mod.settings_path()
        try:
            st = path.stat()
            key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        if key is not None and self._loaded is not None and self._loaded[0] == key:
            return self._loaded[1]
        s = settings_mod.load(path)
        self._loaded = (key, s) if key is not None else None
        return s

    @property
    def settings(self) -> Settings:
        """The settings, with the ledger, instance and role IDs of the account the target and profile reach now.

        After a switch of target or profile (and once per context on AWS, where the default credentials can
        change under the same profile), reading them asks STS who the caller is; when that
        cannot be answered (no sandbox running, no credentials) the account's fields are shown empty, never
        another account's.
        """
        s = self._load()
        verified, failed = ("account-verified", s.source), ("account-unknown", s.source)
        if s.in_scope and (s.target in settings_mod.SANDBOX_TARGETS or verified in self._facts):
            return s
        if failed not in self._facts:
            try:
                s = self._enter_callers_account(s)
                self._facts[verified] = True
                return s
            except Exception:  # noqa: BLE001 - no credentials, no sandbox, no network: the account stays unknown
                if s.target not in settings_mod.SANDBOX_TARGETS:  # asking again in this context would only be slow
                    self._facts[failed] = True
        if s.scope_source and s.scope_source != s.source and s.scope not in ("", f"{s.target}::", "sandbox::"):
            s = copy.copy(s)  # the file's settings stay as read, for the next call
            s._set_account_fields({})  # another target's or profile's: shown empty, and the file keeps them for it
        return s

    def _enter_callers_account(self, s: Settings) -> Settings:
        """Ask STS who the caller is, and make that account's ledger, instance and role IDs the current ones."""
        from workshop_lib.aws.session import client

        ident = client("sts", s).get_caller_identity()
        arn = ident.get("Arn", "")
        partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
        with settings_mod.update(self.path) as s:
            s.enter_account(ident["Account"], partition)
        return s

    @contextlib.contextmanager
    def update(self) -> Iterator[Settings]:
        if not settings_mod.load(self.path).in_scope:
            self.settings  # noqa: B018 - learn the account first, so the change lands in its ledger
        with settings_mod.update(self.path) as s:
            yield s

    @property
    def is_sandbox(self) -> bool:
        """The sandbox target: console steps are done for the learner and console values can be read. False on
        the rehearsal target, which uses the same sandbox but behaves exactly as a real account."""
        return settings_mod.load(self.path).target == "sandbox"

    @property
    def runs_on_sandbox(self) -> bool:
        """API calls go to the local sandbox (the sandbox and rehearsal targets), so it must be running."""
        return self.settings.target in settings_mod.SANDBOX_TARGETS

    def client(self, service: str, region: str | None = None) -> Any:
        from workshop_lib.aws.session import client

        return client(service, self.settings, region=region)

    def remembered(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per context, for facts that do not change under the workshop (the Identity Center
        instance); a None answer is not remembered, so something created meanwhile is found next time (except
        during a read-only pass such as the status board, where nothing is created)."""
        if key in self._facts:
            return self._facts[key]
        value = compute()
        if value is not None or self._read_only:
            self._facts[key] = value
        return value

    @contextlib.contextmanager
    def one_step(self) -> Iterator[None]:
        """While one step runs (its requirements, its work, its check), a listing it reads several times (the
        Identity Center applications) is read once. A console action forgets what was read: it may have added
        an application or changed one. Outside a step nothing is kept, so a learner's Check always reads anew."""
        outer = self._listings
        if outer is None:
            self._listings = {}
        try:
            yield
        finally:
            self._listings = outer

    def listing(self, key: Any, read: Callable[[], Any]) -> Any:
        if self._listings is None:
            return read()
        if key not in self._listings:
            self._listings[key] = read()
        return self._listings[key]

    def forget_listings(self) -> None:
        if self._listings is not None:
            self._listings.clear()

    def read_only(self) -> "Context":
        """A context for one pass of read-only checks (the status board): facts found missing are remembered too."""
        return Context(self.path, self.progress, _facts={}, _read_only=True)

    def with_progress(self, progress: ProgressFn | None) -> "Context":
        return Context(self.path, progress, _facts=self._facts)
