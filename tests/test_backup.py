"""Backups (manual, daily with rotation, before migrations) and restore."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jtek_tui.domain import contacts as C
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import DatabaseError, RefusedError
from jtek_tui.io import backup as B


def count(path: Path, table: str = "contact") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        return raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_backup_is_consistent_while_another_agent_writes(db, db_path, tmp_path):
    writer = open_database(str(db_path), login="bob", daily_backup=False)
    stop = threading.Event()
    written = []

    def keep_writing():
        i = 0
        while not stop.is_set():
            with writer.write():  # two rows per transaction: a copy must never hold one of them
                C.create_contact(writer, f"Pair {i} A")
                C.create_contact(writer, f"Pair {i} B")
            written.append(i)
            i += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        copies = [B.backup_database(db, tmp_path / f"copy{n}.db", verify=True) for n in range(5)]
    finally:
        stop.set()
        thread.join()
        writer.dispose()
    assert written
    for copy in copies:
        assert count(copy) % 2 == 0
        assert count(copy) >= 0
        with open(copy, "rb") as fh:
            assert fh.read(20)[18:20] == b"\x01\x01"  # rollback journal, not WAL: one self-contained file
        assert not Path(f"{copy}-wal").exists()
        assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600


def test_daily_backup_once_a_day_with_rotation(db_path, frozen, monkeypatch):
    open_database(str(db_path)).dispose()  # created: nothing worth a backup yet
    folder = db_path.parent / "backups"
    assert not folder.exists()
    for day in range(1, 11):
        frozen(datetime(2026, 3, day, 12, tzinfo=UTC))
        for _ in range(2):  # opening twice the same day makes one backup
            open_database(str(db_path)).dispose()
    dailies = sorted(p.name for p in folder.glob("jtek-daily-*.db"))
    assert dailies == [f"jtek-daily-2026-03-{d:02d}.db" for d in range(4, 11)]  # keep = 7 by default


def test_daily_backup_keep_setting(db_path, frozen):
    from jtek_tui.config import settings_path

    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("[backup]\nkeep = 2\n")
    open_database(str(db_path)).dispose()
    for day in (1, 2, 3):
        frozen(datetime(2026, 3, day, 12, tzinfo=UTC))
        open_database(str(db_path)).dispose()
    assert len(list((db_path.parent / "backups").glob("*-daily-*.db"))) == 2
    settings_path().write_text("[backup]\nkeep = 0\n")  # 0: no automatic backups at all
    frozen(datetime(2026, 3, 4, 12, tzinfo=UTC))
    open_database(str(db_path)).dispose()
    assert not (db_path.parent / "backups" / "jtek-daily-2026-03-04.db").exists()


def test_a_failed_daily_backup_is_a_notice_not_a_failure(db_path):
    open_database(str(db_path)).dispose()
    (db_path.parent / "backups").write_text("a file where the folder should be")
    db = open_database(str(db_path))
    try:
        assert len(db.notices) == 1 and db.notices[0].startswith("The automatic daily backup failed:")
        C.create_contact(db, "Still works")
    finally:
        db.dispose()


def test_cli_backup_list_and_restore(jtek, db_path, tmp_path):
    assert jtek("contact", "add", "Kept Contact").code == 0
    r = jtek("backup", "--json")
    assert r.code == 0, r.err
    made = Path(r.json()["path"])
    assert made.parent == db_path.parent / "backups" and made.exists()
    assert jtek("backup", str(made)).code == 2  # never overwrites
    assert jtek("backup", str(tmp_path)).code == 0  # a folder: a timestamped file inside
    listing = jtek("backup", "--list", "--json").json()
    assert {b["kind"] for b in listing} >= {"manual"}
    assert jtek("contact", "add", "Added Later").code == 0
    r = jtek("restore", str(made), "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["contacts"] == 1 and data["database"] == str(db_path)
    kept = Path(data["kept_as"])
    assert kept.name.startswith("jtek.db.before-restore-") and count(kept) == 2
    assert [c["name"] for c in jtek("contact", "list", "--json").json()] == ["Kept Contact"]
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_restore_refuses_while_someone_has_it_open(db, jtek, db_path, tmp_path):
    copy = B.backup_database(db, tmp_path / "copy.db")
    C.create_contact(db, "Mine")
    r = jtek("restore", str(copy))
    assert r.code == 1 and "Other Jtek sessions have" in r.err
    assert count(db_path) == 1  # untouched
    assert not list(db_path.parent.glob("*.before-restore-*"))


@pytest.mark.parametrize("damage", ["garbage", "corrupt", "foreign", "newer"])
def test_restore_checks_the_backup_first(db, db_path, tmp_path, damage):
    bad = tmp_path / "bad.db"
    if damage == "garbage":
        bad.write_text("certainly not a database\n" * 100)
    elif damage == "foreign":
        with sqlite3.connect(bad) as raw:
            raw.execute("CREATE TABLE stuff (x)")
    else:
        B.backup_database(db, bad)
        with sqlite3.connect(bad) as raw:
            if damage == "newer":
                raw.execute("UPDATE alembic_version SET version_num = '9999'")
            else:
                raw.execute("PRAGMA writable_schema = ON")
                raw.execute("UPDATE sqlite_master SET rootpage = 9999 WHERE name = 'contact'")
    db.dispose()
    before = db_path.read_bytes()
    with pytest.raises(RefusedError) as info:
        B.restore_database(db_path, bad)
    assert "nothing was restored" in str(info.value).lower()
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.before-restore-*"))
    assert not list(db_path.parent.glob(".*.part"))


def test_restore_onto_a_damaged_database_keeps_it(tmp_path, db, db_path):
    good = B.backup_database(db, tmp_path / "good.db")
    db.dispose()
    for side in ("-wal", "-shm"):
        Path(f"{db_path}{side}").unlink(missing_ok=True)
    db_path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    result = B.restore_database(db_path, good)
    assert result.kept is not None and result.kept.read_bytes().startswith(b"SQLite format 3\x00\xff")
    open_database(str(db_path)).dispose()


def test_old_backup_is_upgraded_after_restore(jtek, db_path, tmp_path):
    from jtek_tui.db import HEAD_REVISION, Database

    old = Database(str(tmp_path / "old.db"))
    old.upgrade("0001")
    old.dispose()
    assert jtek("contact", "list").code == 0
    r = jtek("restore", str(tmp_path / "old.db"))
    assert r.code == 0, r.err
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION


def test_migration_backup_uses_the_same_implementation(db_path, monkeypatch):
    from jtek_tui.db import Database

    calls = []
    real = B.backup_database
    monkeypatch.setattr(B, "backup_database", lambda db, target, **kw: calls.append(target) or real(db, target, **kw))
    old = Database(str(db_path))
    old.upgrade("0001")
    old.dispose()
    open_database(str(db_path)).dispose()
    assert [c.name.split("-")[1] for c in calls] == ["pre", "daily"]  # both through backup_database
    assert "pre-upgrade-0001" in calls[0].name


def test_backup_to_a_full_disk_leaves_no_partial_file(db, tmp_path, monkeypatch):
    import errno

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(B, "_fsync", no_space)
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    with pytest.raises(DatabaseError, match="disk is full"):
        B.backup_database(db, folder / "full.db")
    assert list(folder.iterdir()) == []
