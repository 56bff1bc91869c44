"""What every slide-in form shares: the field row layout, the line under a
field, the banner, saving with ctrl+s, cancelling with escape, and showing a
set of errors next to their fields with the first one focused."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from jtek_tui.db import Database


def field_row(label: str, field: str, widget) -> Vertical:
    """A form line: label and field side by side, the field's hint or error below."""
    return Vertical(
        Horizontal(Label(label, classes="form-label"), widget, classes="form-line"),
        Label("", id=f"msg-{field}", classes="field-msg"),
        classes="form-row", id=f"row-{field}",
    )


def show_message(screen, field: str, text: str | Content, kind: str = "hint") -> None:
    """The line under a form field (`field_row`): a hint, a warning or an error."""
    label = screen.query_one(f"#msg-{field}", Label)
    content = text if isinstance(text, Content) else Content(text)
    if kind == "error" and text:
        content = Content.assemble("✗ ", content)  # errors read as errors without colour too
    label.update(content)
    label.set_class(kind == "error" and bool(text), "-error")
    label.set_class(kind == "warning" and bool(text), "-warning")
    label.display = bool(text)


def show_banner(screen, text: str) -> None:
    banner = screen.query_one("#form-banner", Label)
    banner.update(Content(text))
    banner.display = bool(text)


def panel_buttons() -> Horizontal:
    """Save and Cancel, with the keys that do the same."""
    return Horizontal(
        Button("Save", id="save", variant="primary", compact=True),
        Button("Cancel", id="cancel", compact=True),
        Label(Content.styled("ctrl+s save · esc cancel", "dim"), classes="panel-hint"),
        classes="panel-buttons",
    )


class FormPanel(ModalScreen[int | None]):
    """A form sliding in from the right; dismisses with the saved id or None.

    Subclasses list their fields in `FIELDS` (form order, also the ids of their
    widgets) and implement `action_save`.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__(classes="slide-panel")

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def action_save(self) -> None:  # pragma: no cover - every form defines it
        raise NotImplementedError

    def clear_messages(self) -> None:
        """No banner, nothing under any field: a fresh form."""
        show_banner(self, "")
        for field in self.FIELDS:
            if self.query(f"#msg-{field}"):
                show_message(self, field, "")

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each error under its field, a count in the banner, the first field focused."""
        for field, message in errors.items():
            show_message(self, field, message, "error")
        count = len(errors)
        show_banner(self, f"Not saved: {count} field{'s need' if count > 1 else ' needs'} attention.")
        first = min(errors, key=lambda f: self.FIELDS.index(f) if f in self.FIELDS else len(self.FIELDS))
        for widget in self.query(f"#{first}"):
            widget.focus()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
