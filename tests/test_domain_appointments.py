from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import NotFoundError, RefusedError, ValidationError
from jtek_tui.models import Appointment

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def maria(db, frozen):
    frozen(NOW)
    return C.create_contact(db, "Maria Johnson")


def book(db, contact, start, **kw):
    kw.setdefault("title", "Showing")
    return AP.add_appointment(db, contact.id, starts_at=start, **kw)


def count(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Appointment))


def test_add_defaults_to_an_hour_owned_by_me(db, maria):
    r = book(db, maria, NOW + 24 * H, location="12 Elm St", notes="Bring comps")
    a = r.appointment
    assert (a.starts_at, a.ends_at, a.duration) == (NOW + 24 * H, NOW + 25 * H, H)
    assert (a.owner, a.contact, a.location, a.notes, a.status) == ("alice", "Maria Johnson", "12 Elm St",
                                                                 "Bring comps", "scheduled")
    assert r.clashes == [] and a.created_at == NOW
    assert AP.get_appointment(db, a.id) == a
    assert book(db, maria, NOW, duration=timedelta(minutes=30)).appointment.ends_at == NOW + timedelta(minutes=30)
    assert book(db, maria, NOW, ends_at=NOW + 2 * H).appointment.duration == 2 * H


def test_overlaps_are_reported_not_refused(db, maria):
    first = book(db, maria, NOW + 24 * H).appointment  # 12:00-13:00 tomorrow
    r = book(db, maria, NOW + 24.5 * H, title="Call")
    assert [c.id for c in r.clashes] == [first.id]
    assert count(db) == 2  # saved anyway
    # 13:00-13:30 touches the first (ends 13:00) and overlaps the second (12:30-13:30).
    third = book(db, maria, NOW + 25 * H, duration=timedelta(minutes=30))
    assert [c.id for c in third.clashes] == [r.appointment.id]
    assert book(db, maria, NOW + 25.5 * H).clashes == []  # touching both ends at 13:30
    assert AP.find_overlaps(db, NOW + 23 * H, NOW + 24 * H) == []
    assert {c.id for c in AP.find_overlaps(db, NOW + 24 * H, NOW + 25 * H)} == {first.id, r.appointment.id}
    assert [c.id for c in AP.find_overlaps(db, NOW + 24 * H, NOW + 25 * H, exclude_id=first.id)] == [r.appointment.id]


def test_only_the_owners_scheduled_appointments_clash(db, maria):
    mine = book(db, maria, NOW + 24 * H).appointment
    sam = M.add_member(db, "Sam Rivera", login="sam")
    me = db.actor_id
    db.actor_id = sam.id
    assert book(db, maria, NOW + 24 * H).clashes == []  # Sam's calendar is his own
    db.actor_id = me
    AP.cancel_appointment(db, mine.id)
    assert book(db, maria, NOW + 24 * H).clashes == []  # cancelled ones don't count


def test_moving_into_a_clash_is_reported(db, maria):
    a = book(db, maria, NOW + 24 * H).appointment
    b = book(db, maria, NOW + 30 * H).appointment
    r = AP.update_appointment(db, b.id, starts_at=NOW + 24 * H + timedelta(minutes=15))
    assert [c.id for c in r.clashes] == [a.id]
    assert r.appointment.duration == H  # a new start keeps the length


