"""The conversation history of a contact: what agents log by hand, and one timeline.

Logged by hand: notes, calls, emails, SMS, meetings, and tasks (with an optional
due time, ticked done and undone). These are `Activity` rows.

The timeline merges, in time order, everything that happened with a person:

| entry                               | read from                                   |
|-------------------------------------|---------------------------------------------|
| note/call/email/sms/meeting/task    | `Activity` (kinds as logged)                |
| deal created, moved, won, lost, reopened | `StageChange` rows of the contact's deals |
| appointment booked                  | `Appointment.created_at`                    |
| appointment cancelled, held, moved  | `Activity` rows of kind `system`            |
| automation actions                  | `AutomationRun` rows of the contact's deals |

System entries are *derived at read time* from the rows that already record
each event with its time and author, so no fact is stored twice and the
timeline can never disagree with the deal history. The one exception is an
appointment's status changing: no column records when (or by whom) it was
cancelled, held or moved, so `appointments` writes a `system` Activity row for
it — an event log row, the way StageChange is for a deal. System rows cannot be
edited or deleted by hand. Automation runs that were `skipped` (their
conditions did not hold) are left out: nothing happened.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain.errors import InputError, NotFoundError, RefusedError, ValidationError
from jtek_tui.domain.formatting import iso_utc, money
from jtek_tui.domain.opportunities import find_opportunity
from jtek_tui.domain.unset import UNSET, Unset
from jtek_tui.models import (
    Activity,
    Appointment,
    Automation,
    AutomationRun,
    Contact,
    Opportunity,
    Stage,
    StageChange,
    TeamMember,
)

#: What an agent can log by hand (`system` is written by Jtek only).
KINDS = ("note", "call", "email", "sms", "meeting", "task")
SYSTEM = "system"
#: Timeline kinds derived from other tables.
DERIVED_KINDS = ("deal_created", "stage_changed", "won", "lost", "reopened", "appointment", "automation")
MAX_BODY = 20000
#: A task due "tomorrow" (a date without a time) is due at the end of the working day:
#: front ends pass this as `parse_datetime(..., default_time=TASK_DUE_TIME)`.
TASK_DUE_TIME = time(17, 0)
#: Short names for the timeline's kind column (the hand-logged kinds are their own label).
KIND_LABELS = {
    "system": "update", "deal_created": "new deal", "stage_changed": "stage", "won": "won", "lost": "lost",
    "reopened": "reopened", "appointment": "booked", "automation": "automation",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a contact's history, whatever table it came from.

    `source` and `source_id` say where it lives ("activity", "stage_change",
    "appointment", "automation"); `key` is unique across sources (for list
    widgets). Only `source == "activity"` entries of a hand-logged kind are
    editable; only tasks have `due_at`/`done_at`.
    """

    key: str
    source: str
    source_id: int
    kind: str
    at: datetime
    author: str | None
    text: str
    contact_id: int
    contact: str
    opportunity_id: int | None = None
    opportunity: str | None = None
    appointment_id: int | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def activity_id(self) -> int | None:
        return self.source_id if self.source == "activity" else None

    @property
    def editable(self) -> bool:
        return self.source == "activity" and self.kind in KINDS

    @property
    def is_task(self) -> bool:
        return self.source == "activity" and self.kind == "task"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        """An open task whose due time has passed."""
        if not self.is_task or self.done_at is not None or self.due_at is None:
            return False
        return self.due_at < (now or clock.now())

    def to_json(self) -> dict:
        data = {
            "id": self.activity_id,
            "key": self.key,
            "kind": self.kind,
            "at": iso_utc(self.at),
            "author": self.author,
            "text": self.text,
            "contact": self.contact,
            "contact_id": self.contact_id,
            "opportunity": self.opportunity,
            "opportunity_id": self.opportunity_id,
            "appointment_id": self.appointment_id,
        }
        if self.is_task:
            data["due_at"] = iso_utc(self.due_at)
            data["done_at"] = iso_utc(self.done_at)
            data["overdue"] = self.is_overdue()
        return data


# -- reading ------------------------------------------------------------------------

