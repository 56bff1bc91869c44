"""When an automation fires: its trigger and its filters.

People (the CLI, the TUI form, TOML files) name stages, pipelines and members;
the database stores ids so a rename never breaks an automation. `resolve`
turns names into the stored columns (raising `ValidationError` with field
`trigger` or `filters`), `spec_of` turns them back into names for editing and
export, and `trigger_matches` / `filters_match` decide at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from jtek_tui.domain.errors import InputError, ValidationError
from jtek_tui.domain.events import Event, OpportunityCreated, StageChanged
from jtek_tui.domain.formatting import money
from jtek_tui.domain.members import find_member
from jtek_tui.domain.pipelines import OPEN, find_pipeline, find_stage
from jtek_tui.models import Automation, ContactTag, Opportunity, Pipeline, Stage, Tag, TeamMember

STAGE_CHANGED = "stage_changed_to"
STATUS_CHANGED = "status_changed_to"
CREATED = "opportunity_created"
STALE = "stale_in_stage"

#: kind -> label, in the order a picker should offer them.
TRIGGERS: dict[str, str] = {
    STAGE_CHANGED: "Opportunity stage changed to",
    STATUS_CHANGED: "Opportunity status changed to",
    CREATED: "Opportunity created",
    STALE: "Opportunity idle in its stage for N days",
}
#: Short names people type on the command line.
ALIASES = {"stage": STAGE_CHANGED, "status": STATUS_CHANGED, "created": CREATED, "stale": STALE}
STATUSES = ("open", "won", "lost")
MAX_STALE_DAYS = 3650


@dataclass
class TriggerSpec:
    """What fires the automation, as people name it.

    kind: one of TRIGGERS (or an alias). stage: the stage moved into
    (stage_changed_to, required) or the stage to watch (stale_in_stage,
    optional). from_stage: only moves out of this stage (stage_changed_to).
    status: open | won | lost (status_changed_to). days: idle days (stale).
    Stages are ids or names; a name is looked up in the filter pipeline, else
    in every pipeline (and must then be unique).
    """

    kind: str
    stage: str | int | None = None
    from_stage: str | int | None = None
    status: str | None = None
    days: int | None = None


@dataclass
class Filters:
    """Extra conditions on the deal, all of which must hold (None = any)."""

    pipeline: str | int | None = None
    assignee: str | int | None = None
    tag: str | None = None
    min_value_cents: int | None = None


@dataclass
class StoredTrigger:
    """The Automation columns a trigger and its filters become."""

    trigger: str
    pipeline_id: int | None
    stage_id: int | None
    status: str | None
    params: dict[str, Any] = field(default_factory=dict)


def normalize_kind(kind: str | None) -> str:
    text = (kind or "").strip().lower().replace("-", "_")
    text = ALIASES.get(text, text)
    if text not in TRIGGERS:
        raise ValidationError(
            f"{kind!r} is not a trigger; choose one of {', '.join(TRIGGERS)}.", "trigger"
        )
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def lookup_stage(s: Session, ref: str | int, pipeline_id: int | None, what: str) -> Stage:
    """A stage by id, or by name in one pipeline, or by a name unique across pipelines."""
    text = str(ref).strip()
    if isinstance(ref, int) or text.isdigit():
        stage = s.get(Stage, int(text))
        if stage is not None and (pipeline_id is None or stage.pipeline_id == pipeline_id):
            return stage
        if pipeline_id is None:
            raise ValidationError(f"There is no stage #{text} ({what}).", "trigger")
    if pipeline_id is not None:
        try:
            return find_stage(s, pipeline_id, text)
        except InputError as error:
            raise ValidationError(f"{error} ({what})", "trigger") from None
    hits = list(
        s.scalars(
            select(Stage)
            .join(Pipeline, Pipeline.id == Stage.pipeline_id)
            .where(func.lower(Stage.name) == text.lower(), Pipeline.archived.is_(False))
        )
    )
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ValidationError(f"No pipeline has a stage called {text!r} ({what}).", "trigger")
    raise ValidationError(
        f"Several pipelines have a stage called {text!r}; choose the pipeline too ({what}).",
        "trigger",
    )


def _days(value: Any) -> int:
    try:
        days = int(str(value).strip().removesuffix("d"))
    except ValueError:
        raise ValidationError(
            f"Idle days must be a whole number, not {value!r}.", "trigger"
        ) from None
    if not 1 <= days <= MAX_STALE_DAYS:
        raise ValidationError(f"Idle days must be from 1 to {MAX_STALE_DAYS}.", "trigger")
    return days


def _refuse_extra(kind: str, **given: Any) -> None:
    extra = [name for name, value in given.items() if not _blank(value)]
    if extra:
        label = TRIGGERS[kind].lower()
        raise ValidationError(f"An '{label}' trigger takes no {' or '.join(extra)}.", "trigger")


def resolve(s: Session, trigger: TriggerSpec, filters: Filters) -> StoredTrigger:
    """Check a trigger and filters and turn names into ids."""
    kind = normalize_kind(trigger.kind)
    params: dict[str, Any] = {}
    pipeline_id: int | None = None
    if not _blank(filters.pipeline):
        try:
            pipeline_id = find_pipeline(s, filters.pipeline).id
        except InputError as error:
            raise ValidationError(str(error), "filters") from None
    stage_id: int | None = None
    status: str | None = None
    if kind == STAGE_CHANGED:
        _refuse_extra(kind, status=trigger.status, days=trigger.days)
        if _blank(trigger.stage):
            raise ValidationError("Choose the stage that fires this automation.", "trigger")
        stage = lookup_stage(s, trigger.stage, pipeline_id, "the stage it moves to")  # type: ignore[arg-type]
        stage_id, pipeline_id = stage.id, stage.pipeline_id
        if not _blank(trigger.from_stage):
            source = lookup_stage(s, trigger.from_stage, pipeline_id, "the stage it moves from")  # type: ignore[arg-type]
            if source.id == stage.id:
                raise ValidationError(
                    "The 'from' stage must differ from the stage it moves to.", "trigger"
                )
            params["from_stage_id"] = source.id
    elif kind == STATUS_CHANGED:
        _refuse_extra(kind, stage=trigger.stage, from_stage=trigger.from_stage, days=trigger.days)
        status = (trigger.status or "").strip().lower()
        if status not in STATUSES:
            raise ValidationError(
                "Choose the status that fires this automation: open, won or lost.", "trigger"
            )
    elif kind == CREATED:
        _refuse_extra(
            kind,
            stage=trigger.stage,
            from_stage=trigger.from_stage,
            status=trigger.status,
            days=trigger.days,
        )
    else:  # STALE
        _refuse_extra(kind, from_stage=trigger.from_stage, status=trigger.status)
        if _blank(trigger.days):
            raise ValidationError("Say after how many idle days the automation fires.", "trigger")
        params["days"] = _days(trigger.days)
        if not _blank(trigger.stage):
            stage = lookup_stage(s, trigger.stage, pipeline_id, "the stage to watch")  # type: ignore[arg-type]
            if stage.kind != OPEN:
                raise ValidationError(
                    f"{stage.name!r} is a closed stage; deals there are never idle.", "trigger"
                )
            stage_id, pipeline_id = stage.id, stage.pipeline_id
    if not _blank(filters.assignee):
        try:
            params["assignee_id"] = find_member(s, filters.assignee).id  # type: ignore[arg-type]
        except InputError as error:
            raise ValidationError(str(error), "filters") from None
    if not _blank(filters.tag):
        from jtek_tui.domain.contacts import _clean_tag

        try:
            params["tag"] = _clean_tag(filters.tag)  # type: ignore[arg-type]
        except ValidationError as error:
            raise ValidationError(str(error), "filters") from None
    if filters.min_value_cents is not None:
        cents = filters.min_value_cents
        if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
            raise ValidationError("The minimum value must be a positive amount.", "filters")
        params["min_value_cents"] = cents
    return StoredTrigger(kind, pipeline_id, stage_id, status, params)


# -- back to names -------------------------------------------------------------


def _member_ref(m: TeamMember | None) -> str | None:
    return None if m is None else (m.login or m.name)


def spec_of(s: Session, a: Automation) -> tuple[TriggerSpec, Filters]:
    """The trigger and filters of a stored automation, by name (for forms and export)."""
    params = a.params or {}
    stage = s.get(Stage, a.stage_id) if a.stage_id else None
    source = s.get(Stage, params["from_stage_id"]) if params.get("from_stage_id") else None
    pipeline = s.get(Pipeline, a.pipeline_id) if a.pipeline_id else None
    member = s.get(TeamMember, params["assignee_id"]) if params.get("assignee_id") else None
    trigger = TriggerSpec(
        kind=a.trigger,
        stage=stage.name if stage else None,
        from_stage=source.name if source else None,
        status=a.status,
        days=params.get("days"),
    )
    filters = Filters(
        pipeline=pipeline.name if pipeline else None,
        assignee=_member_ref(member),
        tag=params.get("tag"),
        min_value_cents=params.get("min_value_cents"),
    )
    return trigger, filters


def describe_trigger(s: Session, a: Automation) -> str:
    """'Stage changed to Qualified (from Contacted)' and friends."""
    t, _ = spec_of(s, a)
    if a.trigger == STAGE_CHANGED:
        return f"Stage changed to {t.stage}" + (f" (from {t.from_stage})" if t.from_stage else "")
    if a.trigger == STATUS_CHANGED:
        return f"Status changed to {t.status}"
    if a.trigger == CREATED:
        return "Opportunity created"
    where = f" in {t.stage}" if t.stage else ""
    return f"Idle {t.days} day{'s' if t.days != 1 else ''}{where}"


def describe_filters(s: Session, a: Automation) -> str:
    """'Sales Pipeline, @alice, #vip, ≥ $250,000' ('' when none)."""
    _, f = spec_of(s, a)
    parts = []
    if f.pipeline:
        parts.append(str(f.pipeline))
    if f.assignee:
        parts.append(f"@{f.assignee}")
    if f.tag:
        parts.append(f"#{f.tag}")
    if f.min_value_cents is not None:
        parts.append(f"≥ {money(f.min_value_cents)}")
    return ", ".join(parts)


# -- at run time -----------------------------------------------------------------


def trigger_kinds_for(event: Event) -> tuple[str, ...]:
    return (CREATED,) if isinstance(event, OpportunityCreated) else (STAGE_CHANGED, STATUS_CHANGED)


def trigger_matches(a: Automation, event: Event) -> bool:
    """Does this event fire this automation's trigger (before filters)?"""
    if isinstance(event, OpportunityCreated):
        return a.trigger == CREATED
    assert isinstance(event, StageChanged)
    if a.trigger == STAGE_CHANGED:
        if a.stage_id != event.to_stage_id:
            return False
        source = (a.params or {}).get("from_stage_id")
        return source is None or source == event.from_stage_id
    if a.trigger == STATUS_CHANGED:
        return event.from_status != event.to_status and event.to_status == a.status
    return False


def filters_match(s: Session, a: Automation, opp: Opportunity) -> bool:
    """Do the deal's pipeline, assignee, contact tags and value pass the filters?"""
    params = a.params or {}
    if a.pipeline_id is not None and opp.pipeline_id != a.pipeline_id:
        return False
    if params.get("assignee_id") is not None and opp.assignee_id != params["assignee_id"]:
        return False
    if (
        params.get("min_value_cents") is not None
        and (opp.value_cents or 0) < params["min_value_cents"]
    ):
        return False
    if params.get("tag"):
        tagged = s.scalar(
            select(
                exists().where(
                    ContactTag.contact_id == opp.contact_id,
                    ContactTag.tag_id == Tag.id,
                    Tag.key == params["tag"].lower(),
                )
            )
        )
        if not tagged:
            return False
    return True
