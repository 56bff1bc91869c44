"""parse_datetime (local text -> UTC) and parse_duration."""

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import pytest

from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.parsing import parse_datetime, parse_duration

UTC = UTC
BASE = datetime(2027, 1, 15, 10, 20, tzinfo=UTC)  # a Friday; TZ=UTC in tests


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-31 14:00", at(2027, 1, 31, 14, 0)),
        ("2027-01-31T14:00", at(2027, 1, 31, 14, 0)),
        ("2027-01-31 at 9:05", at(2027, 1, 31, 9, 5)),
        ("tomorrow 9:30", at(2027, 1, 16, 9, 30)),
        ("Tomorrow at 2:30 PM", at(2027, 1, 16, 14, 30)),
        ("+2d 10:00", at(2027, 1, 17, 10, 0)),
        ("+1w 8am", at(2027, 1, 22, 8, 0)),
        ("today 9am", at(2027, 1, 15, 9, 0)),
        ("eom 17:00", at(2027, 1, 31, 17, 0)),
        ("2pm", at(2027, 1, 15, 14, 0)),
        ("12am", at(2027, 1, 15, 0, 0)),
        ("12pm", at(2027, 1, 15, 12, 0)),
        ("noon", at(2027, 1, 15, 12, 0)),
        ("16:45", at(2027, 1, 15, 16, 45)),
        ("now", BASE),
        ("+90m", BASE + timedelta(minutes=90)),
        ("+2h", BASE + timedelta(hours=2)),
        ("+1h30m", BASE + timedelta(minutes=90)),
        ("-2h", BASE - timedelta(hours=2)),
        ("yesterday 15:00", at(2027, 1, 14, 15, 0)),
        ("-3d 9:00", at(2027, 1, 12, 9, 0)),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_datetime_accepts(text, expected):
    got = parse_datetime(text, base=BASE)
    assert got == expected
    assert got is None or got.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    ["14", "soon", "25:00", "13pm", "0am", "9:75", "tomorrow 9:30 sharp", "2027-02-30 10:00", "2027-01-31 xx",
     "next friday 10:00", "2027-01-31 14:00Z", "+d", "+", "+2d"],
)
def test_parse_datetime_refuses(text):
    with pytest.raises(ValidationError) as info:
        parse_datetime(text, base=BASE, field="start")
    assert info.value.field == "start"
    assert str(info.value).endswith(".")


def test_a_date_alone_needs_a_time_unless_there_is_a_default():
    with pytest.raises(ValidationError, match="needs a time"):
        parse_datetime("tomorrow", base=BASE)
    assert parse_datetime("tomorrow", base=BASE, default_time=clock_time(17, 0)) == at(2027, 1, 16, 17, 0)


def test_required():
    with pytest.raises(ValidationError, match="required"):
        parse_datetime(" ", required=True)


def test_a_bare_time_takes_the_base_day():
    """An appointment's end given as 15:30 belongs to the start's day."""
    start = at(2027, 3, 2, 14, 0)
    assert parse_datetime("15:30", base=start) == at(2027, 3, 2, 15, 30)


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_time_is_converted_to_utc_across_dst(new_york):
    # Winter: UTC-5; summer: UTC-4. The text is what the agent's clock says.
    assert parse_datetime("2027-01-31 14:00", base=BASE) == at(2027, 1, 31, 19, 0)
    assert parse_datetime("2027-07-01 14:00", base=BASE) == at(2027, 7, 1, 18, 0)
    # "tomorrow" is the local tomorrow: 03:00 UTC on the 16th is still the 15th in New York.
    late = at(2027, 1, 16, 3, 0)
    assert parse_datetime("tomorrow 9:00", base=late) == at(2027, 1, 16, 14, 0)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("30m", 30), ("30 min", 30), ("45 minutes", 45), ("1h", 60), ("2 hours", 120), ("1h30m", 90),
     ("1h 30m", 90), ("1h30", 90), ("1.5h", 90), ("1:30", 90), ("90", 90), ("24h", 1440), ("", None)],
)
def test_parse_duration_accepts(text, minutes):
    got = parse_duration(text)
    assert got == (None if minutes is None else timedelta(minutes=minutes))


@pytest.mark.parametrize("text", ["0", "0m", "25h", "1441", "1.25m", "1.01h", "abc", "1h-5m", "-30m", "1:75", "h"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValidationError) as info:
        parse_duration(text)
    assert info.value.field == "duration"
