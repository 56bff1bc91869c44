"""Build a large, believable Jtek database for benchmarks.

    python benchmarks/generate.py --db /tmp/big.db --opportunities 100000 --open 30000 --pipelines 3
    python benchmarks/generate.py --db /tmp/board.db --opportunities 20000 --open 5000 \\
        --pipelines 1 --hot-column 2000          # the board benchmark's shape

The schema comes from the normal path (`open_database`), pipelines and stages
from `create_pipeline`, so the file is a real Jtek database that `jtek --db`
opens. The bulk rows (members, contacts, tags, opportunities, stage changes)
are written with `executemany` in one transaction, formatted by the model's own
column types, because a million domain calls would take an hour: 100,000 deals
with ~400,000 stage changes build in about 10 seconds.

Every deal gets a history that the domain itself could have written: a
creation row (from = null), moves forward (sometimes skipping a stage, now and
then stepping back), for closed deals a last move into won or lost (a few were
lost, reopened and moved on), and `stage_entered_at`, `closed_at`, `status`,
`version` consistent with the last row; about 4 rows per deal. The business is
steady: closings spread evenly over two years, deals move at a regular pace,
and rows are inserted in time order, as real use writes them (which matters:
a month of history then sits together in the table).

`--hot-column N` puts exactly N open deals in the first pipeline's first stage
("New Lead"); `--column-heavy K` gives the first pipeline K open stages. Other
benchmarks reuse it: `from generate import Plan, generate` (benchmarks/ is on
sys.path when a script there runs), then
`generate(path, Plan(opportunities=20000, open=5000, pipelines=1, hot_column=2000))`.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from jtek_tui.demo import BUYER_STAGES, FIRST, LAST, LOST_REASONS, NOTES, SELLER_STAGES, SOURCES, STREETS, TAGS
from jtek_tui.domain import clock
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.models import Stage, TeamMember, UTCDateTime

PIPELINES = [
    ("Sales Pipeline", P.DEFAULT_STAGES, 1.0),
    ("Buyers", BUYER_STAGES, 1.0),
    ("Sellers", SELLER_STAGES, 1.2),
    ("Rentals", [("Inquiry", 10, 3), ("Viewing", 30, 7), ("Application", 60, 7), ("Lease Out", 85, 7)], 0.01),
    ("Commercial", [("Prospect", 5, 30), ("Site Visit", 20, 30), ("LOI", 50, 30), ("Due Diligence", 75, 60)], 4.0),
]
EXTRA_TAGS = ["hot", "cold", "follow-up", "cash", "pre-approved", "out-of-state", "luxury", "condo"]
COMPANIES = ["Acme Realty", "Northwind", "Globex", "Initech", "Umbrella Holdings", "Stark Properties", None, None,
             None, None]
SPAN_DAYS = 730  # the history covers two years
CYCLE_DAYS = 45  # a closed deal's typical life, created to closed
MEMBER_NAMES = ["Sam Rivera", "Priya Patel", "Jordan Lee", "Maya Cohen", "Luis Ortega", "Hana Sato",
                "Ben Carter", "Ama Mensah", "Elena Petrova", "Tom Walsh", "Nadia Haddad", "Oscar Lind",
                "Grace Kim", "Ravi Iyer", "Zara Ali", "Felix Weber"]


class _Stage(NamedTuple):
    id: int
    name: str
    kind: str


@dataclass
class Plan:
    """What to build (the command-line options)."""

    opportunities: int
    open: int
    pipelines: int = 2
    contacts: int | None = None
    seed: int = 1
    column_heavy: int | None = None  # open stages in the first pipeline
    hot_column: int | None = None  # open deals in the first pipeline's first stage
    members: int = 12
    stats: dict = field(default_factory=dict)


def _pipeline_specs(plan: Plan) -> list[tuple[str, list, float]]:
    specs = []
    for i in range(plan.pipelines):
        if i < len(PIPELINES):
            name, stages, scale = PIPELINES[i]
        else:
            name, stages, scale = f"Pipeline {i + 1}", P.DEFAULT_STAGES, 1.0
        if i == 0 and plan.column_heavy:
            n = plan.column_heavy
            names = [s[0] for s in P.DEFAULT_STAGES] + [f"Step {k}" for k in range(len(P.DEFAULT_STAGES) + 1, n + 1)]
            stages = [(names[k], round(5 + 90 * k / max(1, n - 1)), 14) for k in range(n)]
        specs.append((name, list(stages), scale))
    return specs


def _formatters(db):
    """Column values exactly as the app stores them (the model's types decide)."""
    import sqlalchemy as sa

    dialect = db.engine.dialect
    ts = UTCDateTime().bind_processor(dialect)
    day = sa.Date().dialect_impl(dialect).bind_processor(dialect)
    return ts, (lambda d: None if d is None else day(d))


def generate(path: str | Path, plan: Plan, *, force: bool = False, log=print) -> dict:
    """Build the database at `path`; returns counts and timings."""
    started = time.perf_counter()
    path = Path(path)
    if plan.open > plan.opportunities:
        raise SystemExit("--open cannot exceed --opportunities")
    if path.exists() or Path(f"{path}-wal").exists():
        if not force:
            raise SystemExit(f"{path} exists; pass --force to replace it")
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    rnd = random.Random(plan.seed)
    now = clock.now().replace(microsecond=0)
    today = now.astimezone().date()
    db = open_database(str(path), seed=False)
    try:
        return _build(db, plan, rnd, now, today, started, log)
    finally:
        db.dispose()


def _build(db, plan: Plan, rnd: random.Random, now: datetime, today: date, started: float, log) -> dict:
    ts, day = _formatters(db)
    specs = _pipeline_specs(plan)
    for name, stages, _ in specs:
        P.create_pipeline(db, name, stages)
    with db.read() as s:
        all_stages = list(s.scalars(select(Stage).order_by(Stage.pipeline_id, Stage.position)))
        me = s.scalars(select(TeamMember)).first()
    by_pipe: dict[int, list[_Stage]] = {}
    for st in all_stages:  # plain tuples: ORM attribute access costs seconds here
        by_pipe.setdefault(st.pipeline_id, []).append(_Stage(st.id, st.name, st.kind))
    pipes = list(by_pipe)
    scales = {pid: specs[i][2] for i, pid in enumerate(pipes)}

    n_contacts = plan.contacts or max(50, plan.opportunities // 2)
    pooled = db.write_engine.raw_connection()
    raw = pooled.driver_connection  # sqlite3, in autocommit mode: we say BEGIN ourselves
    try:
        raw.execute("BEGIN IMMEDIATE")
        # -- members --------------------------------------------------------------------
        member_rows = []
        first_id = raw.execute("SELECT coalesce(max(id), 0) + 1 FROM team_member").fetchone()[0]
        for i in range(plan.members):
            name = MEMBER_NAMES[i] if i < len(MEMBER_NAMES) else f"Agent {i + 1}"
            member_rows.append((first_id + i, name, f"{name.split()[0].lower()}{i}@example.com",
                                f"agent{i + 1:02d}", 1, ts(now - timedelta(days=900))))
        raw.executemany("INSERT INTO team_member (id, name, email, login, active, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", member_rows)
        members = [me.id] + [r[0] for r in member_rows]
        member_weights = [1 / (k + 1) ** 0.6 for k in range(len(members))]

        # -- tags and contacts --------------------------------------------------------------
        tag_names = TAGS + EXTRA_TAGS
        raw.executemany("INSERT INTO tag (id, name, key) VALUES (?, ?, ?)",
                        [(i + 1, t, t.lower()) for i, t in enumerate(tag_names)])
        contact_rows, contact_tags, contact_names = [], [], []
        for cid in range(1, n_contacts + 1):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            created = now - timedelta(days=rnd.uniform(0, 1000))
            ascii_name = f"{first}.{last}".lower().replace("'", "").replace("í", "i").replace("á", "a") \
                .replace("é", "e").replace("ó", "o")
            contact_rows.append((cid, first, last, f"{ascii_name}.{cid}@example.com",
                                 f"555{rnd.randint(1000000, 9999999)}" if rnd.random() < 0.85 else None,
                                 rnd.choice(COMPANIES), rnd.choice(SOURCES), ts(created), ts(created)))
            contact_names.append(f"{first} {last}")
            for tag_id in rnd.sample(range(1, len(tag_names) + 1), k=rnd.choice((0, 1, 1, 2, 2, 3))):
                contact_tags.append((cid, tag_id))
        raw.executemany("INSERT INTO contact (id, first_name, last_name, email, phone, company, source, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", contact_rows)
        raw.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)", contact_tags)

        # -- opportunities and their histories ------------------------------------------------
        opps, changes, hot = _deals(plan, rnd, now, today, by_pipe, pipes, scales, members, member_weights,
                                    n_contacts, contact_names, ts, day)
        raw.executemany(
            "INSERT INTO opportunity (id, name, contact_id, pipeline_id, stage_id, status, value_cents, currency, "
            "expected_close, assignee_id, notes, source, lost_reason, position, created_at, updated_at, "
            "updated_by_id, stage_entered_at, closed_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", opps)
        raw.executemany(
            "INSERT INTO stage_change (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by_id, "
            "reason) VALUES (?, ?, ?, ?, ?, ?)", changes)
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    finally:
        pooled.close()
    elapsed = time.perf_counter() - started
    n_open = sum(1 for o in opps if o[5] == "open")
    stats = {
        "opportunities": len(opps), "open": n_open, "won": sum(1 for o in opps if o[5] == "won"),
        "lost": sum(1 for o in opps if o[5] == "lost"), "stage_changes": len(changes),
        "changes_per_deal": round(len(changes) / max(1, len(opps)), 2), "contacts": n_contacts,
        "members": len(members), "pipelines": len(pipes), "seconds": round(elapsed, 2),
    }
    if hot:
        stats["hot_column"] = hot
    log(" ".join(f"{k}={v}" for k, v in stats.items()))
    return stats


def _price(rnd: random.Random, scale: float) -> int:
    dollars = math.exp(rnd.gauss(math.log(450_000), 0.55)) * scale
    return max(100_00, int(round(dollars / 500) * 500) * 100)


def _deals(plan, rnd, now, today, by_pipe, pipes, scales, members, member_weights, n_contacts, contact_names,
           ts, day):
    n = plan.opportunities
    open_ids = set(rnd.sample(range(1, n + 1), plan.open))
    first_pipe = pipes[0]
    pipe_weights = [2.0] + [1.0] * (len(pipes) - 1)
    hot_stage = next(st for st in by_pipe[first_pipe] if st.kind == "open")
    hot_left = plan.hot_column or 0
    # Steady state: open deals = inflow x their mean age, and an open deal's
    # age is about (moves so far + 1) x pace, with ~2.5 moves so far.
    open_pace = max(2.0, plan.open * SPAN_DAYS / n / 3.5)
    opps, changes, born = [], [], []
    entered: dict[int, list[tuple[datetime, int]]] = {}
    layout = {pid: ([st for st in sts if st.kind == "open"], next(st for st in sts if st.kind == "won"),
                    next(st for st in sts if st.kind == "lost")) for pid, sts in by_pipe.items()}
    for oid in range(1, n + 1):
        pid = rnd.choices(pipes, pipe_weights)[0]
        opens, won, lost = layout[pid]
        is_open = oid in open_ids
        # The stage the deal ends in (open deals thin out towards the right).
        if is_open:
            if pid == first_pipe and hot_left:
                final = hot_stage
                hot_left -= 1
            else:
                pool = [st for st in opens if not (plan.hot_column and st.id == hot_stage.id)] or opens
                final = rnd.choices(pool, [len(pool) - k + 1 for k in range(len(pool))])[0]
            path_end = opens.index(final)
        else:
            path_end = len(opens) - 1 if rnd.random() < 0.35 else rnd.randrange(len(opens))
        # The open stages visited on the way, left to right, sometimes skipping one.
        start = 0 if rnd.random() < 0.9 else rnd.randint(0, path_end)
        visits = [opens[k] for k in range(start, path_end + 1) if k in (start, path_end) or rnd.random() > 0.2]
        if len(visits) > 2 and rnd.random() < 0.08:  # stepped back once, then on again
            k = rnd.randrange(1, len(visits) - 1)
            visits[k + 1:k + 1] = [visits[k - 1], visits[k]]
        outcome = None
        if not is_open:
            outcome = won if (path_end == len(opens) - 1 and rnd.random() < 0.75) or rnd.random() < 0.15 else lost
            if rnd.random() < 0.06:  # lost once, reopened, then went on
                k = rnd.randrange(len(visits))
                visits = visits[:k + 1] + [lost] + visits[k:]
            visits.append(outcome)
        # When: a deal moves at a steady pace, one move every `pace` days on
        # average, so deals further right are older. Closed deals closed at an
        # even rate over the span; open deals' pace makes their mean age what
        # a steady business with this many open deals has (open = inflow x age).
        pace = open_pace if is_open else CYCLE_DAYS / 4
        gaps = [timedelta(days=rnd.expovariate(1 / pace) + 0.01) for _ in visits]
        if is_open:
            last = now - gaps.pop()  # the current stay, so far
        else:
            gaps.pop()
            last = now - timedelta(days=rnd.uniform(0.01, SPAN_DAYS))
        when = [last]
        for gap in reversed(gaps):
            when.append(when[-1] - gap)
        when.reverse()
        created = when[0]
        assignee = rnd.choices(members, member_weights)[0] if rnd.random() > 0.04 else None
        prev = None
        reasons = []
        for k, st in enumerate(visits):
            t = when[k]
            by = assignee if assignee and rnd.random() < 0.8 else rnd.choice(members)
            reason = rnd.choice(LOST_REASONS) if st.kind == "lost" and rnd.random() < 0.92 else None
            reasons.append(reason)
            changes.append((t, len(changes), oid, prev.id if prev else None, st.id, by, reason))
            prev = st
        final_stage = visits[-1]
        status = final_stage.kind
        value = None if rnd.random() < 0.07 else _price(rnd, scales[pid])
        if status == "open":
            roll = rnd.random()
            if roll < 0.12:
                close = None
            elif roll < 0.27:
                close = today - timedelta(days=rnd.randint(1, 60))
            elif roll < 0.40:
                close = today.replace(day=rnd.randint(1, 28))
            else:
                close = today + timedelta(days=rnd.randint(1, 270))
        else:
            close = None if rnd.random() < 0.1 else t.date() + timedelta(days=rnd.randint(-20, 20))
        contact = rnd.randint(1, n_contacts)
        street = f"{rnd.randint(12, 998)} {rnd.choice(STREETS)}"
        lost_reason = reasons[-1] if status == "lost" else None
        opps.append([
            oid, f"{contact_names[contact - 1]} — {street}", contact, pid, final_stage.id, status, value, "USD",
            day(close), assignee, rnd.choice(NOTES), rnd.choice(SOURCES), lost_reason, 0, ts(created), ts(t),
            changes[-1][5], ts(t), ts(t) if status != "open" else None, len(visits),
        ])
        born.append(created)
        entered.setdefault(final_stage.id, []).append((t, oid - 1))
    if hot_left:
        raise SystemExit(f"only {plan.hot_column - hot_left} open deals fell in the first pipeline; "
                         "raise --open or lower --pipelines/--hot-column")
    # Newest card on top, as `_top_position` does when cards arrive one by one.
    for rows in entered.values():
        rows.sort()
        for rank, (_, index) in enumerate(rows):
            opps[index][13] = -rank
    # Rows land in the order real use writes them: deal ids follow creation
    # time and stage-change rows follow the clock, so a month of history sits
    # together in the table (which is what makes period queries cheap).
    new_id = [0] * n
    for rank, index in enumerate(sorted(range(n), key=born.__getitem__), 1):
        new_id[index] = rank
    for o in opps:
        o[0] = new_id[o[0] - 1]
    opps.sort(key=lambda o: o[0])
    changes.sort(key=lambda c: (c[0], c[1]))
    rows = [(new_id[oid - 1], from_id, to_id, ts(at), by, reason) for at, _, oid, from_id, to_id, by, reason in changes]
    hot = None
    if plan.hot_column:
        hot = f"{hot_stage.name} (pipeline #{first_pipe}) holds {plan.hot_column} open deals"
    return [tuple(o) for o in opps], rows, hot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="database file to create")
    ap.add_argument("--opportunities", type=int, required=True, help="deals in total")
    ap.add_argument("--open", type=int, required=True, help="how many of them are open (the rest won or lost)")
    ap.add_argument("--pipelines", type=int, default=2, help="pipelines (default 2; the first gets twice the deals)")
    ap.add_argument("--contacts", type=int, help="contacts (default: half the deals, at least 50)")
    ap.add_argument("--members", type=int, default=12, help="team members besides you (default 12)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data relative to now)")
    ap.add_argument("--column-heavy", type=int, metavar="STAGE_COUNT",
                    help="give the first pipeline this many open stages (columns)")
    ap.add_argument("--hot-column", type=int, metavar="N",
                    help="put exactly N open deals in the first pipeline's first stage")
    ap.add_argument("--force", action="store_true", help="replace an existing file")
    args = ap.parse_args(argv)
    if args.pipelines < 1 or args.opportunities < 1 or args.open < 0:
        ap.error("--pipelines and --opportunities must be at least 1, --open at least 0")
    plan = Plan(args.opportunities, args.open, args.pipelines, args.contacts, args.seed, args.column_heavy,
                args.hot_column, args.members)
    generate(args.db, plan, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
