"""The Contacts screen's rows, search and sort, and the record's summary, tags and deletion."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import NotFoundError, RefusedError, ValidationError
from jtek_tui.models import Activity, Appointment, ContactTag, Tag

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def maria(db, frozen):
    frozen(T0)
    return C.create_contact(db, "Maria Johnson", email="maria@example.com", at=T0 - 30 * D)


def last_seen(db, contact_id):
    row = next(r for r in C.list_contacts(db) if r.id == contact_id)
    assert C.contact_row(db, contact_id) == row  # one row, two ways
    return row.last_activity_at


def test_last_activity_comes_from_every_source(db, maria, frozen):
    assert last_seen(db, maria.id) is None  # created, nothing happened yet
    A.log_activity(db, maria.id, "note", "hello", at=T0 - 10 * D)
    assert last_seen(db, maria.id) == T0 - 10 * D
    deal = O.create_opportunity(db, contact=maria.id, at=T0 - 9 * D)
    assert last_seen(db, maria.id) == T0 - 9 * D
    O.move_opportunity(db, deal.id, "Qualified", at=T0 - 8 * D)
    assert last_seen(db, maria.id) == T0 - 8 * D
    task = A.log_activity(db, maria.id, "task", "call back", at=T0 - 20 * D)
    A.set_task_done(db, task.activity_id, at=T0 - 7 * D)
    assert last_seen(db, maria.id) == T0 - 7 * D
    AP.add_appointment(db, maria.id, title="Showing", starts_at=T0 - 5 * D, at=T0 - 6 * D)
    assert last_seen(db, maria.id) == T0 - 5 * D  # held: its start has passed
    future = AP.add_appointment(db, maria.id, title="Later", starts_at=T0 + 5 * D, at=T0 - 4 * D).appointment
    assert last_seen(db, maria.id) == T0 - 4 * D  # booking it is activity, the future start is not
    AP.cancel_appointment(db, future.id, at=T0 - 3 * D)
    assert last_seen(db, maria.id) == T0 - 3 * D  # the cancellation was logged
    O.update_opportunity(db, deal.id, notes="edited")  # editing a deal's fields is not contact activity
    assert last_seen(db, maria.id) == T0 - 3 * D
    other = C.create_contact(db, "Quiet Person")
    assert last_seen(db, other.id) is None


def test_cancelled_past_appointment_is_not_a_meeting(db, maria):
    a = AP.add_appointment(db, maria.id, title="Showing", starts_at=T0 - 2 * D, at=T0 - 5 * D).appointment
    with db.write() as s:  # cancelled without a log row (as imported data might be)
        s.get(Appointment, a.id).status = "cancelled"
    assert last_seen(db, maria.id) == T0 - 5 * D


def test_list_rows_and_json(db, maria):
    C.create_contact(db, "Ann Zed", tags=["vip", "Buyer"])
    O.create_opportunity(db, contact=maria.id, value_cents=50_000_00)
    O.create_opportunity(db, contact=maria.id, value_cents=25_000_00)
    O.mark_won(db, O.create_opportunity(db, contact=maria.id, value_cents=99_00).id)
    rows = C.list_contacts(db)
    assert [r.name for r in rows] == ["Maria Johnson", "Ann Zed"]  # by last name
    m, z = rows
    assert (m.open_deals, m.open_value_cents, z.tags) == (2, 75_000_00, ["Buyer", "vip"])
    assert m.created_at == T0 - 30 * D and m.created_at.tzinfo == UTC
    data = m.to_json()
    assert data["last_activity_at"] == "2027-03-01T09:00:00Z" and data["open_value_cents"] == 75_000_00


def test_summary(db, maria):
    a = O.create_opportunity(db, contact=maria.id, value_cents=40_000_00)
    O.create_opportunity(db, contact=maria.id)  # no value
    O.mark_won(db, O.create_opportunity(db, contact=maria.id, value_cents=10_000_00).id)
    O.mark_won(db, O.create_opportunity(db, contact=maria.id, value_cents=5_000_00).id)
    O.mark_lost(db, O.create_opportunity(db, contact=maria.id, value_cents=1).id, "Priced out")
    AP.add_appointment(db, maria.id, title="Past", starts_at=T0 - D)
    cancelled = AP.add_appointment(db, maria.id, title="Cancelled", starts_at=T0 + H).appointment
    AP.cancel_appointment(db, cancelled.id)
    nxt = AP.add_appointment(db, maria.id, title="Next", starts_at=T0 + 2 * H, opportunity=a.id).appointment
    AP.add_appointment(db, maria.id, title="Later", starts_at=T0 + D)
    A.log_activity(db, maria.id, "task", "overdue", due_at=T0 - H)
    A.log_activity(db, maria.id, "task", "due later", due_at=T0 + D)
    A.set_task_done(db, A.log_activity(db, maria.id, "task", "done", due_at=T0 - D).activity_id)
    s = C.contact_summary(db, maria.id)
    assert (s.open_deals, s.open_value_cents, s.won_deals, s.won_value_cents, s.lost_deals) == (
        2, 40_000_00, 2, 15_000_00, 1)
    assert s.next_appointment.id == nxt.id and s.next_appointment.opportunity_id == a.id
    assert (s.open_tasks, s.overdue_tasks, s.last_activity_at) == (2, 1, T0)
    assert s.to_json()["next_appointment"]["title"] == "Next"
    empty = C.contact_summary(db, C.create_contact(db, "Nobody Yet").id)
    assert (empty.open_deals, empty.won_value_cents, empty.next_appointment, empty.last_activity_at) == (
        0, 0, None, None)
    with pytest.raises(NotFoundError):
        C.contact_summary(db, 999)


@pytest.fixture
def people(db):
    names = {}
    for name, email, phone, tags in [
        ("Maria Johnson", "mj@example.com", "555 123 4567", ["buyer"]),
        ("Mark Jones", "mark@example.com", None, ["vip", "seller"]),
        ("Ann Maria Lee", None, None, []),
        ("Zed Zulu", "zz@example.com", None, ["first-time", "VIP-referral"]),
        ("Oskar Lund", "oskar@vipmail.com", None, []),
    ]:
        names[name] = C.create_contact(db, name, email=email, phone=phone, tags=tags).id
    return names


def found(db, query, **kw):
    ids = C.search_contact_ids(db, query, **kw)
    by_id = {r.id: r.name for r in C.list_contacts(db)}
    return [by_id[i] for i in ids]


def test_search_ranks_name_then_tags_then_the_rest(db, people):
    assert found(db, "maria") == ["Maria Johnson", "Ann Maria Lee"]  # name prefix before word prefix
    assert found(db, "vip") == ["Mark Jones", "Zed Zulu", "Oskar Lund"]  # tag, tag prefix, email
    assert found(db, "first") == ["Zed Zulu"]
    assert found(db, "time") == ["Zed Zulu"]  # inside a tag
    assert found(db, "1234567") == ["Maria Johnson"]  # phone digits
    assert found(db, "(555) 123") == ["Maria Johnson"]
    assert found(db, "mjo") == ["Mark Jones", "Maria Johnson"]  # letters in order, fewest gaps first
    assert found(db, "MARK@EX") == ["Mark Jones"]
    assert found(db, "nobody") == [] and found(db, "50%") == [] and found(db, "a*b") == [] and found(db, "[") == []
    assert found(db, "maria", limit=1) == ["Maria Johnson"]


def test_search_tag_filter_and_words_anywhere(db, people):
    assert found(db, "#vip") == ["Mark Jones", "Zed Zulu"]  # tag prefix, by name
    assert found(db, "#vip mark") == ["Mark Jones"]
    assert found(db, "#buyer #vip") == []
    assert found(db, "maria buyer") == ["Maria Johnson"]  # every word somewhere (name, tag)
    assert found(db, "") == ["Maria Johnson", "Mark Jones", "Ann Maria Lee", "Oskar Lund", "Zed Zulu"]
    assert [c.name for c in C.search_contacts(db, "zulu")] == ["Zed Zulu"]


def test_sort_rows(db, people):
    O.create_opportunity(db, contact=people["Zed Zulu"], value_cents=100)
    O.create_opportunity(db, contact=people["Ann Maria Lee"], value_cents=900)
    rows = C.list_contacts(db)
    names = lambda col, **kw: [r.name for r in C.sort_rows(rows, col, **kw)]  # noqa: E731
    assert names("name") == [r.name for r in rows]
    assert names("open_value", descending=True)[:2] == ["Ann Maria Lee", "Zed Zulu"]
    # Empty values go last in both directions.
    assert names("email")[-1] == "Ann Maria Lee" and names("email", descending=True)[-1] == "Ann Maria Lee"
    assert names("email")[:2] == ["Mark Jones", "Maria Johnson"]  # mark@ < mj@
    assert names("tags")[:1] == ["Maria Johnson"] and names("tags")[-2:] == ["Ann Maria Lee", "Oskar Lund"]
    assert names("last_activity")[-3:] == ["Maria Johnson", "Mark Jones", "Oskar Lund"]  # no activity yet
    for column in C.SORT_COLUMNS:
        assert sorted(names(column)) == sorted(r.name for r in rows)
    with pytest.raises(ValidationError) as info:
        C.sort_rows(rows, "shoe size")
    assert info.value.field == "sort"
    ids = C.search_contact_ids(db, "maria")
    assert [r.name for r in C.order_by_ids(rows, ids)] == ["Maria Johnson", "Ann Maria Lee"]


def test_tag_suggestions_and_retag(db, people):
    maria = people["Maria Johnson"]
    assert C.tag_suggestions(db) == ["buyer", "first-time", "seller", "vip", "VIP-referral"]
    assert C.tag_suggestions(db, "#V") == ["vip", "VIP-referral"]
    assert C.tag_suggestions(db, "ref") == ["VIP-referral"]
    assert C.tag_suggestions(db, "", contact_id=maria, limit=2) == ["first-time", "seller"]
    change = C.retag_contact(db, maria, add=["vip", "Buyer"], remove=["nope"])
    assert (change.added, change.removed, change.unchanged) == (["vip"], [], ["Buyer", "nope"])
    assert C.contact_row(db, maria).tags == ["buyer", "vip"]
    with pytest.raises(ValidationError):
        C.retag_contact(db, maria, add=["fine", "bad,tag"])
    assert C.contact_row(db, maria).tags == ["buyer", "vip"]  # all or nothing
    assert C.retag_contact(db, maria, remove=["VIP"]).removed == ["VIP"]


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_deletion_impact_and_cleanup(db, maria):
    deal = O.create_opportunity(db, contact=maria.id)
    O.create_opportunity(db, contact=maria.id)
    O.mark_won(db, deal.id)
    A.log_activity(db, maria.id, "note", "hi")
    AP.add_appointment(db, maria.id, title="x", starts_at=T0)
    C.tag_contact(db, maria.id, "vip")
    impact = C.deletion_impact(db, maria.id)
    assert (impact.name, impact.deals, impact.open_deals, impact.activities, impact.appointments) == (
        "Maria Johnson", 2, 1, 1, 1)
    with pytest.raises(RefusedError, match="2 deals"):
        C.delete_contact(db, maria.id)
    assert C.delete_contact(db, maria.id, force=True) == 2
    for model in (Activity, Appointment, ContactTag):
        assert count(db, model) == 0
    assert count(db, Tag) == 1  # the tag itself stays for others


def test_force_delete_unlinks_a_moved_deal_from_others_history(db, maria):
    """A deal moved to another contact keeps links in the first contact's history."""
    bob = C.create_contact(db, "Bob Smith")
    deal = O.create_opportunity(db, contact=maria.id, name="Lake house")
    A.log_activity(db, maria.id, "note", "about the lake house", opportunity=deal.id)
    AP.add_appointment(db, maria.id, title="Showing", starts_at=T0, opportunity=deal.id)
    O.update_opportunity(db, deal.id, contact=bob.id)
    assert C.delete_contact(db, bob.id, force=True) == 1
    (note,) = A.timeline(db, maria.id, kinds=["note"])
    assert note.opportunity_id is None
    assert AP.list_appointments(db, contact_id=maria.id)[0].opportunity_id is None
