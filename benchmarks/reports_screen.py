"""How the Reports screen feels on a big database (a script, not a test).

    python benchmarks/reports_screen.py [--db PATH] [--runs 7] [--keys 40] [--size 200x60]

Builds (once) a database with 100,000 opportunities, 30,000 open, in 3
pipelines (benchmarks/generate.py), opens the app headless and reports:

- `3` -> figures on screen: from the key until the first screen update that
  shows the dashboard's figures (the read runs in a thread worker);
- `]` (next period) -> filter line repainted, and -> new figures on screen;
- cursor move in the overdue list, key -> repaint (median and p95), when
  idle and while a dashboard read is running in the background (the read
  must not block keys);
- the read itself: `reports.dashboard()` in the worker thread.

Repaint times are taken from sending the key to the app until the screen
update has been rendered to terminal escape sequences, as in benchmarks/board.py
(`pilot.press` has a ~60-80 ms floor and is not used for timing).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def ensure_database(path: Path) -> None:
    if path.exists():
        return
    from generate import Plan, generate

    print(f"building {path} (100,000 opportunities, 30,000 open, 3 pipelines)…", file=sys.stderr)
    generate(path, Plan(opportunities=100_000, open=30_000, pipelines=3), log=lambda *a, **k: None)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


async def measure(db_path: Path, runs: int, keys: int, size: tuple[int, int]) -> dict:
    import os

    from textual import events
    from textual._compositor import CompositorUpdate

    from jtek_tui.domain import reports as R
    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.ui.app import JtekApp
    from jtek_tui.ui.sections import reports as screen

    os.environ["JTEK_USER"] = "bench"
    db = open_database(str(db_path))
    painted: list[float] = []
    reads: list[float] = []
    original_read = screen._read

    def timed_read(*args):
        t0 = time.perf_counter()
        try:
            return original_read(*args)
        finally:
            reads.append((time.perf_counter() - t0) * 1000)

    screen._read = timed_read

    class BenchApp(JtekApp):
        def _display(self, screen, renderable) -> None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # the cost a real terminal write has
            super()._display(screen, renderable)
            painted.append(time.perf_counter())

    result: dict = {"show_ms": [], "filter_line_ms": [], "filter_figures_ms": [], "cursor_ms": [],
                    "cursor_busy_ms": []}
    app = BenchApp(db)
    async with app.run_test(size=size, headless=True) as pilot:
        await pilot.pause()
        section = app.main_screen.query_one(screen.ReportsSection)

        def send(key: str) -> float:
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
            return t0

        # Polls sleep a little: a busy loop would hold the GIL the read needs.
        async def next_paint(after: int) -> float:
            while len(painted) <= after:
                await asyncio.sleep(0.0005)
            return painted[after]

        async def figures_painted(old) -> float:
            while section.data is old or section.busy:
                await asyncio.sleep(0.002)
            count = len(painted)
            return await next_paint(count)

        for _ in range(runs):
            await pilot.press("1")
            await pilot.pause()
            section.data = None
            t0 = send("3")
            result["show_ms"].append((await figures_painted(None) - t0) * 1000)
            await pilot.pause()

        for _ in range(runs):
            old = section.data
            before = len(painted)
            t0 = send("right_square_bracket")
            result["filter_line_ms"].append((await next_paint(before) - t0) * 1000)
            result["filter_figures_ms"].append((await figures_painted(old) - t0) * 1000)
            await pilot.pause()
        send("escape")  # back to this month
        await figures_painted(section.data)

        overdue = section.deal_list("overdue")
        overdue.focus()
        await pilot.pause()
        result["overdue_rows"] = len(overdue.rows)
        for i in range(keys):
            before = len(painted)
            t0 = send("down" if i % 20 < 10 else "up")
            result["cursor_ms"].append((await next_paint(before) - t0) * 1000)
            await pilot.pause()
        for i in range(keys):
            section.request()  # a read in the background, as live refresh starts one
            await asyncio.sleep(0.01)
            before = len(painted)
            t0 = send("down" if i % 20 < 10 else "up")
            result["cursor_busy_ms"].append((await next_paint(before) - t0) * 1000)
            while section.busy:
                await pilot.pause(0.01)
        result["read_ms"] = list(reads)
        d = R.dashboard(db)
        result["open_deals"] = d.summary.open_deals
    db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "jtek-bench-reports.db")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--size", default="200x60")
    parser.add_argument("--verbose", action="store_true", help="print every read time")
    args = parser.parse_args()
    ensure_database(args.db)
    width, height = (int(n) for n in args.size.split("x"))
    r = asyncio.run(measure(args.db, args.runs, args.keys, (width, height)))
    med = statistics.median
    print(f"database: {args.db}  ({r['open_deals']:,} open deals, {r['overdue_rows']} overdue rows listed, "
          f"{width}x{height}, headless)")
    rows = [
        ("dashboard read (worker thread)", f"{med(r['read_ms']):.0f} ms", f"p95 {p95(r['read_ms']):.0f} ms"),
        ("3 -> figures on screen", f"{med(r['show_ms']):.0f} ms", f"max {max(r['show_ms']):.0f} ms"),
        ("] -> filter line repainted", f"{med(r['filter_line_ms']):.1f} ms", f"max {max(r['filter_line_ms']):.1f} ms"),
        ("] -> new figures on screen", f"{med(r['filter_figures_ms']):.0f} ms",
         f"max {max(r['filter_figures_ms']):.0f} ms"),
        ("list cursor, key -> repaint", f"{med(r['cursor_ms']):.1f} ms", f"p95 {p95(r['cursor_ms']):.1f} ms"),
        ("  ... while a read runs", f"{med(r['cursor_busy_ms']):.1f} ms", f"p95 {p95(r['cursor_busy_ms']):.1f} ms"),
    ]
    for name, value, extra in rows:
        print(f"{name:<34}{value:>12}   {extra}")
    if args.verbose:
        print("reads (ms):", " ".join(f"{x:.0f}" for x in r["read_ms"]))


if __name__ == "__main__":
    main()
