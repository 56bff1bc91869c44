"""Automations: triggers, filters, quick actions, safety rules, stale deals, the run log."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from jtek_tui.domain import automations as A
from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.automation_actions import ActionError
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import ValidationError
from jtek_tui.models import Activity, Appointment, AutomationRun, Stage

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def deal(db, frozen):
    frozen(T0)
    C.create_contact(db, "Maria Johnson", email="maria@example.com", tags=["buyer"])
    return O.create_opportunity(db, contact="Maria Johnson", value_cents=50_000_000, name="Oak St")


@pytest.fixture
def heard():
    runs: list[A.RunRow] = []
    A.add_run_listener(runs.append)
    yield runs
    A.remove_run_listener(runs.append)


def auto(db, name, kind, *actions, enabled=True, **trigger):
    filters = Filters(
        **{
            k: trigger.pop(k)
            for k in list(trigger)
            if k in ("pipeline", "assignee", "tag", "min_value_cents")
        }
    )
    return A.create_automation(
        db, A.AutomationSpec(name, TriggerSpec(kind, **trigger), filters, list(actions), enabled)
    )


def tags(db, opp):
    return C.contact_row(db, opp.contact_id).tags


def activities(db, kind=None):
    with db.read() as s:
        q = select(Activity).order_by(Activity.id)
        if kind:
            q = q.where(Activity.kind == kind)
        return list(s.scalars(q))


def vanish(db, stage_id):
    """A stage disappears behind the automations' back (an older jtek, a hand edit):
    `delete_stage` itself refuses while an automation uses the stage."""
    with db.write() as s:
        s.execute(delete(Stage).where(Stage.id == stage_id))


def runs(db, **kw):
    return list(reversed(A.list_runs(db, **kw)))


# -- triggers -----------------------------------------------------------------------


def test_stage_changed_to_fires_on_that_stage_only(db, deal):
    auto(db, "Q", "stage_changed_to", {"type": "add_tag", "tag": "qualified"}, stage="Qualified")
    O.move_opportunity(db, deal.id, "Contacted")
    assert tags(db, deal) == ["buyer"]
    O.move_opportunity(db, deal.id, "Qualified")
    assert tags(db, deal) == ["buyer", "qualified"]
    [run] = runs(db)
    assert run.automation == "Q" and run.opportunity == "Oak St" and run.outcome == "ok"
    assert run.finished_at is not None and "Add tag qualified: added" in run.detail


def test_stage_changed_to_with_from_stage(db, deal):
    auto(
        db,
        "From contacted",
        "stage",
        {"type": "add_tag", "tag": "x"},
        stage="Qualified",
        from_stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Qualified")  # from New Lead: no
    assert runs(db) == []
    O.move_opportunity(db, deal.id, "Contacted")
    O.move_opportunity(db, deal.id, "Qualified")
    assert [r.automation for r in runs(db)] == ["From contacted"]


def test_status_changed_to_won_lost_and_open(db, deal):
    for status in ("won", "lost", "open"):
        auto(db, f"became {status}", "status", {"type": "add_tag", "tag": status}, status=status)
    O.move_opportunity(db, deal.id, "Qualified")  # open -> open: no status change
    assert runs(db) == []
    O.mark_won(db, deal.id)
    O.reopen(db, deal.id)
    O.mark_lost(db, deal.id, "Went with another agent")
    assert [r.automation for r in runs(db)] == ["became won", "became open", "became lost"]
    assert tags(db, deal) == ["buyer", "lost", "open", "won"]


def test_opportunity_created_with_pipeline_filter(db, deal):
    P.create_pipeline(db, "Buyers", ["Searching", "Offer"])
    auto(
        db,
        "New buyer",
        "created",
        {"type": "log_note", "template": "Welcome {contact.first_name}"},
        pipeline="Buyers",
    )
    O.create_opportunity(db, contact="Maria Johnson", name="Sales one")
    assert runs(db) == []
    O.create_opportunity(db, contact="Maria Johnson", name="Buyer one", pipeline="Buyers")
    [run] = runs(db)
    assert run.opportunity == "Buyer one"
    assert [a.body for a in activities(db)] == ["Welcome Maria"]


def test_filters_assignee_tag_and_minimum_value(db, deal):
    bob = M.add_member(db, "Bob Stone", login="bob")
    auto(
        db,
        "Big VIP deals of Bob",
        "stage",
        {"type": "add_tag", "tag": "hit"},
        stage="Contacted",
        assignee="bob",
        tag="vip",
        min_value_cents=100_000_000,
    )
    O.move_opportunity(db, deal.id, "Contacted")  # alice's, no vip tag, $500k
    O.move_opportunity(db, deal.id, "New Lead")
    O.update_opportunity(db, deal.id, assignee=bob.id)
    C.tag_contact(db, deal.contact_id, "VIP")
    O.move_opportunity(db, deal.id, "Contacted")  # still only $500k
    assert runs(db) == []
    O.move_opportunity(db, deal.id, "New Lead")
    O.update_opportunity(db, deal.id, value_cents=150_000_000)
    O.move_opportunity(db, deal.id, "Contacted")
    assert len(runs(db)) == 1 and "hit" in tags(db, deal)


def test_disabled_automations_do_not_fire_and_can_be_enabled(db, deal):
    auto(db, "Off", "stage", {"type": "add_tag", "tag": "x"}, stage="Contacted", enabled=False)
    O.move_opportunity(db, deal.id, "Contacted")
    assert runs(db) == []
    A.set_enabled(db, "Off", True)
    O.move_opportunity(db, deal.id, "New Lead")
    O.move_opportunity(db, deal.id, "Contacted")
    assert len(runs(db)) == 1


def test_paused_session_fires_nothing(db, deal):
    auto(db, "Q", "stage", {"type": "add_tag", "tag": "x"}, stage="Contacted")
    with db.write() as s, A.paused(s):
        O.move_opportunity(db, deal.id, "Contacted")
    assert runs(db) == []


# -- quick actions -------------------------------------------------------------------


def test_add_and_remove_tag(db, deal):
    auto(
        db,
        "swap",
        "stage",
        {"type": "remove_tag", "tag": "BUYER"},
        {"type": "add_tag", "tag": "Hot"},
        stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    assert tags(db, deal) == ["Hot"]


def test_assign_team_member(db, deal):
    M.add_member(db, "Bob Stone", login="bob")
    auto(db, "hand over", "stage", {"type": "assign", "member": "bob"}, stage="Contacted")
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).assignee == "Bob Stone"


def test_set_close_date_absolute_and_relative(db, deal):
    auto(db, "abs", "stage", {"type": "set_close_date", "date": "2026-06-30"}, stage="Contacted")
    auto(db, "rel", "stage", {"type": "set_close_date", "date": "+30d"}, stage="Qualified")
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).expected_close == date(2026, 6, 30)
    O.move_opportunity(db, deal.id, "Qualified")
    assert O.get_row(db, deal.id).expected_close == date(2026, 4, 1)


def test_log_note_from_template(db, deal):
    auto(
        db,
        "note",
        "stage",
        {
            "type": "log_note",
            "template": (
                "{contact.first_name}: {opportunity.name} ({opportunity.value}) moved from {previous_stage.name} "
                "to {stage.name}; owner {member.name}; {{literal}}"
            ),
        },
        stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    [note] = activities(db, "note")
    assert note.body == (
        "Maria: Oak St ($500,000) moved from New Lead to Contacted; owner alice; {literal}"
    )
    assert note.opportunity_id == deal.id and note.contact_id == deal.contact_id


def test_create_follow_up_task(db, deal):
    auto(
        db,
        "task",
        "stage",
        {"type": "create_task", "template": "Call {contact.name}", "days": 3},
        stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    [task] = activities(db, "task")
    assert (
        task.body == "Call Maria Johnson"
        and task.due_at == T0 + timedelta(days=3)
        and task.done_at is None
    )


def test_create_appointment(db, deal):
    auto(
        db,
        "viewing",
        "stage",
        {
            "type": "create_appointment",
            "title": "Viewing with {contact.first_name}",
            "days": 2,
            "time": "14:30",
            "minutes": 45,
            "location": "{opportunity.name}",
        },
        stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    with db.read() as s:
        [appt] = s.scalars(select(Appointment)).all()
    assert appt.title == "Viewing with Maria" and appt.location == "Oak St"
    assert appt.starts_at == datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # TZ=UTC in tests
    assert appt.ends_at - appt.starts_at == timedelta(minutes=45)


def test_appointment_belongs_to_the_deals_assignee_and_shows_in_the_timeline(db, deal):
    """Notes, tasks and appointments go through the activities/appointments domain, so
    they are ordinary entries: the appointment is the assignee's, the note is mine."""
    from jtek_tui.domain import activities as ACT
    from jtek_tui.domain import appointments as AP

    bob = M.add_member(db, "Bob Stone", login="bob")
    O.update_opportunity(db, deal.id, assignee=bob.id)
    auto(
        db,
        "viewing",
        "stage",
        {"type": "create_appointment", "title": "Viewing", "days": 1},
        {"type": "log_note", "template": "Booked a viewing for {member.name}"},
        stage="Contacted",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    [appt] = AP.list_appointments(db, owner_id=bob.id)
    assert appt.opportunity_id == deal.id and appt.title == "Viewing"
    texts = [e.text for e in ACT.timeline(db, deal.contact_id) if e.source == "activity"]
    assert "Booked a viewing for Bob Stone" in texts


def test_a_note_that_renders_empty_fails_the_automation_not_the_move(db, deal):
    auto(db, "phone note", "stage", {"type": "log_note", "template": "{contact.phone}"}, stage="Contacted")
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).stage == "Contacted"
    [run] = A.list_runs(db)
    assert run.outcome == "error" and "came out empty" in run.detail
    assert activities(db, "note") == []


