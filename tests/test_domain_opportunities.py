from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jtek_tui.domain import contacts as C
from jtek_tui.domain import events
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.errors import ConflictError, InputError, ValidationError
from jtek_tui.models import Contact, Opportunity, StageChange

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def maria(db):
    return C.create_contact(db, "Maria Johnson", email="maria@example.com")


def stage_names(db, opp_id):
    return [(h.from_stage, h.to_stage) for h in O.opportunity_history(db, opp_id)]


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_default_pipeline_and_actor(db):
    pipe = P.get_pipeline(db)
    assert pipe.name == "Sales Pipeline"
    names = [s.name for s in P.list_stages(db, pipe.id)]
    assert names == ["New Lead", "Contacted", "Qualified", "Proposal Sent", "Negotiation",
                     "Closed Won", "Closed Lost"]
    assert db.actor_login == "alice" and db.actor_id is not None


def test_create_writes_history_row_from_null(db, maria, frozen):
    frozen(T0)
    o = O.create_opportunity(db, contact="Maria Johnson", value_cents=75_000_000)
    row = O.get_row(db, o.id)
    assert row.stage == "New Lead" and row.status == "open"
    assert row.assignee == "alice"  # default: me
    assert row.name == "Maria Johnson — Sales Pipeline"
    history = O.opportunity_history(db, o.id)
    assert len(history) == 1
    assert history[0].from_stage is None and history[0].to_stage == "New Lead"
    assert history[0].at == T0 and history[0].by == "alice"


def test_create_contact_by_name_when_asked(db):
    with pytest.raises(ValidationError) as info:
        O.create_opportunity(db, contact="Nobody Here")
    assert info.value.field == "contact"
    assert count(db, Opportunity) == 0
    o = O.create_opportunity(db, contact="Nobody Here", create_missing_contact=True,
                             contact_fields={"email": "n@example.com"})
    assert O.get_row(db, o.id).contact == "Nobody Here"
    assert C.get_contact(db, o.contact_id).email == "n@example.com"


def test_bad_contact_fields_leave_nothing_behind(db):
    with pytest.raises(ValidationError):
        O.create_opportunity(db, contact="New Person", create_missing_contact=True,
                             contact_fields={"email": "not-an-email"})
    assert count(db, Contact) == 0 and count(db, Opportunity) == 0


def test_move_history_and_time_in_stage(db, maria, frozen):
    frozen(T0)
    o = O.create_opportunity(db, contact=maria.id)
    frozen(T0 + timedelta(days=2))
    O.move_opportunity(db, o.id, "Contacted")
    frozen(T0 + timedelta(days=5, hours=4))
    O.move_opportunity(db, o.id, "Qualified")
    frozen(T0 + timedelta(days=6, hours=4))
    history = O.opportunity_history(db, o.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, "New Lead"), ("New Lead", "Contacted"), ("Contacted", "Qualified")]
    assert [h.duration for h in history] == [timedelta(days=2), timedelta(days=3, hours=4), timedelta(days=1)]
    assert history[-1].current and not history[0].current
    row = O.get_row(db, o.id)
    assert row.stage_entered_at == T0 + timedelta(days=5, hours=4)
    assert row.version == 3


def test_move_to_same_stage_changes_nothing(db, maria):
    o = O.create_opportunity(db, contact=maria.id)
    O.move_opportunity(db, o.id, "New Lead")
    assert count(db, StageChange) == 1
    assert O.get_row(db, o.id).version == 1


def test_won_lost_reopen(db, maria, frozen):
    frozen(T0)
    o = O.create_opportunity(db, contact=maria.id, stage="Negotiation")
    frozen(T0 + timedelta(days=1))
    O.mark_won(db, o.id)
    row = O.get_row(db, o.id)
    assert (row.status, row.stage, row.closed_at) == ("won", "Closed Won", T0 + timedelta(days=1))
    assert O.list_opportunities(db) == []  # left the active board
    O.reopen(db, o.id)
    row = O.get_row(db, o.id)
    assert (row.status, row.stage, row.closed_at) == ("open", "Negotiation", None)
    with pytest.raises(ValidationError):
        O.mark_lost(db, o.id, "  ")
    O.mark_lost(db, o.id, "Went with another agent")
    row = O.get_row(db, o.id)
    assert (row.status, row.lost_reason) == ("lost", "Went with another agent")
    assert O.lost_reasons(db) == ["Went with another agent"]
    O.move_opportunity(db, o.id, "Contacted")  # moving back to an open stage reopens
    row = O.get_row(db, o.id)
    assert (row.status, row.lost_reason, row.closed_at) == ("open", None, None)
    assert len(O.opportunity_history(db, o.id)) == 5


def test_reopen_refuses_open_deal(db, maria):
    o = O.create_opportunity(db, contact=maria.id)
    with pytest.raises(InputError):
        O.reopen(db, o.id)


