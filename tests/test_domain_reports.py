"""Every report figure on small hand-built histories with answers worked out by
hand (see docs/reports.md for the definitions being checked)."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain import reports as R
from jtek_tui.domain.errors import NotFoundError, ValidationError


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOW = utc(2026, 3, 14, 12)  # today is Saturday 2026-03-14 in UTC
DAY = 86400.0


@pytest.fixture
def zone():
    """Switch the process's local time zone for one test, then put it back."""
    original = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    time.tzset()


class World:
    """Deals built through the domain functions, back-dated with `at=`."""

    def __init__(self, db, frozen, now: datetime = NOW):
        self.db = db
        self.now = now
        frozen(now)
        self.contact = C.create_contact(db, "Maria Johnson").id
        self.bob = M.add_member(db, "Bob Stone", login="bob").id
        self.alice = db.actor_id

    def deal(self, name: str, *, stage: str = "New Lead", value: int | None = None, close: date | None = None,
             who: str | None = "alice", at: datetime | None = None, pipeline: str | None = None) -> int:
        return O.create_opportunity(
            self.db, contact=self.contact, name=name, stage=stage, value_cents=value, expected_close=close,
            assignee=who, at=at or self.now - timedelta(days=30), pipeline=pipeline,
        ).id

    def move(self, opp_id: int, stage: str, at: datetime) -> None:
        O.move_opportunity(self.db, opp_id, stage, at=at)

    def won(self, opp_id: int, at: datetime) -> None:
        O.mark_won(self.db, opp_id, at=at)

    def lost(self, opp_id: int, at: datetime, reason: str = "Priced out") -> None:
        O.mark_lost(self.db, opp_id, reason, at=at)


@pytest.fixture
def world(db, frozen):
    return World(db, frozen)


# -- periods and filters ---------------------------------------------------------------

def test_default_period_is_this_calendar_month():
    f = R.ReportFilters()
    assert f.period(date(2026, 3, 14)) == R.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert f.period(date(2028, 2, 29)) == R.Period(date(2028, 2, 1), date(2028, 2, 29))
    assert f.period(date(2026, 12, 31)) == R.Period(date(2026, 12, 1), date(2026, 12, 31))
    # one end given: from = the first of `to`'s month; to = the end of this month
    assert R.ReportFilters(date_to=date(2026, 2, 10)).period(date(2026, 3, 14)) == \
        R.Period(date(2026, 2, 1), date(2026, 2, 10))
    assert R.ReportFilters(date_from=date(2025, 11, 15)).period(date(2026, 3, 14)) == \
        R.Period(date(2025, 11, 15), date(2026, 3, 31))
    with pytest.raises(ValidationError):
        R.ReportFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)).period(date(2026, 3, 14))