def test_move_to_another_pipeline_fires_that_stage(db, deal):
    P.create_pipeline(db, "Closing", ["Escrow", "Inspection"])
    auto(
        db,
        "to escrow",
        "stage",
        {"type": "move", "pipeline": "Closing", "stage": "Escrow"},
        stage="Negotiation",
    )
    auto(db, "in escrow", "stage", {"type": "add_tag", "tag": "escrow"}, stage="Escrow")
    O.move_opportunity(db, deal.id, "Negotiation")
    row = O.get_row(db, deal.id)
    assert (row.pipeline, row.stage) == ("Closing", "Escrow")
    assert [r.automation for r in runs(db)] == [
        "in escrow",
        "to escrow",
    ]  # inner one finishes first
    assert "escrow" in tags(db, deal)
    assert [h.to_stage for h in O.opportunity_history(db, deal.id)] == [
        "New Lead",
        "Negotiation",
        "Escrow",
    ]


# -- safety ---------------------------------------------------------------------------


def test_failing_quick_action_undoes_only_its_automation(db, deal, heard):
    gone = P.add_stage(db, "Sales Pipeline", "Parking")
    auto(
        db,
        "breaks",
        "stage",
        {"type": "add_tag", "tag": "half-done"},
        {"type": "move", "stage_id": gone.id},
        {"type": "add_tag", "tag": "never"},
        stage="Contacted",
    )
    auto(db, "fine", "stage", {"type": "add_tag", "tag": "fine"}, stage="Contacted")
    vanish(db, gone.id)  # the automation now points at nothing
    moved = O.move_opportunity(db, deal.id, "Contacted")
    assert moved.name == "Oak St"  # the returned deal is still readable
    assert O.get_row(db, deal.id).stage == "Contacted"  # the move stands
    assert tags(db, deal) == ["buyer", "fine"]  # "half-done" rolled back, "never" not run
    bad, good = runs(db)
    assert bad.outcome == "error" and good.outcome == "ok"
    assert "FAILED — stage" in bad.detail and "no longer exists" in bad.detail
    assert "not run" in bad.detail and "undone" in bad.detail
    assert [(r.automation, r.outcome) for r in heard] == [("breaks", "error"), ("fine", "ok")]
    assert "FAILED" in heard[0].summary


