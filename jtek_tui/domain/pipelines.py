"""Pipelines and their stages.

Every pipeline keeps exactly one won and one lost stage: the final states a deal
can reach. They are created with the pipeline and can be renamed but never
deleted, so "mark won" and "mark lost" always have somewhere to go.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jtek_tui.db import Database
from jtek_tui.domain.errors import AmbiguousError, NotFoundError, RefusedError, ValidationError
from jtek_tui.domain.unset import UNSET, Unset
from jtek_tui.models import Opportunity, Pipeline, Stage, StageChange

OPEN, WON, LOST = "open", "won", "lost"
CLOSED_KINDS = (WON, LOST)

DEFAULT_PIPELINE = "Sales Pipeline"
#: (name, probability %, rot days)
DEFAULT_STAGES: list[tuple[str, int, int | None]] = [
    ("New Lead", 10, 7),
    ("Contacted", 20, 14),
    ("Qualified", 40, 21),
    ("Proposal Sent", 60, 14),
    ("Negotiation", 80, 14),
]
WON_STAGE = "Closed Won"
LOST_STAGE = "Closed Lost"


@dataclass(frozen=True)
class StageInfo:
    """A stage as the front ends need it (detached, hashable, cheap)."""

    id: int
    pipeline_id: int
    name: str
    position: int
    kind: str
    probability: int
    rot_days: int | None

    @property
    def is_open(self) -> bool:
        return self.kind == OPEN


def _info(stage: Stage) -> StageInfo:
    return StageInfo(
        stage.id, stage.pipeline_id, stage.name, stage.position, stage.kind, stage.probability,
        stage.rot_days,
    )


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(f"A {what} needs a name.", "name")
    if len(name) > 80:
        raise ValidationError(f"A {what} name can be at most 80 characters.", "name")
    return name


def create_pipeline(
    db: Database,
    name: str,
    stages: list[str] | list[tuple[str, int, int | None]] | None = None,
    *,
    won_name: str = WON_STAGE,
    lost_name: str = LOST_STAGE,
) -> Pipeline:
    """A pipeline with its open stages in order, then its won and lost stages."""
    name = _clean_name(name, "pipeline")
    specs: list[tuple[str, int, int | None]] = []
    for spec in stages if stages is not None else DEFAULT_STAGES:
        if isinstance(spec, str):
            specs.append((spec, 0, None))
        else:
            specs.append(spec)
    if not specs:
        raise ValidationError("A pipeline needs at least one open stage.", "stages")
    names = [_clean_name(s[0], "stage") for s in specs] + [won_name, lost_name]
    if len({n.lower() for n in names}) != len(names):
        raise ValidationError("Stage names in a pipeline must be different.", "stages")
    with db.write() as s:
        if s.scalars(select(Pipeline).where(func.lower(Pipeline.name) == name.lower())).first():
            raise ValidationError(f"There is already a pipeline called {name!r}.", "name")
        position = (s.scalar(select(func.max(Pipeline.position))) or 0) + 1
        pipeline = Pipeline(name=name, position=position)
        s.add(pipeline)
        s.flush()
        for i, (stage_name, probability, rot) in enumerate(specs):
            s.add(Stage(pipeline_id=pipeline.id, name=stage_name.strip(), position=i,
                        kind=OPEN, probability=probability, rot_days=rot))
        s.add(Stage(pipeline_id=pipeline.id, name=won_name, position=len(specs), kind=WON, probability=100))
        s.add(Stage(pipeline_id=pipeline.id, name=lost_name, position=len(specs) + 1, kind=LOST, probability=0))
        s.flush()
        return pipeline


def list_pipelines(db: Database, *, include_archived: bool = False) -> list[Pipeline]:
    with db.read() as s:
        q = select(Pipeline).order_by(Pipeline.position, Pipeline.id)
        if not include_archived:
            q = q.where(Pipeline.archived.is_(False))
        return list(s.scalars(q))


def find_pipeline(session: Session, ref: str | int | None) -> Pipeline:
    """By id or name (case-insensitive, unique prefix allowed). None -> the first pipeline."""
    if ref is None or str(ref).strip() == "":
        pipeline = session.scalars(
            select(Pipeline).where(Pipeline.archived.is_(False)).order_by(Pipeline.position, Pipeline.id)
        ).first()
        if pipeline is None:
            raise NotFoundError("There are no pipelines yet; add one with `jtek pipeline add`.")
        return pipeline
    text = str(ref).strip()
    if text.isdigit():
        pipeline = session.get(Pipeline, int(text))
        if pipeline:
            return pipeline
    pipelines = session.scalars(select(Pipeline)).all()
    exact = [p for p in pipelines if p.name.lower() == text.lower()]
    if exact:
        return exact[0]
    prefix = [p for p in pipelines if p.name.lower().startswith(text.lower())]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise AmbiguousError(
            f"{text!r} matches several pipelines: {', '.join(p.name for p in prefix)}.",
            [p.name for p in prefix],
        )
    raise NotFoundError(f"There is no pipeline called {text!r}.")


def get_pipeline(db: Database, ref: str | int | None = None) -> Pipeline:
    with db.read() as s:
        return find_pipeline(s, ref)


def stages_of(session: Session, pipeline_id: int) -> list[Stage]:
    return list(
        session.scalars(select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position, Stage.id))
    )


def list_stages(db: Database, pipeline_id: int, *, kind: str | None = None) -> list[StageInfo]:
    """Stages in board order; `kind="open"` gives the board's columns."""
    with db.read() as s:
        return [_info(st) for st in stages_of(s, pipeline_id) if kind is None or st.kind == kind]


