"""The one way HTML is built from values: every value is escaped here, markup is marked as such.

Anything shown in a notebook passes through ipywidgets' HTML, which the browser renders as markup:
a name prefix, an entityID or a CSV cell holding ``<img onerror=…>`` would otherwise run script in
the JupyterLab page, which can drive the kernel. Build HTML only with these helpers.
"""

from __future__ import annotations

import html as _html
from typing import Any, Iterable


class Markup(str):
    """A string that is already safe HTML (built by this module); ``esc`` leaves it as it is."""


def esc(value: Any) -> Markup:
    """``value`` as text inside HTML: every ``& < > " '`` escaped; Markup passes through unchanged."""
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def tag(name: str, content: Any = "", **attrs: Any) -> Markup:
    """``<name attr="…">content</name>``: attribute values and content are escaped (content may be Markup)."""
    rendered = "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return Markup(f"<{name}{rendered}>{esc(content)}</{name}>")


def join(parts: Iterable[Any], sep: str = "") -> Markup:
    """Concatenate parts, escaping those that are not Markup."""
    return Markup(esc(sep).join(esc(p) for p in parts))


def table(headers: Iterable[Any], rows: Iterable[Iterable[Any]], class_: str = "", row_styles: Iterable[str] | None = None) -> Markup:
    """An HTML table; cells are escaped unless they are Markup."""
    head = join(tag("th", h) for h in headers)
    styles = list(row_styles) if row_styles is not None else None
    body = []
    for i, row in enumerate(rows):
        cells = join(tag("td", c) for c in row)
        style = styles[i] if styles and i < len(styles) and styles[i] else None
        body.append(tag("tr", cells, style=style))
    return tag("table", Markup(tag("tr", head) + join(body)), class_=class_ or None)


def bold_markdown(text: str) -> Markup:
    """Escape ``text``, then show ``**bold**`` and ``*italic*`` as the notebook's markdown would."""
    import re

    out = str(esc(text))
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return Markup(out)

