"""Small widgets: copy fields, console links, a console guide, and message boxes."""

from __future__ import annotations

import html
import json

from typing import Any

from workshop_lib.chapters.model import CopyValue, Guide


class Displayable:
    """Displays its ``widget`` when it is a cell's last expression, and keeps its methods for tests."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def message_html(text: str, kind: str = "info") -> str:
    colour = {"info": "#1a73e8", "ok": "#1e8e3e", "error": "#d93025", "warning": "#e37400"}[kind]
    return f'<div class="workshop-message workshop-{kind}" style="border-left:4px solid {colour};padding:4px 8px">{html.escape(text)}</div>'


def copy_field(item: CopyValue):
    """A read-only value with a Copy button (the browser's clipboard, no kernel round trip)."""
    import ipywidgets as W

    multiline = "\n" in item.value or len(item.value) > 90
    box = W.Textarea(value=item.value, rows=min(12, item.value.count("\n") + 2), layout=W.Layout(width="95%")) if multiline else W.Text(value=item.value, layout=W.Layout(width="95%"))
    box.add_class("workshop-copy-value")
    payload = html.escape(json.dumps(item.value), quote=True)
    button = W.HTML(f'<button class="jupyter-button" onclick="navigator.clipboard.writeText({payload})">📋 Copy</button>')
    return W.VBox([W.HTML(f"<b>{html.escape(item.label)}</b>"), W.HBox([box, button])])


def console_link(url: str, label: str = "Open the AWS console"):
    import ipywidgets as W

    return W.HTML(f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener" class="jupyter-button" style="padding:4px 10px">🔗 {html.escape(label)}</a>')


def console_guide(guide: Guide, sandbox: bool = False):
    import ipywidgets as W

    steps = "".join(f"<li>{_md_bold(html.escape(s))}</li>" for s in guide.instructions)
    note = "<p><i>In the sandbox there is no real console: the button below does this step in the simulated console.</i></p>" if sandbox else ""
    children = [W.HTML(f"<ol>{steps}</ol>{note}")]
    if not sandbox and guide.link:
        children.insert(0, console_link(guide.link))
    children += [copy_field(v) for v in guide.values]
    return W.VBox(children, layout=W.Layout(padding="0 0 0 12px"))


def _md_bold(text: str) -> str:
    parts = text.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
