"""benchmarks/generate.py builds data the domain itself could have written.

Benchmarks are only as honest as their data: these check the invariants the
app relies on (status follows the stage, the history chain is unbroken and ends
where the deal is, rows arrive in time order) on a small build. Timing is the
benchmark's job, not the tests'.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from itertools import groupby
from pathlib import Path

import pytest

from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain import reports as R
from jtek_tui.domain.bootstrap import open_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("benchmark_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def build(gen, path: Path, *args, **kw) -> dict:
    return gen.generate(path, gen.Plan(*args, **kw), log=lambda *_: None)


def test_generated_history_is_consistent(gen, tmp_path):
    path = tmp_path / "bench.db"
    stats = build(gen, path, 600, 150, pipelines=3, seed=5)
    assert (stats["opportunities"], stats["open"], stats["won"] + stats["lost"]) == (600, 150, 450)
    assert 3.0 <= stats["changes_per_deal"] <= 5.5
    raw = sqlite3.connect(path)
    one = lambda sql: raw.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM pipeline") == 3 and one("SELECT count(*) FROM team_member") == 13
    assert one("SELECT count(*) FROM contact") == 300 and one("SELECT count(*) FROM contact_tag") > 100
    assert one("SELECT count(*) FROM opportunity o JOIN stage s ON s.id = o.stage_id "
               "WHERE s.kind != o.status OR s.pipeline_id != o.pipeline_id") == 0
    assert one("SELECT count(*) FROM opportunity WHERE (status = 'open') != (closed_at IS NULL)") == 0
    assert one("SELECT count(*) FROM opportunity WHERE status != 'lost' AND lost_reason IS NOT NULL") == 0
    assert 0 < one("SELECT count(*) FROM opportunity WHERE value_cents IS NULL") < 100
    assert one("SELECT count(*) FROM opportunity WHERE status = 'open' AND expected_close < date('now')") > 0

    deals = {r[0]: r for r in raw.execute(
        "SELECT id, stage_id, created_at, stage_entered_at, closed_at, status, version FROM opportunity")}
    rows = raw.execute("SELECT opportunity_id, from_stage_id, to_stage_id, changed_at, id FROM stage_change "
                       "ORDER BY opportunity_id, changed_at, id").fetchall()
    for opp_id, history in groupby(rows, key=lambda r: r[0]):
        history = list(history)
        _, stage_id, created, entered, closed, status, version = deals[opp_id]
        assert history[0][1] is None and history[0][3] == created
        assert all(b[1] == a[2] for a, b in zip(history, history[1:])), opp_id  # unbroken chain
        assert history[-1][2] == stage_id and history[-1][3] == entered
        assert closed == (entered if status != "open" else None)
        assert version == len(history)
    assert len({r[0] for r in rows}) == 600
    # rows arrive in time order, as real use writes them
    created = [r[0] for r in raw.execute("SELECT created_at FROM opportunity ORDER BY id")]
    assert created == sorted(created)
    changed = [r[0] for r in raw.execute("SELECT changed_at FROM stage_change ORDER BY id")]
    assert changed == sorted(changed)
    raw.close()

    db = open_database(str(path), login="bench")  # a real Jtek database: the app opens and reads it
    try:
        assert R.pipeline_value(db).deals == 150
        some = O.list_opportunities(db, status=None, limit=5)
        assert len(some) == 5 and all(O.opportunity_history(db, r.id)[-1].current for r in some)
        assert R.summary(db).won_deals + R.summary(db).lost_deals >= 0
    finally:
        db.dispose()


def test_board_shape_hot_column_and_many_columns(gen, tmp_path):
    path = tmp_path / "board.db"
    stats = build(gen, path, 400, 200, pipelines=1, hot_column=80, column_heavy=9, seed=2)
    assert "80 open deals" in stats["hot_column"]
    db = open_database(str(path), login="bench")
    try:
        (pipe,) = P.list_pipelines(db)
        columns = P.list_stages(db, pipe.id, kind="open")
        assert len(columns) == 9
        counts = [len(O.list_opportunities(db, pipeline_id=pipe.id, stage_id=st.id)) for st in columns]
        assert counts[0] == 80 and sum(counts) == 200
        positions = [r.position for r in O.list_opportunities(db, pipeline_id=pipe.id, stage_id=columns[0].id)]
        assert len(set(positions)) == 80  # a distinct place for every card
    finally:
        db.dispose()


def test_refusals(gen, tmp_path):
    path = tmp_path / "x.db"
    build(gen, path, 20, 5, seed=1)
    with pytest.raises(SystemExit):
        build(gen, path, 20, 5)  # exists: needs force
    assert gen.generate(path, gen.Plan(30, 5), force=True, log=lambda *_: None)["opportunities"] == 30
    with pytest.raises(SystemExit):
        build(gen, tmp_path / "y.db", 10, 11)
    with pytest.raises(SystemExit):
        build(gen, tmp_path / "z.db", 10, 5, pipelines=1, hot_column=8)  # only 5 open deals
