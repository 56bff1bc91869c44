"""Hostile surroundings from the command line: each one plain line on stderr, never a traceback."""

from __future__ import annotations

import os
import sqlite3

import pytest

from jtek_tui.db import Database, _translate
from jtek_tui.domain.errors import BusyError, DatabaseError, ReadOnlyError
from tests.sharedbox_helpers import public_dir, unprivileged


def one_plain_line(r, code: int = 1) -> str:
    assert r.code == code, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jtek: "), r.err
    assert "Traceback" not in r.err and "unexpected error" not in r.err
    return lines[0]


@pytest.mark.parametrize("content", [
    b"just some text, certainly not a database\n" * 50,
    b"SQLite format 3\x00" + b"\xff" * 5000,
    b"",  # empty is fine: it becomes a new database
])
def test_corrupt_or_foreign_file(jtek, db_path, content):
    db_path.write_bytes(content)
    r = jtek("opp", "list")
    if not content:
        assert r.code == 0
        return
    line = one_plain_line(r)
    assert "not a usable Jtek database" in line or "damaged" in line


def test_damaged_pages_inside_a_valid_file(jtek, db_path):
    assert jtek("contact", "add", "Maria").code == 0
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA journal_mode=DELETE")
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contact'").fetchone()[0]
        page = raw.execute("PRAGMA page_size").fetchone()[0]
    with open(db_path, "r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\x0d" + b"\xee" * 200)  # trash the contact table's root page
    line = one_plain_line(jtek("contact", "list"))
    assert "damaged" in line


def test_missing_folder_and_folder_as_file(jtek, tmp_path):
    line = one_plain_line(jtek("opp", "list", db=tmp_path / "nope" / "jtek.db"))
    assert line == f"jtek: The folder {tmp_path / 'nope'} does not exist."
    line = one_plain_line(jtek("opp", "list", db=tmp_path))
    assert "is a folder" in line


def test_full_disk(jtek, db_path, monkeypatch):
    """SQLITE_FULL, forced by capping the file at its current size (no root-only tmpfs needed)."""
    assert jtek("contact", "add", "Maria").code == 0
    real_setup = Database._setup

    def capped(self, conn):
        real_setup(self, conn)
        conn.execute("PRAGMA max_page_count = 1")  # clamps to the current page count

    monkeypatch.setattr(Database, "_setup", capped)
    r = jtek("opp", "add", "--contact", "Maria", "--notes", "x" * 20000)
    line = one_plain_line(r)
    assert line == "jtek: The disk is full; nothing was changed. Free some space and try again."
    monkeypatch.undo()
    assert jtek("opp", "list", "--json").json() == []


def test_read_only_file_system(jtek):
    """A folder and file we may only read, as on a read-only mount."""
    with public_dir() as folder:
        path = folder / "jtek.db"
        assert jtek("contact", "add", "Maria", db=path).code == 0
        os.chmod(path, 0o444)
        os.chmod(folder, 0o555)
        with unprivileged():
            reads = jtek("contact", "list", "--json", db=path)
            writes = jtek("contact", "add", "Bob", db=path)
            fresh = jtek("contact", "list", db=folder / "new.db")
        assert reads.code == 0 and [c["name"] for c in reads.json()] == ["Maria"]
        assert "read-only" in one_plain_line(writes)
        assert one_plain_line(fresh) == f"jtek: Cannot create {folder / 'new.db'}: permission denied."


def test_unreadable_database(jtek):
    with public_dir() as folder:
        path = folder / "jtek.db"
        assert jtek("contact", "add", "Maria", db=path).code == 0
        os.chmod(path, 0o000)
        with unprivileged():
            r = jtek("contact", "list", db=path)
        assert one_plain_line(r) == f"jtek: You are not allowed to read {path} (check its permissions)."


@pytest.mark.parametrize("message, kind, words", [
    ("database is locked", BusyError, "busy"),
    ("attempt to write a readonly database", ReadOnlyError, "read-only"),
    ("database or disk is full", DatabaseError, "disk is full"),
    ("disk I/O error", DatabaseError, "I/O error"),
    ("database disk image is malformed", DatabaseError, "damaged"),
    ("unable to open database file", DatabaseError, "cannot be opened"),
])
def test_driver_errors_become_sentences(message, kind, words):
    error = _translate(sqlite3.OperationalError(message))
    assert isinstance(error, kind) and words in str(error)
    assert str(error).endswith(".")


@pytest.mark.parametrize("code, words", [(28, "disk is full"), (30, "read-only"), (13, "Permission denied"),
                                         (5, "I/O error")])
def test_os_errors_become_sentences(code, words):
    error = _translate(OSError(code, os.strerror(code), "/x/y"))
    assert error is not None and words in str(error) and "/x/y" in str(error)


def test_io_error_on_a_full_disk_says_the_disk_is_full(tmp_path, monkeypatch):
    """SQLite reports "disk I/O error" when it cannot grow its -shm file on a full disk."""
    import jtek_tui.db

    io_error = sqlite3.OperationalError("disk I/O error")
    assert "I/O error" in str(_translate(io_error, tmp_path))

    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr(jtek_tui.db.os, "statvfs", lambda path: Full())
    assert "disk is full" in str(_translate(io_error, tmp_path / "jtek.db"))