@pytest.mark.parametrize("name, today, expected", [
    ("this-month", date(2026, 3, 14), (date(2026, 3, 1), date(2026, 3, 31))),
    ("last-month", date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
    ("last-month", date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
    ("this-quarter", date(2026, 3, 14), (date(2026, 1, 1), date(2026, 3, 31))),
    ("last-quarter", date(2026, 1, 15), (date(2025, 10, 1), date(2025, 12, 31))),
    ("this-year", date(2026, 3, 14), (date(2026, 1, 1), date(2026, 12, 31))),
    ("last-year", date(2026, 3, 14), (date(2025, 1, 1), date(2025, 12, 31))),
    ("last-7-days", date(2026, 3, 3), (date(2026, 2, 25), date(2026, 3, 3))),
    ("last-30-days", date(2026, 3, 14), (date(2026, 2, 13), date(2026, 3, 14))),
])
def test_named_periods(name, today, expected):
    assert R.period_preset(name, today) == expected


def test_unknown_period_is_refused():
    with pytest.raises(ValidationError) as info:
        R.period_preset("fortnight", date(2026, 3, 14))
    assert "last-30-days" in str(info.value) and info.value.field == "period"


def test_period_bounds_are_local_midnights(zone):
    zone("America/Los_Angeles")
    period = R.Period(date(2026, 12, 1), date(2026, 12, 31))
    assert period.start == utc(2026, 12, 1, 8)  # PST is UTC-8
    assert period.end == utc(2027, 1, 1, 8)
    summer = R.Period(date(2026, 7, 1), date(2026, 7, 31))
    assert summer.start == utc(2026, 7, 1, 7)  # PDT is UTC-7


def test_resolve_filters_by_name(world):
    P.create_pipeline(world.db, "Buyers", ["Inquiry"])
    f = R.resolve_filters(world.db, pipeline="buyers", member="bob", date_from="2026-03-01", date_to="today")
    assert f.pipeline_id == P.get_pipeline(world.db, "Buyers").id and f.member_id == world.bob
    assert (f.date_from, f.date_to) == (date(2026, 3, 1), date(2026, 3, 14))
    assert R.resolve_filters(world.db, period="last-month") == \
        R.ReportFilters(None, None, date(2026, 2, 1), date(2026, 2, 28))
    assert R.resolve_filters(world.db) == R.ReportFilters()
    for bad, field in [({"pipeline": "Nope"}, "pipeline"), ({"member": "nobody"}, "member"),
                       ({"date_from": "someday"}, "date_from"),
                       ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_from"),
                       ({"period": "last-month", "date_from": "2026-01-01"}, "period")]:
        with pytest.raises(ValidationError) as info:
            R.resolve_filters(world.db, **bad)
        assert info.value.field == field, bad


def test_unknown_ids_in_filters(world):
    with pytest.raises(NotFoundError):
        R.pipeline_value(world.db, R.ReportFilters(pipeline_id=999))
    with pytest.raises(NotFoundError):
        R.won_lost(world.db, R.ReportFilters(member_id=999))


# -- pipeline value -------------------------------------------------------------------

def test_pipeline_value_and_weighted_rounding(world):
    P.create_pipeline(world.db, "Buyers", [("Inquiry", 25, None), ("Offer", 50, None)])
    w = world
    w.deal("a", value=12_345)  # New Lead 10%: 1,234.5 -> 1,235 (half up, not half even)
    w.deal("b", value=5)  # 0.5 -> 1
    w.deal("c")  # no value: counts, adds 0
    w.deal("d", stage="Qualified", value=100_000)  # 40% -> 40,000
    w.deal("e", stage="Negotiation", value=999)  # 80%: 799.2 -> 799
    w.deal("i", stage="Contacted", value=1_000, who="bob")  # 20% -> 200
    w.deal("h", stage="Inquiry", value=2, pipeline="Buyers")  # 25%: 0.5 -> 1
    w.won(w.deal("f", value=1_000_000), NOW - timedelta(days=1))  # closed: not in the pipeline
    w.lost(w.deal("g", value=1_000_000), NOW - timedelta(days=1))

    r = R.pipeline_value(w.db)
    got = [(s.pipeline, s.stage, s.deals, s.deals_without_value, s.value_cents, s.weighted_cents) for s in r.stages]
    assert got == [
        ("Sales Pipeline", "New Lead", 3, 1, 12_350, 1_236),
        ("Sales Pipeline", "Contacted", 1, 0, 1_000, 200),
        ("Sales Pipeline", "Qualified", 1, 0, 100_000, 40_000),
        ("Sales Pipeline", "Proposal Sent", 0, 0, 0, 0),
        ("Sales Pipeline", "Negotiation", 1, 0, 999, 799),
        ("Buyers", "Inquiry", 1, 0, 2, 1),
        ("Buyers", "Offer", 0, 0, 0, 0),
    ]
    assert (r.deals, r.deals_without_value, r.value_cents, r.weighted_cents) == (7, 1, 114_351, 42_236)

    sales = R.pipeline_value(w.db, R.ReportFilters(pipeline_id=P.get_pipeline(w.db, "Sales Pipeline").id))
    assert len(sales.stages) == 5 and sales.pipeline == "Sales Pipeline"
    assert (sales.deals, sales.value_cents, sales.weighted_cents) == (6, 114_349, 42_235)

    mine = R.pipeline_value(w.db, R.ReportFilters(member_id=w.bob))
    assert (mine.member, mine.deals, mine.value_cents, mine.weighted_cents) == ("Bob Stone", 1, 1_000, 200)

    data = r.to_json()
    assert data["report"] == "pipeline" and data["as_of"] == "2026-03-14" and data["member"] is None
    assert data["stages"][0] == {"pipeline": "Sales Pipeline", "stage": "New Lead", "probability": 10,
                                 "deals": 3, "deals_without_value": 1, "value_cents": 12_350,
                                 "weighted_cents": 1_236}
    header, rows = r.csv()
    assert header[:3] == ["pipeline", "stage", "probability"] and rows[0][-2:] == ["123.50", "12.36"]


# -- closing this month and overdue ----------------------------------------------------

def test_closing_this_month_and_overdue(world):
    w = world
    c1 = w.deal("c1 first day", value=100, close=date(2026, 3, 1))  # closing, and 13 days overdue
    c2 = w.deal("c2 last day", value=200, close=date(2026, 3, 31))  # closing
    c3 = w.deal("c3 due today", close=date(2026, 3, 14))  # closing, no value, not overdue
    w.deal("c4 next month", value=300, close=date(2026, 4, 1))
    c5 = w.deal("c5 last month", value=400, close=date(2026, 2, 28))  # 14 days overdue
    w.deal("c6 no date", value=800)
    w.won(w.deal("c7 won", value=50, close=date(2026, 3, 10)), NOW - timedelta(days=2))
    c8 = w.deal("c8 bob", stage="Qualified", value=1_000, close=date(2026, 3, 20), who="bob")

    closing = R.closing_this_month(w.db)
    assert [d.id for d in closing.rows] == [c1, c3, c8, c2]
    assert (closing.date_from, closing.date_to) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (closing.deals, closing.deals_without_value, closing.value_cents, closing.weighted_cents) == \
        (4, 1, 1_300, 10 + 20 + 400)
    line = closing.rows[2]
    assert (line.name, line.contact, line.pipeline, line.stage, line.value_cents, line.expected_close,
            line.owner, line.days_overdue) == ("c8 bob", "Maria Johnson", "Sales Pipeline", "Qualified", 1_000,
                                               date(2026, 3, 20), "Bob Stone", 0)
    assert closing.rows[0].days_overdue == 13 and not closing.truncated

    late = R.overdue(w.db)
    assert [(d.id, d.days_overdue) for d in late.rows] == [(c5, 14), (c1, 13)]
    assert (late.deals, late.value_cents, late.weighted_cents) == (2, 500, 40 + 10)

    cut = R.closing_this_month(w.db, limit=1)
    assert [d.id for d in cut.rows] == [c1] and cut.deals == 4 and cut.truncated
    assert R.overdue(w.db, limit=0).rows == [] and R.overdue(w.db, limit=0).value_cents == 500

    bob = R.ReportFilters(member_id=w.bob)
    assert [d.id for d in R.closing_this_month(w.db, bob).rows] == [c8]
    assert R.overdue(w.db, bob).deals == 0

    data = late.to_json()
    assert data["report"] == "overdue" and "month" not in data
    assert data["opportunities"][0] == {
        "id": c5, "name": "c5 last month", "contact": "Maria Johnson", "pipeline": "Sales Pipeline",
        "stage": "New Lead", "value_cents": 400, "expected_close": "2026-02-28", "owner": "alice",
        "days_overdue": 14}
    assert closing.to_json()["month"] == {"from": "2026-03-01", "to": "2026-03-31"}
    header, rows = late.csv()
    assert header[-1] == "days_overdue" and rows[0] == [c5, "c5 last month", "Maria Johnson", "Sales Pipeline",
                                                       "New Lead", "4.00", "2026-02-28", "alice", 14]
    assert R.closing_this_month(w.db).csv()[1][1][5] == ""  # no value: empty cell


def test_last_day_of_month_rolls_over_at_midnight(world, frozen):
    w = world
    end = w.deal("due Mar 31", value=100, close=date(2026, 3, 31))
    april = w.deal("due Apr 1", value=100, close=date(2026, 4, 1))
    frozen(utc(2026, 3, 31, 23, 59))
    assert [d.id for d in R.closing_this_month(w.db).rows] == [end]
    assert R.overdue(w.db).deals == 0
    frozen(utc(2026, 4, 1, 0, 0))
    assert [d.id for d in R.closing_this_month(w.db).rows] == [april]
    assert [(d.id, d.days_overdue) for d in R.overdue(w.db).rows] == [(end, 1)]


# -- won vs lost -------------------------------------------------------------------------

def test_won_lost_in_the_period(world, frozen):
    w = world
    w.won(w.deal("w1", value=300), utc(2026, 3, 2, 10))
    w.won(w.deal("w2 february", value=9_000), utc(2026, 2, 27))
    w.won(w.deal("w3 last instant", value=50), utc(2026, 3, 31, 23, 59, 59))
    w.won(w.deal("w4 april", value=9_000), utc(2026, 4, 1, 0, 0))
    w.lost(w.deal("l1", value=100), utc(2026, 3, 5), "Priced out")
    w.lost(w.deal("l2 no value"), utc(2026, 3, 6), "Priced out")
    w.lost(w.deal("l3", value=1_000, who="bob"), utc(2026, 3, 7), "Went with another agent")
    l4 = w.deal("l4 no reason", value=7)
    O.move_opportunity(w.db, l4, "Closed Lost", at=utc(2026, 3, 8))
    r1 = w.deal("r1 reopened, open now", value=9_000)
    w.won(r1, utc(2026, 3, 3))
    O.reopen(w.db, r1, at=utc(2026, 3, 4))
    r2 = w.deal("r2 lost, reopened, won", value=20)
    w.lost(r2, utc(2026, 2, 20))
    O.reopen(w.db, r2, at=utc(2026, 3, 1))
    w.won(r2, utc(2026, 3, 10))
    frozen(utc(2026, 4, 10))
    march = R.ReportFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))

    r = R.won_lost(w.db, march)
    assert (r.won_deals, r.won_value_cents, r.lost_deals, r.lost_value_cents) == (3, 370, 4, 1_107)
    assert r.win_rate == pytest.approx(3 / 7)
    assert [(x.reason, x.deals, x.value_cents) for x in r.reasons] == [
        ("Priced out", 2, 100), ("Went with another agent", 1, 1_000), (None, 1, 7)]
    data = r.to_json()
    assert data["period"] == {"from": "2026-03-01", "to": "2026-03-31"} and data["win_rate"] == 0.4286
    assert data["won"] == {"deals": 3, "value_cents": 370}
    assert data["lost_reasons"][-1] == {"reason": None, "deals": 1, "value_cents": 7}
    assert r.csv() == (["outcome", "lost_reason", "deals", "value"], [
        ["won", "", 3, "3.70"], ["lost", "Priced out", 2, "1.00"],
        ["lost", "Went with another agent", 1, "10.00"], ["lost", "", 1, "0.07"]])

    bob = R.won_lost(w.db, R.ReportFilters(member_id=w.bob, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    assert (bob.won_deals, bob.lost_deals, bob.win_rate) == (0, 1, 0.0)
    empty = R.won_lost(w.db, R.ReportFilters(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)))
    assert empty.win_rate is None and empty.reasons == [] and empty.to_json()["win_rate"] is None
    # the default period is this month (April): only w4
    assert (R.won_lost(w.db).won_deals, R.won_lost(w.db).won_value_cents) == (1, 9_000)


# -- time in stage ------------------------------------------------------------------------

@pytest.fixture
def stays(world):
    """S1 open in Qualified; S2 lost, reopened, won; S3 open in Contacted since February."""
    w = world
    s1 = w.deal("S1", at=utc(2026, 3, 1))
    w.move(s1, "Contacted", utc(2026, 3, 3))  # New Lead 2d
    w.move(s1, "Qualified", utc(2026, 3, 8))  # Contacted 5d; Qualified 6.5d so far
    s2 = w.deal("S2", at=utc(2026, 2, 20))
    w.move(s2, "Contacted", utc(2026, 3, 2))  # New Lead 10d, ended in March
    w.lost(s2, utc(2026, 3, 4))  # Contacted 2d
    O.reopen(w.db, s2, "Contacted", at=utc(2026, 3, 5))  # a day in Closed Lost: not reported
    w.move(s2, "Qualified", utc(2026, 3, 9))  # Contacted again 4d
    w.won(s2, utc(2026, 3, 12))  # Qualified 3d
    s3 = w.deal("S3", at=utc(2026, 2, 1), who="bob")
    w.move(s3, "Contacted", utc(2026, 2, 10))  # New Lead 9d, ended in February; Contacted 32.5d so far
    return w


def _times(report: R.StageTimes) -> dict:
    return {st.stage: (st.stays, st.ongoing, st.avg_days, st.median_days) for st in report.stages}


def test_time_in_stage_this_month(stays):
    got = _times(R.stage_times(stays.db))
    assert got["New Lead"] == (2, 0, pytest.approx(6.0), pytest.approx(6.0))
    # two stays of S2 (before and after it was lost and reopened), S1, and S3's current one
    assert got["Contacted"] == (4, 1, pytest.approx((5 + 2 + 4 + 32.5) / 4), pytest.approx(4.5))
    assert got["Qualified"] == (2, 1, pytest.approx(4.75), pytest.approx(4.75))
    assert got["Proposal Sent"] == (0, 0, None, None) and got["Negotiation"] == (0, 0, None, None)
    assert list(got) == ["New Lead", "Contacted", "Qualified", "Proposal Sent", "Negotiation"]


def test_time_in_stage_other_periods_and_member(stays):
    february = R.stage_times(stays.db, R.ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)))
    got = _times(february)  # only S3's New Lead stay ended in February; no current stays (not today)
    assert got["New Lead"] == (1, 0, pytest.approx(9.0), pytest.approx(9.0))
    assert got["Contacted"] == (0, 0, None, None) and got["Qualified"] == (0, 0, None, None)
    both = _times(R.stage_times(stays.db, R.ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 3, 31))))
    assert both["New Lead"] == (3, 0, pytest.approx(7.0), pytest.approx(9.0))  # 2, 9, 10: odd count
    bob = _times(R.stage_times(stays.db, R.ReportFilters(member_id=stays.bob)))
    assert bob["Contacted"] == (1, 1, pytest.approx(32.5), pytest.approx(32.5)) and bob["New Lead"][0] == 0
    data = R.stage_times(stays.db).to_json()
    assert data["stages"][1] == {"pipeline": "Sales Pipeline", "stage": "Contacted", "stays": 4, "ongoing": 1,
                                 "avg_days": 10.88, "median_days": 4.5}
    header, rows = R.stage_times(stays.db).csv()
    assert header == ["pipeline", "stage", "stays", "ongoing", "avg_days", "median_days"]
    assert rows[1][4:] == ["10.88", "4.50"] and rows[3][4:] == ["", ""]


