"""File modes on a shared box: private by default, group-shared on request, read-only when not writable."""

from __future__ import annotations

import grp
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from jtek_tui.db import Database
from jtek_tui.domain import contacts as C
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import DatabaseError, ReadOnlyError
from jtek_tui.io.backup import backup_database, backup_path
from tests.sharedbox_helpers import public_dir, unprivileged


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The worst case: an agent whose umask hands out everything."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_database_wal_shm_backups_and_data_dir_are_private(loose_umask):
    from jtek_tui.config import data_dir

    db = open_database(None)
    try:
        C.create_contact(db, "Maria")
        wal, shm = Path(f"{db.path}-wal"), Path(f"{db.path}-shm")
        assert wal.exists() and shm.exists()  # open connections keep them
        assert mode(db.path) == mode(wal) == mode(shm) == 0o600
        assert mode(data_dir()) == 0o700
        done = backup_database(db, backup_path(db))
        assert mode(done) == 0o600
        assert mode(done.parent) == 0o700
    finally:
        db.dispose()


def test_share_with_a_group_then_new_files_follow(jtek, tmp_path, loose_umask):
    team = tmp_path / "team"
    team.mkdir(mode=0o755)
    db_file = team / "team.db"
    group = grp.getgrgid(os.getegid()).gr_name  # a group we belong to (no root-only chgrp)
    assert jtek("contact", "add", "Maria", db=db_file).code == 0
    assert jtek("backup", db=db_file).code == 0
    r = jtek("db", "share", "--group", group, db=db_file)
    assert r.code == 0, r.err
    assert "umask 007" in r.out
    assert mode(team) == 0o2770
    assert mode(db_file) == 0o660
    backups = team / "backups"
    assert mode(backups) == 0o2770
    assert all(mode(p) == 0o660 for p in backups.glob("*.db"))
    db = open_database(str(db_file))
    try:
        C.create_contact(db, "Bob")
        for side in (f"{db_file}-wal", f"{db_file}-shm"):  # re-created by SQLite, like the database
            assert mode(Path(side)) == 0o660
            assert os.stat(side).st_gid == os.stat(team).st_gid
        assert mode(backup_database(db, backup_path(db))) == 0o660
    finally:
        db.dispose()
    info = jtek("db", "info", "--json", db=db_file).json()
    assert info["shared"] is True and info["mode"] == "0660" and info["access"] == "read-write"


def test_share_refuses_the_private_data_folder_and_unknown_groups(jtek):
    from jtek_tui.config import default_db_path

    default = default_db_path()
    r = jtek("db", "share", "--group", grp.getgrgid(os.getegid()).gr_name, db=default)
    assert r.code == 2 and "private files" in r.err
    assert mode(default.parent) == 0o700
    r = jtek("db", "share", "--group", "no-such-group-xyz", db=default)
    assert r.code == 2 and r.err.startswith("jtek: There is no group")


# -- read-only ---------------------------------------------------------------------

# Modes that leave `nobody` (as root) and the owner (as a normal user) only reading.
READ_ONLY_FILE, READ_ONLY_DIR = 0o444, 0o555


def _make_db(folder: Path, *, read_only: bool = True) -> Path:
    path = folder / "team.db"
    db = open_database(str(path), login="owner")
    C.create_contact(db, "Maria Johnson")
    db.dispose()  # last connection closed: no -wal/-shm left
    if read_only:
        os.chmod(path, READ_ONLY_FILE)
    return path


def test_forced_read_only_reads_and_refuses_writes(db_path):
    open_database(str(db_path)).dispose()
    db = open_database(str(db_path), readonly=True)
    try:
        assert db.readonly and "Read-only" in db.readonly_message
        C.list_contacts(db)
        with pytest.raises(ReadOnlyError, match="read-only"):
            C.create_contact(db, "Nope")
    finally:
        db.dispose()


def test_readable_not_writable_opens_read_only_and_sees_others_changes():
    """The folder is writable (SQLite can share the WAL), the file is not ours to write."""
    with public_dir() as folder:
        path = _make_db(folder, read_only=False)
        os.chmod(folder, 0o777)
        owner = open_database(str(path), login="owner")  # the owner keeps working meanwhile
        C.list_contacts(owner)  # its connection is open read-write before the modes change
        for name in (path, f"{path}-wal", f"{path}-shm"):  # as SQLite makes them on a 0444 file
            os.chmod(name, READ_ONLY_FILE)
        try:
            with unprivileged():
                db = open_database(str(path), login="guest")
                try:
                    assert db.readonly and not db.snapshot
                    before = db.data_version()
                    assert [c.name for c in C.list_contacts(db)] == ["Maria Johnson"]
                    with pytest.raises(ReadOnlyError):
                        C.create_contact(db, "Guest")
                    C.create_contact(owner, "Bob Owner")
                    assert db.data_version() != before
                    assert len(C.list_contacts(db)) == 2
                finally:
                    db.dispose()
        finally:
            owner.dispose()


