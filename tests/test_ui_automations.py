"""Pilot tests for the Automations screen: creating one with the keyboard and
seeing it fire when a card moves on the board, turning it on and off, errors
next to what they belong to, the run log and its filters, failing and slow
actions (the move stands, the UI never waits), and idle-deal checks at start.

Each test checks the database through the domain as well as the screen."""

from __future__ import annotations

import sys

import pytest
from textual.widgets import Input, Label, Select, Static

from jtek_tui.domain import automations as A
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
from jtek_tui.domain.automations import AutomationSpec
from jtek_tui.ui.app import JtekApp
from jtek_tui.ui.screens.automation_action_form import ActionForm, ActionTypePicker, FieldPicker
from jtek_tui.ui.screens.automation_editor import ActionList, AutomationEditor
from jtek_tui.ui.screens.automation_runs import RunDetailScreen, RunLogScreen
from jtek_tui.ui.screens.confirm import ConfirmScreen
from jtek_tui.ui.screens.detail import DetailScreen
from jtek_tui.ui.screens.help import HelpScreen
from jtek_tui.ui.screens.main import MainScreen
from jtek_tui.ui.sections.automations import AutomationsSection
from jtek_tui.ui.widgets.row_list import RowList
from tests.ui_support import build_board, stage_of, text_of

SIZE = (100, 30)


@pytest.fixture
def db(db_path):
    database = build_board(str(db_path))
    yield database
    database.dispose()


def lines_of(rows: RowList) -> list[str]:
    return ["".join(seg.text for seg in rows.render_line(y)) for y in range(rows.size.height)]


def section(app) -> AutomationsSection:
    return app.main_screen.query_one(AutomationsSection)


def make(db, name, *actions, enabled=True, **trigger) -> int:
    filters = Filters(**{k: trigger.pop(k) for k in list(trigger) if k in ("pipeline", "assignee", "tag")})
    kind = trigger.pop("kind", "stage")
    return A.create_automation(db, AutomationSpec(name, TriggerSpec(kind, **trigger), filters, list(actions),
                                                  enabled)).id


