"""Shared fixtures: a fresh database per test, a pinned clock, a CLI runner."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Keep every test away from the real user's files and time zone surprises.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("JTEK_USER", "alice")
    monkeypatch.delenv("JTEK_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _release_clock() -> Iterator[None]:
    from jtek_tui.domain import clock

    yield
    clock.freeze(None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jtek.db"


@pytest.fixture
def db(db_path: Path):
    from jtek_tui.domain.bootstrap import open_database

    database = open_database(str(db_path), login="alice")
    yield database
    database.dispose()


@pytest.fixture
def frozen():
    """Pin the clock: `frozen(datetime(...))` or `frozen("2026-03-01T12:00")`."""
    from jtek_tui.domain import clock

    def pin(at: datetime | str) -> datetime:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        clock.freeze(at)
        return at

    return pin


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def jtek(db_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process against the test database: `jtek("opp", "list")`."""
    from jtek_tui.cli import run

    def invoke(*args: str, db: Path | None = db_path) -> Result:
        argv = (["--db", str(db)] if db is not None else []) + list(args)
        capsys.readouterr()
        code = run(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
