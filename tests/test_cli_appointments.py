"""`jtek appointment add|list|edit|cancel|done`."""

import sqlite3

import pytest


def counts(path):
    with sqlite3.connect(path) as raw:
        return {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("appointment", "activity")}


@pytest.fixture
def seeded(jtek, db_path, frozen):
    frozen("2027-03-01T09:00")  # a Monday; TZ=UTC in tests
    assert jtek("contact", "add", "Maria Johnson").code == 0
    assert jtek("contact", "add", "[bold]Bobby[/] Tables").code == 0
    assert jtek("opp", "add", "--contact", "Maria Johnson", "--name", "Lake house").code == 0
    assert jtek("opp", "add", "--contact", "[bold]Bobby[/] Tables", "--name", "Bobby's deal").code == 0
    return db_path


def line(text: str) -> str:
    """Confirmations wrap at 80 columns like every `say`; compare them as one line."""
    return " ".join(text.split())


def add(jtek, *args):
    return jtek("appointment", "add", *args)


def test_add_and_list(jtek, seeded):
    r = add(jtek, "Maria Johnson", "--title", "Showing at 12 Elm", "--start", "tomorrow 14:00",
            "--duration", "1h30m", "--location", "12 Elm St", "--opp", "Lake house")
    assert r.code == 0 and r.err == ""
    assert line(r.out) == "Booked appointment #1: Showing at 12 Elm with Maria Johnson, Tue Mar 02 14:00–15:30."
    r = add(jtek, "2", "--title", "Call", "--start", "2027-03-05 09:00", "--end", "9:15", "--json")
    data = r.json()
    assert (data["contact"], data["starts_at"], data["ends_at"], data["minutes"], data["clashes"]) == (
        "[bold]Bobby[/] Tables", "2027-03-05T09:00:00Z", "2027-03-05T09:15:00Z", 15, [])
    assert add(jtek, "1", "--title", "Consultation", "--start", "-3d 10:00").code == 0
    rows = jtek("appointment", "list", "--json").json()
    assert [a["title"] for a in rows] == ["Consultation", "Showing at 12 Elm", "Call"]
    assert rows[1]["opportunity"] == "Lake house" and rows[1]["owner"] == "alice"
    assert [a["title"] for a in jtek("appointment", "list", "--upcoming", "--json").json()] == [
        "Showing at 12 Elm", "Call"]
    assert [a["title"] for a in jtek("appointment", "list", "--past", "--json").json()] == ["Consultation"]
    assert [a["title"] for a in jtek("appointment", "list", "--contact", "Maria Johnson", "--json").json()] == [
        "Consultation", "Showing at 12 Elm"]
    assert len(jtek("appointment", "list", "--mine", "--json").json()) == 3
    assert jtek("appointment", "list", "--owner", "nobody").code == 2
    out = jtek("appointment", "list").out  # 80 columns: long cells are cut, markup stays literal
    assert "[bold]Bobby[/]" in out and "Showing at 12 Elm" in out


def test_overlap_is_a_warning_and_still_saved(jtek, seeded):
    assert add(jtek, "Maria Johnson", "--title", "Showing", "--start", "tomorrow 14:00").code == 0
    before = counts(seeded)
    r = add(jtek, "[bold]Bobby[/] Tables", "--title", "Call", "--start", "tomorrow 14:30", "--duration", "30m")
    assert r.code == 0
    assert r.err == ("jtek: warning: this overlaps your appointment #1 'Showing' with Maria Johnson "
                     "(Tue Mar 02 14:00–15:00); saved anyway.\n")
    assert counts(seeded)["appointment"] == before["appointment"] + 1
    r = add(jtek, "1", "--title", "Later", "--start", "tomorrow 15:00", "--json")
    assert r.code == 0 and r.err == "" and r.json()["clashes"] == []  # touching is not overlapping
    r = jtek("appointment", "edit", "3", "--start", "tomorrow 14:45")
    assert r.code == 0 and r.err.count("warning") == 2


def test_edit_cancel_done(jtek, seeded):
    assert add(jtek, "1", "--title", "Showing", "--start", "tomorrow 14:00").code == 0
    r = jtek("appointment", "edit", "1", "--start", "+2d 10:00", "--title", "Second showing")
    assert r.code == 0 and "Second showing with Maria Johnson, Wed Mar 03 10:00–11:00" in line(r.out)
    r = jtek("appointment", "edit", "#1", "--end", "12:00", "--json")
    assert r.json()["minutes"] == 120
    assert jtek("appointment", "edit", "1", "--opp", "", "--json").json()["opportunity"] is None
    r = jtek("appointment", "done", "1")
    assert r.code == 2 and "only past appointments" in r.err
    r = jtek("appointment", "cancel", "1")
    assert r.code == 0 and line(r.out) == "Cancelled appointment #1: Second showing with Maria Johnson."
    assert jtek("appointment", "cancel", "1").code == 2
    assert add(jtek, "1", "--title", "Consultation", "--start", "yesterday 10:00").code == 0
    r = jtek("appointment", "done", "2")
    assert r.code == 0 and r.out.strip() == "Appointment #2 Consultation: done."
    assert jtek("appointment", "done", "2", "--undo").out.strip() == "Appointment #2 Consultation: scheduled."
    activity = [e["text"] for e in jtek("contact", "show", "1", "--json").json()["activity"]
                if e["kind"] == "system"]
    assert activity == [
        "Appointment moved: Second showing (from 2027-03-02 14:00 to 2027-03-03 10:00)",  # renamed too
        "Appointment cancelled: Second showing (2027-03-03 10:00)",
        "Appointment held: Consultation",
        "Appointment no longer marked done: Consultation",
    ]


BAD = [
    ("add", "Maria Johnson", "--title", "x"),
    ("add", "Maria Johnson", "--start", "tomorrow 9:00"),
    ("add", "Maria Johnson", "--title", " ", "--start", "tomorrow 9:00"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow"),
    ("add", "Maria Johnson", "--title", "x", "--start", "someday"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow 9:00", "--duration", "forever"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow 9:00", "--duration", "25h"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow 9:00", "--end", "8:00"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow 9:00", "--end", "10:00", "--duration", "1h"),
    ("add", "Maria Johnson", "--title", "x", "--start", "tomorrow 9:00", "--opp", "Bobby's deal"),
    ("add", "Nobody", "--title", "x", "--start", "tomorrow 9:00"),
    ("edit", "1"),
    ("edit", "99", "--title", "x"),
    ("edit", "abc", "--title", "x"),
    ("edit", "1", "--start", "whenever"),
    ("cancel", "99"),
    ("done", "1"),
    ("list", "--contact", "Nobody"),
    ("list", "--status", "maybe"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_exit_2_and_nothing_written(jtek, seeded, args):
    assert add(jtek, "Maria Johnson", "--title", "Showing", "--start", "tomorrow 14:00").code == 0
    before = counts(seeded)
    r = jtek("appointment", *args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("jtek: ") and r.err.count("\n") == 1, r.err
    assert counts(seeded) == before
