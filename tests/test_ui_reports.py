"""Pilot tests for the Reports screen (`3`): the figures match the domain on a
hand-built book, the filters change them, `enter` on a listed deal opens it,
user text stays literal, live changes keep focus and cursor, and the layout
follows the terminal width."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain import reports as R
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.formatting import money, money_short, percent
from jtek_tui.domain.preferences import save_prefs
from jtek_tui.ui.app import JtekApp
from jtek_tui.ui.screens.detail import DetailScreen
from jtek_tui.ui.screens.help import HelpScreen
from jtek_tui.ui.screens.pickers import Picker
from jtek_tui.ui.sections.reports import ReportsSection
from jtek_tui.ui.widgets.chrome import AppHeader
from jtek_tui.ui.widgets.report_panel import DealRows
from tests.ui_support import NOW, TODAY, build_board

SIZE = (120, 40)


def build_reports(path: str) -> Database:
    """The board's book (ui_support.build_board) plus a second pipeline, deals
    won and lost this month and last, and user text that looks like markup.

    At NOW (2026-03-11), open deals: Lake house $750k (New Lead 10%, due 03-08),
    Condo $200k (New Lead, 03-21, Sam), Beach cabin no value (Contacted),
    Office lease $1.5m (Qualified 40%, 03-28, Sam), "[bold]x[/]" $100k (New
    Lead, 03-01), Loft $300k (Buyers [VIP] / Showing 50%, 02-20, Sam).
    Won this month: Garage $50k. Lost this month: Barn $80k "[red]too pricey[/]".
    Lost last month: Shed $30k "Went quiet" (Sam)."""
    db = build_board(path)
    clock.freeze(NOW - timedelta(days=40))
    P.create_pipeline(db, "Buyers [VIP]", [("Showing", 50, None), ("Offer", 75, None)])
    zed = C.create_contact(db, "[i]Zed[/i]")
    O.create_opportunity(db, contact=zed.id, name="[bold]x[/]", value_cents=10_000_000,
                         expected_close=date(2026, 3, 1))
    O.create_opportunity(db, contact="Bob Stone", name="Loft", pipeline="Buyers [VIP]", value_cents=30_000_000,
                         expected_close=date(2026, 2, 20), assignee="Sam Rivera")
    shed = O.create_opportunity(db, contact="Bob Stone", name="Shed", value_cents=3_000_000, assignee="Sam Rivera")
    clock.freeze(NOW - timedelta(days=29))  # 2026-02-10
    O.move_opportunity(db, shed.id, "Closed Lost", lost_reason="Went quiet")
    clock.freeze(NOW - timedelta(days=10))  # 2026-03-01
    garage = O.create_opportunity(db, contact="Maria Johnson", name="Garage", value_cents=5_000_000)
    barn = O.create_opportunity(db, contact="Maria Johnson", name="Barn", value_cents=8_000_000)
    clock.freeze(NOW - timedelta(days=6))
    O.move_opportunity(db, garage.id, "Closed Won")
    clock.freeze(NOW - timedelta(days=2))
    O.move_opportunity(db, barn.id, "Closed Lost", lost_reason="[red]too pricey[/]")
    clock.freeze(NOW)
    return db


@pytest.fixture
def db(db_path):
    database = build_reports(str(db_path))
    yield database
    database.dispose()


def reports(app) -> ReportsSection:
    return app.main_screen.query_one(ReportsSection)


async def settle(pilot) -> ReportsSection:
    """Wait until the dashboard's background read has landed on screen."""
    section = reports(pilot.app)
    for _ in range(200):
        await pilot.pause(0.02)
        if section.data is not None and not section.busy:
            break
    await pilot.pause()
    assert section.data is not None and not section.busy
    return section


async def open_reports(pilot) -> ReportsSection:
    await pilot.pause()
    await pilot.press("3")
    return await settle(pilot)


def lines(rows: DealRows) -> list[str]:
    return ["".join(seg.text for seg in rows.render_line(y)) for y in range(rows.size.height)]


def deal_id(db: Database, name: str) -> int:
    with db.read() as s:
        return O.find_opportunity(s, name).id