def test_time_in_stage_agrees_with_the_deal_history(stays):
    """The report's stays are the history panel's stays (opportunity_history)."""
    seen = []
    for row in O.list_opportunities(stays.db, status=None):
        for h in O.opportunity_history(stays.db, row.id):
            if h.to_stage == "Contacted" and (h.current or h.at + h.duration >= utc(2026, 3, 1)):
                seen.append(h.duration.total_seconds() / DAY)
    got = R.stage_times(stays.db).stages[1]
    assert sorted(seen) == pytest.approx([2, 4, 5, 32.5]) and got.avg_days == pytest.approx(sum(seen) / 4)


def test_simultaneous_moves_keep_their_order(world, frozen):
    """Two rows at the same instant (a pinned clock): the stay between them lasts 0."""
    w = world
    frozen(utc(2026, 3, 10))
    d = O.create_opportunity(w.db, contact=w.contact, name="fast").id
    O.move_opportunity(w.db, d, "Contacted")  # same instant: 0 days in New Lead
    frozen(NOW)
    got = _times(R.stage_times(w.db))
    assert got["New Lead"] == (1, 0, 0.0, 0.0)
    assert got["Contacted"] == (1, 1, pytest.approx(4.5), pytest.approx(4.5))


# -- funnel --------------------------------------------------------------------------------

