"""Human renderings shared by the CLI and the TUI (plain strings, no markup)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"


def initials(name: str | None) -> str:
    """'Sam Rivera' -> 'SR', 'alice' -> 'AL': the assignee badge on a card."""
    parts = [p for p in (name or "").replace(".", " ").split() if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def money(cents: int | None, *, dash: str = DASH, cents_digits: bool = False) -> str:
    """`$750,000` (whole dollars unless asked); None -> dash."""
    if cents is None:
        return dash
    if cents_digits or cents % 100:
        return f"${cents // 100:,}.{cents % 100:02d}"
    return f"${cents // 100:,}"


def money_short(cents: int | None, *, dash: str = DASH) -> str:
    """`$750k`, `$1.2m`: for narrow columns (rounded half up, exactly)."""
    if cents is None:
        return dash
    dollars = Decimal(cents) / 100
    units = [(Decimal(1), ""), (Decimal(10**3), "k"), (Decimal(10**6), "m"), (Decimal(10**9), "b")]
    index = max(i for i, (limit, _) in enumerate(units) if dollars >= limit or i == 0)
    while True:
        limit, suffix = units[index]
        value = dollars / limit
        step = Decimal("1") if value >= 100 or not suffix else Decimal("0.1")
        shown = value.quantize(step, rounding=ROUND_HALF_UP)
        if shown >= 1000 and index + 1 < len(units):  # $999,999 is $1m, not $1000k
            index += 1
            continue
        text = f"{shown:,}" if not suffix else str(shown)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return f"${text}{suffix}"


def duration(delta: timedelta) -> str:
    """`3d 4h`, `5h 12m`, `45m`, `<1m`: the time a deal sat in a stage."""
    seconds = max(0, int(delta.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return "<1m"


def local(ts: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp in the viewer's local time."""
    if ts is None:
        return DASH
    return ts.astimezone().strftime(fmt)


def day(d: date | None) -> str:
    return d.isoformat() if d else DASH


def iso_utc(ts: datetime | None) -> str | None:
    """ISO-8601 UTC with a `Z`, for JSON output."""
    if ts is None:
        return None
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- report renderings (reports screen and `jtek report`) ---------------------------

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float | None, width: int) -> str:
    """A horizontal bar `width` cells wide at most, in eighth-cell steps.

    Block characters, not colour, carry the length, so a chart stays readable
    in NO_COLOR and 256-colour terminals alike. Any non-zero value shows at
    least a sliver, so "small" never looks like "none".
    """
    if not fraction or fraction <= 0 or width <= 0:
        return ""
    eighths = max(1, round(min(fraction, 1.0) * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def percent(rate: float | None, *, dash: str = DASH) -> str:
    """`66.7%` for 0.6667; None (no data, e.g. nothing closed) -> dash."""
    if rate is None:
        return dash
    return f"{rate * 100:.1f}%"


def days(value: float | None, *, dash: str = DASH) -> str:
    """`3.5d` (one decimal): average and median time in a stage."""
    if value is None:
        return dash
    return f"{value:.1f}d"
