"""Reports: the figures behind the Reports screen and `jtek report`.

Every report is one function `(db, filters) -> dataclass`. The dataclasses hold
plain data (ids, names, integer cents, dates, floats for days and rates) so the
Textual dashboard and the CLI render the same numbers; each has `to_json()` (the
stable `--json` interface, names rather than foreign keys) and `csv()` (one flat
table for `--csv`). `dashboard()` builds them all from one read snapshot.

The definitions are written down in `docs/reports.md` and this module follows
them exactly; the short version:

- "local" is the process's time zone: "today" is `clock.today()`, and a period
  of local dates covers local midnight of its first day up to local midnight
  after its last day, converted to UTC to compare with stored timestamps;
- pipeline value, closing this month, overdue and the forecast describe the open
  deals *now* and ignore the period; won/lost, time in stage, the funnel and the
  per-member won figures are about the period (default: this calendar month);
- weighted value of a deal = value x stage probability / 100, rounded half up to
  whole cents per deal, so every weighted total is the exact sum of its deals;
- deals with no value count as deals and add 0; deals with no expected close
  date are never "closing" or "overdue" (the forecast lists them as undated).

Speed: each report is a handful of SQL aggregates; `benchmarks/reports.py`
times them and prints their query plans. Jtek never runs ANALYZE, so SQLite
plans without statistics and the queries are shaped to lead it: "every
pipeline" is written `pipeline_id IN (all ids)` so the board index (pipeline_id,
status, ...) serves the open-deal queries; a period's stage changes are found
through (to_stage_id, changed_at) with `to_stage_id IN (all stage ids)`, there
being no index on changed_at alone; `_unindexed()` keeps the planner off an
index when a narrower one (a month of expected_close) or a plain scan is better.
The open-deal figures all come from one grouped aggregate, the "open book".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain.errors import InputError, NotFoundError, ValidationError
from jtek_tui.domain.members import find_member
from jtek_tui.domain.parsing import parse_date
from jtek_tui.domain.pipelines import LOST, OPEN, WON, find_pipeline
from jtek_tui.models import (
    Contact,
    Opportunity,
    Pipeline,
    Stage,
    StageChange,
    TeamMember,
    UTCDateTime,
)

#: How many months the forecast covers by default (the current one included).
FORECAST_MONTHS = 6
#: A sentinel stage position for "reached the won stage" in the funnel.
_WON_TOP = 1_000_000


# -- periods and filters -------------------------------------------------------------

def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    """The first day of the month `n` months after `d`'s month."""
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def local_midnight(d: date) -> datetime:
    """Local midnight at the start of `d`, as an aware UTC datetime."""
    return datetime.combine(d, time()).astimezone().astimezone(UTC)


def _quarter_start(d: date) -> date:
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


#: Named periods for the CLI's `--period` and the dashboard's period picker.
PERIODS: dict[str, str] = {
    "this-month": "this calendar month",
    "last-month": "last calendar month",
    "this-quarter": "this calendar quarter",
    "last-quarter": "last calendar quarter",
    "this-year": "this calendar year",
    "last-year": "last calendar year",
    "last-7-days": "the last 7 days, today included",
    "last-30-days": "the last 30 days, today included",
    "last-90-days": "the last 90 days, today included",
    "last-365-days": "the last 365 days, today included",
}


_ROLLING = {"last-7-days": 7, "last-30-days": 30, "last-90-days": 90, "last-365-days": 365}


def period_preset(name: str, today: date | None = None) -> tuple[date, date]:
    """The (first, last) local dates of a named period (see `PERIODS`)."""
    today = today or clock.today()
    key = (name or "").strip().lower()
    if key == "this-month":
        return month_start(today), month_end(today)
    if key == "last-month":
        first = add_months(today, -1)
        return first, month_end(first)
    if key == "this-quarter":
        first = _quarter_start(today)
        return first, add_months(first, 3) - timedelta(days=1)
    if key == "last-quarter":
        first = add_months(_quarter_start(today), -3)
        return first, add_months(first, 3) - timedelta(days=1)
    if key == "this-year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if key == "last-year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if key in _ROLLING:
        return today - timedelta(days=_ROLLING[key] - 1), today
    raise ValidationError(f"There is no period called {name!r}; use one of: {', '.join(PERIODS)}.", "period")


