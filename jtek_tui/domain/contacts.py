"""Contacts: the people deals belong to, their tags, and finding them again.

A contact outlives its deals: closing a deal never touches the contact, and a
contact with deals can only be deleted when the caller explicitly forces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
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
) -> Contact:
    first, last = _names(name, first_name, last_name)
    email_ok = clean_email(email)
    phone_ok = clean_phone(phone)
    tag_names = [_clean_tag(t) for t in tags]
    with db.write() as s:
        now = clock.now()
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


def _fuzzy(session: Session, query: str, limit: int) -> list[Contact]:
    q = " ".join(query.lower().split())
    if not q:
        return list(session.scalars(select(Contact).order_by(Contact.last_name, Contact.first_name).limit(limit)))
    digits = re.sub(r"\D", "", q)
    pattern = "%" + "%".join(_like_escape(ch) for ch in q.replace(" ", "")) + "%"
    text = func.lower(
        Contact.first_name + " " + Contact.last_name + " " + func.coalesce(Contact.email, "")
    )
    conditions = [text.like(pattern, escape="\\")]
    if len(digits) >= 3:
        conditions.append(Contact.phone.like(f"%{digits}%"))
    rows = session.scalars(select(Contact).where(or_(*conditions)).limit(5000)).all()
    scored = []
    for c in rows:
        name = c.name.lower()
        score = max(_score(q, name), _score(q, (c.email or "").lower()) - 50)
        if len(digits) >= 3 and c.phone and digits in c.phone:
            score = max(score, 250)
        if score:
            scored.append((-score, name, c.id, c))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored[:limit]]


def search_contacts(db: Database, query: str, limit: int = 20) -> list[Contact]:
    """Fuzzy match on name, email and phone digits, best first."""
    with db.read() as s:
        return _fuzzy(s, query, limit)


# -- listing ----------------------------------------------------------------------

@dataclass
class ContactRow:
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

    def to_json(self) -> dict:
        from jtek_tui.domain.formatting import iso_utc

        return {
            "id": self.id, "name": self.name, "first_name": self.first_name,
            "last_name": self.last_name, "email": self.email, "phone": self.phone,
            "company": self.company, "source": self.source, "tags": self.tags,
            "open_deals": self.open_deals, "open_value_cents": self.open_value_cents,
            "created_at": iso_utc(self.created_at), "updated_at": iso_utc(self.updated_at),
        }


def tags_by_contact(session: Session, contact_ids: list[int] | None = None) -> dict[int, list[str]]:
    q = select(ContactTag.contact_id, Tag.name).join(Tag, Tag.id == ContactTag.tag_id).order_by(Tag.key)
    if contact_ids is not None:
        q = q.where(ContactTag.contact_id.in_(contact_ids))
    out: dict[int, list[str]] = {}
    for cid, name in session.execute(q):
        out.setdefault(cid, []).append(name)
    return out


def list_contacts(db: Database) -> list[ContactRow]:
    """Every contact with tags and open-deal totals, by last name."""
    with db.read() as s:
        totals = {
            cid: (n, v or 0)
            for cid, n, v in s.execute(
                select(Opportunity.contact_id, func.count(), func.sum(Opportunity.value_cents))
                .where(Opportunity.status == "open")
                .group_by(Opportunity.contact_id)
            )
        }
        tags = tags_by_contact(s)
        rows = []
        for c in s.scalars(select(Contact).order_by(func.lower(Contact.last_name), func.lower(Contact.first_name))):
            n, v = totals.get(c.id, (0, 0))
            rows.append(ContactRow(
                c.id, c.name, c.first_name, c.last_name, c.email, c.phone, c.company, c.source,
                tags.get(c.id, []), n, v, c.created_at, c.updated_at,
            ))
        return rows


def contact_row(db: Database, contact_id: int) -> ContactRow:
    with db.read() as s:
        c = _get(s, contact_id)
        n, v = s.execute(
            select(func.count(), func.sum(Opportunity.value_cents)).where(
                Opportunity.contact_id == c.id, Opportunity.status == "open"
            )
        ).one()
        return ContactRow(
            c.id, c.name, c.first_name, c.last_name, c.email, c.phone, c.company, c.source,
            tags_by_contact(s, [c.id]).get(c.id, []), n, v or 0, c.created_at, c.updated_at,
        )


def all_tags(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(Tag.name).order_by(Tag.key)))
