"""Opportunities (deals): create, edit, move through stages, close, reopen, list.

`move_opportunity` is the single door every stage change goes through — board
keys, drag and drop, the detail panel's dropdown, the CLI, automations — so the
StageChange row and the StageChanged event can never be skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from jtek_tui.db import Database
from jtek_tui.domain import clock, events
from jtek_tui.domain.contacts import _like_escape, create_contact, find_contact, tags_by_contact
from jtek_tui.domain.errors import (
    AmbiguousError,
    ConflictError,
    InputError,
    NotFoundError,
    ValidationError,
)
from jtek_tui.domain.formatting import initials, iso_utc, local
from jtek_tui.domain.members import find_member
from jtek_tui.domain.parsing import MAX_CENTS
from jtek_tui.domain.pipelines import (
    CLOSED_KINDS,
    LOST,
    OPEN,
    WON,
    closing_stage,
    find_pipeline,
    find_stage,
)
from jtek_tui.domain.unset import UNSET, Unset
from jtek_tui.models import (
    Contact,
    ContactTag,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
    Tag,
    TeamMember,
)

STATUSES = ("open", "won", "lost")


class OpportunityConflict(ConflictError):
    """The deal changed since the caller read it; carries who and when."""

    def __init__(self, message: str, opportunity_id: int, by: str | None, at: datetime | None):
        super().__init__(message)
        self.opportunity_id = opportunity_id
        self.by = by
        self.at = at


class AlreadyMoved(OpportunityConflict):
    """A stale move whose target the deal is already in (another agent moved it first).

    Nothing to reload by hand: the front end refreshes and says who did it.
    `stage` is the stage's name.
    """

    def __init__(self, message: str, opportunity_id: int, by: str | None, at: datetime | None, stage: str):
        super().__init__(message, opportunity_id, by, at)
        self.stage = stage


# -- reading ---------------------------------------------------------------------

@dataclass
class OppRow:
    """One deal with the names the front ends show (no lazy loading, no session)."""

    id: int
    name: str
    contact_id: int
    contact: str
    pipeline_id: int
    pipeline: str
    stage_id: int
    stage: str
    stage_kind: str
    stage_position: int
    rot_days: int | None
    probability: int
    status: str
    value_cents: int | None
    currency: str
    expected_close: date | None
    assignee_id: int | None
    assignee: str | None
    notes: str
    source: str | None
    lost_reason: str | None
    position: int
    created_at: datetime
    updated_at: datetime
    stage_entered_at: datetime
    closed_at: datetime | None
    version: int
    updated_by: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def assignee_initials(self) -> str:
        return initials(self.assignee)

    def is_overdue(self, today: date | None = None) -> bool:
        """Open with an expected close date before today (local)."""
        return (
            self.status == OPEN
            and self.expected_close is not None
            and self.expected_close < (today or clock.today())
        )

    def idle_days(self, now: datetime | None = None) -> float:
        return ((now or clock.now()) - self.stage_entered_at).total_seconds() / 86400

    def is_rotting(self, now: datetime | None = None) -> bool:
        """Open and idle in its stage longer than the stage's `rot_days`."""
        return self.status == OPEN and self.rot_days is not None and self.idle_days(now) > self.rot_days

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "contact": self.contact,
            "contact_id": self.contact_id,
            "pipeline": self.pipeline,
            "stage": self.stage,
            "status": self.status,
            "value_cents": self.value_cents,
            "currency": self.currency,
            "expected_close": self.expected_close.isoformat() if self.expected_close else None,
            "assignee": self.assignee,
            "notes": self.notes,
            "source": self.source,
            "lost_reason": self.lost_reason,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
            "updated_by": self.updated_by,
            "stage_entered_at": iso_utc(self.stage_entered_at),
            "closed_at": iso_utc(self.closed_at),
            "overdue": self.is_overdue(),
            "rotting": self.is_rotting(),
            "version": self.version,
        }


_Assignee = aliased(TeamMember)
_Editor = aliased(TeamMember)