@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included; `start`/`end` are the UTC instants
    bounding them (half-open), for comparing with stored timestamps."""

    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        return local_midnight(self.date_to + timedelta(days=1))

    def to_json(self) -> dict:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


@dataclass(frozen=True)
class ReportFilters:
    """What every report is narrowed to. None means "all" (pipelines, members);
    missing dates fall back to the default period, this calendar month:
    no `date_from` -> the first day of `date_to`'s month (of this month when both
    are missing), no `date_to` -> the last day of this month."""

    pipeline_id: int | None = None
    member_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def period(self, today: date | None = None) -> Period:
        today = today or clock.today()
        date_to = self.date_to or month_end(today)
        date_from = self.date_from or month_start(self.date_to or today)
        if date_from > date_to:
            raise ValidationError(
                f"The period starts ({date_from}) after it ends ({date_to}).", "date_from")
        return Period(date_from, date_to)


def resolve_filters(
    db: Database,
    *,
    pipeline: str | int | None = None,
    member: str | int | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    period: str | None = None,
) -> ReportFilters:
    """Filters from what a person typed: pipeline and member by name or id
    (`find_pipeline`, `find_member`), dates as `parse_date` reads them
    (2027-01-31, today, eom, ...), or a named `period` (see `PERIODS`).
    A period and explicit dates together are refused."""
    if period and (date_from or date_to):
        raise ValidationError("Give either a named period or --from/--to dates, not both.", "period")
    start = date_from if isinstance(date_from, date) else parse_date(date_from, field="date_from")
    stop = date_to if isinstance(date_to, date) else parse_date(date_to, field="date_to")
    if period:
        start, stop = period_preset(period)
    with db.read() as s:
        pipeline_id = member_id = None
        if pipeline is not None and str(pipeline).strip():
            try:
                pipeline_id = find_pipeline(s, pipeline).id
            except InputError as error:
                raise ValidationError(str(error), "pipeline") from None
        if member is not None and str(member).strip():
            try:
                member_id = find_member(s, member).id
            except InputError as error:
                raise ValidationError(str(error), "member") from None
    filters = ReportFilters(pipeline_id, member_id, start, stop)
    filters.period()  # refuse a backwards period now, not in the first report
    return filters


# -- what the filters mean inside one snapshot -----------------------------------------

@dataclass(frozen=True)
class _StageMeta:
    id: int
    pipeline_id: int
    pipeline: str
    name: str
    position: int
    kind: str
    probability: int


def _unindexed(column: Any) -> Any:
    """The column in a no-op expression (`x + 0`, `x || ''`): SQLite's idiom for
    "do not drive this query from an index on x". Without statistics (Jtek never
    runs ANALYZE) the planner prefers any equality on an indexed column, which is
    wrong when a narrower range index exists or when a scan is cheaper."""
    if column.type.python_type is int:
        return column + 0
    return column.concat("")


class _Scope:
    """Filters resolved against one read snapshot: names, stage lists, the
    period, and the open-deal aggregate that several reports share."""

    def __init__(self, s: Session, filters: ReportFilters | None):
        self.session = s
        self.filters = filters = filters or ReportFilters()
        self.now = clock.now()
        self.today = self.now.astimezone().date()  # clock.today(), from the same instant
        pipelines = s.execute(select(Pipeline.id, Pipeline.name).order_by(Pipeline.position, Pipeline.id)).all()
        names = dict(pipelines)
        if filters.pipeline_id is not None and filters.pipeline_id not in names:
            raise NotFoundError(f"There is no pipeline #{filters.pipeline_id}.")
        self.pipeline = names.get(filters.pipeline_id) if filters.pipeline_id is not None else None
        self.pipeline_ids = [filters.pipeline_id] if filters.pipeline_id is not None else [p[0] for p in pipelines]
        order = {pid: i for i, (pid, _) in enumerate(pipelines)}
        rows = s.execute(select(Stage.id, Stage.pipeline_id, Stage.name, Stage.position, Stage.kind,
                                Stage.probability)).all()
        every = sorted((_StageMeta(r[0], r[1], names[r[1]], r[2], r[3], r[4], r[5]) for r in rows),
                       key=lambda st: (order[st.pipeline_id], st.position, st.id))
        self.all_stage_ids = [st.id for st in every]
        self.stages = [st for st in every if st.pipeline_id in self.pipeline_ids]
        self.open_stages = [st for st in self.stages if st.kind == OPEN]
        self.stage = {st.id: st for st in every}
        self.member_names: dict[int, str] = dict(s.execute(select(TeamMember.id, TeamMember.name)).all())
        self.member: str | None = None
        if filters.member_id is not None:
            if filters.member_id not in self.member_names:
                raise NotFoundError(f"There is no team member #{filters.member_id}.")
            self.member = self.member_names[filters.member_id]
        self._period: Period | None = None
        self._books: list[_Book] = []

    @property
    def period(self) -> Period:
        if self._period is None:
            self._period = self.filters.period(self.today)
        return self._period

    def book(self, *dims: str) -> _Book:
        """The open book summed by `dims` (of "stage", "assignee", "bucket"):
        a cached book with more dimensions answers too, so the dashboard,
        which first asks for all three, reads the open deals once."""
        for book in self._books:
            if set(dims) <= book.dims:
                return book
        book = _Book.read(self, set(dims))
        self._books.append(book)
        return book

    def deal_conditions(self, *, indexed: bool = True) -> list[Any]:
        """Pipeline and member filters on Opportunity. "Every pipeline" is an IN
        list of all ids so the board index (pipeline_id, status, ...) can serve
        open-deal queries; `indexed=False` steers the planner to another index."""
        pipeline = Opportunity.pipeline_id if indexed else _unindexed(Opportunity.pipeline_id)
        cond: list[Any] = [pipeline.in_(self.pipeline_ids)]
        if self.filters.member_id is not None:
            member = Opportunity.assignee_id if indexed else _unindexed(Opportunity.assignee_id)
            cond.append(member == self.filters.member_id)
        return cond


def _value() -> Any:
    return func.coalesce(Opportunity.value_cents, 0)


def _weighted() -> Any:
    """Per-deal weighted value in whole cents, half up (integer SQL arithmetic)."""
    return (_value() * Stage.probability + 50) // 100


def _ts(value: datetime) -> Any:
    """A timestamp bound the way UTCDateTime columns store it (for julianday())."""
    return sa.literal(value, UTCDateTime)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _amount(cents: int | None) -> str:
    """Money for CSV: a plain decimal amount (`7500.50`), empty when unknown."""
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"


def _num(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class _Sums:
    deals: int = 0
    valued: int = 0
    value_cents: int = 0
    weighted_cents: int = 0

    def add(self, other: _Sums) -> None:
        self.deals += other.deals
        self.valued += other.valued
        self.value_cents += other.value_cents
        self.weighted_cents += other.weighted_cents

    @property
    def without_value(self) -> int:
        return self.deals - self.valued


#: Expected-close buckets of the open book, besides later months ("YYYY-MM").
UNDATED, BEFORE, MONTH_PAST, MONTH_REST = "undated", "before", "month-past", "month-rest"


class _Book:
    """The open deals in scope, summed in one SQL aggregate by some of: stage,
    assignee, expected-close bucket. Pipeline value, closing this month,
    overdue, the forecast and the members' open figures are all sums of these
    cells, so they agree with each other to the cent. Buckets: no date; before
    this month; this month before today (overdue); this month from today on; a
    later month ("YYYY-MM"). A dimension not asked for reads as None."""

    def __init__(self, dims: set[str], cells: list[tuple[int | None, int | None, str | None, _Sums]]):
        self.dims = dims
        self.cells = cells

    @classmethod
    def read(cls, sc: _Scope, dims: set[str]) -> _Book:
        first, last = month_start(sc.today), month_end(sc.today)
        close = Opportunity.expected_close
        bucket = case(
            (close.is_(None), UNDATED), (close < first, BEFORE), (close < sc.today, MONTH_PAST),
            (close <= last, MONTH_REST), else_=func.substr(close, 1, 7, type_=sa.String),
        )
        keys = [Opportunity.stage_id if "stage" in dims else sa.null(),
                Opportunity.assignee_id if "assignee" in dims else sa.null(),
                bucket if "bucket" in dims else sa.null()]
        grouped = [key for key, dim in zip(keys, ("stage", "assignee", "bucket"), strict=True) if dim in dims]
        rows = sc.session.execute(
            select(*keys, func.count(), func.count(Opportunity.value_cents), func.sum(_value()),
                   func.sum(_weighted()))
            .join(Stage, Stage.id == Opportunity.stage_id)
            .where(*sc.deal_conditions(), Opportunity.status == OPEN)
            .group_by(*grouped)
        ).all()
        return cls(dims, [(r[0], r[1], r[2], _Sums(r[3], r[4], r[5] or 0, r[6] or 0)) for r in rows])

    def sums(self, key: Any = None, buckets: Any = None) -> dict[Any, _Sums]:
        """Totals keyed by `key(stage_id, assignee_id, bucket)` (None: one total
        under None), over the cells whose bucket is in `buckets` (None: all)."""
        out: dict[Any, _Sums] = {}
        for stage_id, assignee_id, bucket, sums in self.cells:
            if buckets is not None and bucket not in buckets:
                continue
            k = key(stage_id, assignee_id, bucket) if key else None
            out.setdefault(k, _Sums()).add(sums)
        return out

    def total(self, buckets: Any = None) -> _Sums:
        return self.sums(None, buckets).get(None, _Sums())


# -- pipeline value ----------------------------------------------------------------------

@dataclass
class StageValue:
    """Open deals in one stage: count, total and weighted value."""

    pipeline_id: int
    pipeline: str
    stage_id: int
    stage: str
    probability: int
    deals: int = 0
    deals_without_value: int = 0
    value_cents: int = 0
    weighted_cents: int = 0

    def to_json(self) -> dict:
        return {"pipeline": self.pipeline, "stage": self.stage, "probability": self.probability,
                "deals": self.deals, "deals_without_value": self.deals_without_value,
                "value_cents": self.value_cents, "weighted_cents": self.weighted_cents}


@dataclass
class PipelineValue:
    """Open pipeline value now: per open stage (board order) and in total."""

    pipeline: str | None
    member: str | None
    as_of: date
    stages: list[StageValue]

    @property
    def deals(self) -> int:
        return sum(st.deals for st in self.stages)

    @property
    def deals_without_value(self) -> int:
        return sum(st.deals_without_value for st in self.stages)

    @property
    def value_cents(self) -> int:
        return sum(st.value_cents for st in self.stages)

    @property
    def weighted_cents(self) -> int:
        return sum(st.weighted_cents for st in self.stages)

    def to_json(self) -> dict:
        return {"report": "pipeline", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "deals": self.deals,
                "deals_without_value": self.deals_without_value, "value_cents": self.value_cents,
                "weighted_cents": self.weighted_cents, "stages": [st.to_json() for st in self.stages]}

    def csv(self) -> tuple[list[str], list[list]]:
        return (["pipeline", "stage", "probability", "deals", "deals_without_value", "value", "weighted"],
                [[st.pipeline, st.stage, st.probability, st.deals, st.deals_without_value,
                  _amount(st.value_cents), _amount(st.weighted_cents)] for st in self.stages])


def _pipeline_value(sc: _Scope) -> PipelineValue:
    by_stage = sc.book("stage").sums(lambda stage_id, _a, _b: stage_id)
    out = []
    for st in sc.open_stages:
        sums = by_stage.get(st.id, _Sums())
        out.append(StageValue(st.pipeline_id, st.pipeline, st.id, st.name, st.probability, sums.deals,
                              sums.without_value, sums.value_cents, sums.weighted_cents))
    return PipelineValue(sc.pipeline, sc.member, sc.today, out)


def pipeline_value(db: Database, filters: ReportFilters | None = None) -> PipelineValue:
    """Open deals now: count, total value and weighted value per stage (board order)."""
    with db.read() as s:
        return _pipeline_value(_Scope(s, filters))


# -- deal lists: closing this month, overdue ------------------------------------------

@dataclass
class DealLine:
    """One deal in a report list; `id` is what `enter` opens."""

    id: int
    name: str
    contact: str
    pipeline: str
    stage: str
    value_cents: int | None
    expected_close: date | None
    owner: str | None
    days_overdue: int = 0

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "contact": self.contact, "pipeline": self.pipeline,
                "stage": self.stage, "value_cents": self.value_cents,
                "expected_close": self.expected_close.isoformat() if self.expected_close else None,
                "owner": self.owner, "days_overdue": self.days_overdue}


@dataclass
class DealList:
    """Open deals matching a date rule, with totals over *all* of them even when
    `rows` was cut to a limit (`truncated`)."""

    report: str  # "closing" | "overdue"
    pipeline: str | None
    member: str | None
    as_of: date
    date_from: date | None  # the month, for "closing"; None for "overdue"
    date_to: date | None
    deals: int
    deals_without_value: int
    value_cents: int
    weighted_cents: int
    rows: list[DealLine] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.rows) < self.deals

    def to_json(self) -> dict:
        out = {"report": self.report, "pipeline": self.pipeline, "member": self.member,
               "as_of": self.as_of.isoformat()}
        if self.date_from and self.date_to:
            out["month"] = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        out.update({"deals": self.deals, "deals_without_value": self.deals_without_value,
                    "value_cents": self.value_cents, "weighted_cents": self.weighted_cents,
                    "opportunities": [r.to_json() for r in self.rows]})
        return out

    def csv(self) -> tuple[list[str], list[list]]:
        header = ["id", "name", "contact", "pipeline", "stage", "value", "expected_close", "owner"]
        if self.report == "overdue":
            header.append("days_overdue")
        rows = []
        for r in self.rows:
            line = [r.id, r.name, r.contact, r.pipeline, r.stage, _amount(r.value_cents),
                    r.expected_close.isoformat() if r.expected_close else "", r.owner or ""]
            if self.report == "overdue":
                line.append(r.days_overdue)
            rows.append(line)
        return header, rows


def _deal_list(sc: _Scope, report: str, limit: int | None) -> DealList:
    """The list and its totals in one statement: window aggregates see every
    matching deal before LIMIT cuts the rows (`limit=0`: totals only)."""
    first, last = month_start(sc.today), month_end(sc.today)
    close = Opportunity.expected_close
    if report == "closing":
        # The month's slice of ix_opp_expected_close is narrow: drive from it.
        cond = [close >= first, close <= last, _unindexed(Opportunity.status) == OPEN,
                *sc.deal_conditions(indexed=False)]
        month: tuple[date | None, date | None] = (first, last)
    else:
        # "Before today" reaches back over every closed deal's date: drive from
        # the open deals (board index) instead.
        cond = [close < sc.today, Opportunity.status == OPEN, *sc.deal_conditions()]
        month = (None, None)
    totals = (func.count().over(), func.count(Opportunity.value_cents).over(), func.sum(_value()).over(),
              func.sum(_weighted()).over())
    if limit == 0:
        query = select(func.count(), func.count(Opportunity.value_cents), func.sum(_value()),
                       func.sum(_weighted())).select_from(Opportunity)
    else:
        query = (
            select(Opportunity.id, Opportunity.name, func.trim(Contact.first_name + " " + Contact.last_name),
                   Opportunity.stage_id, Opportunity.value_cents, close, Opportunity.assignee_id, *totals)
            .select_from(Opportunity).join(Contact, Contact.id == Opportunity.contact_id)
            .order_by(close, Opportunity.id).limit(limit)
        )
    rows = sc.session.execute(query.join(Stage, Stage.id == Opportunity.stage_id).where(*cond)).all()
    lines, sums = [], _Sums()
    if limit == 0:
        n, valued, total, weighted = rows[0]
        sums = _Sums(n, valued, total or 0, weighted or 0)
    elif rows:
        sums = _Sums(rows[0][7], rows[0][8], rows[0][9] or 0, rows[0][10] or 0)
        for r in rows:
            st = sc.stage[r[3]]
            late = (sc.today - r[5]).days if r[5] < sc.today else 0
            lines.append(DealLine(r[0], r[1], r[2], st.pipeline, st.name, r[4], r[5],
                                  sc.member_names.get(r[6]) if r[6] is not None else None, late))
    return DealList(report, sc.pipeline, sc.member, sc.today, month[0], month[1], sums.deals,
                    sums.without_value, sums.value_cents, sums.weighted_cents, lines)


def closing_this_month(db: Database, filters: ReportFilters | None = None, *,
                       limit: int | None = None) -> DealList:
    """Open deals whose expected close date is in the current local calendar
    month (earliest first), with their count and sums; `limit` cuts the list only."""
    with db.read() as s:
        return _deal_list(_Scope(s, filters), "closing", limit)


def overdue(db: Database, filters: ReportFilters | None = None, *, limit: int | None = None) -> DealList:
    """Open deals whose expected close date is before today (local), oldest first."""
    with db.read() as s:
        return _deal_list(_Scope(s, filters), "overdue", limit)


def _closed(sc: _Scope, *keys: Any) -> list[tuple]:
    """Deals closed (won or lost) in the period: count and value grouped by `keys`.
    Their current outcome counts, dated by `closed_at` (the last time they closed)."""
    return sc.session.execute(
        select(*keys, func.count(), func.sum(_value()))
        .where(*sc.deal_conditions(), Opportunity.status.in_((WON, LOST)),
               Opportunity.closed_at >= sc.period.start, Opportunity.closed_at < sc.period.end)
        .group_by(*keys)
    ).all()


# -- won vs lost -------------------------------------------------------------------------

@dataclass
class LostReason:
    reason: str | None  # None: lost without a reason
    deals: int
    value_cents: int

    def to_json(self) -> dict:
        return {"reason": self.reason, "deals": self.deals, "value_cents": self.value_cents}


@dataclass
class WonLost:
    """Deals closed in the period (by their current outcome and `closed_at`)."""

    pipeline: str | None
    member: str | None
    as_of: date
    period: Period
    won_deals: int
    won_value_cents: int
    lost_deals: int
    lost_value_cents: int
    reasons: list[LostReason]

    @property
    def win_rate(self) -> float | None:
        """Won / (won + lost) by count; None when nothing closed."""
        return _rate(self.won_deals, self.won_deals + self.lost_deals)

    def to_json(self) -> dict:
        return {"report": "won-lost", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "period": self.period.to_json(),
                "won": {"deals": self.won_deals, "value_cents": self.won_value_cents},
                "lost": {"deals": self.lost_deals, "value_cents": self.lost_value_cents},
                "win_rate": _num(self.win_rate, 4),
                "lost_reasons": [r.to_json() for r in self.reasons]}

    def csv(self) -> tuple[list[str], list[list]]:
        rows: list[list] = [["won", "", self.won_deals, _amount(self.won_value_cents)]]
        rows += [["lost", r.reason or "", r.deals, _amount(r.value_cents)] for r in self.reasons]
        return ["outcome", "lost_reason", "deals", "value"], rows


def _won_lost(sc: _Scope) -> WonLost:
    won, lost, reasons = _Sums(), _Sums(), []
    for status, reason, n, total in _closed(sc, Opportunity.status, Opportunity.lost_reason):
        if status == WON:
            won.add(_Sums(n, 0, total or 0))
        else:
            lost.add(_Sums(n, 0, total or 0))
            reasons.append(LostReason(reason or None, n, total or 0))
    merged: dict[str | None, LostReason] = {}
    for r in reasons:  # "" and NULL both mean "no reason given"
        if r.reason in merged:
            merged[r.reason].deals += r.deals
            merged[r.reason].value_cents += r.value_cents
        else:
            merged[r.reason] = r
    ordered = sorted(merged.values(), key=lambda r: (-r.deals, -r.value_cents, r.reason is None, r.reason or ""))
    return WonLost(sc.pipeline, sc.member, sc.today, sc.period, won.deals, won.value_cents, lost.deals,
                   lost.value_cents, ordered)


def won_lost(db: Database, filters: ReportFilters | None = None) -> WonLost:
    """Won and lost deals closed in the period: counts, values, win rate, lost reasons."""
    with db.read() as s:
        return _won_lost(_Scope(s, filters))


# -- time in stage -------------------------------------------------------------------------

@dataclass
class StageTime:
    pipeline: str
    stage: str
    stays: int  # stays that ended in the period, plus ongoing ones if it includes today
    ongoing: int  # of which still going (counted up to now)
    avg_days: float | None
    median_days: float | None

    def to_json(self) -> dict:
        return {"pipeline": self.pipeline, "stage": self.stage, "stays": self.stays, "ongoing": self.ongoing,
                "avg_days": _num(self.avg_days), "median_days": _num(self.median_days)}


@dataclass
class StageTimes:
    """Average and median days per open stage, over the stays that ended in the period."""

    pipeline: str | None
    member: str | None
    as_of: date
    period: Period
    stages: list[StageTime]

    def to_json(self) -> dict:
        return {"report": "stage-time", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "period": self.period.to_json(),
                "stages": [st.to_json() for st in self.stages]}

    def csv(self) -> tuple[list[str], list[list]]:
        return (["pipeline", "stage", "stays", "ongoing", "avg_days", "median_days"],
                [[st.pipeline, st.stage, st.stays, st.ongoing,
                  "" if st.avg_days is None else f"{st.avg_days:.2f}",
                  "" if st.median_days is None else f"{st.median_days:.2f}"] for st in self.stages])


def _stage_times(sc: _Scope) -> StageTimes:
    period = sc.period
    open_ids = [st.id for st in sc.open_stages]
    stats: dict[int, tuple] = {}
    if open_ids:
        # A stay ends at the StageChange row leaving the stage (its from_stage_id)
        # and began at the deal's previous row: found through (opportunity_id, changed_at).
        # max() over the rows before it in (changed_at, id) order is that row's time;
        # ORDER BY ... LIMIT 1 would sort per stay.
        prev = aliased(StageChange)
        began = (
            select(func.max(prev.changed_at))
            .where(prev.opportunity_id == StageChange.opportunity_id,
                   or_(prev.changed_at < StageChange.changed_at,
                       and_(prev.changed_at == StageChange.changed_at, prev.id < StageChange.id)))
            .correlate(StageChange).scalar_subquery()
        )
        ended = (
            select(StageChange.from_stage_id.label("stage_id"),
                   ((func.julianday(StageChange.changed_at) - func.julianday(began)) * 86400.0).label("secs"),
                   sa.literal(0).label("ongoing"))
            .where(StageChange.to_stage_id.in_(sc.all_stage_ids),
                   StageChange.changed_at >= period.start, StageChange.changed_at < period.end,
                   StageChange.from_stage_id.in_(open_ids))
        )
        if sc.filters.member_id is not None:
            ended = ended.where(StageChange.opportunity_id.in_(
                select(Opportunity.id).where(Opportunity.assignee_id == sc.filters.member_id)))
        parts = [ended]
        if period.start <= sc.now < period.end:
            # The current stay of every open deal, counted up to now. It began at
            # the deal's last StageChange row, which `stage_entered_at` mirrors.
            parts.append(
                select(Opportunity.stage_id.label("stage_id"),
                       ((func.julianday(_ts(sc.now)) - func.julianday(Opportunity.stage_entered_at))
                        * 86400.0).label("secs"),
                       sa.literal(1).label("ongoing"))
                .where(*sc.deal_conditions(), Opportunity.status == OPEN)
            )
        stays = sa.union_all(*parts).subquery("stays")
        _register_median(sc.session)
        for r in sc.session.execute(
            select(stays.c.stage_id, func.count(stays.c.secs), func.sum(stays.c.ongoing), func.avg(stays.c.secs),
                   func.jtek_median(stays.c.secs))
            .group_by(stays.c.stage_id)
        ):
            stats[r[0]] = r
    out = []
    for st in sc.open_stages:
        r = stats.get(st.id)
        if r is None:
            out.append(StageTime(st.pipeline, st.name, 0, 0, None, None))
        else:
            out.append(StageTime(st.pipeline, st.name, r[1], r[2] or 0, r[3] / 86400, r[4] / 86400))
    return StageTimes(sc.pipeline, sc.member, sc.today, period, out)


class _Median:
    """`jtek_median(x)`: SQLite has no median. Measured on 45,000 stays, this
    aggregate costs 10 ms over the GROUP BY it rides on, where the window
    function way (row_number() and count() over each stage) costs 60 ms."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        values = self.values
        if not values:
            return None
        values.sort()
        n = len(values)
        return (values[(n - 1) // 2] + values[n // 2]) / 2


def _register_median(session: Session) -> None:
    """Make `jtek_median()` available on this session's SQLite connection."""
    session.connection().connection.driver_connection.create_aggregate("jtek_median", 1, _Median)


def stage_times(db: Database, filters: ReportFilters | None = None) -> StageTimes:
    """Average and median days per open stage. A stay is one visit to a stage
    (a reopened deal's second visit is another stay); it counts in the period
    it ended in, and a deal's current stay ends "now"."""
    with db.read() as s:
        return _stage_times(_Scope(s, filters))


# -- funnel ---------------------------------------------------------------------------------

@dataclass
class FunnelStep:
    stage: str
    kind: str  # open | won
    reached: int
    conversion: float | None  # reached(next step) / reached(this step); None for the last step or 0 reached
    of_first: float | None  # reached / reached(first step), for the bar

    def to_json(self) -> dict:
        return {"stage": self.stage, "kind": self.kind, "reached": self.reached,
                "conversion": _num(self.conversion, 4), "of_first": _num(self.of_first, 4)}


@dataclass
class PipelineFunnel:
    pipeline: str
    deals: int  # the cohort: deals created in the period
    open: int
    won: int
    lost: int
    steps: list[FunnelStep]

    def to_json(self) -> dict:
        return {"pipeline": self.pipeline, "deals": self.deals, "open": self.open, "won": self.won,
                "lost": self.lost, "steps": [st.to_json() for st in self.steps]}


@dataclass
class Funnel:
    """Per pipeline: of the deals created in the period, how many reached each
    open stage (or any later one) and how many are won."""

    pipeline: str | None
    member: str | None
    as_of: date
    period: Period
    pipelines: list[PipelineFunnel]

    def to_json(self) -> dict:
        return {"report": "funnel", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "period": self.period.to_json(),
                "pipelines": [p.to_json() for p in self.pipelines]}

    def csv(self) -> tuple[list[str], list[list]]:
        rows = []
        for p in self.pipelines:
            for i, st in enumerate(p.steps, 1):
                rows.append([p.pipeline, i, st.stage, st.kind, st.reached,
                             "" if st.conversion is None else f"{st.conversion:.4f}"])
        return ["pipeline", "step", "stage", "kind", "reached", "conversion_to_next"], rows


def _funnel(sc: _Scope) -> Funnel:
    period = sc.period
    # How far each deal of the cohort got: the highest open stage it entered,
    # or the won stage. A correlated subquery per deal keeps the loop order
    # right: the cohort outside (one pass over opportunity: no index has
    # created_at), its few stage changes inside through ix_stage_change_opp.
    top = (
        select(func.max(case((Stage.kind == WON, _WON_TOP), (Stage.kind == OPEN, Stage.position), else_=-1)))
        .select_from(StageChange)
        .join(Stage, Stage.id == StageChange.to_stage_id)
        .where(StageChange.opportunity_id == Opportunity.id, Stage.pipeline_id == Opportunity.pipeline_id)
        .correlate(Opportunity).scalar_subquery()
    )
    # MATERIALIZED: flattened into the outer GROUP BY, SQLite would rather walk
    # the whole table through the board index than sort a few groups.
    reach = (
        select(Opportunity.pipeline_id.label("pid"), Opportunity.status.label("status"), top.label("top"))
        .where(*sc.deal_conditions(indexed=False),
               Opportunity.created_at >= period.start, Opportunity.created_at < period.end)
    ).cte("reach").prefix_with("MATERIALIZED")
    counts: dict[int, list[tuple[str, int, int]]] = {}
    for pid, status, top_pos, n in sc.session.execute(
        select(reach.c.pid, reach.c.status, reach.c.top, func.count())
        .group_by(reach.c.pid, reach.c.status, reach.c.top)
    ):
        counts.setdefault(pid, []).append((status, -1 if top_pos is None else top_pos, n))
    out = []
    for pid in sc.pipeline_ids:
        stages = [st for st in sc.open_stages if st.pipeline_id == pid]
        won_stage = next((st for st in sc.stages if st.pipeline_id == pid and st.kind == WON), None)
        if not stages:
            continue
        groups = counts.get(pid, [])
        reached = [sum(n for _, t, n in groups if t >= st.position) for st in stages]
        won = sum(n for status, _, n in groups if status == WON)
        names = [st.name for st in stages] + [won_stage.name if won_stage else "Won"]
        kinds = [OPEN] * len(stages) + [WON]
        reached.append(won)
        steps = []
        for i, n in enumerate(reached):
            conversion = _rate(reached[i + 1], n) if i + 1 < len(reached) else None
            steps.append(FunnelStep(names[i], kinds[i], n, conversion, _rate(n, reached[0])))
        by_status = {kind: sum(n for status, _, n in groups if status == kind) for kind in (OPEN, WON, LOST)}
        out.append(PipelineFunnel(stages[0].pipeline, sum(n for _, _, n in groups), by_status[OPEN],
                                  by_status[WON], by_status[LOST], steps))
    return Funnel(sc.pipeline, sc.member, sc.today, period, out)


def funnel(db: Database, filters: ReportFilters | None = None) -> Funnel:
    """Stage-to-stage conversion of the deals created in the period (see docs/reports.md)."""
    with db.read() as s:
        return _funnel(_Scope(s, filters))


# -- forecast --------------------------------------------------------------------------------

@dataclass
class ForecastBucket:
    """Open deals grouped by expected close (a month, or earlier/later/undated)
    and, for months, the deals won in that month."""

    label: str  # "2027-01", "earlier", "later", "undated"
    month: date | None  # first day of the month, for month buckets
    open_deals: int = 0
    open_value_cents: int = 0
    weighted_cents: int = 0
    won_deals: int = 0
    won_value_cents: int = 0

    @property
    def forecast_cents(self) -> int:
        return self.weighted_cents + self.won_value_cents

    def to_json(self) -> dict:
        out = {"month": self.label} if self.month else {"bucket": self.label}
        out.update({"open_deals": self.open_deals, "open_value_cents": self.open_value_cents,
                    "weighted_cents": self.weighted_cents})
        if self.month:
            out.update({"won_deals": self.won_deals, "won_value_cents": self.won_value_cents,
                        "forecast_cents": self.forecast_cents})
        return out


@dataclass
class Forecast:
    """Month by month from the current one: weighted open value expected to close
    plus value already won that month. Open deals outside the window are in
    `earlier` (expected before this month: overdue), `later` and `undated`."""

    pipeline: str | None
    member: str | None
    as_of: date
    months: list[ForecastBucket]
    earlier: ForecastBucket
    later: ForecastBucket
    undated: ForecastBucket

    @property
    def forecast_cents(self) -> int:
        return sum(m.forecast_cents for m in self.months)

    def to_json(self) -> dict:
        return {"report": "forecast", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "forecast_cents": self.forecast_cents,
                "months": [m.to_json() for m in self.months],
                "outside": [b.to_json() for b in (self.earlier, self.later, self.undated)]}

    def csv(self) -> tuple[list[str], list[list]]:
        return (["month", "open_deals", "open_value", "weighted", "won_deals", "won_value", "forecast"],
                [[m.label, m.open_deals, _amount(m.open_value_cents), _amount(m.weighted_cents), m.won_deals,
                  _amount(m.won_value_cents), _amount(m.forecast_cents)] for m in self.months])


def _forecast(sc: _Scope, months: int) -> Forecast:
    if months < 1 or months > 60:
        raise ValidationError("A forecast covers 1 to 60 months.", "months")
    firsts = [add_months(sc.today, i) for i in range(months + 1)]  # the window's months + the one after
    buckets = [ForecastBucket(f"{m:%Y-%m}", m) for m in firsts[:-1]]
    index = {b.label: b for b in buckets}
    earlier, later, undated = ForecastBucket("earlier", None), ForecastBucket("later", None), \
        ForecastBucket("undated", None)

    def place(bucket: str) -> ForecastBucket:
        if bucket == UNDATED:
            return undated
        if bucket == BEFORE:
            return earlier
        if bucket in (MONTH_PAST, MONTH_REST):
            return buckets[0]
        return index.get(bucket, later)  # a later month: in the window, or beyond it

    targets = {b.label: b for b in (*buckets, earlier, later, undated)}
    for label, sums in sc.book("bucket").sums(lambda _s, _a, bucket: place(bucket).label).items():
        b = targets[label]
        b.open_deals, b.open_value_cents, b.weighted_cents = sums.deals, sums.value_cents, sums.weighted_cents
    edges = [local_midnight(m) for m in firsts]
    month = case(*[(Opportunity.closed_at < edge, i) for i, edge in enumerate(edges[1:])], else_=-1)
    for i, n, total in sc.session.execute(
        select(month, func.count(), func.sum(_value()))
        .where(*sc.deal_conditions(), Opportunity.status == WON,
               Opportunity.closed_at >= edges[0], Opportunity.closed_at < edges[-1])
        .group_by(month)
    ):
        buckets[i].won_deals, buckets[i].won_value_cents = n, total or 0
    return Forecast(sc.pipeline, sc.member, sc.today, buckets, earlier, later, undated)


def forecast(db: Database, filters: ReportFilters | None = None, *, months: int = FORECAST_MONTHS) -> Forecast:
    """Expected revenue per month for `months` months from the current one."""
    with db.read() as s:
        return _forecast(_Scope(s, filters), months)


# -- per team member -------------------------------------------------------------------------

@dataclass
class MemberStats:
    member_id: int | None  # None: unassigned deals
    member: str | None
    open_deals: int = 0
    open_value_cents: int = 0
    weighted_cents: int = 0
    won_deals: int = 0
    won_value_cents: int = 0
    lost_deals: int = 0
    lost_value_cents: int = 0

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won_deals, self.won_deals + self.lost_deals)

    def to_json(self) -> dict:
        return {"member": self.member, "open_deals": self.open_deals, "open_value_cents": self.open_value_cents,
                "weighted_cents": self.weighted_cents, "won_deals": self.won_deals,
                "won_value_cents": self.won_value_cents, "lost_deals": self.lost_deals,
                "lost_value_cents": self.lost_value_cents, "win_rate": _num(self.win_rate, 4)}


@dataclass
class MemberReport:
    """Open value now and won/lost in the period, per assigned team member."""

    pipeline: str | None
    member: str | None
    as_of: date
    period: Period
    members: list[MemberStats]

    def to_json(self) -> dict:
        return {"report": "members", "pipeline": self.pipeline, "member": self.member,
                "as_of": self.as_of.isoformat(), "period": self.period.to_json(),
                "members": [m.to_json() for m in self.members]}

    def csv(self) -> tuple[list[str], list[list]]:
        return (["member", "open_deals", "open_value", "weighted", "won_deals", "won_value", "lost_deals",
                 "lost_value", "win_rate"],
                [[m.member or "", m.open_deals, _amount(m.open_value_cents), _amount(m.weighted_cents),
                  m.won_deals, _amount(m.won_value_cents), m.lost_deals, _amount(m.lost_value_cents),
                  "" if m.win_rate is None else f"{m.win_rate:.4f}"] for m in self.members])


def _members(sc: _Scope) -> MemberReport:
    stats: dict[int | None, MemberStats] = {}

    def get(member_id: int | None) -> MemberStats:
        if member_id not in stats:
            stats[member_id] = MemberStats(member_id, sc.member_names.get(member_id) if member_id else None)
        return stats[member_id]

    if sc.filters.member_id is not None:
        get(sc.filters.member_id)
    else:
        active = sc.session.scalars(select(TeamMember.id).where(TeamMember.active.is_(True)))
        for member_id in active:
            get(member_id)
    for member_id, sums in sc.book("assignee").sums(lambda _s, assignee_id, _b: assignee_id).items():
        m = get(member_id)
        m.open_deals, m.open_value_cents, m.weighted_cents = sums.deals, sums.value_cents, sums.weighted_cents
    for member_id, status, n, total in _closed(sc, Opportunity.assignee_id, Opportunity.status):
        m = get(member_id)
        if status == WON:
            m.won_deals, m.won_value_cents = n, total or 0
        else:
            m.lost_deals, m.lost_value_cents = n, total or 0
    ordered = sorted(stats.values(), key=lambda m: (m.member_id is None, (m.member or "").lower(), m.member_id or 0))
    return MemberReport(sc.pipeline, sc.member, sc.today, sc.period, ordered)


def members(db: Database, filters: ReportFilters | None = None) -> MemberReport:
    """Per team member (active ones, plus anyone with figures, plus "unassigned")."""
    with db.read() as s:
        return _members(_Scope(s, filters))


# -- summary and dashboard -------------------------------------------------------------------

@dataclass
class Summary:
    """The headline figures, for a mail or the top of the dashboard."""

    pipeline: str | None
    member: str | None
    as_of: date
    period: Period
    open_deals: int
    open_value_cents: int
    weighted_cents: int
    closing_deals: int
    closing_value_cents: int
    overdue_deals: int
    overdue_value_cents: int
    won_deals: int
    won_value_cents: int
    lost_deals: int
    lost_value_cents: int

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won_deals, self.won_deals + self.lost_deals)

    def figures(self) -> list[tuple[str, int | float | None, str]]:
        """(key, value, kind) with kind "count", "cents" or "rate": one line each."""
        return [
            ("open_deals", self.open_deals, "count"), ("open_value_cents", self.open_value_cents, "cents"),
            ("weighted_cents", self.weighted_cents, "cents"),
            ("closing_this_month_deals", self.closing_deals, "count"),
            ("closing_this_month_value_cents", self.closing_value_cents, "cents"),
            ("overdue_deals", self.overdue_deals, "count"),
            ("overdue_value_cents", self.overdue_value_cents, "cents"),
            ("won_deals", self.won_deals, "count"), ("won_value_cents", self.won_value_cents, "cents"),
            ("lost_deals", self.lost_deals, "count"), ("lost_value_cents", self.lost_value_cents, "cents"),
            ("win_rate", _num(self.win_rate, 4), "rate"),
        ]

    def to_json(self) -> dict:
        out = {"report": "summary", "pipeline": self.pipeline, "member": self.member,
               "as_of": self.as_of.isoformat(), "period": self.period.to_json()}
        out.update({key: value for key, value, _ in self.figures()})
        return out

    def csv(self) -> tuple[list[str], list[list]]:
        rows = []
        for key, value, kind in self.figures():
            if kind == "cents":
                rows.append([key.removesuffix("_cents"), _amount(value)])  # type: ignore[arg-type]
            else:
                rows.append([key, "" if value is None else value])
        return ["figure", "value"], rows


