"""Backups and restore: the one implementation behind `jtek backup`, the daily
automatic copy, the copy made before every migration, and `jtek restore`.

Why SQLite's online backup API and not a file copy: other agents keep writing
while we copy. The API copies every page inside one read transaction (WAL
readers never block writers), so the copy is the database as of one instant,
WAL contents included. Copying the file would miss the `-wal` and could tear.

Every copy is written to a hidden `.part` file beside its target, flushed to
disk and then renamed into place: a crash or a full disk never leaves a
half-written file under a backup's name. Copies are switched out of WAL mode
so a backup is one self-contained file.

Permissions: a backup is never more readable than the database it copies
(0600 for a private database, 0660 for a team database shared with
`jtek db share`); the `backups/` folder follows the same rule.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jtek_tui.db import (
    _CORRUPT,
    _NOTADB,
    _translate,
    file_id,
    known_revisions,
    sqlite_uri,
    translating,
)
from jtek_tui.domain import clock
from jtek_tui.domain.errors import DatabaseError, InputError, JtekError, NotFoundError, RefusedError

if TYPE_CHECKING:
    from jtek_tui.db import Database

DAILY = "daily"
#: Half-written copies older than this are debris from a crash: rotation removes them.
STALE_PART_SECONDS = 24 * 3600


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def backup_path(db: Database, kind: str = "manual") -> Path:
    """A fresh timestamped name in the database's `backups/` folder."""
    assert db.path is not None
    folder = db.backup_dir()
    base = f"{db.path.stem}-{kind}-{_stamp()}"
    target, n = folder / f"{base}.db", 1
    while target.exists():
        n += 1
        target = folder / f"{base}-{n}.db"
    return target


def daily_path(db: Database) -> Path:
    assert db.path is not None
    return db.backup_dir() / f"{db.path.stem}-{DAILY}-{clock.today().isoformat()}.db"


def file_mode(db_path: Path) -> int:
    """Owner read/write, plus whatever group access the database itself grants."""
    try:
        mode = os.stat(db_path).st_mode
    except OSError:
        mode = 0
    return 0o600 | (mode & 0o060)


def ensure_backup_dir(folder: Path, db_path: Path) -> Path:
    """Create `folder` no more open than the database (setgid kept for team folders)."""
    if folder.is_dir():
        return folder
    if folder.exists():
        raise DatabaseError(f"{folder} is not a folder, so backups cannot go there.")
    with translating():
        folder.mkdir(mode=0o700, exist_ok=True)
        db_mode = os.stat(db_path).st_mode if db_path.exists() else 0
        mode = 0o700
        if db_mode & 0o020:
            mode |= 0o070
        elif db_mode & 0o040:
            mode |= 0o050
        if os.stat(folder.parent).st_mode & stat.S_ISGID:
            mode |= stat.S_ISGID
        os.chmod(folder, mode)  # explicit: the umask must not decide
    return folder


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                p.unlink()
            except OSError:
                pass


def _copy(source: sqlite3.Connection, target: Path, mode: int, *, verify: bool) -> None:
    """Online-backup `source` into `target` atomically (via a .part file)."""
    folder = target.parent
    tmp = folder / f".{target.name}.{os.getpid()}.part"
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, mode)
        os.close(fd)
        os.chmod(tmp, mode)
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            source.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if verify:
                result = dst.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise DatabaseError(f"The copy failed its check ({result}); the backup was not kept.")
        finally:
            dst.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(folder, directory=True)
    except BaseException:
        _remove_quietly(tmp)
        raise


