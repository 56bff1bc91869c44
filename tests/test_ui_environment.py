"""Hostile terminals: too small, no colour, no mouse, TERM=dumb."""

from __future__ import annotations

from jtek_tui.ui.app import JtekApp
from tests.test_ui_board import card_lines, db  # noqa: F401  (fixture)
from tests.ui_support import board


async def test_too_small_terminal_says_so_and_recovers(db):  # noqa: F811
    app = JtekApp(db)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        main = app.main_screen
        assert main.has_class("-too-small")
        hint = main.query_one("#too-small").render()
        assert "too small (40x12)" in getattr(hint, "plain", str(hint))
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not main.has_class("-too-small")


async def test_no_color_keeps_the_focus_visible_as_a_glyph(db, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NO_COLOR", "1")
    app = JtekApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = card_lines(board(app).focused_list())
        assert lines.startswith("▶ Condo downtown")  # the focused card is marked without colour
        assert "◷" in lines or "⚠" in lines  # flags are glyphs, not just colour


def test_term_dumb_is_a_plain_refusal(jtek, monkeypatch):
    import sys

    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    r = jtek()
    assert r.code == 1 and "cursor control" in r.err and "Traceback" not in r.err


async def test_read_only_database_is_marked_and_refuses_writes_plainly(db, db_path):  # noqa: F811
    from jtek_tui.domain import opportunities as O
    from jtek_tui.domain.bootstrap import open_database

    readonly = open_database(str(db_path), readonly=True)
    try:
        app = JtekApp(readonly)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            header = app.main_screen.query_one("#app-header")
            assert header.readonly and "READ-ONLY" in header.render().plain
            await pilot.press("shift+right")
            await pilot.pause()
            assert app.is_running  # a refused write is a notice, not a crash
            messages = [str(n.message) for n in app._notifications]
            assert any("read-only" in m for m in messages), messages
        assert O.list_opportunities(db, text=["condo"])[0].stage == "New Lead"
    finally:
        readonly.dispose()
