"""`jtek automation …`: add, list, show, edit, enable/disable, delete, runs, run-due, export/import."""

import sqlite3
import sys
from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def automation_count(path):
    with sqlite3.connect(path) as raw:
        return raw.execute("SELECT count(*) FROM automation").fetchone()[0]


@pytest.fixture
def seeded(jtek, db_path, frozen):
    frozen(T0)
    assert jtek("contact", "add", "Maria Johnson", "--email", "maria@example.com").code == 0
    r = jtek("opp", "add", "--contact", "Maria Johnson", "--value", "$750k", "--name", "Lake house")
    assert r.code == 0, r.err
    return db_path


def test_add_list_show_and_the_move_that_fires_it(jtek, seeded):
    r = jtek(
        "automation",
        "add",
        "Qualified follow-up",
        "--trigger",
        "stage",
        "--stage",
        "Qualified",
        "--min-value",
        "500k",
        "--action",
        "add_tag qualified",
        "--action",
        "task 'Call {contact.first_name} about {opportunity.value}' days=2",
        "--action",
        f"command timeout=10 -- {sys.executable} -c print(42)",
        "--json",
    )
    assert r.code == 0, r.err
    data = r.json()
    assert data["trigger"]["kind"] == "stage_changed_to" and data["trigger"]["stage"] == "Qualified"
    assert data["filters"] == {
        "pipeline": "Sales Pipeline",
        "assignee": None,
        "tag": None,
        "min_value_cents": 50_000_000,
    }
    assert data["actions"] == [
        {"type": "add_tag", "tag": "qualified"},
        {
            "type": "create_task",
            "template": "Call {contact.first_name} about {opportunity.value}",
            "days": 2,
        },
        {"type": "command", "argv": [sys.executable, "-c", "print(42)"], "timeout": 10},
    ]
    assert data["owner"] == "alice" and data["last_run"] is None
    r = jtek("automation", "list")
    assert r.code == 0 and "Qualified follow-up" in r.out and "never" in r.out
    assert jtek("opp", "move", "Lake house", "Qualified").code == 0
    (row,) = jtek("automation", "list", "--json").json()
    assert row["last_run"]["outcome"] == "ok" and "stdout: 42" in row["last_run"]["detail"]
    assert jtek("contact", "show", "Maria Johnson", "--json").json()["tags"] == ["qualified"]
    r = jtek("automation", "show", "qualified")
    assert "Stage changed to Qualified" in r.out and "Task in 2d" in r.out


def test_bad_input_exits_2_and_writes_nothing(jtek, seeded):
    for args, words in [
        (
            ["--trigger", "stage", "--stage", "Qualified", "--action", "note Hi {contact.nick}"],
            "{contact.nick}",
        ),
        (["--trigger", "stage", "--action", "add_tag x"], "Choose the stage"),
        (["--action", "add_tag x"], "Choose a trigger"),
        (["--trigger", "status", "--status", "won"], "at least one action"),
        (["--trigger", "created", "--action", "teleport now"], "not an action"),
        (["--trigger", "created", "--action", "note 'unclosed"], "Can't read the action"),
        (["--trigger", "created", "--min-value", "-5", "--action", "add_tag x"], "negative"),
    ]:
        r = jtek("automation", "add", "Bad", *args)
        assert r.code == 2, (args, r.err)
        assert words in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err
    assert automation_count(seeded) == 0


def test_edit_enable_disable_delete(jtek, seeded):
    assert (
        jtek(
            "automation",
            "add",
            "Nudge",
            "--trigger",
            "stage",
            "--stage",
            "Contacted",
            "--action",
            "add_tag a",
        ).code
        == 0
    )
    r = jtek(
        "automation",
        "edit",
        "Nudge",
        "--name",
        "Nudge 2",
        "--from-stage",
        "New Lead",
        "--tag",
        "vip",
        "--add-action",
        "note moved",
        "--json",
    )
    assert r.code == 0, r.err
    data = r.json()
    assert data["name"] == "Nudge 2" and data["trigger"]["from_stage"] == "New Lead"
    assert data["filters"]["tag"] == "vip" and [a["type"] for a in data["actions"]] == [
        "add_tag",
        "log_note",
    ]
    r = jtek(
        "automation",
        "edit",
        "Nudge 2",
        "--trigger",
        "status",
        "--status",
        "lost",
        "--tag",
        "",
        "--action",
        "add_tag lost",
        "--json",
    )
    data = r.json()
    assert data["trigger"]["kind"] == "status_changed_to" and data["trigger"]["stage"] is None
    assert data["filters"]["tag"] is None and data["actions"] == [
        {"type": "add_tag", "tag": "lost"}
    ]
    assert jtek("automation", "disable", "Nudge 2").code == 0
    assert jtek("automation", "show", "Nudge 2", "--json").json()["enabled"] is False
    assert jtek("automation", "enable", "#1").code == 0
    assert jtek("automation", "show", "1", "--json").json()["enabled"] is True
    assert jtek("automation", "edit", "Nudge 2", "--trigger", "stale").code == 2  # needs --days
    assert jtek("automation", "delete", "Nudge 2").code == 0
    r = jtek("automation", "show", "Nudge 2")
    assert r.code == 2 and "no automation" in r.err


