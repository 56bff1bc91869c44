"""The board filter language, term by term, on the domain alone."""

from datetime import date

import pytest

from jtek_tui.domain import opportunities as O
from jtek_tui.domain.board_filter import apply_filter
from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.opportunities import OppQuery
from tests.ui_support import TODAY, build_board


@pytest.fixture
def db(db_path):
    database = build_board(str(db_path))
    yield database
    database.dispose()


def names(db, text: str) -> set[str]:
    return {r.name for r in O.list_opportunities(db, apply_filter(db, OppQuery(), text, today=TODAY))}


@pytest.mark.parametrize(("text", "expected"), [
    ("", {"Lake house", "Condo downtown", "Beach cabin", "Office lease"}),
    ("lake", {"Lake house"}),
    ("LAKE HOUSE", {"Lake house"}),
    ('"beach cabin"', {"Beach cabin"}),
    ("bob", {"Condo downtown", "Office lease"}),          # contact name
    ("dock", {"Lake house"}),                              # notes
    ("@sam", {"Condo downtown", "Office lease"}),
    ("@SR", {"Condo downtown", "Office lease"}),           # initials
    ("@me", {"Lake house", "Beach cabin"}),
    ("#vip", {"Lake house", "Beach cabin"}),
    ("#VIP", {"Lake house", "Beach cabin"}),
    ("closing:month", {"Lake house", "Condo downtown", "Office lease"}),
    ("closing:week", set()),                              # Mon 9 – Sun 15 March: none due
    ("overdue", {"Lake house"}),
    ("value>200k", {"Lake house", "Office lease"}),
    ("value>=200k", {"Lake house", "Condo downtown", "Office lease"}),
    ("value<750k", {"Condo downtown"}),
    ("value<=750k", {"Lake house", "Condo downtown"}),
    ("value=1.5m", {"Office lease"}),
    ("@sam value>1m closing:month", {"Office lease"}),
    ("#vip overdue", {"Lake house"}),
    ("nothing-matches-this", set()),
])
def test_terms_combine(db, text, expected):
    assert names(db, text) == expected


@pytest.mark.parametrize("text", ["@nobody", "closing:decade", "value>lots", "value~5"])
def test_bad_terms_are_refused_with_a_sentence(db, text):
    with pytest.raises(ValidationError) as info:
        apply_filter(db, OppQuery(), text, today=TODAY)
    assert info.value.field == "filter" and str(info.value).endswith(".")


def test_today_is_local(db):
    assert TODAY == date(2026, 3, 11)
