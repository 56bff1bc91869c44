"""Several agents on one database: conflicts, busy locks, and a multi-process stress run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import textwrap

import pytest
from sqlalchemy import func, select

from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import BusyError
from jtek_tui.domain.opportunities import AlreadyMoved, OpportunityConflict
from jtek_tui.models import StageChange
from tests.sharedbox_helpers import python


@pytest.fixture
def bob(db, db_path):
    """A second agent: another OS login, its own connections to the same file."""
    other = open_database(str(db_path), login="bob")
    yield other
    other.dispose()


@pytest.fixture
def deal(db):
    person = C.create_contact(db, "Maria Johnson")
    return O.create_opportunity(db, contact=person.id, name="Lake house", value_cents=100)


def test_later_save_is_told_who_and_when(db, bob, deal, frozen):
    at = frozen("2030-03-02T14:05")
    seen_by_alice = O.get_row(db, deal.id).version
    seen_by_bob = O.get_row(bob, deal.id).version
    O.update_opportunity(bob, deal.id, expected_version=seen_by_bob, value_cents=200)
    with pytest.raises(OpportunityConflict) as info:
        O.update_opportunity(db, deal.id, expected_version=seen_by_alice, value_cents=300)
    assert info.value.by == "bob" and info.value.at == at
    assert "bob" in str(info.value) and "14:05" in str(info.value)
    assert O.get_row(db, deal.id).value_cents == 200  # nothing overwritten
    fresh = O.get_row(db, deal.id)  # "reload" and save again: accepted
    O.update_opportunity(db, deal.id, expected_version=fresh.version, value_cents=300)
    assert O.get_row(bob, deal.id).value_cents == 300


def test_moving_a_card_someone_just_moved_there_is_reported_not_applied_twice(db, bob, deal, frozen):
    frozen("2030-03-02T09:30")
    seen = O.get_row(db, deal.id).version
    O.move_opportunity(bob, deal.id, "Qualified", expected_version=O.get_row(bob, deal.id).version)
    with pytest.raises(AlreadyMoved) as info:
        O.move_opportunity(db, deal.id, "Qualified", expected_version=seen)
    assert info.value.stage == "Qualified" and info.value.by == "bob"
    assert "already in Qualified" in str(info.value) and "09:30" in str(info.value)
    history = O.opportunity_history(db, deal.id)
    assert [(h.to_stage, h.by) for h in history] == [("New Lead", "alice"), ("Qualified", "bob")]


def test_moving_a_card_someone_moved_elsewhere_is_a_conflict(db, bob, deal):
    seen = O.get_row(db, deal.id).version
    O.move_opportunity(bob, deal.id, "Negotiation")
    with pytest.raises(OpportunityConflict) as info:
        O.move_opportunity(db, deal.id, "Qualified", expected_version=seen)
    assert not isinstance(info.value, AlreadyMoved)
    assert O.get_row(db, deal.id).stage == "Negotiation"
    assert len(O.opportunity_history(db, deal.id)) == 2


def test_own_other_window_is_named_as_such(db, db_path, deal):
    window2 = open_database(str(db_path), login="alice")
    try:
        seen = O.get_row(db, deal.id).version
        O.mark_won(window2, deal.id)
        with pytest.raises(AlreadyMoved, match="you \\(in another window\\)"):
            O.mark_won(db, deal.id, expected_version=seen)
    finally:
        window2.dispose()


def test_a_held_lock_becomes_a_plain_busy_error(db, db_path, deal, monkeypatch):
    import jtek_tui.db

    monkeypatch.setattr(jtek_tui.db, "BUSY_TIMEOUT_MS", 200)
    impatient = open_database(str(db_path), login="carol")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(BusyError, match="busy") as info:
            O.update_opportunity(impatient, deal.id, notes="x")
        assert "\n" not in str(info.value)
        assert O.get_row(impatient, deal.id).notes == ""  # reads still work meanwhile
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        impatient.dispose()
    O.update_opportunity(db, deal.id, notes="after")  # the lock is gone: writes work again
    assert O.get_row(db, deal.id).notes == "after"


def test_busy_cli_is_one_line_exit_1(jtek, db, db_path, deal, monkeypatch):
    import jtek_tui.db

    monkeypatch.setattr(jtek_tui.db, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        r = jtek("opp", "move", "Lake house", "Qualified")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert r.code == 1
    assert r.err.strip().splitlines() == [
        "jtek: The database is busy (another agent is writing); try again in a moment."]
    assert O.get_row(db, deal.id).stage == "New Lead"


# -- several processes at once ---------------------------------------------------

WORKER = textwrap.dedent(r"""
    import json, random, sys
    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.domain import opportunities as O, pipelines as P
    from jtek_tui.domain.errors import BusyError, ConflictError

    path, login, seed, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    db = open_database(path, login=login, daily_backup=False)
    pipe = P.get_pipeline(db)
    stages = [s.id for s in P.list_stages(db, pipe.id)]
    screen = {r.id: r for r in O.list_opportunities(db, status=None)}  # what this agent's board shows
    ids = sorted(screen)
    stats = dict(moves=0, edits=0, conflicts=0, already=0, busy=0, noop=0)
    for i in range(rounds):
        if rng.random() < 0.3:  # the board refreshes now and then, so some versions are stale
            screen = {r.id: r for r in O.list_opportunities(db, status=None)}
        row = screen[rng.choice(ids)]
        action = rng.random()
        try:
            if action < 0.45:  # a key press on the board: move with the version shown
                target = rng.choice([s for s in stages if s != row.stage_id])
                O.move_opportunity(db, row.id, target, expected_version=row.version, lost_reason="stress")
                stats["moves"] += 1
            elif action < 0.6:  # the CLI: move to whatever is current, no version
                target = rng.choice(stages)
                with db.write():
                    before = O.get_opportunity(db, row.id).stage_id
                    O.move_opportunity(db, row.id, target, lost_reason="stress")
                stats["moves" if before != target else "noop"] += 1
            else:  # the edit form: save with the version it was opened on
                O.update_opportunity(db, row.id, expected_version=row.version,
                                     notes=f"{login} edit {i}", value_cents=rng.randrange(1, 10**8))
                stats["edits"] += 1
        except O.AlreadyMoved:
            stats["already"] += 1
        except ConflictError:
            stats["conflicts"] += 1
        except BusyError:
            stats["busy"] += 1
    print(json.dumps(stats))
