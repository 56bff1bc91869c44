"""How fast the board is on a big database (a script, not a test).

    python benchmarks/board.py [--db PATH] [--runs 5] [--keys 60]

Builds (once) a database with 20,000 opportunities, 5,000 of them open in one
pipeline and 2,000 in one column (benchmarks/generate.py), then reports:

- first paint: from process start (interpreter, imports, opening the database,
  reading 5,000 cards) until the board has been painted, median of --runs;
- peak memory (max RSS) of that process;
- key -> repaint for a cursor move and for a card move (median and p95 of
  --keys presses), timed from sending the key to the app until the screen
  update for it has been rendered to terminal escape sequences. `pilot.press`
  is not used for timing: it waits in idle steps with a ~60-80 ms floor.

The app runs headless at 200x60; rendering of each update to escape sequences
is forced so its cost is counted as it would be on a real terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"first_paint_s": 1.2, "move_ms": 30.0, "cursor_ms": 16.0, "memory_mb": 200.0}


def ensure_database(path: Path) -> None:
    if path.exists():
        return
    print(f"building {path} (20,000 opportunities, 5,000 open, 2,000 in one column)…", file=sys.stderr)
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), "--db", str(path), "--opportunities", "20000",
         "--open", "5000", "--hot-column", "2000"],
        check=True,
    )


# -- child: runs the app and reports -------------------------------------------------
def child(db_path: str, mode: str, keys: int, started: float) -> None:
    import asyncio
    import resource

    from textual import events
    from textual._compositor import CompositorUpdate

    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.ui.app import JtekApp
    from jtek_tui.ui.sections.board import BoardSection
    from jtek_tui.ui.widgets.card_list import CardList

    os.environ["JTEK_USER"] = "bench"
    db = open_database(db_path)
    painted: list[float] = []

    class BenchApp(JtekApp):
        def _display(self, screen, renderable) -> None:  # noqa: ANN001
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # the cost a real terminal write has
            super()._display(screen, renderable)
            painted.append(time.perf_counter())

    app = BenchApp(db)
    result: dict = {}

    async def drive() -> None:
        async with app.run_test(size=(200, 60), headless=True) as pilot:
            board = app.main_screen.query_one(BoardSection)
            while not any(c.rows for c in board.query(CardList)):
                await asyncio.sleep(0.001)
            count = len(painted)
            while len(painted) == count:
                await asyncio.sleep(0.001)
            result["first_paint_s"] = time.time() - started
            if mode == "startup":
                return
            hot = max(board.query(CardList), key=lambda c: len(c.rows))
            board.focus_list(hot)
            await pilot.pause()
            result["hot_column_cards"] = len(hot.rows)

            async def timed(key: str) -> float:
                before = len(painted)
                t0 = time.perf_counter()
                app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
                while len(painted) == before:
                    await asyncio.sleep(0)
                elapsed = painted[before] - t0
                await pilot.pause()
                return elapsed * 1000

            cursor = [await timed("down") for _ in range(keys)]
            moves = []
            for i in range(keys):
                moves.append(await timed("shift+right" if i % 2 == 0 else "shift+left"))
            result["cursor_ms"] = cursor
            result["move_ms"] = moves

    asyncio.run(drive())
    result["memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db.dispose()
    print(json.dumps(result))


def run_child(db: Path, mode: str, keys: int) -> dict:
    env = dict(os.environ, JTEK_BENCH_START=repr(time.time()))
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--db", str(db), "--keys", str(keys)],
        check=True, capture_output=True, text=True, env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "jtek-bench-board.db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--child", choices=["startup", "latency"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(str(args.db), args.child, args.keys, float(os.environ["JTEK_BENCH_START"]))
        return
    ensure_database(args.db)
    run_child(args.db, "startup", 0)  # warm the OS file cache once
    startups = [run_child(args.db, "startup", 0) for _ in range(args.runs)]
    latency = run_child(args.db, "latency", args.keys)

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    figures = {
        "first_paint_s": statistics.median(r["first_paint_s"] for r in startups),
        "memory_mb": max([r["memory_mb"] for r in startups] + [latency["memory_mb"]]),
        "cursor_ms": statistics.median(latency["cursor_ms"]),
        "move_ms": statistics.median(latency["move_ms"]),
    }
    print(f"database: {args.db}  (hot column: {latency['hot_column_cards']} cards, 200x60, headless)")
    print(f"{'measure':<34}{'result':>12}{'target':>12}")
    rows = [
        ("first paint from process start", f"{figures['first_paint_s']:.2f} s", f"≤ {TARGETS['first_paint_s']} s"),
        ("peak memory (max RSS)", f"{figures['memory_mb']:.0f} MB", f"≤ {TARGETS['memory_mb']:.0f} MB"),
        ("cursor move, key → repaint (median)", f"{figures['cursor_ms']:.1f} ms", f"≤ {TARGETS['cursor_ms']:.0f} ms"),
        ("cursor move p95", f"{p95(latency['cursor_ms']):.1f} ms", ""),
        ("card move, key → repaint (median)", f"{figures['move_ms']:.1f} ms", f"≤ {TARGETS['move_ms']:.0f} ms"),
        ("card move p95", f"{p95(latency['move_ms']):.1f} ms", ""),
    ]
    for name, value, target in rows:
        print(f"{name:<34}{value:>12}{target:>12}")


if __name__ == "__main__":
    main()