def all_stages(db: Database) -> dict[int, StageInfo]:
    with db.read() as s:
        return {st.id: _info(st) for st in s.scalars(select(Stage))}


def find_stage(session: Session, pipeline_id: int, ref: str | int) -> Stage:
    """A stage of one pipeline by id or name (case-insensitive, unique prefix allowed)."""
    text = str(ref).strip()
    stages = stages_of(session, pipeline_id)
    if text.isdigit():
        for st in stages:
            if st.id == int(text):
                return st
    low = text.lower()
    for st in stages:
        if st.name.lower() == low:
            return st
    prefix = [st for st in stages if st.name.lower().startswith(low)] if low else []
    if len(prefix) == 1:
        return prefix[0]
    names = ", ".join(st.name for st in stages)
    if len(prefix) > 1:
        raise AmbiguousError(f"{text!r} matches several stages: {', '.join(s.name for s in prefix)}.")
    raise NotFoundError(f"This pipeline has no stage called {text!r} (its stages: {names}).")


def closing_stage(session: Session, pipeline_id: int, kind: str) -> Stage:
    for st in stages_of(session, pipeline_id):
        if st.kind == kind:
            return st
    raise NotFoundError(f"This pipeline has no {kind} stage.")  # guarded by create_pipeline


def rename_pipeline(db: Database, ref: str | int, name: str) -> Pipeline:
    name = _clean_name(name, "pipeline")
    with db.write() as s:
        pipeline = find_pipeline(s, ref)
        clash = s.scalars(
            select(Pipeline).where(func.lower(Pipeline.name) == name.lower(), Pipeline.id != pipeline.id)
        ).first()
        if clash:
            raise ValidationError(f"There is already a pipeline called {name!r}.", "name")
        pipeline.name = name
        return pipeline


def add_stage(
    db: Database,
    pipeline_ref: str | int,
    name: str,
    *,
    after: str | int | None = None,
    probability: int = 0,
    rot_days: int | None = None,
) -> Stage:
    """A new open stage, after `after` or after the last open stage."""
    name = _clean_name(name, "stage")
    _check_stage_numbers(probability, rot_days)
    with db.write() as s:
        pipeline = find_pipeline(s, pipeline_ref)
        stages = stages_of(s, pipeline.id)
        if any(st.name.lower() == name.lower() for st in stages):
            raise ValidationError(f"{pipeline.name} already has a stage called {name!r}.", "name")
        open_stages = [st for st in stages if st.kind == OPEN]
        if after is None:
            index = len(open_stages)
        else:
            anchor = find_stage(s, pipeline.id, after)
            if anchor.kind != OPEN:
                raise ValidationError("New stages go before the won and lost stages.", "after")
            index = open_stages.index(anchor) + 1
        stage = Stage(pipeline_id=pipeline.id, name=name, kind=OPEN, probability=probability, rot_days=rot_days)
        ordered = open_stages[:index] + [stage] + open_stages[index:] + [st for st in stages if st.kind != OPEN]
        s.add(stage)
        for i, st in enumerate(ordered):
            st.position = i
        s.flush()
        return stage


