"""Team members: who acts (the OS login) and who a deal is assigned to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jtek_tui.db import Database
from jtek_tui.domain.errors import AmbiguousError, NotFoundError, ValidationError
from jtek_tui.models import TeamMember


def _display_name(login: str) -> str:
    """The passwd full name (GECOS) when there is one: nicer initials on cards."""
    try:
        import pwd

        gecos = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError, OSError):
        gecos = ""
    return gecos or login


def ensure_member(session: Session, login: str) -> TeamMember:
    """The member for an OS login, created on first use."""
    member = session.scalars(select(TeamMember).where(TeamMember.login == login)).first()
    if member is None:
        name = _display_name(login)
        if session.scalars(select(TeamMember).where(func.lower(TeamMember.name) == name.lower())).first():
            name = f"{name} ({login})"  # names must stay unambiguous references
        member = TeamMember(name=name, login=login)
        session.add(member)
        session.flush()
    return member


def bind_actor(db: Database, login: str) -> TeamMember:
    """Make `login` the acting member for every write through `db`.

    Looks first without the write lock: on a busy team database an agent who
    is already a member must not wait for a writer just to start.
    """
    with db.read() as s:
        member = s.scalars(select(TeamMember).where(TeamMember.login == login)).first()
    if member is None:
        with db.write() as s:
            member = ensure_member(s, login)
    db.actor_id, db.actor_login = member.id, login
    return member


def list_members(db: Database, *, include_inactive: bool = False) -> list[TeamMember]:
    with db.read() as s:
        q = select(TeamMember).order_by(func.lower(TeamMember.name))
        if not include_inactive:
            q = q.where(TeamMember.active.is_(True))
        return list(s.scalars(q))


def get_member(db: Database, member_id: int) -> TeamMember:
    with db.read() as s:
        member = s.get(TeamMember, member_id)
        if member is None:
            raise NotFoundError(f"There is no team member #{member_id}.")
        return member


def find_member(session: Session, ref: str | int) -> TeamMember:
    """A member by id, login, name or initials (case-insensitive)."""
    text = str(ref).strip().lstrip("@")
    if not text:
        raise ValidationError("Name a team member.", "assignee")
    if text.isdigit():
        member = session.get(TeamMember, int(text))
        if member:
            return member
    low = text.lower()
    members: Sequence[TeamMember] = session.scalars(select(TeamMember)).all()
    for attr in ("login", "name"):
        hits = [m for m in members if (getattr(m, attr) or "").lower() == low]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise AmbiguousError(f"More than one team member is called {text!r}.", [m.name for m in hits])
    hits = [m for m in members if m.initials.lower() == low or m.name.lower().startswith(low)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise AmbiguousError(
            f"{text!r} matches several team members: {', '.join(m.name for m in hits)}.",
            [m.name for m in hits],
        )
    raise NotFoundError(f"There is no team member called {text!r}.")


def _clean_member_name(s: Session, name: str, *, exclude_id: int | None = None) -> str:
    """A non-empty name no other member has (references by name must stay unambiguous)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("A team member needs a name.", "name")
    if len(name) > 100:
        raise ValidationError("A team member's name can be at most 100 characters.", "name")
    q = select(TeamMember).where(func.lower(TeamMember.name) == name.lower())
    if exclude_id is not None:
        q = q.where(TeamMember.id != exclude_id)
    if s.scalars(q).first() is not None:
        raise ValidationError(f"There is already a team member called {name!r}.", "name")
    return name


def _clean_login(login: str | None) -> str | None:
    login = (login or "").strip()
    if not login:
        return None
    if any(c.isspace() for c in login) or len(login) > 64:
        raise ValidationError(f"{login!r} is not an OS login name.", "login")
    return login


def add_member(db: Database, name: str, *, email: str | None = None, login: str | None = None) -> TeamMember:
    """A new team member; with `login`, that OS user acts as them from their first run."""
    from jtek_tui.domain.contacts import clean_email

    email_ok = clean_email(email)
    login_ok = _clean_login(login)
    with db.write() as s:
        clean = _clean_member_name(s, name)
        if login_ok and s.scalars(select(TeamMember).where(TeamMember.login == login_ok)).first():
            raise ValidationError(f"The login {login_ok!r} already belongs to a team member.", "login")
        member = TeamMember(name=clean, email=email_ok, login=login_ok)
        s.add(member)
        s.flush()
        return member


def rename_member(db: Database, ref: str | int, name: str) -> TeamMember:
    with db.write() as s:
        member = find_member(s, ref)
        member.name = _clean_member_name(s, name, exclude_id=member.id)
        return member


def set_member_active(db: Database, ref: str | int, active: bool) -> TeamMember:
    """(De)activate a member. Their history and assigned deals stay as they are."""
    with db.write() as s:
        member = find_member(s, ref)
        member.active = active
        return member


@dataclass
class MemberRow:
    """A member with what the member list shows."""

    id: int
    name: str
    login: str | None
    email: str | None
    active: bool
    open_deals: int
    is_me: bool

    @property
    def initials(self) -> str:
        return TeamMember(name=self.name).initials

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "login": self.login, "email": self.email,
                "active": self.active, "initials": self.initials, "open_deals": self.open_deals,
                "is_me": self.is_me}


def member_rows(db: Database, *, include_inactive: bool = False) -> list[MemberRow]:
    """Members with their count of open deals (`jtek member list`, the team screen)."""
    from jtek_tui.models import Opportunity

    open_deals = (
        select(func.count()).select_from(Opportunity)
        .where(Opportunity.assignee_id == TeamMember.id, Opportunity.status == "open")
        .scalar_subquery()
    )
    with db.read() as s:
        q = select(TeamMember, open_deals).order_by(func.lower(TeamMember.name), TeamMember.id)
        if not include_inactive:
            q = q.where(TeamMember.active.is_(True))
        return [
            MemberRow(m.id, m.name, m.login, m.email, m.active, n, m.id == db.actor_id)
            for m, n in s.execute(q)
        ]
