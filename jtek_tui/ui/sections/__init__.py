"""The top-level areas, in sidebar order (keys 1-4). Each entry builds its section."""

from __future__ import annotations

from collections.abc import Callable

from jtek_tui.ui.sections.automations import AutomationsSection
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.sections.board import BoardSection
from jtek_tui.ui.sections.contacts import ContactsSection
from jtek_tui.ui.sections.reports import ReportsSection

#: (id, sidebar title, factory)
SECTIONS: list[tuple[str, str, Callable[[], Section]]] = [
    ("opportunities", "Opportunities", BoardSection),
    ("contacts", "Contacts", ContactsSection),
    ("reports", "Reports", ReportsSection),
    ("automations", "Automations", AutomationsSection),
]
