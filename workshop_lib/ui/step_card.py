"""A step card: title, status badge, why, Run and Check buttons, progress, the console guide and findings."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from workshop_lib.ui.markup import Markup, esc, join, tag
from workshop_lib.ui.widgets import Displayable
from workshop_lib.chapters.model import State, Status, Step

if TYPE_CHECKING:
    from workshop_lib.context import Context

COLOURS = {State.DONE: "#1e8e3e", State.MISSING: "#5f6368", State.WRONG: "#d93025", State.UNKNOWN: "#1a73e8", State.ERROR: "#e37400"}


def badge_html(status: Status) -> Markup:
    colour = COLOURS[status.state]
    return tag("span", status.state.badge, class_=f"workshop-badge workshop-{status.state.value}",
               style=f"background:{colour};color:white;padding:2px 8px;border-radius:10px;font-size:90%;white-space:nowrap")


def findings_html(status: Status) -> Markup:
    if not status.findings:
        return Markup("")
    rows = []
    for f in status.findings:
        expected = Markup("<br>" + tag("code", f.expected)) if f.expected else ""
        fix = Markup("<br><b>Fix:</b> " + esc(f.fix)) if f.fix else ""
        rows.append(tag("li", join([tag("b", f.label), " ", f.message, fix, expected])))
    return tag("ul", join(rows))


class StepCard(Displayable):
    """One step as a widget. ``perform()`` and ``refresh()`` work without a browser, for tests and headless runs."""

    def __init__(self, step: Step, ctx: "Context") -> None:
        import ipywidgets as W

        self.step = step
        self.ctx = ctx.with_progress(self._on_progress)
        self.status: Status | None = None
        self.title = W.HTML(tag("b", step.title))
        self.badge = W.HTML()
        self.why = W.HTML(tag("i", step.why))
        self.summary = W.HTML()
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, layout=W.Layout(width="60%", display="none"))
        self.progress_text = W.Label()
        self.check_button = W.Button(description="Check", icon="search", tooltip="Read-only: look at what is there now")
        self.check_button.on_click(lambda _b: self._in_background(self.refresh))
        buttons = [self.check_button]
        self.run_button = None
        if step.run is not None:
            self.run_button = W.Button(description="Run", icon="play", button_style="primary", tooltip="Create what is missing; safe to repeat")
            self.run_button.on_click(lambda _b: self._in_background(self.perform))
            buttons.insert(0, self.run_button)
        elif step.simulate is not None and ctx.is_sandbox:
            self.run_button = W.Button(description="Do it in the simulated console", icon="magic", button_style="info", layout=W.Layout(width="auto"),
                                       tooltip="The sandbox has no real console: do this console step for me in the simulated one")
            self.run_button.on_click(lambda _b: self._in_background(self.perform))
            buttons.insert(0, self.run_button)
        self.confirm_box = W.HBox()
        self.confirm_text = None
        if step.confirm and not ctx.is_sandbox:
            self.confirm_text = W.Text(value=ctx.settings.confirmed.get(step.key, ""), placeholder="paste it exactly as you saved it", description=step.confirm, layout=W.Layout(width="80%"), style={"description_width": "initial"})
            confirm_button = W.Button(description="Check what I saved", icon="check", layout=W.Layout(width="auto"),
                                      tooltip="Compare the value you pasted with the exact expected one")
            confirm_button.on_click(lambda _b: self.confirm(self.confirm_text.value))
            self.confirm_box.children = [self.confirm_text, confirm_button]
        # Shown when the step stops at someone else's resource: the learner may choose to use it as it is.
        self.adopt_button = W.Button(description="Use it as it is", icon="handshake-o", layout=W.Layout(width="auto", display="none"),
                                     tooltip="The workshop then only reads and checks it, and never changes or deletes it")
        self.adopt_button.on_click(lambda _b: self._in_background(self.adopt))
        buttons.append(self.adopt_button)
        self.guide_box = W.VBox()
        self.widget = W.VBox(
            [W.HBox([self.title, self.badge]), self.why, self.guide_box, self.confirm_box, W.HBox(buttons), W.HBox([self.progress, self.progress_text]), self.summary],
            layout=W.Layout(border="1px solid #dadce0", padding="8px", margin="6px 0"),
        )
        self.widget.add_class("workshop-step")
        self._render_guide()

    # ---- actions ----------------------------------------------------------------------------
    def refresh(self) -> Status:
        self._show(self.step.safe_check(self.ctx))
        return self.status  # type: ignore[return-value]

    def confirm(self, value: str) -> Status:
        """Keep what the learner says they saved in the console (as typed, spaces included) and check it."""
        with self.ctx.update() as s:
            if value:
                s.confirmed[self.step.key] = value
            else:
                s.confirmed.pop(self.step.key, None)
        return self.refresh()

    def perform(self) -> Status:
        """Run the step (or its simulated console action) and show the resulting status; never raises."""
        self._set_busy(True)
        try:
            status = self.step.perform(self.ctx)
        except Exception as exc:  # noqa: BLE001 - the card shows the sentence, never a traceback
            status = Status.error(exc)
        finally:
            self._set_busy(False)
        self._show(status)
        self._render_guide()
        return status

    def adopt(self) -> Status:
        """Use the resource the last run stopped at as it is (never changed or deleted), then run the step again."""
        key = (self.status.details.get("adopt") if self.status else "") or ""
        if not key:
            return self.status  # type: ignore[return-value]
        from workshop_lib.aws.ownership import adopt

        adopt(self.ctx, key)
        return self.perform()

    # ---- display ----------------------------------------------------------------------------
    def _show(self, status: Status) -> None:
        self.status = status
        self.adopt_button.layout.display = "" if status.details.get("adopt") else "none"
        self.badge.value = badge_html(status)
        lines = [tag("li", line) for line in status.details.get("lines", [])]
        self.summary.value = join([tag("div", status.summary), tag("ul", join(lines)) if lines else "", findings_html(status)])

    def _render_guide(self) -> None:
        if self.step.guide is None:
            return
        import ipywidgets as W

        from workshop_lib.ui.widgets import console_guide

        try:
            first = self.step.waiting_for(self.ctx)
            guide = None if first else self.step.guide(self.ctx)
        except Exception as exc:  # noqa: BLE001 - the card shows a sentence, never a traceback
            from workshop_lib.errors import WorkshopError

            first = str(exc) if isinstance(exc, WorkshopError) else "the earlier steps of this chapter."
            guide = None
        if guide is None:
            self.guide_box.children = [W.HTML(tag("i", f"The console instructions and values appear here once this is done: {first}"))]
            return
        action = self.run_button.description if self.run_button is not None else ""
        self.guide_box.children = [console_guide(guide, sandbox=self.ctx.is_sandbox, action=action)]

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.layout.display = ""
        self.progress.value = max(0.0, min(1.0, fraction))
        self.progress_text.value = message

    def _set_busy(self, busy: bool) -> None:
        for b in (self.run_button, self.check_button, self.adopt_button):
            if b is not None:
                b.disabled = busy
        if not busy:
            self.progress.layout.display = "none"
            self.progress_text.value = ""

    def _in_background(self, action) -> None:
        # Button clicks run in a thread so the kernel stays responsive during long waits.
        self._thread = threading.Thread(target=action, daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = 120) -> None:
        """Wait for the last button action (tests click, then join)."""
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(timeout)