""")


def test_stress_several_processes_on_the_same_deals(db, db_path):
    person = C.create_contact(db, "Stress Test")
    deals = [O.create_opportunity(db, contact=person.id, name=f"Deal {i}").id for i in range(6)]
    db.dispose()
    workers = [python(WORKER, str(db_path), login, str(seed), "300")
               for seed, login in enumerate(["alice", "bob", "carol"])]
    results = []
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert "Traceback" not in err
        results.append(json.loads(out))
    moves = sum(r["moves"] for r in results)
    edits = sum(r["edits"] for r in results)
    assert moves > 100 and edits > 50
    assert sum(r["conflicts"] + r["already"] for r in results) > 0  # stale screens did happen

    check = open_database(str(db_path), login="alice", daily_backup=False)
    try:
        with check.read() as s:
            changes = s.scalar(select(func.count()).select_from(StageChange)
                               .where(StageChange.from_stage_id.is_not(None)))
        assert changes == moves
        bumps = 0
        for oid in deals:
            row = O.get_row(check, oid)
            history = O.opportunity_history(check, oid)
            assert history[-1].to_stage_id == row.stage_id
            bumps += row.version - 1
        assert bumps == moves + edits  # no lost update: every acknowledged change left its mark
    finally:
        check.dispose()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


OPENER = textwrap.dedent(r"""
    import sys
    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.domain import pipelines as P
    import jtek_tui.db, alembic.command, alembic.script  # imports done before the start line
    print("ready", flush=True)
    sys.stdin.readline()
    db = open_database(sys.argv[1], login=sys.argv[2])
    print(len(P.list_pipelines(db)))
""")


def test_agents_opening_a_new_database_at_the_same_moment(tmp_path):
    """Each one sees an empty file and wants to create the schema: one does, the others wait and see it done."""
    path = tmp_path / "new.db"
    procs = [python(OPENER, str(path), login, stdin=subprocess.PIPE)
             for login in ("alice", "bob", "alice")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # all at once
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert out.strip() == "1"
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM pipeline").fetchone()[0] == 1
        assert sorted(r[0] for r in raw.execute("SELECT login FROM team_member")) == ["alice", "bob"]
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
