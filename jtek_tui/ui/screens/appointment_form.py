"""Book or edit an appointment with a contact (a slide-in panel like the other forms).

Times are typed the way agents say them (`tomorrow 2pm`, `+2d 10:00`); each
field echoes what it understood. While the times are valid the form checks
the agent's own calendar and warns about overlaps *before* saving — overlaps
are allowed (a quick call during an open house), so the warning never blocks.
Dismisses with the appointment id, or None when cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Select, TextArea

from jtek_tui.domain import appointments as AP
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import JtekError, ValidationError
from jtek_tui.domain.formatting import duration as human_duration
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.parsing import parse_datetime, parse_duration
from jtek_tui.domain.unset import UNSET
from jtek_tui.ui.screens.form_panel import (
    FormPanel,
    field_row,
    panel_buttons,
    show_banner,
    show_message,
)
from jtek_tui.ui.text import clean, cut

FIELDS = ("title", "start", "duration", "end", "location", "opportunity", "notes")


def overlap_text(clashes: list[AP.AppointmentRow], *, saved: bool = False) -> str:
    """`⚠ Overlaps your “Showing” with Bob Stone (Thu Mar 12 14:00–15:00)` (+ how many more)."""
    if not clashes:
        return ""
    first = clashes[0]
    more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
    tail = "; saved anyway." if saved else "; you can still save."
    return (f"⚠ Overlaps your “{cut(clean(first.title), 30)}” with {cut(clean(first.contact), 30)} "
            f"({first.when()}){more}{tail}")


def deal_option(deal: O.OppRow) -> Content:
    """A deal in a form's Deal list: Content, because a Select parses plain strings as markup."""
    return Content.assemble(cut(clean(deal.name), 50), ("" if deal.status == "open" else f" ({deal.status})", "dim"))


def plain_minutes(delta: timedelta) -> str:
    """A length as the duration field reads it back: `1h`, `1h30m`, `45m`."""
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")


