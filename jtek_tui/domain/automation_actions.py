"""What an automation does: the action catalog, checking actions, and the quick ones.

An action is a small dict with a `type` (stored in `Automation.actions`, in
order). People may name things (`member = "alice"`, `stage = "Qualified"`);
`normalize` checks every field and stores ids, `for_export` names them again.
A bad action raises `ActionError`, a `ValidationError` whose field is
`actions.<index>` (0-based) so a form can put the message next to the row.

Quick actions change the database and run inside the transaction of the move
that fired them. Slow actions (command, webhook, email) leave the machine and
run after that transaction commits: see `automation_outbound`.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from jtek_tui.domain import clock
from jtek_tui.domain.automation_templates import build_context, check_template, render
from jtek_tui.domain.automation_triggers import lookup_stage
from jtek_tui.domain.errors import InputError, ValidationError
from jtek_tui.domain.members import find_member
from jtek_tui.domain.pipelines import LOST, find_pipeline, find_stage
from jtek_tui.models import Opportunity, Pipeline, Stage, TeamMember


class ActionError(ValidationError):
    """A bad action in an automation's list; `index` is its 0-based position."""

    def __init__(self, message: str, index: int):
        super().__init__(message, f"actions.{index}")
        self.index = index


class ActionFailed(Exception):
    """An action could not be carried out at run time (the message goes in the run log)."""


@dataclass(frozen=True)
class Param:
    """One field of an action, for forms: name, kind, required, default, help."""

    name: str
    kind: str  # text | template | int | date | member | stage | pipeline | argv | url | time
    required: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class ActionType:
    type: str
    label: str
    slow: bool
    params: tuple[Param, ...]
    #: how the CLI mini-language reads bare words: into this param (joined by spaces)
    positional: str | None = None


COMMAND_TIMEOUT, MAX_COMMAND_TIMEOUT = 30, 300
WEBHOOK_TIMEOUT, MAX_WEBHOOK_TIMEOUT = 10, 30
WEBHOOK_RETRIES, MAX_WEBHOOK_RETRIES = 2, 3
MAX_DAYS = 3650

ACTIONS: dict[str, ActionType] = {
    a.type: a
    for a in (
        ActionType("add_tag", "Add a contact tag", False, (Param("tag", "text", True),), "tag"),
        ActionType(
            "remove_tag", "Remove a contact tag", False, (Param("tag", "text", True),), "tag"
        ),
        ActionType(
            "assign",
            "Assign a team member",
            False,
            (Param("member", "member", True, help="login, name or initials"),),
            "member",
        ),
        ActionType(
            "set_close_date",
            "Set the expected close date",
            False,
            (
                Param("date", "date", help="2027-01-31, or +30d for 30 days after the run"),
                Param("days", "int", help="days after the run (instead of date)"),
            ),
            "date",
        ),
        ActionType(
            "log_note",
            "Log an activity note",
            False,
            (Param("template", "template", True, help="text with {fields}"),),
            "template",
        ),
        ActionType(
            "create_task",
            "Create a follow-up task",
            False,
            (
                Param("template", "template", True, help="what to do, with {fields}"),
                Param("days", "int", default=1, help="due this many days after the run"),
            ),
            "template",
        ),
        ActionType(
            "create_appointment",
            "Create an appointment",
            False,
            (
                Param("title", "template", True, help="with {fields}"),
                Param("days", "int", default=1, help="this many days after the run"),
                Param("time", "time", default="10:00", help="local start time, HH:MM"),
                Param("minutes", "int", default=60, help="length"),
                Param("location", "template", default=""),
            ),
            "title",
        ),
        ActionType(
            "move",
            "Move to another stage or pipeline",
            False,
            (
                Param("stage", "stage", True, help="stage id or name"),
                Param("pipeline", "pipeline", help="when the stage is in another pipeline"),
                Param("reason", "text", help="lost reason, when moving to a lost stage"),
            ),
            "stage",
        ),
        ActionType(
            "command",
            "Run a local command",
            True,
            (
                Param(
                    "argv", "argv", True, help="program and arguments; never run through a shell"
                ),
                Param(
                    "timeout",
                    "int",
                    default=COMMAND_TIMEOUT,
                    help=f"seconds, at most {MAX_COMMAND_TIMEOUT}",
                ),
            ),
            "argv",
        ),
        ActionType(
            "webhook",
            "POST a JSON webhook",
            True,
            (
                Param("url", "url", True, help="http:// or https://"),
                Param(
                    "timeout",
                    "int",
                    default=WEBHOOK_TIMEOUT,
                    help=f"seconds per attempt, at most {MAX_WEBHOOK_TIMEOUT}",
                ),
                Param(
                    "retries",
                    "int",
                    default=WEBHOOK_RETRIES,
                    help=f"extra attempts, at most {MAX_WEBHOOK_RETRIES}",
                ),
            ),
            "url",
        ),
        ActionType(
            "email",
            "Send an email",
            True,
            (
                Param(
                    "to", "template", default="{contact.email}", help="address, may use {fields}"
                ),
                Param("subject", "template", True),
                Param("body", "template", True),
            ),
            None,
        ),
    )
}

