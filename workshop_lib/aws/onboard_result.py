"""What bulk onboarding reports: who it found, created and could not create, in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

from workshop_lib.errors import WorkshopError
from workshop_lib.rules.words import plural

PARTS = ("idc", "connect", "membership")
WHAT = {"idc": "Identity Center user", "connect": "Connect user", "membership": "group membership"}


class PersonLike(Protocol):
    email: str
    first: str
    last: str
    role: str


@dataclass(frozen=True)
class RowFailure:
    """One part of one person that could not be created, in words, with the CSV row when there is one."""

    email: str
    what: str  # "Identity Center user", "Connect user" or "group membership"
    message: str
    row: Optional[int] = None

    def line(self) -> str:
        where = f"row {self.row} ({self.email})" if self.row else self.email
        return f"{where}: {self.what}: {self.message}"


@dataclass
class OnboardResult:
    """What ``onboard`` found, created and could not create, with the API calls it made."""

    people: int = 0
    to_create: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    failed: list[RowFailure] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # "service:Operation" -> count
    writes: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed_rows(self) -> list[int]:
        return sorted({f.row for f in self.failed if f.row})

    def summary(self) -> str:
        made = ", ".join(plural(n, WHAT[k]) for k, n in self.created.items() if n) or "nothing"
        planned = ", ".join(plural(n, WHAT[k]) for k, n in self.to_create.items() if n) or "nothing"
        people = plural(self.people, "person", "people")
        if self.dry_run:
            return f"{people}: would create {planned}; no changes made."
        head = f"{people}: created {made} in {self.seconds:.1f} s ({plural(self.writes, 'write call')})."
        if self.ok:
            return head if any(self.created.values()) else f"{people}: everything already exists; nothing to create."
        who = f"rows {', '.join(map(str, self.failed_rows))}" if self.failed_rows else f"{len({f.email for f in self.failed})} people"
        return (f"{head} {plural(len(self.failed), 'part')} failed, for {who}. "
                "Run the same import again: what exists is skipped, so only these are tried again.")

    def raise_for_failures(self) -> None:
        """For the chapter steps: a partial failure becomes one sentence naming who failed and why."""
        if self.failed:
            lines = "; ".join(f.line().rstrip(".") for f in self.failed[:5]) + ("; …" if len(self.failed) > 5 else "")
            raise WorkshopError(f"{len(self.failed)} of {self.people} could not be created: {lines}.",
                                fix="Run the step again: it retries only what is missing.")