def test_closing_keeps_contact_and_history(db, maria):
    C.tag_contact(db, maria.id, "vip")
    o = O.create_opportunity(db, contact=maria.id)
    O.move_opportunity(db, o.id, "Qualified")
    O.mark_won(db, o.id)
    contact = C.contact_row(db, maria.id)
    assert contact.name == "Maria Johnson" and contact.tags == ["vip"]
    assert len(O.opportunity_history(db, o.id)) == 3
    closed = O.list_opportunities(db, contact_id=maria.id, status=None)
    assert [r.status for r in closed] == ["won"]


def test_stale_version_is_a_conflict(db, maria):
    o = O.create_opportunity(db, contact=maria.id, value_cents=100)
    seen = O.get_row(db, o.id).version
    O.update_opportunity(db, o.id, expected_version=seen, value_cents=200)
    with pytest.raises(ConflictError) as info:
        O.update_opportunity(db, o.id, expected_version=seen, value_cents=300)
    assert "changed by" in str(info.value)
    assert O.get_row(db, o.id).value_cents == 200
    with pytest.raises(ConflictError):
        O.move_opportunity(db, o.id, "Qualified", expected_version=seen)
    assert O.get_row(db, o.id).stage == "New Lead"


def test_update_with_stage_is_one_transaction(db, maria):
    o = O.create_opportunity(db, contact=maria.id)
    with pytest.raises(InputError):
        O.update_opportunity(db, o.id, value_cents=500, stage="No such stage")
    row = O.get_row(db, o.id)
    assert row.value_cents is None and row.stage == "New Lead"
    O.update_opportunity(db, o.id, value_cents=500, stage="Qualified", name="Bigger deal")
    row = O.get_row(db, o.id)
    assert (row.value_cents, row.stage, row.name) == (500, "Qualified", "Bigger deal")


def test_events_fire_for_every_move(db, maria):
    seen = []
    handler = events.subscribe(lambda s, e: seen.append(e))
    try:
        o = O.create_opportunity(db, contact=maria.id)
        O.move_opportunity(db, o.id, "Contacted")
        O.mark_won(db, o.id)
    finally:
        events.unsubscribe(handler)
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["OpportunityCreated", "StageChanged", "StageChanged"]
    assert (seen[-1].from_status, seen[-1].to_status) == ("open", "won")


def test_failing_handler_rolls_back_the_move(db, maria):
    o = O.create_opportunity(db, contact=maria.id)

    def boom(session, event):
        raise RuntimeError("handler failed")

    events.subscribe(boom)
    try:
        with pytest.raises(RuntimeError):
            O.move_opportunity(db, o.id, "Contacted")
    finally:
        events.unsubscribe(boom)
    assert O.get_row(db, o.id).stage == "New Lead"
    assert count(db, StageChange) == 1


def test_list_filters(db, maria, frozen):
    frozen(T0)
    bob = C.create_contact(db, "Bob Stone", tags=["investor"])
    O.create_opportunity(db, contact=maria.id, name="Lake house", value_cents=50_000_000,
                         expected_close=T0.date() - timedelta(days=1))
    O.create_opportunity(db, contact=bob.id, name="Condo", value_cents=20_000_000, notes="cash buyer")
    names = lambda **kw: sorted(r.name for r in O.list_opportunities(db, **kw))  # noqa: E731
    assert names(text=["lake"]) == ["Lake house"]
    assert names(text=["cash"]) == ["Condo"]
    assert names(text=["bob"]) == ["Condo"]
    assert names(tags=["Investor"]) == ["Condo"]
    assert names(min_value_cents=30_000_000) == ["Lake house"]
    assert names(overdue_before=T0.date()) == ["Lake house"]
    assert O.get_row(db, O.list_opportunities(db, text=["lake"])[0].id).is_overdue(T0.date())


def test_find_opportunity(db, maria):
    a = O.create_opportunity(db, contact=maria.id, name="Lake house")
    O.create_opportunity(db, contact=maria.id, name="Lake cabin")
    with db.read() as s:
        assert O.find_opportunity(s, "lake house").id == a.id
        assert O.find_opportunity(s, f"#{a.id}").id == a.id
        with pytest.raises(InputError, match="several"):
            O.find_opportunity(s, "lake")


def test_value_rules(db, maria):
    with pytest.raises(ValidationError):
        O.create_opportunity(db, contact=maria.id, value_cents=-1)
    with pytest.raises(ValidationError):
        O.create_opportunity(db, contact=maria.id, value_cents=10**13 + 1)
    assert count(db, Opportunity) == 0


def test_rotting(db, maria, frozen):
    frozen(T0)
    o = O.create_opportunity(db, contact=maria.id)  # New Lead rots after 7 days
    frozen(T0 + timedelta(days=8))
    assert O.get_row(db, o.id).is_rotting()
    frozen(T0 + timedelta(days=6))
    assert not O.get_row(db, o.id).is_rotting()
