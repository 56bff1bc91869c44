"""The `jtek` command line: happy paths, JSON shapes, and bad input (exit 2, nothing written)."""

import sqlite3

import pytest


def counts(path):
    with sqlite3.connect(path) as raw:
        return {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("contact", "opportunity", "stage_change", "pipeline", "stage", "tag")}


@pytest.fixture
def seeded(jtek, db_path):
    assert jtek("contact", "add", "Maria Johnson", "--email", "maria@example.com", "--tag", "buyer").code == 0
    r = jtek("opp", "add", "--contact", "Maria Johnson", "--value", "$750k", "--name", "Lake house",
             "--close", "2027-01-31", "--notes", "[bold]not bold[/]")
    assert r.code == 0, r.err
    return db_path


def test_contact_add_list_show(jtek, seeded):
    r = jtek("contact", "list", "--json")
    assert r.code == 0
    (c,) = r.json()
    assert c["name"] == "Maria Johnson" and c["tags"] == ["buyer"] and c["open_deals"] == 1
    r = jtek("contact", "show", "maria@example.com", "--json")
    data = r.json()
    assert data["opportunities"][0]["name"] == "Lake house"
    r = jtek("contact", "show", "Maria Johnson")
    assert "Lake house" in r.out and "maria@example.com" in r.out
    r = jtek("contact", "list", "--search", "mjoh")
    assert "Maria Johnson" in r.out


def test_opp_lifecycle_and_json(jtek, seeded):
    r = jtek("opp", "list", "--json")
    (o,) = r.json()
    assert {k: o[k] for k in ("name", "contact", "pipeline", "stage", "status", "value_cents",
                              "expected_close", "assignee", "notes")} == {
        "name": "Lake house", "contact": "Maria Johnson", "pipeline": "Sales Pipeline",
        "stage": "New Lead", "status": "open", "value_cents": 75_000_000,
        "expected_close": "2027-01-31", "assignee": "alice", "notes": "[bold]not bold[/]"}
    assert jtek("opp", "move", "lake house", "qualified").code == 0
    assert jtek("opp", "won", str(o["id"])).code == 0
    r = jtek("opp", "show", "Lake house", "--json")
    data = r.json()
    assert data["status"] == "won"
    assert [(h["from"], h["to"], h["by"]) for h in data["history"]] == [
        (None, "New Lead", "alice"), ("New Lead", "Qualified", "alice"), ("Qualified", "Closed Won", "alice")]
    assert all(h["at"].endswith("Z") for h in data["history"])
    assert jtek("opp", "list", "--json").json() == []
    assert len(jtek("opp", "list", "--status", "won", "--json").json()) == 1
    assert jtek("opp", "reopen", "Lake house").code == 0
    assert jtek("opp", "lost", "Lake house", "--reason", "Priced out").code == 0
    lost = jtek("opp", "list", "--status", "lost", "--json").json()
    assert lost[0]["lost_reason"] == "Priced out"


def test_show_prints_markup_literally(jtek, seeded):
    r = jtek("opp", "show", "Lake house")
    assert "[bold]not bold[/]" in r.out


def test_pipeline_commands(jtek, db_path):
    assert jtek("pipeline", "add", "Buyers", "--stage", "Inquiry", "--stage", "Showing").code == 0
    assert jtek("pipeline", "stage-add", "Buyers", "Offer", "--probability", "60").code == 0
    data = jtek("pipeline", "list", "--json").json()
    buyers = next(p for p in data if p["name"] == "Buyers")
    assert [s["name"] for s in buyers["stages"]] == ["Inquiry", "Showing", "Offer", "Closed Won", "Closed Lost"]
    assert "Buyers" in jtek("pipeline", "list").out


def test_db_commands(jtek, db_path):
    r = jtek("db", "path")
    assert r.out.strip() == str(db_path)
    assert jtek("db", "upgrade").code == 0


BAD = [
    ("contact", "add", ""),
    ("contact", "add", "X", "--email", "nope"),
    ("contact", "add", "X", "--phone", "call me maybe"),
    ("contact", "show", "Nobody"),
    ("opp", "add", "--contact", "Nobody"),
    ("opp", "add", "--contact", "Maria Johnson", "--value", "-5"),
    ("opp", "add", "--contact", "Maria Johnson", "--value", "lots"),
    ("opp", "add", "--contact", "Maria Johnson", "--close", "someday"),
    ("opp", "add", "--contact", "Maria Johnson", "--pipeline", "Nope"),
    ("opp", "add", "--contact", "Maria Johnson", "--stage", "Nope"),
    ("opp", "add", "--contact", "Maria Johnson", "--assignee", "nobody"),
    ("opp", "move", "Lake house", "Nowhere"),
    ("opp", "move", "999", "Qualified"),
    ("opp", "lost", "Lake house"),
    ("opp", "lost", "Lake house", "--reason", "  "),
    ("opp", "list", "--status", "sideways"),
    ("opp", "frobnicate"),
    ("pipeline", "add", "Sales Pipeline"),
    ("pipeline", "stage-add", "Sales Pipeline", "Won't", "--probability", "300"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_exit_2_and_nothing_written(jtek, seeded, args):
    before = counts(seeded)
    r = jtek(*args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("jtek: ") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err + r.out
    assert counts(seeded) == before


def test_corrupt_database_is_one_line_exit_1(jtek, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 500)
    r = jtek("opp", "list", db=bad)
    assert r.code == 1 and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_no_terminal_for_the_board(jtek):
    r = jtek()
    assert r.code == 1 and "terminal" in r.err


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "jtek_tui", "--db", str(tmp_path / "x.db"), "pipeline", "list",
                           "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Sales Pipeline" in done.stdout
