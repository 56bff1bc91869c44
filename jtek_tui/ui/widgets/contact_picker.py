"""Type-ahead for the opportunity form's Contact field.

Suggestions come from the domain's fuzzy contact search (name, email, phone
digits), already ranked, plus a "create new contact" choice when nothing fits.
Built on textual-autocomplete rather than a hand-made dropdown.
"""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual_autocomplete import AutoComplete, DropdownItem, TargetState

from jtek_tui.db import Database
from jtek_tui.domain.contacts import format_phone, search_contacts
from jtek_tui.ui.text import clean

NEW_ID = "new-contact"


class ContactPicker(AutoComplete):
    class Chosen(Message):
        """A suggestion was taken: an existing contact, or `contact_id=None` to create `name`."""

        def __init__(self, contact_id: int | None, name: str) -> None:
            super().__init__()
            self.contact_id = contact_id
            self.name = name

    def __init__(self, target: str, db: Database, **kwargs) -> None:
        super().__init__(target, candidates=self._candidates, **kwargs)
        self.db = db
        self._names: dict[str, str] = {}

    def _candidates(self, state: TargetState) -> list[DropdownItem]:
        text = state.text.strip()
        if not text:
            return []
        items = []
        self._names = {}
        for contact in search_contacts(self.db, text, limit=7):
            details = " · ".join(x for x in (contact.email, format_phone(contact.phone)) if x)
            main = Content.assemble(clean(contact.name), ("  " + clean(details), "dim") if details else "")
            items.append(DropdownItem(main, id=f"c{contact.id}"))
            self._names[f"c{contact.id}"] = contact.name
        items.append(DropdownItem(Content.assemble(("+ ", "bold"), "Create new contact “", clean(text), "”"),
                                  id=NEW_ID))
        return items

    def get_matches(self, target_state: TargetState, candidates: list[DropdownItem], search_string: str):
        return candidates  # ranked by the domain search; don't re-filter on the display text

    def should_show_dropdown(self, search_string: str) -> bool:
        return bool(search_string.strip()) and self.option_list.option_count > 0

    def apply_completion(self, value: str, state: TargetState) -> None:
        option = self.option_list.highlighted_option
        if option is None:
            return
        if option.id == NEW_ID:
            name = state.text.strip()
            self.post_message(self.Chosen(None, name))
            return
        name = self._names.get(option.id or "", value)
        self.target.value = name
        self.target.cursor_position = len(name)
        self.post_message(self.Chosen(int((option.id or "c0")[1:]), name))
