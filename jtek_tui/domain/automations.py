"""Automations: workflows that run when a deal is created, moved, closed or left idle.

How a run happens
-----------------
`move_opportunity` and `create_opportunity` emit domain events inside their
write transaction; `_on_event` (subscribed when this module is imported, which
`bootstrap.open_database` does) finds the enabled automations whose trigger
and filters match and fires each one in order of `position`:

1. Quick actions (tags, assignment, dates, notes, tasks, appointments, moves)
   run in that same transaction, inside a SAVEPOINT per automation. If one
   fails, only that automation's effects roll back; the move and the other
   automations stand. The AutomationRun row is written after the savepoint,
   so it commits with the move even when the automation failed.
2. Slow actions (command, webhook, email) are queued with `after_commit` and
   run by `Database.after_commit_runner` once the move has committed: right
   away in the CLI, on a background worker in the TUI. They fill in the same
   run row (finished_at stays empty while they are pending).

An automation stops at its first failing action. A `move` action fires the
automations of the stage it moves to (a chain) up to `MAX_CHAIN_DEPTH` hops;
an automation that would run twice on the same deal in one chain is a loop
and is stopped. Both are logged as `skipped`. A command action runs only in
the jtek of the OS user who saved the automation (`owner_login`); for anyone
else it is skipped and logged.

Front ends learn about finished runs through `add_run_listener` (failures
deserve a notification). Stale ("idle N days") triggers have no event: they
are evaluated by `run_due`, which the TUI calls at start and every few
minutes, and cron calls through `jtek automation run-due`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from jtek_tui.db import Database, after_commit
from jtek_tui.domain import clock, events
from jtek_tui.domain.automation_actions import (
    ActionError,
    ActionFailed,
    Firing,
    describe,
    for_export,
    is_slow,
    normalize,
    run_quick,
)
from jtek_tui.domain.automation_triggers import (
    STALE,
    Filters,
    TriggerSpec,
    describe_filters,
    describe_trigger,
    filters_match,
    resolve,
    spec_of,
    trigger_kinds_for,
    trigger_matches,
)
from jtek_tui.domain.contacts import _like_escape
from jtek_tui.domain.errors import AmbiguousError, JtekError, NotFoundError, ValidationError
from jtek_tui.domain.formatting import iso_utc
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.opportunities import _apply as apply_filters
from jtek_tui.domain.pipelines import OPEN
from jtek_tui.logfile import log_exception
from jtek_tui.models import Automation, AutomationRun, Opportunity, Pipeline, Stage, TeamMember

OK, ERROR, SKIPPED = "ok", "error", "skipped"
OUTCOMES = (OK, ERROR, SKIPPED)
#: How many automation-made moves may follow one another from a single change.
MAX_CHAIN_DEPTH = 5
MAX_DETAIL = 8000
MAX_NAME = 80

_PAUSED = "automations_paused"
_CHAIN = "automation_chain"


# -- what front ends see -----------------------------------------------------------


@dataclass
class AutomationSpec:
    """An automation as a form or a file describes it (names, not ids).

    `actions` are dicts with a `type` (see `automation_actions.ACTIONS`).
    """

    name: str
    trigger: TriggerSpec
    filters: Filters = field(default_factory=Filters)
    actions: list[dict] = field(default_factory=list)
    enabled: bool = True


class AutomationInvalid(ValidationError):
    """Everything wrong with an automation; the message and field are the first problem's."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__(str(errors[0]), errors[0].field)
        self.errors = errors


@dataclass
class RunRow:
    """One entry of the run log (also what run listeners receive)."""

    id: int
    automation_id: int
    automation: str
    opportunity_id: int | None
    opportunity: str | None
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    detail: str

    @property
    def running(self) -> bool:
        """Slow actions still pending (or the process stopped before they finished)."""
        return self.finished_at is None

    @property
    def summary(self) -> str:
        """The line worth a notification: the first failure or skip, else the first line."""
        lines = self.detail.splitlines()
        for marker in ("FAILED", "skipped", "Not run"):
            for line in lines:
                if marker in line:
                    return line
        return lines[0] if lines else self.outcome

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "automation_id": self.automation_id,
            "automation": self.automation,
            "opportunity_id": self.opportunity_id,
            "opportunity": self.opportunity,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "outcome": self.outcome,
            "running": self.running,
            "detail": self.detail,
        }


