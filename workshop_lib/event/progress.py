"""One attendee's workshop status: the chapter they are at, what is done, and where they are stuck.

Computed in the attendee's own environment (their settings, their sandbox) from the same read-only step checks
as the status board, and reduced to a small record: no settings, ledger, credentials or file contents leave it.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import asdict, dataclass, field

# A step in one of these states is where the attendee is stuck: a check found it wrong or could not run.
STUCK_STATES = ("wrong", "error")
FINISHED_STATES = ("done", "unknown")  # "unknown": no API can read it, the learner verifies it by eye
SUMMARY_LIMIT = 160


@dataclass
class Stuck:
    chapter: str
    step: str
    title: str
    state: str
    codes: list[str] = field(default_factory=list)  # failure modes (F1–F22) the check names
    summary: str = ""


@dataclass
class Progress:
    """What a facilitator may see of one attendee's workshop."""

    chapter: str  # the first chapter with a step still to do ("" when every step is done)
    done: int
    total: int
    finished: bool
    stuck: Stuck | None
    target: str
    seconds: float  # how long the checks took
    checked_at: str
    note: str = ""  # why nothing could be checked (the sandbox is not running yet)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Progress":
        stuck = data.get("stuck")
        return cls(
            chapter=str(data.get("chapter", "")), done=int(data.get("done", 0)), total=int(data.get("total", 0)),
            finished=bool(data.get("finished")), stuck=Stuck(**stuck) if isinstance(stuck, dict) else None,
            target=str(data.get("target", "")), seconds=float(data.get("seconds", 0.0)), checked_at=str(data.get("checked_at", "")),
            note=str(data.get("note", "")),
        )


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def summarize(rows: list, target: str, seconds: float = 0.0) -> Progress:
    """Reduce status-board rows (chapter, key, title, status) to a Progress record."""
    todo = [r for r in rows if r.status.state.value not in FINISHED_STATES]
    stuck_row = next((r for r in rows if r.status.state.value in STUCK_STATES), None)
    stuck = None
    if stuck_row is not None:
        codes = sorted({f.code for f in stuck_row.status.findings if f.code}, key=_code_order)
        summary = stuck_row.status.summary
        stuck = Stuck(stuck_row.chapter, stuck_row.key, stuck_row.title, stuck_row.status.state.value, codes,
                      summary if len(summary) <= SUMMARY_LIMIT else summary[: SUMMARY_LIMIT - 1] + "…")
    return Progress(
        chapter=todo[0].chapter if todo else "",
        done=len(rows) - len(todo),
        total=len(rows),
        finished=not todo,
        stuck=stuck,
        target=target,
        seconds=round(seconds, 3),
        checked_at=_now(),
    )


def _code_order(code: str) -> tuple:
    return (0, int(code[1:])) if code[:1] == "F" and code[1:].isdigit() else (1, code)


def current_progress() -> Progress:
    """Check every step of this attendee's workshop (read-only) and summarize it."""
    from workshop_lib.chapters.board import board_rows
    from workshop_lib.context import Context
    from workshop_lib.errors import WorkshopError
    from workshop_lib.settings import settings_path

    started = time.perf_counter()
    try:
        ctx = Context()
        target = ctx.settings.target
        if not settings_path().exists():
            return Progress("00", 0, 0, False, None, target, 0.0, _now(), note="has not started the workshop")
        if target == "sandbox" and not _sandbox_running():
            return Progress("00", 0, 0, False, None, target, 0.0, _now(), note="the sandbox is not running (the attendee's next cell starts it)")
        rows = board_rows(ctx)
    except WorkshopError as exc:  # unreadable settings, say: the facilitator sees the sentence the attendee would
        return Progress("", 0, 0, False, None, "", time.perf_counter() - started, _now(), note=str(exc))
    return summarize(rows, target, time.perf_counter() - started)


def ready_to_check() -> bool:
    """True once the attendee has settings and, on the sandbox, a running sandbox: checks then mean something."""
    from workshop_lib.settings import load, settings_path

    return settings_path().exists() and (load().target != "sandbox" or _sandbox_running())


def _sandbox_running() -> bool:
    import os

    from workshop_lib.sandbox.client import control

    return bool(os.environ.get("WORKSHOP_SANDBOX_ENDPOINT") or control.recorded_endpoint())
