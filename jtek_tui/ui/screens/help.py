"""`?`: every key, read from the BINDINGS of the classes that declare them, so
the help can never drift from what the keys actually do."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

MOUSE = [
    ("click", "focus a card or a column"),
    ("double-click", "open the opportunity"),
    ("drag a card", "drop it on another column to move it there"),
    ("click “+”", "new opportunity in that column"),
]


def binding_rows(app: App, classes: list[type]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for cls in classes:
        for item in getattr(cls, "BINDINGS", []):
            binding = item if isinstance(item, Binding) else Binding(*item)
            if binding.action in seen or not binding.description:
                continue
            seen.add(binding.action)
            keys = " / ".join(app.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
            rows.append((keys, binding.tooltip or binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, groups: list[tuple[str, list[type]]]) -> None:
        super().__init__(classes="help")
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll():
                for title, classes in self.groups:
                    yield Label(title, classes="section-title")
                    yield Static(_table(binding_rows(self.app, classes)), markup=False)
                yield Label("Mouse", classes="section-title")
                yield Static(_table(MOUSE), markup=False)
            yield Label(Content.styled("esc or ? closes", "dim"))

    def action_close(self) -> None:
        self.dismiss(None)


def _table(rows: list[tuple[str, str]]) -> Content:
    width = max((len(k) for k, _ in rows), default=0) + 2
    return Content("\n").join(
        Content.assemble((keys.ljust(width), "bold $accent"), description) for keys, description in rows
    )
