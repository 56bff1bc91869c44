"""Snapshots of the main board screens (pytest-textual-snapshot).

`snap_compare` is synchronous: these are plain `def` tests with `run_before`.
Update after an intended visual change with `pytest --snapshot-update` and look
at the result in snapshot_report.html before committing it.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from jtek_tui.ui.app import JtekApp
from tests.ui_support import build_board


@pytest.fixture
def app(db_path):
    db = build_board(str(db_path))
    yield JtekApp(db)
    db.dispose()


async def no_blink(pilot) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause()


def test_board_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=no_blink)


def test_board_160x45(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("right")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(160, 45), run_before=run_before)


def test_form_with_errors(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#value").value = "lots"
        pilot.app.screen.query_one("#expected_close").value = "someday"
        await pilot.press("ctrl+s")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_detail_panel(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("right", "enter")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_closed_view(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("w", "c")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)
