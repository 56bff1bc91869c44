"""Per-member memory between runs (last pipeline, column, card), stored in the database
because agents share one database from several accounts and machines."""

from __future__ import annotations

from sqlalchemy import select

from jtek_tui.db import Database
from jtek_tui.models import UserState


def load_prefs(db: Database) -> dict[str, str]:
    if db.actor_id is None:
        return {}
    with db.read() as s:
        return {r.key: r.value for r in s.scalars(select(UserState).where(UserState.member_id == db.actor_id))}


def save_prefs(db: Database, values: dict[str, str | int | None]) -> None:
    """Upsert the given keys for the acting member (None deletes a key)."""
    if db.actor_id is None or db.readonly:
        return
    with db.write() as s:
        for key, value in values.items():
            row = s.get(UserState, (db.actor_id, key))
            if value is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(UserState(member_id=db.actor_id, key=key, value=str(value)))
            else:
                row.value = str(value)
