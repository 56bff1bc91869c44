"""Helpers for Pilot tests: a small, known board and ways to read it back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.models import StageChange

#: The clock every UI test runs at: a Wednesday, mid-month, local = UTC.
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 11)


def build_board(path: str) -> Database:
    """Sales Pipeline with five deals across three stages, two members, tags."""
    clock.freeze(NOW - timedelta(days=20))
    db = open_database(path, login="alice")
    sam = M.add_member(db, "Sam Rivera", login="sam")
    maria = C.create_contact(db, "Maria Johnson", email="maria@example.com", phone="555 123 4567", tags=["vip"])
    bob = C.create_contact(db, "Bob Stone", email="bob@example.com")
    O.create_opportunity(db, contact=maria.id, name="Lake house", value_cents=75_000_000,
                         expected_close=TODAY - timedelta(days=3), notes="Wants a dock")
    O.create_opportunity(db, contact=bob.id, name="Condo downtown", value_cents=20_000_000,
                         expected_close=TODAY + timedelta(days=10), assignee=sam.id)
    beta = O.create_opportunity(db, contact=maria.id, name="Beach cabin", value_cents=None)
    clock.freeze(NOW - timedelta(days=5))
    O.move_opportunity(db, beta.id, "Contacted")
    gamma = O.create_opportunity(db, contact=bob.id, name="Office lease", value_cents=150_000_000,
                                 expected_close=date(2026, 3, 28), assignee=sam.id)
    O.move_opportunity(db, gamma.id, "Qualified")
    clock.freeze(NOW)
    return db


def text_of(widget) -> str:
    """What a widget shows, as plain text."""
    rendered = widget.render()
    return getattr(rendered, "plain", str(rendered))


def stage_of(db: Database, name: str) -> str:
    with db.read() as s:
        return O.get_row(db, O.find_opportunity(s, name).id).stage


def history_count(db: Database, name: str | None = None) -> int:
    with db.read() as s:
        q = select(func.count()).select_from(StageChange)
        if name is not None:
            q = q.where(StageChange.opportunity_id == O.find_opportunity(s, name).id)
        return s.scalar(q)


def focused_card(app) -> str | None:
    """The name on the focused card (or the closed list's cursor row)."""
    from jtek_tui.ui.sections.board import BoardSection

    board = app.screen.query_one(BoardSection) if app.screen.query(BoardSection) else None
    if board is None:
        return None
    row = board.current_row()
    return row.name if row else None


def board(app):
    from jtek_tui.ui.sections.board import BoardSection

    return app.main_screen.query_one(BoardSection)


def column_names(app) -> dict[str, list[str]]:
    from jtek_tui.ui.widgets.card_list import CardList

    return {cards.stage.name: [r.name for r in cards.rows] for cards in board(app).query(CardList)}
