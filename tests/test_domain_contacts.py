import pytest
from sqlalchemy import func, select

from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import AmbiguousError, NotFoundError, RefusedError, ValidationError
from jtek_tui.models import Contact, Opportunity, StageChange


def test_create_and_validate(db):
    c = C.create_contact(db, "  Maria   Ann Johnson ", email="maria@example.com", phone="(555) 123-4567",
                         tags=["Buyer", "#vip"])
    assert (c.first_name, c.last_name, c.name) == ("Maria Ann", "Johnson", "Maria Ann Johnson")
    assert c.phone == "5551234567" and C.format_phone(c.phone) == "(555) 123-4567"
    assert C.contact_row(db, c.id).tags == ["Buyer", "vip"]
    for bad in ({"email": "nope"}, {"phone": "call me"}, {"phone": "12"}):
        with pytest.raises(ValidationError) as info:
            C.create_contact(db, "X", **bad)
        assert info.value.field in bad
    with pytest.raises(ValidationError):
        C.create_contact(db, "   ")


def test_find_by_id_email_name(db):
    a = C.create_contact(db, "Maria Johnson", email="maria@example.com")
    with db.read() as s:
        assert C.find_contact(s, str(a.id)).id == a.id
        assert C.find_contact(s, "MARIA@example.com").id == a.id
        assert C.find_contact(s, "maria  johnson").id == a.id
        with pytest.raises(NotFoundError, match="Did you mean"):
            C.find_contact(s, "Maria Jonson")
    C.create_contact(db, "Maria Johnson")
    with db.read() as s, pytest.raises(AmbiguousError):
        C.find_contact(s, "Maria Johnson")


def test_fuzzy_search(db):
    C.create_contact(db, "Maria Johnson", email="mj@example.com", phone="555 123 4567")
    C.create_contact(db, "Mark Jones")
    C.create_contact(db, "Zed Zulu")
    assert [c.name for c in C.search_contacts(db, "maria")] == ["Maria Johnson"]
    assert [c.name for c in C.search_contacts(db, "mjo")][:2] == ["Maria Johnson", "Mark Jones"] or \
        {c.name for c in C.search_contacts(db, "mjo")} == {"Maria Johnson", "Mark Jones"}
    assert [c.name for c in C.search_contacts(db, "1234567")] == ["Maria Johnson"]
    assert [c.name for c in C.search_contacts(db, "50%")] == []


def test_tags(db):
    c = C.create_contact(db, "Maria Johnson")
    assert C.tag_contact(db, c.id, "VIP")
    assert not C.tag_contact(db, c.id, "vip")  # case-insensitive
    assert C.all_tags(db) == ["VIP"]
    assert C.untag_contact(db, c.id, "Vip")
    assert not C.untag_contact(db, c.id, "vip")
    assert C.contact_row(db, c.id).tags == []


def test_update(db):
    c = C.create_contact(db, "Maria Johnson")
    C.update_contact(db, c.id, email="m@example.com", company="Acme")
    got = C.get_contact(db, c.id)
    assert (got.email, got.company, got.name) == ("m@example.com", "Acme", "Maria Johnson")
    with pytest.raises(ValidationError):
        C.update_contact(db, c.id, email="bad")
    assert C.get_contact(db, c.id).email == "m@example.com"


def test_delete_refused_while_it_has_deals(db):
    c = C.create_contact(db, "Maria Johnson")
    o = O.create_opportunity(db, contact=c.id)
    O.mark_won(db, o.id)
    with pytest.raises(RefusedError, match="1 deal"):
        C.delete_contact(db, c.id)
    assert C.get_contact(db, c.id)
    assert C.delete_contact(db, c.id, force=True) == 1
    with db.read() as s:
        for model in (Contact, Opportunity, StageChange):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_delete_without_deals(db):
    c = C.create_contact(db, "Solo", tags=["x"])
    assert C.delete_contact(db, c.id) == 0
    with pytest.raises(NotFoundError):
        C.get_contact(db, c.id)
