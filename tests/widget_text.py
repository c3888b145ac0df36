"""What a learner reads in an HTML widget: its text without tags, entities decoded."""

from __future__ import annotations

import html
import re


def text_of(widget_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", widget_html))
