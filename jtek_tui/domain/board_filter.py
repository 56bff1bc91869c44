"""The board's filter language: free words plus a few operators, all combinable.

    lake "maple ave" @sam #vip closing:month overdue value>100k

Words match the deal name, contact name or notes; `@member` the assignee
(name, login or initials; `@me` is you); `#tag` a contact tag; `closing:month`
(or `closing:week`) the expected close date in the current local month (week);
`overdue` open deals whose close date is before today; `value>100k`,
`value>=`, `value<`, `value<=` the deal value. Every term narrows the result.
"""

from __future__ import annotations

import calendar
import re
import shlex
from dataclasses import replace
from datetime import date, timedelta

from jtek_tui.db import Database
from jtek_tui.domain import clock
from jtek_tui.domain.errors import InputError, ValidationError
from jtek_tui.domain.members import find_member
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.parsing import parse_money

FIELD = "filter"
_VALUE_RE = re.compile(r"^value(>=|<=|>|<|=)(.+)$", re.IGNORECASE)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: treat quotes as ordinary characters
        return text.replace('"', " ").replace("'", " ").split()


def apply_filter(db: Database, base: OppQuery, text: str, *, today: date | None = None) -> OppQuery:
    """`base` narrowed by the filter `text`; raises ValidationError naming the bad term."""
    q = replace(base, text=list(base.text), tags=list(base.tags))
    day = today or clock.today()
    for term in _split(text or ""):
        low = term.lower()
        if low.startswith("@") and len(low) > 1:
            if low == "@me":
                member_id = db.actor_id
            else:
                with db.read() as s:
                    try:
                        member_id = find_member(s, term[1:]).id
                    except InputError as error:
                        raise ValidationError(str(error), FIELD) from None
            q.assignee_ids = [member_id] if q.assignee_ids is None else [m for m in q.assignee_ids if m == member_id]
        elif low.startswith("#") and len(low) > 1:
            q.tags.append(term[1:])
        elif low.startswith("closing:"):
            what = low.split(":", 1)[1]
            if what == "month":
                start = day.replace(day=1)
                end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            elif what == "week":
                start = day - timedelta(days=day.weekday())
                end = start + timedelta(days=6)
            elif what == "today":
                start = end = day
            else:
                raise ValidationError(f"Unknown period {what!r}: use closing:month, closing:week or closing:today.", FIELD)
            q.close_from = max(q.close_from, start) if q.close_from else start
            q.close_to = min(q.close_to, end) if q.close_to else end
        elif low == "overdue":
            q.overdue_before = day
        elif low.startswith("value"):
            match = _VALUE_RE.match(low)
            if not match:
                raise ValidationError(f"Write value filters like value>100k or value<=2m (not {term!r}).", FIELD)
            op, amount_text = match.groups()
            try:
                cents = parse_money(amount_text, required=True, field=FIELD)
            except ValidationError as error:
                raise ValidationError(f"In {term!r}: {error}", FIELD) from None
            assert cents is not None
            if op in (">", ">=", "="):
                low_bound = cents + 1 if op == ">" else cents
                q.min_value_cents = max(q.min_value_cents or 0, low_bound)
            if op in ("<", "<=", "="):
                high_bound = cents - 1 if op == "<" else cents
                q.max_value_cents = high_bound if q.max_value_cents is None else min(q.max_value_cents, high_bound)
        else:
            q.text.append(term)
    return q


def describe(text: str) -> str:
    """The filter as one tidy line for the status bar."""
    return " ".join(_split(text or ""))
