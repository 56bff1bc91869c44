"""The Contacts screen's list: one line per contact, drawn only when visible.

All seven columns fit at 80 columns: narrow widths merge open deals and open
value into one cell (`2 · $1.2m`) and show last activity as an age (`3d`,
`5mo`); wide ones give each its own column and the date too. Column titles are
clickable (sorting); letters are left to the section for type-to-search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message

from jtek_tui.domain import contacts as C
from jtek_tui.domain.contacts import ContactRow
from jtek_tui.domain.formatting import money, money_short
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.row_list import RowList

WIDE = 110


@dataclass(frozen=True)
class Column:
    key: str  # the sort column (contacts.SORT_COLUMNS)
    title: str
    width: int
    right: bool = False


@lru_cache(maxsize=16)
def layout(width: int) -> tuple[Column, ...]:
    """Columns for a list `width` cells wide: all seven, squeezed at 80 columns.

    Narrow screens merge open deals and open value into one "Open" cell
    (`2 · $1.2m`) and show last activity as an age (`3d`, `5mo`); wide ones
    give each its own column and the date too.
    """
    if width >= WIDE:
        fixed = [Column("phone", "Phone", 16), Column("open_deals", "Deals", 5, True),
                 Column("open_value", "Open value", 12, True), Column("last_activity", "Last activity", 19)]
        gap = 2
    else:
        fixed = [Column("phone", "Phone", 14), Column("open_value", "Open", 10, True),
                 Column("last_activity", "Last", 5, True)]
        gap = 1
    columns = 3 + len(fixed)
    room = max(24, width - 1 - sum(c.width for c in fixed) - gap * (columns - 1))
    name = max(8, min(32, room * 35 // 100))
    email = max(8, min(40, room * 40 // 100))
    tags = max(4, room - name - email)
    return (Column("name", "Name", name), Column("email", "Email", email), fixed[0],
            Column("tags", "Tags", tags), *fixed[1:])


def column_gap(width: int) -> int:
    return 2 if width >= WIDE else 1


def age(when: datetime | None, now: datetime) -> str:
    """How long ago, in at most 5 cells: `now`, `3h`, `2d`, `3w`, `5mo`, `2y`."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    if seconds < 3600:
        return "now"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    days = int(seconds // 86400)
    if days < 14:
        return f"{days}d"
    if days < 60:
        return f"{days // 7}w"
    if days < 730:
        return f"{days // 30}mo"
    return f"{days // 365}y"


def row_text(row: ContactRow, width: int, now: datetime) -> str:
    gap = " " * column_gap(width)
    parts = []
    for column in layout(width):
        key = column.key
        if key == "name":
            text = clean(row.name)
        elif key == "email":
            text = clean(row.email)
        elif key == "phone":
            text = C.format_phone(row.phone)
        elif key == "tags":
            text = ", ".join(clean(t) for t in row.tags)
        elif key == "open_deals":
            text = str(row.open_deals) if row.open_deals else ""
        elif key == "open_value":
            if width >= WIDE:
                text = money(row.open_value_cents) if row.open_deals else ""
            else:
                text = f"{row.open_deals} · {money_short(row.open_value_cents)}" if row.open_deals else ""
        else:
            ago = age(row.last_activity_at, now)
            if width >= WIDE and row.last_activity_at is not None:
                text = f"{ago:>4}  {row.last_activity_at.astimezone():%b %d %Y}"
            else:
                text = ago
        text = cut(text, column.width)
        parts.append(fit(text, column.width) if not column.right else text.rjust(column.width))
    return " " + gap.join(parts)


def header_text(width: int, sorted_by: str | None, descending: bool) -> str:
    """The column titles, the sorted one marked ▲ (ascending) or ▼."""
    parts = []
    for column in layout(width):
        title = column.title
        if column.key == sorted_by:
            title += " ▼" if descending else " ▲"
        title = cut(title, column.width)
        parts.append(title.rjust(column.width) if column.right else fit(title, column.width))
    return " " + (" " * column_gap(width)).join(parts)


class ContactList(RowList[ContactRow], inherit_bindings=False):
    """The contacts as one-line rows; click a column title to sort by it.

    Only arrows, page keys and home/end move the cursor here: letters are for
    typing a search (see ContactsSection.on_key).
    """

    BINDINGS = [
        Binding("up", "cursor_by(-1)", "Previous", show=False),
        Binding("down", "cursor_by(1)", "Next", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    @property
    def row_width(self) -> int:
        """The width rows are laid out for: without the scrollbar when there is one."""
        return self.scrollable_content_region.width or self.size.width

    def watch_cursor(self, old: int, new: int) -> None:
        """Repaint just the two rows that changed when both are on screen (a 60-line
        list repaints 2 lines, not 60); otherwise scroll and repaint all."""
        top = int(self.scroll_offset.y)
        visible = range(top, top + self.size.height - self.top)
        if self.rows and old in visible and new in visible:
            for index in (old, new):
                self.refresh(Region(0, index - top + self.top, self.size.width, 1))
            self.post_message(self.Highlighted(self, self.current_row))
            return
        super().watch_cursor(old, new)

    class HeaderClicked(Message):
        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def on_click(self, event: events.Click) -> None:
        if self.header and event.y == 0:
            event.stop()
            width = self.row_width
            x = 1
            for column in layout(width):
                if x <= event.x < x + column.width + column_gap(width):
                    self.post_message(self.HeaderClicked(column.key))
                    return
                x += column.width + column_gap(width)
            return
        super().on_click(event)
