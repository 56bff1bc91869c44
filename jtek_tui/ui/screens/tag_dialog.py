"""`t` on a contact record: add and remove tags in one small dialog.

One list holds the contact's tags (✓, enter removes) and existing tags that
match what is typed (+, enter adds), so suggestions and removal are the same
gesture. Every change is saved at once (one domain call); escape closes.
Dismisses with True when something changed.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from jtek_tui.db import Database
from jtek_tui.domain import contacts as C
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.text import clean, cut


class TagDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "close", "Done"),
        Binding("down", "to_list", show=False),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__(classes="picker")
        self.contact_id = contact_id
        self.changed = False
        self.tags: list[str] = []
        self.actions: list[tuple[str, str]] = []  # option index -> ("add" | "remove", tag)

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tag-dialog"):
            yield Label("", id="tag-title", classes="dialog-title")
            yield Input(placeholder="type a tag: enter adds it", id="tag-input")
            yield Label("", id="tag-error", classes="field-error")
            yield OptionList(id="tag-options")
            yield Label(Content.styled("↓ to the list · enter adds (+) or removes (✓) · esc done", "dim"))

    def on_mount(self) -> None:
        self.query_one("#tag-error").display = False
        self.refresh_options()
        self.query_one(Input).focus()

    def refresh_options(self) -> None:
        row = C.contact_row(self.db, self.contact_id)
        self.tags = row.tags
        self.query_one("#tag-title", Label).update(
            Content.assemble("Tags · ", (cut(clean(row.name), 40), "bold")))
        text = self.query_one(Input).value.strip().lstrip("#").lower()
        mine = [t for t in self.tags if text in t.lower()]
        others = C.tag_suggestions(self.db, text, contact_id=self.contact_id, limit=8)
        self.actions = [("remove", t) for t in mine] + [("add", t) for t in others]
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([
            Option(Content.assemble(("✓ " if action == "remove" else "+ ", "bold"), clean(tag),
                                    ("   enter removes" if action == "remove" else "", "dim")), id=str(i))
            for i, (action, tag) in enumerate(self.actions)
        ])
        options.display = bool(self.actions)
        if highlighted is not None and self.actions:
            options.highlighted = min(highlighted, len(self.actions) - 1)

    def _error(self, text: str) -> None:
        error = self.query_one("#tag-error", Label)
        error.update(Content(text))
        error.display = bool(text)

    @on(Input.Changed, "#tag-input")
    def _typed(self, event: Input.Changed) -> None:
        self._error("")
        self.refresh_options()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        tag = event.value.strip().lstrip("#").strip()
        if not tag:
            return
        if tag.lower() in (t.lower() for t in self.tags):
            self._error(f"Already tagged “{tag}”.")
            return
        if self._apply("add", tag):
            event.input.value = ""

    @on(OptionList.OptionSelected, "#tag-options")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        action, tag = self.actions[int(event.option.id or 0)]
        if self._apply(action, tag) and action == "add":  # ready for the next tag
            field = self.query_one(Input)
            field.value = ""
            field.focus()

    def _apply(self, action: str, tag: str) -> bool:
        try:
            if action == "add":
                C.retag_contact(self.db, self.contact_id, add=[tag])
            else:
                C.retag_contact(self.db, self.contact_id, remove=[tag])
        except JtekError as error:
            self._error(str(error))
            return False
        self.changed = True
        self._error("")
        self.refresh_options()
        return True

    def action_to_list(self) -> None:
        options = self.query_one(OptionList)
        if options.display and self.query_one(Input).has_focus:
            options.focus()
            options.highlighted = 0

    def action_close(self) -> None:
        self.dismiss(self.changed)
