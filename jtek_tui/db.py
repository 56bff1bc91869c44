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
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def _translate(error: BaseException) -> JtekError | None:
    """Map driver errors to the plain sentences users see."""
    text = str(getattr(error, "orig", error)).lower()
    if "database is locked" in text or "database is busy" in text:
        return BusyError(BUSY_MESSAGE)
    if "readonly database" in text or "read-only" in text:
        return ReadOnlyError("The database is read-only for you; nothing was changed.")
    if "database or disk is full" in text or "disk is full" in text:
        return DatabaseError("The disk is full; nothing was changed. Free some space and try again.")
    if "disk i/o error" in text:
        return DatabaseError("The disk reported an I/O error; nothing was changed.")
    if "file is not a database" in text or "malformed" in text:
        return DatabaseError("The database file is damaged or is not a Jtek database.")
    if "unable to open database" in text:
        return DatabaseError("The database file cannot be opened (check the path and permissions).")
    return None


class Database:
    """One database: engines, units of work, and who is acting.

    `read()` and `write()` are re-entrant per thread: a domain function called
    inside another's `write()` joins that transaction instead of opening a new
    one, so composite actions (an automation moving a deal during a move) stay
    one unit of work.
    """

    def __init__(self, url: str | None = None, *, readonly: bool | None = None):
        self.url = resolve_db_url(url)
        self.path = sqlite_path(self.url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.created = False
        self.actor_id: int | None = None
        self.actor_login: str | None = None
        #: Runs callbacks queued with `after_commit`; the TUI swaps in a worker.
        self.after_commit_runner: Callable[[list[Callable[[], Any]]], None] = _run_now
        self._local = threading.local()
        if self.path is not None:
            self._prepare_file()
        if readonly is None:
            readonly = self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK)
        self.readonly = readonly
        self.engine = self._make_engine()
        self.write_engine = self.engine.execution_options(jtek_immediate=True)
        self._check_readable()

    # -- set-up -----------------------------------------------------------------
    def _prepare_file(self) -> None:
        assert self.path is not None
        parent = self.path.parent
        if not parent.exists():
            from jtek_tui.config import data_dir

            if parent == data_dir() or data_dir() in parent.parents:
                parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            else:
                raise DatabaseError(f"The folder {parent} does not exist.")
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
                raise DatabaseError(f"Cannot create {self.path}: {error.strerror}.") from None

    def _make_engine(self) -> sa.Engine:
        if not self.is_sqlite:
            return sa.create_engine(self.url)
        readonly = self.readonly
        path = self.path

        def creator() -> sqlite3.Connection:
            target = ":memory:" if path is None else str(path)
            if readonly and path is not None:
                return sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
            return sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

        pool = sa.pool.StaticPool if path is None else sa.pool.QueuePool
        engine = sa.create_engine("sqlite://", creator=creator, poolclass=pool)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            try:
                if not readonly:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                cur.execute("PRAGMA synchronous=NORMAL")
            finally:
                cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get("jtek_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def _check_readable(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master" if self.is_sqlite else "SELECT 1")
        except exc.DBAPIError as error:
            translated = _translate(error)
            if translated is None or isinstance(translated, BusyError):
                where = self.path or self.url
                raise DatabaseError(f"{where} is not a usable Jtek database.") from None
            raise translated from None

    # -- units of work -------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success."""
        active = getattr(self._local, "write", None)
        if active is not None:
            yield active
            return
        if self.readonly:
            raise ReadOnlyError("This database is open read-only; nothing was changed.")
        session = Session(self.write_engine, expire_on_commit=False)
        session.info["db"] = self
        session.info["after_commit"] = []
        self._local.write = session
        try:
            try:
                yield session
                session.commit()
            except exc.DBAPIError as error:
                session.rollback()
                translated = _translate(error)
                if translated is None:
                    raise
                raise translated from None
            except BaseException:
                session.rollback()
                raise
        finally:
            self._local.write = None
            session.close()
        callbacks = session.info["after_commit"]
        if callbacks:
            self.after_commit_runner(callbacks)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; joins an active write in this thread."""
        active = getattr(self._local, "write", None)
        if active is not None:
            yield active
            return
        session = Session(self.engine, expire_on_commit=False)
        session.info["db"] = self
        try:
            try:
                yield session
            except exc.DBAPIError as error:
                translated = _translate(error)
                if translated is None:
                    raise
                raise translated from None
        finally:
            session.close()  # ends the read transaction; loaded objects stay usable

    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version` on a dedicated connection (changes by others)."""
        conn = getattr(self, "_dv_conn", None)
        if conn is None:
            conn = self._dv_conn = self.engine.raw_connection()
        cur = conn.cursor()
        try:
            cur.execute("PRAGMA data_version")
            return int(cur.fetchone()[0])
        finally:
            cur.close()

    def dispose(self) -> None:
        conn = getattr(self, "_dv_conn", None)
        if conn is not None:
            conn.close()
            self._dv_conn = None
        self.engine.dispose()

    # -- schema --------------------------------------------------------------------
    def current_revision(self) -> str | None:
        """The Alembic revision stored in the database; '' for an empty database."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = set(inspector.get_table_names())
            if "alembic_version" not in tables:
                if tables:
                    return None
                return ""
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return row[0] if row else ""

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
        from alembic import command

        cfg = alembic_config()
        with self.write_engine.connect() as conn:
            if self.is_sqlite:
                # Batch migrations recreate tables; foreign keys must be off
                # (outside any transaction) while they do.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
            finally:
                if self.is_sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")

    def backup_to(self, target: Path) -> Path:
        """A consistent copy through SQLite's online backup API, readable by the owner only."""
        if self.path is None:
            raise DatabaseError("Only SQLite file databases can be backed up this way.")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(target.name + ".part")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        os.close(fd)
        src = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        os.replace(tmp, target)
        return target

    def backup_dir(self) -> Path:
        assert self.path is not None
        return self.path.parent / "backups"

    def backup_before_migration(self, rev: str) -> Path | None:
        if self.path is None:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return self.backup_to(self.backup_dir() / f"{self.path.stem}-pre-upgrade-{rev}-{stamp}.db")


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