@dataclass
class AutomationRow:
    """An automation for lists and forms: descriptions, names, and its last run."""

    id: int
    name: str
    enabled: bool
    trigger: str
    trigger_text: str
    filters_text: str
    actions: list[dict]  # named form, as in TOML
    action_texts: list[str]
    owner_login: str | None
    position: int
    created_at: datetime
    updated_at: datetime
    spec: AutomationSpec
    last_run: RunRow | None = None

    @property
    def has_command(self) -> bool:
        return any(a.get("type") == "command" for a in self.actions)

    def to_json(self) -> dict:
        t, f = self.spec.trigger, self.spec.filters
        return {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "trigger": {
                "kind": t.kind,
                "stage": t.stage,
                "from_stage": t.from_stage,
                "status": t.status,
                "days": t.days,
                "text": self.trigger_text,
            },
            "filters": {
                "pipeline": f.pipeline,
                "assignee": f.assignee,
                "tag": f.tag,
                "min_value_cents": f.min_value_cents,
            },
            "actions": self.actions,
            "owner": self.owner_login,
            "position": self.position,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
            "last_run": self.last_run.to_json() if self.last_run else None,
        }


# -- listeners and pausing ----------------------------------------------------------

RunListener = Callable[[RunRow], None]
_listeners: list[RunListener] = []


