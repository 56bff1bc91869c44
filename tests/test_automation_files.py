"""Automations as TOML: export, import (all or nothing), round trips between databases."""

import tomllib

import pytest

from jtek_tui.domain import automations as A
from jtek_tui.domain import members as M
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.automation_files import export_toml, import_toml, parse_toml
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import ValidationError

FILE = '''
jtek_automations = 1

[[automation]]
name = "Qualified follow-up"
trigger = { kind = "stage_changed_to", stage = "Qualified", from_stage = "Contacted" }
filters = { pipeline = "Sales Pipeline", tag = "vip", min_value = "250k" }

[[automation.actions]]
type = "create_task"
template = """Call {contact.first_name}
about {opportunity.name}"""
days = 2

[[automation.actions]]
type = "command"
argv = ["notify-send", "Qualified: {opportunity.name}"]
timeout = 5

[[automation]]
name = "Idle leads"
enabled = false
trigger = { kind = "stale", days = 14, stage = "New Lead" }

[[automation.actions]]
type = "move"
stage = "Closed Lost"
reason = "No answer"
'''


def test_import_then_export_round_trips(db):
    report = import_toml(db, FILE)
    assert report.created == ["Qualified follow-up", "Idle leads"] and report.updated == []
    rows = {r.name: r for r in A.list_automations(db)}
    assert rows["Qualified follow-up"].trigger_text == "Stage changed to Qualified (from Contacted)"
    assert rows["Qualified follow-up"].filters_text == "Sales Pipeline, #vip, ≥ $250,000"
    assert rows["Idle leads"].enabled is False and rows["Idle leads"].trigger == "stale_in_stage"
    assert rows["Qualified follow-up"].owner_login == "alice"
    text = export_toml(db)
    data = tomllib.loads(text)
    assert data["jtek_automations"] == 1
    first = data["automation"][0]
    assert first["trigger"] == {
        "kind": "stage_changed_to",
        "stage": "Qualified",
        "from_stage": "Contacted",
    }
    assert first["filters"] == {"pipeline": "Sales Pipeline", "tag": "vip", "min_value": "$250,000"}
    assert first["actions"][0]["template"] == "Call {contact.first_name}\nabout {opportunity.name}"
    assert first["actions"][1] == {
        "type": "command",
        "argv": ["notify-send", "Qualified: {opportunity.name}"],
        "timeout": 5,
    }
    # a second database (different ids) reads the export back to the same thing
    other = open_database(str(db.path.with_name("other.db")), login="bob")
    try:
        P.create_pipeline(other, "Decoy")
        assert import_toml(other, text).created == ["Qualified follow-up", "Idle leads"]
        assert export_toml(other) == text
        assert A.get_automation(other, "Idle leads").owner_login == "bob"
    finally:
        other.dispose()


def test_import_replaces_same_named_automations(db):
    import_toml(db, FILE)
    changed = FILE.replace("days = 14", "days = 21")
    report = import_toml(db, changed)
    assert report.created == [] and report.updated == ["Qualified follow-up", "Idle leads"]
    assert A.get_automation(db, "Idle leads").trigger_text == "Idle 21 days in New Lead"
    assert len(A.list_automations(db)) == 2


def test_bad_entry_imports_nothing(db):
    bad = (
        FILE
        + """
[[automation]]
name = "Broken"
trigger = "created"
[[automation.actions]]
type = "log_note"
template = "Hello {contact.nick}"
"""
    )
    with pytest.raises(ValidationError) as info:
        import_toml(db, bad)
    assert str(info.value).startswith(
        "Automation 'Broken': The note uses an unknown field {contact.nick}"
    )
    assert info.value.field == "actions.0"
    assert A.list_automations(db) == []


def test_dry_run_checks_without_writing(db):
    report = import_toml(db, FILE, dry_run=True)
    assert report.dry_run and report.created == ["Qualified follow-up", "Idle leads"]
    assert A.list_automations(db) == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("[[automation]\n", "not valid TOML"),
        ("jtek_automations = 2\n", "format 2"),
        ('[[automation]]\nname = "a"\ncolour = "red"\n', "no key 'colour'"),
        (
            '[[automation]]\nname = "a"\ntrigger = "created"\n[automation.filters]\nmin_value = "lots"\n',
            "as an amount",
        ),
        ('[[automation]]\nname = "a"\n[[automation]]\nname = "A"\n', "two automations called"),
        (
            '[[automation]]\nname = "a"\ntrigger = "created"\n[[automation.actions]]\ntype = "add_tag"\ncolour = 1\n',
            "no field 'colour'",
        ),
    ],
)
def test_file_problems_are_plain_sentences(db, text, words):
    with pytest.raises(ValidationError, match=words):
        import_toml(db, text)


def test_export_names_members_and_stages(db):
    M.add_member(db, "Bob Stone", login="bob")
    A.create_automation(
        db,
        A.AutomationSpec(
            "hand over",
            TriggerSpec("status", status="won"),
            Filters(assignee="alice"),
            [{"type": "assign", "member": "Bob Stone"}, {"type": "move", "stage": "Qualified"}],
        ),
    )
    [entry] = parse_toml(export_toml(db, ["hand over"]))
    assert entry.filters.assignee == "alice"
    assert entry.actions == [
        {"type": "assign", "member": "bob"},
        {"type": "move", "pipeline": "Sales Pipeline", "stage": "Qualified"},
    ]
