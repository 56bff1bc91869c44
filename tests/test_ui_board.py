"""Pilot tests for the board: every key of the keymap contract, the mouse, the
form, the detail panel, filters, pipelines, and literal user text. Each test
checks the database as well as the screen."""

from __future__ import annotations

import pytest

from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.ui.app import JtekApp
from jtek_tui.ui.screens.detail import DetailScreen
from jtek_tui.ui.screens.help import HelpScreen
from jtek_tui.ui.screens.opportunity_form import OpportunityForm
from jtek_tui.ui.screens.pickers import LostReasonScreen, PipelinePicker, StagePicker
from jtek_tui.ui.widgets.card_list import CardList
from jtek_tui.ui.widgets.chrome import AppHeader
from tests.ui_support import (
    board,
    build_board,
    column_names,
    focused_card,
    history_count,
    stage_of,
    text_of,
)

SIZE = (120, 40)


@pytest.fixture
def db(db_path):
    database = build_board(str(db_path))
    yield database
    database.dispose()


def card_lines(cards: CardList) -> str:
    return "\n".join("".join(seg.text for seg in cards.render_line(y)) for y in range(cards.size.height))


async def test_columns_counts_and_header(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert column_names(app) == {
            "New Lead": ["Condo downtown", "Lake house"],
            "Contacted": ["Beach cabin"],
            "Qualified": ["Office lease"],
            "Proposal Sent": [],
            "Negotiation": [],
        }
        header = app.screen.query_one(AppHeader)
        assert header.summary == "Sales Pipeline · 4 open deals · $2,450,000"
        new_lead = app.screen.query_one("#column-1 ColumnHeader")
        assert "2 deals · $950k" in text_of(new_lead)
        assert focused_card(app) == "Condo downtown"


async def test_cursor_and_column_keys(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, expected in [("down", "Lake house"), ("up", "Condo downtown"), ("j", "Lake house"),
                              ("k", "Condo downtown"), ("right", "Beach cabin"), ("l", "Office lease"),
                              ("h", "Beach cabin"), ("left", "Condo downtown"), ("end", "Lake house"),
                              ("home", "Condo downtown")]:
            await pilot.press(key)
            assert focused_card(app) == expected, key


@pytest.mark.parametrize(("forward", "back"), [("shift+right", "shift+left"), ("L", "H")])
async def test_move_keys_write_history_and_focus_follows(db, forward, back):
    app = JtekApp(db)
    before = history_count(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(forward)
        assert stage_of(db, "Condo downtown") == "Contacted"
        assert focused_card(app) == "Condo downtown"
        assert board(app).focused_list().stage.name == "Contacted"
        assert column_names(app)["Contacted"] == ["Condo downtown", "Beach cabin"]
        await pilot.press(forward)
        assert stage_of(db, "Condo downtown") == "Qualified"
        await pilot.press(back)
        assert stage_of(db, "Condo downtown") == "Contacted"
        assert history_count(db) == before + 3
        history = O.opportunity_history(db, O.list_opportunities(db, text=["condo"])[0].id)
        assert [h.to_stage for h in history] == ["New Lead", "Contacted", "Qualified", "Contacted"]
        assert all(h.by == "alice" for h in history[1:])


async def test_move_past_the_last_open_stage_is_refused(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("shift+left")
        assert stage_of(db, "Condo downtown") == "New Lead"
        assert history_count(db, "Condo downtown") == 1


@pytest.mark.parametrize("undo_key", ["u", "ctrl+z"])
async def test_undo_moves_back_and_is_logged(db, undo_key):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("shift+right", "shift+right")
        assert stage_of(db, "Condo downtown") == "Qualified"
        await pilot.press(undo_key)
        assert stage_of(db, "Condo downtown") == "Contacted"
        await pilot.press(undo_key)
        assert stage_of(db, "Condo downtown") == "New Lead"
        assert history_count(db, "Condo downtown") == 5  # created, 2 moves, 2 undos
        assert focused_card(app) == "Condo downtown"


async def test_won_leaves_the_board_closed_view_and_reopen(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        row = O.list_opportunities(db, status="won")[0]
        assert (row.name, row.stage) == ("Condo downtown", "Closed Won")
        assert "Condo downtown" not in column_names(app)["New Lead"]
        assert app.screen.query_one(AppHeader).summary.startswith("Sales Pipeline · 3 open deals")
        await pilot.press("c")
        assert board(app).showing_closed
        assert focused_card(app) == "Condo downtown"
        # reopen from the closed view by picking an open stage
        await pilot.press("s")
        assert isinstance(app.screen, StagePicker)
        picker = app.screen.query_one("OptionList")
        picker.highlighted = 1  # Contacted
        await pilot.press("enter")
        await pilot.pause()
        assert stage_of(db, "Condo downtown") == "Contacted"
        assert O.get_row(db, row.id).status == "open"
        await pilot.press("c")
        assert not board(app).showing_closed
        assert "Condo downtown" in column_names(app)["Contacted"]


async def test_lost_asks_for_a_reason_and_offers_previous_ones(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert isinstance(app.screen, LostReasonScreen)
        await pilot.press("enter")  # empty: refused, stays open
        assert isinstance(app.screen, LostReasonScreen)
        assert stage_of(db, "Condo downtown") == "New Lead"
        await pilot.press(*"Went cold", "enter")
        await pilot.pause()
        assert stage_of(db, "Condo downtown") == "Closed Lost"
        assert O.list_opportunities(db, status="lost")[0].lost_reason == "Went cold"
        # the next one picks the reason used before
        await pilot.press("x")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert stage_of(db, "Lake house") == "Closed Lost"
        assert {r.lost_reason for r in O.list_opportunities(db, status="lost")} == {"Went cold"}


async def test_escape_cancels_lost(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x", "escape")
        assert stage_of(db, "Condo downtown") == "New Lead"
        assert not isinstance(app.screen, LostReasonScreen)


async def test_stage_picker(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        assert isinstance(app.screen, StagePicker)
        await pilot.press("down", "down", "enter")  # next stage is preselected; two more down
        await pilot.pause()
        assert stage_of(db, "Condo downtown") == "Proposal Sent"
        assert focused_card(app) == "Condo downtown"


async def test_enter_opens_detail_with_history_and_stage_dropdown(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "enter")
        assert isinstance(app.screen, DetailScreen)
        history = text_of(app.screen.query_one("#detail-history"))
        assert "created in New Lead" in history and "New Lead → Contacted" in history
        assert "New Lead · 15d" in history and "Contacted · 5d so far" in history
        assert "by alice" in history
        select = app.screen.query_one("#detail-stage")
        qualified = next(st.id for st in P.list_stages(db, 1) if st.name == "Qualified")
        select.value = qualified
        await pilot.pause()
        assert stage_of(db, "Beach cabin") == "Qualified"
        assert "Contacted → Qualified" in text_of(app.screen.query_one("#detail-history"))
        await pilot.press("escape")
        await pilot.pause()
        assert "Beach cabin" in column_names(app)["Qualified"]


async def test_double_click_opens_detail(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.double_click("#cards-2", offset=(5, 1))
        assert isinstance(app.screen, DetailScreen)
        assert "Beach cabin" in text_of(app.screen.query_one("#detail-title"))


async def test_drag_a_card_to_another_column(db):
    app = JtekApp(db)
    before = history_count(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.mouse_down("#cards-1", offset=(5, 1))  # Condo downtown
        await pilot.hover("#cards-3", offset=(5, 3))
        await pilot.mouse_up("#cards-3", offset=(5, 3))
        await pilot.pause()
        assert stage_of(db, "Condo downtown") == "Qualified"
        assert history_count(db) == before + 1
        assert focused_card(app) == "Condo downtown"


async def test_new_opportunity_form_validation_and_save(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, OpportunityForm)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, OpportunityForm)
        assert "Choose who this deal is for" in text_of(form.query_one("#msg-contact"))
        assert len(O.list_opportunities(db)) == 4
        await pilot.press(*"mari")
        await pilot.pause()
        await pilot.press("enter")  # take the first suggestion
        await pilot.pause()
        assert form.contact_id is not None
        assert form.query_one("#name").value == "Maria Johnson — "
        await pilot.press(*"Pier 9")
        form.query_one("#value").focus()
        await pilot.press(*"lots")
        form.query_one("#expected_close").focus()
        await pilot.press(*"someday")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, OpportunityForm)
        assert "Can't read 'lots'" in text_of(form.query_one("#msg-value"))
        assert "Can't read 'someday'" in text_of(form.query_one("#msg-expected_close"))
        assert len(O.list_opportunities(db)) == 4
        form.query_one("#value").value = "1.2m"
        form.query_one("#expected_close").value = "eom"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, OpportunityForm)
        row = O.list_opportunities(db, text=["pier"])[0]
        assert (row.name, row.contact, row.value_cents, row.stage, row.assignee) == (
            "Maria Johnson — Pier 9", "Maria Johnson", 120_000_000, "New Lead", "alice")
        assert row.expected_close.isoformat() == "2026-03-31"
        assert focused_card(app) == "Maria Johnson — Pier 9"


async def test_form_creates_a_new_contact_inline(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", *"Zed Newman")
        await pilot.pause()
        form = app.screen
        options = form.query_one("AutoCompleteList")
        options.highlighted = options.option_count - 1  # "+ Create new contact"
        await pilot.press("enter")
        await pilot.pause()
        assert form.creating_contact and form.query_one("#new-contact").display
        form.query_one("#new_email").value = "not an email"
        await pilot.press("ctrl+s")
        assert "is not an email address" in text_of(form.query_one("#msg-new_email"))
        assert len(O.list_opportunities(db)) == 4
        form.query_one("#new_email").value = "zed@example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        row = O.list_opportunities(db, text=["zed"])[0]
        assert row.contact == "Zed Newman" and row.value_cents is None
        assert "—" in card_lines(board(app).focused_list())  # no value is shown as a dash


async def test_escape_cancels_the_form(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", *"mar", "escape", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, OpportunityForm)
        assert len(O.list_opportunities(db)) == 4


async def test_a_prefills_the_focused_column(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "a")
        form = app.screen
        assert isinstance(form, OpportunityForm)
        qualified = next(st.id for st in P.list_stages(db, 1) if st.name == "Qualified")
        assert form.query_one("#stage").value == qualified


async def test_plus_in_column_header_opens_form_for_that_stage(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        header = app.screen.query_one("#column-2 ColumnHeader")
        await pilot.click(header, offset=(header.size.width - 2, 0))
        assert isinstance(app.screen, OpportunityForm)
        assert app.screen.query_one("#stage").value == 2


async def test_e_edits_and_a_stale_save_is_reported(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, OpportunityForm)
        assert form.query_one("#name").value == "Condo downtown"
        form.query_one("#value").value = "250k"
        # meanwhile another agent edits the same deal
        row = O.list_opportunities(db, text=["condo"])[0]
        db.actor_id = 2  # Sam
        O.update_opportunity(db, row.id, value_cents=21_000_000)
        db.actor_id = 1
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, OpportunityForm)
        banner = text_of(form.query_one("#form-banner"))
        assert "changed by Sam Rivera" in banner
        assert O.get_row(db, row.id).value_cents == 21_000_000
        assert form.query_one("#value").value == "210000"  # reloaded with their version
        form.query_one("#value").value = "250k"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert O.get_row(db, row.id).value_cents == 25_000_000


async def test_filter_grammar_counts_follow_and_escape_clears(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"@sam", "enter")
        await pilot.pause()
        assert column_names(app) == {"New Lead": ["Condo downtown"], "Contacted": [], "Qualified": ["Office lease"],
                                     "Proposal Sent": [], "Negotiation": []}
        assert "1 deal · $200k" in text_of(app.screen.query_one("#column-1 ColumnHeader"))
        assert "Filter: @sam" in text_of(app.screen.query_one("#filter-status"))
        assert "2 of 4 open" in app.screen.query_one(AppHeader).summary
        await pilot.press("escape")
        assert len(column_names(app)["New Lead"]) == 2
        for text, expected in [("#vip", {"Lake house", "Beach cabin"}), ("overdue", {"Lake house"}),
                               ("value>100k", {"Lake house", "Condo downtown", "Office lease"}),
                               ("closing:month value<1m", {"Lake house", "Condo downtown"}),
                               ("dock", {"Lake house"}), ("@sam value>=1.5m", {"Office lease"})]:
            await pilot.press("slash")
            app.screen.query_one("#filter-input").value = text
            await pilot.press("enter")
            await pilot.pause()
            shown = {name for names in column_names(app).values() for name in names}
            assert shown == expected, text
        await pilot.press("slash")
        app.screen.query_one("#filter-input").value = "@nobody"
        await pilot.press("enter")
        assert "no team member" in text_of(app.screen.query_one("#filter-status")).lower()


async def test_pipeline_switch_is_remembered(db, db_path):
    P.create_pipeline(db, "Buyers", ["Inquiry", "Showing"])
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        assert isinstance(app.screen, PipelinePicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert list(column_names(app)) == ["Inquiry", "Showing"]
        assert app.screen.query_one(AppHeader).summary.startswith("Buyers · 0 open deals")
        await pilot.press("p", "up", "enter")
        await pilot.pause()
        await pilot.press("right", "right")  # Qualified: Office lease
        assert focused_card(app) == "Office lease"
        await pilot.press("q")
    again = JtekApp(db)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert focused_card(again) == "Office lease"
        assert board(again).focused_list().stage.name == "Qualified"


async def test_section_keys_help_and_quit(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2")
        assert app.main_screen.current.id == "contacts"
        await pilot.press("3")
        assert app.main_screen.current.id == "reports"
        await pilot.press("4")
        assert app.main_screen.current.id == "automations"
        await pilot.press("1")
        assert app.main_screen.current.id == "opportunities"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(text_of(s) for s in app.screen.query("Static"))
        for phrase in ["Move the card to the next stage", "Undo the last move", "Mark Closed Won",
                       "Show closed deals", "Switch pipeline", "Filter:", "New opportunity in the focused column",
                       "Command palette", "drop it on another column"]:
            assert phrase in shown, phrase
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


async def test_command_palette_runs_board_actions(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"closed deals")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert board(app).showing_closed


MARKUP = ["[bold]x[/]", "price [USD] 5", "[link=https://example.com]click[/link]", "[@click=app.quit]boom[/]",
          "[/foo] broken"]


@pytest.mark.parametrize("text", MARKUP)
async def test_user_text_is_literal_on_card_detail_and_history(db, text):
    row = O.list_opportunities(db, text=["condo"])[0]
    O.update_opportunity(db, row.id, name=text, notes=text)
    O.mark_lost(db, row.id, text)
    O.reopen(db, row.id)
    app = JtekApp(db)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        new_lead = app.screen.query_one("#cards-1", CardList)
        assert text[:20] in card_lines(new_lead)  # long names are cut with an ellipsis
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        assert text in text_of(app.screen.query_one("#detail-title"))
        assert text in text_of(app.screen.query_one("#detail-notes"))
        assert f"({text})" in text_of(app.screen.query_one("#detail-history"))
    assert app.return_code in (None, 0)


async def test_wide_and_cjk_names_keep_columns_aligned(db):
    row = O.list_opportunities(db, text=["condo"])[0]
    O.update_opportunity(db, row.id, name="東京タワー近くのマンション 🏠 with a very long tail that must be cut")
    app = JtekApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cards = app.screen.query_one("#cards-1", CardList)
        from rich.cells import cell_len

        for y in range(cards.size.height):
            line = "".join(seg.text for seg in cards.render_line(y))
            assert cell_len(line) == cards.size.width
        assert "…" in card_lines(cards)


async def test_lost_reasons_used_before_are_shown_literally(db):
    row = O.list_opportunities(db, text=["lake"])[0]
    O.mark_lost(db, row.id, "[red]too pricey[/] [USD]")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        options = app.screen.query_one("#reasons")
        prompt = options.get_option_at_index(0).prompt
        assert getattr(prompt, "plain", str(prompt)) == "[red]too pricey[/] [USD]"
        await pilot.press("escape", "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        titles = [text_of(label) for label in app.screen.query(".section-title")]
        assert titles[0] == "Opportunity panel"  # the panel's own keys come first
