"""The sign-in chain as a picture: Identity Center user → … → Connect user, each link coloured by its status.

The links are judged from the steps' statuses (the board) and the doctor's findings: a link with an error
finding is broken and carries the finding's F-number and fix. Hovering a link shows its resource (SVG
``<title>``); clicking it opens its details below the picture. Everything is escaped through ui.markup.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Optional

from workshop_lib.chapters.model import State, Status
from workshop_lib.findings import Finding, Severity
from workshop_lib.ui.markup import Markup, join, tag

if TYPE_CHECKING:
    from workshop_lib.context import Context

# (label, steps whose status the link takes, failure modes that break this link)
LINKS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Identity Center user", ("{p}s.idc_users", "{p}s.passwords"), ("F3", "F17")),
    ("group", ("{p}s.group",), ()),
    ("assignment", ("{p}s.assignment",), ("F16",)),
    ("application", ("{p}.app", "{p}.app.metadata", "{p}.app.relay_state", "{p}.app.mappings"), ("F1", "F7", "F11", "F12", "F18")),
    ("IAM provider", ("{p}.iam.provider",), ("F4", "F5", "F6")),
    ("role", ("{p}.iam.role", "iam.policy"), ("F2", "F9", "F10", "F13", "F22")),
    ("Amazon Connect instance", ("connect.instance", "connect.instance.saml"), ("F19", "F21", "F14", "F15")),
    ("Connect user", ("{p}s.connect_users",), ("F8", "F20")),
)
SUBTITLE = {"application": "certificate, relay state, mappings", "role": "trust, policy"}
COLOUR = {State.DONE: "#1e8e3e", State.MISSING: "#5f6368", State.WRONG: "#d93025", State.UNKNOWN: "#1a73e8", State.ERROR: "#e37400"}
FILL = {State.DONE: "#e6f4ea", State.MISSING: "#f1f3f4", State.WRONG: "#fce8e6", State.UNKNOWN: "#e8f0fe", State.ERROR: "#fef7e0"}
WORST = [State.WRONG, State.ERROR, State.MISSING, State.UNKNOWN, State.DONE]


@dataclass
class ChainLink:
    label: str
    resource: str  # the resource's name, as the learner finds it in the console
    state: State
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def broken(self) -> Optional[Finding]:
        return next((f for f in self.findings if f.severity is Severity.ERROR), None)

    @property
    def title(self) -> str:
        """What hovering shows: the link, its resource, its state and, when broken, the failure mode and fix."""
        text = f"{self.label}: {self.resource or '—'} — {self.state.badge}"
        if self.summary:
            text += f"\n{self.summary}"
        for f in self.findings:
            text += f"\n{f.label}: {f.message}" + (f" Fix: {f.fix}" if f.fix else "")
        return text


def _resources(ctx: Optional["Context"], side: str) -> list[str]:
    """The resource behind each link, named from the settings (never raising: a picture is drawn regardless)."""
    if ctx is None:
        return [""] * len(LINKS)
    s = ctx.settings
    try:
        from workshop_lib.rules.chain import ADMIN, AGENT
        from workshop_lib.chapters.people import roster

        fed = AGENT if side == "agent" else ADMIN
        people = roster(ctx, fed)
        person = people[0].email if people else ""
        group, app = s.name(f"{side}s_group"), s.name(fed.app_key)
        return [person, group, f"{group} → {app}", app, s.name(fed.provider_key), f"{s.name(fed.role_key)} with {s.name('policy')}",
                s.instance_id or "(not chosen yet)", person]
    except Exception:  # noqa: BLE001 - names only decorate the picture
        return [""] * len(LINKS)


def chain_links(statuses: dict[str, Status], findings: Iterable[Finding] = (), side: str = "agent", ctx: Optional["Context"] = None) -> list[ChainLink]:
    """One ChainLink per link of ``side``'s chain: the worst of its steps' states, then its error findings."""
    findings = [f for f in findings if f.details.get("side", side) in (side, None) and f.severity is not Severity.INFO]
    links = []
    for (label, keys, codes), resource in zip(LINKS, _resources(ctx, side)):
        own = [statuses[k.format(p=side)] for k in keys if k.format(p=side) in statuses]
        state = min((st.state for st in own), key=WORST.index, default=State.DONE if statuses == {} else State.MISSING)
        link_findings = [f for f in findings if f.code in codes]
        for st in own:
            link_findings += [f for f in st.findings if f.severity is not Severity.INFO and f not in link_findings]
        if any(f.severity is Severity.ERROR for f in link_findings):
            state = State.WRONG
        summary = next((st.summary for st in own if st.state is state), "")
        links.append(ChainLink(label, resource, state, summary, link_findings))
    return links


def chain_from_board(rows, ctx: Optional["Context"] = None, side: str = "agent") -> list[ChainLink]:
    statuses = {r.key: r.status for r in rows}
    doctor = statuses.get("doctor")
    return chain_links(statuses, doctor.findings if doctor else (), side, ctx)


# ---- drawing ---------------------------------------------------------------------------------------

W, H, GAP, TOP = 200, 74, 46, 34  # node size, gap between nodes, top margin
PER_ROW = 4



def _position(i: int) -> tuple[int, int]:
    """A serpentine: the first row left to right, the second right to left, so the application leads down to the provider."""
    row, col = divmod(i, PER_ROW)
    if row % 2:
        col = PER_ROW - 1 - col
    return 14 + col * (W + GAP), TOP + row * (H + GAP + 14)


def _text(x: float, y: float, content: str, size: int = 13, weight: str = "normal", anchor: str = "middle", fill: str = "#202124") -> Markup:
    return tag("text", content, x=f"{x:.0f}", y=f"{y:.0f}", font_size=size, font_weight=weight, text_anchor=anchor, fill=fill, font_family="sans-serif")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def chain_svg(links: list[ChainLink], heading: str = "The sign-in chain") -> Markup:
    marker = f"workshop-arrow-{secrets.token_hex(4)}"  # ids are page-wide (several notebooks, one page): each picture its own
    parts = [_text(14, 20, heading, 14, "bold", "start")]
    for i in range(len(links) - 1):  # arrows first, under the nodes
        (x1, y1), (x2, y2) = _position(i), _position(i + 1)
        colour = COLOUR[links[i + 1].state]
        if y1 == y2:
            a, b = (x1 + W, x2) if x2 > x1 else (x1, x2 + W)
            d = f"M{a} {y1 + H / 2:.0f} L{b} {y2 + H / 2:.0f}"
        else:
            d = f"M{x1 + W / 2:.0f} {y1 + H} L{x2 + W / 2:.0f} {y2}"
        parts.append(tag("path", "", d=d, stroke=colour, stroke_width=3, fill="none", marker_end=f"url(#{marker})"))
    for i, link in enumerate(links):
        x, y = _position(i)
        broken = link.broken
        node = [
            tag("title", link.title),
            tag("rect", "", x=x, y=y, width=W, height=H, rx=10, fill=FILL[link.state], stroke=COLOUR[link.state], stroke_width=3 if broken else 2),
            _text(x + W / 2, y + 20, link.label, 13, "bold"),
            _text(x + W / 2, y + 36, SUBTITLE.get(link.label, ""), 10, fill="#5f6368"),
            _text(x + W / 2, y + 52, _short(link.resource, 30), 11),
            _text(x + W / 2, y + 67, (f"{broken.code} · " if broken else "") + link.state.badge, 11, "bold", fill=COLOUR[link.state]),
        ]
        parts.append(tag("g", join(node), class_=f"workshop-chain-link workshop-{link.state.value}", data_link=i, style="cursor:pointer",
                         onclick=f"var d=this.closest('.workshop-chain').querySelector('[data-link-details=\"{i}\"]');if(d){{d.open=!d.open;}}"))
    rows = (len(links) + PER_ROW - 1) // PER_ROW
    height = TOP + rows * (H + GAP + 14)
    first_broken = next((l for l in links if l.broken), None)
    if first_broken:
        f = first_broken.broken
        lines = _wrap(f"Broken: {first_broken.label} — {f.label}: {f.message} Fix: {f.fix}", 120)[:5]
        for j, line in enumerate(lines):
            parts.append(_text(14, height + j * 16, line, 12, "bold" if j == 0 else "normal", "start", COLOUR[State.WRONG]))
        height += len(lines) * 16 + 6
    width = 14 * 2 + PER_ROW * W + (PER_ROW - 1) * GAP
    defs = Markup(f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
                  '<path d="M0 0 L10 5 L0 10 z" fill="#5f6368"/></marker></defs>')
    return tag("svg", Markup(defs + join(parts)), xmlns="http://www.w3.org/2000/svg", width=width, height=height,
               viewBox=f"0 0 {width} {height}", role="img", aria_label=heading, class_="workshop-chain-svg")


def chain_details(links: list[ChainLink]) -> Markup:
    """One collapsible entry per link: the resource, what the check saw, and each finding with its fix."""
    items = []
    for i, link in enumerate(links):
        lines = [tag("div", f"Resource: {link.resource or '—'}")]
        if link.summary:
            lines.append(tag("div", link.summary))
        for f in link.findings:
            lines.append(tag("div", join([tag("b", f.label), " ", f.message, (" Fix: " + f.fix) if f.fix else ""])))
        summary = tag("summary", f"{link.label}: {link.state.badge}" + (f" ({link.broken.code})" if link.broken else ""))
        items.append(tag("details", Markup(summary + join(lines)), data_link_details=i, open="open" if link.broken else None))
    return join(items)


def chain_picture(links: list[ChainLink], heading: str = "The sign-in chain") -> Markup:
    """The SVG and its details, in one element the onclick handlers can find."""
    return tag("div", Markup(chain_svg(links, heading) + chain_details(links)), class_="workshop-chain")


def chain_html(ctx: "Context", rows=None, side: str = "agent") -> Markup:
    """The chain picture for the board: from the steps' statuses (checked now unless ``rows`` are given) and the doctor."""
    if rows is None:
        from workshop_lib.chapters.board import board_rows

        rows = board_rows(ctx)
    who = "an agent" if side == "agent" else "an administrator"
    return chain_picture(chain_from_board(rows, ctx, side), f"How {who} signs in: the chain, link by link (hover or click a link)")
