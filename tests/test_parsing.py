from datetime import date

import pytest

from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.formatting import duration, money, money_short
from jtek_tui.domain.parsing import parse_date, parse_money


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("750000", 75_000_000),
        ("750,000", 75_000_000),
        ("$750k", 75_000_000),
        ("750K", 75_000_000),
        ("1.2m", 120_000_000),
        ("$1.25M", 125_000_000),
        ("750000.50", 75_000_050),
        ("0", 0),
        ("0.5", 50),
        (" 12 ", 1200),
        ("$1,234,567.89", 123_456_789),
        ("100000000000", 10**13),
        ("", None),
        (None, None),
    ],
)
def test_parse_money_accepts(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize(
    "text",
    ["-5", "-$5", "($5)", "NaN", "nan", "inf", "abc", "1.2.3", "12,34", "1,2345", "750000.505",
     "100000000000.01", "1e5", "$", "k", "1.5x", "10 000 000 000 000"],
)
def test_parse_money_refuses(text):
    with pytest.raises(ValidationError) as info:
        parse_money(text)
    assert info.value.field == "value"
    assert str(info.value).endswith(".")


def test_parse_money_required_empty():
    with pytest.raises(ValidationError, match="required"):
        parse_money("  ", required=True)


BASE = date(2027, 1, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-31", date(2027, 1, 31)),
        ("today", BASE),
        ("Today", BASE),
        ("tomorrow", date(2027, 1, 16)),
        ("+30d", date(2027, 2, 14)),
        ("+2w", date(2027, 1, 29)),
        ("eom", date(2027, 1, 31)),
        ("", None),
    ],
)
def test_parse_date_accepts(text, expected):
    assert parse_date(text, base=BASE) == expected


def test_eom_in_february_and_december():
    assert parse_date("eom", base=date(2028, 2, 3)) == date(2028, 2, 29)
    assert parse_date("eom", base=date(2026, 12, 31)) == date(2026, 12, 31)


@pytest.mark.parametrize("text", ["2027-02-30", "31/01/2027", "next week", "+d", "-3d", "2027-1-5", "soon"])
def test_parse_date_refuses(text):
    with pytest.raises(ValidationError) as info:
        parse_date(text, base=BASE)
    assert info.value.field == "expected_close"


def test_formatting():
    assert money(None) == "—"
    assert money(75_000_000) == "$750,000"
    assert money(75_000_050) == "$750,000.50"
    assert money_short(75_000_000) == "$750k"
    assert money_short(120_000_000) == "$1.2m"
    from datetime import timedelta

    assert duration(timedelta(days=3, hours=4, minutes=5)) == "3d 4h"
    assert duration(timedelta(hours=5, minutes=12)) == "5h 12m"
    assert duration(timedelta(seconds=20)) == "<1m"