def test_runs_filters_and_failure_notice(jtek, seeded):
    assert (
        jtek(
            "automation",
            "add",
            "Good",
            "--trigger",
            "stage",
            "--stage",
            "Contacted",
            "--action",
            "add_tag ok",
        ).code
        == 0
    )
    assert (
        jtek(
            "automation",
            "add",
            "Bad hook",
            "--trigger",
            "stage",
            "--stage",
            "Contacted",
            "--action",
            "webhook http://127.0.0.1:9/nothing timeout=1 retries=0",
        ).code
        == 0
    )
    r = jtek("opp", "move", "Lake house", "Contacted")
    assert r.code == 0  # the move succeeded even though an automation failed
    assert "automation 'Bad hook' failed on #1 Lake house" in r.err
    runs = jtek("automation", "runs", "--json").json()
    assert [(x["automation"], x["outcome"]) for x in runs] == [
        ("Bad hook", "error"),
        ("Good", "ok"),
    ]
    assert runs[0]["opportunity"] == "Lake house" and runs[0]["finished_at"] is not None
    errors = jtek("automation", "runs", "--outcome", "error", "--json").json()
    assert [x["automation"] for x in errors] == ["Bad hook"]
    assert [
        x["automation"] for x in jtek("automation", "runs", "--automation", "Good", "--json").json()
    ] == ["Good"]
    assert (
        len(jtek("automation", "runs", "--opp", "Lake house", "--since", "today", "--json").json())
        == 2
    )
    assert jtek("automation", "runs", "--since", "tomorrow", "--json").json() == []
    r = jtek("automation", "runs", "--detail")
    assert "Connection refused" in r.out or "failed after 1 attempt" in r.out


def test_run_due_for_cron(jtek, seeded, frozen):
    assert (
        jtek(
            "automation",
            "add",
            "Idle",
            "--trigger",
            "stale",
            "--days",
            "7",
            "--stage",
            "New Lead",
            "--action",
            "task 'Chase {contact.name}'",
        ).code
        == 0
    )
    r = jtek("automation", "run-due")
    assert r.code == 0 and "No idle deals" in r.out
    frozen(T0 + timedelta(days=8))
    fired = jtek("automation", "run-due", "--json").json()
    assert [(x["automation"], x["opportunity"], x["outcome"]) for x in fired] == [
        ("Idle", "Lake house", "ok")
    ]
    assert jtek("automation", "run-due", "--json").json() == []


def test_export_and_import_files(jtek, seeded, tmp_path):
    assert (
        jtek(
            "automation",
            "add",
            "One",
            "--trigger",
            "created",
            "--action",
            "note Hi {contact.first_name}",
        ).code
        == 0
    )
    assert (
        jtek(
            "automation",
            "add",
            "Two",
            "--trigger",
            "status",
            "--status",
            "won",
            "--disabled",
            "--action",
            "add_tag won",
        ).code
        == 0
    )
    out = tmp_path / "automations.toml"
    r = jtek("automation", "export", str(out))
    assert r.code == 0 and "Wrote 2 automations" in r.out
    stdout = jtek("automation", "export", "--automation", "Two").out
    assert 'name = "Two"' in stdout and 'name = "One"' not in stdout
    other = tmp_path / "other.db"
    r = jtek("automation", "import", str(out), "--dry-run", "--json", db=other)
    assert r.json() == {"created": ["One", "Two"], "updated": [], "dry_run": True}
    r = jtek("automation", "import", str(out), db=other)
    assert r.code == 0 and "Added 2, replaced 0 automations" in r.out
    listed = jtek("automation", "list", "--json", db=other).json()
    assert [(a["name"], a["enabled"]) for a in listed] == [("One", True), ("Two", False)]
    assert jtek("automation", "import", str(tmp_path / "missing.toml")).code == 2
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[[automation]]\nname = "X"\ntrigger = "created"\n[[automation.actions]]\ntype = "nope"\n'
    )
    r = jtek("automation", "import", str(broken))
    assert r.code == 2 and "Automation 'X'" in r.err


def test_reference_listings(jtek, seeded):
    fields = jtek("automation", "fields", "--json").json()
    assert {
        "field": "{contact.first_name}",
        "env": "JTEK_CONTACT_FIRST_NAME",
        "meaning": "contact's first name",
    } in fields
    actions = jtek("automation", "actions", "--json").json()
    assert {a["type"]: a["slow"] for a in actions}["webhook"] is True
