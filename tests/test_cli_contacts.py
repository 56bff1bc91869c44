"""`jtek contact edit|tag|untag|log|done|tasks|delete`, and what `show`/`list` gained."""

import sqlite3

import pytest


def counts(path):
    with sqlite3.connect(path) as raw:
        return {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("contact", "opportunity", "activity", "appointment", "tag", "contact_tag")}


@pytest.fixture
def seeded(jtek, db_path):
    assert jtek("contact", "add", "Maria Johnson", "--email", "maria@example.com", "--tag", "buyer").code == 0
    assert jtek("contact", "add", "[bold]Bobby[/] [USD] Tables", "--email", "bobby@example.com").code == 0
    r = jtek("opp", "add", "--contact", "Maria Johnson", "--value", "$750k", "--name", "Lake house")
    assert r.code == 0, r.err
    return db_path


def test_edit(jtek, seeded):
    r = jtek("contact", "edit", "Maria Johnson", "--phone", "(555) 123-4567", "--company", "Acme",
             "--name", "Maria Ann Johnson", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert (data["name"], data["phone"], data["company"], data["email"]) == (
        "Maria Ann Johnson", "5551234567", "Acme", "maria@example.com")
    r = jtek("contact", "edit", "maria@example.com", "--company", "")
    assert r.code == 0 and "Updated contact #1 Maria Ann Johnson." in r.out
    assert jtek("contact", "show", "1", "--json").json()["company"] is None
    r = jtek("contact", "edit", "1", "--email", "bobby@example.com")
    assert r.code == 0 and "another contact already uses bobby@example.com" in r.err  # warned, saved


def test_tag_and_untag(jtek, seeded):
    r = jtek("contact", "tag", "Maria Johnson", "vip", "#Buyer", "first-time")
    assert r.code == 0
    assert "Tagged Maria Johnson: vip, first-time." in r.out and "Already had: Buyer." in r.out
    assert jtek("contact", "show", "1", "--json").json()["tags"] == ["buyer", "first-time", "vip"]
    r = jtek("contact", "untag", "Maria Johnson", "VIP", "investor")
    assert "Untagged Maria Johnson: VIP." in r.out and "Did not have: investor." in r.out
    assert jtek("contact", "show", "1", "--json").json()["tags"] == ["buyer", "first-time"]
    assert [c["name"] for c in jtek("contact", "list", "--search", "#first", "--json").json()] == ["Maria Johnson"]


def test_log_show_and_task_done(jtek, seeded, frozen):
    frozen("2027-03-01T09:00")
    r = jtek("contact", "log", "Maria Johnson", "--kind", "call", "Left", "voicemail", "[USD]", "--opp", "Lake house")
    assert r.code == 0 and r.out.strip() == "Logged call #1."
    r = jtek("contact", "log", "1", "--kind", "task", "Send comps", "--due", "tomorrow", "--json")
    task = r.json()
    assert (task["kind"], task["text"], task["due_at"], task["done_at"]) == (
        "task", "Send comps", "2027-03-02T17:00:00Z", None)
    assert jtek("contact", "log", "1", "Met at open house", "--at", "yesterday 15:00").code == 0
    data = jtek("contact", "show", "Maria Johnson", "--json").json()
    assert set(data) >= {"summary", "opportunities", "appointments", "activity"}
    # The deal was made (by the fixture, real time) before this test pinned the clock in 2027.
    assert [(e["kind"], e["text"]) for e in data["activity"]] == [
        ("deal_created", "Deal created: Lake house (in New Lead)"),
        ("note", "Met at open house"),
        ("call", "Left voicemail [USD]"),
        ("task", "Send comps"),
    ]
    assert data["activity"][1]["at"] == "2027-02-28T15:00:00Z"
    assert data["activity"][2]["opportunity"] == "Lake house"
    assert data["summary"]["open_tasks"] == 1 and data["summary"]["open_value_cents"] == 75_000_000
    out = jtek("contact", "show", "Maria Johnson").out
    assert "[ ] Send comps (due 2027-03-02 17:00)" in out and "Left voicemail [USD]" in out
    assert "Open tasks" in out and "Next appointment" in out
    r = jtek("contact", "tasks", "--json")
    assert [t["text"] for t in r.json()] == ["Send comps"] and r.json()[0]["contact"] == "Maria Johnson"
    r = jtek("contact", "done", str(task["id"]))
    assert r.code == 0 and "done" in r.out
    assert jtek("contact", "tasks", "--json").json() == []
    assert len(jtek("contact", "tasks", "Maria Johnson", "--all", "--json").json()) == 1
    assert jtek("contact", "done", str(task["id"]), "--undo").code == 0
    assert len(jtek("contact", "tasks", "--mine", "--json").json()) == 1


def test_show_prints_markup_literally(jtek, seeded):
    jtek("contact", "log", "2", "[bold]not bold[/] and [link=x]y[/link]")
    r = jtek("contact", "show", "2")
    assert r.code == 0
    assert "[bold]Bobby[/] [USD] Tables" in r.out and "[bold]not bold[/] and [link=x]y[/link]" in r.out
    assert "[bold]Bobby[/] [USD] Tables" in jtek("contact", "list", "--json").out


def test_show_trims_a_long_timeline(jtek, seeded):
    for i in range(25):
        jtek("contact", "log", "1", f"note {i}")
    out = jtek("contact", "show", "1").out
    assert "the last 20; --all for everything" in out and "note 24" in out and "note 3 " not in out
    assert "note 3" in jtek("contact", "show", "1", "--all").out


def test_list_sort_and_last_activity(jtek, seeded):
    jtek("contact", "add", "Ann Zed", "--tag", "vip")
    rows = jtek("contact", "list", "--sort", "open_value", "--desc", "--json").json()
    assert rows[0]["name"] == "Maria Johnson" and rows[0]["last_activity_at"].endswith("Z")
    assert rows[-1]["last_activity_at"] is None
    assert [r["name"] for r in jtek("contact", "list", "--sort", "name", "--json").json()] == [
        "Maria Johnson", "[bold]Bobby[/] [USD] Tables", "Ann Zed"]
    assert [r["name"] for r in jtek("contact", "list", "--search", "vip", "--json").json()] == ["Ann Zed"]


def test_delete_refused_while_it_has_deals(jtek, seeded):
    before = counts(seeded)
    r = jtek("contact", "delete", "Maria Johnson")
    assert r.code == 2
    assert r.err == "jtek: Maria Johnson has 1 deal (1 open); not deleted. Use --force to delete the contact " \
                    "with its deals.\n"
    assert counts(seeded) == before
    r = jtek("contact", "delete", "Maria Johnson", "--force")
    assert r.code == 0 and r.out.strip() == "Deleted contact Maria Johnson and 1 deal."
    after = counts(seeded)
    assert (after["contact"], after["opportunity"]) == (1, 0)
    r = jtek("contact", "delete", "2")
    assert r.code == 0 and r.out.strip() == "Deleted contact [bold]Bobby[/] [USD] Tables."


BAD = [
    ("contact", "edit", "Maria Johnson"),
    ("contact", "edit", "Maria Johnson", "--email", "nope"),
    ("contact", "edit", "Maria Johnson", "--name", " "),
    ("contact", "edit", "Nobody", "--company", "x"),
    ("contact", "tag", "Maria Johnson"),
    ("contact", "tag", "Maria Johnson", "ok", "bad,tag"),
    ("contact", "untag", "Maria Johnson", " "),
    ("contact", "log", "Maria Johnson"),
    ("contact", "log", "Maria Johnson", "  "),
    ("contact", "log", "Maria Johnson", "x", "--kind", "system"),
    ("contact", "log", "Maria Johnson", "x", "--due", "tomorrow"),
    ("contact", "log", "Maria Johnson", "x", "--kind", "task", "--due", "someday"),
    ("contact", "log", "Maria Johnson", "x", "--opp", "Nope"),
    ("contact", "log", "[bold]Bobby[/] [USD] Tables", "x", "--opp", "Lake house"),
    ("contact", "log", "Maria Johnson", "x", "--at", "whenever"),
    ("contact", "done", "99"),
    ("contact", "done", "abc"),
    ("contact", "delete", "Maria Johnson"),
    ("contact", "delete", "Nobody"),
    ("contact", "list", "--sort", "shoe"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_exit_2_and_nothing_written(jtek, seeded, args):
    before = counts(seeded)
    r = jtek(*args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("jtek: ") and r.err.count("\n") == 1, r.err
    assert counts(seeded) == before


def test_done_refuses_a_note(jtek, seeded):
    jtek("contact", "log", "1", "just a note")
    r = jtek("contact", "done", "1")
    assert r.code == 2 and "not a task" in r.err
