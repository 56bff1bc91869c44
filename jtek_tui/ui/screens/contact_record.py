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

from datetime import datetime

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
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
from jtek_tui.domain.formatting import DASH, local, money
from jtek_tui.domain.opportunities import OppQuery, OppRow
from jtek_tui.ui.changes import announce_change
from jtek_tui.ui.messages import DataChanged, NewOpportunity, OpenOpportunity
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.chrome import AppHeader
from jtek_tui.ui.widgets.contact_list import age
from jtek_tui.ui.widgets.record_lists import (
    AppointmentList,
    DealList,
    Heading,
    RecordList,
    TimelineList,
)
from jtek_tui.ui.widgets.record_tabs import TABS, OverviewScroll, Pairs, TabRow
from jtek_tui.ui.widgets.row_list import RowList


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
        self._gone = False

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
                yield DealList(id="deal-list", classes="jtek-list")
            with Vertical(id="pane-appointments"):
                with Horizontal(classes="pane-bar"):
                    yield Button("+ Book appointment", id="add-appointment", compact=True)
                    yield Static("", id="appointments-stats", classes="pane-stats", markup=False)
                yield AppointmentList(id="appointment-list", classes="jtek-list")
                yield Static("", id="appointment-preview", classes="preview", markup=False)
            with Vertical(id="pane-activity"):
                with Horizontal(classes="pane-bar"):
                    yield Button("+ Log activity", id="log-activity", compact=True)
                    yield Static("", id="activity-stats", classes="pane-stats", markup=False)
                yield TimelineList(id="timeline", classes="jtek-list")
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
            self._gone = True
            if self.app.screen is self:  # else when the form or panel on top closes
                self.app.notify("That contact was deleted (perhaps by someone else).", severity="warning")
                self.dismiss(True)
            return
        except JtekError as error:
            self.notify(str(error), markup=False, severity="error")
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
        if self.row is not None or self._gone:
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
        self.query_one("#overview-fields", Pairs).show(fields)
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
        self.query_one("#overview-summary", Pairs).show(lines)

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
            meta.append("agent: " + clean(appt.owner))
        preview.update(Content.assemble((clean(appt.title), "bold"), "\n", (" · ".join(meta), "dim"),
                                        ("\n" + _lines(appt.notes)) if appt.notes else ""))
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
        preview.update(Content.assemble((" · ".join(meta), "dim"), "\n", _lines(entry.text)))
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
            self.notify(str(error), markup=False, severity="warning")
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
                self.notify(str(error), markup=False, severity="warning")
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
            self.notify(str(error), markup=False, severity="warning")
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
                self.notify(str(error), markup=False, severity="warning")
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


def _lines(text: str) -> str:
    """Several lines of user text: each cleaned of control characters (an escape
    sequence in a note must not reach the terminal), the line breaks kept."""
    return "\n".join(clean(line) for line in text.splitlines())


def _ago(when: datetime, now: datetime) -> str:
    text = age(when, now)
    return "just now" if text == "now" else f"{text} ago"
