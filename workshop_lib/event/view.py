"""The facilitator's view of every attendee: a table for the terminal and the same rows as a notebook widget."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workshop_lib.event.hub import AttendeeStatus, Hub

COLUMNS = ("attendee", "server", "chapter", "steps done", "stuck on", "failure", "checked")


def row_cells(row: "AttendeeStatus") -> tuple[str, ...]:
    """One attendee's cells, in COLUMNS order, for the table and the widget alike."""
    p = row.progress
    if p is None:
        return (row.name, row.server, "", "", row.problem, "", "")
    if p.note:
        return (row.name, row.server, p.chapter, "", p.note, "", p.checked_at[11:19])
    chapter = "finished" if p.finished else p.chapter
    stuck = f"{p.stuck.chapter} {p.stuck.step} ({p.stuck.state}): {p.stuck.summary}" if p.stuck else ""
    codes = ", ".join(p.stuck.codes) if p.stuck else ""
    return (row.name, row.server, chapter, f"{p.done}/{p.total}", stuck, codes, p.checked_at[11:19])


def counts(rows: list["AttendeeStatus"]) -> dict[str, int]:
    """Anonymous totals: how many attendees finished, are stuck, are working, or have no running server."""
    out = {"attendees": len(rows), "finished": 0, "stuck": 0, "working": 0, "not running": 0}
    for r in rows:
        if r.progress is None:
            out["not running"] += 1
        elif r.progress.finished:
            out["finished"] += 1
        elif r.progress.stuck:
            out["stuck"] += 1
        else:
            out["working"] += 1
    return out


def table(rows: list["AttendeeStatus"], width: int = 160) -> str:
    """A plain-text table, one attendee per line, cut to ``width`` characters."""
    cells = [COLUMNS] + [row_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    widths[4] = min(widths[4], 70)
    lines = []
    for c in cells:
        text = "  ".join(_fit(v, w) for v, w in zip(c, widths)).rstrip()
        lines.append(text if len(text) <= width else text[: width - 1] + "…")
    total = counts(rows)
    lines.append("")
    lines.append(", ".join(f"{k}: {v}" for k, v in total.items()))
    return "\n".join(lines)


def _fit(value: str, width: int) -> str:
    return value.ljust(width) if len(value) <= width else value[: width - 1] + "…"


def html_table(rows: list["AttendeeStatus"]) -> str:
    """The attendees' table as HTML, every value escaped (ui.markup): stuck rows red, finished rows green."""
    from workshop_lib.ui.markup import join, table, tag

    styles = ["background:#fdecea" if (r.progress and r.progress.stuck) else "background:#e8f5e9" if (r.progress and r.progress.finished)
              else "" for r in rows]
    total = ", ".join(f"{k}: {v}" for k, v in counts(rows).items())
    return join([table(COLUMNS, [row_cells(r) for r in rows], row_styles=styles), tag("p", total)])


def live_view(hub: "Hub"):
    """A widget: the attendees' table and a Refresh button (no polling loop: the facilitator refreshes)."""
    import ipywidgets as widgets

    from workshop_lib.errors import WorkshopError
    from workshop_lib.ui.markup import tag

    out = widgets.HTML()
    button = widgets.Button(description="Refresh", icon="refresh", tooltip="Read every attendee's status again")
    note = widgets.HTML()

    def refresh(_=None) -> None:
        button.disabled = True
        try:
            out.value = html_table(hub.statuses())
            note.value = ""
        except WorkshopError as exc:
            note.value = tag("b", exc.describe())
        finally:
            button.disabled = False

    button.on_click(refresh)
    refresh()
    box = widgets.VBox([widgets.HBox([button, note]), out])
    box.refresh = refresh  # type: ignore[attr-defined]
    box.table = out  # type: ignore[attr-defined]
    return box


def facilitator_view(url: str | None = None, token: str | None = None):
    """The widget for the facilitator's notebook; the hub and token come from the environment by default."""
    import os

    from workshop_lib.event.hub import DEFAULT_HUB, Hub, hub_token

    return live_view(Hub(url or os.environ.get("WORKSHOP_HUB_URL", DEFAULT_HUB), token or hub_token()))