def test_stages_used_by_automations_cannot_be_deleted(db, deal):
    from jtek_tui.domain.errors import RefusedError

    trigger = P.add_stage(db, "Sales Pipeline", "Parking")
    target = P.add_stage(db, "Sales Pipeline", "Garage")
    auto(db, "uses both", "stage", {"type": "move", "stage": "Garage"}, stage="Parking")
    for stage in (trigger, target):
        with pytest.raises(RefusedError, match="used by automations \\(uses both\\)"):
            P.delete_stage(db, stage.id)
    A.delete_automation(db, "uses both")
    P.delete_stage(db, target.id)


def test_unexpected_exception_in_an_action_is_contained(db, deal, monkeypatch):
    import jtek_tui.domain.automations as engine

    def boom(s, action, firing):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(engine, "run_quick", boom)
    auto(db, "buggy", "stage", {"type": "add_tag", "tag": "x"}, stage="Contacted")
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).stage == "Contacted"
    [run] = runs(db)
    assert run.outcome == "error" and "kaboom" in run.detail


def test_chain_stops_at_the_depth_limit(db, deal):
    names = [f"S{i}" for i in range(1, 10)]
    P.create_pipeline(db, "Chain", names)
    for here, there in zip(names, names[1:]):
        auto(
            db,
            f"{here}->{there}",
            "stage",
            {"type": "move", "pipeline": "Chain", "stage": there},
            stage=here,
            pipeline="Chain",
        )
    chained = O.create_opportunity(
        db, contact="Maria Johnson", pipeline="Chain", stage="S9", name="Chained"
    )
    O.move_opportunity(db, chained.id, "S1")
    row = O.get_row(db, chained.id)
    assert row.stage == f"S{1 + A.MAX_CHAIN_DEPTH}"
    log = runs(db, opportunity_id=chained.id)
    skipped = [r for r in log if r.outcome == "skipped"]
    assert [r.automation for r in skipped] == [
        f"S{1 + A.MAX_CHAIN_DEPTH}->S{2 + A.MAX_CHAIN_DEPTH}"
    ]
    assert "depth limit" in skipped[0].detail
    assert sum(r.outcome == "ok" for r in log) == A.MAX_CHAIN_DEPTH


