"""Identity: the OS login acts (created on first use) and `jtek member …` manages the team."""

from __future__ import annotations

import pytest

from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import ValidationError


def test_first_use_creates_the_member_and_later_opens_take_no_write_lock(db_path, monkeypatch):
    monkeypatch.setenv("JTEK_USER", "dana")
    db = open_database(str(db_path))
    assert db.actor_login == "dana"
    assert [m.login for m in M.list_members(db)] == ["dana"]
    db.dispose()
    from jtek_tui.db import Database

    writes = []
    real = Database.write
    monkeypatch.setattr(Database, "write", lambda self: writes.append(1) or real(self))
    again = open_database(str(db_path))
    assert writes == [] and again.actor_login == "dana"
    again.dispose()


def test_history_shows_who_did_what(db, db_path, jtek):
    bob = open_database(str(db_path), login="bob")
    try:
        from jtek_tui.domain import contacts as C

        o = O.create_opportunity(db, contact=C.create_contact(db, "Maria").id, name="Lake house")
        O.move_opportunity(bob, o.id, "Qualified")
    finally:
        bob.dispose()
    history = jtek("opp", "show", "Lake house", "--json").json()["history"]
    assert [h["by"] for h in history] == ["alice", "bob"]


def test_member_commands(jtek):
    r = jtek("member", "add", "Bob Smith", "--login", "bob", "--email", "bob@example.com", "--json")
    assert r.code == 0, r.err
    assert {k: r.json()[k] for k in ("name", "login", "email", "active", "initials", "is_me")} == {
        "name": "Bob Smith", "login": "bob", "email": "bob@example.com", "active": True,
        "initials": "BS", "is_me": False}
    assert jtek("member", "rename", "bob", "Robert Smith").code == 0
    r = jtek("member", "deactivate", "RS")
    assert r.code == 0 and "Deactivated team member" in r.out
    assert [m["login"] for m in jtek("member", "list", "--json").json()] == ["alice"]
    everyone = jtek("member", "list", "--all", "--json").json()
    assert [(m["name"], m["active"], m["is_me"]) for m in everyone] == [
        ("alice", True, True), ("Robert Smith", False, False)]
    assert "(you)" in jtek("member", "list").out
    assert jtek("member", "activate", "Robert Smith").code == 0
    assert len(jtek("member", "list", "--json").json()) == 2


@pytest.mark.parametrize("args, field", [
    (["add", "alice"], "name"),  # names stay unambiguous
    (["add", "  "], "name"),
    (["add", "Eve", "--login", "alice"], "login"),
    (["add", "Eve", "--email", "not-an-email"], "email"),
    (["rename", "alice", ""], "name"),
])
def test_member_bad_input_is_exit_2_and_writes_nothing(jtek, args, field):
    assert jtek("member", "list").code == 0
    r = jtek("member", *args)
    assert r.code == 2 and r.err.startswith("jtek: ") and len(r.err.strip().splitlines()) == 1
    assert len(jtek("member", "list", "--all", "--json").json()) == 1


def test_deactivated_member_still_acts_with_a_notice(db, db_path):
    M.set_member_active(db, "alice", False)
    again = open_database(str(db_path), login="alice")
    try:
        assert again.actor_login == "alice" and "deactivated" in again.notices[0]
    finally:
        again.dispose()


def test_a_login_whose_name_is_taken_gets_a_distinct_name(db, db_path):
    M.add_member(db, "carol")
    other = open_database(str(db_path), login="carol")
    try:
        names = sorted(m.name for m in M.list_members(other))
        assert names == ["alice", "carol", "carol (carol)"]
    finally:
        other.dispose()


def test_rename_validation_names_the_field(db):
    M.add_member(db, "Bob")
    with pytest.raises(ValidationError) as info:
        M.rename_member(db, "Bob", "ALICE")
    assert info.value.field == "name"
