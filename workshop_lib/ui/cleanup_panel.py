"""The cleanup panel: shows exactly what will be deleted and what is kept, and deletes only after a confirmation."""

from __future__ import annotations


from workshop_lib.ui.markup import esc
from workshop_lib.ui.widgets import Displayable, message_html


class CleanupPanel(Displayable):
    def __init__(self, ctx) -> None:
        import ipywidgets as W

        from workshop_lib.aws.cleanup import plan_cleanup

        self.ctx = ctx
        self.plan = plan_cleanup(ctx)
        self.confirm = W.Checkbox(value=False, description="I understand these resources will be deleted", indent=False, layout=W.Layout(width="auto"))
        self.button = W.Button(description="Delete the workshop's resources", icon="trash", button_style="danger", disabled=True, layout=W.Layout(width="auto"))
        self.confirm.observe(lambda c: setattr(self.button, "disabled", not c["new"]), names="value")
        self.button.on_click(lambda _b: self.delete())
        self.progress = W.FloatProgress(min=0.0, max=1.0)
        self.result = W.HTML()
        items = "".join(f"<li>{esc(line)}</li>" for line in self.plan.lines())
        if self.plan.delete or self.plan.files:
            children = [W.HTML(f"<ul>{items}</ul>"), self.confirm, self.button, self.progress, self.result]
        else:  # nothing to delete: nothing to confirm
            what = message_html("The workshop made nothing in this account that is still there: there is nothing to delete.", "ok")
            children = [W.HTML(what + (f"<ul>{items}</ul>" if items else ""))]
        self.widget = W.VBox(children)
        self.widget.add_class("workshop-cleanup")

    def delete(self):
        from workshop_lib.aws.cleanup import run_cleanup
        from workshop_lib.errors import WorkshopError

        if not self.confirm.value:
            self.result.value = message_html("Tick the confirmation first: nothing was deleted.", "warning")
            return None
        self.button.disabled = True
        try:
            result = run_cleanup(self.ctx, self.plan, progress=lambda f, m: setattr(self.progress, "value", f))
        except WorkshopError as exc:
            self.result.value = message_html(str(exc), "error")
            return None
        kind = "error" if result.failed else "ok"
        text = (f"Deleted {len(result.deleted)}, already gone {len(result.already_gone)}, "
                f"kept {len(result.kept)} (in use by others or not the workshop's any more), failed {len(result.failed)}.")
        self.result.value = message_html(text, kind) + "".join(f"<div>{esc(f)}</div>" for f in result.failed + result.kept)
        return result
