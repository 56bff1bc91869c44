"""How an automation run's outcome and time read on screen, the same everywhere
(the automations list, the run log, a run's detail, notifications).

An outcome is always a glyph *and* a word, never colour alone: agents work in
256 colours or NO_COLOR over SSH.
"""

from __future__ import annotations

from datetime import datetime

from jtek_tui.domain import clock
from jtek_tui.domain.automations import RunRow
from jtek_tui.domain.formatting import DASH

#: outcome -> (glyph and word, RowList component class for its colour)
OUTCOMES: dict[str, tuple[str, str]] = {
    "ok": ("✓ ok", "rows--good"),
    "error": ("✗ error", "rows--bad"),
    "skipped": ("– skipped", "rows--dim"),
    "running": ("… running", "rows--dim"),
}


def outcome_of(run: RunRow) -> str:
    """ok | error | skipped, or running while its slow actions are pending."""
    return "running" if run.running else run.outcome


def outcome_label(run: RunRow | None) -> tuple[str, str]:
    """(`✗ error`, component class); `– never` for an automation that has not run."""
    if run is None:
        return "– never", "rows--dim"
    return OUTCOMES.get(outcome_of(run), (run.outcome, ""))


def short_when(ts: datetime | None) -> str:
    """`15:02` today, `Mar 09` this year, `25-12-01` before: at most 8 cells, for a column."""
    if ts is None:
        return DASH
    here = ts.astimezone()
    today = clock.today()
    if here.date() == today:
        return here.strftime("%H:%M")
    if here.year == today.year:
        return here.strftime("%b %d")
    return here.strftime("%y-%m-%d")


def long_when(ts: datetime | None) -> str:
    """`today 15:02`, `Mon Mar 09 14:02`: for detail lines, in local time."""
    if ts is None:
        return DASH
    here = ts.astimezone()
    if here.date() == clock.today():
        return here.strftime("today %H:%M")
    if here.year == clock.today().year:
        return here.strftime("%a %b %d %H:%M")
    return here.strftime("%Y-%m-%d %H:%M")
