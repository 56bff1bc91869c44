"""Telling the rest of the app that something was written."""

from __future__ import annotations


def announce_change(widget, *, opportunity_id: int | None = None) -> None:
    """After a write: screens that follow changes re-read, and so does the main
    screen's visible section (hidden ones catch up when they are shown)."""
    widget.app.broadcast_change(opportunity_id=opportunity_id)