def test_cycle_is_stopped_and_logged(db, deal):
    auto(db, "ping", "stage", {"type": "move", "stage": "Qualified"}, stage="Contacted")
    auto(db, "pong", "stage", {"type": "move", "stage": "Contacted"}, stage="Qualified")
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).stage == "Contacted"
    log = runs(db)
    assert [(r.automation, r.outcome) for r in log] == [
        ("ping", "skipped"),
        ("pong", "ok"),
        ("ping", "ok"),
    ]
    assert "loop was stopped" in log[0].detail
    assert len(O.opportunity_history(db, deal.id)) == 4  # created, Contacted, Qualified, Contacted


def test_command_runs_only_for_its_owner(db, deal, db_path, tmp_path):
    marker = tmp_path / "ran.txt"
    auto(
        db,
        "alice's script",
        "stage",
        {"type": "command", "argv": ["sh", "-c", f'echo "$JTEK_ACTOR_LOGIN" >> {marker}']},
        {"type": "add_tag", "tag": "seen"},
        stage="Contacted",
    )
    bob_db = open_database(str(db_path), login="bob")
    try:
        O.move_opportunity(bob_db, deal.id, "Contacted")
    finally:
        bob_db.dispose()
    assert not marker.exists()
    [run] = runs(db)
    assert (
        run.outcome == "skipped"
        and "belongs to alice" in run.detail
        and "not for bob" in run.detail
    )
    assert "seen" in tags(db, deal)  # the rest of the automation still ran
    O.move_opportunity(db, deal.id, "New Lead")
    O.move_opportunity(db, deal.id, "Contacted")
    assert marker.read_text() == "alice\n"
    assert runs(db)[-1].outcome == "ok"


def test_editing_an_automation_makes_the_editor_its_owner(db, deal, db_path):
    auto(db, "script", "stage", {"type": "command", "argv": ["true"]}, stage="Contacted")
    bob_db = open_database(str(db_path), login="bob")
    try:
        spec = A.automation_spec(bob_db, "script")
        spec.actions = [{"type": "command", "argv": ["rm", "-rf", "/nonexistent-jtek-test"]}]
        A.update_automation(bob_db, "script", spec)
    finally:
        bob_db.dispose()
    assert A.get_automation(db, "script").owner_login == "bob"
    O.move_opportunity(db, deal.id, "Contacted")  # alice moves: bob's command must not run for her
    [run] = runs(db)
    assert run.outcome == "skipped" and "belongs to bob" in run.detail


# -- validation --------------------------------------------------------------------


def spec(*actions, name="x", **trigger):
    kind = trigger.pop("kind", "stage")
    trigger.setdefault("stage", "Contacted") if kind == "stage" else None
    return A.AutomationSpec(name, TriggerSpec(kind, **trigger), Filters(), list(actions))


