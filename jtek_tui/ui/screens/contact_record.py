"""A contact's record: Overview · Opportunities · Appointments · Activity.

A pushed screen (not a panel over the board) with its own header and footer;
escape pops it, so focus goes back to exactly where it was opened from (the
board's card, the contacts list's row). Every tab reads through the domain in a
few milliseconds, so `reload()` simply re-reads everything and each list keeps
its cursor on the same item; it runs when anything changes, here or in another
agent's process. Writes go through one domain call each, then the record
re-reads and tells the rest of the app (`announce_change`).

New deals are made with the board's own opportunity form (`NewOpportunity`,
contact fixed) and opened with the board's own detail panel (`OpenOpportunity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Label, Static

from jtek_tui.db import Database
from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.activities import TimelineEntry
from jtek_tui.domain.appointments import AppointmentRow
from jtek_tui.domain.contacts import ContactRow, ContactSummary
from jtek_tui.domain.errors import JtekError, NotFoundError
from jtek_tui.domain.formatting import DASH, initials, local, money, money_short
from jtek_tui.domain.opportunities import OppQuery, OppRow
from jtek_tui.ui.messages import DataChanged, NewOpportunity, OpenOpportunity
from jtek_tui.ui.sections.contacts import age, announce_change
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.chrome import AppHeader
from jtek_tui.ui.widgets.row_list import Cells, RowList

TABS = (("overview", "Overview"), ("opportunities", "Opportunities"), ("appointments", "Appointments"),
        ("activity", "Activity"))
WIDE = 110


# -- pieces ---------------------------------------------------------------------------------

class TabRow(Static):
    """`Overview │ Opportunities 3 │ Appointments 2 │ Activity 24` — click or ←/→ to switch."""

    class Selected(Message):
        def __init__(self, tab: str) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.labels: list[tuple[str, str]] = [(tab, title) for tab, title in TABS]
        self.active = TABS[0][0]
        self._spans: list[tuple[int, int, str]] = []

    def show(self, labels: list[tuple[str, str]] | None = None, active: str | None = None) -> None:
        if labels is not None:
            self.labels = labels
        if active is not None:
            self.active = active
        parts: list = []
        self._spans = []
        x = 0
        for i, (tab, label) in enumerate(self.labels):
            if i:
                parts.append((" │ ", "dim"))
                x += 3
            text = f" {label} "
            parts.append((text, "bold reverse") if tab == self.active else (text, ""))
            self._spans.append((x, x + len(text), tab))
            x += len(text)
        parts.append(("   ←/→ switch", "dim"))
        self.update(Content.assemble(*parts))

    def on_click(self, event: events.Click) -> None:
        for start, end, tab in self._spans:
            if start <= event.x < end:
                self.post_message(self.Selected(tab))
                return


class OverviewScroll(VerticalScroll, inherit_bindings=False):
    """The Overview tab's focus stop: scrolls up and down; ←/→ stay free for switching tabs."""

    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]


