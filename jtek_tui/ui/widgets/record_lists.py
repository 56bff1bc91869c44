"""The contact record's lists: deals, appointments, the timeline.

Each is a `RowList` (only visible lines drawn, strips cached) that lays out its
own rows and declares its keys; the keys run the record screen's actions
(`screen.*`), which own the writing. Appointments are grouped under headings
("Upcoming", "Past") that the cursor steps over.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.binding import Binding
from textual.geometry import Region

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import clock
from jtek_tui.domain.activities import TimelineEntry
from jtek_tui.domain.appointments import AppointmentRow
from jtek_tui.domain.formatting import initials, local, money, money_short
from jtek_tui.domain.opportunities import OppRow
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.row_list import Cells, RowList

#: From this many cells wide, lists show more columns (and full amounts).
WIDE = 110


@dataclass(frozen=True)
class Heading:
    """A group title inside a list ("Upcoming · 2"); the cursor skips it."""

    id: str
    text: str


_NOTHING = object()


class RecordList(RowList):
    """A record tab's list: RowList with group headings the cursor steps over."""

    @staticmethod
    def key_of(row) -> object:
        """Timeline entries are told apart by `key` (ids repeat across sources), the rest by `id`."""
        return getattr(row, "key", None) or getattr(row, "id", None)

    def set_rows(self, rows: list, *, keep_id=None) -> None:  # type: ignore[override]
        current = self.current_row
        wanted = keep_id if keep_id is not None else (self.key_of(current) if current is not None else None)
        index = next((i for i, r in enumerate(rows) if self.key_of(r) == wanted), None)
        super().set_rows(rows, keep_id=_NOTHING)  # RowList matches by `id`; the cursor is placed here
        if index is not None:
            self.cursor = index
        self._settle(1)

    def _settle(self, direction: int) -> None:
        """Move off a heading, in `direction` first, then the other way."""
        rows = self.rows
        if not rows or not isinstance(rows[self.cursor], Heading):
            return
        for step in (direction, -direction):
            i = self.cursor
            while 0 <= i < len(rows) and isinstance(rows[i], Heading):
                i += step
            if 0 <= i < len(rows):
                self.cursor = i
                return

    def action_cursor_by(self, delta: int) -> None:
        if not self.rows:
            return
        target = max(0, min(len(self.rows) - 1, self.cursor + delta))
        step = 1 if delta > 0 else -1
        while 0 <= target < len(self.rows) and isinstance(self.rows[target], Heading):
            target += step
        if 0 <= target < len(self.rows):
            self.cursor = target

    def action_cursor_to(self, index: int) -> None:
        if self.rows:
            self.cursor = index % len(self.rows)
            self._settle(1 if index >= 0 else -1)

    @property
    def row_width(self) -> int:
        """The width rows are laid out for: without the scrollbar when there is one."""
        return self.scrollable_content_region.width or self.size.width

    def reveal(self) -> None:
        """Scroll the cursor into view (after the list was hidden in another tab)."""
        if self.rows:
            self.scroll_to_region(Region(0, self.cursor + self.top, 1, 1), animate=False, force=True,
                                  immediate=True)

    @property
    def current_item(self):
        row = self.current_row
        return None if isinstance(row, Heading) else row