def test_unknown_template_field_is_refused_when_saving(db, deal):
    with pytest.raises(ValidationError) as info:
        A.create_automation(
            db,
            spec(
                {"type": "add_tag", "tag": "ok"},
                {"type": "log_note", "template": "Hi {contact.nickname}"},
            ),
        )
    assert info.value.field == "actions.1"
    assert "{contact.nickname}" in str(info.value)
    assert A.list_automations(db) == []


@pytest.mark.parametrize(
    "template, words",
    [
        ("Hi {contact.first_name", "unmatched brace"),
        ("Hi {}", "empty braces"),
        ("{opportunity.value:>10}", "without a format"),
        ("{first_name}", "Did you mean {contact.first_name}"),
    ],
)
def test_template_problems(db, template, words):
    [error] = A.validate_automation(db, spec({"type": "create_task", "template": template}))
    assert error.field == "actions.0" and words in str(error)


def test_validation_names_each_field(db):
    errors = A.validate_automation(
        db,
        A.AutomationSpec(
            "",
            TriggerSpec("stage_changed_to"),
            Filters(assignee="nobody"),
            [
                {"type": "add_tag"},
                {"type": "command", "argv": "rm -rf /"},
                {"type": "teleport"},
                {"type": "webhook", "url": "http://x.test", "retries": 9},
                {"type": "email", "subject": "Hi"},
            ],
        ),
    )
    fields = [e.field for e in errors]
    assert fields == [
        "name",
        "trigger",
        "actions.0",
        "actions.1",
        "actions.2",
        "actions.3",
        "actions.4",
    ]
    assert all(isinstance(e, ActionError) for e in errors[2:])
    assert "never runs through a shell" in str(errors[3])


def test_filter_errors_and_trigger_extras(db):
    [error] = A.validate_automation(
        db, spec({"type": "add_tag", "tag": "t"}, kind="created", status="won")
    )
    assert error.field == "trigger" and "takes no status" in str(error)
    [error] = A.validate_automation(
        db,
        A.AutomationSpec(
            "x", TriggerSpec("created"), Filters(assignee="zed"), [{"type": "add_tag", "tag": "t"}]
        ),
    )
    assert error.field == "filters"
    [error] = A.validate_automation(db, spec({"type": "add_tag", "tag": "t"}, kind="stale"))
    assert error.field == "trigger" and "idle days" in str(error)


def test_names_are_unique_and_stage_names_need_a_pipeline_when_shared(db):
    P.create_pipeline(db, "Buyers")  # also has Contacted
    with pytest.raises(ValidationError, match="choose the pipeline"):
        A.create_automation(db, spec({"type": "add_tag", "tag": "t"}))
    A.create_automation(
        db,
        A.AutomationSpec(
            "x",
            TriggerSpec("stage", stage="Contacted"),
            Filters(pipeline="Buyers"),
            [{"type": "add_tag", "tag": "t"}],
        ),
    )
    with pytest.raises(ValidationError) as info:
        A.create_automation(
            db,
            A.AutomationSpec(
                "X", TriggerSpec("created"), Filters(), [{"type": "add_tag", "tag": "t"}]
            ),
        )
    assert info.value.field == "name"


# -- listing, editing, deleting ----------------------------------------------------


def test_list_with_last_run_and_run_filters(db, deal):
    auto(db, "one", "stage", {"type": "add_tag", "tag": "a"}, stage="Contacted")
    auto(db, "two", "stage", {"type": "add_tag", "tag": "b"}, stage="Qualified")
    rows = A.list_automations(db)
    assert [(r.name, r.last_run) for r in rows] == [("one", None), ("two", None)]
    O.move_opportunity(db, deal.id, "Contacted")
    O.move_opportunity(db, deal.id, "Qualified")
    O.move_opportunity(db, deal.id, "Contacted")
    rows = {r.name: r for r in A.list_automations(db)}
    assert rows["one"].last_run.id == 3 and rows["two"].last_run.id == 2
    assert rows["one"].trigger_text == "Stage changed to Contacted"
    assert rows["one"].filters_text == "Sales Pipeline"
    assert rows["one"].action_texts == ["Add tag a"]
    one_id = rows["one"].id
    assert [r.id for r in A.list_runs(db, automation_id=one_id)] == [3, 1]
    assert [r.id for r in A.list_runs(db, automation_id=one_id, limit=1)] == [3]
    assert A.list_runs(db, outcome="error") == []
    assert len(A.list_runs(db, opportunity_id=deal.id, since=T0)) == 3
    assert A.list_runs(db, since=T0 + timedelta(minutes=1)) == []
    with pytest.raises(ValidationError):
        A.list_runs(db, outcome="bad")


