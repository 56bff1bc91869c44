"""A yes/no/… question: a title, a sentence or two, and buttons.

Destructive actions (deleting a contact, its deals, an entry; cancelling an
appointment) ask here first. The safe choice has focus, so a stray `enter`
never destroys anything; every choice also has a letter key shown on its
button. Dismisses with the chosen id, or None on escape.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


@dataclass(frozen=True)
class Choice:
    """One button: `id` is what the dialog returns, `key` the letter that picks it."""

    id: str
    label: str
    key: str = ""
    variant: str = "default"  # Button variants: default, primary, error, warning, success


class Confirm(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str | Content, body: str | Content, choices: list[Choice], *,
                 focus: str | None = None) -> None:
        super().__init__(classes="picker confirm")
        self.title_text = title if isinstance(title, Content) else Content(title)
        self.body = body if isinstance(body, Content) else Content(body)
        self.choices = choices
        self.focus_id = focus if focus is not None else choices[-1].id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="confirm-body")
            with Horizontal(classes="confirm-buttons"):
                for choice in self.choices:
                    label = f"{choice.label} ({choice.key})" if choice.key else choice.label
                    yield Button(label, id=f"choice-{choice.id}", variant=choice.variant, compact=True)  # type: ignore[arg-type]
            yield Label(Content.styled("tab moves · enter picks · esc cancels", "dim"))

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.focus_id}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def on_key(self, event: Key) -> None:
        for choice in self.choices:
            if choice.key and event.character == choice.key:
                event.stop()
                self.dismiss(choice.id)
                return
        if event.key in ("left", "right"):  # buttons sit in a row: arrows move between them
            event.stop()
            if event.key == "left":
                self.focus_previous()
            else:
                self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(Confirm):
    """The common case: yes or no. `y` says yes; `n`, escape or the focused
    safe button say no. Dismisses with a bool."""

    def __init__(self, title: str | Content, question: str | Content, *, yes: str = "Delete",
                 no: str = "Keep") -> None:
        super().__init__(title, question, [Choice("yes", yes, "y", "error"), Choice("no", no, "n")], focus="no")

    def dismiss(self, result: str | None = None):  # type: ignore[override]
        return super().dismiss(result == "yes")  # type: ignore[arg-type]