def test_funnel_counts_how_far_deals_got(world):
    w = world
    P.create_pipeline(w.db, "Buyers", ["Inquiry", "Offer"])
    march = utc(2026, 3, 2)
    w.deal("F0 february", at=utc(2026, 2, 15))  # not in March's cohort
    w.deal("F1 never moved", at=march)
    f2 = w.deal("F2 lost in Qualified", at=march)
    w.move(f2, "Contacted", march + timedelta(days=1))
    w.move(f2, "Qualified", march + timedelta(days=2))
    w.lost(f2, march + timedelta(days=3))
    f3 = w.deal("F3 straight to Proposal, won", stage="Proposal Sent", at=march)
    w.won(f3, march + timedelta(days=1))
    f4 = w.deal("F4 skipped to Negotiation, stepped back", at=march)
    w.move(f4, "Negotiation", march + timedelta(days=1))
    w.move(f4, "Contacted", march + timedelta(days=2))
    f5 = w.deal("F5 won then reopened", at=march)
    w.move(f5, "Contacted", march + timedelta(days=1))
    w.won(f5, march + timedelta(days=2))
    O.reopen(w.db, f5, at=march + timedelta(days=3))
    w.deal("F6 created lost", stage="Closed Lost", at=march)

    r = R.funnel(w.db)
    sales, buyers = r.pipelines
    assert (sales.pipeline, sales.deals, sales.open, sales.won, sales.lost) == ("Sales Pipeline", 6, 3, 1, 2)
    assert [(s.stage, s.kind, s.reached) for s in sales.steps] == [
        ("New Lead", "open", 5), ("Contacted", "open", 4), ("Qualified", "open", 4),
        ("Proposal Sent", "open", 3), ("Negotiation", "open", 3), ("Closed Won", "won", 1)]
    assert [s.conversion for s in sales.steps] == [
        pytest.approx(0.8), pytest.approx(1.0), pytest.approx(0.75), pytest.approx(1.0), pytest.approx(1 / 3), None]
    assert [s.of_first for s in sales.steps] == [pytest.approx(x) for x in (1, 0.8, 0.8, 0.6, 0.6, 0.2)]
    assert buyers.deals == 0 and [s.reached for s in buyers.steps] == [0, 0, 0]
    assert all(s.conversion is None and s.of_first is None for s in buyers.steps)

    only = R.funnel(w.db, R.ReportFilters(pipeline_id=P.get_pipeline(w.db, "Sales Pipeline").id))
    assert [p.pipeline for p in only.pipelines] == ["Sales Pipeline"]
    feb = R.funnel(w.db, R.ReportFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)))
    assert [s.reached for s in feb.pipelines[0].steps] == [1, 0, 0, 0, 0, 0]
    data = r.to_json()
    assert data["pipelines"][0]["steps"][4] == {"stage": "Negotiation", "kind": "open", "reached": 3,
                                                "conversion": 0.3333, "of_first": 0.6}
    header, rows = r.csv()
    assert header == ["pipeline", "step", "stage", "kind", "reached", "conversion_to_next"]
    assert rows[0] == ["Sales Pipeline", 1, "New Lead", "open", 5, "0.8000"] and rows[5][-1] == ""