#: Words people type for action types.
TYPE_ALIASES = {
    "tag": "add_tag",
    "untag": "remove_tag",
    "note": "log_note",
    "task": "create_task",
    "appointment": "create_appointment",
    "close_date": "set_close_date",
    "close": "set_close_date",
    "run": "command",
    "cmd": "command",
    "mail": "email",
    "post": "webhook",
    "assign_to": "assign",
}
_ID_KEYS = {"assign": {"member_id"}, "move": {"stage_id"}}


def action_type(raw: Any) -> str:
    text = str(raw or "").strip().lower().replace("-", "_")
    return TYPE_ALIASES.get(text, text)


def is_slow(action: dict) -> bool:
    kind = ACTIONS.get(action.get("type", ""))
    return bool(kind and kind.slow)


# -- checking -------------------------------------------------------------------


def _int(value: Any, what: str, lo: int, hi: int, index: int) -> int:
    if isinstance(value, bool):
        raise ActionError(f"{what} must be a whole number.", index)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ActionError(f"{what} must be a whole number, not {value!r}.", index) from None
    if not lo <= number <= hi:
        raise ActionError(f"{what} must be from {lo} to {hi}.", index)
    return number


def _text(value: Any, what: str, index: int, *, required: bool = True, limit: int = 2000) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ActionError(f"{what} must be text.", index)
    if required and not value.strip():
        raise ActionError(f"{what} is required.", index)
    if len(value) > limit:
        raise ActionError(f"{what} can be at most {limit:,} characters.", index)
    return value


def _template(
    value: Any, what: str, index: int, *, required: bool = True, limit: int = 5000
) -> str:
    text = _text(value, what, index, required=required, limit=limit)
    try:
        return check_template(text, what, f"actions.{index}")
    except ValidationError as error:
        raise ActionError(str(error), index) from None


def _stage_for(s: Session, action: dict, index: int) -> Stage:
    if action.get("stage_id") is not None:
        stage = s.get(Stage, _int(action["stage_id"], "The stage id", 1, 2**62, index))
        if stage is None:
            raise ActionError(f"There is no stage #{action['stage_id']}.", index)
        return stage
    ref = action.get("stage")
    if ref is None or not str(ref).strip():
        raise ActionError("Choose the stage to move the deal to.", index)
    try:
        if action.get("pipeline"):
            pipeline = find_pipeline(s, action["pipeline"])
            return find_stage(s, pipeline.id, ref)
        return lookup_stage(s, ref, None, "the stage to move to")
    except InputError as error:
        raise ActionError(str(error).removesuffix(".") + ".", index) from None


