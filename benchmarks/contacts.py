"""How fast are the Contacts screen's domain calls at 50,000 contacts?

Builds a database with bulk inserts (seconds, not minutes: the domain functions
would take far longer one row per transaction), then times the calls the
Contacts screen and the contact record make:

    python benchmarks/contacts.py                 # 50k contacts, ~100k deals
    python benchmarks/contacts.py --contacts 5000 --keep /tmp/c.db

Figures are milliseconds over `--repeat` runs: wall time (best, median) and
CPU time (best; unaffected by other programs loading the machine). Not part of
the test run (performance is measured here, never asserted in tests).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jtek_tui.domain import activities as A  # noqa: E402
from jtek_tui.domain import appointments as AP  # noqa: E402
from jtek_tui.domain import contacts as C  # noqa: E402
from jtek_tui.domain.bootstrap import open_database  # noqa: E402

FIRST = ["Maria", "James", "Aisha", "Chen", "Olivia", "Diego", "Priya", "Liam", "Fatima", "Noah", "Sofia",
         "Hiroshi", "Emma", "Kwame", "Isabella", "Mateo", "Grace", "Omar", "Hannah", "Lucas", "Zoe", "Ravi"]
LAST = ["Johnson", "Okafor", "Nguyen", "Schmidt", "Garcia", "Kowalski", "Haddad", "Brennan", "Silva",
        "Tanaka", "Moreau", "Petrov", "Adeyemi", "Larsen", "Rossi", "Chen", "Murphy", "Iyer", "Dubois"]
TAGS = ["buyer", "seller", "first-time", "investor", "referral", "relocation", "vip", "downsizing"]
KINDS = ["note", "call", "email", "sms", "meeting", "task"]


def ts(dt: datetime) -> str:
    """UTCDateTime's storage format (naive UTC, SQLAlchemy's SQLite DateTime text)."""
    return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(path: Path, n_contacts: int, deals_per_contact: float, seed: int = 1) -> dict:
    rnd = random.Random(seed)
    db = open_database(str(path), login="bench")
    member = db.actor_id
    db.dispose()
    now = datetime.now(timezone.utc)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=OFF")
    stages = raw.execute("SELECT id, kind FROM stage ORDER BY position").fetchall()
    pipeline_id = raw.execute("SELECT id FROM pipeline").fetchone()[0]
    open_ids = [s for s, k in stages if k == "open"]
    won_id = next(s for s, k in stages if k == "won")
    lost_id = next(s for s, k in stages if k == "lost")

    contacts = []
    for i in range(1, n_contacts + 1):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        created = now - timedelta(days=rnd.uniform(1, 900))
        contacts.append((i, first, last, f"{first.lower()}.{last.lower()}{i}@example.com",
                         f"555{rnd.randint(1000000, 9999999)}", None, rnd.choice(["Zillow", "Referral", None]),
                         ts(created), ts(created)))
    raw.executemany("INSERT INTO contact (id, first_name, last_name, email, phone, company, source, created_at,"
                    " updated_at) VALUES (?,?,?,?,?,?,?,?,?)", contacts)
    raw.executemany("INSERT INTO tag (id, name, key) VALUES (?,?,?)", [(i + 1, t, t) for i, t in enumerate(TAGS)])
    links = set()
    for cid in range(1, n_contacts + 1):
        for _ in range(rnd.choice([0, 0, 1, 1, 1, 2, 3])):
            links.add((cid, rnd.randint(1, len(TAGS))))
    raw.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?,?)", sorted(links))

    opps, changes = [], []
    n_deals = int(n_contacts * deals_per_contact)
    change_id = 0
    for oid in range(1, n_deals + 1):
        cid = rnd.randint(1, n_contacts) if oid > n_contacts // 2 else oid * 2  # some people have none
        cid = min(cid, n_contacts)
        created = now - timedelta(days=rnd.uniform(1, 400))
        path_len = rnd.randint(1, len(open_ids))
        t = created
        history = []
        for stage in open_ids[:path_len]:
            history.append((stage, t))
            t += timedelta(days=rnd.uniform(0.5, 10))
        fate = rnd.random()
        if fate < 0.2:
            history.append((won_id, t))
        elif fate < 0.35:
            history.append((lost_id, t))
        stage_id, entered = history[-1]
        kind = next(k for s, k in stages if s == stage_id)
        opps.append((oid, f"Deal {oid}", cid, pipeline_id, stage_id, kind, rnd.randint(100, 2000) * 100_000,
                     "USD", "", -oid, ts(created), ts(entered), ts(entered),
                     ts(entered) if kind != "open" else None, 1, member))
        prev = None
        for stage, at in history:
            change_id += 1
            changes.append((change_id, oid, prev, stage, ts(at), member))
            prev = stage
    raw.executemany("INSERT INTO opportunity (id, name, contact_id, pipeline_id, stage_id, status, value_cents,"
                    " currency, notes, position, created_at, updated_at, stage_entered_at, closed_at, version,"
                    " assignee_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", opps)
    raw.executemany("INSERT INTO stage_change (id, opportunity_id, from_stage_id, to_stage_id, changed_at,"
                    " changed_by_id) VALUES (?,?,?,?,?,?)", changes)

    acts, appts = [], []
    for cid in range(1, n_contacts + 1):
        for _ in range(rnd.choice([0, 1, 2, 3, 5])):
            kind = rnd.choice(KINDS)
            at = now - timedelta(days=rnd.uniform(0, 300))
            due = ts(at + timedelta(days=3)) if kind == "task" else None
            done = ts(at + timedelta(days=1)) if kind == "task" and rnd.random() < 0.6 else None
            acts.append((cid, kind, f"{kind} about the house", due, done, member, ts(at)))
        if rnd.random() < 0.5:
            start = now + timedelta(days=rnd.uniform(-60, 30))
            appts.append((cid, member, "Showing", ts(start), ts(start + timedelta(hours=1)), "", "",
                          "scheduled", ts(start - timedelta(days=3))))
    raw.executemany("INSERT INTO activity (contact_id, kind, body, due_at, done_at, author_id, created_at)"
                    " VALUES (?,?,?,?,?,?,?)", acts)
    raw.executemany("INSERT INTO appointment (contact_id, owner_id, title, starts_at, ends_at, location, notes,"
                    " status, created_at) VALUES (?,?,?,?,?,?,?,?,?)", appts)
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()
    return {"contacts": n_contacts, "deals": len(opps), "stage changes": len(changes),
            "activities": len(acts), "appointments": len(appts), "tag links": len(links)}


def timed(label: str, fn, repeat: int) -> object:
    """Best and median wall time, and best CPU time (SQLite runs in-process, so CPU time
    is what the call costs even when other programs load the machine)."""
    runs, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    size = f"{len(result):>6} rows" if isinstance(result, list) else ""
    print(f"  {label:<46} wall best {min(runs):7.1f} median {statistics.median(runs):7.1f}"
          f"   cpu best {min(cpu):7.1f} ms  {size}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--deals-per-contact", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Build the database here and keep it.")
    args = parser.parse_args()

    folder = None if args.keep else tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "bench.db"  # type: ignore[union-attr]
    path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    sizes = build(path, args.contacts, args.deals_per_contact)
    print(f"built in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))

    db = open_database(str(path), login="bench")
    try:
        print("Contacts screen")
        rows = timed("list_contacts (all rows, with aggregates)", lambda: C.list_contacts(db), args.repeat)
        for q in ["maria", "mjo", "a", "5551234", "vip", "#vip maria", "zzzz", "maria.johnson1"]:
            timed(f"search_contact_ids({q!r})", lambda q=q: C.search_contact_ids(db, q), args.repeat)
            timed(f"search_contact_ids({q!r}, limit=50)", lambda q=q: C.search_contact_ids(db, q, limit=50),
                  args.repeat)
        for column in C.SORT_COLUMNS:
            timed(f"sort_rows(rows, {column!r})", lambda c=column: C.sort_rows(rows, c), args.repeat)
        print("Contact record (the busiest contact)")
        busiest = max(rows, key=lambda r: (r.open_deals, r.id)).id  # type: ignore[union-attr]
        timed("contact_row", lambda: [C.contact_row(db, busiest)], args.repeat)
        timed("contact_summary", lambda: [C.contact_summary(db, busiest)], args.repeat)
        timed("timeline", lambda: A.timeline(db, busiest), args.repeat)
        timed("list_appointments(contact)", lambda: AP.list_appointments(db, contact_id=busiest), args.repeat)
        print("Writes")
        timed("log_activity", lambda: [A.log_activity(db, busiest, "note", "bench")], args.repeat)
        start = datetime.now(timezone.utc) + timedelta(days=1)
        timed("add_appointment (with overlap check)",
              lambda: AP.add_appointment(db, busiest, title="bench", starts_at=start).clashes, args.repeat)
    finally:
        db.dispose()
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()
