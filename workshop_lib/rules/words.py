"""Small helpers for sentences a learner reads: counts with the right plural, times as people say them."""

from __future__ import annotations

import datetime as _dt

_IRREGULAR = {"person": "people", "user": "users", "is": "are", "was": "were", "has": "have"}


def plural(n: int, one: str, many: str = "") -> str:
    """``1 person``, ``2 people``, ``1 Connect user``, ``3 Connect users`` (the last word is inflected)."""
    if n == 1:
        return f"{n} {one}"
    if not many:
        head, _, last = one.rpartition(" ")
        many = (head + " " if head else "") + _IRREGULAR.get(last, last + "s")
    return f"{n} {many}"


def all_of(n: int, one: str, many: str = "") -> str:
    """``the one agent`` / ``all 3 agents``: never "All 1 agents"."""
    return f"the one {one}" if n == 1 else f"all {plural(n, one, many)}"


def when(moment: _dt.datetime | _dt.date | str | None) -> str:
    """A date and time as people read them: ``1 December 2026, 14:05 UTC`` (dates alone without the time)."""
    if moment is None or moment == "":
        return "—"
    if isinstance(moment, str):
        try:
            moment = _dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    if isinstance(moment, _dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(_dt.timezone.utc)
        return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
    return f"{moment.day} {moment:%B %Y}"