class Pairs(Horizontal):
    """Labels and values in two aligned columns: two widgets, not two per line (the
    record opens faster); a value too long for the line ends in an ellipsis."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="pairs-labels", markup=False)
        yield Static("", classes="pairs-values", markup=False)

    def show(self, pairs: list[tuple[str, str]]) -> None:
        self.query_one(".pairs-labels", Static).update(Content("\n".join(label for label, _ in pairs)))
        self.query_one(".pairs-values", Static).update(Content("\n".join(clean(value) for _, value in pairs)))


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


class AppointmentList(RecordList):
    BINDINGS = [
        Binding("a", "screen.add_appointment", "Add", tooltip="Book an appointment (warns about overlaps)"),
        Binding("enter,e", "screen.edit_appointment", "Edit", key_display="e",
                tooltip="Edit: title, start, duration or end, location, notes, deal"),
        Binding("space", "screen.appointment_done", "Done", tooltip="Mark a past appointment done (held) / undo"),
        Binding("c", "screen.cancel_appointment", "Cancel appt", tooltip="Cancel the appointment (asks)"),
    ]


class TimelineList(RecordList):
    BINDINGS = [
        Binding("space", "screen.tick_task", "Tick", tooltip="Tick a task done / not done"),
        Binding("e", "screen.edit_entry", "Edit", tooltip="Edit an entry you logged (kind, text, due, deal)"),
        Binding("x,delete", "screen.delete_entry", "Delete", key_display="x",
                tooltip="Delete an entry you logged (asks)"),
        Binding("enter", "screen.open_entry", "Open deal", tooltip="Open the deal the entry is about"),
    ]


# -- the screen -------------------------------------------------------------------------------

class ContactRecord(Screen[bool]):
    BINDINGS = [
        Binding("escape", "close", "Back", tooltip="Back to where you came from (the same card or row)"),
        Binding("right,right_square_bracket", "tab(1)", "Tabs", key_display="←→",
                tooltip="Next tab (also ]; click a tab)"),
        Binding("left,left_square_bracket", "tab(-1)", "Previous tab", show=False,
                tooltip="Previous tab (also [)"),
        Binding("e", "edit_contact", "Edit", tooltip="Edit name, email, phone, company, source"),
        Binding("t", "tags", "Tags", tooltip="Add or remove tags (suggests existing ones)"),
        Binding("l", "log", "Log", tooltip="Log a note, call, email, SMS, meeting or task"),
        Binding("n", "add_opportunity", "New deal", show=False,
                tooltip="New opportunity for this contact (any tab)"),
    ]

    def __init__(self, contact_id: int, *, tab: str = "overview") -> None:
        super().__init__(classes="contact-record")
        self.contact_id = contact_id
        self.tab = tab
        self.row: ContactRow | None = None
        self.changed = False
        self.deal_ids: set[int] | None = None
        self._awaiting_deal = False
        self._timeline_seen = False

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="record-title", markup=False)
        yield TabRow(id="record-tabs")
        with ContentSwitcher(initial="pane-overview", id="record-panes"):
            with OverviewScroll(id="pane-overview"):
                with Horizontal(id="overview-columns"):
                    with Vertical(id="overview-left"):
                        yield Label("Details", classes="record-section")
                        yield Pairs(id="overview-fields")
                    with Vertical(id="overview-right"):
                        yield Label("Summary", classes="record-section")
                        yield Pairs(id="overview-summary")
                yield Label("Open tasks", id="overview-tasks-title", classes="record-section")
                yield Static("", id="overview-tasks", classes="overview-lines", markup=False)
                yield Label("Recent activity", classes="record-section")
                yield Static("", id="overview-recent", classes="overview-lines", markup=False)
                yield Label(Content.styled("e edits the details · t tags · → every deal, appointment and the "
                                           "whole timeline", "dim"), classes="record-hint")
            with Vertical(id="pane-opportunities"):
                with Horizontal(classes="pane-bar"):
                    yield Button("+ Add Opportunity", id="add-opportunity", compact=True)
                    yield Static("", id="deals-stats", classes="pane-stats", markup=False)
                yield DealList(self._deal_cells, header=self._deal_header, empty="No deals yet: a adds one.",
                               id="deal-list", classes="jtek-list")
            with Vertical(id="pane-appointments"):
                with Horizontal(classes="pane-bar"):
                    yield Button("+ Book appointment", id="add-appointment", compact=True)
                    yield Static("", id="appointments-stats", classes="pane-stats", markup=False)
                yield AppointmentList(self._appointment_cells, empty="No appointments yet: a books one.",
                                      id="appointment-list", classes="jtek-list")
                yield Static("", id="appointment-preview", classes="preview", markup=False)
            with Vertical(id="pane-activity"):
                with Horizontal(classes="pane-bar"):
                    yield Button("+ Log activity", id="log-activity", compact=True)
                    yield Static("", id="activity-stats", classes="pane-stats", markup=False)
                yield TimelineList(self._timeline_cells, empty="Nothing logged yet: l logs a call, note or task.",
                                   id="timeline", classes="jtek-list")
                yield Static("", id="timeline-preview", classes="preview", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        db = self.db
        self.query_one(AppHeader).show(section="Contact", who=db.actor_login or "", readonly=db.readonly)
        self.reload()
        self.show_tab(self.tab)

    # -- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read everything the record shows (a few ms), keeping each list's cursor."""
        try:
            row = C.contact_row(self.db, self.contact_id)
            summary = C.contact_summary(self.db, self.contact_id)
            deals = O.list_opportunities(self.db, OppQuery(contact_id=self.contact_id, status=None,
                                                           order="created"))
            upcoming = AP.list_appointments(self.db, contact_id=self.contact_id, when="upcoming")
            past = AP.list_appointments(self.db, contact_id=self.contact_id, when="past")
            entries = A.timeline(self.db, self.contact_id)
        except NotFoundError:
            self.app.notify("That contact was deleted (perhaps by someone else).", severity="warning")
            self.dismiss(True)
            return
        except JtekError as error:
            self.notify(str(error), severity="error")
            return
        self.row = row
        self._show_title(row)
        self._show_overview(row, summary)
        self._show_recent(entries)
        self._show_deals(deals)
        self._show_appointments(upcoming, past)
        self._show_timeline(entries)
        self.query_one(TabRow).show([
            ("overview", "Overview"),
            ("opportunities", f"Opportunities {len(deals)}"),
            ("appointments", f"Appointments {len(upcoming) + len(past)}"),
            ("activity", f"Activity {len(entries)}"),
        ])

    def on_data_changed(self, event: DataChanged) -> None:
        self.reload()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.row is not None:
            self.reload()  # a panel opened from here may have changed things without saying

    def _show_title(self, row: ContactRow) -> None:
        self.query_one(AppHeader).show(summary=clean(row.name))
        bits = [C.format_phone(row.phone), clean(row.email), clean(row.company)]
        details = "  ·  ".join(b for b in bits if b)
        tags = "  ".join("#" + clean(t) for t in row.tags)
        self.query_one("#record-title", Static).update(Content.assemble(
            (clean(row.name), "bold"), ("   " + details if details else "", ""), ("   " + tags if tags else "",
                                                                                 "$accent")))

    def _show_overview(self, row: ContactRow, summary: ContactSummary) -> None:
        fields = [
            ("Name", clean(row.name)),
            ("Email", clean(row.email) or DASH),
            ("Phone", C.format_phone(row.phone) or DASH),
            ("Company", clean(row.company) or DASH),
            ("Source", clean(row.source) or DASH),
            ("Tags", "  ".join("#" + clean(t) for t in row.tags) or "none yet (t adds)"),
            ("Added", local(row.created_at, "%Y-%m-%d")),
        ]
        self._fill_grid("#overview-fields", fields)
        now = clock.now()
        next_appt = summary.next_appointment
        lines = [
            ("Open deals", f"{summary.open_deals} · {money(summary.open_value_cents)}" if summary.open_deals
             else "none"),
            ("Won", f"{summary.won_deals} · {money(summary.won_value_cents)}" if summary.won_deals else "none"),
            ("Lost", str(summary.lost_deals) if summary.lost_deals else "none"),
            ("Next appt", f"{next_appt.when()}  {clean(next_appt.title)}" if next_appt else "none booked"),
            ("Last activity", f"{local(summary.last_activity_at)} ({_ago(summary.last_activity_at, now)})"
             if summary.last_activity_at else "nothing yet"),
            ("Tasks", (f"{summary.open_tasks} open" + (f" · ⚠ {summary.overdue_tasks} overdue"
                                                       if summary.overdue_tasks else ""))
             if summary.open_tasks else "none open"),
        ]
        self._fill_grid("#overview-summary", lines)

    def _show_recent(self, entries: list[TimelineEntry]) -> None:
        """The Overview's glance at the timeline: open tasks (soonest due first) and the last few entries."""
        now = clock.now()
        tasks = sorted((e for e in entries if e.is_task and not e.is_done),
                       key=lambda e: (e.due_at is None, e.due_at or e.at))
        lines = []
        for task in tasks[:5]:
            due = f"  · due {local(task.due_at, '%a %b %d %H:%M')}" if task.due_at else ""
            lines.append(Content.assemble("☐ ", clean(task.text), (due, "dim"),
                                          ("  ⚠ overdue", "bold $text-warning") if task.is_overdue(now) else ""))
        if len(tasks) > 5:
            lines.append(Content.styled(f"… and {len(tasks) - 5} more in Activity", "dim"))
        self.query_one("#overview-tasks-title").display = bool(tasks)
        tasks_view = self.query_one("#overview-tasks", Static)
        tasks_view.display = bool(tasks)
        tasks_view.update(Content("\n").join(lines))
        recent = [Content.assemble((local(e.at, "%b %d %H:%M"), "dim"), "  ", (fit(e.label, 10), "bold"), " ",
                                   clean(e.text)) for e in reversed(entries[-6:])]
        self.query_one("#overview-recent", Static).update(
            Content("\n").join(recent) if recent else Content.styled("Nothing yet: l logs a call, a note or a task.",
                                                                     "dim"))

    def _fill_grid(self, selector: str, pairs: list[tuple[str, str]]) -> None:
        self.query_one(selector, Pairs).show(pairs)

    def _show_deals(self, deals: list[OppRow]) -> None:
        deal_list = self.query_one(DealList)
        ids = {d.id for d in deals}
        new = ids - self.deal_ids if self.deal_ids is not None else set()
        self.deal_ids = ids
        keep = None
        if new:
            keep = max(new)
            if self._awaiting_deal:  # the form opened from here saved: show the new deal
                self._awaiting_deal = False
                self.show_tab("opportunities")
            announce_change(self, broadcast=False)  # the board (even hidden) shows it at once
        deal_list.set_rows(deals, keep_id=keep)
        if keep is not None:
            deal_list.cursor = next(i for i, d in enumerate(deals) if d.id == keep)
        open_deals = [d for d in deals if d.status == "open"]
        value = sum(d.value_cents or 0 for d in open_deals)
        won = sum(1 for d in deals if d.status == "won")
        lost = sum(1 for d in deals if d.status == "lost")
        stats = f"{len(open_deals)} open · {money(value)}" if open_deals else "no open deals"
        if won or lost:
            stats += f"  ·  {won} won · {lost} lost"
        self.query_one("#deals-stats", Static).update(Content.styled(stats, "dim"))

    def _show_appointments(self, upcoming: list[AppointmentRow], past: list[AppointmentRow]) -> None:
        rows: list = []
        if upcoming or past:
            rows.append(Heading("h-upcoming", f"Upcoming · {len(upcoming)}" if upcoming else "Upcoming · none"))
            rows.extend(upcoming)
        if past:
            rows.append(Heading("h-past", f"Past · {len(past)}"))
            rows.extend(past)
        self.query_one(AppointmentList).set_rows(rows)
        unmarked = sum(1 for a in past if a.status == AP.SCHEDULED)
        stats = f"{len(upcoming)} upcoming · {len(past)} past"
        if unmarked:
            stats += f"  ·  {unmarked} not marked done"
        self.query_one("#appointments-stats", Static).update(Content.styled(stats, "dim"))
        self._preview_appointment()

    def _show_timeline(self, entries: list[TimelineEntry]) -> None:
        timeline = self.query_one(TimelineList)
        timeline.set_rows(entries)
        if not self._timeline_seen and entries:
            self._timeline_seen = True
            timeline.cursor = len(entries) - 1  # the newest, at the bottom
        now = clock.now()
        tasks = [e for e in entries if e.is_task and not e.is_done]
        overdue = sum(1 for e in tasks if e.is_overdue(now))
        stats = f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'}"
        if tasks:
            stats += f"  ·  {len(tasks)} open task{'s' if len(tasks) != 1 else ''}"
            stats += f" (⚠ {overdue} overdue)" if overdue else ""
        self.query_one("#activity-stats", Static).update(Content.styled(stats, "dim"))
        self._preview_entry()

    # -- rows ------------------------------------------------------------------------------------
    def _deal_layout(self, width: int) -> list[tuple[str, int, bool]]:
        """Pipeline and stage columns as wide as their longest name (capped); the deal name gets the rest."""
        wide = width >= WIDE
        fixed = [("value", 12 if wide else 8, True), ("close", 12, False)]
        if wide:
            fixed.insert(0, ("status", 6, False))
        room = max(24, width - 3 - sum(w for _, w, _ in fixed) - (2 + len(fixed)))
        deals = self.query_one(DealList).rows
        pipeline = min(max([8] + [cell_len(clean(d.pipeline)) for d in deals]), max(8, room // 5))
        stage = min(max([5] + [cell_len(clean(d.stage)) for d in deals]), max(8, room // 4))
        name = room - pipeline - stage
        return [("name", name, False), ("pipeline", pipeline, False), ("stage", stage, False), *fixed]

    def _deal_header(self, width: int) -> Cells:
        width = self.query_one(DealList).row_width
        titles = {"name": "Deal", "pipeline": "Pipeline", "stage": "Stage", "value": "Value", "close": "Close",
                  "status": "Status"}
        return [("   " + _join(self._deal_layout(width), titles), "")]

    def _deal_cells(self, deal: OppRow, width: int) -> Cells:
        width = self.query_one(DealList).row_width
        mark = {"open": "●", "won": "✓", "lost": "✗"}[deal.status]
        when = deal.expected_close.isoformat() if deal.expected_close else ""
        if deal.status != "open":
            when = local(deal.closed_at, "%Y-%m-%d") if deal.closed_at else when
        elif deal.is_overdue():
            when += " ⚠"
        values = {"name": clean(deal.name), "pipeline": clean(deal.pipeline), "stage": clean(deal.stage),
                  "value": money(deal.value_cents) if width >= WIDE else money_short(deal.value_cents),
                  "close": when, "status": deal.status}
        style = {"won": "rows--good", "lost": "rows--dim"}.get(deal.status, "")
        return [(f" {mark} ", style), (_join(self._deal_layout(width), values), style)]

    def _appointment_cells(self, item, width: int) -> Cells:
        width = self.query_one(AppointmentList).row_width
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

    def _timeline_cells(self, entry: TimelineEntry, width: int) -> Cells:
        width = self.query_one(TimelineList).row_width
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
            body = f"{fit(cut(text, flex - deal_w - 2), flex - deal_w - 2)}  {fit(clean(entry.opportunity or ''), deal_w)}"
        else:
            body = fit(cut(text, flex), flex)
        return [(f" {fit(when, 12)} ", "rows--dim"), (fit(label, 10) + " ", "rows--strong" if not style else style),
                (body, style), (f" {who:>3}", "rows--dim")]

    # -- previews ------------------------------------------------------------------------------------
    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        if isinstance(event.rows, AppointmentList):
            self._preview_appointment()
        elif isinstance(event.rows, TimelineList):
            self._preview_entry()

    def _preview_appointment(self) -> None:
        appt = self.query_one(AppointmentList).current_item
        preview = self.query_one("#appointment-preview", Static)
        if appt is None:
            preview.update("")
            preview.display = False
            return
        status = {"scheduled": "scheduled", "done": "held ✓", "cancelled": "cancelled ✗"}[appt.status]
        meta = [appt.when(), status]
        if appt.location:
            meta.append("at " + clean(appt.location))
        if appt.opportunity:
            meta.append("deal: " + clean(appt.opportunity))
        if appt.owner:
            meta.append("with " + clean(appt.owner))
        preview.update(Content.assemble((clean(appt.title), "bold"), "\n", (" · ".join(meta), "dim"),
                                        ("\n" + appt.notes.replace("\r", "")) if appt.notes else ""))
        preview.display = True

    def _preview_entry(self) -> None:
        entry = self.query_one(TimelineList).current_item
        preview = self.query_one("#timeline-preview", Static)
        if entry is None:
            preview.update("")
            preview.display = False
            return
        meta = [entry.label, local(entry.at, "%a %b %d %Y %H:%M")]
        if entry.author:
            meta.append("by " + clean(entry.author))
        if entry.opportunity:
            meta.append("deal: " + clean(entry.opportunity))
        if entry.is_task:
            if entry.due_at is not None:
                meta.append("due " + local(entry.due_at, "%a %b %d %H:%M")
                            + (" ⚠ overdue" if entry.is_overdue() else ""))
            meta.append("done " + local(entry.done_at, "%b %d %H:%M") if entry.is_done else "open (space ticks)")
        preview.update(Content.assemble((" · ".join(meta), "dim"), "\n", entry.text.replace("\r", "")))
        preview.display = True

    # -- tabs ------------------------------------------------------------------------------------------
    def show_tab(self, tab: str) -> None:
        self.tab = tab
        self.query_one("#record-panes", ContentSwitcher).current = f"pane-{tab}"
        self.query_one(TabRow).show(active=tab)
        target = self.query_one({"overview": "#pane-overview", "opportunities": "#deal-list",
                                 "appointments": "#appointment-list", "activity": "#timeline"}[tab])
        target.focus()
        if isinstance(target, RecordList):
            self.call_after_refresh(target.reveal)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Editing the contact's fields and tags belongs to the Overview tab (e means "edit
        this" on the other tabs)."""
        if action in ("edit_contact", "tags"):
            return self.tab == "overview"
        return True

    def action_tab(self, delta: int) -> None:
        ids = [t for t, _ in TABS]
        self.show_tab(ids[(ids.index(self.tab) + delta) % len(ids)])

    def on_tab_row_selected(self, event: TabRow.Selected) -> None:
        self.show_tab(event.tab)

    def action_close(self) -> None:
        self.dismiss(self.changed)

    # -- after a write -----------------------------------------------------------------------------------
    def _wrote(self, *, opportunity_id: int | None = None) -> None:
        self.changed = True
        self.reload()
        announce_change(self, opportunity_id=opportunity_id)

    # -- overview -------------------------------------------------------------------------------------------
    def action_edit_contact(self) -> None:
        from jtek_tui.ui.screens.contact_form import ContactForm

        def saved(contact_id: int | None) -> None:
            if contact_id is not None:
                self._wrote()

        self.app.push_screen(ContactForm(self.contact_id), saved)

    def action_tags(self) -> None:
        from jtek_tui.ui.screens.tag_dialog import TagDialog

        def done(changed: bool | None) -> None:
            if changed:
                self._wrote()

        self.app.push_screen(TagDialog(self.contact_id), done)

    # -- opportunities ------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#add-opportunity")
    def action_add_opportunity(self) -> None:
        self._awaiting_deal = True
        self.post_message(NewOpportunity(contact_id=self.contact_id, fixed_contact=True))

    def action_open_deal(self) -> None:
        deal = self.query_one(DealList).current_item
        if deal is not None:
            self.post_message(OpenOpportunity(deal.id))

    def action_edit_deal(self) -> None:
        deal = self.query_one(DealList).current_item
        if deal is None:
            return
        from jtek_tui.ui.screens.opportunity_form import OpportunityForm

        def saved(opp_id: int | None) -> None:
            if opp_id is not None:
                self._wrote(opportunity_id=opp_id)

        self.app.push_screen(OpportunityForm(opportunity_id=deal.id), saved)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        if isinstance(event.rows, DealList):
            self.action_open_deal()
        elif isinstance(event.rows, AppointmentList):
            self.action_edit_appointment()
        elif isinstance(event.rows, TimelineList):
            self.action_open_entry()

    # -- appointments ----------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#add-appointment")
    def action_add_appointment(self) -> None:
        from jtek_tui.ui.screens.appointment_form import AppointmentForm

        open_deals = [d for d in self.query_one(DealList).rows if d.status == "open"]
        opp_id = open_deals[0].id if len(open_deals) == 1 else None  # link the deal only when it's unambiguous
        self.app.push_screen(AppointmentForm(self.contact_id, opportunity_id=opp_id), self._appointment_saved)

    def _appointment_saved(self, appointment_id: int | None) -> None:
        if appointment_id is None:
            return
        self._wrote()
        appointments = self.query_one(AppointmentList)
        index = next((i for i, a in enumerate(appointments.rows) if getattr(a, "id", None) == appointment_id), None)
        if self.tab != "appointments":
            self.show_tab("appointments")
        if index is not None:
            appointments.cursor = index

    def action_edit_appointment(self) -> None:
        appt = self.query_one(AppointmentList).current_item
        if appt is None:
            return
        if appt.status == AP.CANCELLED:
            self.notify("A cancelled appointment can't be edited; a books a new one.", severity="warning")
            return
        from jtek_tui.ui.screens.appointment_form import AppointmentForm

        self.app.push_screen(AppointmentForm(self.contact_id, appointment_id=appt.id), self._appointment_saved)

    def action_appointment_done(self) -> None:
        appt = self.query_one(AppointmentList).current_item
        if appt is None:
            return
        try:
            if appt.status == AP.DONE:
                AP.mark_appointment_done(self.db, appt.id, done=False)
                self.notify(Content.assemble("No longer marked done: ", clean(appt.title)))
            else:
                AP.mark_appointment_done(self.db, appt.id)
                self.notify(Content.assemble("Marked done: ", clean(appt.title), (" · space undoes", "dim")))
        except JtekError as error:
            self.notify(str(error), severity="warning")
            return
        self._wrote()

    def action_cancel_appointment(self) -> None:
        appt = self.query_one(AppointmentList).current_item
        if appt is None:
            return
        if appt.status != AP.SCHEDULED:
            self.notify(f"That appointment is already {'held' if appt.status == AP.DONE else 'cancelled'}.",
                        severity="warning")
            return
        from jtek_tui.ui.screens.confirm import Choice, Confirm

        def answered(choice: str | None) -> None:
            if choice != "cancel":
                return
            try:
                AP.cancel_appointment(self.db, appt.id)
            except JtekError as error:
                self.notify(str(error), severity="warning")
                return
            self._wrote()

        self.app.push_screen(Confirm(
            Content.assemble("Cancel “", cut(clean(appt.title), 40), "”?"),
            Content.assemble(appt.when(), ". It stays listed as cancelled, and the timeline records it."),
            [Choice("cancel", "Cancel appointment", "c", "error"), Choice("keep", "Keep it", "k")],
            focus="keep"), answered)

    # -- activity ---------------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#log-activity")
    def action_log(self) -> None:
        from jtek_tui.ui.screens.activity_form import ActivityForm

        self.app.push_screen(ActivityForm(self.contact_id), self._entry_saved)

    def _entry_saved(self, activity_id: int | None) -> None:
        if activity_id is None:
            return
        self._wrote()
        timeline = self.query_one(TimelineList)
        index = next((i for i, e in enumerate(timeline.rows) if e.key == f"activity:{activity_id}"), None)
        if self.tab != "activity":
            self.show_tab("activity")
        if index is not None:
            timeline.cursor = index

    def _current_entry(self) -> TimelineEntry | None:
        return self.query_one(TimelineList).current_item

    def action_tick_task(self) -> None:
        entry = self._current_entry()
        if entry is None:
            return
        if not entry.is_task:
            self.notify("Only tasks can be ticked done.", severity="warning")
            return
        try:
            A.set_task_done(self.db, entry.source_id, not entry.is_done)
        except JtekError as error:
            self.notify(str(error), severity="warning")
            return
        self._wrote()

    def action_edit_entry(self) -> None:
        entry = self._current_entry()
        if entry is None:
            return
        if not entry.editable:
            self.notify("Entries Jtek wrote itself (deal moves, bookings, automations) can't be edited.",
                        severity="warning")
            return
        from jtek_tui.ui.screens.activity_form import ActivityForm

        self.app.push_screen(ActivityForm(self.contact_id, activity_id=entry.source_id), self._entry_saved)

    def action_delete_entry(self) -> None:
        entry = self._current_entry()
        if entry is None:
            return
        if not entry.editable:
            self.notify("Entries Jtek wrote itself (deal moves, bookings, automations) can't be deleted.",
                        severity="warning")
            return
        from jtek_tui.ui.screens.confirm import Choice, Confirm

        def answered(choice: str | None) -> None:
            if choice != "delete":
                return
            try:
                A.delete_activity(self.db, entry.source_id)
            except JtekError as error:
                self.notify(str(error), severity="warning")
                return
            self._wrote()

        self.app.push_screen(Confirm(
            f"Delete this {entry.label}?",
            Content.assemble("“", cut(clean(entry.text), 120), "”\n\nThis cannot be undone."),
            [Choice("delete", "Delete", "D", "error"), Choice("keep", "Keep", "k")], focus="keep"), answered)

    def action_open_entry(self) -> None:
        entry = self._current_entry()
        if entry is None:
            return
        if entry.opportunity_id is not None:
            self.post_message(OpenOpportunity(entry.opportunity_id))
        elif entry.appointment_id is not None:
            self.show_tab("appointments")
            appointments = self.query_one(AppointmentList)
            index = next((i for i, a in enumerate(appointments.rows)
                          if getattr(a, "id", None) == entry.appointment_id and not isinstance(a, Heading)), None)
            if index is not None:
                appointments.cursor = index
        elif entry.editable:
            self.action_edit_entry()


#: What `?` lists on the record (the app adds the section underneath and global keys).
ContactRecord.HELP_GROUPS = [
    ("Contact record", [ContactRecord]),
    ("Opportunities tab", [DealList]),
    ("Appointments tab", [AppointmentList]),
    ("Activity tab", [TimelineList]),
]


def _join(columns: list[tuple[str, int, bool]], values: dict[str, str]) -> str:
    out = []
    for key, width, right in columns:
        text = cut(values.get(key, ""), width)
        out.append(text.rjust(width) if right else fit(text, width))
    return " ".join(out)


def _ago(when: datetime, now: datetime) -> str:
    text = age(when, now)
    return "just now" if text == "now" else f"{text} ago"
