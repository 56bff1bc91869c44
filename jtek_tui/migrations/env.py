"""Alembic environment. Jtek runs migrations itself (`Database.upgrade`), handing
over an open connection; `alembic` on the command line works too, against the
URL in `JTEK_DB` or the default database."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import jtek_tui.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from jtek_tui.db import Database

        db = Database()
        with db.write_engine.connect() as conn:
            _run_with(conn)
        return
    _run_with(connection)


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
