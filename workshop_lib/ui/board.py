"""The status board: every step of every chapter, as a pandas table rendered to HTML."""

from __future__ import annotations

import html

from workshop_lib.chapters.board import board_frame, board_rows
from workshop_lib.ui.step_card import COLOURS
from workshop_lib.ui.widgets import Displayable


class StatusBoard(Displayable):
    def __init__(self, ctx) -> None:
        import ipywidgets as W

        self.ctx = ctx
        self.table = W.HTML()
        self.button = W.Button(description="Refresh", icon="refresh")
        self.button.on_click(lambda _b: self.refresh())
        self.widget = W.VBox([self.button, self.table])
        self.widget.add_class("workshop-status-board")
        self.rows = []
        self.refresh()

    def refresh(self):
        from workshop_lib.chapters.model import State

        self.rows = board_rows(self.ctx)
        frame = board_frame(self.rows)
        colour = {s.value: COLOURS[s] for s in State}
        styled = frame.style.map(lambda v: f"color:{colour.get(v, 'inherit')};font-weight:bold", subset=["status"]).hide(axis="index")
        self.table.value = styled.to_html(escape=True) if hasattr(styled, "to_html") else html.escape(frame.to_string())
        return frame
