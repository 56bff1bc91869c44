"""Engine, connection pragmas, units of work and the migration runner.

Why the transaction plumbing is hand-rolled
-------------------------------------------
Several agents run `jtek` against one SQLite file. Python's sqlite3 driver
opens transactions lazily (deferred), so two writers can both read and then
deadlock on upgrade to a write lock. We switch the driver to autocommit
(`isolation_level = None`) and emit `BEGIN` ourselves: `BEGIN IMMEDIATE` for
writes (the lock is taken up front and waits `busy_timeout`), plain `BEGIN`
for reads. SQLAlchemy's documented recipe reads `dbapi_connection.autocommit`,
which Python 3.11 does not have, hence the `connect` listener below.

Shared-box decisions (see docs/shared-box.md)
---------------------------------------------
- No retry loop on top of `busy_timeout`: SQLite's busy handler already
  retries the lock with back-off for up to `BUSY_TIMEOUT_MS`, and a unit of
  work cannot be replayed from here (its body ran on data read inside the
  transaction). Past the timeout the caller gets `BusyError`, a plain sentence.
- `synchronous=NORMAL` (with WAL): a process killed at any moment, even with
  SIGKILL mid-write, loses no acknowledged change and leaves the file
  consistent (tests/test_crash_safety.py). Only an OS crash or power cut can
  roll back the last commits, never corrupt the file. FULL would close that
  window at ~1.5 ms per commit on this machine; the foundation issue asks for
  NORMAL and daily backups cover the rest (docs/decisions.md).
- Every driver error, on every path (open, read, BEGIN, commit, migrations,
  backups, `data_version`), goes through `translating()` and comes out as a
  typed error with a plain sentence.
- A connection remembers which file (device, inode) it opened. If the path
  now names another file (`jtek restore` swapped it), units of work drop the
  stale connections and reopen, so nothing is written to the replaced file.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.orm import Session

from jtek_tui.config import resolve_db_url, sqlite_path
from jtek_tui.domain.errors import BusyError, DatabaseError, JtekError, ReadOnlyError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The newest migration this build knows. Checked against Alembic by a test, so
#: opening an up-to-date database never has to import Alembic (start-up time).
HEAD_REVISION = "0002"
BUSY_TIMEOUT_MS = 5000

BUSY_MESSAGE = "The database is busy (another agent is writing); try again in a moment."
READONLY_MESSAGE = "The database is open read-only (you can read it but not change it); nothing was changed."

# SQLite primary result codes (`sqlite3.Error.sqlite_errorcode & 0xff`).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


FULL_MESSAGE = "The disk is full; nothing was changed. Free some space and try again."
#: Below this much free space, an I/O error is reported as a full disk: SQLite
#: says "disk I/O error" when it cannot grow the `-shm` or `-wal` file.
NEARLY_FULL_BYTES = 1 << 20


def _nearly_full(where: Path | None) -> bool:
    if where is None:
        return False
    try:
        st = os.statvfs(where if where.is_dir() else where.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < NEARLY_FULL_BYTES


def _translate(error: BaseException, where: Path | None = None) -> JtekError | None:
    """Map driver and file-system errors to the plain sentences users see.

    `where` (the database file or a target folder) lets an I/O error on a disk
    with no space left say so. None means "not something a user can act on":
    the caller re-raises it and the front end logs it as an unexpected error.
    """
    if isinstance(error, JtekError):
        return error
    orig = getattr(error, "orig", None) or error
    if isinstance(orig, OSError):
        return _translate_os(orig)
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(orig).lower()
    if primary in (_BUSY, _LOCKED) or "database is locked" in text or "database is busy" in text:
        return BusyError(BUSY_MESSAGE)
    if primary == _READONLY or "readonly database" in text or "read-only" in text:
        return ReadOnlyError("The database is read-only for you; nothing was changed.")
    if primary == _FULL or "database or disk is full" in text or "disk is full" in text:
        return DatabaseError(FULL_MESSAGE)
    if primary == _IOERR or "disk i/o error" in text:
        if _nearly_full(where):
            return DatabaseError(FULL_MESSAGE)
        return DatabaseError("The disk reported an I/O error; nothing was changed.")
    if primary in (_CORRUPT, _NOTADB) or "file is not a database" in text or "malformed" in text:
        return DatabaseError("The database file is damaged or is not a Jtek database.")
    if primary == _CANTOPEN or "unable to open database" in text:
        return DatabaseError("The database file cannot be opened (check the path and permissions).")
    return None


def _translate_os(error: OSError) -> JtekError | None:
    where = f" ({error.filename})" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return DatabaseError(f"The disk is full{where}; nothing was written. Free some space and try again.")
    if error.errno == errno.EROFS:
        return ReadOnlyError(f"The file system is read-only{where}; nothing was written.")
    if error.errno in (errno.EACCES, errno.EPERM):
        return DatabaseError(f"Permission denied{where}; nothing was written.")
    if error.errno == errno.EIO:
        return DatabaseError(f"The disk reported an I/O error{where}.")
    if error.errno == errno.EDQUOT:
        return DatabaseError(f"Your disk quota is exhausted{where}; nothing was written.")
    return None


@contextmanager
def translating(where: Path | None = None) -> Iterator[None]:
    """Re-raise driver / OS errors as typed errors with a plain sentence."""
    try:
        yield
    except (exc.DBAPIError, sqlite3.Error, OSError) as error:
        translated = _translate(error, where)
        if translated is None:
            raise
        raise translated from None


def file_id(path: Path | None) -> tuple[int, int] | None:
    """(device, inode) of the file at `path` now, or None if there is none."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def sqlite_uri(path: Path, **params: str) -> str:
    """A `file:` URI for `path` (quoted, so `?`, `#` and `%` in names are safe)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path), safe='/')}" + (f"?{query}" if query else "")


def _can_open(path: Path, flags: int) -> bool:
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    os.close(fd)
    return True


def _access(path: Path, mode: int) -> bool:
    """`os.access` for the effective user (the one SQLite acts as)."""
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def writable(path: Path) -> bool:
    """Can this process write the database at `path`?

    Tries to open it (that honours the effective user, ACLs and read-only
    mounts, which mode bits alone do not). WAL mode also needs the `-wal` and
    `-shm` files beside it: a folder we cannot write is fine only while they
    exist and are writable.
    """
    if not _can_open(path, os.O_RDWR):
        return False
    if _access(path.parent, os.W_OK | os.X_OK):
        return True
    sidecars = [Path(f"{path}-wal"), Path(f"{path}-shm")]
    return all(_can_open(p, os.O_RDWR) for p in sidecars)


class _Connection(sqlite3.Connection):
    """A DB-API connection that knows which file it opened."""

    file_id: tuple[int, int] | None = None


class Database:
    """One database: engines, units of work, and who is acting.

    `read()` and `write()` are re-entrant per thread: a domain function called
    inside another's `write()` joins that transaction instead of opening a new
    one, so composite actions (an automation moving a deal during a move) stay
    one unit of work.

    Front ends read `readonly` (and `snapshot`, a read-only copy that does not
    see later changes) for the banner, and `notices` for one-line remarks made
    while opening (e.g. a failed automatic backup).
    """

    def __init__(self, url: str | None = None, *, readonly: bool | None = None,
                 busy_timeout_ms: int | None = None):
        self.url = resolve_db_url(url)
        self.path = sqlite_path(self.url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.busy_timeout_ms = busy_timeout_ms or BUSY_TIMEOUT_MS
        self.created = False
        self.actor_id: int | None = None
        self.actor_login: str | None = None
        #: True when SQLite could not share the file (no `-shm` and a folder we
        #: cannot write): we read an immutable snapshot that never sees others' changes.
        self.snapshot = False
        #: One-line remarks for the user, gathered while opening.
        self.notices: list[str] = []
        #: Runs callbacks queued with `after_commit`; the TUI swaps in a worker.
        self.after_commit_runner: Callable[[list[Callable[[], Any]]], None] = _run_now
        self._local = threading.local()
        self._generation = 0
        if self.path is not None:
            self._prepare_file()
        if readonly is None:
            readonly = self.path is not None and not writable(self.path)
        self.readonly = bool(readonly)
        self.engine = self._make_engine()
        self.write_engine = self.engine.execution_options(jtek_immediate=True)
        try:
            self._check_readable()
        except BaseException:
            self.engine.dispose()
            raise

    @property
    def readonly_message(self) -> str:
        """What the read-only banner (or a refused write) says."""
        if not self.readonly:
            return ""
        if self.snapshot:
            return ("Read-only snapshot: you can read this database but not change it, and changes "
                    "others make appear only when you reopen it.")
        return "Read-only: you can read this database but not change it."

    # -- set-up -----------------------------------------------------------------
    def _prepare_file(self) -> None:
        assert self.path is not None
        parent = self.path.parent
        if not parent.exists():
            from jtek_tui.config import data_dir

            if parent == data_dir() or data_dir() in parent.parents:
                with translating():
                    parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            else:
                raise DatabaseError(f"The folder {parent} does not exist.")
        if not parent.is_dir():
            raise DatabaseError(f"{parent} is not a folder.")
        if self.path.is_dir():
            raise DatabaseError(f"{self.path} is a folder, not a database file.")
        if not self.path.exists():
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass
            except PermissionError:
                raise DatabaseError(f"Cannot create {self.path}: permission denied.") from None
            except OSError as error:
                if error.errno == errno.EROFS:
                    raise DatabaseError(f"Cannot create {self.path}: the file system is read-only.") from None
                raise DatabaseError(f"Cannot create {self.path}: {error.strerror}.") from None
        elif not _access(self.path, os.R_OK):
            raise DatabaseError(f"You are not allowed to read {self.path} (check its permissions).")

    def _connect(self) -> _Connection:
        """A new DB-API connection with Jtek's pragmas (pooled ones and the data_version one)."""
        path, timeout = self.path, self.busy_timeout_ms / 1000
        if path is None:
            conn = sqlite3.connect(":memory:", timeout=timeout, check_same_thread=False, factory=_Connection)
        else:
            seen = file_id(path)  # before connecting: a swap in between only causes a harmless reopen
            if self.snapshot:
                uri = sqlite_uri(path, mode="ro", immutable="1")
            elif self.readonly:
                uri = sqlite_uri(path, mode="ro")
            else:
                uri = sqlite_uri(path, mode="rw")  # never silently create a new empty file
            conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False,
                                   factory=_Connection)
            conn.file_id = seen
        self._setup(conn)
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None
        try:
            conn.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            if not self.readonly:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            conn.close()
            raise

    def _make_engine(self) -> sa.Engine:
        if not self.is_sqlite:
            return sa.create_engine(self.url)
        # One connection per thread: the UI thread reads, writes and polls
        # `PRAGMA data_version` on the same connection, so the poll sees other
        # processes' (and worker threads') commits but never its own, and a
        # move does not trigger a needless reload of the whole board.
        pool = sa.pool.StaticPool if self.path is None else sa.pool.SingletonThreadPool
        options = {"pool_size": 16} if pool is sa.pool.SingletonThreadPool else {}
        engine = sa.create_engine("sqlite://", creator=self._connect, poolclass=pool, **options)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get("jtek_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def _check_readable(self) -> None:
        try:
            self._probe()
        except exc.DBAPIError as error:
            if self._try_snapshot(error):
                return
            if self._shm_unreadable(error):
                raise DatabaseError(
                    f"Cannot read {self.path} while others have it open: its -shm file is not readable "
                    "for you. Ask its owner to share it (jtek db share --group GROUP)."
                ) from None
            translated = _translate(error, self.path)
            if translated is None or isinstance(translated, BusyError):
                where = self.path or self.url
                raise DatabaseError(f"{where} is not a usable Jtek database.") from None
            raise translated from None

    def _probe(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master" if self.is_sqlite else "SELECT 1")

    def _try_snapshot(self, error: exc.DBAPIError) -> bool:
        """Fall back to an immutable read of a WAL database we may not share.

        Reading a WAL database needs its `-shm` file; when it does not exist and
        the folder is not ours to write, SQLite refuses even a read-only open.
        Reading the file as immutable is then safe only because no `-wal` file
        exists: nobody has it open and every committed change is in the main file. The price (said in
        `readonly_message`) is that later changes by others stay invisible.
        """
        if not (self.readonly and self.path is not None and not self.snapshot):
            return False
        code = getattr(error.orig, "sqlite_errorcode", 0) & 0xFF
        if code not in (_READONLY, _CANTOPEN):
            return False
        if Path(f"{self.path}-wal").exists():
            return False  # someone has it open: the main file alone may be stale or change under us
        self.engine.dispose()
        self.snapshot = True
        self.engine = self._make_engine()
        self.write_engine = self.engine.execution_options(jtek_immediate=True)
        try:
            self._probe()
        except exc.DBAPIError:
            self.snapshot = False
            return False
        self.notices.append(self.readonly_message)
        return True

    def _shm_unreadable(self, error: exc.DBAPIError) -> bool:
        code = getattr(error.orig, "sqlite_errorcode", 0) & 0xFF
        shm = Path(f"{self.path}-shm")
        return (self.readonly and self.path is not None and code in (_READONLY, _CANTOPEN)
                and shm.exists() and not _access(shm, os.R_OK))

    def _same_file(self, session: Session) -> bool:
        """Does the session's connection still point at the file at `path`?"""
        if self.path is None or self.snapshot:
            return True
        raw = session.connection().connection.driver_connection
        opened = getattr(raw, "file_id", None)
        return opened is None or opened == file_id(self.path)

    def _reset_connections(self) -> None:
        """Forget every pooled connection (the file behind the path changed)."""
        self._generation += 1
        self.engine.dispose()

    def _open_session(self, engine: sa.Engine) -> Session:
        """A session whose transaction has begun on the right file (BEGIN runs now)."""
        for _attempt in (1, 2):
            session = Session(engine, expire_on_commit=False)
            session.info["db"] = self
            try:
                with translating(self.path):
                    session.connection()  # emits BEGIN / BEGIN IMMEDIATE
                    if self._same_file(session):
                        return session
            except BaseException:
                _quiet_close(session)
                raise
            _quiet_close(session)
            self._reset_connections()
        raise DatabaseError("The database file keeps being replaced; try again in a moment.")

    # -- units of work -------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success."""
        active = getattr(self._local, "write", None)
        if active is not None:
            yield active
            return
        if getattr(self._local, "read", None) is not None:
            # This thread's one connection is inside a read transaction; a write
            # there could not take the lock up front (BEGIN IMMEDIATE).
            raise RuntimeError("a write was started inside a read; finish the read first")
        if self.readonly:
            raise ReadOnlyError(READONLY_MESSAGE)
        session = self._open_session(self.write_engine)
        session.info["after_commit"] = []
        self._local.write = session
        try:
            try:
                yield session
                session.commit()
            except (exc.DBAPIError, sqlite3.Error, OSError) as error:
                _quiet_rollback(session)
                translated = _translate(error, self.path)
                if translated is None:
                    raise
                raise translated from None
            except BaseException:
                _quiet_rollback(session)
                raise
        finally:
            self._local.write = None
            _quiet_close(session)
        callbacks = session.info["after_commit"]
        if callbacks:
            self.after_commit_runner(callbacks)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; joins an active write or read in this thread."""
        active = getattr(self._local, "write", None) or getattr(self._local, "read", None)
        if active is not None:
            yield active
            return
        session = self._open_session(self.engine)
        self._local.read = session
        try:
            try:
                yield session
            except (exc.DBAPIError, sqlite3.Error) as error:
                translated = _translate(error, self.path)
                if translated is None:
                    raise
                raise translated from None
        finally:
            self._local.read = None
            _quiet_close(session)  # ends the read transaction; loaded objects stay usable

    def data_version(self) -> int:
        """A number that changes when anyone else commits (compare for inequality only).

        SQLite's `PRAGMA data_version` on this thread's connection, the one its
        own reads and writes use: it changes for commits by other connections
        (other agents, worker threads), not for this thread's own. Cheap enough
        to poll every second. If the file behind the path was replaced (a
        restore), the connections are reopened and the number still changes.
        """
        if not self.is_sqlite:
            return 0
        with translating(self.path):
            for _ in (1, 2):
                pooled = self.engine.raw_connection()
                try:
                    raw = pooled.driver_connection
                    opened = getattr(raw, "file_id", None)
                    if opened is None or self.snapshot or opened == file_id(self.path):
                        value = int(raw.execute("PRAGMA data_version").fetchone()[0])
                        return (self._generation << 32) + value
                finally:
                    pooled.close()  # back to the pool: the same connection next time on this thread
                self._reset_connections()
        raise DatabaseError("The database file keeps being replaced; try again in a moment.")

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema --------------------------------------------------------------------
    def current_revision(self) -> str | None:
        """The Alembic revision stored in the database; '' for an empty database."""
        with translating(self.path), self.engine.connect() as conn:
            return _stored_revision(conn)

    def ensure_schema(self) -> None:
        """Create, upgrade (after a backup) or refuse, as the stored revision requires."""
        rev = self.current_revision()
        if rev == HEAD_REVISION:
            return
        if rev is None:
            raise DatabaseError(f"{self.path or self.url} holds other tables: it is not a Jtek database.")
        if rev and rev not in known_revisions():
            raise DatabaseError(
                "This database was written by a newer version of Jtek; upgrade Jtek to open it."
            )
        if self.readonly:
            raise DatabaseError("This database needs an upgrade, but it is read-only for you.")
        if rev:
            self.backup_before_migration(rev)
        else:
            self.created = True
        self.upgrade("head")

    def upgrade(self, revision: str = "head") -> None:
        """Run migrations in ONE transaction, taken before the stored revision is re-read.

        Two agents opening a new (or old) database at the same moment both
        decide to migrate; the second waits for the lock, sees the work done and
        does nothing. One transaction also means a crash mid-upgrade leaves the
        old schema intact.
        """
        from alembic import command

        cfg = alembic_config()
        with translating(self.path), self.write_engine.connect() as conn:
            raw = conn.connection.driver_connection
            if self.is_sqlite:
                # Batch migrations recreate tables; foreign keys must be off
                # (outside any transaction) while they do.
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    if revision == "head" and _stored_revision(conn) == HEAD_REVISION:
                        return
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, revision)
            finally:
                if self.is_sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")

    def backup_to(self, target: Path) -> Path:
        """A consistent copy through SQLite's online backup API (see `jtek_tui.io.backup`)."""
        from jtek_tui.io.backup import backup_database

        return backup_database(self, target)

    def backup_dir(self) -> Path:
        assert self.path is not None
        return self.path.parent / "backups"

    def backup_before_migration(self, rev: str) -> Path | None:
        if self.path is None:
            return None
        from jtek_tui.io.backup import backup_path

        return self.backup_to(backup_path(self, f"pre-upgrade-{rev}"))


def _stored_revision(conn: sa.Connection) -> str | None:
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    if "alembic_version" not in tables:
        return None if tables else ""
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else ""


def _quiet_rollback(session: Session) -> None:
    """Roll back without letting a second failure hide the first one."""
    try:
        session.rollback()
    except (exc.DBAPIError, sqlite3.Error, exc.SQLAlchemyError):
        pass


def _quiet_close(session: Session) -> None:
    try:
        session.close()
    except (exc.DBAPIError, sqlite3.Error, exc.SQLAlchemyError):
        pass


def _run_now(callbacks: list[Callable[[], Any]]) -> None:
    for callback in callbacks:
        callback()


def after_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Run `callback` once the current write transaction has committed."""
    session.info.setdefault("after_commit", []).append(callback)


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}
