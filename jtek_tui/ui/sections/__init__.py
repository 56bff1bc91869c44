"""The top-level areas, in sidebar order (keys 1-4). Each entry builds its section."""

from __future__ import annotations

from collections.abc import Callable

from jtek_tui.ui.sections.automations import AutomationsSection
from jtek_tui.ui.sections.base import PlaceholderSection, Section
from jtek_tui.ui.sections.board import BoardSection
from jtek_tui.ui.sections.reports import ReportsSection


def _placeholder(section_id: str, title: str, note: str) -> Callable[[], Section]:
    return lambda: PlaceholderSection(section_id, title, note)


#: (id, sidebar title, factory)
SECTIONS: list[tuple[str, str, Callable[[], Section]]] = [
    ("opportunities", "Opportunities", BoardSection),
    ("contacts", "Contacts", _placeholder(
        "contacts", "Contacts", "The contacts list is not built yet. Use `jtek contact list` meanwhile.")),
    ("reports", "Reports", ReportsSection),
    ("automations", "Automations", AutomationsSection),
]