# -- forecast ----------------------------------------------------------------------------

def test_forecast_across_the_new_year(db, frozen):
    w = World(db, frozen, now=utc(2026, 12, 10, 12))
    w.deal("o1", value=1_000, close=date(2026, 12, 31))  # Dec, 10% -> 100
    w.deal("o8 earlier this month", value=10, close=date(2026, 12, 1))  # Dec (overdue, still this month) -> 1
    w.deal("o2", stage="Qualified", value=1_000, close=date(2027, 1, 1))  # Jan, 40% -> 400
    w.deal("o6", stage="Proposal Sent", close=date(2027, 2, 14))  # Feb, no value
    w.deal("o3", stage="Negotiation", value=12_345, close=date(2027, 5, 31))  # May (last month), 80% -> 9,876
    w.deal("o4", value=500, close=date(2027, 6, 1))  # after the window -> 50
    w.deal("o5", stage="Contacted", value=300, close=date(2026, 11, 30))  # before this month -> 60
    w.deal("o7", value=700)  # no close date -> 70
    w.won(w.deal("w1", value=5_000), utc(2026, 12, 5))
    w.won(w.deal("w2 november", value=9_000), utc(2026, 11, 30, 23))
    w.lost(w.deal("lost in december", value=9_000), utc(2026, 12, 6))

    r = R.forecast(w.db)
    assert [(m.label, m.open_deals, m.open_value_cents, m.weighted_cents, m.won_deals, m.won_value_cents,
             m.forecast_cents) for m in r.months] == [
        ("2026-12", 2, 1_010, 101, 1, 5_000, 5_101),
        ("2027-01", 1, 1_000, 400, 0, 0, 400),
        ("2027-02", 1, 0, 0, 0, 0, 0),
        ("2027-03", 0, 0, 0, 0, 0, 0),
        ("2027-04", 0, 0, 0, 0, 0, 0),
        ("2027-05", 1, 12_345, 9_876, 0, 0, 9_876),
    ]
    assert [(b.label, b.open_deals, b.open_value_cents, b.weighted_cents) for b in (r.earlier, r.later, r.undated)] \
        == [("earlier", 1, 300, 60), ("later", 1, 500, 50), ("undated", 1, 700, 70)]
    assert r.forecast_cents == 15_377
    # every open deal is somewhere, and the weighted values add up to the pipeline's
    pv = R.pipeline_value(w.db)
    buckets = [*r.months, r.earlier, r.later, r.undated]
    assert sum(b.open_deals for b in buckets) == pv.deals == 8
    assert sum(b.weighted_cents for b in buckets) == pv.weighted_cents

    one = R.forecast(w.db, months=1)
    assert [m.label for m in one.months] == ["2026-12"] and one.later.open_deals == 4
    with pytest.raises(ValidationError):
        R.forecast(w.db, months=0)
    data = r.to_json()
    assert data["months"][0] == {"month": "2026-12", "open_deals": 2, "open_value_cents": 1_010,
                                 "weighted_cents": 101, "won_deals": 1, "won_value_cents": 5_000,
                                 "forecast_cents": 5_101}
    assert data["outside"][2] == {"bucket": "undated", "open_deals": 1, "open_value_cents": 700,
                                  "weighted_cents": 70}
    assert r.csv()[1][0] == ["2026-12", 2, "10.10", "1.01", 1, "50.00", "51.01"]


