"""Storage: pragmas, migrations, refusals and plain-sentence failures."""

import os
import sqlite3
import stat

import pytest

from jtek_tui.db import HEAD_REVISION, Database, known_revisions
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import DatabaseError


def test_head_constant_matches_alembic():
    from alembic.script import ScriptDirectory

    from jtek_tui.db import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
    assert {"0001", HEAD_REVISION} <= known_revisions()


def test_connection_pragmas(db):
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL (WAL: safe against process kills)


def test_writes_begin_immediate(db):
    statements = []
    from sqlalchemy import event

    @event.listens_for(db.engine, "before_cursor_execute")
    def log(conn, cursor, statement, *args):
        statements.append(statement)

    from jtek_tui.domain import contacts as C

    C.create_contact(db, "Maria")
    assert "BEGIN IMMEDIATE" in statements
    statements.clear()
    C.list_contacts(db)
    assert "BEGIN IMMEDIATE" not in statements


def test_new_database_file_is_private(db_path):
    open_database(str(db_path)).dispose()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_empty_to_head(db_path):
    db = open_database(str(db_path))
    assert db.created
    assert db.current_revision() == HEAD_REVISION
    db.dispose()


def test_first_revision_upgrades_to_head_after_backup(db_path):
    db = Database(str(db_path))
    db.upgrade("0001")
    with sqlite3.connect(db_path) as raw:
        raw.execute("INSERT INTO contact (first_name, last_name, created_at, updated_at) "
                    "VALUES ('Old', 'Timer', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    db.dispose()
    db = open_database(str(db_path))
    assert db.current_revision() == HEAD_REVISION
    from jtek_tui.domain import contacts as C

    assert [c.name for c in C.list_contacts(db)] == ["Old Timer"]
    backups = list(db.backup_dir().glob("*pre-upgrade-0001*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    db.dispose()


def test_newer_schema_is_refused(db_path):
    open_database(str(db_path)).dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="newer version of Jtek"):
        open_database(str(db_path))


@pytest.mark.parametrize("content", [b"hello, this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 200])
def test_garbage_file_is_a_plain_error(db_path, content):
    db_path.write_bytes(content)
    with pytest.raises(DatabaseError) as info:
        open_database(str(db_path))
    assert "not" in str(info.value) or "damaged" in str(info.value)


def test_foreign_sqlite_database_is_refused(db_path):
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE stuff (x)")
    with pytest.raises(DatabaseError, match="not a Jtek database"):
        open_database(str(db_path))


def test_missing_folder(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(str(tmp_path / "nope" / "jtek.db"))


def test_default_location_is_created(monkeypatch, tmp_path):
    from jtek_tui.config import default_db_path

    db = open_database(None)
    assert db.path == default_db_path() and db.path.exists()
    db.dispose()


def test_env_var_overrides(monkeypatch, tmp_path):
    target = tmp_path / "team.db"
    monkeypatch.setenv("JTEK_DB", str(target))
    db = open_database(None)
    assert db.path == target
    db.dispose()


def test_data_version_ignores_own_writes_but_sees_others(db, db_path):
    """The live-refresh poll must not reload after this process's own change."""
    from jtek_tui.domain import contacts as C

    before = db.data_version()
    C.create_contact(db, "Mine")
    assert db.data_version() == before
    other = open_database(str(db_path), login="bob")
    try:
        C.create_contact(other, "Theirs")
    finally:
        other.dispose()
    assert db.data_version() != before


def test_write_inside_read_is_a_programming_error(db):
    from jtek_tui.domain import contacts as C

    with db.read():
        with pytest.raises(RuntimeError, match="inside a read"):
            C.create_contact(db, "Nope")