def add_run_listener(listener: RunListener) -> RunListener:
    """Call `listener(run)` whenever a run finishes (ok, error or skipped).

    It is called after the run's transaction commits, from whatever thread runs
    `Database.after_commit_runner` (a worker in the TUI: hop to the UI thread
    with `call_from_thread`). Exceptions it raises are logged and ignored.
    """
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def remove_run_listener(listener: RunListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _notify(run: RunRow) -> None:
    for listener in list(_listeners):
        try:
            listener(run)
        except Exception as error:  # a front end's bug must not break the caller
            log_exception(error)


@contextmanager
def paused(session: Session) -> Iterator[None]:
    """No automations fire for events raised in this block (bulk import without
    `--run-automations`, demo data)."""
    before = session.info.get(_PAUSED, False)
    session.info[_PAUSED] = True
    try:
        yield
    finally:
        session.info[_PAUSED] = before


# -- finding and checking -----------------------------------------------------------


def find_automation(session: Session, ref: str | int) -> Automation:
    """By id (`3`, `#3`) or name: exact (case-insensitive), else a unique prefix
    (not any substring: `delete` takes this too)."""
    text = str(ref).strip()
    if not text:
        raise ValidationError("Name an automation.", "automation")
    if text.lstrip("#").isdigit():
        found = session.get(Automation, int(text.lstrip("#")))
        if found:
            return found
        if text.startswith("#"):
            raise NotFoundError(f"There is no automation {text}.")
    low = " ".join(text.lower().split())
    hits = list(session.scalars(select(Automation).where(func.lower(Automation.name) == low)))
    if not hits:
        hits = list(
            session.scalars(
                select(Automation).where(
                    func.lower(Automation.name).like(f"{_like_escape(low)}%", escape="\\")
                )
            )
        )
    if len(hits) == 1:
        return hits[0]
    if hits:
        names = [h.name for h in hits]
        raise AmbiguousError(f"{text!r} matches several automations: {', '.join(names)}.", names)
    raise NotFoundError(f"There is no automation called {text!r}.")


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("An automation needs a name.", "name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"An automation name can be at most {MAX_NAME} characters.", "name")
    return name


def _check(
    s: Session, spec: AutomationSpec, exclude_id: int | None
) -> tuple[dict[str, Any], list[ValidationError]]:
    """Every problem with `spec`, and the columns it becomes when there are none."""
    errors: list[ValidationError] = []
    columns: dict[str, Any] = {"enabled": bool(spec.enabled)}
    try:
        columns["name"] = _clean_name(spec.name)
        clash = s.scalars(
            select(Automation).where(
                func.lower(Automation.name) == columns["name"].lower(),
                Automation.id != (exclude_id or -1),
            )
        ).first()
        if clash:
            errors.append(
                ValidationError(f"There is already an automation called {clash.name!r}.", "name")
            )
    except ValidationError as error:
        errors.append(error)
    try:
        stored = resolve(s, spec.trigger, spec.filters)
        columns.update(
            trigger=stored.trigger,
            pipeline_id=stored.pipeline_id,
            stage_id=stored.stage_id,
            status=stored.status,
            params=stored.params,
        )
    except ValidationError as error:
        errors.append(error)
    if not spec.actions:
        errors.append(ValidationError("Add at least one action.", "actions"))
    actions = []
    for index, raw in enumerate(spec.actions or []):
        try:
            actions.append(normalize(s, raw, index))
        except ActionError as error:
            errors.append(error)
    columns["actions"] = actions
    return columns, errors


def validate_automation(
    db: Database, spec: AutomationSpec, *, exclude: int | None = None
) -> list[ValidationError]:
    """Every problem with `spec` (empty when it can be saved); fields are `name`,
    `trigger`, `filters`, `actions` and `actions.<i>`. `exclude` is the id being edited."""
    with db.read() as s:
        return _check(s, spec, exclude)[1]


def check_action(db: Database, action: dict, index: int = 0) -> str:
    """Check one action as a form holds it (names, not ids) and describe it in one line
    ('Task in 2d: Call {contact.first_name}'), for an action editor's list.

    Raises `ActionError` (field `actions.<index>`) when the action can't be saved.
    """
    with db.read() as s:
        return describe(s, normalize(s, action, index))


# -- saving ----------------------------------------------------------------------


def create_automation(db: Database, spec: AutomationSpec) -> Automation:
    """Save a new automation, owned by the acting OS user (whose jtek runs its commands)."""
    with db.write() as s:
        columns, errors = _check(s, spec, None)
        if errors:
            raise AutomationInvalid(errors)
        now = clock.now()
        position = (s.scalar(select(func.max(Automation.position))) or 0) + 1
        automation = Automation(
            **columns, owner_login=db.actor_login, position=position, created_at=now, updated_at=now
        )
        s.add(automation)
        s.flush()
        return automation


def update_automation(db: Database, ref: str | int, spec: AutomationSpec) -> Automation:
    """Replace an automation's definition.

    Whoever saves it becomes its owner: otherwise one agent could edit the
    command another agent's jtek runs.
    """
    with db.write() as s:
        automation = find_automation(s, ref)
        columns, errors = _check(s, spec, automation.id)
        if errors:
            raise AutomationInvalid(errors)
        for key, value in columns.items():
            setattr(automation, key, value)
        automation.owner_login = db.actor_login
        automation.updated_at = clock.now()
        return automation


def set_enabled(db: Database, ref: str | int, enabled: bool) -> Automation:
    with db.write() as s:
        automation = find_automation(s, ref)
        if automation.enabled != enabled:
            automation.enabled = enabled
            automation.updated_at = clock.now()
        return automation


def delete_automation(db: Database, ref: str | int) -> str:
    """Delete an automation and its run log; returns its name."""
    with db.write() as s:
        automation = find_automation(s, ref)
        name = automation.name
        s.execute(sa.delete(AutomationRun).where(AutomationRun.automation_id == automation.id))
        s.delete(automation)
        return name


def reorder_automation(db: Database, ref: str | int, position: int) -> list[Automation]:
    """Put an automation at `position` (1-based) in firing order."""
    with db.write() as s:
        automation = find_automation(s, ref)
        ordered = [
            a
            for a in s.scalars(select(Automation).order_by(Automation.position, Automation.id))
            if a.id != automation.id
        ]
        index = max(0, min(len(ordered), position - 1))
        ordered.insert(index, automation)
        for i, a in enumerate(ordered, 1):
            a.position = i
        return ordered


# -- reading -------------------------------------------------------------------------


def automations_using_stage(s: Session, stage_id: int) -> list[str]:
    """Names of automations whose trigger, 'from' stage or move actions use this stage
    (`pipelines.delete_stage` refuses while there are any)."""
    return [
        a.name
        for a in s.scalars(select(Automation).order_by(Automation.position, Automation.id))
        if a.stage_id == stage_id
        or (a.params or {}).get("from_stage_id") == stage_id
        or any(x.get("type") == "move" and x.get("stage_id") == stage_id for x in a.actions or [])
    ]


def _spec(s: Session, a: Automation) -> AutomationSpec:
    trigger, filters = spec_of(s, a)
    return AutomationSpec(
        a.name, trigger, filters, [for_export(s, x) for x in a.actions or []], a.enabled
    )


def automation_spec(db: Database, ref: str | int) -> AutomationSpec:
    """The automation by name, ready to edit and pass to `update_automation`."""
    with db.read() as s:
        return _spec(s, find_automation(s, ref))


def _row(s: Session, a: Automation, last: RunRow | None) -> AutomationRow:
    spec = _spec(s, a)
    return AutomationRow(
        a.id,
        a.name,
        a.enabled,
        a.trigger,
        describe_trigger(s, a),
        describe_filters(s, a),
        [dict(x) for x in spec.actions],  # a copy: forms edit `spec`
        [describe(s, x) for x in a.actions or []],
        a.owner_login,
        a.position,
        a.created_at,
        a.updated_at,
        spec,
        last,
    )


def list_automations(db: Database) -> list[AutomationRow]:
    """Every automation in firing order, with its last run."""
    with db.read() as s:
        autos = list(s.scalars(select(Automation).order_by(Automation.position, Automation.id)))
        # Held for the duration: the session's identity map is weak, so without these the
        # stage/pipeline/member look-ups of every description would each hit the database.
        names = [*s.scalars(select(Stage)), *s.scalars(select(Pipeline)), *s.scalars(select(TeamMember))]
        latest = select(func.max(AutomationRun.id)).group_by(AutomationRun.automation_id)
        last = {r.automation_id: r for r in _runs(s, AutomationRun.id.in_(latest))}
        rows = [_row(s, a, last.get(a.id)) for a in autos]
        del names
        return rows


def get_automation(db: Database, ref: str | int) -> AutomationRow:
    with db.read() as s:
        a = find_automation(s, ref)
        runs = _runs(s, AutomationRun.automation_id == a.id, limit=1)
        return _row(s, a, runs[0] if runs else None)


@dataclass
class RunQuery:
    """Filters for the run log; None means any. Newest first."""

    automation_id: int | None = None
    opportunity_id: int | None = None
    outcome: str | None = None  # ok | error | skipped | running
    since: datetime | None = None
    until: datetime | None = None
    ids: list[int] | None = None
    limit: int | None = 100


def _runs(s: Session, *where: Any, limit: int | None = None) -> list[RunRow]:
    Opp = aliased(Opportunity)
    q = (
        select(
            AutomationRun.id,
            AutomationRun.automation_id,
            Automation.name,
            AutomationRun.opportunity_id,
            Opp.name,
            AutomationRun.started_at,
            AutomationRun.finished_at,
            AutomationRun.outcome,
            AutomationRun.detail,
        )
        .join(Automation, Automation.id == AutomationRun.automation_id)
        .outerjoin(Opp, Opp.id == AutomationRun.opportunity_id)
        .where(*where)
        .order_by(AutomationRun.started_at.desc(), AutomationRun.id.desc())
    )
    if limit:
        q = q.limit(limit)
    return [RunRow(*r) for r in s.execute(q)]


def list_runs(db: Database, query: RunQuery | None = None, **filters: Any) -> list[RunRow]:
    """The run log: who ran on which deal, when, how it went."""
    f = query or RunQuery(**filters)
    if f.outcome is not None and f.outcome not in (*OUTCOMES, "running"):
        raise ValidationError(
            f"{f.outcome!r} is not an outcome; choose ok, error, skipped or running.", "outcome"
        )
    where: list[Any] = []
    if f.automation_id is not None:
        where.append(AutomationRun.automation_id == f.automation_id)
    if f.opportunity_id is not None:
        where.append(AutomationRun.opportunity_id == f.opportunity_id)
    if f.outcome == "running":
        where.append(AutomationRun.finished_at.is_(None))
    elif f.outcome:
        where.append(AutomationRun.outcome == f.outcome)
    if f.since is not None:
        where.append(AutomationRun.started_at >= f.since)
    if f.until is not None:
        where.append(AutomationRun.started_at < f.until)
    if f.ids is not None:
        where.append(AutomationRun.id.in_(f.ids))
    with db.read() as s:
        return _runs(s, *where, limit=f.limit)


# -- firing ------------------------------------------------------------------------


class _Stop(Exception):
    """An action failed; its line is already in the run detail."""


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _refresh_expired(s: Session) -> None:
    """A rolled-back savepoint expires what it touched; reload it so objects the
    caller holds (the moved deal) stay readable after the session closes."""
    for obj in list(s.identity_map.values()):
        state = sa.inspect(obj)
        if state.expired_attributes and state.persistent:
            try:
                s.refresh(obj)
            except Exception:  # the row went with the savepoint: forget the object
                s.expunge(obj)


def _clip(detail: str) -> str:
    return detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"


def _log(
    s: Session,
    a: Automation,
    opp: Opportunity,
    started: datetime,
    outcome: str,
    lines: list[str],
    *,
    finished: bool = True,
) -> RunRow:
    """Write the run row in the current transaction (it commits with the move); a finished
    run is announced to listeners once that transaction has committed."""
    run = AutomationRun(
        automation_id=a.id,
        opportunity_id=opp.id,
        started_at=started,
        finished_at=clock.now() if finished else None,
        outcome=outcome,
        detail=_clip("\n".join(lines)),
    )
    s.add(run)
    s.flush()
    row = RunRow(
        run.id, a.id, a.name, opp.id, opp.name, started, run.finished_at, outcome, run.detail
    )
    if finished:
        after_commit(s, functools.partial(_notify, row))
    return row


def _why_not(
    a: Automation, opp: Opportunity, firing: Firing, chain: list[tuple[int, int]]
) -> str | None:
    """The chain rules: a reason to skip this run, or None."""
    if firing.depth >= MAX_CHAIN_DEPTH:
        return (
            f"Not run: {MAX_CHAIN_DEPTH} automation moves in a row already led here; "
            "the chain was stopped at its depth limit."
        )
    if (a.id, opp.id) in chain:
        return (
            "Not run: it already ran on this deal earlier in this chain of automations; "
            "the loop was stopped."
        )
    return None


def _quick_part(
    s: Session, a: Automation, firing: Firing, lines: list[str], slow: list[tuple[str, dict]]
) -> str:
    """Run the quick actions in order, set the slow ones aside; returns the outcome so far.

    Raises `_Stop` at the first failing action (its line already written).
    """
    db: Database = s.info["db"]
    outcome = OK
    actions = list(a.actions or [])
    for number, action in enumerate(actions, 1):
        label = f"{number}. {describe(s, action)}"
        if is_slow(action):
            if action.get("type") == "command" and db.actor_login != a.owner_login:
                lines.append(
                    f"{label}: skipped — this command belongs to {a.owner_login or 'nobody'}; "
                    f"it only runs in their own jtek, not for {db.actor_login}."
                )
                outcome = SKIPPED
            else:
                slow.append((label, action))
            continue
        try:
            lines.append(f"{label}: {run_quick(s, action, firing)}")
        except Exception as error:
            lines.append(f"{label}: FAILED — {_reason(error)}")
            if not isinstance(error, ActionFailed | JtekError):
                log_exception(error)
            if number < len(actions):
                lines.append("The actions after it were not run.")
            raise _Stop from error
    return outcome


def _fire(s: Session, a: Automation, firing: Firing) -> int | None:
    """Run one automation on one deal; the run id, or None when its filters say no.

    Quick actions run in a SAVEPOINT: a failure rolls back this automation's
    effects (and the after-commit work it queued, e.g. for chained automations)
    but not the move. The run row is written after the savepoint, so it stays.
    """
    opp = s.get(Opportunity, firing.opportunity_id)
    if opp is None or not filters_match(s, a, opp):
        return None
    started = clock.now()
    chain: list[tuple[int, int]] = s.info.setdefault(_CHAIN, [])
    skip = _why_not(a, opp, firing, chain)
    if skip:
        return _log(s, a, opp, started, SKIPPED, [skip]).id
    queue: list = s.info.setdefault("after_commit", [])
    mark = len(queue)
    lines: list[str] = []
    slow: list[tuple[str, dict]] = []
    chain.append((a.id, opp.id))
    savepoint = None
    try:
        savepoint = s.begin_nested()
        outcome = _quick_part(s, a, firing, lines, slow)
        ctx = firing.context(s) if slow else {}
        savepoint.commit()
    except Exception as error:
        try:
            if savepoint is not None:
                savepoint.rollback()
        except Exception as rollback_error:  # pragma: no cover - the outer transaction is broken
            log_exception(rollback_error)
        del queue[mark:]
        _refresh_expired(s)
        if not isinstance(error, _Stop):
            log_exception(error)
            lines.append(f"FAILED — {_reason(error)}")
        lines.append("This automation's changes were undone; the deal's move stands.")
        return _log(s, a, opp, started, ERROR, lines).id
    finally:
        chain.pop()
    if not slow:
        return _log(s, a, opp, started, outcome, lines).id
    waiting = [f"{label}: waiting to run once the change is saved" for label, _ in slow]
    pending = _log(s, a, opp, started, outcome, lines + waiting, finished=False)
    after_commit(s, _SlowJob(s.info["db"], pending, slow, ctx, lines))
    return pending.id


@dataclass
class _SlowJob:
    """The slow actions of one run, queued with `after_commit` (plain data only, so a
    worker thread can run it after the session is gone)."""

    db: Database
    run: RunRow
    slow: list[tuple[str, dict]]
    ctx: dict[str, Any]
    lines: list[str]

    def __call__(self) -> None:
        """Run the slow actions in order, then finish the run row in its own short
        transaction. Never raises: failures go into the run log (and the log file)."""
        from jtek_tui.domain.automation_outbound import (
            run_slow,  # smtplib, urllib: only when needed
        )

        done, outcome = list(self.lines), self.run.outcome
        location = str(self.db.path) if self.db.path else self.db.url
        for number, (label, action) in enumerate(self.slow, 1):
            try:
                done.append(f"{label}: {run_slow(action, self.ctx, db_location=location)}")
            except Exception as error:
                if not isinstance(error, ActionFailed):
                    log_exception(error)
                done.append(f"{label}: FAILED — {_reason(error)}")
                if number < len(self.slow):
                    done.append("The actions after it were not run.")
                outcome = ERROR
                break
        self.run.finished_at, self.run.outcome = clock.now(), outcome
        self.run.detail = _clip("\n".join(done))
        try:
            with self.db.write() as s:
                row = s.get(AutomationRun, self.run.id)
                if row is not None:
                    row.outcome, row.detail = self.run.outcome, self.run.detail
                    row.finished_at = self.run.finished_at
        except Exception as error:  # busy or read-only now: the log file keeps the trace
            log_exception(error)
        _notify(self.run)


def _on_event(s: Session, event: events.Event) -> None:
    """Fire the automations this event triggers (subscribed at import)."""
    if s.info.get(_PAUSED) or "db" not in s.info:
        return
    try:
        candidates = [
            a
            for a in s.scalars(
                select(Automation)
                .where(
                    Automation.enabled.is_(True), Automation.trigger.in_(trigger_kinds_for(event))
                )
                .order_by(Automation.position, Automation.id)
            )
            if trigger_matches(a, event)
        ]
    except Exception as error:  # never let automations break the move itself
        log_exception(error)
        return
    previous = event.from_stage_id if isinstance(event, events.StageChanged) else None
    for a in candidates:
        try:
            _fire(
                s, a, Firing(a.id, a.name, event.opportunity_id, a.trigger, previous, event.depth)
            )
        except Exception as error:
            log_exception(error)


events.subscribe(_on_event)


# -- stale deals ---------------------------------------------------------------------


@dataclass
class DueReport:
    """What `run_due` fired."""

    runs: list[RunRow] = field(default_factory=list)

    @property
    def fired(self) -> int:
        return len(self.runs)


def _idle_since(a: Automation, now: datetime) -> datetime:
    return now - timedelta(days=int((a.params or {}).get("days") or 1))


def _ran_since(s: Session, automation_id: int, opp: Opportunity) -> bool:
    return bool(
        s.scalar(
            select(
                sa.exists().where(
                    AutomationRun.automation_id == automation_id,
                    AutomationRun.opportunity_id == opp.id,
                    AutomationRun.started_at >= opp.stage_entered_at,
                )
            )
        )
    )


def _evaluated_here(db: Database, a: Automation) -> bool:
    """An idle-deal automation with a command is evaluated only in its owner's jtek.

    Everyone's TUI calls `run_due`; if another agent's process fired it first,
    the command would be skipped there and, the stay being logged, never run.
    """
    has_command = any(x.get("type") == "command" for x in a.actions or [])
    return not has_command or a.owner_login == db.actor_login


def _still_due(s: Session, a: Automation | None, opp: Opportunity | None, now: datetime) -> bool:
    """Re-checked under the write lock: another process may have fired it meanwhile."""
    return (
        a is not None
        and a.enabled
        and a.trigger == STALE
        and opp is not None
        and opp.status == OPEN
        and (a.stage_id is None or opp.stage_id == a.stage_id)
        and opp.stage_entered_at <= _idle_since(a, now)
        and not _ran_since(s, a.id, opp)
    )


def run_due(db: Database, *, now: datetime | None = None) -> DueReport:
    """Fire 'idle N days' automations on every open deal that has sat in its stage that
    long and has not had this automation run since it entered the stage.

    Each deal is handled in its own short write transaction, re-checked under the
    lock, so two processes calling this at once never fire twice.
    """
    if db.readonly:
        return DueReport()
    now = now or clock.now()
    due: list[tuple[int, int]] = []
    with db.read() as s:
        for a in s.scalars(
            select(Automation)
            .where(Automation.enabled.is_(True), Automation.trigger == STALE)
            .order_by(Automation.position, Automation.id)
        ):
            if not _evaluated_here(db, a):
                continue
            params = a.params or {}
            query = OppQuery(
                pipeline_id=a.pipeline_id,
                stage_id=a.stage_id,
                status=OPEN,
                assignee_ids=[params["assignee_id"]] if params.get("assignee_id") else None,
                tags=[params["tag"]] if params.get("tag") else [],
                min_value_cents=params.get("min_value_cents"),
                entered_before=_idle_since(a, now),
                order="created",
            )
            last = (
                select(AutomationRun.opportunity_id, func.max(AutomationRun.started_at).label("at"))
                .where(AutomationRun.automation_id == a.id)
                .group_by(AutomationRun.opportunity_id)
                .subquery()
            )
            not_yet = (
                select(Opportunity.id)
                .outerjoin(last, last.c.opportunity_id == Opportunity.id)
                .where(sa.or_(last.c.at.is_(None), last.c.at < Opportunity.stage_entered_at))
            )
            due.extend((a.id, opp_id) for opp_id in s.scalars(apply_filters(not_yet, query)))
    run_ids: list[int] = []
    for automation_id, opp_id in due:
        with db.write() as s:
            a = s.get(Automation, automation_id)
            opp = s.get(Opportunity, opp_id)
            if not _still_due(s, a, opp, now) or not _evaluated_here(db, a):  # type: ignore[arg-type]
                continue
            assert a is not None and opp is not None
            run_id = _fire(s, a, Firing(a.id, a.name, opp.id, STALE, None, 0))
            if run_id is not None:
                run_ids.append(run_id)
    return DueReport(list_runs(db, ids=run_ids, limit=None) if run_ids else [])
