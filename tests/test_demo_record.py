"""The demo's contact records look alive: conversations, tasks and appointments, back-dated sensibly."""

from jtek_tui.demo import build_demo
from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain.bootstrap import open_database


def test_demo_contacts_have_a_history(tmp_path):
    path = build_demo(tmp_path / "demo.db", login="alice")
    db = open_database(str(path), login="alice")
    try:
        now = clock.now()
        rows = C.list_contacts(db)
        assert all(r.last_activity_at is not None and r.last_activity_at <= now for r in rows)
        kinds = set()
        for r in rows:
            entries = A.timeline(db, r.id)
            hand = [e for e in entries if e.editable]
            assert len(hand) >= 2, r.name
            assert all(r.created_at <= e.at <= now for e in entries), r.name
            kinds |= {e.kind for e in entries}
        assert kinds >= {"note", "call", "email", "sms", "meeting", "task", "system", "deal_created",
                         "stage_changed", "won", "lost", "appointment"}
        tasks = A.list_tasks(db, open_only=False)
        assert sum(t.is_done for t in tasks) >= 5
        assert sum(t.is_overdue(now) for t in tasks) >= 2
        assert sum(not t.is_done and not t.is_overdue(now) for t in tasks) >= 5
        assert all(t.done_at is None or t.at <= t.done_at <= now for t in tasks)
        appts = AP.list_appointments(db)
        upcoming = [a for a in appts if a.is_upcoming(now) and a.status == "scheduled"]
        assert len(upcoming) >= 10 and all(a.created_at < a.starts_at for a in upcoming)
        assert sum(a.status == "done" for a in appts) >= 10
        assert all(a.starts_at <= now for a in appts if a.status == "done")
        assert any(a.status == "cancelled" for a in appts)
        assert all(9 <= a.starts_at.astimezone().hour <= 17 for a in appts)
    finally:
        db.dispose()