class DealList(RecordList):
    BINDINGS = [
        Binding("enter", "screen.open_deal", "Open", tooltip="Open the deal: fields, stage, history"),
        Binding("a,plus", "screen.add_opportunity", "Add", key_display="a",
                tooltip="+ Add Opportunity: the board's form, contact fixed"),
        Binding("e", "screen.edit_deal", "Edit deal", tooltip="Edit the deal (the board's form)"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(self.row_cells, header=self.header_cells, empty="No deals yet: a adds one.", **kwargs)

    def layout(self, width: int) -> list[tuple[str, int, bool]]:
        """Pipeline and stage columns as wide as their longest name (capped); the deal name gets the rest."""
        wide = width >= WIDE
        fixed = [("value", 12 if wide else 8, True), ("close", 12, False)]
        if wide:
            fixed.insert(0, ("status", 6, False))
        room = max(24, width - 3 - sum(w for _, w, _ in fixed) - (2 + len(fixed)))
        deals = self.rows
        pipeline = min(max([8] + [cell_len(clean(d.pipeline)) for d in deals]), max(8, room // 5))
        stage = min(max([5] + [cell_len(clean(d.stage)) for d in deals]), max(8, room // 3))
        name = room - pipeline - stage
        return [("name", name, False), ("pipeline", pipeline, False), ("stage", stage, False), *fixed]

    def header_cells(self, width: int) -> Cells:
        width = self.row_width
        titles = {"name": "Deal", "pipeline": "Pipeline", "stage": "Stage", "value": "Value", "close": "Close",
                  "status": "Status"}
        return [("   " + _join(self.layout(width), titles), "")]

    def row_cells(self, deal: OppRow, width: int) -> Cells:
        width = self.row_width
        mark = {"open": "●", "won": "✓", "lost": "✗"}[deal.status]
        when = deal.expected_close.isoformat() if deal.expected_close else ""
        if deal.status != "open":
            when = local(deal.closed_at, "%Y-%m-%d") if deal.closed_at else when
        elif deal.is_overdue():
            when += " ⚠"
        values = {"name": _without_contact(deal.name, deal.contact), "pipeline": clean(deal.pipeline),
                  "stage": clean(deal.stage),
                  "value": money(deal.value_cents) if width >= WIDE else money_short(deal.value_cents),
                  "close": when, "status": deal.status}
        style = {"won": "rows--good", "lost": "rows--dim"}.get(deal.status, "")
        return [(f" {mark} ", style), (_join(self.layout(width), values), style)]


class AppointmentList(RecordList):
    BINDINGS = [
        Binding("a", "screen.add_appointment", "Add", tooltip="Book an appointment (warns about overlaps)"),
        Binding("enter,e", "screen.edit_appointment", "Edit", key_display="e",
                tooltip="Edit: title, start, duration or end, location, notes, deal"),
        Binding("space", "screen.appointment_done", "Done", tooltip="Mark a past appointment done (held) / undo"),
        Binding("c", "screen.cancel_appointment", "Cancel appt", tooltip="Cancel the appointment (asks)"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(self.row_cells, empty="No appointments yet: a books one.", **kwargs)

    def row_cells(self, item, width: int) -> Cells:
        width = self.row_width
        if isinstance(item, Heading):
            return [(" " + item.text, "rows--header")]
        appt: AppointmentRow = item
        now = clock.now()
        mark = {"done": "✓", "cancelled": "✗"}.get(appt.status, "○")
        when = appt.when()
        flex = max(10, width - 5 - 22 - 2)
        title = clean(appt.title)
        if appt.status == AP.CANCELLED:
            title += " (cancelled)"
        elif appt.status == AP.SCHEDULED and appt.starts_at <= now < appt.ends_at:
            title += " (now)"
        elif appt.status == AP.SCHEDULED and appt.ends_at <= now:
            title += " (held? space marks done)"
        where = clean(appt.location)
        deal = clean(appt.opportunity or "")
        if width >= WIDE:
            title_w, rest_w = flex * 45 // 100, flex - flex * 45 // 100 - 2
            place_w = rest_w // 2
            text = (f"{fit(title, title_w)}  {fit(where, place_w)} {cut(deal, rest_w - place_w - 1)}")
        else:
            title_w = flex * 60 // 100
            text = f"{fit(title, title_w)}  {cut(where, flex - title_w - 2)}"
        style = "rows--dim" if appt.status == AP.CANCELLED else ""
        return [(f"   {mark} ", style), (fit(when, 22), style), ("  " + text, style)]


class TimelineList(RecordList):
    BINDINGS = [
        Binding("space", "screen.tick_task", "Tick", tooltip="Tick a task done / not done"),
        Binding("e", "screen.edit_entry", "Edit", tooltip="Edit an entry you logged (kind, text, due, deal)"),
        Binding("x,delete", "screen.delete_entry", "Delete", key_display="x",
                tooltip="Delete an entry you logged (asks)"),
        Binding("enter", "screen.open_entry", "Open deal", tooltip="Open the deal the entry is about"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(self.row_cells, empty="Nothing logged yet: l logs a call, a note or a task.", **kwargs)

    def row_cells(self, entry: TimelineEntry, width: int) -> Cells:
        width = self.row_width
        now = clock.now()
        at = entry.at.astimezone()
        when = at.strftime("%b %d %H:%M") if at.year == now.astimezone().year else at.strftime("%b %d %Y")
        label = entry.label
        text = clean(entry.text)
        style = ""
        if entry.is_task:
            if entry.is_done:
                text = "✓ " + text
                style = "rows--dim"
            else:
                text = "☐ " + text
                if entry.due_at is not None:
                    due = entry.due_at.astimezone()
                    overdue = entry.is_overdue(now)
                    text += f"  · due {due:%b %d %H:%M}" + ("  ⚠ overdue" if overdue else "")
                    style = "rows--bad" if overdue else ""
        elif entry.kind == "won":
            style = "rows--good"
        elif entry.source != "activity" or entry.kind == A.SYSTEM:
            style = "rows--dim"
        who = initials(entry.author) if entry.author else ""
        flex = max(10, width - 1 - 12 - 1 - 10 - 1 - 4)
        if width >= WIDE:
            deal_w = min(30, flex // 4)
            deal = _without_contact(entry.opportunity, entry.contact)
            body = f"{fit(cut(text, flex - deal_w - 2), flex - deal_w - 2)}  {fit(deal, deal_w)}"
        else:
            body = fit(cut(text, flex), flex)
        return [(f" {fit(when, 12)} ", "rows--dim"), (fit(label, 10) + " ", "rows--strong" if not style else style),
                (body, style), (f" {who:>3}", "rows--dim")]


def _without_contact(name: str | None, contact: str) -> str:
    """`Maria Johnson — Lake house` is just `Lake house` on Maria's own record (the
    opportunity form suggests names that start with the contact's)."""
    name, prefix = clean(name), f"{clean(contact)} — "
    return name[len(prefix):] if name.startswith(prefix) and len(name) > len(prefix) else name


def _join(columns: list[tuple[str, int, bool]], values: dict[str, str]) -> str:
    out = []
    for key, width, right in columns:
        text = cut(values.get(key, ""), width)
        out.append(text.rjust(width) if right else fit(text, width))
    return " ".join(out)
