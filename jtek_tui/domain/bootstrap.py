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
    target: str | None = None,
    *,
    login: str | None = None,
    readonly: bool | None = None,
    seed: bool = True,
    daily_backup: bool = True,
) -> Database:
    """The database at `target` (path or URL; default `JTEK_DB` or the data dir).

    Upgrades an older schema (after a backup), refuses a newer one, gives a new
    database the default "Sales Pipeline", makes the OS user a team member, and
    makes the day's automatic backup if nobody has yet (`backup.keep` in the
    settings file; 0 turns it off).

    On a database that already has all of that, opening takes no write lock,
    so a busy team database never delays a read-only command.
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
            member = bind_actor(db, login)
            if not member.active:
                db.notices.append(
                    f"Your team member entry ({member.name}) is deactivated; "
                    "you can still work, but you are not offered as an assignee."
                )
            if seed:
                seed_defaults(db)
            if daily_backup and not db.created:
                from jtek_tui.config import load_settings
                from jtek_tui.io.backup import daily_backup as make_daily_backup

                make_daily_backup(db, load_settings().backup_keep)
    except BaseException:
        db.dispose()
        raise
    return db


def seed_defaults(db: Database) -> None:
    """A new database gets the default pipeline (checked again inside the write lock)."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(Pipeline)):
            return
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(Pipeline)):
            return
        create_pipeline(db, DEFAULT_PIPELINE)
