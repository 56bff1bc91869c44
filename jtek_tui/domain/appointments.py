"""Appointments: showings, listing presentations, calls booked with a contact.

An appointment belongs to one contact, optionally to one of that contact's
deals, and to an owner — the team member who booked it (the acting member).

Overlaps are *warned about, never refused*: agents double-book on purpose
(a quick call during an open house), so `add_appointment` and
`update_appointment` save and hand back the clashes for the front end to show;
`find_overlaps` lets a form warn before saving.

What happened to an appointment is part of the contact's timeline. Booking is
read from `Appointment.created_at`; the table has no column for when it was
cancelled, held or moved, so those functions also write one `system` Activity
row — the event log entry, in the same transaction (see `activities.timeline`).

"Upcoming" and "past" split on the end time: an appointment in progress is
still upcoming, and it can be marked done as soon as it has started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain.activities import contact_deal
from jtek_tui.domain.errors import NotFoundError, RefusedError, ValidationError
from jtek_tui.domain.formatting import iso_utc, local
from jtek_tui.domain.parsing import MAX_DURATION
from jtek_tui.domain.unset import UNSET, Unset
from jtek_tui.models import Activity, Appointment, Contact, Opportunity, TeamMember

SCHEDULED, DONE, CANCELLED = "scheduled", "done", "cancelled"
STATUSES = (SCHEDULED, DONE, CANCELLED)
DEFAULT_DURATION = timedelta(hours=1)


@dataclass
class AppointmentRow:
    """One appointment with the names front ends show (detached, no lazy loading)."""

    id: int
    contact_id: int
    contact: str
    opportunity_id: int | None
    opportunity: str | None
    owner_id: int | None
    owner: str | None
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    notes: str
    status: str
    created_at: datetime

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def is_upcoming(self, now: datetime | None = None) -> bool:
        """Not over yet (in progress counts as upcoming)."""
        return self.ends_at > (now or clock.now())

    def can_mark_done(self, now: datetime | None = None) -> bool:
        return self.status == SCHEDULED and self.starts_at <= (now or clock.now())

    def when(self) -> str:
        """`Tue Mar 03 14:00–15:00` in local time (end date added when it differs)."""
        start, end = self.starts_at.astimezone(), self.ends_at.astimezone()
        tail = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %b %d %H:%M")
        return f"{start.strftime('%a %b %d %H:%M')}–{tail}"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "contact": self.contact,
            "contact_id": self.contact_id,
            "opportunity": self.opportunity,
            "opportunity_id": self.opportunity_id,
            "owner": self.owner,
            "title": self.title,
            "starts_at": iso_utc(self.starts_at),
            "ends_at": iso_utc(self.ends_at),
            "minutes": int(self.duration.total_seconds() // 60),
            "location": self.location,
            "notes": self.notes,
            "status": self.status,
            "created_at": iso_utc(self.created_at),
        }


@dataclass
class AppointmentResult:
    """What a save returns: the appointment and the owner's appointments it overlaps."""

    appointment: AppointmentRow
    clashes: list[AppointmentRow] = field(default_factory=list)


_Owner = aliased(TeamMember)


def _row_select() -> Select:
    return (
        select(
            Appointment.id, Appointment.contact_id, Contact.first_name, Contact.last_name,
            Appointment.opportunity_id, Opportunity.name, Appointment.owner_id, _Owner.name,
            Appointment.title, Appointment.starts_at, Appointment.ends_at, Appointment.location,
            Appointment.notes, Appointment.status, Appointment.created_at,
        )
        .join(Contact, Contact.id == Appointment.contact_id)
        .outerjoin(Opportunity, Opportunity.id == Appointment.opportunity_id)
        .outerjoin(_Owner, _Owner.id == Appointment.owner_id)
    )


def _rows(s: Session, q: Select) -> list[AppointmentRow]:
    out = []
    for r in s.execute(q):
        name = " ".join(p for p in (r[2], r[3]) if p)
        out.append(AppointmentRow(r[0], r[1], name, *r[4:]))
    return out


def _get(s: Session, appointment_id: int) -> Appointment:
    appt = s.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError(f"There is no appointment #{appointment_id}.")
    return appt


def find_appointment(session: Session, ref: str | int) -> Appointment:
    """By id (`12` or `#12`): appointments have no unique names."""
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise ValidationError(f"Give an appointment by its number, not {str(ref)!r}.", "appointment")
    return _get(session, int(text))


def get_appointment(db: Database, appointment_id: int) -> AppointmentRow:
    with db.read() as s:
        rows = _rows(s, _row_select().where(Appointment.id == appointment_id))
        if not rows:
            raise NotFoundError(f"There is no appointment #{appointment_id}.")
        return rows[0]