def normalize(s: Session, raw: Any, index: int) -> dict:
    """Check one action and return the form it is stored in (ids, defaults filled in)."""
    if not isinstance(raw, dict):
        raise ActionError("An action must be a table of fields with a 'type'.", index)
    kind = action_type(raw.get("type"))
    spec = ACTIONS.get(kind)
    if spec is None:
        raise ActionError(
            f"{raw.get('type')!r} is not an action; choose one of {', '.join(ACTIONS)}.", index
        )
    allowed = {p.name for p in spec.params} | _ID_KEYS.get(kind, set()) | {"type"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ActionError(
            f"A {kind} action has no field {unknown[0]!r} (its fields: "
            f"{', '.join(p.name for p in spec.params)}).",
            index,
        )
    out: dict[str, Any] = {"type": kind}
    if kind in ("add_tag", "remove_tag"):
        from jtek_tui.domain.contacts import _clean_tag

        try:
            out["tag"] = _clean_tag(_text(raw.get("tag"), "The tag", index, limit=40))
        except ValidationError as error:
            raise ActionError(str(error), index) from None
    elif kind == "assign":
        ref = raw.get("member_id", raw.get("member"))
        if ref is None or not str(ref).strip():
            raise ActionError("Choose the team member to assign.", index)
        try:
            out["member_id"] = find_member(s, ref).id
        except InputError as error:
            raise ActionError(str(error), index) from None
    elif kind == "set_close_date":
        given_date, given_days = raw.get("date"), raw.get("days")
        if given_date not in (None, "") and given_days not in (None, ""):
            raise ActionError("Give either a date or a number of days, not both.", index)
        if given_days not in (None, ""):
            out["days"] = _int(given_days, "Days", 0, MAX_DAYS, index)
        elif isinstance(given_date, date):
            out["date"] = given_date.isoformat()
        else:
            text = _text(given_date, "The close date", index).strip().lower()
            relative = re.fullmatch(r"\+(\d{1,4})([dw]?)", text)
            if relative:
                out["days"] = _int(
                    int(relative[1]) * (7 if relative[2] == "w" else 1), "Days", 0, MAX_DAYS, index
                )
            else:
                try:
                    out["date"] = date.fromisoformat(text).isoformat()
                except ValueError:
                    raise ActionError(
                        f"Can't read {given_date!r} as a date; use 2027-01-31 or +30d.", index
                    ) from None
    elif kind == "log_note":
        out["template"] = _template(raw.get("template"), "The note", index)
    elif kind == "create_task":
        out["template"] = _template(raw.get("template"), "The task", index)
        out["days"] = _int(raw.get("days", 1), "Days until due", 0, MAX_DAYS, index)
    elif kind == "create_appointment":
        out["title"] = _template(raw.get("title"), "The appointment title", index, limit=200)
        out["days"] = _int(raw.get("days", 1), "Days until the appointment", 0, MAX_DAYS, index)
        when = str(raw.get("time", "10:00")).strip()
        try:
            out["time"] = time.fromisoformat(when).strftime("%H:%M")
        except ValueError:
            raise ActionError(
                f"Can't read {when!r} as a time; use HH:MM, like 14:30.", index
            ) from None
        out["minutes"] = _int(raw.get("minutes", 60), "The length in minutes", 5, 24 * 60, index)
        out["location"] = _template(
            raw.get("location", ""), "The location", index, required=False, limit=200
        )
    elif kind == "move":
        stage = _stage_for(s, raw, index)
        out["stage_id"] = stage.id
        reason = _text(
            raw.get("reason"), "The lost reason", index, required=False, limit=200
        ).strip()
        if reason:
            if stage.kind != LOST:
                raise ActionError("A lost reason only goes with a move to a lost stage.", index)
            out["reason"] = reason
        elif stage.kind == LOST:
            raise ActionError(f"Moving to {stage.name!r} needs a lost reason.", index)
    elif kind == "command":
        argv = raw.get("argv")
        if isinstance(argv, str):
            raise ActionError(
                "A command is a list of words (program, then arguments), not one string; "
                "it never runs through a shell.",
                index,
            )
        if (
            not isinstance(argv, (list, tuple))
            or not argv
            or not all(isinstance(a, str) for a in argv)
        ):
            raise ActionError(
                "A command needs the program and its arguments as a list of words.", index
            )
        if not argv[0].strip():
            raise ActionError("A command needs a program to run.", index)
        if any("\0" in a for a in argv):
            raise ActionError("A command argument can't contain a NUL character.", index)
        out["argv"] = list(argv)
        out["timeout"] = _int(
            raw.get("timeout", COMMAND_TIMEOUT), "The timeout", 1, MAX_COMMAND_TIMEOUT, index
        )
    elif kind == "webhook":
        url = _text(raw.get("url"), "The webhook URL", index).strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ActionError(f"{url!r} is not an http:// or https:// URL.", index)
        out["url"] = url
        out["timeout"] = _int(
            raw.get("timeout", WEBHOOK_TIMEOUT), "The timeout", 1, MAX_WEBHOOK_TIMEOUT, index
        )
        out["retries"] = _int(
            raw.get("retries", WEBHOOK_RETRIES), "Retries", 0, MAX_WEBHOOK_RETRIES, index
        )
    elif kind == "email":
        out["to"] = _template(
            raw.get("to", "{contact.email}") or "{contact.email}", "The recipient", index, limit=200
        )
        out["subject"] = _template(raw.get("subject"), "The subject", index, limit=200)
        out["body"] = _template(raw.get("body"), "The body", index, limit=20000)
    return out


# -- naming ---------------------------------------------------------------------


def for_export(s: Session, action: dict) -> dict:
    """A stored action with names instead of ids (TOML, JSON, edit forms)."""
    out = {k: v for k, v in action.items() if k not in ("member_id", "stage_id")}
    if action.get("type") == "assign":
        member = s.get(TeamMember, action.get("member_id"))
        out["member"] = (member.login or member.name) if member else f"#{action.get('member_id')}"
    if action.get("type") == "move":
        stage = s.get(Stage, action.get("stage_id"))
        pipeline = s.get(Pipeline, stage.pipeline_id) if stage else None
        out = {
            "type": "move",
            "pipeline": pipeline.name if pipeline else None,
            "stage": stage.name if stage else f"#{action.get('stage_id')}",
            **({"reason": action["reason"]} if action.get("reason") else {}),
        }
    return out


def _clip(text: str, width: int = 50) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(s: Session, action: dict) -> str:
    """One line for lists: 'Add tag hot', 'POST https://…', 'Run ./notify.sh'."""
    named = for_export(s, action)
    kind = named.get("type")
    if kind == "add_tag":
        return f"Add tag {named['tag']}"
    if kind == "remove_tag":
        return f"Remove tag {named['tag']}"
    if kind == "assign":
        return f"Assign to {named['member']}"
    if kind == "set_close_date":
        return f"Close date {named['date']}" if "date" in named else f"Close date +{named['days']}d"
    if kind == "log_note":
        return f"Note: {_clip(named['template'])}"
    if kind == "create_task":
        return f"Task in {named['days']}d: {_clip(named['template'])}"
    if kind == "create_appointment":
        return f"Appointment in {named['days']}d at {named['time']}: {_clip(named['title'])}"
    if kind == "move":
        return f"Move to {named['pipeline']} › {named['stage']}"
    if kind == "command":
        return f"Run {_clip(shlex.join(named['argv']))}"
    if kind == "webhook":
        return f"POST {_clip(named['url'])}"
    if kind == "email":
        return f"Email {_clip(named['to'], 30)}: {_clip(named['subject'], 30)}"
    return str(kind)


# -- the command line's mini-language --------------------------------------------


def parse_action(text: str) -> dict:
    """`add_tag hot`, `task 'Call {contact.first_name}' days=2`, `command timeout=5 -- ./x.sh a`.

    The first word is the type; `key=value` words set fields; other words fill
    the type's main field (joined by spaces). For `command`, options come
    first and every word after the first non-option (or after `--`) is argv.
    A JSON object (starting with `{`) is taken as is. Values are checked later
    by `normalize`, so this only raises for text it cannot split.
    """
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(
                f"Can't read the action as JSON: {error.msg}.", "actions"
            ) from None
        if not isinstance(data, dict):
            raise ValidationError("A JSON action must be an object with a 'type'.", "actions")
        return data
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise ValidationError(f"Can't read the action {text!r}: {error}.", "actions") from None
    if not words:
        raise ValidationError("An action is empty.", "actions")
    kind = action_type(words[0])
    spec = ACTIONS.get(kind)
    if spec is None:
        raise ValidationError(
            f"{words[0]!r} is not an action; choose one of {', '.join(ACTIONS)}.", "actions"
        )
    keys = {p.name for p in spec.params} - {spec.positional}
    out: dict[str, Any] = {"type": kind}
    words = words[1:]
    if kind == "command":  # options first; then (after an optional --) the argv, verbatim
        i = 0
        while i < len(words) and words[i].partition("=")[1] and words[i].partition("=")[0] in keys:
            key, _, value = words[i].partition("=")
            out[key] = value
            i += 1
        if i < len(words) and words[i] == "--":
            i += 1
        if words[i:]:
            out["argv"] = words[i:]
        return out
    rest: list[str] = []
    for word in words:
        key, eq, value = word.partition("=")
        if eq and key in keys:
            out[key] = value
        else:
            rest.append(word)
    if rest:
        if spec.positional is None:
            raise ValidationError(
                f"A {kind} action takes key=value fields only (got {rest[0]!r}).", "actions"
            )
        out[spec.positional] = " ".join(rest)
    return out


# -- running the quick ones ------------------------------------------------------


def _log_activity(s: Session, opp: Opportunity, kind: str, body: str, due_at: datetime | None) -> int:
    """A note or task on the deal's contact, through the activities domain (it joins the
    move's transaction); the activity id."""
    from jtek_tui.domain.activities import log_activity

    if not body.strip():
        raise ActionFailed(f"the {kind} came out empty: its template fields have no values here")
    entry = log_activity(s.info["db"], opp.contact_id, kind, body, opportunity=opp.id, due_at=due_at)
    assert entry.activity_id is not None
    return entry.activity_id


def _book_appointment(
    s: Session, opp: Opportunity, title: str, starts_at: datetime, ends_at: datetime, location: str
) -> int:
    """An appointment with the deal's contact, owned by the deal's assignee (else whoever
    made the change), through the appointments domain; the appointment id."""
    from jtek_tui.domain.appointments import add_appointment

    if not title.strip():
        raise ActionFailed("the appointment title came out empty: its template fields have no values here")
    db = s.info["db"]
    result = add_appointment(
        db,
        opp.contact_id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        opportunity=opp.id,
        owner_id=opp.assignee_id or db.actor_id,
    )
    return result.appointment.id


@dataclass
class Firing:
    """Why an automation is running on a deal (passed to each action)."""

    automation_id: int
    automation_name: str
    opportunity_id: int
    trigger: str
    previous_stage_id: int | None
    depth: int

    def context(self, s: Session) -> dict[str, Any]:
        return build_context(
            s,
            self.opportunity_id,
            trigger=self.trigger,
            automation_id=self.automation_id,
            automation_name=self.automation_name,
            previous_stage_id=self.previous_stage_id,
        )


def run_quick(s: Session, action: dict, firing: Firing) -> str:
    """Carry out one quick action in the open transaction; returns what it did.

    Raises on failure; the caller rolls back this automation's savepoint.
    """
    from jtek_tui.domain import contacts as C
    from jtek_tui.domain import opportunities as O

    db = s.info["db"]
    opp = s.get(Opportunity, firing.opportunity_id)
    if opp is None:
        raise ActionFailed("the deal no longer exists")
    kind = action["type"]
    if kind == "add_tag":
        return "added" if C.tag_contact(db, opp.contact_id, action["tag"]) else "already tagged"
    if kind == "remove_tag":
        return "removed" if C.untag_contact(db, opp.contact_id, action["tag"]) else "was not tagged"
    if kind == "assign":
        member = s.get(TeamMember, action["member_id"])
        if member is None:
            raise ActionFailed(f"team member #{action['member_id']} no longer exists")
        O.update_opportunity(db, opp.id, assignee=member.id)
        return f"assigned to {member.name}"
    if kind == "set_close_date":
        when = (
            date.fromisoformat(action["date"])
            if "date" in action
            else clock.today() + timedelta(days=int(action["days"]))
        )
        O.update_opportunity(db, opp.id, expected_close=when)
        return f"expected close {when.isoformat()}"
    if kind == "log_note":
        note = _log_activity(s, opp, "note", render(action["template"], firing.context(s)), None)
        return f"note #{note} logged"
    if kind == "create_task":
        due = clock.now() + timedelta(days=int(action["days"]))
        task = _log_activity(s, opp, "task", render(action["template"], firing.context(s)), due)
        return f"task #{task} due {due.astimezone():%Y-%m-%d %H:%M}"
    if kind == "create_appointment":
        ctx = firing.context(s)
        day = clock.today() + timedelta(days=int(action["days"]))
        starts = datetime.combine(day, time.fromisoformat(action["time"])).astimezone()
        ends = starts + timedelta(minutes=int(action["minutes"]))
        appointment = _book_appointment(
            s,
            opp,
            render(action["title"], ctx),
            starts,
            ends,
            render(action.get("location", ""), ctx),
        )
        return f"appointment #{appointment} at {starts:%Y-%m-%d %H:%M}"
    if kind == "move":
        stage = s.get(Stage, action["stage_id"])
        if stage is None:
            raise ActionFailed(f"stage #{action['stage_id']} no longer exists")
        if stage.id == opp.stage_id:
            return f"already in {stage.name}"
        O.move_opportunity(
            db, opp.id, stage.id, lost_reason=action.get("reason"), depth=firing.depth + 1
        )
        return f"moved to {stage.name}"
    raise ActionFailed(f"{kind} is not a quick action")
