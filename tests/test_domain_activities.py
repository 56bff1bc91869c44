from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import NotFoundError, RefusedError, ValidationError
from jtek_tui.models import Activity, Automation, AutomationRun

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.fixture
def maria(db, frozen):
    frozen(T0)
    return C.create_contact(db, "Maria Johnson")


def activities(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Activity))


def test_log_each_kind(db, maria):
    for kind in A.KINDS:
        e = A.log_activity(db, maria.id, kind, f"  a {kind}  ")
        assert (e.kind, e.text, e.author, e.at, e.contact) == (kind, f"a {kind}", "alice", T0, "Maria Johnson")
        assert e.editable and e.source == "activity" and e.activity_id == e.source_id
    assert A.log_activity(db, maria.id, "CALL", "upper").kind == "call"
    assert activities(db) == 7


def test_log_refuses_bad_input(db, maria):
    other = C.create_contact(db, "Someone Else")
    deal = O.create_opportunity(db, contact=other.id, name="Their deal")
    cases = [
        (("system", "x"), {}, "kind"),
        (("chat", "x"), {}, "kind"),
        (("note", "   "), {}, "body"),
        (("note", "x" * 20001), {}, "body"),
        (("note", "x"), {"due_at": T0}, "due"),
        (("task", "x"), {"due_at": datetime(2027, 3, 2)}, "due"),
        (("note", "x"), {"opportunity": deal.id}, "opportunity"),
        (("note", "x"), {"opportunity": "#999"}, "opportunity"),
    ]
    for args, kw, field in cases:
        with pytest.raises(ValidationError) as info:
            A.log_activity(db, maria.id, *args, **kw)
        assert info.value.field == field, (args, kw)
    with pytest.raises(NotFoundError):
        A.log_activity(db, 999, "note", "x")
    assert activities(db) == 0


def test_tasks_done_and_undone(db, maria, frozen):
    task = A.log_activity(db, maria.id, "task", "Send comps", due_at=T0 + timedelta(days=1))
    assert task.is_task and not task.is_done and not task.is_overdue(T0)
    assert task.is_overdue(T0 + timedelta(days=2))
    frozen(T0 + 5 * M)
    done = A.set_task_done(db, task.activity_id)
    assert done.done_at == T0 + 5 * M and not done.is_overdue(T0 + timedelta(days=2))
    assert A.set_task_done(db, task.activity_id).done_at == T0 + 5 * M  # ticking again changes nothing
    assert A.set_task_done(db, task.activity_id, False).done_at is None
    note = A.log_activity(db, maria.id, "note", "not a task")
    with pytest.raises(RefusedError, match="not a task"):
        A.set_task_done(db, note.activity_id)
    assert [t.text for t in A.list_tasks(db, contact_id=maria.id)] == ["Send comps"]


def test_list_tasks_soonest_due_first(db, maria):
    later = A.log_activity(db, maria.id, "task", "later", due_at=T0 + timedelta(days=3))
    undated = A.log_activity(db, maria.id, "task", "undated")
    soon = A.log_activity(db, maria.id, "task", "soon", due_at=T0 + timedelta(days=1))
    done = A.log_activity(db, maria.id, "task", "done", due_at=T0)
    A.set_task_done(db, done.activity_id)
    A.log_activity(db, maria.id, "note", "a note")
    assert [t.text for t in A.list_tasks(db)] == ["soon", "later", "undated"]
    assert [t.text for t in A.list_tasks(db, open_only=False)] == ["done", "soon", "later", "undated"]
    assert A.list_tasks(db, author_id=db.actor_id + 1000) == []
    assert {later.key, undated.key, soon.key} == {t.key for t in A.list_tasks(db, contact_id=maria.id)}


def test_edit_and_delete(db, maria):
    deal = O.create_opportunity(db, contact=maria.id, name="Lake house")
    task = A.log_activity(db, maria.id, "task", "Call back", due_at=T0 + timedelta(days=1))
    A.set_task_done(db, task.activity_id)
    e = A.update_activity(db, task.activity_id, kind="call", body="Called back", opportunity=deal.id)
    assert (e.kind, e.text, e.due_at, e.done_at, e.opportunity) == ("call", "Called back", None, None, "Lake house")
    with pytest.raises(ValidationError):
        A.update_activity(db, task.activity_id, due_at=T0)
    e = A.update_activity(db, task.activity_id, kind="task", due_at=T0 + timedelta(days=2))
    assert e.due_at == T0 + timedelta(days=2)
    A.delete_activity(db, task.activity_id)
    with pytest.raises(NotFoundError):
        A.get_activity(db, task.activity_id)


def test_system_entries_cannot_be_edited(db, maria):
    appt = AP.add_appointment(db, maria.id, title="Showing", starts_at=T0 + timedelta(hours=1)).appointment
    AP.cancel_appointment(db, appt.id)
    (system,) = A.timeline(db, maria.id, kinds=["system"])
    assert not system.editable
    with pytest.raises(RefusedError):
        A.update_activity(db, system.activity_id, body="rewrite history")
    with pytest.raises(RefusedError):
        A.delete_activity(db, system.activity_id)


