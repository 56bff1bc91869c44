"""`jtek report …`: the Reports screen's figures for cron jobs, mail and scripts.

    jtek report overdue --csv | mail -s "Overdue deals" team@example.com

Every report takes the same filters; `--json` prints the report's `to_json()`
(the stable interface, documented in docs/reports.md) and `--csv` its one flat
table. Definitions (what "overdue" or "win rate" means) live in docs/reports.md.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from rich.text import Text

from jtek_tui.cli.output import console, emit_json, fields, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import reports as R
from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.formatting import DASH, bar, day, days, money, percent

#: Bars stay at most 10 cells, so `output.table` keeps them whole at 80 columns.
BAR_WIDTH = 10


def _options(fn: Callable) -> Callable:
    """The filters and output switches every report shares."""
    decorators = [
        click.option("--pipeline", help="Only this pipeline (name or id; default: all)."),
        click.option("--member", help="Only deals assigned to this team member (default: everyone)."),
        click.option("--from", "date_from", metavar="DATE",
                     help="First day of the period (2027-01-31, today, ...; default: this month)."),
        click.option("--to", "date_to", metavar="DATE", help="Last day of the period (default: end of this month)."),
        click.option("--period", type=click.Choice(list(R.PERIODS)), help="A named period instead of --from/--to."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON (money in integer cents)."),
        click.option("--csv", "as_csv", is_flag=True, help="Print one CSV table (money as decimal amounts)."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _report(name: str) -> Callable:
    """Turn `render(result) -> None` into the `jtek report NAME` command."""

    def wrap(render: Callable[..., None]) -> Callable:
        @_options
        @pass_state
        @wraps(render)
        def command(state: State, pipeline: str | None, member: str | None, date_from: str | None,
                    date_to: str | None, period: str | None, as_json: bool, as_csv: bool, **extra: Any) -> None:
            if as_json and as_csv:
                raise click.UsageError("Choose one of --json and --csv.")
            if name in R.SNAPSHOT_REPORTS and (date_from or date_to or period):
                raise ValidationError(
                    f"The {name} report describes the open deals today; --from, --to and --period do not apply.",
                    "period")
            db = state.db()
            filters = R.resolve_filters(db, pipeline=pipeline, member=member, date_from=date_from,
                                        date_to=date_to, period=period)
            result = R.REPORTS[name](db, filters, **extra)
            if as_json:
                emit_json(result.to_json())
            elif as_csv:
                header, rows = result.csv()
                out = csv.writer(sys.stdout, lineterminator="\n")
                out.writerow(header)
                out.writerows(rows)
            else:
                render(result)

        return report.command(name, help=render.__doc__)(command)

    return wrap


@click.group("report")
def report() -> None:
    """Reports: pipeline value, closing this month, overdue, won/lost, time in stage,
    funnel, forecast, per member. Definitions: docs/reports.md."""


def _scope(result: Any, pipeline: str | None = None) -> str:
    """"Buyers · everyone · 2026-12-01 – 2026-12-31 · as of 2026-12-04": what the figures cover."""
    parts = [pipeline or result.pipeline or "all pipelines", result.member or "everyone"]
    period = getattr(result, "period", None)
    if period is not None:
        parts.append(f"{period.date_from} – {period.date_to}")
    parts.append(f"as of {result.as_of}")
    return " · ".join(parts)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@_report("summary")
def summary(r: R.Summary) -> None:
    """The headline figures (open, weighted, closing this month, overdue, won/lost)."""
    console.print(Text(f"Summary · {_scope(r)}", style="bold"))
    console.print(fields([
        ("Open deals", f"{r.open_deals} · {money(r.open_value_cents)}"),
        ("Weighted", money(r.weighted_cents)),
        ("Closing this month", f"{r.closing_deals} · {money(r.closing_value_cents)}"),
        ("Overdue", f"{r.overdue_deals} · {money(r.overdue_value_cents)}"),
        ("Won in period", f"{r.won_deals} · {money(r.won_value_cents)}"),
        ("Lost in period", f"{r.lost_deals} · {money(r.lost_value_cents)}"),
        ("Win rate", percent(r.win_rate)),
    ]))


@_report("pipeline")
def pipeline(r: R.PipelineValue) -> None:
    """Open pipeline value now, total and weighted, per stage."""
    top = max((st.value_cents for st in r.stages), default=0)
    one = len({st.pipeline for st in r.stages}) <= 1  # no Pipeline column needed
    columns = ["Stage", ("Prob.", "right"), ("Deals", "right"), ("Value", "right"), ("Weighted", "right"), ""]
    if not one:
        columns.insert(0, "Pipeline")
    rows = []
    for st in r.stages:
        row = [st.stage, f"{st.probability}%", st.deals, money(st.value_cents), money(st.weighted_cents),
               bar(_share(st.value_cents, top), BAR_WIDTH)]
        if not one:
            row.insert(0, st.pipeline)
        rows.append(row)
    title = (f"Pipeline value · {_scope(r)} · {r.deals} open · {money(r.value_cents)} "
             f"· weighted {money(r.weighted_cents)}")
    console.print(table(title, columns, rows))
    if r.deals_without_value:
        console.print(Text(f"{r.deals_without_value} open deal(s) have no value and count as $0."))


def _deal_table(r: R.DealList, title: str) -> None:
    columns = [("#", "right"), "Name", "Contact", ("Value", "right"), "Close", "Owner"]
    if r.report == "overdue":
        columns.insert(5, ("Late", "right"))
    rows = []
    for d in r.rows:
        row = [d.id, d.name, d.contact, money(d.value_cents), day(d.expected_close), d.owner or DASH]
        if r.report == "overdue":
            row.insert(5, f"{d.days_overdue}d")
        rows.append(row)
    console.print(table(f"{title} · {_scope(r)} · {r.deals} deal(s) · {money(r.value_cents)}", columns, rows))


@_report("closing")
@click.option("--limit", type=click.IntRange(1, None), help="List at most this many deals (totals stay exact).")
def closing(r: R.DealList) -> None:
    """Open deals expected to close this calendar month (local time)."""
    _deal_table(r, "Closing this month")


@_report("overdue")
@click.option("--limit", type=click.IntRange(1, None), help="List at most this many deals (totals stay exact).")
def overdue(r: R.DealList) -> None:
    """Open deals whose expected close date has passed, oldest first."""
    _deal_table(r, "Overdue")


@_report("won-lost")
def won_lost(r: R.WonLost) -> None:
    """Deals won and lost in the period, win rate and lost reasons."""
    console.print(Text(f"Won vs lost · {_scope(r)}", style="bold"))
    console.print(fields([
        ("Won", f"{r.won_deals} · {money(r.won_value_cents)}"),
        ("Lost", f"{r.lost_deals} · {money(r.lost_value_cents)}"),
        ("Win rate", percent(r.win_rate)),
    ]))
    if r.reasons:
        console.print(table("Lost reasons", ["Reason", ("Deals", "right"), ("Value", "right"), ""],
                            ([x.reason or "(no reason given)", x.deals, money(x.value_cents),
                              bar(_share(x.deals, r.lost_deals), BAR_WIDTH)] for x in r.reasons)))


@_report("stage-time")
def stage_time(r: R.StageTimes) -> None:
    """Average and median days in each stage (stays that ended in the period, and current ones)."""
    top = max((st.avg_days or 0 for st in r.stages), default=0)
    one = len({st.pipeline for st in r.stages}) <= 1  # no Pipeline column needed
    columns = ["Stage", ("Stays", "right"), ("Now", "right"), ("Average", "right"), ("Median", "right"), ""]
    if not one:
        columns.insert(0, "Pipeline")
    rows = []
    for st in r.stages:
        row = [st.stage, st.stays, st.ongoing, days(st.avg_days), days(st.median_days),
               bar(_share(st.avg_days or 0, top) if top else None, BAR_WIDTH)]
        if not one:
            row.insert(0, st.pipeline)
        rows.append(row)
    console.print(table(f"Time in stage · {_scope(r)}", columns, rows))


@_report("funnel")
def funnel(r: R.Funnel) -> None:
    """How far the deals created in the period got, stage by stage."""
    for p in r.pipelines:
        title = (f"Funnel · {_scope(r, p.pipeline)} · {p.deals} created "
                 f"({p.open} open, {p.won} won, {p.lost} lost)")
        console.print(table(title, ["Stage", ("Reached", "right"), ("To next", "right"), ""],
                            ([st.stage, st.reached, percent(st.conversion) if st.conversion is not None else "",
                              bar(st.of_first, BAR_WIDTH)] for st in p.steps)))
    if not r.pipelines:
        console.print(Text("No pipelines."))


@_report("forecast")
@click.option("--months", type=click.IntRange(1, 60), default=R.FORECAST_MONTHS, show_default=True,
              help="Months to cover, starting with this one.")
def forecast(r: R.Forecast) -> None:
    """Expected revenue by month: weighted open value by expected close, plus value won."""
    top = max((m.forecast_cents for m in r.months), default=0)
    rows = [[m.label, m.open_deals, money(m.open_value_cents), money(m.weighted_cents), money(m.won_value_cents),
             money(m.forecast_cents), bar(_share(m.forecast_cents, top), BAR_WIDTH)] for m in r.months]
    console.print(table(
        f"Forecast · {_scope(r)} · {money(r.forecast_cents)}",
        ["Month", ("Open", "right"), ("Open value", "right"), ("Weighted", "right"), ("Won", "right"),
         ("Forecast", "right"), ""],
        rows,
    ))
    notes = [(r.earlier, "expected before this month (overdue)"), (r.later, "expected after the window"),
             (r.undated, "with no expected close date")]
    for bucket, what in notes:
        if bucket.open_deals:
            console.print(Text(f"Not in the months above: {bucket.open_deals} open deal(s) {what}, "
                               f"{money(bucket.open_value_cents)} (weighted {money(bucket.weighted_cents)})."))


@_report("members")
def members(r: R.MemberReport) -> None:
    """Per team member: open value now; won, lost and win rate in the period."""
    console.print(table(
        f"Team · {_scope(r)}",
        ["Member", ("Open", "right"), ("Open value", "right"), ("Weighted", "right"), ("Won", "right"),
         ("Won value", "right"), ("Lost", "right"), ("Win rate", "right")],
        ([m.member or "(unassigned)", m.open_deals, money(m.open_value_cents), money(m.weighted_cents),
          m.won_deals, money(m.won_value_cents), m.lost_deals, percent(m.win_rate)] for m in r.members),
    ))


COMMANDS = [report]
