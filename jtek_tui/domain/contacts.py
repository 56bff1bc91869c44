"""Contacts: the people deals belong to, their tags, and finding them again.

A contact outlives its deals: closing a deal never touches the contact, and a
contact with deals can only be deleted when the caller explicitly forces it.

The Contacts screen at 50,000 people: `list_contacts` reads every row once
(plain columns, grouped aggregates, no ORM objects); after that, type-to-search
asks `search_contact_ids` (ranked in SQL) and `order_by_ids` picks the loaded
rows, and column sorting is `sort_rows` in memory. Open deals, open value and
last activity are derived at read time, never stored on the contact, so no
writer anywhere (board, CLI, automations, import) has to keep them in step.
Figures: benchmarks/contacts.py and docs/contacts.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, case, delete, func, or_, select, type_coerce, union_all, update
from sqlalchemy.orm import Session

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain.errors import AmbiguousError, NotFoundError, RefusedError, ValidationError
from jtek_tui.domain.unset import UNSET, Unset
from jtek_tui.models import (
    Activity,
    Appointment,
    AutomationRun,
    Contact,
    ContactTag,
    Opportunity,
    StageChange,
    Tag,
)

_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$")


# -- validation -----------------------------------------------------------------

def split_name(name: str) -> tuple[str, str]:
    """'Maria Johnson' -> ('Maria', 'Johnson'); one word is a first name."""
    parts = (name or "").split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if not _EMAIL_RE.match(email):
        raise ValidationError(f"{email!r} is not an email address.", "email")
    return email


def clean_phone(phone: str | None) -> str | None:
    """Keep a leading + and the digits: '(555) 123-4567' -> '5551234567'."""
    raw = (phone or "").strip()
    if not raw:
        return None
    if re.search(r"[^\d\s()+.\-/]", raw.split("x")[0].split("ext")[0]):
        raise ValidationError(f"{raw!r} is not a phone number.", "phone")
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        raise ValidationError(f"{raw!r} is not a phone number (7 to 15 digits).", "phone")
    return ("+" if raw.startswith("+") else "") + digits


def format_phone(phone: str | None) -> str:
    """A stored phone number as people write it."""
    if not phone:
        return ""
    if re.fullmatch(r"\d{10}", phone):
        return f"({phone[:3]}) {phone[3:6]}-{phone[6:]}"
    if re.fullmatch(r"\+1\d{10}", phone):
        return f"+1 ({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    return phone


def _clean_text(value: str | None, field_name: str, limit: int = 200) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{field_name.capitalize()} can be at most {limit} characters.", field_name)
    return value or None


def _names(name: str | None, first_name: str | None, last_name: str | None) -> tuple[str, str]:
    if name is not None:
        first, last = split_name(name)
    else:
        first, last = (first_name or "").strip(), (last_name or "").strip()
    if not (first or last):
        raise ValidationError("A contact needs a name.", "name")
    if len(first) + len(last) > 200:
        raise ValidationError("A name can be at most 200 characters.", "name")
    return first, last


# -- actions --------------------------------------------------------------------

def create_contact(
    db: Database,
    name: str | None = None,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    company: str | None = None,
    source: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    at: datetime | None = None,
) -> Contact:
    """A new contact; `at` back-dates it (imports, demo data)."""
    first, last = _names(name, first_name, last_name)
    email_ok = clean_email(email)
    phone_ok = clean_phone(phone)
    tag_names = [_clean_tag(t) for t in tags]
    with db.write() as s:
        now = at or clock.now()
        contact = Contact(
            first_name=first, last_name=last, email=email_ok, phone=phone_ok,
            company=_clean_text(company, "company"), source=_clean_text(source, "source"),
            created_at=now, updated_at=now,
        )
        s.add(contact)
        s.flush()
        for tag in tag_names:
            _attach_tag(s, contact.id, tag)
        return contact


def update_contact(
    db: Database,
    contact_id: int,
    *,
    name: str | Unset = UNSET,
    email: str | None | Unset = UNSET,
    phone: str | None | Unset = UNSET,
    company: str | None | Unset = UNSET,
    source: str | None | Unset = UNSET,
) -> Contact:
    changes: dict[str, object] = {}
    if name is not UNSET:
        changes["first_name"], changes["last_name"] = _names(name, None, None)
    if email is not UNSET:
        changes["email"] = clean_email(email)
    if phone is not UNSET:
        changes["phone"] = clean_phone(phone)
    if company is not UNSET:
        changes["company"] = _clean_text(company, "company")
    if source is not UNSET:
        changes["source"] = _clean_text(source, "source")
    with db.write() as s:
        contact = _get(s, contact_id)
        for key, value in changes.items():
            setattr(contact, key, value)
        if changes:
            contact.updated_at = clock.now()
        return contact


def _clean_tag(tag: str) -> str:
    tag = (tag or "").strip().lstrip("#").strip()
    if not tag:
        raise ValidationError("A tag needs a name.", "tags")
    if len(tag) > 40 or "," in tag:
        raise ValidationError(f"{tag!r} is not a usable tag (no commas, at most 40 characters).", "tags")
    return tag


def _attach_tag(s: Session, contact_id: int, name: str) -> bool:
    tag = s.scalars(select(Tag).where(Tag.key == name.lower())).first()
    if tag is None:
        tag = Tag(name=name, key=name.lower())
        s.add(tag)
        s.flush()
    if s.get(ContactTag, (contact_id, tag.id)) is None:
        s.add(ContactTag(contact_id=contact_id, tag_id=tag.id))
        s.flush()
        return True
    return False


def tag_contact(db: Database, contact_id: int, tag: str) -> bool:
    """Add a tag; False when the contact already had it."""
    name = _clean_tag(tag)
    with db.write() as s:
        contact = _get(s, contact_id)
        added = _attach_tag(s, contact.id, name)
        if added:
            contact.updated_at = clock.now()
        return added


def untag_contact(db: Database, contact_id: int, tag: str) -> bool:
    """Remove a tag; False when the contact did not have it."""
    name = _clean_tag(tag)
    with db.write() as s:
        contact = _get(s, contact_id)
        tag_row = s.scalars(select(Tag).where(Tag.key == name.lower())).first()
        if tag_row is None:
            return False
        link = s.get(ContactTag, (contact.id, tag_row.id))
        if link is None:
            return False
        s.delete(link)
        contact.updated_at = clock.now()
        return True


def delete_contact(db: Database, contact_id: int, *, force: bool = False) -> int:
    """Delete a contact; with `force`, its deals too. Returns how many deals went."""
    with db.write() as s:
        contact = _get(s, contact_id)
        opp_ids = list(s.scalars(select(Opportunity.id).where(Opportunity.contact_id == contact.id)))
        if opp_ids and not force:
            raise RefusedError(
                f"{contact.name} has {len(opp_ids)} deal{'s' if len(opp_ids) != 1 else ''}; "
                "delete refused (force it to delete the deals too)."
            )
        if opp_ids:
            s.execute(update(AutomationRun).where(AutomationRun.opportunity_id.in_(opp_ids)).values(opportunity_id=None))
            # A deal can have moved to this contact from another one whose history still links it.
            for model in (Activity, Appointment):
                s.execute(update(model).where(model.opportunity_id.in_(opp_ids), model.contact_id != contact.id)
                          .values(opportunity_id=None))
        s.execute(delete(Activity).where(Activity.contact_id == contact.id))
        s.execute(delete(Appointment).where(Appointment.contact_id == contact.id))
        if opp_ids:
            s.execute(delete(StageChange).where(StageChange.opportunity_id.in_(opp_ids)))
            s.execute(delete(Opportunity).where(Opportunity.id.in_(opp_ids)))
        s.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id))
        s.delete(contact)
        return len(opp_ids)


# -- finding --------------------------------------------------------------------

def _get(s: Session, contact_id: int) -> Contact:
    contact = s.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"There is no contact #{contact_id}.")
    return contact


def get_contact(db: Database, contact_id: int) -> Contact:
    with db.read() as s:
        return _get(s, contact_id)


_FULL_NAME = func.lower(func.trim(Contact.first_name + " " + Contact.last_name))


def find_contact(session: Session, ref: str | int) -> Contact:
    """A contact by id (`12` or `#12`), email, or exact name (case-insensitive)."""
    text = str(ref).strip()
    if not text:
        raise ValidationError("Name a contact.", "contact")
    if text.lstrip("#").isdigit():
        contact = session.get(Contact, int(text.lstrip("#")))
        if contact:
            return contact
        if text.startswith("#"):
            raise NotFoundError(f"There is no contact {text}.")
    if "@" in text:
        hits = list(session.scalars(select(Contact).where(func.lower(Contact.email) == text.lower())))
    else:
        hits = list(session.scalars(select(Contact).where(_FULL_NAME == " ".join(text.lower().split()))))
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        labels = [f"{c.name} (#{c.id}{', ' + c.email if c.email else ''})" for c in hits]
        raise AmbiguousError(f"Several contacts match {text!r}: {'; '.join(labels)}. Use the #id.", labels)
    suggestions = [c.name for c in _fuzzy(session, text, 3)]
    hint = f" Did you mean {' or '.join(repr(n) for n in suggestions)}?" if suggestions else ""
    raise NotFoundError(f"There is no contact {text!r}.{hint}")


def contacts_by_email(db: Database, email: str, *, exclude_id: int | None = None) -> list[Contact]:
    """Other contacts with this email: the UI warns about duplicates."""
    with db.read() as s:
        q = select(Contact).where(func.lower(Contact.email) == email.strip().lower())
        if exclude_id is not None:
            q = q.where(Contact.id != exclude_id)
        return list(s.scalars(q))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _score(query: str, haystack: str) -> int:
    """Higher is better; 0 is no match. Prefix > word prefix > substring > subsequence."""
    if not query:
        return 1
    if haystack.startswith(query):
        return 400
    if f" {query}" in haystack:
        return 300
    if query in haystack:
        return 200
    pos = 0
    gaps = 0
    for ch in query:
        found = haystack.find(ch, pos)
        if found < 0:
            return 0
        gaps += found - pos
        pos = found + 1
    return max(1, 100 - gaps)


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def search_contact_ids(db_or_session: Database | Session, query: str, limit: int | None = None) -> list[int]:
    """Contact ids matching `query`, best first: the Contacts screen's type-to-search.

    Fuzzy over name, email, phone digits and tags. Ranking, best first: name
    starts with the query; a tag equals it; a word of the name starts with it;
    a tag starts with it; the phone holds its digits (3 or more); the name
    holds it; the email starts with / holds it; a tag holds it; its letters
    appear in order in the name or email (fewer gaps first); and, for several
    words, every word found somewhere (name, email, phone, tag). Ties go by
    last then first name.

    `#word` is a tag filter: only contacts with a tag starting with `word`.
    Ranking is done in SQL (so a short query at 50,000 contacts never loses its
    best matches to a row cap) behind one cheap prefilter; `limit=None` returns
    every match. Case folding is ASCII only (SQLite's `lower`).
    """
    if isinstance(db_or_session, Database):
        with db_or_session.read() as s:
            return search_contact_ids(s, query, limit)
    session = db_or_session
    words = (query or "").lower().split()
    tag_filters = [w[1:] for w in words if w.startswith("#") and len(w) > 1]
    free = [w for w in words if not w.startswith("#")]
    q = " ".join(free)

    def tagged(condition: object, id_col: object = Contact.id) -> object:
        """id_col is one of the contacts having a tag that meets `condition`."""
        return id_col.in_(select(ContactTag.contact_id).join(Tag, Tag.id == ContactTag.tag_id).where(condition))

    def tag_starts(word: str) -> object:
        return Tag.key.like(_like_escape(word) + "%", escape="\\")

    filters = [tagged(tag_starts(t)) for t in tag_filters]
    by_name = (func.lower(Contact.last_name), func.lower(Contact.first_name), Contact.id)
    if not q:
        stmt = select(Contact.id).where(*filters).order_by(*by_name)
        return list(session.scalars(stmt.limit(limit) if limit else stmt))

    digits = re.sub(r"\D", "", q)
    squeezed = q.replace(" ", "")
    in_order = "*" + "*".join(_glob_escape(ch) for ch in squeezed) + "*"
    tag_holds = tagged(func.instr(Tag.key, q) > 0)
    name_col = func.lower(func.trim(Contact.first_name + " " + Contact.last_name))
    email_col = func.lower(func.coalesce(Contact.email, ""))
    # The prefilter is one GLOB per row and contains every tier below.
    loose = [(name_col + " " + email_col).op("GLOB")(in_order), tag_holds]
    if len(digits) >= 3:
        loose.append(Contact.phone.like(f"%{digits}%"))
    inner = select(Contact.id.label("id"), name_col.label("n"), email_col.label("e"), Contact.phone.label("p"),
                   func.lower(Contact.last_name).label("ln"), func.lower(Contact.first_name).label("fn"))
    if len(free) > 1:  # "maria vip": every word somewhere
        per_word = []
        for word in free:
            word_digits = re.sub(r"\D", "", word)
            alternatives = [func.instr(name_col, word) > 0, func.instr(email_col, word) > 0,
                            tagged(tag_starts(word))]
            if len(word_digits) >= 3:
                alternatives.append(Contact.phone.like(f"%{word_digits}%"))
            per_word.append(or_(*alternatives))
        every_word = and_(*per_word)
        loose.append(every_word)
        inner = inner.add_columns(case((every_word, 1), else_=0).label("w"))
    sub = inner.where(or_(*loose), *filters).subquery()
    n, e = sub.c.n, sub.c.e
    tiers: list[tuple[object, int]] = [
        (func.substr(n, 1, len(q)) == q, 400),
        (tagged(Tag.key == q, sub.c.id), 350),
        (func.instr(n, " " + q) > 0, 300),
        (tagged(tag_starts(q), sub.c.id), 280),
    ]
    if len(digits) >= 3:
        tiers.append((sub.c.p.like(f"%{digits}%"), 250))
    tiers += [
        (func.instr(n, q) > 0, 200),
        (func.substr(e, 1, len(q)) == q, 190),
        (tagged(func.instr(Tag.key, q) > 0, sub.c.id), 170),
        (func.instr(e, q) > 0, 150),
        (n.op("GLOB")(in_order), 110),
        ((n + " " + e).op("GLOB")(in_order), 100),
    ]
    if len(free) > 1:
        tiers.append((sub.c.w == 1, 90))
    score = case(*tiers, else_=0)
    stmt = select(sub.c.id, score.label("score"), n, e).order_by(score.desc(), sub.c.ln, sub.c.fn, sub.c.id)
    rows = session.execute(stmt.limit(limit) if limit else stmt).all()
    return _rerank_in_order(rows, squeezed)


_IN_ORDER_TIERS = (110, 100)


def _rerank_in_order(rows: list, squeezed: str) -> list[int]:
    """SQL orders tiers; within the letters-in-order tiers, fewer gaps first (SQL can't count them).

    With a `limit` that cuts such a tier, only the fetched rows are re-ranked:
    exact enough, and half the cost of fetching the whole tier again.
    """
    rows = [r for r in rows if r[1] > 0]
    ids = [r[0] for r in rows]
    for tier in _IN_ORDER_TIERS:
        span = [i for i, r in enumerate(rows) if r[1] == tier]
        if len(span) > 1:
            part = sorted(rows[span[0]: span[-1] + 1],
                          key=lambda r: -max(_score(squeezed, r[2]), _score(squeezed, r[3]) - 50))
            ids[span[0]: span[-1] + 1] = [r[0] for r in part]
    return ids


def _fuzzy(session: Session, query: str, limit: int) -> list[Contact]:
    ids = search_contact_ids(session, query, limit)
    found = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    return [found[i] for i in ids]


def search_contacts(db: Database, query: str, limit: int = 20) -> list[Contact]:
    """Fuzzy match on name, email, phone digits and tags, best first (see `search_contact_ids`)."""
    with db.read() as s:
        return _fuzzy(s, query, limit)


# -- listing ----------------------------------------------------------------------

@dataclass(slots=True)
class ContactRow:
    """One line of the Contacts screen (and of `jtek contact list`); slotted: there are 50,000."""

    id: int
    name: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str | None
    source: str | None
    tags: list[str] = field(default_factory=list)
    open_deals: int = 0
    open_value_cents: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: The latest moment something happened with this person (see `last_activity_by_contact`).
    last_activity_at: datetime | None = None

    def to_json(self) -> dict:
        from jtek_tui.domain.formatting import iso_utc

        return {
            "id": self.id, "name": self.name, "first_name": self.first_name,
            "last_name": self.last_name, "email": self.email, "phone": self.phone,
            "company": self.company, "source": self.source, "tags": self.tags,
            "open_deals": self.open_deals, "open_value_cents": self.open_value_cents,
            "created_at": iso_utc(self.created_at), "updated_at": iso_utc(self.updated_at),
            "last_activity_at": iso_utc(self.last_activity_at),
        }


def tags_by_contact(session: Session, contact_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Each contact's tag names in tag order (tags are few: sorted once, not per row in SQL)."""
    tags = session.execute(select(Tag.id, Tag.name).order_by(Tag.key)).all()
    rank = {tid: i for i, (tid, _) in enumerate(tags)}
    names = dict(tags)
    q = select(ContactTag.contact_id, ContactTag.tag_id)
    if contact_ids is not None:
        q = q.where(ContactTag.contact_id.in_(contact_ids))
    ids: dict[int, list[int]] = {}
    for cid, tid in session.connection().execute(q):
        ids.setdefault(cid, []).append(tid)
    return {cid: [names[t] for t in sorted(tids, key=rank.__getitem__)] for cid, tids in ids.items()}


def _raw(column: Any) -> Any:
    """A timestamp column read as stored text, parsed by `_utc` (see there)."""
    return type_coerce(column, String)


def _utc(value: str | datetime | None) -> datetime | None:
    """Stored UTC timestamp -> aware datetime, fast: list rows read ~100,000 of them, and
    SQLAlchemy's generic DateTime parsing costs ~10x more than `fromisoformat`. Other
    databases hand back datetimes already."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # stored naive UTC; 6x faster than .replace()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _people_times(session: Session, contact_ids: list[int] | None, now: datetime) -> dict[int, datetime]:
    """The activity and appointment part of last activity (deals are read with their totals)."""

    def only(column: Any) -> list[Any]:
        return [] if contact_ids is None else [column.in_(contact_ids)]

    parts = [
        select(Activity.contact_id.label("cid"), func.max(_raw(Activity.created_at)).label("at"))
        .where(*only(Activity.contact_id)).group_by(Activity.contact_id),
        select(Activity.contact_id, func.max(_raw(Activity.done_at)))
        .where(Activity.done_at.is_not(None), *only(Activity.contact_id)).group_by(Activity.contact_id),
        select(Appointment.contact_id, func.max(_raw(Appointment.created_at)))
        .where(*only(Appointment.contact_id)).group_by(Appointment.contact_id),
        select(Appointment.contact_id, func.max(_raw(Appointment.starts_at)))
        .where(Appointment.starts_at <= now, Appointment.status != "cancelled", *only(Appointment.contact_id))
        .group_by(Appointment.contact_id),
    ]
    union = union_all(*parts).subquery()
    # Same-format text compares in time order, so max() runs on the stored text.
    q = select(union.c.cid, func.max(union.c.at)).group_by(union.c.cid)
    rows = session.connection().execute(q)
    return {cid: _utc(when) for cid, when in rows if when is not None}  # type: ignore[misc]


def _deal_totals(session: Session, contact_ids: list[int] | None) -> dict[int, tuple[int, int, datetime | None]]:
    """Per contact, in one pass over their deals: open count, open value, latest stage change."""
    is_open = Opportunity.status == "open"
    q = (
        select(Opportunity.contact_id, func.count(case((is_open, 1))),
               func.sum(case((is_open, Opportunity.value_cents))), func.max(_raw(Opportunity.stage_entered_at)))
        .group_by(Opportunity.contact_id)
    )
    if contact_ids is not None:
        q = q.where(Opportunity.contact_id.in_(contact_ids))
    return {cid: (n, v or 0, _utc(at)) for cid, n, v, at in session.connection().execute(q)}


def last_activity_by_contact(
    session: Session, contact_ids: list[int] | None = None, *, now: datetime | None = None
) -> dict[int, datetime]:
    """When something last happened with each contact: derived, never stored.

    The latest of: an activity logged (or a task ticked done), a stage change
    of one of their deals (`Opportunity.stage_entered_at` is the time of its
    latest StageChange row; reading it avoids joining every StageChange), an
    appointment booked, or an appointment held (its start has passed and it
    was not cancelled). Automation runs are left out: they follow a stage
    change within the same second.
    """
    out = _people_times(session, contact_ids, now or clock.now())
    for cid, (_, _, at) in _deal_totals(session, contact_ids).items():
        if at is not None:
            out[cid] = _latest(out.get(cid), at)  # type: ignore[assignment]
    return out


_ROW_COLUMNS = (
    Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.phone, Contact.company,
    Contact.source, _raw(Contact.created_at), _raw(Contact.updated_at),
)


def _rows(session: Session, contact_ids: list[int] | None = None) -> list[ContactRow]:
    """Rows built from plain columns through Core: ORM objects alone would cost ~1 s at
    50,000 contacts (see benchmarks/contacts.py)."""
    q = select(*_ROW_COLUMNS).order_by(func.lower(Contact.last_name), func.lower(Contact.first_name), Contact.id)
    if contact_ids is not None:
        q = q.where(Contact.id.in_(contact_ids))
    deals = _deal_totals(session, contact_ids)
    people = _people_times(session, contact_ids, clock.now())
    tags = tags_by_contact(session, contact_ids)
    no_deals = (0, 0, None)
    rows = []
    append = rows.append
    for cid, first, last_name, email, phone, company, source, created, updated in session.connection().execute(q):
        n, v, seen = deals.get(cid, no_deals)
        other = people.get(cid)
        if other is not None and (seen is None or other > seen):
            seen = other
        append(ContactRow(
            cid, f"{first} {last_name}" if first and last_name else first or last_name, first, last_name,
            email, phone, company, source, tags.get(cid) or [], n, v, _utc(created), _utc(updated), seen,
        ))
    return rows


def list_contacts(db: Database) -> list[ContactRow]:
    """Every contact with tags, open-deal totals and last activity, by last name.

    The Contacts screen loads this once (and again when the database changes),
    then searches with `search_contact_ids` and sorts with `sort_rows` in memory.
    """
    with db.read() as s:
        return _rows(s)


def contact_row(db: Database, contact_id: int) -> ContactRow:
    with db.read() as s:
        _get(s, contact_id)
        return _rows(s, [contact_id])[0]


# -- sorting ------------------------------------------------------------------------

def _text_key(value: str | None) -> str | None:
    return value.casefold() if value else None


#: The Contacts screen's columns and how each sorts (None sorts last either way).
SORT_COLUMNS: dict[str, Callable[[ContactRow], Any]] = {
    "name": lambda r: (r.last_name.casefold(), r.first_name.casefold()) if r.name else None,
    "first_name": lambda r: _text_key(r.first_name),
    "email": lambda r: _text_key(r.email),
    "phone": lambda r: r.phone or None,
    "company": lambda r: _text_key(r.company),
    "source": lambda r: _text_key(r.source),
    "tags": lambda r: ", ".join(t.casefold() for t in r.tags) or None,
    "open_deals": lambda r: r.open_deals,
    "open_value": lambda r: r.open_value_cents,
    "last_activity": lambda r: r.last_activity_at,
    "created": lambda r: r.created_at,
}


def sort_rows(rows: list[ContactRow], column: str, *, descending: bool = False) -> list[ContactRow]:
    """Rows sorted by a column, in memory (the rows are already loaded; ~50 ms at 50,000).

    Empty values (no email, no activity yet) go last in both directions; ties
    keep their current order, so sorting by tags after a search keeps the best
    matches first within each tag set.
    """
    try:
        key = SORT_COLUMNS[column]
    except KeyError:
        raise ValidationError(
            f"Can't sort by {column!r}; use one of: {', '.join(SORT_COLUMNS)}.", "sort"
        ) from None
    keyed = [(key(r), r) for r in rows]
    present = [kr for kr in keyed if kr[0] is not None]
    present.sort(key=lambda kr: kr[0], reverse=descending)
    return [r for _, r in present] + [r for k, r in keyed if k is None]


def order_by_ids(rows: list[ContactRow], ids: list[int]) -> list[ContactRow]:
    """The rows whose ids are in `ids`, in that order (a search result over loaded rows)."""
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


# -- the record's summary -------------------------------------------------------------

@dataclass
class ContactSummary:
    """The Overview tab's numbers: deals, money, what's next and what was last."""

    contact_id: int
    open_deals: int
    open_value_cents: int
    won_deals: int
    won_value_cents: int
    lost_deals: int
    next_appointment: Any  # AppointmentRow | None (import cycle)
    last_activity_at: datetime | None
    open_tasks: int
    overdue_tasks: int

    def to_json(self) -> dict:
        from jtek_tui.domain.formatting import iso_utc

        return {
            "open_deals": self.open_deals, "open_value_cents": self.open_value_cents,
            "won_deals": self.won_deals, "won_value_cents": self.won_value_cents,
            "lost_deals": self.lost_deals,
            "next_appointment": self.next_appointment.to_json() if self.next_appointment else None,
            "last_activity_at": iso_utc(self.last_activity_at),
            "open_tasks": self.open_tasks, "overdue_tasks": self.overdue_tasks,
        }


def contact_summary(db: Database, contact_id: int, *, now: datetime | None = None) -> ContactSummary:
    """Open deals and value, won value, next appointment, last activity, open tasks."""
    from jtek_tui.domain.appointments import next_appointment

    at = now or clock.now()
    with db.read() as s:
        _get(s, contact_id)
        by_status = {
            status: (n, v or 0)
            for status, n, v in s.execute(
                select(Opportunity.status, func.count(), func.sum(Opportunity.value_cents))
                .where(Opportunity.contact_id == contact_id).group_by(Opportunity.status)
            )
        }
        open_tasks, overdue = s.execute(
            select(func.count(), func.count(case((Activity.due_at < at, 1))))
            .where(Activity.contact_id == contact_id, Activity.kind == "task", Activity.done_at.is_(None))
        ).one()
        last = last_activity_by_contact(s, [contact_id], now=at).get(contact_id)
    upcoming = next_appointment(db, contact_id, now=at)
    return ContactSummary(
        contact_id=contact_id,
        open_deals=by_status.get("open", (0, 0))[0], open_value_cents=by_status.get("open", (0, 0))[1],
        won_deals=by_status.get("won", (0, 0))[0], won_value_cents=by_status.get("won", (0, 0))[1],
        lost_deals=by_status.get("lost", (0, 0))[0], next_appointment=upcoming, last_activity_at=last,
        open_tasks=open_tasks, overdue_tasks=overdue,
    )


# -- tags ---------------------------------------------------------------------------------

def all_tags(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(Tag.name).order_by(Tag.key)))


def tag_suggestions(db: Database, text: str = "", *, contact_id: int | None = None, limit: int = 10) -> list[str]:
    """Existing tags for the tag field: starting with `text` first, then containing it,
    most used first; a contact's own tags are left out."""
    needle = (text or "").strip().lstrip("#").strip().lower()
    with db.read() as s:
        q = (
            select(Tag.name, Tag.key, func.count(ContactTag.contact_id).label("uses"))
            .outerjoin(ContactTag, ContactTag.tag_id == Tag.id)
            .group_by(Tag.id)
        )
        if needle:
            q = q.where(func.instr(Tag.key, needle) > 0)
        if contact_id is not None:
            q = q.where(Tag.id.not_in(select(ContactTag.tag_id).where(ContactTag.contact_id == contact_id)))
        rows = s.execute(q).all()
    rows.sort(key=lambda r: (not r[1].startswith(needle), -r[2], r[1]))
    return [r[0] for r in rows[:limit]]


@dataclass
class TagChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already had (add) / did not have (remove)


def retag_contact(
    db: Database,
    contact_id: int,
    *,
    add: list[str] | tuple[str, ...] = (),
    remove: list[str] | tuple[str, ...] = (),
) -> TagChange:
    """Add and remove several tags in one transaction (all names checked first)."""
    to_add = [_clean_tag(t) for t in add]
    to_remove = [_clean_tag(t) for t in remove]
    change = TagChange()
    with db.write() as s:
        _get(s, contact_id)
        for name in to_add:
            (change.added if tag_contact(db, contact_id, name) else change.unchanged).append(name)
        for name in to_remove:
            (change.removed if untag_contact(db, contact_id, name) else change.unchanged).append(name)
    return change


# -- deleting -----------------------------------------------------------------------------

@dataclass
class DeletionImpact:
    """What deleting a contact would take with it: the confirm dialog says so."""

    name: str
    deals: int
    open_deals: int
    activities: int
    appointments: int


def deletion_impact(db: Database, contact_id: int) -> DeletionImpact:
    with db.read() as s:
        contact = _get(s, contact_id)
        deals, open_deals = s.execute(
            select(func.count(), func.count(case((Opportunity.status == "open", 1))))
            .where(Opportunity.contact_id == contact_id)
        ).one()
        activities = s.scalar(select(func.count()).where(Activity.contact_id == contact_id)) or 0
        appointments = s.scalar(select(func.count()).where(Appointment.contact_id == contact_id)) or 0
        return DeletionImpact(contact.name, deals, open_deals, activities, appointments)