def _row_select() -> Select:
    return (
        select(
            Opportunity.id, Opportunity.name, Opportunity.contact_id,
            func.trim(Contact.first_name + " " + Contact.last_name),
            Opportunity.pipeline_id, Pipeline.name, Opportunity.stage_id, Stage.name, Stage.kind,
            Stage.position, Stage.rot_days, Stage.probability, Opportunity.status,
            Opportunity.value_cents, Opportunity.currency, Opportunity.expected_close,
            Opportunity.assignee_id, _Assignee.name, Opportunity.notes, Opportunity.source,
            Opportunity.lost_reason, Opportunity.position, Opportunity.created_at,
            Opportunity.updated_at, Opportunity.stage_entered_at, Opportunity.closed_at,
            Opportunity.version, _Editor.name,
        )
        .join(Contact, Contact.id == Opportunity.contact_id)
        .join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(_Assignee, _Assignee.id == Opportunity.assignee_id)
        .outerjoin(_Editor, _Editor.id == Opportunity.updated_by_id)
    )


@dataclass
class OppQuery:
    """Filters for listing deals; every field narrows, None means "any"."""

    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str | None = OPEN  # open | won | lost | closed | None (all)
    assignee_ids: list[int] | None = None
    contact_id: int | None = None
    text: list[str] = field(default_factory=list)  # every word must match name, contact or notes
    tags: list[str] = field(default_factory=list)  # contact tags, all required
    close_from: date | None = None
    close_to: date | None = None
    overdue_before: date | None = None
    min_value_cents: int | None = None
    max_value_cents: int | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    entered_before: datetime | None = None  # in its stage since at least then (idle deals)
    order: str = "board"  # board | closed | close_date | created
    limit: int | None = None


def _apply(q: Select, f: OppQuery) -> Select:
    cond = []
    if f.pipeline_id is not None:
        cond.append(Opportunity.pipeline_id == f.pipeline_id)
    if f.status == "closed":
        cond.append(Opportunity.status.in_(CLOSED_KINDS))
    elif f.status:
        cond.append(Opportunity.status == f.status)
    if f.stage_id is not None:
        cond.append(Opportunity.stage_id == f.stage_id)
    if f.assignee_ids is not None:
        cond.append(Opportunity.assignee_id.in_(f.assignee_ids))
    if f.contact_id is not None:
        cond.append(Opportunity.contact_id == f.contact_id)
    for word in f.text:
        pattern = f"%{_like_escape(word.lower())}%"
        cond.append(or_(
            func.lower(Opportunity.name).like(pattern, escape="\\"),
            func.lower(Contact.first_name + " " + Contact.last_name).like(pattern, escape="\\"),
            func.lower(Opportunity.notes).like(pattern, escape="\\"),
        ))
    for tag in f.tags:
        cond.append(exists().where(
            ContactTag.contact_id == Opportunity.contact_id,
            ContactTag.tag_id == Tag.id,
            Tag.key == tag.lower(),
        ))
    if f.close_from is not None:
        cond.append(Opportunity.expected_close >= f.close_from)
    if f.close_to is not None:
        cond.append(Opportunity.expected_close <= f.close_to)
    if f.overdue_before is not None:
        cond.append(and_(Opportunity.status == OPEN, Opportunity.expected_close < f.overdue_before))
    if f.min_value_cents is not None:
        cond.append(Opportunity.value_cents >= f.min_value_cents)
    if f.max_value_cents is not None:
        cond.append(Opportunity.value_cents <= f.max_value_cents)
    if f.closed_from is not None:
        cond.append(Opportunity.closed_at >= f.closed_from)
    if f.closed_to is not None:
        cond.append(Opportunity.closed_at < f.closed_to)
    if f.entered_before is not None:
        cond.append(Opportunity.stage_entered_at <= f.entered_before)
    if cond:
        q = q.where(*cond)
    if f.order == "closed":
        q = q.order_by(Opportunity.closed_at.desc(), Opportunity.id.desc())
    elif f.order == "close_date":
        q = q.order_by(Opportunity.expected_close.is_(None), Opportunity.expected_close, Opportunity.id)
    elif f.order == "created":
        q = q.order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
    else:
        q = q.order_by(Stage.position, Opportunity.position, Opportunity.id)
    if f.limit:
        q = q.limit(f.limit)
    return q


def query_rows(session: Session, f: OppQuery) -> list[OppRow]:
    return [OppRow(*r) for r in session.execute(_apply(_row_select(), f))]


def list_opportunities(db: Database, query: OppQuery | None = None, **filters: object) -> list[OppRow]:
    """Deals matching `query` (or keyword filters), with contact/stage/assignee names."""
    f = query or OppQuery(**filters)  # type: ignore[arg-type]
    with db.read() as s:
        return query_rows(s, f)