def backup_database(db: Database, target: Path, *, verify: bool = False) -> Path:
    """Copy `db` to `target` while others keep working; returns `target`.

    The copy goes through the database's own connection, so it works in every
    mode the database was opened in (read-write, read-only, snapshot).
    """
    if db.path is None:
        raise DatabaseError("Only SQLite file databases can be backed up.")
    target = Path(target).absolute()
    if target.exists() and target.is_dir():
        raise InputError(f"{target} is a folder; give a file name for the backup.")
    if file_id(target) is not None and file_id(target) == file_id(db.path):
        raise InputError("That is the database itself; choose another file for the backup.")
    if target.parent == db.backup_dir():
        ensure_backup_dir(target.parent, db.path)
    elif not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
    with translating(target.parent), db.engine.connect() as conn:
        _copy(conn.connection.driver_connection, target, file_mode(db.path), verify=verify)
    return target


def rotate(db: Database, keep: int) -> list[Path]:
    """Keep the newest `keep` daily backups of this database; returns what was removed.

    Manual and pre-upgrade backups are never rotated away: someone made them on purpose.
    """
    assert db.path is not None
    folder = db.backup_dir()
    dailies = sorted(folder.glob(f"{db.path.stem}-{DAILY}-*.db"))
    doomed = dailies[:-keep] if keep > 0 else []
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > STALE_PART_SECONDS:
                doomed.append(part)
        except OSError:
            pass
    removed = []
    for path in doomed:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass  # another agent rotated it first, or it is not ours to delete
    return removed


def daily_backup(db: Database, keep: int) -> Path | None:
    """Today's automatic backup, if nobody has made it yet (then rotate).

    Cheap when already done (one `stat`), which is every start but the first of
    the day. Never stops Jtek from opening: a failure becomes a notice.
    """
    if db.path is None or db.readonly or keep <= 0:
        return None
    target = daily_path(db)
    if target.exists():
        return None
    try:
        backup_database(db, target)
        rotate(db, keep)
    except (JtekError, OSError, sqlite3.Error) as error:
        reason = error if isinstance(error, JtekError) else (_translate(error, db.backup_dir()) or error)
        db.notices.append(f"The automatic daily backup failed: {reason}")
        return None
    return target


@dataclass
class BackupFile:
    path: Path
    kind: str  # daily | manual | pre-upgrade-0001 | …
    size: int
    modified: datetime

    def to_json(self) -> dict:
        return {"path": str(self.path), "kind": self.kind, "size_bytes": self.size,
                "modified": self.modified.isoformat().replace("+00:00", "Z")}


