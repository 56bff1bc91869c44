"""Snapshots of the Contacts screen and the contact record (pytest-textual-snapshot).

Plain `def` tests with `run_before` (snap_compare is synchronous). After an
intended visual change: `pytest --snapshot-update`, then look at the result.
"""

from __future__ import annotations

import pytest

from jtek_tui.ui.app import JtekApp
from tests.test_ui_contacts import build_people, open_record, settle
from tests.test_ui_snapshots import no_blink


@pytest.fixture
def app(db_path):
    db = build_people(str(db_path))
    yield JtekApp(db)
    db.dispose()


def test_contacts_list_80x24(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("2")
        await settle(pilot)
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_record_overview_80x24(snap_compare, app):
    async def run_before(pilot):
        await open_record(pilot, "Maria Johnson")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_record_overview_160x45(snap_compare, app):
    async def run_before(pilot):
        await open_record(pilot, "Maria Johnson")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(160, 45), run_before=run_before)


def test_record_activity_80x24(snap_compare, app):
    async def run_before(pilot):
        await open_record(pilot, "Maria Johnson")
        await pilot.press("left")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_record_opportunities_160x45(snap_compare, app):
    async def run_before(pilot):
        await open_record(pilot, "Maria Johnson")
        await pilot.press("right")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(160, 45), run_before=run_before)


def test_appointment_form_with_overlap_80x24(snap_compare, app):
    async def run_before(pilot):
        await open_record(pilot, "Maria Johnson")
        await pilot.press("right", "right", "a")
        pilot.app.screen.query_one("#title").value = "Second showing"
        pilot.app.screen.query_one("#start").value = "2026-03-13 15:30"
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
