"""Chapter 08's panel: run the troubleshooting labs one by one and show what AWS said and what the doctor found."""

from __future__ import annotations

from workshop_lib.errors import WorkshopError
from workshop_lib.ui.markup import Markup, join, table, tag
from workshop_lib.ui.widgets import Displayable, message_html


class LabsPanel(Displayable):
    def __init__(self, ctx, run: bool = True) -> None:
        import ipywidgets as W

        from workshop_lib.chapters.labs import LABS

        self.ctx = ctx
        self.results = []
        self.progress = W.FloatProgress(min=0.0, max=1.0)
        self.table = W.HTML()
        self.button = W.Button(description="Run all labs", icon="flask", button_style="primary",
                               tooltip="Break each link in turn, sign in, run the doctor, repair (sandbox only)")
        self.button.on_click(lambda _b: self.run_all())
        items = join(tag("li", join([tag("b", l.title), f" ({l.code}): {l.story}"])) for l in LABS)
        self.chains = W.HTML()
        self.widget = W.VBox([W.HTML(tag("ol", items)), self.button, self.progress, self.table, self.chains])
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
        self.show(self.results)
        return self.results

    def show(self, results) -> None:
        """The results table, and for each lab the chain as the doctor saw it while the link was broken."""
        from workshop_lib.ui.chain_view import chain_links, chain_picture

        self.table.value = table(
            ["lab", "expected", "AWS said", "doctor found", "repaired"],
            [[f"{'✅' if r.ok else '❌'} {r.lab.title}", r.lab.code, r.sign_in_message, ", ".join(r.doctor_codes), "yes" if r.repaired else "no"] for r in results],
            class_="workshop-lab-results",
        )
        pictures = [chain_picture(chain_links({}, r.doctor_findings, "agent", self.ctx), f"Lab: {r.lab.title} — the chain while it was broken") for r in results]
        self.chains.value = join(
            tag("details", Markup(tag("summary", f"The chain in lab {i + 1}: {r.lab.title}") + p), class_="workshop-lab-chain", open="open" if i == 0 else None)
            for i, (r, p) in enumerate(zip(results, pictures))
        )