def list_backups(db: Database) -> list[BackupFile]:
    """This database's backups in its `backups/` folder, oldest first."""
    assert db.path is not None
    folder = db.backup_dir()
    prefix = f"{db.path.stem}-"
    out = []
    for path in folder.glob(f"{prefix}*.db") if folder.is_dir() else []:
        rest = path.stem[len(prefix):]
        kind = DAILY if rest.startswith(f"{DAILY}-") else rest.rsplit("-", 1)[0]
        st = path.stat()
        out.append(BackupFile(path, kind, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
    return sorted(out, key=lambda b: b.modified)


# -- restore ----------------------------------------------------------------------

@dataclass
class BackupInfo:
    """What a candidate backup holds, once it has passed the checks."""

    path: Path
    revision: str
    contacts: int
    opportunities: int

    def to_json(self) -> dict:
        return {"path": str(self.path), "schema": self.revision, "contacts": self.contacts,
                "opportunities": self.opportunities}


def _open_for_reading(path: Path) -> sqlite3.Connection:
    """Read a file nobody writes: immutable unless a `-wal` beside it holds data."""
    wal = Path(f"{path}-wal")
    params = {"mode": "ro"} if wal.exists() and wal.stat().st_size else {"mode": "ro", "immutable": "1"}
    return sqlite3.connect(sqlite_uri(path, **params), uri=True)


def inspect_backup(path: Path) -> BackupInfo:
    """Refuse anything but an intact Jtek database this version can open."""
    path = Path(path).absolute()
    if not path.exists():
        raise NotFoundError(f"There is no file {path}.")
    if path.is_dir():
        raise InputError(f"{path} is a folder; name a backup file.")
    not_jtek = RefusedError(f"{path} is not a Jtek database; nothing was restored.")
    try:
        conn = _open_for_reading(path)
    except sqlite3.Error:
        raise RefusedError(f"{path} cannot be opened as a database; nothing was restored.") from None
    try:
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError:
            raise not_jtek from None
        if problems != ["ok"]:
            raise RefusedError(
                f"{path} fails SQLite's integrity check ({problems[0]}); nothing was restored."
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "opportunity", "contact", "stage_change"} <= tables:
            raise not_jtek
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None:
            raise not_jtek
        if row[0] not in known_revisions():
            raise RefusedError(
                f"{path} was written by a newer version of Jtek; upgrade Jtek first. Nothing was restored."
            )
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise RefusedError(f"{path} has broken links between records; nothing was restored.")
        contacts = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
        opps = conn.execute("SELECT count(*) FROM opportunity").fetchone()[0]
        return BackupInfo(path, row[0], contacts, opps)
    finally:
        conn.close()


def _quiesce(target: Path) -> None:
    """Make sure nobody has `target` open, and fold its WAL into the main file.

    Every open SQLite connection to a WAL database holds a shared lock on it,
    so taking an EXCLUSIVE lock succeeds only when no other process (another
    agent's board, a running CLI command) has it open. Closing our connection
    afterwards, as the last one, checkpoints and deletes the `-wal`/`-shm`.
    """
    try:
        conn = sqlite3.connect(sqlite_uri(target, mode="rw"), uri=True, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return  # not openable at all: nobody can be using it either
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        if code in (_CORRUPT, _NOTADB):
            return  # a damaged file: exactly what restore is for
        translated = _translate(error)
        if translated is not None and "busy" in str(translated):
            raise DatabaseError(
                f"Other Jtek sessions have {target} open; ask everyone to quit Jtek, then restore "
                "again. Nothing was restored."
            ) from None
        if translated is None:
            raise
        raise translated from None
    finally:
        conn.close()


@dataclass
class RestoreResult:
    target: Path
    kept: Path | None
    info: BackupInfo


def restore_database(target: Path, source: Path) -> RestoreResult:
    """Replace the database at `target` with the backup `source`, keeping the old file.

    Checks the backup first (integrity, is-a-Jtek-database, not too new), then
    refuses if anyone has the database open. The old file stays beside it as
    `<name>.before-restore-<stamp>`. The swap is a rename, so the path always
    names a complete database; a process that still had the old file open
    notices the swap (see `Database._same_file`) and writes to the new one.
    """
    target, source = Path(target).absolute(), Path(source).absolute()
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
    if target.exists() and file_id(source) == file_id(target):
        raise InputError("That file is the database itself; name a backup to restore from.")
    info = inspect_backup(source)
    mode, gid = 0o600, None
    if target.exists():
        st = os.stat(target)
        mode, gid = 0o600 | (st.st_mode & 0o060), st.st_gid
    folder = target.parent
    staged = folder / f".{target.name}.restore.{os.getpid()}.part"
    with translating(folder):
        src = _open_for_reading(source)
        try:
            _copy(src, staged, mode, verify=True)
        finally:
            src.close()
        try:
            if gid is not None and os.stat(staged).st_gid != gid:
                try:
                    os.chown(staged, -1, gid)
                except OSError:
                    pass  # not a member of that group: the folder's setgid bit usually covers it
            kept = None
            if target.exists():
                _quiesce(target)
                kept = folder / f"{target.name}.before-restore-{_stamp()}"
                try:
                    os.link(target, kept)  # the path keeps naming a database throughout
                except OSError:
                    os.rename(target, kept)
                for suffix in ("-wal", "-shm"):
                    side = Path(f"{target}{suffix}")
                    if side.exists():  # someone opened it after all: their WAL belongs to the old file
                        os.replace(side, Path(f"{kept}{suffix}"))
            os.replace(staged, target)
            _fsync(folder, directory=True)
        except BaseException:
            _remove_quietly(staged)
            raise
    return RestoreResult(target, kept, info)
