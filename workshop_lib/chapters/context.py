"""What a step needs to do its work: the settings, clients for the target, and a way to report progress."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Iterator

from workshop_lib import settings as settings_mod
from workshop_lib.settings import Settings

ProgressFn = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    pass


class Context:
    """Reads the settings fresh each time (a widget or the CLI may have changed them) and writes atomically."""

    def __init__(self, path: Path | None = None, progress: ProgressFn | None = None) -> None:
        self.path = path
        self.progress: ProgressFn = progress or _quiet

    @property
    def settings(self) -> Settings:
        return settings_mod.load(self.path)

    @contextlib.contextmanager
    def update(self) -> Iterator[Settings]:
        with settings_mod.update(self.path) as s:
            yield s

    @property
    def is_sandbox(self) -> bool:
        return self.settings.target == "sandbox"

    def client(self, service: str, region: str | None = None) -> Any:
        from workshop_lib.aws.session import client

        return client(service, self.settings, region=region)

    def with_progress(self, progress: ProgressFn | None) -> "Context":
        return Context(self.path, progress)
