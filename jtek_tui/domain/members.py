"""Team members: who acts (the OS login) and who a deal is assigned to."""

from __future__ import annotations

from collections.abc import Sequence

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
        member = TeamMember(name=_display_name(login), login=login)
        session.add(member)
        session.flush()
    return member


def bind_actor(db: Database, login: str) -> TeamMember:
    """Make `login` the acting member for every write through `db`."""
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


def add_member(db: Database, name: str, *, email: str | None = None, login: str | None = None) -> TeamMember:
    name = name.strip()
    if not name:
        raise ValidationError("A team member needs a name.", "name")
    with db.write() as s:
        if login and s.scalars(select(TeamMember).where(TeamMember.login == login)).first():
            raise ValidationError(f"The login {login!r} already belongs to a team member.", "login")
        member = TeamMember(name=name, email=email or None, login=login or None)
        s.add(member)
        s.flush()
        return member


def rename_member(db: Database, ref: str | int, name: str) -> TeamMember:
    name = name.strip()
    if not name:
        raise ValidationError("A team member needs a name.", "name")
    with db.write() as s:
        member = find_member(s, ref)
        member.name = name
        return member


def set_member_active(db: Database, ref: str | int, active: bool) -> TeamMember:
    with db.write() as s:
        member = find_member(s, ref)
        member.active = active
        return member
