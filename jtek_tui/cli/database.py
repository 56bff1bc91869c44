"""`jtek db …`"""

from __future__ import annotations

import click

from jtek_tui.cli.output import console, emit_json, fields, say, warn
from jtek_tui.cli.root import State, pass_state
from jtek_tui.config import resolve_db_url, sqlite_path
from jtek_tui.domain.errors import InputError


@click.group("db")
def db() -> None:
    """The database file: where it is, its state, upgrading and sharing it."""


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


@db.command("info")
@click.option("--json", "as_json", is_flag=True,
              help="JSON: path, access (read-write | read-only | read-only snapshot), schema, "
                   "size_bytes, mode, permissions, owner, group, shared, you, backups, last_backup, notices.")
@pass_state
def info(state: State, as_json: bool) -> None:
    """Show the database's file, access mode, permissions and backups."""
    from jtek_tui.io.backup import list_backups
    from jtek_tui.io.permissions import describe

    database = state.db()
    if database.path is None:
        raise InputError("Only SQLite file databases have file information.")
    access = "read-only snapshot" if database.snapshot else "read-only" if database.readonly else "read-write"
    perms = describe(database.path)
    backups = list_backups(database)
    data = {
        "path": str(database.path), "access": access, "schema": database.current_revision(),
        "size_bytes": database.path.stat().st_size, "mode": f"{perms.mode:04o}",
        "permissions": perms.permissions, "owner": perms.owner, "group": perms.group,
        "shared": perms.shared, "you": database.actor_login, "backups": len(backups),
        "last_backup": str(backups[-1].path) if backups else None, "notices": database.notices,
    }
    if as_json:
        emit_json(data)
        return
    console.print(fields([
        ("Database", data["path"]), ("Access", access + (f" — {database.readonly_message}" if database.readonly else "")),
        ("Schema", data["schema"]), ("Size", f"{data['size_bytes']} bytes"),
        ("Permissions", f"{perms.permissions} {perms.owner}:{perms.group}"
                        + (" (shared with the group)" if perms.shared else " (private)")),
        ("You", data["you"] or "—"), ("Backups", f"{len(backups)} in {database.backup_dir()}"),
        ("Last backup", data["last_backup"] or "—"),
    ]))
    for notice in database.notices:
        warn(notice)


@db.command("share")
@click.option("--group", required=True, help="The team's Unix group (every agent must be in it).")
@pass_state
def share(state: State, group: str) -> None:
    """Make this database a team database for GROUP.

    The folder becomes group-owned with the setgid bit (2770), the database and
    its -wal/-shm/backups group read-write (0660). Agents should use `umask 007`.
    Run it on a database in its own folder, e.g. /srv/jtek/team.db.
    """
    from jtek_tui.io.permissions import share_database

    target = sqlite_path(resolve_db_url(state.target))
    if target is None:
        raise InputError("Only SQLite file databases can be shared.")
    state.db()  # a usable Jtek database (created or upgraded) before handing it over
    state.close()
    report = share_database(target, group)
    for p, old, new in report.changed:
        say(f"{p}: {old:04o} -> {new:04o}, group {group}")
    say(f"{target} is now shared with the group {group}. Every agent should be in that group and "
        "use `umask 007` (e.g. in ~/.profile); see docs/shared-box.md.")
    for warning in report.warnings:
        warn(warning)


COMMANDS = [db]
