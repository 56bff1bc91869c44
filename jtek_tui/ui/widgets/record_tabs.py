"""Pieces of the contact record's frame: the tab row and the Overview's parts."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from jtek_tui.ui.text import clean

TABS = (("overview", "Overview"), ("opportunities", "Opportunities"), ("appointments", "Appointments"),
        ("activity", "Activity"))


class TabRow(Static):
    """`Overview │ Opportunities 3 │ Appointments 2 │ Activity 24` — click or ←/→ to switch."""

    class Selected(Message):
        def __init__(self, tab: str) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.labels: list[tuple[str, str]] = [(tab, title) for tab, title in TABS]
        self.active = TABS[0][0]
        self._spans: list[tuple[int, int, str]] = []

    def show(self, labels: list[tuple[str, str]] | None = None, active: str | None = None) -> None:
        if labels is not None:
            self.labels = labels
        if active is not None:
            self.active = active
        parts: list = []
        self._spans = []
        x = 0
        for i, (tab, label) in enumerate(self.labels):
            if i:
                parts.append((" │ ", "dim"))
                x += 3
            text = f" {label} "
            parts.append((text, "bold reverse") if tab == self.active else (text, ""))
            self._spans.append((x, x + len(text), tab))
            x += len(text)
        parts.append(("   ←/→ switch", "dim"))
        self.update(Content.assemble(*parts))

    def on_click(self, event: events.Click) -> None:
        for start, end, tab in self._spans:
            if start <= event.x < end:
                self.post_message(self.Selected(tab))
                return


class OverviewScroll(VerticalScroll, inherit_bindings=False):
    """The Overview tab's focus stop: scrolls up and down; ←/→ stay free for switching tabs."""

    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]


class Pairs(Horizontal):
    """Labels and values in two aligned columns: two widgets, not two per line (the
    record opens faster); a value too long for the line ends in an ellipsis."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="pairs-labels", markup=False)
        yield Static("", classes="pairs-values", markup=False)

    def show(self, pairs: list[tuple[str, str]]) -> None:
        self.query_one(".pairs-labels", Static).update(Content("\n".join(label for label, _ in pairs)))
        self.query_one(".pairs-values", Static).update(Content("\n".join(clean(value) for _, value in pairs)))
