"""The status board: every step of every chapter with the same badges as the cards, and the sign-in chain."""

from __future__ import annotations

from workshop_lib.chapters.board import board_rows
from workshop_lib.ui.markup import Markup, table
from workshop_lib.ui.step_card import badge_html
from workshop_lib.ui.widgets import Displayable


def board_html(rows) -> Markup:
    """The board as one escaped HTML table (pandas' Styler does not escape, so it is built here)."""
    return table(
        ["chapter", "step", "status", "what is there"],
        [[r.chapter, r.title, badge_html(r.status), r.status.summary] for r in rows],
        class_="workshop-board",
    )


class StatusBoard(Displayable):
    def __init__(self, ctx, chain: bool = True) -> None:
        import ipywidgets as W

        self.ctx = ctx
        self.table = W.HTML()
        self.chain = W.HTML()
        self.button = W.Button(description="Refresh", icon="refresh", tooltip="Check every step again (read-only)")
        self.button.on_click(lambda _b: self.refresh())
        self.widget = W.VBox([self.button, self.chain, self.table] if chain else [self.button, self.table])
        self.widget.add_class("workshop-status-board")
        self.rows = []
        self.show_chain = chain
        self.refresh()

    def refresh(self):
        from workshop_lib.chapters.board import board_frame

        self.rows = board_rows(self.ctx)
        self.table.value = board_html(self.rows)
        if self.show_chain:
            from workshop_lib.ui.chain_view import chain_html

            self.chain.value = chain_html(self.ctx, self.rows)
        return board_frame(self.rows)
