"""Placeholder app until the board lands."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from jtek_tui.db import Database


class JtekApp(App):
    TITLE = "Jtek"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, db: Database):
        super().__init__()
        self.db = db

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("The board is coming soon.")
        yield Footer()
