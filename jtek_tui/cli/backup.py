"""`jtek backup` and `jtek restore`."""

from __future__ import annotations

from pathlib import Path

import click

from jtek_tui.cli.output import console, emit_json, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.config import resolve_db_url, sqlite_path
from jtek_tui.domain.errors import InputError
from jtek_tui.domain.formatting import local


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=True))
@click.option("--list", "list_only", is_flag=True, help="List this database's backups instead.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON: {path, size_bytes, database}; with --list a list of {path, kind, size_bytes, modified}.")
@pass_state
def backup(state: State, path: Path | None, list_only: bool, as_json: bool) -> None:
    """Copy the database to PATH while others keep working (SQLite's online backup).

    Without PATH the copy goes to backups/ beside the database, named with the
    time. PATH may be a folder. An existing file is never overwritten.
    """
    from jtek_tui.io import backup as B

    db = state.db()
    if db.path is None:
        raise InputError("Only SQLite file databases can be backed up.")
    if list_only:
        files = B.list_backups(db)
        if as_json:
            emit_json([f.to_json() for f in files])
            return
        console.print(table(
            f"Backups of {db.path.name} ({len(files)}) in {db.backup_dir()}",
            ["File", "Kind", ("Size", "right"), "Made (local)"],
            ([f.path.name, f.kind, _size(f.size), local(f.modified)] for f in files),
        ))
        return
    if path is None:
        target = B.backup_path(db)
    elif path.is_dir():
        target = path / B.backup_path(db).name
    else:
        target = path
    if target.exists():
        raise InputError(f"{target} already exists; choose another name (backups never overwrite a file).")
    done = B.backup_database(db, target, verify=True)
    size = done.stat().st_size
    if as_json:
        emit_json({"path": str(done), "size_bytes": size, "database": str(db.path)})
    else:
        say(f"Backed up {db.path} to {done} ({_size(size)}, checked).")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="JSON: {database, restored_from, kept_as, schema, contacts, opportunities}.")
@pass_state
def restore(state: State, path: Path, as_json: bool) -> None:
    """Replace the database with the backup PATH.

    The backup must pass SQLite's integrity check and be a Jtek database. Nobody
    may have the database open (ask everyone to quit Jtek first). The current
    file is kept beside it as NAME.before-restore-TIME.
    """
    from jtek_tui.io.backup import restore_database

    target = sqlite_path(resolve_db_url(state.target))
    if target is None:
        raise InputError("Only SQLite file databases can be restored.")
    result = restore_database(target, path)
    state.target = str(target)
    state.db()  # brings an older backup's schema up to date (after its own backup)
    info = result.info
    if as_json:
        emit_json({"database": str(target), "restored_from": str(info.path),
                   "kept_as": str(result.kept) if result.kept else None, "schema": info.revision,
                   "contacts": info.contacts, "opportunities": info.opportunities})
        return
    say(f"Restored {target} from {info.path}: {info.contacts} contacts, {info.opportunities} "
        "opportunities (integrity checked).")
    if result.kept:
        say(f"The previous file is kept as {result.kept}.")


COMMANDS = [backup, restore]
