"""Turn what people type into exact values: money to integer cents, dates to `date`.

Both parsers raise `ValidationError` with a sentence that can sit next to the
field; callers pass `field=` so the TUI knows where to show it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from jtek_tui.domain.clock import today
from jtek_tui.domain.errors import ValidationError

MAX_CENTS = 10**13
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_MONEY_RE = re.compile(r"^(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<suffix>[kmb]?)$")
_GROUPED_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?[kmb]?$")


def parse_money(text: str | None, *, required: bool = False, field: str = "value") -> int | None:
    """`750000`, `750,000`, `$750k`, `1.2m`, `750000.50` -> cents. Empty -> None."""
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValidationError("A deal value is required.", field)
        return None
    s = raw.lower().replace(" ", "").replace("_", "")
    if s.startswith(("-", "(")) or "-" in s:
        raise ValidationError(f"Deal value can't be negative: {raw!r}.", field)
    if s.startswith("+"):
        s = s[1:]
    for symbol in ("$", "usd", "€", "eur", "£", "gbp"):
        if s.startswith(symbol):
            s = s[len(symbol):]
        if s.endswith(symbol):
            s = s[: -len(symbol)]
    if "," in s:
        if not _GROUPED_RE.match(s):
            raise ValidationError(f"Can't read {raw!r} as an amount (commas must group thousands).", field)
        s = s.replace(",", "")
    match = _MONEY_RE.match(s)
    if not match:
        raise ValidationError(f"Can't read {raw!r} as an amount; try 750000, 750k or 1.2m.", field)
    try:
        amount = Decimal(match["num"]) * _SUFFIX[match["suffix"]]
    except InvalidOperation:
        raise ValidationError(f"Can't read {raw!r} as an amount.", field) from None
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValidationError(f"{raw!r} has fractions of a cent.", field)
    cents_int = int(cents)
    if cents_int > MAX_CENTS:
        raise ValidationError(f"{raw!r} is too large (the limit is $100,000,000,000).", field)
    return cents_int


def parse_date(
    text: str | None, *, required: bool = False, field: str = "expected_close", base: date | None = None
) -> date | None:
    """ISO `2027-01-31`, `today`, `tomorrow`, `+30d`, `+2w`, `eom` -> date. Empty -> None."""
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValidationError("A date is required.", field)
        return None
    s = raw.lower()
    now = base or today()
    if s == "today":
        return now
    if s == "tomorrow":
        return now + timedelta(days=1)
    if s == "eom":
        return now.replace(day=calendar.monthrange(now.year, now.month)[1])
    rel = re.fullmatch(r"\+(\d{1,4})([dw])", s)
    if rel:
        days = int(rel[1]) * (7 if rel[2] == "w" else 1)
        return now + timedelta(days=days)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        try:
            return date.fromisoformat(s)
        except ValueError:
            raise ValidationError(f"{raw!r} is not a real date.", field) from None
    raise ValidationError(
        f"Can't read {raw!r} as a date; use 2027-01-31, today, tomorrow, +30d, +2w or eom.", field
    )