class AppointmentForm(FormPanel):
    FIELDS = FIELDS

    def __init__(self, contact_id: int, *, appointment_id: int | None = None,
                 opportunity_id: int | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.appointment_id = appointment_id
        self.opportunity_id = opportunity_id
        self.clashes: list[AP.AppointmentRow] = []

    def compose(self) -> ComposeResult:
        editing = self.appointment_id is not None
        with Vertical(classes="panel"):
            yield Label("Edit appointment" if editing else "New appointment", classes="panel-title")
            yield Label("", id="form-banner", classes="form-banner")
            yield Label("", id="overlap", classes="overlap-warning")
            with VerticalScroll(classes="form"):
                yield field_row("Title", "title",
                                Input(placeholder="Showing at 12 Elm St, Listing presentation…", id="title",
                                      compact=True))
                yield field_row("Starts", "start",
                                Input(placeholder="tomorrow 2pm, 2027-01-31 14:00, +2d 10:00", id="start",
                                      compact=True))
                yield field_row("Duration", "duration",
                                Input(placeholder="1h (default), 30m, 1h30m, 90", id="duration", compact=True))
                yield field_row("or ends", "end",
                                Input(placeholder="an end time instead: 15:30", id="end", compact=True))
                yield field_row("Location", "location", Input(placeholder="optional", id="location", compact=True))
                yield field_row("Deal", "opportunity",
                                Select[int]([], id="opportunity", prompt="No deal", compact=True))
                yield field_row("Notes", "notes",
                                TextArea(id="notes", compact=True, soft_wrap=True, show_line_numbers=False))
            yield panel_buttons()

    def on_mount(self) -> None:
        show_banner(self, "")
        self.query_one("#overlap").display = False
        for field in FIELDS:
            show_message(self, field, "")
        contact = C.get_contact(self.db, self.contact_id)
        self.query_one(".panel-title", Label).update(Content.assemble(
            "Edit appointment" if self.appointment_id else "New appointment", " with ",
            (cut(clean(contact.name), 40), "bold")))
        deals = O.list_opportunities(self.db, OppQuery(contact_id=self.contact_id, status=None, order="created"))
        deal_select = self.query_one("#opportunity", Select)
        deal_select.set_options([(deal_option(d), d.id) for d in deals])
        if self.appointment_id is not None:
            row = AP.get_appointment(self.db, self.appointment_id)
            self.query_one("#title", Input).value = row.title
            self.query_one("#start", Input).value = row.starts_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.query_one("#duration", Input).value = plain_minutes(row.duration)
            self.query_one("#location", Input).value = row.location
            self.query_one("#notes", TextArea).text = row.notes
            if row.opportunity_id is not None:
                deal_select.value = row.opportunity_id
        elif self.opportunity_id is not None and any(d.id == self.opportunity_id for d in deals):
            deal_select.value = self.opportunity_id
        self.query_one("#title", Input).focus()

    # -- understanding the times ------------------------------------------------------
    def _times(self) -> tuple[datetime | None, datetime | None, timedelta | None, dict[str, str]]:
        """(start, end, duration) as typed, and an error per field that can't be read."""
        errors: dict[str, str] = {}
        start = end = length = None
        try:
            start = parse_datetime(self.query_one("#start", Input).value, required=True, field="start")
        except ValidationError as error:
            errors["start"] = str(error)
        try:
            length = parse_duration(self.query_one("#duration", Input).value)
        except ValidationError as error:
            errors["duration"] = str(error)
        end_text = self.query_one("#end", Input).value
        if end_text.strip():
            try:
                end = parse_datetime(end_text, field="end", base=start)
            except ValidationError as error:
                errors["end"] = str(error)
        if end is not None and length is not None:
            errors["end"] = "Give a duration or an end time, not both."
        return start, end, length, errors

    @on(Input.Changed, "#start, #duration, #end")
    def _times_typed(self, event: Input.Changed) -> None:
        start, end, length, errors = self._times()
        typed = {f: self.query_one(f"#{f}", Input).value.strip() for f in ("start", "duration", "end")}
        for field in ("start", "duration", "end"):
            if field in errors and typed[field]:
                show_message(self, field, errors[field], "error")
            else:
                show_message(self, field, "")
        if start is not None and "start" not in errors:
            show_message(self, "start", f"= {start.astimezone():%a %b %d %Y, %H:%M}")
        finish = None
        if start is not None and not errors:
            finish = end or start + (length or AP.DEFAULT_DURATION)
            if finish <= start:
                show_message(self, "end" if end else "duration", "An appointment must end after it starts.", "error")
                finish = None
            else:
                where = "end" if end else "duration"
                show_message(self, where, f"= until {finish.astimezone():%H:%M} ({human_duration(finish - start)})")
        self._check_overlaps(start, finish)

    def _check_overlaps(self, start: datetime | None, finish: datetime | None) -> None:
        warning = self.query_one("#overlap", Label)
        self.clashes = []
        if start is not None and finish is not None:
            try:
                self.clashes = AP.find_overlaps(self.db, start, finish, exclude_id=self.appointment_id)
            except JtekError:
                self.clashes = []
        warning.update(Content(overlap_text(self.clashes)))
        warning.display = bool(self.clashes)

    # -- saving ------------------------------------------------------------------------
    def action_save(self) -> None:
        show_banner(self, "")
        start, end, length, errors = self._times()
        title = self.query_one("#title", Input).value
        if not title.strip():
            errors["title"] = "An appointment needs a title."
        if errors:
            self.show_errors(errors)
            return
        deal = self.query_one("#opportunity", Select).value
        values = {
            "title": title,
            "location": self.query_one("#location", Input).value,
            "notes": self.query_one("#notes", TextArea).text,
            "opportunity": deal if isinstance(deal, int) else None,
        }
        try:
            if self.appointment_id is None:
                result = AP.add_appointment(self.db, self.contact_id, starts_at=start, ends_at=end,  # type: ignore[arg-type]
                                            duration=length, **values)
            else:
                result = AP.update_appointment(
                    self.db, self.appointment_id, starts_at=start,  # type: ignore[arg-type]
                    ends_at=end if end is not None else UNSET,
                    duration=length if length is not None else (UNSET if end is not None else AP.DEFAULT_DURATION),
                    **values)
        except ValidationError as error:
            self.show_errors({error.field if error.field in FIELDS else "title": str(error)})
            return
        except JtekError as error:
            show_banner(self, str(error))
            return
        if result.clashes:
            self.app.notify(overlap_text(result.clashes, saved=True), markup=False, severity="warning", timeout=8)
        self.dismiss(result.appointment.id)