def open_totals(db: Database, pipeline_id: int | None = None) -> tuple[int, int]:
    """(count, value in cents) of open deals: the header's pipeline value."""
    with db.read() as s:
        q = select(func.count(), func.coalesce(func.sum(Opportunity.value_cents), 0)).where(
            Opportunity.status == OPEN
        )
        if pipeline_id is not None:
            q = q.where(Opportunity.pipeline_id == pipeline_id)
        count, total = s.execute(q).one()
        return int(count), int(total)


def get_row(db: Database, opp_id: int) -> OppRow:
    with db.read() as s:
        row = s.execute(_row_select().where(Opportunity.id == opp_id)).first()
        if row is None:
            raise NotFoundError(f"There is no opportunity #{opp_id}.")
        out = OppRow(*row)
        out.tags = tags_by_contact(s, [out.contact_id]).get(out.contact_id, [])
        return out


def find_opportunity(session: Session, ref: str | int) -> Opportunity:
    """By id (`12`, `#12`) or name: exact (case-insensitive), else a unique substring."""
    text = str(ref).strip()
    if not text:
        raise ValidationError("Name an opportunity.", "opportunity")
    if text.lstrip("#").isdigit():
        opp = session.get(Opportunity, int(text.lstrip("#")))
        if opp:
            return opp
        if text.startswith("#"):
            raise NotFoundError(f"There is no opportunity {text}.")
    low = " ".join(text.lower().split())
    hits = list(session.scalars(select(Opportunity).where(func.lower(Opportunity.name) == low)))
    if not hits:
        pattern = f"%{_like_escape(low)}%"
        hits = list(session.scalars(
            select(Opportunity).where(func.lower(Opportunity.name).like(pattern, escape="\\")).limit(20)
        ))
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        labels = [f"#{o.id} {o.name}" for o in hits[:8]]
        raise AmbiguousError(f"{text!r} matches several opportunities: {'; '.join(labels)}. Use the #id.", labels)
    raise NotFoundError(f"There is no opportunity {text!r}.")


def _get(s: Session, opp_id: int) -> Opportunity:
    opp = s.get(Opportunity, opp_id)
    if opp is None:
        raise NotFoundError(f"There is no opportunity #{opp_id}.")
    return opp


def get_opportunity(db: Database, opp_id: int) -> Opportunity:
    with db.read() as s:
        return _get(s, opp_id)


def lost_reasons(db: Database, limit: int = 20) -> list[str]:
    """Reasons used before, most used first: the lost-reason picker offers them."""
    with db.read() as s:
        rows = s.execute(
            select(StageChange.reason, func.count().label("n"))
            .where(StageChange.reason.is_not(None), StageChange.reason != "")
            .group_by(StageChange.reason)
            .order_by(func.count().desc(), StageChange.reason)
            .limit(limit)
        )
        return [r[0] for r in rows]


# -- writing ---------------------------------------------------------------------

def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("An opportunity needs a name.", "name")
    if len(name) > 200:
        raise ValidationError("An opportunity name can be at most 200 characters.", "name")
    return name


def _check_value(value_cents: int | None) -> int | None:
    if value_cents is None:
        return None
    if isinstance(value_cents, bool) or not isinstance(value_cents, int):
        raise ValidationError("A deal value must be a whole number of cents.", "value")
    if value_cents < 0:
        raise ValidationError("A deal value can't be negative.", "value")
    if value_cents > MAX_CENTS:
        raise ValidationError("That deal value is too large.", "value")
    return value_cents


def _check_notes(notes: str | None) -> str:
    notes = notes or ""
    if len(notes) > 20000:
        raise ValidationError("Notes can be at most 20,000 characters.", "notes")
    return notes


def _top_position(s: Session, stage_id: int) -> int:
    """New and moved cards go on top of their column, where the agent is looking."""
    low = s.scalar(select(func.min(Opportunity.position)).where(Opportunity.stage_id == stage_id))
    return 0 if low is None else low - 1


def _resolve_assignee(s: Session, assignee: int | str | None | Unset) -> int | None:
    db: Database = s.info["db"]
    if assignee is UNSET:
        return db.actor_id
    if assignee is None or assignee == "":
        return None
    if isinstance(assignee, int):
        if s.get(TeamMember, assignee) is None:
            raise ValidationError(f"There is no team member #{assignee}.", "assignee")
        return assignee
    try:
        return find_member(s, assignee).id
    except InputError as error:
        raise ValidationError(str(error), "assignee") from None