def _full_name(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


_Author = aliased(TeamMember)


def _activity_select():
    return (
        select(Activity, _Author.name, Opportunity.name, Contact.first_name, Contact.last_name)
        .join(Contact, Contact.id == Activity.contact_id)
        .outerjoin(_Author, _Author.id == Activity.author_id)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
    )


def _activity_entry(a: Activity, author: str | None, opp_name: str | None, first: str, last: str) -> TimelineEntry:
    return TimelineEntry(
        key=f"activity:{a.id}", source="activity", source_id=a.id, kind=a.kind, at=a.created_at,
        author=author, text=a.body, contact_id=a.contact_id, contact=_full_name(first, last),
        opportunity_id=a.opportunity_id, opportunity=opp_name,
        due_at=a.due_at if a.kind == "task" else None, done_at=a.done_at if a.kind == "task" else None,
    )


def _stage_entries(s: Session, who: Contact, opportunity_id: int | None) -> list[TimelineEntry]:
    From, To = aliased(Stage), aliased(Stage)
    q = (
        select(StageChange.id, StageChange.changed_at, Opportunity.id, Opportunity.name, Opportunity.value_cents,
               From.name, From.kind, To.name, To.kind, TeamMember.name, StageChange.reason)
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .outerjoin(From, From.id == StageChange.from_stage_id)
        .join(To, To.id == StageChange.to_stage_id)
        .outerjoin(TeamMember, TeamMember.id == StageChange.changed_by_id)
        .where(Opportunity.contact_id == who.id)
    )
    if opportunity_id is not None:
        q = q.where(Opportunity.id == opportunity_id)
    out = []
    for sid, at, oid, name, value, from_name, from_kind, to_name, to_kind, by, reason in s.execute(q):
        if from_name is None:
            kind, text = "deal_created", f"Deal created: {name} (in {to_name})"
        elif to_kind == "won":
            kind, text = "won", f"Deal won: {name}" + (f" ({money(value)})" if value is not None else "")
        elif to_kind == "lost":
            kind, text = "lost", f"Deal lost: {name}" + (f" — {reason}" if reason else "")
        elif from_kind in ("won", "lost"):
            kind, text = "reopened", f"Deal reopened: {name} (in {to_name})"
        else:
            kind, text = "stage_changed", f"{name}: {from_name} → {to_name}"
        out.append(TimelineEntry(key=f"stage_change:{sid}", source="stage_change", source_id=sid, kind=kind,
                                 at=at, author=by, text=text, contact_id=who.id, contact=who.name,
                                 opportunity_id=oid, opportunity=name))
    return out


def _appointment_entries(s: Session, who: Contact, opportunity_id: int | None) -> list[TimelineEntry]:
    q = (
        select(Appointment.id, Appointment.created_at, Appointment.title, Appointment.starts_at,
               Appointment.opportunity_id, Opportunity.name, TeamMember.name)
        .outerjoin(Opportunity, Opportunity.id == Appointment.opportunity_id)
        .outerjoin(TeamMember, TeamMember.id == Appointment.owner_id)
        .where(Appointment.contact_id == who.id)
    )
    if opportunity_id is not None:
        q = q.where(Appointment.opportunity_id == opportunity_id)
    out = []
    for aid, created, title, starts, oid, opp_name, owner in s.execute(q):
        when = starts.astimezone().strftime("%a %b %d %H:%M")
        out.append(TimelineEntry(key=f"appointment:{aid}", source="appointment", source_id=aid, kind="appointment",
                                 at=created, author=owner, text=f"Appointment booked: {title} ({when})",
                                 contact_id=who.id, contact=who.name, opportunity_id=oid, opportunity=opp_name,
                                 appointment_id=aid))
    return out


def _automation_entries(s: Session, who: Contact, opportunity_id: int | None) -> list[TimelineEntry]:
    q = (
        select(AutomationRun.id, AutomationRun.started_at, AutomationRun.outcome, AutomationRun.detail,
               Automation.name, Opportunity.id, Opportunity.name)
        .join(Automation, Automation.id == AutomationRun.automation_id)
        .join(Opportunity, Opportunity.id == AutomationRun.opportunity_id)
        .where(Opportunity.contact_id == who.id, AutomationRun.outcome != "skipped")
    )
    if opportunity_id is not None:
        q = q.where(Opportunity.id == opportunity_id)
    out = []
    for rid, at, outcome, detail, auto_name, oid, opp_name in s.execute(q):
        text = f"Automation {auto_name}" + (f": {detail}" if detail else "")
        if outcome != "ok":
            text += f" ({outcome})"
        out.append(TimelineEntry(key=f"automation:{rid}", source="automation", source_id=rid, kind="automation",
                                 at=at, author=None, text=text, contact_id=who.id, contact=who.name,
                                 opportunity_id=oid, opportunity=opp_name))
    return out


_SOURCE_ORDER = {"stage_change": 0, "appointment": 1, "automation": 2, "activity": 3}


def timeline(
    db: Database,
    contact_id: int,
    *,
    kinds: Collection[str] | None = None,
    opportunity_id: int | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Everything that happened with a contact, oldest first (or newest first).

    `kinds` keeps only those entry kinds (see KINDS, SYSTEM, DERIVED_KINDS);
    `opportunity_id` keeps entries linked to that deal; `limit` keeps the most
    recent `limit` entries (still in the requested order). Ties keep cause
    before effect: a deal's move comes before the automation it triggered.
    """
    with db.read() as s:
        who = s.get(Contact, contact_id)
        if who is None:
            raise NotFoundError(f"There is no contact #{contact_id}.")
        q = _activity_select().where(Activity.contact_id == contact_id)
        if opportunity_id is not None:
            q = q.where(Activity.opportunity_id == opportunity_id)
        entries = [_activity_entry(*r) for r in s.execute(q)]
        entries += _stage_entries(s, who, opportunity_id)
        entries += _appointment_entries(s, who, opportunity_id)
        entries += _automation_entries(s, who, opportunity_id)
    if kinds is not None:
        wanted = set(kinds)
        entries = [e for e in entries if e.kind in wanted]
    entries.sort(key=lambda e: (e.at, _SOURCE_ORDER[e.source], e.source_id))
    if limit is not None:
        entries = entries[-limit:] if limit > 0 else []
    if newest_first:
        entries.reverse()
    return entries


def _get(s: Session, activity_id: int) -> Activity:
    activity = s.get(Activity, activity_id)
    if activity is None:
        raise NotFoundError(f"There is no activity #{activity_id}.")
    return activity


def _entry(s: Session, activity_id: int) -> TimelineEntry:
    s.flush()
    row = s.execute(_activity_select().where(Activity.id == activity_id)).one()
    return _activity_entry(*row)


def get_activity(db: Database, activity_id: int) -> TimelineEntry:
    with db.read() as s:
        _get(s, activity_id)
        return _entry(s, activity_id)


def find_activity(session: Session, ref: str | int) -> Activity:
    """By id (`12` or `#12`)."""
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise ValidationError(f"Give an activity by its number, not {str(ref)!r}.", "activity")
    return _get(session, int(text))


def list_tasks(
    db: Database,
    *,
    contact_id: int | None = None,
    author_id: int | None = None,
    open_only: bool = True,
    limit: int | None = None,
) -> list[TimelineEntry]:
    """Tasks, soonest due first (no due date last); open ones only unless asked."""
    q = _activity_select().where(Activity.kind == "task")
    if contact_id is not None:
        q = q.where(Activity.contact_id == contact_id)
    if author_id is not None:
        q = q.where(Activity.author_id == author_id)
    if open_only:
        q = q.where(Activity.done_at.is_(None))
    q = q.order_by(Activity.due_at.is_(None), Activity.due_at, Activity.created_at, Activity.id)
    if limit:
        q = q.limit(limit)
    with db.read() as s:
        return [_activity_entry(*r) for r in s.execute(q)]


# -- writing ------------------------------------------------------------------------

def _clean_kind(kind: str | None) -> str:
    k = (kind or "").strip().lower()
    if k not in KINDS:
        raise ValidationError(f"{kind!r} is not a kind of activity; use one of: {', '.join(KINDS)}.", "kind")
    return k


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise ValidationError("Write what happened.", "body")
    if len(text) > MAX_BODY:
        raise ValidationError(f"An entry can be at most {MAX_BODY:,} characters.", "body")
    return text


def _check_due(kind: str, due_at: datetime | None) -> datetime | None:
    if due_at is None:
        return None
    if kind != "task":
        raise ValidationError("Only tasks have a due date.", "due")
    if due_at.tzinfo is None:
        raise ValidationError("A due time must carry a time zone.", "due")
    return due_at


def contact_deal(s: Session, contact_id: int, ref: int | str | None) -> int | None:
    """The id of a deal given by id or name that must belong to this contact; None for none.

    Activities and appointments link only the contact's own deals (form field
    "opportunity").
    """
    if ref is None or ref == "":
        return None
    try:
        opp = s.get(Opportunity, ref) if isinstance(ref, int) else find_opportunity(s, ref)
    except InputError as error:
        raise ValidationError(str(error), "opportunity") from None
    if opp is None:
        raise ValidationError(f"There is no opportunity #{ref}.", "opportunity")
    if opp.contact_id != contact_id:
        contact = s.get(Contact, contact_id)
        who = contact.name if contact else "this contact"
        raise ValidationError(f"{opp.name!r} is a deal of someone else, not of {who}.", "opportunity")
    return opp.id


def log_activity(
    db: Database,
    contact_id: int,
    kind: str,
    body: str,
    *,
    opportunity: int | str | None = None,
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Log a note, call, email, SMS, meeting or task (by me) on a contact.

    `opportunity` links one of the contact's deals; `due_at` is for tasks; `at`
    back-dates the entry ("I called her yesterday at 3").
    """
    k = _clean_kind(kind)
    text = _clean_body(body)
    due = _check_due(k, due_at)
    with db.write() as s:
        if s.get(Contact, contact_id) is None:
            raise NotFoundError(f"There is no contact #{contact_id}.")
        activity = Activity(
            contact_id=contact_id, opportunity_id=contact_deal(s, contact_id, opportunity), kind=k, body=text,
            due_at=due, author_id=db.actor_id, created_at=at or clock.now(),
        )
        s.add(activity)
        s.flush()
        return _entry(s, activity.id)


def _editable(s: Session, activity_id: int) -> Activity:
    activity = _get(s, activity_id)
    if activity.kind not in KINDS:
        raise RefusedError("Entries Jtek wrote itself can't be edited or deleted.")
    return activity


def update_activity(
    db: Database,
    activity_id: int,
    *,
    kind: str | Unset = UNSET,
    body: str | Unset = UNSET,
    due_at: datetime | None | Unset = UNSET,
    opportunity: int | str | None | Unset = UNSET,
) -> TimelineEntry:
    """Correct a hand-logged entry. Turning a task into another kind drops its due and done times."""
    with db.write() as s:
        activity = _editable(s, activity_id)
        new_kind = activity.kind if kind is UNSET else _clean_kind(kind)
        if body is not UNSET:
            activity.body = _clean_body(body)
        if new_kind != "task":
            if due_at not in (UNSET, None):
                raise ValidationError("Only tasks have a due date.", "due")
            activity.due_at = activity.done_at = None
        elif due_at is not UNSET:
            activity.due_at = _check_due(new_kind, due_at)
        activity.kind = new_kind
        if opportunity is not UNSET:
            activity.opportunity_id = contact_deal(s, activity.contact_id, opportunity)
        return _entry(s, activity.id)


def set_task_done(
    db: Database, activity_id: int, done: bool = True, *, at: datetime | None = None
) -> TimelineEntry:
    """Tick a task done (or untick it). Ticking a done task again changes nothing."""
    with db.write() as s:
        activity = _get(s, activity_id)
        if activity.kind != "task":
            raise RefusedError(f"Activity #{activity.id} is a {activity.kind}, not a task.")
        if done and activity.done_at is None:
            activity.done_at = at or clock.now()
        elif not done:
            activity.done_at = None
        return _entry(s, activity.id)


def delete_activity(db: Database, activity_id: int) -> None:
    """Delete a hand-logged entry (system entries stay)."""
    with db.write() as s:
        s.delete(_editable(s, activity_id))