def list_appointments(
    db: Database,
    *,
    contact_id: int | None = None,
    owner_id: int | None = None,
    when: str | None = None,
    statuses: tuple[str, ...] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[AppointmentRow]:
    """Appointments of a contact and/or an owner.

    `when="upcoming"`: not over yet, soonest first; `when="past"`: over, most
    recent first; None: all, by start time. `statuses` narrows (default: all).
    """
    if when not in (None, "upcoming", "past"):
        raise ValidationError(f"{when!r} is not upcoming or past.", "when")
    at = now or clock.now()
    q = _row_select()
    if contact_id is not None:
        q = q.where(Appointment.contact_id == contact_id)
    if owner_id is not None:
        q = q.where(Appointment.owner_id == owner_id)
    if statuses:
        q = q.where(Appointment.status.in_(statuses))
    if when == "upcoming":
        q = q.where(Appointment.ends_at > at).order_by(Appointment.starts_at, Appointment.id)
    elif when == "past":
        q = q.where(Appointment.ends_at <= at).order_by(Appointment.starts_at.desc(), Appointment.id.desc())
    else:
        q = q.order_by(Appointment.starts_at, Appointment.id)
    if limit:
        q = q.limit(limit)
    with db.read() as s:
        return _rows(s, q)


def next_appointment(db: Database, contact_id: int, *, now: datetime | None = None) -> AppointmentRow | None:
    """The contact's next scheduled appointment that is not over yet."""
    rows = list_appointments(db, contact_id=contact_id, when="upcoming", statuses=(SCHEDULED,), limit=1, now=now)
    return rows[0] if rows else None


def _overlaps(
    s: Session, owner_id: int | None, starts_at: datetime, ends_at: datetime, exclude_id: int | None
) -> list[AppointmentRow]:
    if owner_id is None:
        return []
    q = _row_select().where(
        Appointment.owner_id == owner_id,
        Appointment.status == SCHEDULED,
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
        # No appointment lasts longer than MAX_DURATION: this bounds the (owner, start) index range.
        Appointment.starts_at > starts_at - MAX_DURATION,
    ).order_by(Appointment.starts_at, Appointment.id)
    if exclude_id is not None:
        q = q.where(Appointment.id != exclude_id)
    return _rows(s, q)


def find_overlaps(
    db: Database,
    starts_at: datetime,
    ends_at: datetime,
    *,
    owner_id: int | None | Unset = UNSET,
    exclude_id: int | None = None,
) -> list[AppointmentRow]:
    """The owner's (default: my) scheduled appointments that overlap [starts_at, ends_at).

    Touching ends (one ends at 14:00, the next starts at 14:00) is no overlap.
    """
    owner = db.actor_id if owner_id is UNSET else owner_id
    with db.read() as s:
        return _overlaps(s, owner, starts_at, ends_at, exclude_id)


# -- writing ----------------------------------------------------------------------

def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError("An appointment needs a title.", "title")
    if len(title) > 200:
        raise ValidationError("A title can be at most 200 characters.", "title")
    return title


def _clean_field(value: str | None, name: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{name.capitalize()} can be at most {limit:,} characters.", name)
    return value


def _end(starts_at: datetime, ends_at: datetime | None, duration: timedelta | None) -> datetime:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValidationError("Appointment times must carry a time zone.", "start")
    if ends_at is not None and duration is not None:
        raise ValidationError("Give a duration or an end time, not both.", "end")
    end = ends_at if ends_at is not None else starts_at + (duration or DEFAULT_DURATION)
    if end <= starts_at:
        raise ValidationError("An appointment must end after it starts.", "end")
    if end - starts_at > MAX_DURATION:
        raise ValidationError("An appointment can last at most 24 hours.", "end")
    return end


def _contact(s: Session, contact_id: int) -> Contact:
    contact = s.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"There is no contact #{contact_id}.")
    return contact


def _log(s: Session, appt: Appointment, text: str, at: datetime) -> None:
    """The system timeline entry for a change no column timestamps."""
    db: Database = s.info["db"]
    s.add(Activity(contact_id=appt.contact_id, opportunity_id=appt.opportunity_id, kind="system",
                   body=text, author_id=db.actor_id, created_at=at))


def _result(s: Session, appt: Appointment) -> AppointmentResult:
    s.flush()
    row = _rows(s, _row_select().where(Appointment.id == appt.id))[0]
    clashes = []
    if appt.status == SCHEDULED:
        clashes = _overlaps(s, appt.owner_id, appt.starts_at, appt.ends_at, appt.id)
    return AppointmentResult(row, clashes)


def add_appointment(
    db: Database,
    contact_id: int,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    duration: timedelta | None = None,
    location: str = "",
    notes: str = "",
    opportunity: int | str | None = None,
    at: datetime | None = None,
    owner_id: int | None = None,
) -> AppointmentResult:
    """Book an appointment for me (the acting member); one hour unless told.

    `owner_id` books it for another team member instead (an automation books
    it for the deal's assignee). Saved even when it overlaps the owner's other
    scheduled appointments: the result lists them so the front end can warn.
    """
    title = _clean_title(title)
    end = _end(starts_at, ends_at, duration)
    location = _clean_field(location, "location", 200)
    notes = _clean_field(notes, "notes", 20000)
    with db.write() as s:
        contact = _contact(s, contact_id)
        appt = Appointment(
            contact_id=contact.id, opportunity_id=contact_deal(s, contact.id, opportunity),
            owner_id=owner_id if owner_id is not None else db.actor_id, title=title, starts_at=starts_at, ends_at=end,
            location=location, notes=notes, status=SCHEDULED, created_at=at or clock.now(),
        )
        s.add(appt)
        return _result(s, appt)


def update_appointment(
    db: Database,
    appointment_id: int,
    *,
    title: str | Unset = UNSET,
    starts_at: datetime | Unset = UNSET,
    ends_at: datetime | Unset = UNSET,
    duration: timedelta | Unset = UNSET,
    location: str | Unset = UNSET,
    notes: str | Unset = UNSET,
    opportunity: int | str | None | Unset = UNSET,
    at: datetime | None = None,
) -> AppointmentResult:
    """Edit an appointment. A new start without a new end or duration keeps the length.

    Moving it to another time is written to the timeline.
    """
    with db.write() as s:
        appt = _get(s, appointment_id)
        if appt.status == CANCELLED:
            raise RefusedError(f"Appointment #{appt.id} was cancelled; book a new one instead.")
        old_start = appt.starts_at
        start = appt.starts_at if starts_at is UNSET else starts_at
        if ends_at is UNSET and duration is UNSET:
            end = _end(start, None, appt.ends_at - appt.starts_at)
        else:
            end = _end(start, None if ends_at is UNSET else ends_at, None if duration is UNSET else duration)
        if title is not UNSET:
            appt.title = _clean_title(title)
        if location is not UNSET:
            appt.location = _clean_field(location, "location", 200)
        if notes is not UNSET:
            appt.notes = _clean_field(notes, "notes", 20000)
        if opportunity is not UNSET:
            appt.opportunity_id = contact_deal(s, appt.contact_id, opportunity)
        appt.starts_at, appt.ends_at = start, end
        if start != old_start:
            _log(s, appt, f"Appointment moved: {appt.title} (from {local(old_start)} to {local(start)})",
                 at or clock.now())
        return _result(s, appt)


def cancel_appointment(db: Database, appointment_id: int, *, at: datetime | None = None) -> AppointmentRow:
    """Cancel a scheduled appointment (kept, marked cancelled, logged on the timeline)."""
    with db.write() as s:
        appt = _get(s, appointment_id)
        if appt.status == CANCELLED:
            raise RefusedError(f"Appointment #{appt.id} is already cancelled.")
        if appt.status == DONE:
            raise RefusedError(f"Appointment #{appt.id} was held (done); it can't be cancelled.")
        appt.status = CANCELLED
        _log(s, appt, f"Appointment cancelled: {appt.title} ({local(appt.starts_at)})", at or clock.now())
        return _result(s, appt).appointment


def mark_appointment_done(
    db: Database, appointment_id: int, *, done: bool = True, at: datetime | None = None
) -> AppointmentRow:
    """Mark an appointment that has started as held (or, `done=False`, undo that)."""
    with db.write() as s:
        appt = _get(s, appointment_id)
        now = at or clock.now()
        if not done:
            if appt.status != DONE:
                raise RefusedError(f"Appointment #{appt.id} is not marked done.")
            appt.status = SCHEDULED
            _log(s, appt, f"Appointment no longer marked done: {appt.title}", now)
            return _result(s, appt).appointment
        if appt.status == DONE:
            raise RefusedError(f"Appointment #{appt.id} is already marked done.")
        if appt.status == CANCELLED:
            raise RefusedError(f"Appointment #{appt.id} was cancelled; it can't be marked done.")
        if appt.starts_at > now:
            raise RefusedError(
                f"Appointment #{appt.id} starts {local(appt.starts_at)}; "
                "only past appointments can be marked done."
            )
        appt.status = DONE
        _log(s, appt, f"Appointment held: {appt.title}", now)
        return _result(s, appt).appointment
