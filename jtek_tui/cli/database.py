"""`jtek db …`"""

from __future__ import annotations

import click

from jtek_tui.cli.output import say
from jtek_tui.cli.root import State, pass_state
from jtek_tui.config import resolve_db_url, sqlite_path


@click.group("db")
def db() -> None:
    """The database file: where it is, upgrading it."""


@db.command("path")
@pass_state
def path(state: State) -> None:
    """Print the database path (or URL) in use."""
    url = resolve_db_url(state.target)
    click.echo(str(sqlite_path(url) or url))


@db.command("upgrade")
@pass_state
def upgrade(state: State) -> None:
    """Bring the database schema up to date (a backup is made first)."""
    from jtek_tui.db import HEAD_REVISION

    state.db()  # opening upgrades (after a backup) or refuses a newer schema
    say(f"Database is at schema {HEAD_REVISION} (current).")


COMMANDS = [db]