def create_opportunity(
    db: Database,
    *,
    contact: int | str,
    name: str | None = None,
    pipeline: int | str | None = None,
    stage: int | str | None = None,
    value_cents: int | None = None,
    expected_close: date | None = None,
    assignee: int | str | None | Unset = UNSET,
    notes: str = "",
    source: str | None = None,
    create_missing_contact: bool = False,
    contact_fields: dict | None = None,
    at: datetime | None = None,
) -> Opportunity:
    """A new deal in `stage` (default: the pipeline's first stage), assigned to me by default.

    `contact` is an id or a reference (`find_contact`); with `create_missing_contact`
    a name that matches nobody becomes a new contact (with `contact_fields`).
    """
    value_cents = _check_value(value_cents)
    notes = _check_notes(notes)
    with db.write() as s:
        now = at or clock.now()
        person = _resolve_contact(db, s, contact, create_missing_contact, contact_fields or {})
        try:
            pipe = find_pipeline(s, pipeline)
        except InputError as error:
            raise ValidationError(str(error), "pipeline") from None
        if stage is None or stage == "":
            first = next((st for st in _stages(s, pipe.id) if st.kind == OPEN), None)
            if first is None:
                raise ValidationError(f"{pipe.name} has no open stage.", "stage")
            target = first
        else:
            try:
                target = find_stage(s, pipe.id, stage)
            except InputError as error:
                raise ValidationError(str(error), "stage") from None
        opp = Opportunity(
            name=_clean_name(name or f"{person.name} — {pipe.name}"),
            contact_id=person.id,
            pipeline_id=pipe.id,
            stage_id=target.id,
            status=target.kind,
            value_cents=value_cents,
            expected_close=expected_close,
            assignee_id=_resolve_assignee(s, assignee),
            notes=notes,
            source=(source or "").strip() or None,
            position=_top_position(s, target.id),
            created_at=now,
            updated_at=now,
            updated_by_id=db.actor_id,
            stage_entered_at=now,
            closed_at=now if target.kind in CLOSED_KINDS else None,
        )
        s.add(opp)
        s.flush()
        s.add(StageChange(opportunity_id=opp.id, from_stage_id=None, to_stage_id=target.id,
                          changed_at=now, changed_by_id=db.actor_id))
        s.flush()
        events.emit(s, events.OpportunityCreated(opp.id, target.id))
        return opp


def _resolve_contact(db: Database, s: Session, ref: int | str, create: bool, fields: dict) -> Contact:
    if isinstance(ref, int):
        person = s.get(Contact, ref)
        if person is None:
            raise ValidationError(f"There is no contact #{ref}.", "contact")
        return person
    try:
        return find_contact(s, ref)
    except NotFoundError as error:
        if not create:
            raise ValidationError(str(error), "contact") from None
        return create_contact(db, ref, **fields)
    except InputError as error:
        raise ValidationError(str(error), "contact") from None


def _stages(s: Session, pipeline_id: int) -> list[Stage]:
    return list(s.scalars(select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)))


def _check_version(s: Session, opp: Opportunity, expected_version: int | None) -> None:
    if expected_version is None or opp.version == expected_version:
        return
    who = s.get(TeamMember, opp.updated_by_id) if opp.updated_by_id else None
    by = who.name if who else "someone"
    db: Database = s.info["db"]
    if who is not None and who.id == db.actor_id:
        by = "you (in another window)"
    when = local(opp.updated_at, "%H:%M on %b %d")
    raise OpportunityConflict(
        f"{opp.name!r} was changed by {by} at {when} since you opened it; "
        "your change was not saved. Reload to see the latest.",
        opp.id, who.name if who else None, opp.updated_at,
    )


def _already_moved(s: Session, opp: Opportunity, target: Stage) -> AlreadyMoved:
    """The report for moving a card somebody has just moved to the same stage."""
    last = s.scalars(
        select(StageChange).where(StageChange.opportunity_id == opp.id, StageChange.to_stage_id == target.id)
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
    ).first()
    who = s.get(TeamMember, last.changed_by_id) if last and last.changed_by_id else None
    at = last.changed_at if last else opp.stage_entered_at
    db: Database = s.info["db"]
    by = "you (in another window)" if who is not None and who.id == db.actor_id else (who.name if who else "someone")
    return AlreadyMoved(
        f"{opp.name!r} is already in {target.name}: {by} moved it there at "
        f"{local(at, '%H:%M on %b %d')}. Nothing was changed.",
        opp.id, who.name if who else None, at, target.name,
    )