def _automation_run(db, opp_id, at, outcome="ok", detail="Sent the welcome email"):
    with db.write() as s:
        auto = Automation(name="Welcome", trigger="opportunity_created")
        s.add(auto)
        s.flush()
        s.add(AutomationRun(automation_id=auto.id, opportunity_id=opp_id, started_at=at, finished_at=at,
                            outcome=outcome, detail=detail))


def test_timeline_merges_everything_in_time_order(db, maria):
    """One history: hand-logged entries, deal moves, appointments, automation runs."""
    deal = O.create_opportunity(db, contact=maria.id, name="Lake house", value_cents=75_000_000,
                                at=T0 + 1 * M)
    _automation_run(db, deal.id, T0 + 1 * M)  # same second as the creation: cause first
    _automation_run(db, deal.id, T0 + 2 * M, outcome="skipped", detail="conditions not met")
    _automation_run(db, deal.id, T0 + 2 * M, outcome="error", detail="mail server down")
    A.log_activity(db, maria.id, "call", "Intro call", opportunity=deal.id, at=T0 + 3 * M)
    O.move_opportunity(db, deal.id, "Qualified", at=T0 + 4 * M)
    AP.add_appointment(db, maria.id, title="Showing", starts_at=T0 + timedelta(days=1), opportunity=deal.id,
                       at=T0 + 5 * M)
    task = A.log_activity(db, maria.id, "task", "Send comps", due_at=T0 + timedelta(days=2), at=T0 + 6 * M)
    O.mark_lost(db, deal.id, "Went with another agent", at=T0 + 7 * M)
    O.reopen(db, deal.id, at=T0 + 8 * M)
    O.mark_won(db, deal.id, at=T0 + 9 * M)
    C.create_contact(db, "Not Maria")  # someone else's history stays out
    entries = A.timeline(db, maria.id)
    assert [(e.kind, e.text) for e in entries] == [
        ("deal_created", "Deal created: Lake house (in New Lead)"),
        ("automation", "Automation Welcome: Sent the welcome email"),
        ("automation", "Automation Welcome: mail server down (error)"),
        ("call", "Intro call"),
        ("stage_changed", "Lake house: New Lead → Qualified"),
        ("appointment", "Appointment booked: Showing (Tue Mar 02 09:00)"),
        ("task", "Send comps"),
        ("lost", "Deal lost: Lake house — Went with another agent"),
        ("reopened", "Deal reopened: Lake house (in Qualified)"),
        ("won", "Deal won: Lake house ($750,000)"),
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert all(e.opportunity_id == deal.id and e.opportunity == "Lake house" for e in entries if e.kind != "task")
    assert entries[6].opportunity_id is None
    assert entries[0].author == "alice" and entries[1].author is None
    assert len({e.key for e in entries}) == len(entries)
    assert entries[5].appointment_id is not None
    # Views the record's Activity tab needs.
    assert A.timeline(db, maria.id, newest_first=True)[0].kind == "won"
    assert [e.kind for e in A.timeline(db, maria.id, limit=2)] == ["reopened", "won"]
    assert [e.kind for e in A.timeline(db, maria.id, kinds=["task", "call"])] == ["call", "task"]
    assert A.timeline(db, maria.id, limit=0) == []
    data = [e.to_json() for e in entries]
    assert data[6]["id"] == task.activity_id and data[6]["due_at"] == "2027-03-03T09:00:00Z"
    assert data[6]["done_at"] is None and "due_at" not in data[3]
    with pytest.raises(NotFoundError):
        A.timeline(db, 999)


def test_timeline_of_one_deal(db, maria):
    a = O.create_opportunity(db, contact=maria.id, name="A", at=T0)
    b = O.create_opportunity(db, contact=maria.id, name="B", at=T0 + M)
    A.log_activity(db, maria.id, "note", "about A", opportunity=a.id)
    A.log_activity(db, maria.id, "note", "about nobody")
    assert [e.text for e in A.timeline(db, maria.id, opportunity_id=b.id)] == ["Deal created: B (in New Lead)"]
    assert [e.text for e in A.timeline(db, maria.id, opportunity_id=a.id)] == ["Deal created: A (in New Lead)",
                                                                               "about A"]


def test_closing_a_deal_keeps_the_contact_and_its_history(db, maria, frozen):
    deal = O.create_opportunity(db, contact=maria.id, name="Lake house")
    A.log_activity(db, maria.id, "note", "before closing", opportunity=deal.id)
    before = [e.key for e in A.timeline(db, maria.id)]
    frozen(T0 + M)
    O.mark_won(db, deal.id)
    after = A.timeline(db, maria.id)
    assert [e.key for e in after][: len(before)] == before
    assert after[-1].kind == "won"
    assert C.get_contact(db, maria.id).name == "Maria Johnson"
    O.mark_lost(db, O.create_opportunity(db, contact=maria.id, name="Other").id, "Priced out")
    assert C.contact_row(db, maria.id).name == "Maria Johnson"
    assert len(A.timeline(db, maria.id)) == len(after) + 2
