"""Snapshots of the Reports screen (pytest-textual-snapshot), on the hand-built
book of tests/test_ui_reports.py at the frozen clock, so every figure, date
and bar is the same on every run. Update after an intended change with
`pytest --snapshot-update` and look at the SVGs before committing them."""

from __future__ import annotations

import pytest

from jtek_tui.ui.app import JtekApp
from tests.test_ui_reports import build_reports, settle


@pytest.fixture
def app(db_path):
    db = build_reports(str(db_path))
    yield JtekApp(db)
    db.dispose()


async def open_reports(pilot) -> None:
    await pilot.pause()
    await pilot.press("3")
    await settle(pilot)


def test_reports_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_reports)


def test_reports_80x24_deal_list(snap_compare, app):
    """Tabbed down to the overdue list: the page scrolls, the panel is marked."""

    async def run_before(pilot):
        await open_reports(pilot)
        await pilot.press("tab", "tab", "tab", "down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_reports_160x45(snap_compare, app):
    assert snap_compare(app, terminal_size=(160, 45), run_before=open_reports)


def test_reports_200x60(snap_compare, app):
    assert snap_compare(app, terminal_size=(200, 60), run_before=open_reports)