def _touch(opp: Opportunity, db: Database, now: datetime) -> None:
    opp.version += 1
    opp.updated_at = now
    opp.updated_by_id = db.actor_id


def move_opportunity(
    db: Database,
    opp_id: int,
    stage: int | str,
    *,
    expected_version: int | None = None,
    lost_reason: str | None = None,
    at: datetime | None = None,
    depth: int = 0,
) -> Opportunity:
    """Move a deal to a stage (of its pipeline, or of another when given by id).

    Writes the StageChange row, sets status/closed_at from the stage kind and
    fires StageChanged, all in one transaction. Moving to the stage it is
    already in changes nothing; if the caller's `expected_version` is stale
    (another agent moved it there first) that raises `AlreadyMoved`, so the
    move is reported and never applied twice.
    """
    with db.write() as s:
        opp = _get(s, opp_id)
        if isinstance(stage, int):
            target = s.get(Stage, stage)
            if target is None:
                raise NotFoundError(f"There is no stage #{stage}.")
        else:
            target = find_stage(s, opp.pipeline_id, stage)
        if expected_version is not None and opp.version != expected_version and target.id == opp.stage_id:
            raise _already_moved(s, opp, target)
        _check_version(s, opp, expected_version)
        if target.id == opp.stage_id:
            return opp
        now = at or clock.now()
        reason = " ".join((lost_reason or "").split()) or None
        if reason and len(reason) > 200:
            raise ValidationError("A lost reason can be at most 200 characters.", "reason")
        from_stage, from_status = opp.stage_id, opp.status
        opp.stage_id = target.id
        opp.pipeline_id = target.pipeline_id
        opp.status = target.kind
        opp.stage_entered_at = now
        opp.position = _top_position(s, target.id)
        if target.kind in CLOSED_KINDS:
            opp.closed_at = now
            opp.lost_reason = reason if target.kind == LOST else None
        else:
            opp.closed_at = None
            opp.lost_reason = None
        _touch(opp, db, now)
        s.add(StageChange(
            opportunity_id=opp.id, from_stage_id=from_stage, to_stage_id=target.id,
            changed_at=now, changed_by_id=db.actor_id, reason=reason if target.kind == LOST else None,
        ))
        s.flush()
        events.emit(s, events.StageChanged(opp.id, from_stage, target.id, from_status, target.kind, depth))
        return opp


def mark_won(db: Database, opp_id: int, *, expected_version: int | None = None, at: datetime | None = None) -> Opportunity:
    with db.write() as s:
        opp = _get(s, opp_id)
        won = closing_stage(s, opp.pipeline_id, WON)
        return move_opportunity(db, opp_id, won.id, expected_version=expected_version, at=at)


def mark_lost(
    db: Database, opp_id: int, reason: str, *, expected_version: int | None = None, at: datetime | None = None
) -> Opportunity:
    if not (reason or "").strip():
        raise ValidationError("Say why the deal was lost.", "reason")
    with db.write() as s:
        opp = _get(s, opp_id)
        lost = closing_stage(s, opp.pipeline_id, LOST)
        return move_opportunity(db, opp_id, lost.id, expected_version=expected_version, lost_reason=reason, at=at)


def reopen(db: Database, opp_id: int, stage: int | str | None = None, *, at: datetime | None = None) -> Opportunity:
    """Back to an open stage: the given one, else the stage it was closed from."""
    with db.write() as s:
        opp = _get(s, opp_id)
        if opp.status == OPEN:
            raise InputError(f"{opp.name!r} is already open.")
        if stage is None:
            last = s.scalars(
                select(StageChange).where(StageChange.opportunity_id == opp.id)
                .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
            ).first()
            previous = s.get(Stage, last.from_stage_id) if last and last.from_stage_id else None
            if previous is None or previous.kind != OPEN or previous.pipeline_id != opp.pipeline_id:
                previous = next(st for st in _stages(s, opp.pipeline_id) if st.kind == OPEN)
            target = previous
        else:
            target = find_stage(s, opp.pipeline_id, stage) if not isinstance(stage, int) else s.get(Stage, stage)
            if target is None or target.kind != OPEN:
                raise ValidationError("Reopen into an open stage.", "stage")
        return move_opportunity(db, opp_id, target.id, at=at)


