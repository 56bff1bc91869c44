"""The top-level areas, in sidebar order (keys 1-4). Each entry builds its section."""

from __future__ import annotations

from collections.abc import Callable

from jtek_tui.ui.sections.base import PlaceholderSection, Section
from jtek_tui.ui.sections.board import BoardSection
from jtek_tui.ui.sections.contacts import ContactsSection


def _placeholder(section_id: str, title: str, note: str) -> Callable[[], Section]:
    return lambda: PlaceholderSection(section_id, title, note)


#: (id, sidebar title, factory)
SECTIONS: list[tuple[str, str, Callable[[], Section]]] = [
    ("opportunities", "Opportunities", BoardSection),
    ("contacts", "Contacts", ContactsSection),
    ("reports", "Reports", _placeholder(
        "reports", "Reports", "The reports dashboard is not built yet.")),
    ("automations", "Automations", _placeholder(
        "automations", "Automations", "The automations screen is not built yet.")),
]
