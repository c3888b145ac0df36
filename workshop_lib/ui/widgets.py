"""Small widgets: copy fields, console links, a console guide, and message boxes (all HTML through ui.markup)."""

from __future__ import annotations

from typing import Any

from workshop_lib.chapters.model import CopyValue, Guide
from workshop_lib.ui.markup import Markup, bold_markdown, join, tag


class Displayable:
    """Displays its ``widget`` when it is a cell's last expression, and keeps its methods for tests."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def message_html(text: str, kind: str = "info") -> Markup:
    colour = {"info": "#1a73e8", "ok": "#1e8e3e", "error": "#d93025", "warning": "#e37400"}[kind]
    return tag("div", text, class_=f"workshop-message workshop-{kind}", style=f"border-left:4px solid {colour};padding:4px 8px")


# navigator.clipboard exists only in a secure context (https or localhost): Jupyter served over plain http on a
# workshop VM has none. Then a hidden textarea and document.execCommand('copy') copy the value, and if even that
# is refused the value is selected in its field so Ctrl+C copies it. The value travels in data-copy, never in code.
COPY_SCRIPT = (
    "var b=this,v=b.getAttribute('data-copy'),box=b.closest('.workshop-copy');"
    "function done(ok){b.textContent=ok?'✅ Copied':'Selected: press Ctrl+C';"
    "if(!ok&&box){var f=box.querySelector('input,textarea');if(f){f.focus();f.select();}}"
    "setTimeout(function(){b.textContent='📋 Copy';},2500);}"
    "function fallback(){var a=document.createElement('textarea');a.value=v;a.setAttribute('readonly','');"
    "a.style.position='fixed';a.style.top='0';a.style.opacity='0';document.body.appendChild(a);a.focus();a.select();"
    "var ok=false;try{ok=document.execCommand('copy');}catch(e){ok=false;}document.body.removeChild(a);done(ok);}"
    "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(v).then(function(){done(true);},fallback);}"
    "else{fallback();}"
)


def copy_button_html(value: str, label: str = "") -> Markup:
    return tag("button", "📋 Copy", class_="jupyter-button workshop-copy-button", type="button", data_copy=value,
               title=f"Copy {label or 'the value'} to the clipboard", onclick=COPY_SCRIPT)


def copy_field(item: CopyValue):
    """A read-only value with a Copy button (the browser's clipboard, no kernel round trip; works on http too)."""
    import ipywidgets as W

    multiline = "\n" in item.value or len(item.value) > 90
    box = W.Textarea(value=item.value, rows=min(12, item.value.count("\n") + 2), layout=W.Layout(width="95%")) if multiline else W.Text(value=item.value, layout=W.Layout(width="95%"))
    box.add_class("workshop-copy-value")
    row = W.HBox([box, W.HTML(copy_button_html(item.value, item.label))])
    row.add_class("workshop-copy")
    return W.VBox([W.HTML(tag("b", item.label)), row])


def link_html(url: str, label: str) -> Markup:
    return tag("a", label, href=url, target="_blank", rel="noopener", class_="jupyter-button", style="padding:4px 10px", title=url)


def console_guide(guide: Guide, sandbox: bool = False, action: str = ""):
    import ipywidgets as W

    steps = join(tag("li", bold_markdown(s)) for s in guide.instructions)
    parts = [tag("ol", steps)]
    if guide.note:
        parts.append(tag("p", bold_markdown(guide.note)))
    if sandbox and action:
        parts.append(tag("p", tag("i", f"In the sandbox there is no real console: the '{action}' button on this card does this step in the simulated console.")))
    children = [W.HTML(join(parts))]
    links = []
    if not sandbox and guide.link:
        links.append(link_html(guide.link, "🔗 Open the AWS console"))
    if guide.docs:
        links.append(link_html(guide.docs, "📖 AWS documentation for this step"))
    if links:
        children.insert(0, W.HTML(join(links, " ")))
    children += [copy_field(v) for v in guide.values]
    return W.VBox(children, layout=W.Layout(padding="0 0 0 12px"))


def error_html(exc: BaseException) -> Markup:
    """Any exception as a notebook message (workshop_lib.edge): the sentence, and the traceback behind a disclosure."""
    from workshop_lib.edge import EXIT_INTERRUPTED, explain

    told = explain(exc)
    colour = "#e37400" if told.exit_code == EXIT_INTERRUPTED else "#d93025"
    lines = told.sentence.split("\n")
    sentence = join([lines[0], *(join([Markup("<br>"), line]) for line in lines[1:])])
    detail = tag("details", join([tag("summary", "Technical detail"), tag("pre", told.detail, style="white-space:pre-wrap")])) if told.detail else ""
    return tag("div", join([sentence, detail]), class_="workshop-message workshop-error",
               style=f"border-left:4px solid {colour};padding:4px 8px")
