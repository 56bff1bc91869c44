"""Live refresh: another agent's change (another connection, as another process
would make) shows on the open board within about a second, keeping focus."""

from __future__ import annotations

from jtek_tui.domain import opportunities as O
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.ui.app import JtekApp
from tests.test_ui_board import db  # noqa: F401  (fixture)
from tests.ui_support import column_names, focused_card


async def test_another_connection_moves_a_card_and_the_board_shows_it(db, db_path):  # noqa: F811
    app = JtekApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down")
        assert focused_card(app) == "Lake house"
        other = open_database(str(db_path), login="sam")
        try:
            condo = O.list_opportunities(other, text=["condo"])[0]
            O.move_opportunity(other, condo.id, "Negotiation")
            O.create_opportunity(other, contact="Bob Stone", name="Warehouse", stage="Contacted")
        finally:
            other.dispose()
        await pilot.pause(1.5)
        names = column_names(app)
        assert names["Negotiation"] == ["Condo downtown"]
        assert "Warehouse" in names["Contacted"]
        assert names["New Lead"] == ["Lake house"]
        assert focused_card(app) == "Lake house"  # focus kept on the same card
        assert "5 open deals" in app.main_screen.query_one("#app-header").summary


async def test_an_open_detail_panel_follows_changes(db, db_path):  # noqa: F811
    app = JtekApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        other = open_database(str(db_path), login="sam")
        try:
            condo = O.list_opportunities(other, text=["condo"])[0]
            O.update_opportunity(other, condo.id, value_cents=99_900)
        finally:
            other.dispose()
        await pilot.pause(1.5)
        value = app.screen.query_one("#detail-value").render()
        assert "$999" in getattr(value, "plain", str(value))


async def test_a_hidden_board_catches_up_when_shown(db, db_path):  # noqa: F811
    app = JtekApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("4")  # the board is hidden now
        other = open_database(str(db_path), login="sam")
        try:
            condo = O.list_opportunities(other, text=["condo"])[0]
            O.move_opportunity(other, condo.id, "Negotiation")
        finally:
            other.dispose()
        await pilot.pause(1.5)
        await pilot.press("1")
        await pilot.pause()
        assert column_names(app)["Negotiation"] == ["Condo downtown"]
