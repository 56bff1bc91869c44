"""The one place that asks what time it is, so tests can pin it.

Stored times are UTC; "today" and "this month" are the user's local calendar,
which is what an agent means by "overdue".
"""

from __future__ import annotations

from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in the local time zone."""
    return now().astimezone().date()


def freeze(at: datetime | None) -> None:
    """Pin the clock (tests, demo data). `None` releases it."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at
