"""Time every report on a big database: median of several runs, one table.

    python benchmarks/generate.py --db /tmp/big.db --opportunities 100000 --open 30000 --pipelines 3
    python benchmarks/reports.py --db /tmp/big.db [--runs 9] [--plans]

Each report is timed through its public domain function (`jtek_tui.domain.reports`),
so a run includes opening the read transaction and building the dataclass: what
`jtek report X` and the dashboard pay, minus process start-up. The filters
cover the shapes people use: everything (default period: this month, which is
light early in a month); one pipeline; one member; the last 30 days (a full
month of activity whatever today's date); and the last 365 days, the worst case
for the period reports, whose cost grows with the activity in the period.
Deal lists are timed both whole (the CLI) and cut to 100 rows (the dashboard).

`--plans` prints SQLite's EXPLAIN QUERY PLAN for every statement each report
runs, to check that they search the indexes rather than scan the tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, func, select

from jtek_tui.domain import reports as R
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.models import Opportunity, Pipeline, StageChange, TeamMember

BUDGET_MS = 100.0


def _cases(db) -> list[tuple[str, str, Callable[[], object]]]:
    with db.read() as s:
        pipeline = s.scalars(select(Pipeline).order_by(Pipeline.position, Pipeline.id)).first()
        busiest = s.execute(
            select(Opportunity.assignee_id).where(Opportunity.assignee_id.is_not(None))
            .group_by(Opportunity.assignee_id).order_by(func.count().desc()).limit(1)
        ).scalar()
        member = s.get(TeamMember, busiest)
    month, year = R.period_preset("last-30-days"), R.period_preset("last-365-days")
    variants = [
        ("all", R.ReportFilters()),
        (f"pipeline={pipeline.name}", R.ReportFilters(pipeline_id=pipeline.id)),
        (f"member={member.name}", R.ReportFilters(member_id=member.id)),
        ("last 30 days", R.ReportFilters(date_from=month[0], date_to=month[1])),
        ("last 365 days", R.ReportFilters(date_from=year[0], date_to=year[1])),
    ]
    cases = []
    for label, f in variants:
        for name, fn in R.REPORTS.items():
            if label.startswith("last") and name in R.SNAPSHOT_REPORTS:
                continue  # the period does not change them
            cases.append((name, label, lambda fn=fn, f=f: fn(db, f)))
            if name in ("closing", "overdue"):
                cases.append((f"{name} (100 rows)", label, lambda fn=fn, f=f: fn(db, f, limit=100)))
        if label == "all":
            cases.append(("dashboard (all widgets)", label, lambda f=f: R.dashboard(db, f)))
    return cases


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds. CPU time (user + system of this
    process) is what the report costs; wall time also counts waiting for a CPU,
    which on a shared box can double it."""
    fn()  # warm the page cache and SQLAlchemy's statement cache
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _plans(db, fn: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """Run `fn`, capture its SQL, and EXPLAIN QUERY PLAN each statement."""
    captured: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    out = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in captured:
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            out.append((" ".join(statement.split())[:100], [row[3] for row in cur.fetchall()]))
    finally:
        raw.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="a database built by benchmarks/generate.py")
    ap.add_argument("--runs", type=int, default=9, help="timed runs per report (median shown)")
    ap.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN for every statement")
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        ap.error(f"{args.db} does not exist; build it with benchmarks/generate.py")
    db = open_database(args.db, readonly=True)
    try:
        with db.read() as s:
            n_opps = s.scalar(select(func.count()).select_from(Opportunity))
            n_open = s.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.status == "open"))
            n_changes = s.scalar(select(func.count()).select_from(StageChange))
        print(f"{args.db}: {n_opps:,} opportunities ({n_open:,} open), {n_changes:,} stage changes; "
              f"median of {args.runs} runs")
        print(f"{'report':<26} {'filters':<28} {'wall ms':>8} {'cpu ms':>8}")
        over = 0
        for name, label, fn in _cases(db):
            wall, cpu = _time(fn, args.runs)
            flag = "" if cpu <= BUDGET_MS or name.startswith("dashboard") else "  > budget"
            over += bool(flag)
            print(f"{name:<26} {label:<28} {wall:>8.1f} {cpu:>8.1f}{flag}")
            if args.plans and label == "all":
                for statement, plan in _plans(db, fn):
                    print(f"    {statement}")
                    for line in plan:
                        print(f"        {line}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"budget {BUDGET_MS:.0f} ms CPU per report: {'met' if not over else f'{over} over'} "
              f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
        return 1 if over else 0
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