# -- per team member ----------------------------------------------------------------------

def test_members(world):
    w = world
    carol = M.add_member(w.db, "Carol Diaz", login="carol").id
    M.add_member(w.db, "Dave Eng", login="dave")
    w.deal("alice open", value=100)  # 10% -> 10
    w.deal("alice open 2", stage="Qualified", value=200)  # 40% -> 80
    w.won(w.deal("alice won", value=500), utc(2026, 3, 2))
    w.lost(w.deal("alice lost", value=70), utc(2026, 3, 3))
    w.deal("bob open", stage="Contacted", value=1_000, who="bob")  # 20% -> 200
    w.lost(w.deal("bob lost in february", value=5, who="bob"), utc(2026, 2, 3))
    w.won(w.deal("carol won", value=50, who="carol"), utc(2026, 3, 4))
    M.set_member_active(w.db, "carol", False)  # inactive, but has figures
    w.deal("nobody's", value=40, who=None)  # 10% -> 4

    r = R.members(w.db)
    got = [(m.member, m.open_deals, m.open_value_cents, m.weighted_cents, m.won_deals, m.won_value_cents,
            m.lost_deals, m.lost_value_cents, m.win_rate) for m in r.members]
    assert got == [
        ("alice", 2, 300, 90, 1, 500, 1, 70, 0.5),
        ("Bob Stone", 1, 1_000, 200, 0, 0, 0, 0, None),
        ("Carol Diaz", 0, 0, 0, 1, 50, 0, 0, 1.0),
        ("Dave Eng", 0, 0, 0, 0, 0, 0, 0, None),
        (None, 1, 40, 4, 0, 0, 0, 0, None),
    ]
    assert [m.member_id for m in r.members][:3] == [w.alice, w.bob, carol]
    only = R.members(w.db, R.ReportFilters(member_id=w.bob))
    assert [m.member for m in only.members] == ["Bob Stone"] and only.member == "Bob Stone"
    assert r.to_json()["members"][-1]["member"] is None
    assert r.csv()[1][0] == ["alice", 2, "3.00", "0.90", 1, "5.00", 1, "0.70", "0.5000"]


