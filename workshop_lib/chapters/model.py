"""The workshop as data: chapters are ordered steps; a step can check, run and guide (cleanup is ledger-driven, in aws/cleanup.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding

if TYPE_CHECKING:
    from workshop_lib.context import Context


class State(str, enum.Enum):
    DONE = "done"
    MISSING = "missing"
    WRONG = "wrong"
    UNKNOWN = "unknown"  # no API can read it: verify by eye
    ERROR = "error"

    @property
    def badge(self) -> str:
        return {"done": "✅ done", "missing": "⬜ to do", "wrong": "❌ wrong", "unknown": "👁 verify by eye", "error": "⚠️ error"}[self.value]


@dataclass
class Status:
    state: State
    summary: str
    findings: list[Finding] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state is State.DONE

    @classmethod
    def done(cls, summary: str, **details) -> "Status":
        return cls(State.DONE, summary, details=details)

    @classmethod
    def missing(cls, summary: str, **details) -> "Status":
        return cls(State.MISSING, summary, details=details)

    @classmethod
    def wrong(cls, summary: str, findings: list[Finding] | None = None, **details) -> "Status":
        return cls(State.WRONG, summary, findings=list(findings or []), details=details)

    @classmethod
    def unknown(cls, summary: str, **details) -> "Status":
        return cls(State.UNKNOWN, summary, details=details)

    @classmethod
    def error(cls, exc: BaseException) -> "Status":
        if isinstance(exc, WorkshopError):
            details = {"link": exc.link}
            if getattr(exc, "adopt_key", ""):  # someone else's resource: the card offers "Use it as it is"
                details["adopt"] = exc.adopt_key
            if getattr(exc, "expected", ""):  # a change the learner makes by hand: the exact value
                details["expected"] = exc.expected
            return cls(State.ERROR, str(exc), details=details)
        return cls(State.ERROR, f"Unexpected problem: {exc}. Re-run the step; if it persists, run the doctor.")


@dataclass
class CopyValue:
    """One exact value a learner pastes into a console."""

    label: str
    value: str


@dataclass
class Guide:
    """How to do a console-only step: where, what, and the exact values."""

    link: str
    instructions: list[str]
    values: list[CopyValue] = field(default_factory=list)
    docs: str = ""  # the AWS documentation page these instructions follow, shown beside them
    note: str = ""  # a paragraph after the instructions (what to expect, sandbox vs a real account)


StepFn = Callable[["Context"], Status]


@dataclass
class Step:
    key: str  # e.g. "agent.iam.role"
    title: str
    kind: str  # "api", "console" or "check"
    why: str
    check: StepFn
    run: Optional[Callable[["Context"], object]] = None
    guide: Optional[Callable[["Context"], Guide]] = None
    # For console steps in the sandbox: do it through the simulated console.
    simulate: Optional[Callable[["Context"], object]] = None
    # For console steps no API can read back: the label of a value the learner pastes back to have it checked.
    confirm: str = ""
    # What must exist before this step can be checked or done: each returns None when met, else what to do first.
    requires: tuple[Callable[["Context"], Optional[str]], ...] = ()

    def waiting_for(self, ctx: "Context") -> Optional[str]:
        """What has to be done first, in the learner's words; None when the step can be checked."""
        for requirement in self.requires:
            first = requirement(ctx)
            if first:
                return first
        return None

    def safe_check(self, ctx: "Context") -> Status:
        """Check without ever raising: a step whose prerequisites are missing is "to do"; errors become an ERROR status in plain words."""
        try:
            first = self.waiting_for(ctx)
            if first:
                return Status.missing(f"First {first}", waiting=True)
            return self.check(ctx)
        except Exception as exc:  # noqa: BLE001 - a status card must never show a traceback
            return Status.error(exc)

    def perform(self, ctx: "Context") -> Status:
        """Do the step (API run, or the simulated console in the sandbox), then check it."""
        with ctx.one_step():
            first = self.waiting_for(ctx)
            if first:  # nothing to do yet: say what comes first rather than fail half-way
                return Status.missing(f"Not yet: first {first}", waiting=True)
            if self.run is not None:
                self.run(ctx)
            elif self.simulate is not None and ctx.is_sandbox:
                self.simulate(ctx)
            # A console step on a real account cannot be performed: checking it is all we can do.
            return self.check(ctx)


@dataclass
class Chapter:
    number: str  # "01"
    slug: str  # "connect_instance"
    title: str
    objectives: list[str]
    minutes: int
    steps: list[Step]
