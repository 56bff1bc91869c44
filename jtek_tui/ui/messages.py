"""Messages that cross widget boundaries. Widgets post these instead of reaching
into each other; the app (or the main screen) routes them."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenOpportunity(Message):
    """Show a deal's detail panel."""

    opportunity_id: int


@dataclass
class OpenContact(Message):
    """Show a contact's record."""

    contact_id: int


@dataclass
class NewOpportunity(Message):
    """Open the opportunity form; a fixed contact can't be changed in it."""

    contact_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    fixed_contact: bool = False


@dataclass
class DataChanged(Message):
    """The database changed (here or in another agent's process): reload what you show."""

    opportunity_id: int | None = None
    external: bool = False


@dataclass
class SummaryChanged(Message):
    """A section's one-line summary for the app header (e.g. open deals and value)."""

    section_id: str
    text: str