# -- summary and dashboard -----------------------------------------------------------------

def test_summary_and_dashboard_agree_with_the_reports(stays):
    w = stays
    w.deal("open", value=1_000, close=date(2026, 3, 20))
    w.deal("late", stage="Qualified", value=2_000, close=date(2026, 3, 2))
    w.lost(w.deal("lost", value=300), utc(2026, 3, 10))
    s = R.summary(w.db)
    pv, closing, late, wl = R.pipeline_value(w.db), R.closing_this_month(w.db), R.overdue(w.db), R.won_lost(w.db)
    assert (s.open_deals, s.open_value_cents, s.weighted_cents) == (pv.deals, pv.value_cents, pv.weighted_cents)
    assert (s.closing_deals, s.closing_value_cents) == (closing.deals, closing.value_cents) == (2, 3_000)
    assert (s.overdue_deals, s.overdue_value_cents) == (late.deals, late.value_cents) == (1, 2_000)
    # S2 was lost and reopened, then won: it counts once, as won
    assert (s.won_deals, s.lost_deals, s.win_rate) == (wl.won_deals, wl.lost_deals, wl.win_rate) == (1, 1, 0.5)
    assert s.csv()[1][1] == ["open_value", "30.00"] and s.to_json()["win_rate"] == 0.5

    d = R.dashboard(w.db, list_limit=1)
    assert d.summary == s
    assert d.pipeline.to_json() == pv.to_json() and d.won_lost.to_json() == wl.to_json()
    assert d.stage_times.to_json() == R.stage_times(w.db).to_json()
    assert d.funnel.to_json() == R.funnel(w.db).to_json()
    assert d.forecast.to_json() == R.forecast(w.db).to_json()
    assert d.members.to_json() == R.members(w.db).to_json()
    assert len(d.closing.rows) == 1 and d.closing.deals == 2 and d.closing.truncated
    assert set(d.to_json()) == {"summary", "pipeline", "closing", "overdue", "won_lost", "stage_times", "funnel",
                                "forecast", "members"}


