from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.bootstrap import open_database


def test_demo_database(jtek, tmp_path):
    from jtek_tui.config import demo_db_path

    r = jtek("demo", "--no-open", db=None)
    assert r.code == 0, r.err
    path = demo_db_path()
    db = open_database(str(path))
    try:
        assert [p.name for p in P.list_pipelines(db)] == ["Buyers", "Sellers"]
        assert 35 <= len(C.list_contacts(db)) <= 45
        rows = O.list_opportunities(db, status=None)
        assert 55 <= len(rows) <= 70
        open_rows = [r for r in rows if r.status == "open"]
        assert any(r.is_overdue() for r in open_rows)
        assert {r.status for r in rows} == {"open", "won", "lost"}
        assert len({r.assignee for r in rows}) >= 3
        assert all(r.value_cents is None or r.value_cents >= 100_000_00 for r in rows)
        multi = [r for r in rows if len(O.opportunity_history(db, r.id)) >= 3]
        assert len(multi) >= 10
    finally:
        db.dispose()
    mtime = path.stat().st_mtime_ns
    assert jtek("demo", "--no-open", db=None).code == 0
    assert path.stat().st_mtime_ns == mtime  # built once
    assert jtek("demo", "--reset", "--no-open", db=None).code == 0
    assert path.stat().st_mtime_ns != mtime


def test_demo_automations_fire_on_a_move(jtek):
    from jtek_tui.config import demo_db_path
    from jtek_tui.domain import automations as A
    from jtek_tui.domain import contacts as C

    assert jtek("demo", "--no-open", db=None).code == 0
    db = open_database(str(demo_db_path()))
    try:
        assert len(A.list_automations(db)) == 2
        deal = next(r for r in O.list_opportunities(db) if r.pipeline == "Buyers" and r.stage == "Showing")
        O.move_opportunity(db, deal.id, "Offer Made")
        assert "offer-out" in C.contact_row(db, deal.contact_id).tags
    finally:
        db.dispose()