def test_validation_writes_nothing(db, maria):
    other = C.create_contact(db, "Someone Else")
    deal = O.create_opportunity(db, contact=other.id, name="Their deal")
    cases = [
        ({"title": "  "}, "title"),
        ({"ends_at": NOW - H}, "end"),
        ({"ends_at": NOW + 2 * H, "duration": H}, "end"),
        ({"duration": timedelta(hours=25)}, "end"),
        ({"opportunity": deal.id}, "opportunity"),
        ({"opportunity": "no such deal"}, "opportunity"),
        ({"location": "x" * 201}, "location"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as info:
            book(db, maria, NOW, **kw)
        assert info.value.field == field, kw
    with pytest.raises(ValidationError):
        AP.add_appointment(db, maria.id, title="Naive", starts_at=datetime(2027, 3, 1, 12))
    with pytest.raises(NotFoundError):
        AP.add_appointment(db, 999, title="Nobody", starts_at=NOW)
    assert count(db) == 0


def test_linked_deal_must_be_the_contacts(db, maria):
    deal = O.create_opportunity(db, contact=maria.id, name="Lake house")
    a = book(db, maria, NOW, opportunity="lake house").appointment
    assert (a.opportunity_id, a.opportunity) == (deal.id, "Lake house")
    assert AP.update_appointment(db, a.id, opportunity=None).appointment.opportunity_id is None


def test_mark_done_only_once_started(db, maria):
    future = book(db, maria, NOW + H).appointment
    with pytest.raises(RefusedError, match="only past"):
        AP.mark_appointment_done(db, future.id)
    past = book(db, maria, NOW - 2 * H).appointment
    done = AP.mark_appointment_done(db, past.id)
    assert done.status == "done"
    with pytest.raises(RefusedError):
        AP.mark_appointment_done(db, past.id)
    with pytest.raises(RefusedError, match="held"):
        AP.cancel_appointment(db, past.id)
    assert AP.mark_appointment_done(db, past.id, done=False).status == "scheduled"
    in_progress = book(db, maria, NOW - timedelta(minutes=10)).appointment
    assert in_progress.can_mark_done(NOW) and in_progress.is_upcoming(NOW)
    assert AP.mark_appointment_done(db, in_progress.id).status == "done"


def test_cancel(db, maria):
    a = book(db, maria, NOW + H).appointment
    assert AP.cancel_appointment(db, a.id).status == "cancelled"
    with pytest.raises(RefusedError, match="already cancelled"):
        AP.cancel_appointment(db, a.id)
    with pytest.raises(RefusedError):
        AP.mark_appointment_done(db, a.id)
    with pytest.raises(RefusedError):
        AP.update_appointment(db, a.id, title="Back on")
    with pytest.raises(NotFoundError):
        AP.cancel_appointment(db, 999)


def test_status_changes_land_on_the_timeline(db, maria):
    a = book(db, maria, NOW + H, title="Showing").appointment
    AP.update_appointment(db, a.id, starts_at=NOW + 3 * H, at=NOW + timedelta(minutes=1))
    AP.update_appointment(db, a.id, title="Showing at 12 Elm")  # same time: not a move
    AP.cancel_appointment(db, a.id, at=NOW + timedelta(minutes=2))
    past = book(db, maria, NOW - 3 * H, title="Consultation").appointment
    AP.mark_appointment_done(db, past.id, at=NOW + timedelta(minutes=3))
    texts = [(e.kind, e.text) for e in A.timeline(db, maria.id)]
    assert texts == [
        ("appointment", "Appointment booked: Showing at 12 Elm (Mon Mar 01 15:00)"),
        ("appointment", "Appointment booked: Consultation (Mon Mar 01 09:00)"),
        ("system", "Appointment moved: Showing (from 2027-03-01 13:00 to 2027-03-01 15:00)"),
        ("system", "Appointment cancelled: Showing at 12 Elm (2027-03-01 15:00)"),
        ("system", "Appointment held: Consultation"),
    ]


def test_upcoming_and_past(db, maria):
    old = book(db, maria, NOW - 48 * H, title="old").appointment
    recent = book(db, maria, NOW - 5 * H, title="recent").appointment
    running = book(db, maria, NOW - timedelta(minutes=30), title="running").appointment
    soon = book(db, maria, NOW + 2 * H, title="soon").appointment
    later = book(db, maria, NOW + 48 * H, title="later").appointment
    other = C.create_contact(db, "Other")
    book(db, other, NOW + 3 * H, title="someone else's")
    ids = lambda rows: [r.id for r in rows]  # noqa: E731
    assert ids(AP.list_appointments(db, contact_id=maria.id, when="upcoming")) == [running.id, soon.id, later.id]
    assert ids(AP.list_appointments(db, contact_id=maria.id, when="past")) == [recent.id, old.id]
    assert ids(AP.list_appointments(db, contact_id=maria.id)) == [old.id, recent.id, running.id, soon.id, later.id]
    assert len(AP.list_appointments(db, owner_id=db.actor_id)) == 6
    AP.cancel_appointment(db, running.id)
    assert AP.next_appointment(db, maria.id).id == soon.id
    assert ids(AP.list_appointments(db, contact_id=maria.id, statuses=("cancelled",))) == [running.id]
    with pytest.raises(ValidationError):
        AP.list_appointments(db, when="someday")


def test_when_label():
    row = AP.AppointmentRow(1, 1, "M", None, None, None, None, "t", datetime(2027, 3, 2, 14, tzinfo=UTC),
                            datetime(2027, 3, 2, 15, 30, tzinfo=UTC), "", "", "scheduled", NOW)
    assert row.when() == "Tue Mar 02 14:00–15:30"
    assert row.to_json()["minutes"] == 90