def test_read_only_folder_without_wal_falls_back_to_a_snapshot():
    """No -shm and a folder we cannot write: SQLite refuses even reads unless immutable."""
    with public_dir() as folder:
        path = _make_db(folder)
        os.chmod(folder, READ_ONLY_DIR)
        assert not Path(f"{path}-shm").exists()
        with unprivileged():
            db = open_database(str(path), login="guest")
            try:
                assert db.readonly and db.snapshot
                assert "snapshot" in db.readonly_message and db.notices == [db.readonly_message]
                assert [c.name for c in C.list_contacts(db)] == ["Maria Johnson"]
                with pytest.raises(ReadOnlyError):
                    C.create_contact(db, "Guest")
            finally:
                db.dispose()
        assert sorted(p.name for p in folder.iterdir()) == ["team.db"]  # left nothing behind


def test_read_only_folder_with_a_live_writer_is_read_normally():
    """Another agent has it open (so -wal/-shm exist): no snapshot, their data is seen."""
    with public_dir() as folder:
        path = _make_db(folder, read_only=False)
        owner = open_database(str(path), login="owner")
        try:
            C.create_contact(owner, "Only In The Wal")
            for name in (path, f"{path}-wal", f"{path}-shm"):
                os.chmod(name, READ_ONLY_FILE)
            os.chmod(folder, READ_ONLY_DIR)
            with unprivileged():
                db = open_database(str(path), login="guest")
                try:
                    assert db.readonly and not db.snapshot
                    assert len(C.list_contacts(db)) == 2
                finally:
                    db.dispose()
        finally:
            owner.dispose()


def test_cli_in_read_only_mode(jtek, tmp_path):
    with public_dir() as folder:
        path = _make_db(folder)
        os.chmod(folder, READ_ONLY_DIR)
        for args in (["contact", "list"], ["db", "info"]):  # import everything before losing access
            jtek(*args, db=path)                             # to a private venv (as on CI)
        jtek("contact", "add", "Warm Up", db=tmp_path / "warm.db")
        with unprivileged():
            listing = jtek("contact", "list", "--json", db=path)
            write = jtek("contact", "add", "Guest", db=path)
            info = jtek("db", "info", "--json", db=path)
        assert listing.code == 0 and listing.json()[0]["name"] == "Maria Johnson"
        assert write.code == 1
        assert write.err.strip() == ("jtek: The database is open read-only (you can read it but not "
                                     "change it); nothing was changed.")
        assert info.json()["access"] == "read-only snapshot"


# -- the file behind the path is replaced -----------------------------------------

def test_a_replaced_file_is_noticed_and_nothing_goes_to_the_old_one(db, db_path, tmp_path):
    C.create_contact(db, "Before Swap")
    version = db.data_version()
    other = backup_database(db, tmp_path / "other.db")
    with sqlite3.connect(other) as raw:
        raw.execute("UPDATE contact SET first_name = 'Swapped'")
    old = tmp_path / "old.db"
    os.link(db_path, old)  # what `jtek restore` does, had it not refused (we have it open)
    for side in ("-wal", "-shm"):
        os.replace(f"{db_path}{side}", f"{old}{side}")
    os.replace(other, db_path)
    assert db.data_version() != version
    assert [c.first_name for c in C.list_contacts(db)] == ["Swapped"]
    C.create_contact(db, "After Swap")
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM contact").fetchone()[0] == 2
    with sqlite3.connect(old) as raw:
        assert raw.execute("SELECT count(*) FROM contact WHERE first_name = 'After'").fetchone()[0] == 0


def test_data_version_changes_only_for_others_commits(db, db_path):
    other = Database(str(db_path))
    try:
        v1 = db.data_version()
        assert db.data_version() == v1
        C.list_contacts(other)
        assert db.data_version() == v1
        C.create_contact(other, "Someone")
        assert db.data_version() != v1
    finally:
        other.dispose()


def test_unreadable_shm_of_an_open_database_is_a_plain_error():
    with public_dir() as folder:
        path = _make_db(folder, read_only=False)
        owner = open_database(str(path), login="owner")
        try:
            C.list_contacts(owner)  # -wal/-shm exist, private to the owner
            os.chmod(path, READ_ONLY_FILE)
            os.chmod(f"{path}-shm", 0o000)
            os.chmod(folder, READ_ONLY_DIR)
            with unprivileged():
                with pytest.raises(DatabaseError, match="-shm file is not readable"):
                    open_database(str(path), login="guest")
        finally:
            owner.dispose()