async def test_dashboard_shows_the_domain_figures(db):
    d = R.dashboard(db, R.ReportFilters())
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        pipeline = section.chart("pipeline").text
        # Hand-computed: 750k + 200k + 0 + 1.5m + 100k + 300k open; weighted
        # 75k + 20k + 600k + 10k + 150k (10%, 10%, 40%, 10%, 50%).
        assert "$2,850,000" in pipeline and "$855,000" in pipeline
        assert money(d.pipeline.value_cents) == "$2,850,000"
        assert money(d.pipeline.weighted_cents) == "$855,000"
        for stage in d.pipeline.stages:
            assert stage.stage in pipeline
        assert "Sales Pipeline" in pipeline and "Buyers [VIP]" in pipeline  # grouped by pipeline
        assert section.panel("pipeline").title_text == (
            "Pipeline value · 6 open deals · $2,850,000 · weighted $855,000")

        closing = section.deal_list("closing")
        assert [r.name for r in closing.rows] == ["[bold]x[/]", "Lake house", "Condo downtown", "Office lease"]
        assert section.panel("closing").title_text == "Closing this month · 4 deals · $2,550,000"
        assert d.closing.value_cents == 255_000_000
        overdue = section.deal_list("overdue")
        assert [(r.name, r.days_overdue) for r in overdue.rows] == [("Loft", 19), ("[bold]x[/]", 10),
                                                                   ("Lake house", 3)]
        assert section.panel("overdue").title_text == "⚠ Overdue · 3 deals · $1,150,000"
        assert any("19d" in line and "Loft" in line and "$300,000" in line for line in lines(overdue))

        won_lost = section.chart("won-lost").text
        assert "$50,000" in won_lost and "$80,000" in won_lost
        assert f"Win rate {percent(d.won_lost.win_rate)}" in won_lost
        assert "Win rate 50.0%" in won_lost

        forecast = section.chart("forecast").text
        assert money(d.forecast.forecast_cents) in forecast
        assert "Mar 2026" in forecast and "Aug 2026" in forecast
        team = section.chart("team").text
        sam = next(m for m in d.members.members if m.member == "Sam Rivera")
        assert sam.open_value_cents == 200_000_000  # condo, office lease, loft
        assert "Sam Rivera" in team and money(sam.open_value_cents) in team
        times = section.chart("stage-time").text
        assert all(st.stage in times for st in d.stage_times.stages)
        funnel = section.chart("funnel").text
        # Office lease, Garage and Barn were created this month
        assert "Sales Pipeline  3 new deals: 1 open · 1 won · 1 lost" in funnel
        assert "Buyers [VIP]  no new deals" in funnel

        kpi = section.query_one("#report-kpi").text
        assert f"Open 6 · {money_short(d.summary.open_value_cents)}" in kpi  # short money at this width
        assert f"Overdue 3 · {money_short(d.summary.overdue_value_cents)}" in kpi and "Win rate 50.0%" in kpi
        header = app.screen.query_one(AppHeader)
        assert header.summary.startswith("All pipelines · this month · $")


async def test_filters_change_the_figures(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)

        await pilot.press("p")
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "down", "enter")  # All, Sales Pipeline, Buyers [VIP]
        await settle(pilot)
        assert section.choice.pipeline == "Buyers [VIP]"
        assert section.panel("pipeline").title_text == "Pipeline value · 1 open deal · $300,000 · weighted $150,000"
        assert [r.name for r in section.deal_list("overdue").rows] == ["Loft"]
        assert section.deal_list("closing").rows == []
        assert "Buyers [VIP]" in section.query_one("#report-filters").text
        assert app.screen.query_one(AppHeader).summary.startswith("Buyers [VIP] · this month · $300k open")

        await pilot.press("escape")  # back to all pipelines, everyone, this month
        await settle(pilot)
        assert section.choice.pipeline_id is None
        assert section.panel("pipeline").title_text.startswith("Pipeline value · 6 open deals")

        await pilot.press("m")
        options = app.screen.query_one("OptionList")
        sam = next(i for i in range(options.option_count) if "Sam Rivera" in str(options.get_option_at_index(i).prompt))
        options.highlighted = sam
        await pilot.press("enter")
        await settle(pilot)
        assert section.choice.member == "Sam Rivera"
        assert section.panel("pipeline").title_text == (
            "Pipeline value · 3 open deals · $2,000,000 · weighted $770,000")
        assert "Nothing was won or lost" in section.chart("won-lost").text  # Sam closed nothing this month

        await pilot.press("right_square_bracket")  # next period: last month
        await settle(pilot)
        assert section.choice.period == "last-month"
        assert "Last month (Feb 1–28, 2026)" in section.query_one("#report-filters").text
        won_lost = section.chart("won-lost").text
        assert "Went quiet" in won_lost and "$30,000" in won_lost and "Win rate 0.0%" in won_lost
        # snapshot figures do not move with the period
        assert section.panel("pipeline").title_text.startswith("Pipeline value · 3 open deals · $2,000,000")

        await pilot.press("left_square_bracket", "left_square_bracket")  # this month, then last 365 days
        await settle(pilot)
        assert section.choice.period == "last-365-days"
        d = R.dashboard(db, R.resolve_filters(db, member="Sam Rivera", period="last-365-days"))
        assert f"Win rate {percent(d.won_lost.win_rate)}" in section.chart("won-lost").text

        await pilot.press("t")
        options = app.screen.query_one("OptionList")
        assert "Last quarter" in str(options.get_option_at_index(3).prompt)
        options.highlighted = 3
        await pilot.press("enter")
        await settle(pilot)
        assert section.choice.period == "last-quarter"
        assert "Last quarter (Oct 1 – Dec 31, 2025)" in section.query_one("#report-filters").text