def test_empty_database(db, frozen):
    frozen(NOW)
    d = R.dashboard(db)
    assert d.summary.open_deals == 0 and d.summary.win_rate is None
    assert d.closing.rows == [] and d.overdue.deals == 0
    assert all(st.avg_days is None for st in d.stage_times.stages)
    assert [s.reached for s in d.funnel.pipelines[0].steps] == [0] * 6
    assert d.forecast.forecast_cents == 0 and [m.member for m in d.members.members] == ["alice"]


# -- time zones: local and UTC dates differ -----------------------------------------------

def test_los_angeles_new_years_eve(db, frozen, zone):
    """21:00 on 31 Dec in Los Angeles is already 1 January in UTC."""
    zone("America/Los_Angeles")
    w = World(db, frozen, now=utc(2027, 1, 1, 5))
    today = w.deal("due Dec 31", value=100, close=date(2026, 12, 31))
    w.deal("due Jan 1", value=100, close=date(2027, 1, 1))
    first = w.deal("due Dec 1", value=100, close=date(2026, 12, 1))
    yesterday = w.deal("due Dec 30", value=100, close=date(2026, 12, 30))
    w.won(w.deal("won Dec 31 19:00 local", value=1), utc(2027, 1, 1, 3))
    w.won(w.deal("won Nov 30 23:30 local", value=10), utc(2026, 12, 1, 7, 30))
    w.won(w.deal("won Dec 1 00:30 local", value=100), utc(2026, 12, 1, 8, 30))

    closing = R.closing_this_month(db)
    assert closing.as_of == date(2026, 12, 31) and closing.date_from == date(2026, 12, 1)
    assert [d.id for d in closing.rows] == [first, yesterday, today]
    assert [(d.id, d.days_overdue) for d in R.overdue(db).rows] == [(first, 30), (yesterday, 1)]
    wl = R.won_lost(db)
    assert wl.period == R.Period(date(2026, 12, 1), date(2026, 12, 31))
    assert (wl.won_deals, wl.won_value_cents) == (2, 101)
    dec = R.forecast(db).months[0]
    assert (dec.label, dec.won_deals, dec.won_value_cents, dec.open_deals) == ("2026-12", 2, 101, 3)
    assert R.forecast(db).months[1].open_deals == 1  # the deal due 1 January


def test_auckland_new_year(db, frozen, zone):
    """01:00 on 1 January in Auckland is still 31 December in UTC."""
    zone("Pacific/Auckland")
    w = World(db, frozen, now=utc(2026, 12, 31, 12))
    january = w.deal("due Jan 31", value=100, close=date(2027, 1, 31))
    december = w.deal("due Dec 31", value=100, close=date(2026, 12, 31))
    w.won(w.deal("won 00:30 local on Jan 1", value=1), utc(2026, 12, 31, 11, 30))
    w.won(w.deal("won 23:30 local on Dec 31", value=10), utc(2026, 12, 31, 10, 30))
    assert [d.id for d in R.closing_this_month(db).rows] == [january]
    assert [(d.id, d.days_overdue) for d in R.overdue(db).rows] == [(december, 1)]
    wl = R.won_lost(db)
    assert wl.period == R.Period(date(2027, 1, 1), date(2027, 1, 31))
    assert (wl.won_deals, wl.won_value_cents) == (1, 1)
    assert R.forecast(db).months[0].label == "2027-01"
