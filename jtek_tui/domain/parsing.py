"""Turn what people type into exact values: money to integer cents, dates to `date`,
moments to aware UTC datetimes, lengths of time to `timedelta`.

Every parser raises `ValidationError` with a sentence that can sit next to the
field; callers pass `field=` so the TUI knows where to show it.

People type times in their own (local) time zone; `parse_datetime` converts to
UTC at once, because that is how every timestamp is stored.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from jtek_tui.domain.clock import now as clock_now
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


_TIME_RE = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?P<ampm>am|pm|a|p)?$")
_REL_TIME_RE = re.compile(r"^(?P<sign>[+-])(?:(?P<h>\d{1,3})h)?(?:(?P<m>\d{1,4})m(?:in)?)?$")
_PAST_DAY_RE = re.compile(r"^-(\d{1,4})([dw])$")
_DATETIME_HELP = "use 2027-01-31 14:00, tomorrow 9:30, +2d 10:00, 2pm, now or +90m"


def _parse_time(token: str) -> time | None:
    """`14:00`, `9:30`, `9`, `9am`, `9:30pm`, `noon`, `midnight` -> time; None if unreadable."""
    if token == "noon":
        return time(12, 0)
    if token == "midnight":
        return time(0, 0)
    match = _TIME_RE.match(token)
    if not match:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if minute > 59:
        return None
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


def parse_datetime(
    text: str | None,
    *,
    required: bool = False,
    field: str = "start",
    base: datetime | None = None,
    default_time: time | None = None,
) -> datetime | None:
    """A moment typed in local time -> aware UTC datetime. Empty -> None.

    Accepts a date as `parse_date` reads it (`2027-01-31`, `today`, `tomorrow`,
    `+2d`, `+1w`, `eom`; here also `yesterday`, `-1d`, `-2w` for logging the
    past) followed by a time (`14:00`, `9:30`, `9am`, `2:30pm`, `noon`; `at`
    between them is fine, and ISO `2027-01-31T14:00` too); a time alone means
    the day of `base` (today); `now`, `+90m`, `+2h`, `+1h30m`, `-2h` count
    from `base` (now). A date
    without a time takes `default_time`, and is refused when there is none
    (an appointment needs a time; a task's due date does not).
    """
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValidationError("A date and time are required.", field)
        return None
    moment = (base or clock_now()).astimezone()  # local wall clock
    s = " ".join(raw.lower().replace(" at ", " ").split())
    s = re.sub(r"^(\d{4}-\d{2}-\d{2})t(?=\d)", r"\1 ", s)
    if s.endswith("z") and re.match(r"^\d{4}-\d{2}-\d{2} \d", s):
        raise ValidationError(f"Can't read {raw!r}: type times in your local time, without a zone.", field)
    if s == "now":
        return moment.astimezone(UTC)
    rel = _REL_TIME_RE.match(s)
    if rel and (rel["h"] or rel["m"]):
        delta = timedelta(hours=int(rel["h"] or 0), minutes=int(rel["m"] or 0))
        return (moment + delta if rel["sign"] == "+" else moment - delta).astimezone(UTC)
    tokens = s.split()
    if len(tokens) >= 2 and tokens[-1] in ("am", "pm"):  # "2:30 pm"
        tokens = tokens[:-2] + [tokens[-2] + tokens[-1]]
    day_token: str | None
    clock_time: time | None
    if len(tokens) == 1:
        only = tokens[0]
        bare_hour = only.isdigit()  # "14" alone is too ambiguous to be a time
        clock_time = None if bare_hour else _parse_time(only)
        day_token = None if clock_time else only
    elif len(tokens) == 2:
        day_token, clock_time = tokens[0], _parse_time(tokens[1])
        if clock_time is None:
            raise ValidationError(f"Can't read {tokens[1]!r} in {raw!r} as a time; {_DATETIME_HELP}.", field)
    else:
        raise ValidationError(f"Can't read {raw!r} as a date and time; {_DATETIME_HELP}.", field)
    past = _PAST_DAY_RE.match(day_token or "")
    if day_token is None:
        day = moment.date()
    elif day_token == "yesterday":
        day = moment.date() - timedelta(days=1)
    elif past:
        day = moment.date() - timedelta(days=int(past[1]) * (7 if past[2] == "w" else 1))
    else:
        try:
            day = parse_date(day_token, required=True, field=field, base=moment.date())
        except ValidationError:
            raise ValidationError(f"Can't read {raw!r} as a date and time; {_DATETIME_HELP}.", field) from None
        assert day is not None
    if clock_time is None:
        if default_time is None:
            raise ValidationError(f"{raw!r} needs a time of day too, e.g. {raw} 14:00.", field)
        clock_time = default_time
    # A naive datetime's astimezone() reads it as local time (DST included).
    return datetime.combine(day, clock_time).astimezone().astimezone(UTC)


_DURATION_RE = re.compile(
    r"^(?:(?P<hours>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<minutes>\d+)\s*(?:m(?:in(?:utes?|s)?)?)?)?$"
)
MAX_DURATION = timedelta(hours=24)


def parse_duration(text: str | None, *, required: bool = False, field: str = "duration") -> timedelta | None:
    """`30m`, `1h`, `1h30m`, `1h 30`, `1.5h`, `1:30`, `90` (minutes) -> timedelta. Empty -> None.

    Between one minute and 24 hours: longer than a day is not an appointment.
    """
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValidationError("A duration is required.", field)
        return None
    s = raw.lower()
    colon = re.fullmatch(r"(\d{1,2}):(\d{2})", s)
    match = None if colon else _DURATION_RE.match(s)
    if colon:
        if int(colon[2]) > 59:
            raise ValidationError(f"Can't read {raw!r} as a duration; try 30m, 1h, 1h30m or 90.", field)
        minutes = Decimal(colon[1]) * 60 + Decimal(colon[2])
    elif match and (match["hours"] or match["minutes"]):
        minutes = Decimal(match["hours"] or 0) * 60 + Decimal(match["minutes"] or 0)
    else:
        raise ValidationError(f"Can't read {raw!r} as a duration; try 30m, 1h, 1h30m or 90.", field)
    if minutes != minutes.to_integral_value():
        raise ValidationError(f"{raw!r} is not a whole number of minutes.", field)
    delta = timedelta(minutes=int(minutes))
    if delta < timedelta(minutes=1):
        raise ValidationError("A duration must be at least one minute.", field)
    if delta > MAX_DURATION:
        raise ValidationError("A duration can be at most 24 hours.", field)
    return delta