def update_opportunity(
    db: Database,
    opp_id: int,
    *,
    expected_version: int | None = None,
    name: str | Unset = UNSET,
    contact: int | str | Unset = UNSET,
    value_cents: int | None | Unset = UNSET,
    expected_close: date | None | Unset = UNSET,
    assignee: int | str | None | Unset = UNSET,
    notes: str | Unset = UNSET,
    source: str | None | Unset = UNSET,
    stage: int | str | Unset = UNSET,
    lost_reason: str | None = None,
) -> Opportunity:
    """Edit fields (and optionally the stage, as a move) in one transaction.

    `expected_version` is the version the editor read; if the deal changed since,
    `OpportunityConflict` says who changed it and nothing is written.
    """
    with db.write() as s:
        opp = _get(s, opp_id)
        _check_version(s, opp, expected_version)
        changed = False
        if name is not UNSET:
            new_name = _clean_name(name)
            changed |= new_name != opp.name
            opp.name = new_name
        if contact is not UNSET:
            person = _resolve_contact(db, s, contact, False, {})
            changed |= person.id != opp.contact_id
            opp.contact_id = person.id
        if value_cents is not UNSET:
            value = _check_value(value_cents)
            changed |= value != opp.value_cents
            opp.value_cents = value
        if expected_close is not UNSET:
            changed |= expected_close != opp.expected_close
            opp.expected_close = expected_close
        if assignee is not UNSET:
            member_id = _resolve_assignee(s, assignee) if assignee is not None else None
            changed |= member_id != opp.assignee_id
            opp.assignee_id = member_id
        if notes is not UNSET:
            text = _check_notes(notes)
            changed |= text != opp.notes
            opp.notes = text
        if source is not UNSET:
            src = (source or "").strip() or None
            changed |= src != opp.source
            opp.source = src
        if changed:
            _touch(opp, db, clock.now())
            s.flush()
        if stage is not UNSET:
            move_opportunity(db, opp.id, stage, lost_reason=lost_reason)
        return opp


# -- history ---------------------------------------------------------------------

@dataclass
class HistoryEntry:
    """One stage change and how long the deal then stayed in the stage it entered."""

    id: int
    from_stage_id: int | None
    from_stage: str | None
    to_stage_id: int
    to_stage: str
    at: datetime
    by: str | None
    reason: str | None
    duration: timedelta
    current: bool

    def to_json(self) -> dict:
        return {
            "from": self.from_stage,
            "to": self.to_stage,
            "at": iso_utc(self.at),
            "by": self.by,
            "reason": self.reason,
            "seconds_in_stage": int(self.duration.total_seconds()),
            "current": self.current,
        }


def opportunity_history(db: Database, opp_id: int, *, now: datetime | None = None) -> list[HistoryEntry]:
    """Every stage change, oldest first, with the time spent after each (the last up to now)."""
    From, To = aliased(Stage), aliased(Stage)
    with db.read() as s:
        _get(s, opp_id)
        rows = s.execute(
            select(StageChange.id, StageChange.from_stage_id, From.name, StageChange.to_stage_id, To.name,
                   StageChange.changed_at, TeamMember.name, StageChange.reason)
            .outerjoin(From, From.id == StageChange.from_stage_id)
            .join(To, To.id == StageChange.to_stage_id)
            .outerjoin(TeamMember, TeamMember.id == StageChange.changed_by_id)
            .where(StageChange.opportunity_id == opp_id)
            .order_by(StageChange.changed_at, StageChange.id)
        ).all()
    end = now or clock.now()
    out: list[HistoryEntry] = []
    for i, r in enumerate(rows):
        until = rows[i + 1][5] if i + 1 < len(rows) else end
        out.append(HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], until - r[5], i == len(rows) - 1))
    return out


def time_in_stages(entries: list[HistoryEntry]) -> list[tuple[str, timedelta]]:
    """Total time per stage (a reopened deal's stays add up), in order of first visit."""
    totals: dict[str, timedelta] = {}
    for e in entries:
        totals[e.to_stage] = totals.get(e.to_stage, timedelta()) + e.duration
    return list(totals.items())