async def test_enter_on_a_listed_deal_opens_it(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        assert app.focused is section.chart("pipeline")
        await pilot.press("tab", "tab")  # pipeline -> forecast -> closing this month
        closing = section.deal_list("closing")
        assert app.focused is closing
        await pilot.press("down", "enter")
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.opportunity_id == deal_id(db, "Lake house")
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is closing and closing.current_row.name == "Lake house"  # place kept

        await pilot.press("tab")
        overdue = section.deal_list("overdue")
        assert app.focused is overdue
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.opportunity_id == deal_id(db, "Loft")
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("shift+tab")
        assert app.focused is closing


async def test_user_text_is_literal(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        closing = "\n".join(lines(section.deal_list("closing")))
        assert "[bold]x[/]" in closing and "[i]Zed[/i]" in closing
        assert "[bold]x[/]" in "\n".join(lines(section.deal_list("overdue")))
        assert "[red]too pricey[/]" in section.chart("won-lost").text
        assert "Buyers [VIP]" in section.chart("pipeline").text
        # nothing was parsed as markup: no bold, italic or red span came from user text
        rendered = section.chart("won-lost").content_for(section.chart("won-lost").content_size.width)
        reason_at = rendered.plain.index("[red]too pricey[/]")
        assert not any(span.start <= reason_at < span.end and "red" in str(span.style) for span in rendered.spans)


async def test_live_change_refreshes_and_keeps_focus_and_cursor(db, db_path):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        section.deal_list("overdue").focus()
        await pilot.press("down")  # "[bold]x[/]"
        other = open_database(str(db_path), login="sam")
        try:
            O.move_opportunity(other, deal_id(other, "Loft"), "Closed Won")
        finally:
            other.dispose()
        await pilot.pause(1.6)
        await settle(pilot)
        overdue = section.deal_list("overdue")
        assert [r.name for r in overdue.rows] == ["[bold]x[/]", "Lake house"]
        assert app.focused is overdue and overdue.current_row.name == "[bold]x[/]"
        assert "Win rate 66.7%" in section.chart("won-lost").text  # Garage and Loft won, Barn lost


async def test_the_help_lists_the_report_keys(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        for words in ("Report on one pipeline", "Choose the period", "Next period", "Open the deal"):
            assert words in text


@pytest.mark.parametrize(("size", "columns"), [((80, 24), 1), ((160, 45), 2), ((200, 60), 3)])
async def test_layout_follows_the_width(db, size, columns):
    app = JtekApp(db)
    async with app.run_test(size=size) as pilot:
        section = await open_reports(pilot)
        assert section.has_class(f"-cols-{columns}")
        panels = [section.panel(p) for p in ("pipeline", "forecast")]
        same_row = panels[0].region.y == panels[1].region.y
        assert same_row == (columns > 1)
        # tab walks every panel; the focused one is scrolled into view
        scroll = section.query_one("#report-scroll")
        for _ in range(len(section.focusables()) - 1):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert focused in section.focusables()
            assert scroll.region.contains(focused.region.x, focused.region.y)
        assert app.focused is section.chart("team")


async def test_filters_survive_a_restart_and_a_deleted_choice_falls_back(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        await pilot.press("p", "down", "down", "enter", "right_square_bracket")
        await settle(pilot)
        await app.action_quit()  # remembers each section's place
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        assert (section.choice.pipeline, section.choice.period) == ("Buyers [VIP]", "last-month")
        assert section.panel("pipeline").title_text.startswith("Pipeline value · 1 open deal · $300,000")

    save_prefs(db, {"reports.pipeline": 999, "reports.period": "someday"})
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_reports(pilot)
        await settle(pilot)
        assert section.choice.key == (None, None, "this-month")
        assert section.panel("pipeline").title_text.startswith("Pipeline value · 6 open deals")


def test_build_reports_is_what_the_docstring_says(db):
    """The fixture's own check, so a change in build_board shows up here first."""
    assert TODAY == clock.today()
    summary = R.summary(db)
    assert (summary.open_deals, summary.won_deals, summary.lost_deals) == (6, 1, 1)
