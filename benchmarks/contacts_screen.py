"""How the Contacts screen and the contact record feel at 50,000 contacts (a script, not a test).

    python benchmarks/contacts_screen.py [--db PATH] [--contacts 50000] [--keys 40] [--size 200x60]

Builds (once, with benchmarks/contacts.py's bulk generator) a database with
50,000 contacts, ~100,000 deals and their history, then runs the app headless
and times, from sending a key until the screen update for it has been rendered
to terminal escape sequences (as benchmarks/board.py does; `pilot.press` is
not used for timing, it waits in idle steps):

- `2` → the first paint ("Loading…") and → the whole list painted (the load
  runs in a thread: `list_contacts` plus building rows);
- cursor down / page down in the list (median, p95);
- typing a search: each key → its echo, and the last key → the results
  painted (this includes the 150 ms debounce on purpose);
- clearing the search; sorting by a column (all rows, in memory);
- enter → the contact record painted; →/← between its tabs; escape → back.

Peak memory (max RSS) is reported too.
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
sys.path.insert(0, str(HERE.parent))


def ensure_database(path: Path, contacts: int) -> None:
    if path.exists():
        return
    sys.path.insert(0, str(HERE))
    from contacts import build  # benchmarks/contacts.py

    print(f"building {path} ({contacts:,} contacts)…", file=sys.stderr)
    t0 = time.perf_counter()
    sizes = build(path, contacts, 2.0)
    print(f"built in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()),
          file=sys.stderr)


# -- child: runs the app and reports ---------------------------------------------------
def child(db_path: str, keys: int, size: tuple[int, int]) -> None:
    import asyncio
    import resource

    from textual import events
    from textual._compositor import CompositorUpdate

    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.ui.app import JtekApp
    from jtek_tui.ui.screens.contact_record import ContactRecord
    from jtek_tui.ui.sections.contacts import ContactsSection

    import gc

    os.environ["JTEK_USER"] = "bench"
    db = open_database(db_path)
    painted: list[float] = []
    pauses: list[float] = []  # full (generation 2) garbage collections: a pause the user may feel
    gc_started: list[float] = []

    def gc_watch(phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            gc_started.append(time.perf_counter())
        elif gc_started:
            pauses.append((time.perf_counter() - gc_started.pop()) * 1000)

    gc.callbacks.append(gc_watch)

    class BenchApp(JtekApp):
        def _display(self, screen, renderable) -> None:  # noqa: ANN001
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # the cost a real terminal write has
            super()._display(screen, renderable)
            painted.append(time.perf_counter())

    app = BenchApp(db)
    result: dict = {}

    async def next_paint(after: int) -> float:
        while len(painted) <= after:
            await asyncio.sleep(0)
        return painted[after]

    async def paint_when(condition, since: float) -> float:
        """The first paint after `condition()` holds: when the user sees the result."""
        while not condition():
            await asyncio.sleep(0.001)
        count = len(painted)
        await next_paint(count)
        return (painted[count] - since) * 1000

    def send(key: str, character: str | None = None) -> tuple[float, int]:
        count = len(painted)
        t0 = time.perf_counter()
        app._driver.send_message(events.Key(key, character))  # type: ignore[union-attr]
        return t0, count

    async def timed(key: str, character: str | None = None) -> float:
        t0, count = send(key, character)
        elapsed = (await next_paint(count) - t0) * 1000
        await asyncio.sleep(0.02)
        return elapsed

    async def drive() -> None:
        async with app.run_test(size=size, headless=True) as pilot:
            while not painted:
                await asyncio.sleep(0.001)
            await pilot.pause(0.5)
            contacts = app.main_screen.query_one(ContactsSection)
            t0, count = send("2", "2")
            result["show_first_paint_ms"] = (await next_paint(count) - t0) * 1000
            result["show_loaded_ms"] = await paint_when(lambda: contacts.loaded, t0)
            result["rows"] = len(contacts.rows_widget.rows)
            await pilot.pause(0.3)
            result["cursor_ms"] = [await timed("down") for _ in range(keys)]
            result["page_ms"] = [await timed("pagedown") for _ in range(10)]

            echoes, results = [], []
            for word in ("maria", "jo", "555123", "zzz"):
                last = 0.0
                for ch in word:
                    t0, count = send(ch, ch)
                    echoes.append((await next_paint(count) - t0) * 1000)
                    last = t0
                results.append(await paint_when(
                    lambda w=word: contacts.search_text == w and contacts._search_seq and not any(
                        wk.is_running for wk in app.workers if wk.group == "contacts-search"), last))
                await pilot.pause(0.2)
                t0, count = send("escape")  # clears the search text (focus stays in the field)
                await paint_when(lambda: contacts.search_text == "", t0)
                await pilot.pause(0.2)
            result["search_echo_ms"] = echoes
            result["search_results_ms"] = results
            t0, count = send("escape")  # back to the list
            await pilot.pause(0.2)

            sorts = []
            for column in ("last_activity", "open_value", "email", "name"):
                t0 = time.perf_counter()
                count = len(painted)
                contacts.sort_by(column)
                sorts.append((await next_paint(count) - t0) * 1000)
                await pilot.pause(0.1)
            result["sort_ms"] = sorts

            opens, tabs, backs = [], [], []
            for _ in range(5):
                t0, count = send("enter")
                opens.append(await paint_when(lambda: isinstance(app.screen, ContactRecord), t0))
                await pilot.pause(0.3)
                for key in ("right", "right", "right", "right"):
                    tabs.append(await timed(key))
                t0, count = send("escape")
                backs.append(await paint_when(lambda: not isinstance(app.screen, ContactRecord), t0))
                await pilot.pause(0.3)
                await timed("down")
            result["record_open_ms"] = opens
            result["record_tab_ms"] = tabs
            result["record_back_ms"] = backs

    asyncio.run(drive())
    result["memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["gc_pauses_ms"] = pauses
    db.dispose()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "jtek-bench-contacts.db")
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--size", default="200x60")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    if args.child:
        child(str(args.db), args.keys, (width, height))
        return
    ensure_database(args.db, args.contacts)
    out = subprocess.run([sys.executable, __file__, "--child", "--db", str(args.db), "--keys", str(args.keys),
                          "--size", args.size], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.1f} ms"

    def p95(values: list[float]) -> str:
        return f"{sorted(values)[max(0, int(len(values) * 0.95) - 1)]:.1f} ms"

    print(f"database: {args.db}  ({r['rows']:,} contacts, {args.size}, headless)")
    rows = [
        ("2 → first paint (Loading…)", f"{r['show_first_paint_ms']:.1f} ms", ""),
        ("2 → whole list painted", f"{r['show_loaded_ms']:.0f} ms", ""),
        ("cursor down, key → repaint", med(r["cursor_ms"]), p95(r["cursor_ms"])),
        ("page down, key → repaint", med(r["page_ms"]), p95(r["page_ms"])),
        ("search: key → echo", med(r["search_echo_ms"]), p95(r["search_echo_ms"])),
        ("search: last key → results (150 ms debounce)", med(r["search_results_ms"]),
         f"max {max(r['search_results_ms']):.1f} ms"),
        ("sort 50k rows → repaint", med(r["sort_ms"]), f"max {max(r['sort_ms']):.1f} ms"),
        ("enter → record painted", med(r["record_open_ms"]), f"max {max(r['record_open_ms']):.1f} ms"),
        ("record tab switch → repaint", med(r["record_tab_ms"]), p95(r["record_tab_ms"])),
        ("escape → list again", med(r["record_back_ms"]), f"max {max(r['record_back_ms']):.1f} ms"),
        ("peak memory (max RSS)", f"{r['memory_mb']:.0f} MB", ""),
        ("full GC pauses during the run", f"{len(r['gc_pauses_ms'])}",
         f"max {max(r['gc_pauses_ms'], default=0):.1f} ms"),
    ]
    print(f"{'measure':<46}{'median':>12}{'p95 / max':>16}")
    for name, value, extra in rows:
        print(f"{name:<46}{value:>12}{extra:>16}")


if __name__ == "__main__":
    main()