def _check_stage_numbers(probability: int | None, rot_days: int | None) -> None:
    if probability is not None and not 0 <= probability <= 100:
        raise ValidationError("Probability is a percentage from 0 to 100.", "probability")
    if rot_days is not None and rot_days < 1:
        raise ValidationError("Rotting days must be 1 or more (or empty for never).", "rot_days")


def update_stage(
    db: Database,
    stage_id: int,
    *,
    name: str | None = None,
    probability: int | None = None,
    rot_days: int | None | Unset = UNSET,
) -> Stage:
    _check_stage_numbers(probability, None if rot_days is UNSET else rot_days)
    with db.write() as s:
        stage = s.get(Stage, stage_id)
        if stage is None:
            raise NotFoundError(f"There is no stage #{stage_id}.")
        if name is not None:
            name = _clean_name(name, "stage")
            if any(st.name.lower() == name.lower() and st.id != stage.id for st in stages_of(s, stage.pipeline_id)):
                raise ValidationError(f"This pipeline already has a stage called {name!r}.", "name")
            stage.name = name
        if probability is not None:
            stage.probability = probability
        if rot_days is not UNSET:
            stage.rot_days = rot_days
        return stage


def reorder_stages(db: Database, pipeline_ref: str | int, order: list[str | int]) -> list[Stage]:
    """Put the open stages in the given order; won and lost stay last."""
    with db.write() as s:
        pipeline = find_pipeline(s, pipeline_ref)
        stages = stages_of(s, pipeline.id)
        open_stages = [st for st in stages if st.kind == OPEN]
        wanted = [find_stage(s, pipeline.id, ref) for ref in order]
        if sorted(st.id for st in wanted) != sorted(st.id for st in open_stages):
            raise ValidationError("Name every open stage exactly once to reorder them.", "order")
        ordered = wanted + [st for st in stages if st.kind != OPEN]
        for i, st in enumerate(ordered):
            st.position = i
        return ordered


def delete_stage(db: Database, stage_id: int) -> None:
    """Delete an empty open stage. Stages that hold deals, or were ever used, stay."""
    with db.write() as s:
        stage = s.get(Stage, stage_id)
        if stage is None:
            raise NotFoundError(f"There is no stage #{stage_id}.")
        if stage.kind != OPEN:
            raise RefusedError(f"{stage.name!r} is the pipeline's {stage.kind} stage and cannot be deleted.")
        if s.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.stage_id == stage_id)):
            raise RefusedError(f"{stage.name!r} still holds deals; move them first.")
        open_left = [st for st in stages_of(s, stage.pipeline_id) if st.kind == OPEN and st.id != stage.id]
        if not open_left:
            raise RefusedError("A pipeline needs at least one open stage.")
        used = s.scalar(
            select(func.count()).select_from(StageChange).where(
                (StageChange.to_stage_id == stage_id) | (StageChange.from_stage_id == stage_id)
            )
        )
        if used:
            raise RefusedError(f"{stage.name!r} appears in deal histories; rename it instead of deleting it.")
        from jtek_tui.domain.automations import (
            automations_using_stage,  # late: it imports this module
        )

        users = automations_using_stage(s, stage_id)
        if users:
            raise RefusedError(f"{stage.name!r} is used by automations ({', '.join(users)}); change them first.")
        s.delete(stage)
        s.flush()
        for i, st in enumerate(stages_of(s, stage.pipeline_id)):
            st.position = i