def _summary(sc: _Scope) -> Summary:
    book = sc.book("bucket")
    everything, closing, late = book.total(), book.total({MONTH_PAST, MONTH_REST}), book.total({BEFORE, MONTH_PAST})
    closed = {status: (n, total or 0) for status, n, total in _closed(sc, Opportunity.status)}
    won, lost = closed.get(WON, (0, 0)), closed.get(LOST, (0, 0))
    return Summary(sc.pipeline, sc.member, sc.today, sc.period, everything.deals, everything.value_cents,
                   everything.weighted_cents, closing.deals, closing.value_cents, late.deals, late.value_cents,
                   won[0], won[1], lost[0], lost[1])


def summary(db: Database, filters: ReportFilters | None = None) -> Summary:
    """Open, weighted, closing this month, overdue, won/lost and win rate in one go."""
    with db.read() as s:
        return _summary(_Scope(s, filters))


@dataclass
class Dashboard:
    """Every report for one set of filters, read in one snapshot (the Reports screen)."""

    filters: ReportFilters
    summary: Summary
    pipeline: PipelineValue
    closing: DealList
    overdue: DealList
    won_lost: WonLost
    stage_times: StageTimes
    funnel: Funnel
    forecast: Forecast
    members: MemberReport

    def to_json(self) -> dict:
        return {name: getattr(self, name).to_json() for name in
                ("summary", "pipeline", "closing", "overdue", "won_lost", "stage_times", "funnel",
                 "forecast", "members")}


def dashboard(db: Database, filters: ReportFilters | None = None, *, list_limit: int | None = 100,
              months: int = FORECAST_MONTHS) -> Dashboard:
    """All reports at once from one read transaction, so the widgets agree with
    each other; the deal lists keep their first `list_limit` rows (totals are exact)."""
    filters = filters or ReportFilters()
    with db.read() as s:
        sc = _Scope(s, filters)
        sc.book("stage", "assignee", "bucket")  # one pass over the open deals for every widget
        return Dashboard(filters, _summary(sc), _pipeline_value(sc), _deal_list(sc, "closing", list_limit),
                         _deal_list(sc, "overdue", list_limit), _won_lost(sc), _stage_times(sc), _funnel(sc),
                         _forecast(sc, months), _members(sc))


#: Report name (as on the command line) -> function; each takes (db, filters).
REPORTS = {
    "summary": summary,
    "pipeline": pipeline_value,
    "closing": closing_this_month,
    "overdue": overdue,
    "won-lost": won_lost,
    "stage-time": stage_times,
    "funnel": funnel,
    "forecast": forecast,
    "members": members,
}
#: Reports that describe the open deals now: a period does not apply to them.
SNAPSHOT_REPORTS = ("pipeline", "closing", "overdue", "forecast")
