"""The status of every step, for the status board, `connect-sso-workshop status` and the run report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop_lib.chapters.model import Status

if TYPE_CHECKING:
    from workshop_lib.context import Context


@dataclass
class BoardRow:
    chapter: str
    key: str
    title: str
    kind: str
    status: Status


def board_rows(ctx: "Context", chapters: list[str] | None = None) -> list[BoardRow]:
    """Check every step (read-only); a failing check becomes an ERROR row, never an exception."""
    from workshop_lib.chapters import all_chapters

    rows = []
    ctx = ctx.read_only()  # every check reads the same Identity Center instance: once
    for ch in all_chapters():
        if chapters and ch.number not in chapters:
            continue
        for step in ch.steps:
            rows.append(BoardRow(ch.number, step.key, step.title, step.kind, step.safe_check(ctx)))
    return rows


def board_frame(rows: list[BoardRow]):
    import pandas as pd

    return pd.DataFrame(
        [
            {"chapter": r.chapter, "step": r.key, "title": r.title, "kind": r.kind, "status": r.status.state.value, "summary": r.status.summary}
            for r in rows
        ]
    )
