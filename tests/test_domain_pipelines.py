import pytest

from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.errors import RefusedError, ValidationError


def kinds(db, pipeline_id):
    return [(s.name, s.kind) for s in P.list_stages(db, pipeline_id)]


def test_create_has_one_won_and_one_lost(db):
    p = P.create_pipeline(db, "Buyers", ["Inquiry", "Showing"])
    assert kinds(db, p.id) == [("Inquiry", "open"), ("Showing", "open"),
                               ("Closed Won", "won"), ("Closed Lost", "lost")]
    with pytest.raises(ValidationError):
        P.create_pipeline(db, "buyers", ["X"])
    with pytest.raises(ValidationError):
        P.create_pipeline(db, "Empty", [])
    with pytest.raises(ValidationError):
        P.create_pipeline(db, "Dupes", ["A", "a"])


def test_rename_add_reorder_delete(db):
    p = P.create_pipeline(db, "Buyers", ["Inquiry", "Showing"])
    P.rename_pipeline(db, "buyers", "Home buyers")
    P.add_stage(db, p.id, "Offer", probability=60, rot_days=7)
    P.add_stage(db, p.id, "Tour", after="Inquiry")
    assert [n for n, _ in kinds(db, p.id)] == ["Inquiry", "Tour", "Showing", "Offer", "Closed Won", "Closed Lost"]
    P.reorder_stages(db, p.id, ["Offer", "Showing", "Tour", "Inquiry"])
    assert [n for n, _ in kinds(db, p.id)][:4] == ["Offer", "Showing", "Tour", "Inquiry"]
    with pytest.raises(ValidationError):
        P.reorder_stages(db, p.id, ["Offer", "Showing"])
    tour = next(s for s in P.list_stages(db, p.id) if s.name == "Tour")
    P.delete_stage(db, tour.id)
    assert "Tour" not in [n for n, _ in kinds(db, p.id)]


def test_delete_refusals(db):
    p = P.create_pipeline(db, "Buyers", ["Inquiry", "Showing"])
    stages = {s.name: s for s in P.list_stages(db, p.id)}
    with pytest.raises(RefusedError):
        P.delete_stage(db, stages["Closed Won"].id)
    c = C.create_contact(db, "Maria")
    o = O.create_opportunity(db, contact=c.id, pipeline=p.id)
    with pytest.raises(RefusedError, match="holds deals"):
        P.delete_stage(db, stages["Inquiry"].id)
    O.move_opportunity(db, o.id, "Showing")
    with pytest.raises(RefusedError, match="histories"):
        P.delete_stage(db, stages["Inquiry"].id)


def test_stage_numbers(db):
    p = P.get_pipeline(db)
    with pytest.raises(ValidationError):
        P.add_stage(db, p.id, "X", probability=101)
    with pytest.raises(ValidationError):
        P.add_stage(db, p.id, "X", rot_days=0)
