"""What automations cost: a card move with and without them, and `run_due` on many deals.

    python benchmarks/bench_automations.py [--deals 10000]

Figures that matter: the extra time a move takes when automations exist (it
happens inside the move's write lock), and a `run_due` pass that finds nothing
to do. The TUI runs that pass every few minutes on every agent's screen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("JTEK_USER", "bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=200)
    args = parser.parse_args()

    from jtek_tui.domain import automations as A
    from jtek_tui.domain import clock
    from jtek_tui.domain import contacts as C
    from jtek_tui.domain import opportunities as O
    from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
    from jtek_tui.domain.bootstrap import open_database

    folder = Path(tempfile.mkdtemp(prefix="jtek-bench-"))
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    db = open_database(str(folder / "bench.db"))
    start = clock.now()
    clock.freeze(start)
    with db.write() as s:
        person = C.create_contact(db, "Bench Person", tags=["bench"])
        opp_ids = [O.create_opportunity(db, contact=person.id, name=f"Deal {i}", value_cents=i * 100).id
                   for i in range(args.deals)]
    print(f"{args.deals} deals created in {folder}")

    def time_moves(label: str) -> None:
        samples = []
        for i in range(args.moves):
            target = "Contacted" if (i // 50) % 2 == 0 else "New Lead"  # every move is a real move
            t = time.perf_counter()
            O.move_opportunity(db, opp_ids[i % 50], target)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        print(f"move, {label}: median {statistics.median(samples):.2f} ms, "
              f"p95 {samples[int(len(samples) * 0.95)]:.2f} ms")

    time_moves("no automations")
    for i in range(20):
        A.create_automation(db, A.AutomationSpec(f"elsewhere {i}", TriggerSpec("stage", stage="Negotiation"),
                                                 Filters(), [{"type": "add_tag", "tag": "x"}]))
    time_moves("20 automations on another stage")
    for i in range(5):
        A.create_automation(db, A.AutomationSpec(
            f"here {i}", TriggerSpec("stage", stage="Contacted"), Filters(),
            [{"type": "add_tag", "tag": f"t{i}"}, {"type": "log_note", "template": "Moved {opportunity.name}"}],
        ))
    time_moves("5 matching automations (tag + note each) on half the moves")

    for days in (7, 14, 30):
        A.create_automation(db, A.AutomationSpec(f"idle {days}", TriggerSpec("stale", days=days),
                                                 Filters(min_value_cents=10**12), [{"type": "add_tag", "tag": "idle"}]))
    A.create_automation(db, A.AutomationSpec("idle any", TriggerSpec("stale", stage="New Lead", days=3),
                                             Filters(), [{"type": "add_tag", "tag": "idle"}]))
    clock.freeze(start + timedelta(days=4))
    t = time.perf_counter()
    first = A.run_due(db)
    print(f"run_due first pass: fired {first.fired} in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    again = A.run_due(db)
    print(f"run_due with nothing due: fired {again.fired} in {(time.perf_counter() - t) * 1000:.0f} ms")
    db.dispose()


if __name__ == "__main__":
    main()
