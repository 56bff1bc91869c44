"""Telling the rest of the app that something was written."""

from __future__ import annotations

from jtek_tui.ui.messages import DataChanged


def announce_change(widget, *, opportunity_id: int | None = None, broadcast: bool = True) -> None:
    """After a write: every screen that follows changes re-reads (`broadcast`), and so
    does every section, hidden ones included (the main screen only refreshes the
    visible one, and a board that still shows a deleted or missing deal misleads)."""
    from jtek_tui.ui.sections.base import Section  # sections import this module

    app = widget.app
    if broadcast:
        app.broadcast_change(opportunity_id=opportunity_id)
    main = app.main_screen
    if main is None:
        return
    current = main.current
    for section in main.query(Section):
        if section is not current and section is not widget:
            section.post_message(DataChanged(opportunity_id=opportunity_id))
