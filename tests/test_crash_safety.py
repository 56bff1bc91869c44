"""SIGKILL in the middle of writes: the file stays consistent and every acknowledged change stays.

A child process writes in a loop — moves, edits, and "imports" (many rows in
one transaction) — and prints an acknowledgement, flushed, after each commit.
The parent kills it with SIGKILL at a random moment, then checks the file.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import textwrap
import time

from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from tests.sharedbox_helpers import python

CHILD = textwrap.dedent(r"""
    import random, sys
    from jtek_tui.domain.bootstrap import open_database
    from jtek_tui.domain import contacts as C, opportunities as O, pipelines as P

    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    db = open_database(path, login="alice", daily_backup=False)
    stages = [s.id for s in P.list_stages(db, P.get_pipeline(db).id)]
    ids = [r.id for r in O.list_opportunities(db, status=None)]
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        oid = rng.choice(ids)
        kind = rng.random()
        if kind < 0.4:
            o = O.move_opportunity(db, oid, rng.choice(stages), lost_reason="crash test")
            print(f"move {oid} {o.version} {o.stage_id}", flush=True)
        elif kind < 0.8:
            token = f"s{seed}-{i}"
            o = O.update_opportunity(db, oid, notes=token)
            print(f"edit {oid} {o.version} {token}", flush=True)
        else:
            tag = f"import-{seed}-{i}"
            n = rng.randrange(50, 300)
            print(f"begin {tag} {n}", flush=True)
            with db.write():
                for k in range(n):
                    C.create_contact(db, f"Imported {k}", source=tag)
            print(f"import {tag} {n}", flush=True)
""")


def _run_and_kill(db_path, seed: int, rng: random.Random) -> list[str]:
    child = python(CHILD, str(db_path), str(seed))
    assert child.stdout.readline().strip() == "ready", child.stderr.read()
    time.sleep(rng.uniform(0.05, 0.6))
    child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert "Traceback" not in err, err
    return out.splitlines()


def test_sigkill_mid_write_keeps_the_file_consistent_and_acknowledged_changes(db, db_path):
    person = C.create_contact(db, "Crash Test")
    for i in range(5):
        O.create_opportunity(db, contact=person.id, name=f"Deal {i}")
    db.dispose()
    rng = random.Random(7)
    acked_total = 0
    for seed in range(4):
        lines = _run_and_kill(db_path, seed, rng)
        with sqlite3.connect(db_path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
            last: dict[int, tuple[str, int, str]] = {}
            begun: dict[str, int] = {}
            for line in lines:
                kind, *rest = line.split()
                if kind in ("move", "edit"):
                    oid, version, what = int(rest[0]), int(rest[1]), rest[2]
                    last[oid] = (kind, version, what)
                    acked_total += 1
                elif kind == "begin":
                    begun[rest[0]] = int(rest[1])
                elif kind == "import":
                    n = raw.execute("SELECT count(*) FROM contact WHERE source = ?", (rest[0],)).fetchone()[0]
                    assert n == int(rest[1])  # an acknowledged import is all there
                    del begun[rest[0]]
                    acked_total += 1
            for tag, n in begun.items():  # killed during the import: all of it or none of it
                got = raw.execute("SELECT count(*) FROM contact WHERE source = ?", (tag,)).fetchone()[0]
                assert got in (0, n)
            for oid, (kind, version, what) in last.items():
                current, stage, notes = raw.execute(
                    "SELECT version, stage_id, notes FROM opportunity WHERE id = ?", (oid,)).fetchone()
                assert current >= version  # nothing acknowledged was rolled back
                if current == version:  # nothing committed after the acknowledged change
                    assert str(stage) == what if kind == "move" else notes == what
            for oid, stage in raw.execute("SELECT id, stage_id FROM opportunity"):
                (to,) = raw.execute("SELECT to_stage_id FROM stage_change WHERE opportunity_id = ? "
                                    "ORDER BY id DESC LIMIT 1", (oid,)).fetchone()
                assert to == stage  # the move and its history row are one unit
    assert acked_total > 20  # the children really were writing when killed
