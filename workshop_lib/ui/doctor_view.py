"""The doctor's view: the sign-in chain as a picture, then every finding worst first, with its fix."""

from __future__ import annotations

from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Severity, by_severity
from workshop_lib.ui.markup import join
from workshop_lib.ui.widgets import Displayable, message_html


class DoctorView(Displayable):
    """Run the doctor over the whole chain; show both chains (agents, administrators) and the findings."""

    def __init__(self, ctx, run: bool = True) -> None:
        import ipywidgets as W

        self.ctx = ctx
        self.button = W.Button(description="Run the doctor", icon="stethoscope", button_style="primary",
                               tooltip="Read every link of the sign-in chain again and name what is broken (read-only)")
        self.button.on_click(lambda _b: self.run())
        self.chain = W.HTML()
        self.result = W.HTML()
        self.widget = W.VBox([self.button, self.chain, self.result])
        self.widget.add_class("workshop-doctor")
        self.report = None
        if run:
            self.run()

    def run(self):
        from workshop_lib.doctor import run_doctor
        from workshop_lib.ui.chain_view import chain_links, chain_picture
        from workshop_lib.ui.inspectors import findings_table
        from workshop_lib.rules.words import plural

        try:
            self.report = run_doctor(self.ctx.settings)
        except WorkshopError as exc:
            self.result.value = message_html(str(exc), "error")
            return None
        findings = by_severity(self.report.findings)
        errors = sum(f.severity is Severity.ERROR for f in findings)
        self.chain.value = join(
            chain_picture(chain_links({}, findings, side, self.ctx), f"How {who} signs in, as the doctor reads it (hover or click a link)")
            for side, who in (("agent", "an agent"), ("admin", "an administrator"))
        )
        head = message_html("The chain is intact." if not errors else f"{plural(errors, 'link')} of the chain {'is' if errors == 1 else 'are'} broken.",
                            "ok" if not errors else "error")
        self.result.value = join([head, findings_table(findings)])
        return self.report
