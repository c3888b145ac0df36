"""Onboard many people from a CSV (the widget behind ui.agents_import()): upload, see every row checked, press Import, watch the progress bar."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Optional

from workshop_lib.errors import WorkshopError
from workshop_lib.ui.markup import join, table, tag
from workshop_lib.ui.widgets import Displayable, message_html

if TYPE_CHECKING:
    from workshop_lib.agents import AgentFile
    from workshop_lib.aws.onboard_result import OnboardResult

SHOWN_ROWS = 200  # the table shows every row with a problem, then valid rows up to this many


def _instructions() -> str:
    from workshop_lib.agents import EXAMPLE_CSV

    return (
        "<p>Upload a CSV file with one row per person and the columns <b>first name</b>, <b>last name</b>, <b>email</b> and "
        "<b>role</b> (<code>agent</code> or <code>admin</code>). Spellings such as <code>first_name</code> or <i>Given name</i> "
        "work too. Every row is checked first; nothing is created until the file is clean and you press <b>Import</b>. "
        "Importing again later creates only what is missing.</p>"
    ) + tag("pre", EXAMPLE_CSV, style="background:#f6f8fa;padding:4px 8px")


def _uploaded(upload) -> tuple[Optional[bytes], str]:
    """(content, file name) of the FileUpload's file, whichever value shape ipywidgets gives."""
    value = upload.value
    if not value:
        return None, ""
    item = value[0] if isinstance(value, (list, tuple)) else next(iter(value.values()))
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    return bytes(get("content")), str(get("name", "") or "")


class AgentsImport(Displayable):
    """Upload → validation table → Import (in the background, with a progress bar) → what was created or failed."""

    def __init__(self, ctx) -> None:
        import ipywidgets as W

        self.ctx = ctx
        self.file: Optional["AgentFile"] = None
        self.outcome: Optional["OnboardResult"] = None
        self.instructions = W.HTML(_instructions())
        self.upload = W.FileUpload(accept=".csv,text/csv", multiple=False, description="Upload CSV", tooltip="Choose a CSV file of the people to onboard; it is checked before anything is created")
        self.upload.observe(lambda _c: self.accept(*_uploaded(self.upload)), names="value")
        self.summary = W.HTML()
        self.table = W.HTML()
        self.import_button = W.Button(description="Import", icon="users", button_style="primary", disabled=True,
                                      tooltip="Create the Identity Center users, Connect users and group memberships that are missing")
        self.import_button.on_click(lambda _b: self._in_background(self.run_import))
        self.progress = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="60%", visibility="hidden"))
        self.progress_text = W.Label()
        self.result = W.HTML()
        self.widget = W.VBox([
            self.instructions, W.HBox([self.upload, self.import_button]), self.summary, self.table,
            W.HBox([self.progress, self.progress_text]), self.result,
        ])
        self.widget.add_class("workshop-agents-import")
        self._thread: Optional[threading.Thread] = None

    # ---- actions (callable from tests and notebooks) ----------------------------------------
    def accept(self, data: Optional[bytes], name: str = "") -> Optional["AgentFile"]:
        """Check an uploaded file and show every row with its problems; Import is enabled only when all rows are fine."""
        from workshop_lib.agents import read_agents_csv
        from workshop_lib.chapters.people import everyone

        if data is None:
            return None
        self.outcome = None
        self.result.value = ""
        try:
            existing = [(p.email, p.role) for p in everyone(self.ctx)]
        except WorkshopError:
            existing = []
        self.file = read_agents_csv(data, existing=existing)
        label = f"{name}: " if name else ""
        notes = [tag("li", n) for n in self.file.notes]
        self.summary.value = join([message_html(label + self.file.summary(), "ok" if self.file.ok else "error"), tag("ul", join(notes)) if notes else ""])
        self.table.value = self._table_html()
        self.import_button.disabled = not self.file.ok
        return self.file

    def run_import(self) -> Optional["OnboardResult"]:
        """Create what the validated people are missing; never raises (the sentence is shown instead)."""
        from workshop_lib.chapters.people import import_people

        if self.file is None or not self.file.ok:
            self.result.value = message_html("Upload a CSV file without problems first.", "warning")
            return None
        self.import_button.disabled = True
        self.progress.max = max(1, len(self.file.agents))
        self.progress.value = 0
        self.progress.layout.visibility = "visible"
        try:
            self.outcome = import_people(self.ctx.with_progress(self._on_progress), self.file.agents)
        except WorkshopError as exc:
            self.result.value = message_html(str(exc), "error")
            return None
        except Exception as exc:  # noqa: BLE001 - a widget shows a sentence, never a traceback
            self.result.value = message_html(f"The import stopped unexpectedly ({type(exc).__name__}: {exc}). Press Import again: what was created is kept and skipped.", "error")
            return None
        finally:
            self.import_button.disabled = not (self.file and self.file.ok)
            self.progress_text.value = ""
        self.progress.value = self.progress.max
        self.result.value = self._result_html(self.outcome)
        self.table.value = self._table_html()
        return self.outcome

    def join(self, timeout: Optional[float] = 300) -> None:
        """Wait for the import started by the button (tests click, then join)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def rows(self) -> list[dict]:
        """The validation table as plain records: row, first name, last name, email, role, problems."""
        return [] if self.file is None else self.file.frame().to_dict("records")

    # ---- display ----------------------------------------------------------------------------
    def _table_html(self) -> str:
        if self.file is None or not self.file.rows:
            return ""
        failed: dict[int, list[str]] = {}
        for f in (self.outcome.failed if self.outcome else []):
            if f.row:
                failed.setdefault(f.row, []).append(f"{f.what}: {f.message}")
        rows = self.rows
        bad = [r for r in rows if r["problems"] or r["row"] in failed]
        good = [r for r in rows if not (r["problems"] or r["row"] in failed)]
        shown = bad[:SHOWN_ROWS] + good[: max(0, SHOWN_ROWS - len(bad))]
        shown.sort(key=lambda r: r["row"])
        cells, styles = [], []
        for r in shown:
            problem = r["problems"] or " ".join(failed.get(r["row"], []))
            styles.append("background:#fce8e6" if problem else "")
            cells.append([r["row"], r["first name"], r["last name"], tag("code", r["email"]), r["role"], f"{'❌' if problem else '✅'} {problem}"])
        more = len(rows) - len(shown)
        tail = tag("p", tag("i", f"… and {more} more valid rows.")) if more > 0 else ""
        return join([table(["row", "first name", "last name", "email", "role", "check"], cells, class_="workshop-agents-table", row_styles=styles), tail])

    def _result_html(self, outcome: "OnboardResult") -> str:
        calls = ", ".join(f"{op} {n}" for op, n in sorted(outcome.calls.items(), key=lambda kv: (-kv[1], kv[0])))
        text = message_html(outcome.summary(), "ok" if outcome.ok else "error")
        failures = [tag("li", f.line()) for f in outcome.failed[:50]]
        return join([text, tag("ul", join(failures)) if failures else "", tag("p", tag("small", f"API calls: {calls}")) if calls else ""])

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.value = round(max(0.0, min(1.0, fraction)) * self.progress.max)
        self.progress_text.value = message

    def _in_background(self, action) -> None:
        # A click runs in a thread so the kernel stays responsive while hundreds of users are created.
        self._thread = threading.Thread(target=action, daemon=True)
        self._thread.start()