def test_edit_round_trips_through_the_spec(db, deal):
    auto(
        db,
        "edit me",
        "stage",
        {"type": "assign", "member": "alice"},
        {"type": "move", "stage": "Qualified"},
        stage="Contacted",
        from_stage="New Lead",
        min_value_cents=100,
    )
    spec_ = A.automation_spec(db, "edit me")
    assert spec_.trigger.from_stage == "New Lead" and spec_.filters.min_value_cents == 100
    assert spec_.actions == [
        {"type": "assign", "member": "alice"},
        {"type": "move", "pipeline": "Sales Pipeline", "stage": "Qualified"},
    ]
    spec_.name = "edited"
    spec_.actions.reverse()
    A.update_automation(db, "edit me", spec_)
    row = A.get_automation(db, "edited")
    assert row.action_texts == ["Move to Sales Pipeline › Qualified", "Assign to alice"]


def test_delete_removes_automation_and_its_runs(db, deal):
    auto(db, "gone", "stage", {"type": "add_tag", "tag": "a"}, stage="Contacted")
    O.move_opportunity(db, deal.id, "Contacted")
    assert A.delete_automation(db, "gone") == "gone"
    assert A.list_automations(db) == [] and A.list_runs(db) == []


def test_reorder_changes_firing_order(db, deal):
    auto(db, "first", "stage", {"type": "add_tag", "tag": "a"}, stage="Contacted")
    auto(db, "second", "stage", {"type": "add_tag", "tag": "b"}, stage="Contacted")
    A.reorder_automation(db, "second", 1)
    assert [r.name for r in A.list_automations(db)] == ["second", "first"]
    O.move_opportunity(db, deal.id, "Contacted")
    assert [r.automation for r in runs(db)] == ["second", "first"]


# -- stale deals ----------------------------------------------------------------------


def test_stale_fires_once_per_stay_in_the_stage(db, deal, frozen, heard):
    auto(
        db,
        "nudge",
        "stale",
        {"type": "create_task", "template": "Nudge {contact.first_name}"},
        stage="New Lead",
        days=7,
    )
    frozen(T0 + timedelta(days=6))
    assert A.run_due(db).fired == 0
    frozen(T0 + timedelta(days=7, minutes=1))
    report = A.run_due(db)
    assert (
        report.fired == 1
        and report.runs[0].opportunity == "Oak St"
        and report.runs[0].outcome == "ok"
    )
    assert heard[-1].automation == "nudge"
    frozen(T0 + timedelta(days=8))
    assert A.run_due(db).fired == 0  # already nudged during this stay
    O.move_opportunity(db, deal.id, "Contacted")
    O.move_opportunity(db, deal.id, "New Lead")
    frozen(T0 + timedelta(days=16))
    assert A.run_due(db).fired == 1  # a new stay, idle long enough again
    assert [a.body for a in activities(db, "task")] == ["Nudge Maria", "Nudge Maria"]


def test_stale_respects_filters_and_closed_deals(db, deal, frozen):
    auto(
        db,
        "big idle",
        "stale",
        {"type": "add_tag", "tag": "idle"},
        days=3,
        min_value_cents=100_000_000,
    )
    small = deal
    C.create_contact(db, "Ann Lee")
    big = O.create_opportunity(db, contact="Ann Lee", value_cents=200_000_000, name="Big")
    closed = O.create_opportunity(db, contact="Ann Lee", value_cents=300_000_000, name="Closed")
    O.mark_won(db, closed.id)
    frozen(T0 + timedelta(days=4))
    report = A.run_due(db)
    assert [r.opportunity for r in report.runs] == ["Big"]
    assert "idle" not in tags(db, small) and "idle" in tags(db, big)


def test_stale_move_action_fires_the_next_stage_automations(db, deal, frozen):
    auto(
        db,
        "demote",
        "stale",
        {"type": "move", "stage": "Closed Lost", "reason": "Went cold"},
        stage="Contacted",
        days=30,
    )
    auto(
        db,
        "lost note",
        "status",
        {"type": "log_note", "template": "Lost: {opportunity.lost_reason}"},
        status="lost",
    )
    O.move_opportunity(db, deal.id, "Contacted")
    frozen(T0 + timedelta(days=31))
    A.run_due(db)
    assert O.get_row(db, deal.id).status == "lost"
    assert [a.body for a in activities(db, "note")] == ["Lost: Went cold"]


