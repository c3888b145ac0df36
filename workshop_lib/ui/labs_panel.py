"""Chapter 08's panel: run the troubleshooting labs one by one and show what AWS said and what the doctor found."""

from __future__ import annotations

import html

from workshop_lib.errors import WorkshopError
from workshop_lib.ui.widgets import Displayable, message_html


class LabsPanel(Displayable):
    def __init__(self, ctx, run: bool = True) -> None:
        import ipywidgets as W

        from workshop_lib.chapters.labs import LABS

        self.ctx = ctx
        self.results = []
        self.progress = W.FloatProgress(min=0.0, max=1.0)
        self.table = W.HTML()
        self.button = W.Button(description="Run all labs", icon="flask", button_style="primary")
        self.button.on_click(lambda _b: self.run_all())
        items = "".join(f"<li><b>{html.escape(l.title)}</b> ({l.code}): {html.escape(l.story)}</li>" for l in LABS)
        self.widget = W.VBox([W.HTML(f"<ol>{items}</ol>"), self.button, self.progress, self.table])
        self.widget.add_class("workshop-labs")
        if run and ctx.is_sandbox:
            self.run_all()
        elif not ctx.is_sandbox:
            self.table.value = message_html("The labs break things on purpose, so they only run on the sandbox.", "info")

    def run_all(self):
        from workshop_lib.chapters.labs import LABS, run_lab

        self.results = []
        for i, lab in enumerate(LABS):
            self.progress.value = i / len(LABS)
            try:
                self.results.append(run_lab(self.ctx, lab))
            except WorkshopError as exc:
                self.table.value = message_html(f"{lab.title}: {exc}", "error")
                return self.results
        self.progress.value = 1.0
        rows = "".join(
            f"<tr><td>{'✅' if r.ok else '❌'} {html.escape(r.lab.title)}</td><td>{r.lab.code}</td><td>{html.escape(r.sign_in_message)}</td>"
            f"<td>{html.escape(', '.join(r.doctor_codes))}</td><td>{'yes' if r.repaired else 'no'}</td></tr>"
            for r in self.results
        )
        self.table.value = f'<table class="workshop-lab-results"><tr><th>lab</th><th>expected</th><th>AWS said</th><th>doctor found</th><th>repaired</th></tr>{rows}</table>'
        return self.results
