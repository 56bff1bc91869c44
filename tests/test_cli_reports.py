"""`jtek report …`: JSON and CSV output for scripts, tables for people, errors."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O

NOW = datetime(2026, 3, 14, 12, tzinfo=UTC)
NAMES = ["summary", "pipeline", "closing", "overdue", "won-lost", "stage-time", "funnel", "forecast", "members"]


@pytest.fixture
def book(db, frozen):
    """Three open deals (one overdue, one closing this month), one won, one lost."""
    frozen(NOW)
    maria = C.create_contact(db, "Maria Johnson").id
    M.add_member(db, "Bob Stone", login="bob")
    at = NOW - timedelta(days=10)

    def deal(name, **kw):
        return O.create_opportunity(db, contact=maria, name=name, at=at, **kw).id

    late = deal("[bold]Lake house[/]", value_cents=75_000_000, expected_close=date(2026, 3, 2))
    deal("Condo, 2nd floor", stage="Qualified", value_cents=20_000_050, expected_close=date(2026, 3, 31),
         assignee="bob")
    deal("Farm", expected_close=date(2026, 5, 1))
    O.mark_won(db, deal("Loft", value_cents=30_000_000), at=NOW - timedelta(days=2))
    O.mark_lost(db, deal("Barn", value_cents=1_000_000), "Priced out", at=NOW - timedelta(days=1))
    return {"late": late}


def test_every_report_prints_json(jtek, book):
    for name in NAMES:
        r = jtek("report", name, "--json")
        assert r.code == 0, (name, r.err)
        data = r.json()
        assert data["report"] == name and data["as_of"] == "2026-03-14", name
        assert data["pipeline"] is None and data["member"] is None


def test_overdue_json_and_csv(jtek, book):
    data = jtek("report", "overdue", "--json").json()
    assert (data["deals"], data["value_cents"], data["weighted_cents"]) == (1, 75_000_000, 7_500_000)
    assert data["opportunities"] == [{
        "id": book["late"], "name": "[bold]Lake house[/]", "contact": "Maria Johnson",
        "pipeline": "Sales Pipeline", "stage": "New Lead", "value_cents": 75_000_000,
        "expected_close": "2026-03-02", "owner": "alice", "days_overdue": 12}]
    r = jtek("report", "overdue", "--csv")
    assert r.code == 0 and r.err == ""
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows == [
        ["id", "name", "contact", "pipeline", "stage", "value", "expected_close", "owner", "days_overdue"],
        [str(book["late"]), "[bold]Lake house[/]", "Maria Johnson", "Sales Pipeline", "New Lead", "750000.00",
         "2026-03-02", "alice", "12"]]


def test_csv_quotes_and_money(jtek, book):
    rows = list(csv.reader(io.StringIO(jtek("report", "closing", "--csv").out)))
    assert [r[1] for r in rows[1:]] == ["[bold]Lake house[/]", "Condo, 2nd floor"]
    assert rows[2][5] == "200000.50" and rows[2][7] == "Bob Stone"
    won_lost = list(csv.reader(io.StringIO(jtek("report", "won-lost", "--csv").out)))
    assert won_lost == [["outcome", "lost_reason", "deals", "value"], ["won", "", "1", "300000.00"],
                        ["lost", "Priced out", "1", "10000.00"]]
    summary = dict(csv.reader(io.StringIO(jtek("report", "summary", "--csv").out)))
    assert summary["figure"] == "value" and summary["open_deals"] == "3" and summary["win_rate"] == "0.5"
    assert summary["closing_this_month_value"] == "950000.50"


def test_filters_and_options(jtek, book):
    r = jtek("report", "members", "--member", "bob", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["member"] == "Bob Stone" and [m["member"] for m in data["members"]] == ["Bob Stone"]
    assert data["members"][0]["open_value_cents"] == 20_000_050
    r = jtek("report", "pipeline", "--pipeline", "sales", "--json")
    assert r.json()["pipeline"] == "Sales Pipeline" and r.json()["deals"] == 3
    r = jtek("report", "won-lost", "--from", "2026-03-13", "--to", "today", "--json")
    data = r.json()
    assert data["period"] == {"from": "2026-03-13", "to": "2026-03-14"}
    assert (data["won"]["deals"], data["lost"]["deals"]) == (0, 1)
    assert jtek("report", "won-lost", "--period", "last-month", "--json").json()["period"] == {
        "from": "2026-02-01", "to": "2026-02-28"}
    months = jtek("report", "forecast", "--months", "2", "--json").json()["months"]
    assert [m["month"] for m in months] == ["2026-03", "2026-04"]
    closing = jtek("report", "closing", "--limit", "1", "--json").json()
    assert closing["deals"] == 2 and len(closing["opportunities"]) == 1


def test_tables_for_people(jtek, book):
    for name in NAMES:
        r = jtek("report", name)
        assert r.code == 0 and r.out.strip(), (name, r.err)
    overdue = jtek("report", "overdue").out
    assert "[bold]Lake" in overdue and "12d" in overdue and "$750,000" in overdue
    assert "Win rate" in jtek("report", "won-lost").out and "50.0%" in jtek("report", "won-lost").out
    pipeline = jtek("report", "pipeline").out
    assert "█" in pipeline and "1 open deal(s) have no value" in pipeline
    assert "Not in the months above" not in jtek("report", "forecast").out


BAD = [
    ("report", "overdue", "--json", "--csv"),
    ("report", "overdue", "--from", "2026-01-01"),
    ("report", "forecast", "--period", "last-month"),
    ("report", "won-lost", "--from", "someday"),
    ("report", "won-lost", "--from", "2026-03-10", "--to", "2026-03-01"),
    ("report", "won-lost", "--period", "fortnight"),
    ("report", "won-lost", "--period", "last-month", "--from", "2026-01-01"),
    ("report", "members", "--member", "nobody"),
    ("report", "pipeline", "--pipeline", "Nope"),
    ("report", "forecast", "--months", "0"),
    ("report", "closing", "--limit", "0"),
    ("report", "frobnicate"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a[1:]) for a in BAD])
def test_bad_input_is_one_line_exit_2(jtek, book, args):
    r = jtek(*args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("jtek: ") and r.err.count("\n") == 1, r.err
    assert r.out == ""