def messages(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def settle(app, pilot) -> None:
    """Let background workers (slow actions, idle checks) finish, then the UI catch up."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def move_beach_cabin_to_qualified(app, pilot) -> None:
    """On the board: focus Contacted (Beach cabin) and move it on with shift+right."""
    await pilot.press("1")
    await pilot.press("right", "shift+right")
    assert stage_of(app.db, "Beach cabin") == "Qualified"


# -- creating one end to end --------------------------------------------------------------------


async def test_create_with_the_keyboard_then_moving_a_card_runs_it(db):
    app = JtekApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        assert isinstance(app.focused, RowList)
        await pilot.press("n")
        assert isinstance(app.screen, AutomationEditor)
        await pilot.press(*"Qualified follow-up", "tab", "tab")  # name, trigger kind (stage) → its stage
        await pilot.press("enter", *"Qual", "enter")  # open the stage list, type to find, pick
        assert app.screen.query_one("#stage", Select).value == _stage_id(db, "Qualified")
        await pilot.press(*["tab"] * 6)  # from, pipeline, assignee, tag, value → the actions
        assert isinstance(app.focused, ActionList)

        await pilot.press("a")
        assert isinstance(app.screen, ActionTypePicker)
        await pilot.press("enter")  # the first kind: Add a contact tag
        assert isinstance(app.screen, ActionForm)
        await pilot.press(*"hot", "enter")
        await pilot.press("a", "down", "down", "down", "down", "enter")  # Log an activity note
        assert app.screen.kind == "log_note"
        await pilot.press(*"Qualified: ", "ctrl+f")
        assert isinstance(app.screen, FieldPicker)
        await pilot.press("down", "down", "down", "down", "down", "down", "down", "down", "enter")  # opportunity.name
        await pilot.press("enter")
        assert isinstance(app.screen, AutomationEditor)
        assert [item.text for item in app.screen.items] == ["Add tag hot", "Note: Qualified: {opportunity.name}"]

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        [row] = A.list_automations(db)
        assert (row.name, row.trigger_text, row.enabled) == ("Qualified follow-up", "Stage changed to Qualified", True)
        assert row.actions == [{"type": "add_tag", "tag": "hot"},
                               {"type": "log_note", "template": "Qualified: {opportunity.name}"}]
        assert "● on  Qualified follo" in "\n".join(lines_of(section(app).table))

        await move_beach_cabin_to_qualified(app, pilot)
        await settle(app, pilot)
        maria = O.list_opportunities(db, text=["beach"])[0].contact_id
        assert "hot" in C.contact_row(db, maria).tags
        from jtek_tui.domain.activities import timeline

        assert "Qualified: Beach cabin" in [e.text for e in timeline(db, maria) if e.kind == "note"]

        await pilot.press("4")
        assert "✓ ok" in "\n".join(lines_of(section(app).table))  # last run, shown on return
        await pilot.press("r")
        assert isinstance(app.screen, RunLogScreen)
        [run] = app.screen.runs.rows
        assert (run.automation, run.opportunity, run.outcome) == ("Qualified follow-up", "Beach cabin", "ok")
        assert "✓ ok" in "\n".join(lines_of(app.screen.runs))


def _stage_id(db, name: str) -> int:
    from jtek_tui.domain import pipelines as P

    return next(st.id for st in P.list_stages(db, 1) if st.name == name)


async def test_editing_keeps_the_definition_and_saves_changes(db):
    make(db, "Tagger", {"type": "add_tag", "tag": "hot"}, stage="Qualified", from_stage="Contacted")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "enter")
        editor = app.screen
        assert isinstance(editor, AutomationEditor)
        assert editor.query_one("#stage", Select).value == _stage_id(db, "Qualified")
        assert editor.query_one("#from-stage", Select).value == _stage_id(db, "Contacted")
        assert not editor.holds_unsaved_work()
        editor.query_one(ActionList).focus()
        await pilot.press("enter")  # edit the first action
        assert isinstance(app.screen, ActionForm)
        field = app.screen.query_one("#field-tag", Input)
        assert field.value == "hot"
        field.value = "warm"
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert A.get_automation(db, "Tagger").actions == [{"type": "add_tag", "tag": "warm"}]
        assert A.get_automation(db, "Tagger").trigger_text == "Stage changed to Qualified (from Contacted)"


async def test_escape_with_changes_asks_and_other_keys_do_not_drop_the_editor(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "n", *"Half")
        app.screen.query_one(ActionList).focus()
        await pilot.press("1", "q")  # section keys and quit don't reach past the editor
        assert isinstance(app.screen, AutomationEditor) and app.is_running
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = "\n".join(text_of(widget) for widget in app.screen.query(Static))
        assert "Add an action" in keys and "Check and save the automation" in keys
        await pilot.press("escape")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, AutomationEditor)
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert A.list_automations(db) == []


# -- on and off, delete, order --------------------------------------------------------------------


async def test_space_turns_an_automation_off_and_on(db):
    make(db, "Tagger", {"type": "add_tag", "tag": "hot"}, stage="Qualified")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "space")
        assert A.get_automation(db, "Tagger").enabled is False
        assert "○ off Tagger" in "\n".join(lines_of(section(app).table))
        await move_beach_cabin_to_qualified(app, pilot)
        await settle(app, pilot)
        assert A.list_runs(db) == []  # off: it did not fire
        await pilot.press("4", "t")
        assert A.get_automation(db, "Tagger").enabled is True
        assert "● on  Tagger" in "\n".join(lines_of(section(app).table))


async def test_delete_asks_first_and_reorder_changes_firing_order(db):
    make(db, "First", {"type": "add_tag", "tag": "a"}, stage="Qualified")
    make(db, "Second", {"type": "add_tag", "tag": "b"}, stage="Qualified")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "shift+down")
        assert [a.name for a in A.list_automations(db)] == ["Second", "First"]
        assert section(app).current().name == "First"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        assert [a.name for a in A.list_automations(db)] == ["Second", "First"]
        await pilot.press("d", "y")
        await pilot.pause()
        assert [a.name for a in A.list_automations(db)] == ["Second"]
        assert section(app).current().name == "Second"


# -- errors next to what they belong to ------------------------------------------------------------


async def test_a_bad_template_is_refused_in_the_action_form(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "n")
        app.screen.query_one(ActionList).focus()
        await pilot.press("enter")  # on "+ Add an action"
        await pilot.press("l", "enter")  # a letter jumps: Log an activity note
        assert app.screen.kind == "log_note"
        app.screen.query_one("#field-template", Input).value = "Hi {contact.nick}"
        await pilot.press("enter")
        assert isinstance(app.screen, ActionForm)  # refused: stays open
        error = text_of(app.screen.query_one("#action-error", Label))
        assert "contact.nick" in error and error.startswith("✗")
        field = app.screen.query_one("#field-template", Input)
        field.value = "Hi {contact.first_name}"
        await pilot.press("enter")
        assert isinstance(app.screen, AutomationEditor)
        assert [item.text for item in app.screen.items] == ["Note: Hi {contact.first_name}"]


async def test_save_shows_each_problem_next_to_its_field_and_action(db):
    spec = AutomationSpec("", TriggerSpec("stage"), Filters(), [
        {"type": "add_tag", "tag": "ok"},
        {"type": "assign", "member": "nobody-here"},
    ])
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(AutomationEditor(spec=spec))
        await pilot.pause()
        editor = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AutomationEditor)
        assert "needs a name" in text_of(editor.query_one("#msg-name", Label))
        assert "Choose the stage" in text_of(editor.query_one("#msg-trigger", Label))
        items = editor.query_one(ActionList).items
        assert items[0].error == ""
        assert "nobody-here" in items[1].error
        prompt = editor.query_one(ActionList).get_option_at_index(1).prompt
        assert "✗" in str(prompt) and "nobody-here" in str(prompt)
        assert "3 problems" in text_of(editor.query_one("#form-banner", Label))
        assert A.list_automations(db) == []
        # fixing them clears the messages as you go, then it saves
        editor.query_one("#name", Input).value = "Fixed"
        editor.query_one("#stage", Select).value = _stage_id(db, "Qualified")
        editor.query_one(ActionList).focus()
        editor.query_one(ActionList).highlighted = 1
        await pilot.press("delete")
        await pilot.pause(0.5)
        assert not editor.query_one("#msg-name", Label).display
        assert not editor.query_one("#msg-trigger", Label).display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [a.name for a in A.list_automations(db)] == ["Fixed"]


# -- the run log -----------------------------------------------------------------------------------


def _failing_command() -> dict:
    return {"type": "command", "argv": [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]}


async def test_run_log_filters_detail_and_opening_the_deal(db):
    make(db, "Tagger", {"type": "add_tag", "tag": "hot"}, stage="Qualified")
    make(db, "Broken", _failing_command(), stage="Qualified")
    lake = O.list_opportunities(db, text=["lake"])[0]
    beach = O.list_opportunities(db, text=["beach"])[0]
    O.move_opportunity(db, lake.id, "Qualified")
    O.move_opportunity(db, beach.id, "Qualified")
    assert len(A.list_runs(db)) == 4
    app = JtekApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("4", "r")
        log = app.screen
        assert isinstance(log, RunLogScreen)
        assert len(log.runs.rows) == 4
        assert log.runs.rows[0].opportunity == "Beach cabin"  # newest first
        await pilot.press("f", "tab", "enter", "down", "down", "enter")  # outcome: ✗ error
        await pilot.pause()
        assert {r.outcome for r in log.runs.rows} == {"error"} and len(log.runs.rows) == 2
        await pilot.press("tab", *"lake", "enter")
        await pilot.pause()
        assert [(r.automation, r.opportunity) for r in log.runs.rows] == [("Broken", "Lake house")]
        assert "Runs on #" in text_of(log.query_one("#run-filter-msg", Label))
        assert isinstance(app.focused, RowList)
        await pilot.press("enter")
        assert isinstance(app.screen, RunDetailScreen)
        detail = text_of(app.screen.query_one("#run-detail"))
        assert "FAILED" in detail and "boom" in detail
        await pilot.press("enter")  # on the deal
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.opportunity_id == lake.id
        await pilot.press("escape", "escape")
        assert app.screen is log
        await pilot.press("x")
        assert len(log.runs.rows) == 4


async def test_an_unknown_deal_in_the_filter_says_so(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "r", "f", "tab", "tab", *"no such deal", "enter")
        message = app.screen.query_one("#run-filter-msg", Label)
        assert message.display and "There is no opportunity" in text_of(message)


# -- safety: failures, slow actions, idle deals -------------------------------------------------------


@pytest.mark.parametrize(("action", "says"), [
    (_failing_command(), "exited with status 3"),  # slow: fails on the worker, after the move
    ({"type": "log_note", "template": "{contact.company}"}, "came out empty"),  # quick: rolled back
], ids=["slow", "quick"])
async def test_a_failing_action_notifies_and_the_move_stands(db, action, says):
    make(db, "Broken", {"type": "add_tag", "tag": "seen"}, action, stage="Qualified")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await move_beach_cabin_to_qualified(app, pilot)
        await settle(app, pilot)
        assert stage_of(db, "Beach cabin") == "Qualified"
        [run] = A.list_runs(db)
        assert run.outcome == "error" and says in run.detail
        failed = [m for m in messages(app) if m.startswith("Automation failed")]
        assert len(failed) == 1 and "“Broken”" in failed[0] and "Beach cabin" in failed[0] and says in failed[0]
        assert app.is_running


async def test_a_slow_command_runs_in_the_background_and_never_holds_the_key(db, tmp_path):
    """The command waits for a file the test creates only after the key press has
    returned: if the press waited for the command, it could never return."""
    release = tmp_path / "go"
    script = ("import os, sys, time\n"
              "for _ in range(400):\n"
              "    if os.path.exists(sys.argv[1]): sys.exit(0)\n"
              "    time.sleep(0.05)\n"
              "sys.exit(9)\n")
    make(db, "Slow", {"type": "command", "argv": [sys.executable, "-c", script, str(release)]}, stage="Qualified")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await move_beach_cabin_to_qualified(app, pilot)
        [run] = A.list_runs(db)
        assert run.running  # the press returned while the command still waits
        assert "Beach cabin" in [r.name for r in O.list_opportunities(db, stage_id=_stage_id(db, "Qualified"))]
        release.write_text("go")
        await settle(app, pilot)
        [run] = A.list_runs(db)
        assert (run.outcome, run.running) == ("ok", False)


async def test_idle_deal_automations_are_checked_at_start(db):
    make(db, "Nudge", {"type": "add_tag", "tag": "stale"}, kind="stale", stage="New Lead", days=14)
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        fired = sorted(r.opportunity for r in A.list_runs(db))
        assert fired == ["Condo downtown", "Lake house"]  # 20 days in New Lead; Beach cabin moved on


async def test_the_cli_stderr_reporter_is_off_while_the_tui_runs(db):
    import jtek_tui.cli.automations as cli

    assert cli._report_problem in A._listeners
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert cli._report_problem not in A._listeners
        assert app._automation_ran in A._listeners
    assert cli._report_problem in A._listeners
    assert app._automation_ran not in A._listeners


async def test_user_text_is_shown_literally(db):
    make(db, "[bold]x[/] [USD] [@click=app.quit]", {"type": "log_note", "template": "[red]hi[/red] {{x}}"},
         stage="Qualified")
    app = JtekApp(db)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        assert "[bold]x[/] [USD] [@click=app.quit]" in "\n".join(lines_of(section(app).table))
        preview = text_of(app.main_screen.query_one("#automation-preview-text"))
        assert "Note: [red]hi[/red] {{x}}" in preview


SAMPLES = [
    {"type": "add_tag", "tag": "hot"},
    {"type": "remove_tag", "tag": "cold"},
    {"type": "assign", "member": "sam"},
    {"type": "set_close_date", "date": "+30d"},
    {"type": "set_close_date", "date": "2027-01-31"},
    {"type": "log_note", "template": "Moved to {stage.name}"},
    {"type": "create_task", "template": "Call {contact.first_name}", "days": "2"},
    {"type": "create_appointment", "title": "Viewing", "days": "3", "time": "14:30", "minutes": "45",
     "location": "{opportunity.name}"},
    {"type": "move", "pipeline": "Sales Pipeline", "stage": "Closed Lost", "reason": "No answer"},
    {"type": "command", "argv": ["/home/me/bin/notify", "--to", "the team"], "timeout": "20"},
    {"type": "webhook", "url": "https://hooks.example.com/jtek", "timeout": "10", "retries": "1"},
    {"type": "email", "to": "{contact.email}", "subject": "Hi {contact.first_name}", "body": "Line one\nLine two"},
]


async def test_every_kind_of_action_round_trips_through_its_form(db):
    """Opening an action in its form and saving it unchanged gives the same action back,
    and the domain accepts it: every kind's fields are wired both ways."""
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for sample in SAMPLES:
            returned: list = []
            app.push_screen(ActionForm(sample["type"], sample), returned.append)
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert returned == [sample], sample["type"]
            A.check_action(db, returned[0])


async def test_a_new_action_starts_from_the_defaults(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        returned: list = []
        app.push_screen(ActionForm("create_appointment"), returned.append)
        await pilot.pause()
        assert app.screen.query_one("#field-days", Input).value == "1"
        assert app.screen.query_one("#field-minutes", Input).value == "60"
        await pilot.press(*"Call", "ctrl+s")
        await pilot.pause()
        assert returned == [{"type": "create_appointment", "title": "Call", "days": "1", "time": "10:00",
                             "minutes": "60", "location": ""}]
