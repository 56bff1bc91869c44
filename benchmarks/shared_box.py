"""Shared-box costs: opening a database (with and without the day's automatic
backup), a backup, a restore check, and `data_version` polling.

    python benchmarks/shared_box.py [--deals 20000]

Prints one line per measurement. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=20000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jtek-bench-"))
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")

    from jtek_tui.domain import clock
    from jtek_tui.domain import contacts as C
    from jtek_tui.domain import opportunities as O
    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.io import backup as B

    path = work / "team.db"
    db = open_database(str(path), login="bench")
    start = time.perf_counter()
    with db.write():
        for i in range(args.deals):
            person = C.create_contact(db, f"Person {i}", email=f"p{i}@example.com")
            O.create_opportunity(db, contact=person.id, name=f"Deal {i}", value_cents=i * 100,
                                 notes="Some notes about the deal. " * 5)
    print(f"built {args.deals} deals in {time.perf_counter() - start:.1f}s; "
          f"file {path.stat().st_size / 1e6:.1f} MB")
    db.dispose()

    def open_close(**kw):
        open_database(str(path), login="bench", **kw).dispose()

    open_close()  # today's backup exists from here on
    print(f"open (backup already made today): {timed(open_close) * 1000:.1f} ms")
    print(f"open (automatic backup turned off): {timed(lambda: open_close(daily_backup=False)) * 1000:.1f} ms")

    day = [0]

    def first_open_of_a_day():
        day[0] += 1
        clock.freeze(datetime(2030, 1, day[0], 12, tzinfo=timezone.utc))
        open_close()

    print(f"open, first of the day (makes the backup): {timed(first_open_of_a_day) * 1000:.1f} ms")
    clock.freeze(None)
    db = open_database(str(path), login="bench")
    target = work / "manual.db"
    print(f"jtek backup (with quick_check): "
          f"{timed(lambda: (target.unlink(missing_ok=True), B.backup_database(db, target, verify=True)), 3) * 1000:.0f} ms")
    print(f"restore check of that backup: {timed(lambda: B.inspect_backup(target), 3) * 1000:.0f} ms")
    db.data_version()
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        db.data_version()
    print(f"data_version poll: {(time.perf_counter() - start) / n * 1e6:.0f} µs")
    db.dispose()


if __name__ == "__main__":
    sys.exit(main())
