"""Snapshots of the Automations screens at 80x24 (pytest-textual-snapshot).

Plain `def` tests with `run_before` (snap_compare is synchronous). Update after an
intended visual change with `pytest --snapshot-update`, after looking at it.
"""

from __future__ import annotations

import pytest

from jtek_tui.domain import automations as A
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
from jtek_tui.domain.automations import AutomationSpec
from jtek_tui.ui.app import JtekApp
from tests.test_ui_snapshots import no_blink
from tests.ui_support import build_board

SIZE = (80, 24)


@pytest.fixture
def app(db_path):
    db = build_board(str(db_path))
    A.create_automation(db, AutomationSpec(
        "Qualified follow-up", TriggerSpec("stage", stage="Qualified", from_stage="Contacted"), Filters(), [
            {"type": "add_tag", "tag": "hot"},
            {"type": "create_task", "template": "Call {contact.first_name} about {opportunity.name}", "days": 2},
            {"type": "log_note", "template": "Qualified by {actor.name}"},
        ]))
    A.create_automation(db, AutomationSpec(
        "Big deals to Sam", TriggerSpec("created"), Filters(tag="vip", min_value_cents=50_000_000),
        [{"type": "assign", "member": "sam"}], enabled=False))
    A.create_automation(db, AutomationSpec(
        "Tell the team", TriggerSpec("stage", stage="Qualified"), Filters(),
        [{"type": "command", "argv": ["false"], "timeout": 5}]))
    beach = O.list_opportunities(db, text=["beach"])[0]
    O.move_opportunity(db, beach.id, "Qualified")  # runs both: one ok, one error
    yield JtekApp(db)
    db.dispose()


def test_automations_list_80x24(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("4")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_automation_editor_80x24(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("4", "enter")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_automation_run_log_80x24(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("4", "r")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