def test_stale_command_automation_waits_for_its_owners_jtek(db, deal, db_path, frozen, tmp_path):
    """Everyone's TUI runs run_due; bob's must not use up alice's command for this stay."""
    marker = tmp_path / "ran.txt"
    auto(
        db,
        "idle hook",
        "stale",
        {"type": "command", "argv": ["sh", "-c", f"echo $USER_X > {marker}"]},
        days=3,
    )
    frozen(T0 + timedelta(days=4))
    bob_db = open_database(str(db_path), login="bob")
    try:
        assert A.run_due(bob_db).fired == 0
    finally:
        bob_db.dispose()
    assert A.list_runs(db) == [] and not marker.exists()
    assert A.run_due(db).fired == 1 and marker.exists()


def test_run_due_on_a_readonly_database_does_nothing(db, deal, db_path):
    auto(db, "nudge", "stale", {"type": "add_tag", "tag": "x"}, days=1)
    ro = open_database(str(db_path), readonly=True)
    try:
        assert A.run_due(ro, now=T0 + timedelta(days=5)).fired == 0
    finally:
        ro.dispose()


def test_run_rows_survive_with_the_move(db, deal):
    """The run row is written in the move's transaction; a move that fails writes neither."""
    auto(db, "q", "stage", {"type": "add_tag", "tag": "x"}, stage="Contacted")
    with pytest.raises(RuntimeError):
        with db.write():
            O.move_opportunity(db, deal.id, "Contacted")
            raise RuntimeError("caller gave up")
    assert O.get_row(db, deal.id).stage == "New Lead"
    with db.read() as s:
        assert s.scalars(select(AutomationRun)).all() == []


# -- the command line's action syntax ----------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tag hot", {"type": "add_tag", "tag": "hot"}),
        (
            "note Moved to {stage.name} today",
            {"type": "log_note", "template": "Moved to {stage.name} today"},
        ),
        (
            "task 'Call {contact.name}' days=2",
            {"type": "create_task", "template": "Call {contact.name}", "days": "2"},
        ),
        ("close +30d", {"type": "set_close_date", "date": "+30d"}),
        (
            "move 'Closed Lost' reason='No answer'",
            {"type": "move", "stage": "Closed Lost", "reason": "No answer"},
        ),
        (
            "command timeout=5 -- ./x.sh a=b --flag",
            {"type": "command", "timeout": "5", "argv": ["./x.sh", "a=b", "--flag"]},
        ),
        ("command ./x.sh timeout=5", {"type": "command", "argv": ["./x.sh", "timeout=5"]}),
        (
            "webhook https://h.example/x retries=0",
            {"type": "webhook", "url": "https://h.example/x", "retries": "0"},
        ),
        (
            '{"type": "email", "subject": "s", "body": "b"}',
            {"type": "email", "subject": "s", "body": "b"},
        ),
    ],
)
def test_parse_action(text, expected):
    from jtek_tui.domain.automation_actions import parse_action

    assert parse_action(text) == expected


@pytest.mark.parametrize("text", ["", "warp 9", "note 'open", "email hello", "[1]", "{not json"])
def test_parse_action_refuses(text):
    from jtek_tui.domain.automation_actions import parse_action

    with pytest.raises(ValidationError):
        parse_action(text)


def test_find_automation_by_id_name_or_unique_prefix(db):
    from jtek_tui.domain.errors import AmbiguousError, NotFoundError

    one = auto(db, "Follow up buyers", "created", {"type": "add_tag", "tag": "a"})
    auto(db, "Follow up sellers", "created", {"type": "add_tag", "tag": "b"})
    with db.read() as s:
        assert A.find_automation(s, f"#{one.id}").id == one.id
        assert A.find_automation(s, "follow UP buyers").id == one.id
        assert A.find_automation(s, "follow up b").id == one.id
        with pytest.raises(AmbiguousError):
            A.find_automation(s, "follow")
        with pytest.raises(NotFoundError):
            A.find_automation(s, "buyers")  # a substring is not enough
