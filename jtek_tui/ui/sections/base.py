"""What every top-level area beside the sidebar has in common."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical

from jtek_tui.db import Database
from jtek_tui.ui.messages import DataChanged


class Section(Vertical):
    """A top-level area (Opportunities, Contacts, Reports, Automations).

    The main screen shows one at a time. `reload()` is called when the database
    changed (another agent, another screen): re-read what is shown, keeping the
    user's focus and scroll. `summary()` is the header's one-liner.
    """

    SECTION_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def reload(self) -> None:
        """Re-read from the database. Sections override this."""

    def summary(self) -> str:
        return ""

    def help_groups(self) -> list[tuple[str, list[type]]]:
        """(title, classes whose BINDINGS to list) for the ? screen."""
        return [(self.TITLE, [type(self)])]

    def remember(self) -> None:
        """Save what should survive a restart (called when the app quits)."""

    def focus_default(self) -> None:
        """Give focus to the section's main widget when it is shown."""
        self.focus_next()

    def on_data_changed(self, event: DataChanged) -> None:
        self.reload()
