"""Opening a database ready for use: schema current, defaults present, actor known."""

from __future__ import annotations

from sqlalchemy import func, select

from jtek_tui.config import current_login
from jtek_tui.db import Database
from jtek_tui.domain import automations as _automations  # noqa: F401  (subscribes its event handler)
from jtek_tui.domain.members import bind_actor
from jtek_tui.domain.pipelines import DEFAULT_PIPELINE, create_pipeline
from jtek_tui.models import Pipeline, TeamMember


def open_database(
    target: str | None = None, *, login: str | None = None, readonly: bool | None = None, seed: bool = True
) -> Database:
    """The database at `target` (path or URL; default `JTEK_DB` or the data dir).

    Upgrades an older schema (after a backup), refuses a newer one, gives a new
    database the default "Sales Pipeline", and makes the OS user a team member.
    """
    db = Database(target, readonly=readonly)
    try:
        db.ensure_schema()
        login = login or current_login()
        if db.readonly:
            with db.read() as s:
                member = s.scalars(select(TeamMember).where(TeamMember.login == login)).first()
            db.actor_id, db.actor_login = (member.id if member else None), login
        else:
            bind_actor(db, login)
            if seed:
                seed_defaults(db)
    except BaseException:
        db.dispose()
        raise
    return db


def seed_defaults(db: Database) -> None:
    """A new database gets the default pipeline (checked inside the write lock)."""
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(Pipeline)):
            return
        create_pipeline(db, DEFAULT_PIPELINE)
