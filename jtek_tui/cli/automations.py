"""`jtek automation …`

JSON keys
- list / show: id, name, enabled, trigger {kind, stage, from_stage, status,
  days, text}, filters {pipeline, assignee, tag, min_value_cents}, actions
  (as in TOML files: names, not ids), owner (OS login whose jtek runs its
  commands), position, created_at, updated_at, last_run (a run, or null).
- runs / run-due: id, automation_id, automation, opportunity_id, opportunity,
  started_at, finished_at (null while slow actions are pending), outcome
  (ok | error | skipped), running, detail (one line per action).
- import: created, updated (names), dry_run.
- fields: field, env, meaning.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import click
from rich.text import Text

from jtek_tui.cli.output import console, emit_json, err_console, fields, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import automations as A
from jtek_tui.domain import clock
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.automation_actions import ACTIONS, parse_action
from jtek_tui.domain.automation_files import export_toml, import_toml
from jtek_tui.domain.automation_templates import ENV_ALIASES, FIELDS, env_name
from jtek_tui.domain.automation_triggers import ALIASES, TRIGGERS, Filters, TriggerSpec
from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.formatting import local
from jtek_tui.domain.parsing import parse_date, parse_money


def _report_problem(run: A.RunRow) -> None:
    """Every CLI command can move deals; say so on stderr when an automation failed."""
    if run.outcome == A.ERROR:
        deal = f"#{run.opportunity_id} {run.opportunity}" if run.opportunity_id else "a deal"
        err_console.print(
            Text(f"jtek: automation {run.automation!r} failed on {deal}: {run.summary}"),
            soft_wrap=True,
        )


A.add_run_listener(_report_problem)


@click.group("automation")
def automation() -> None:
    """Automations: workflows that run when deals are created, moved, closed or left idle."""


def _trigger_options(f):
    kinds = sorted(set(TRIGGERS) | set(ALIASES))
    for option in reversed(
        [
            click.option(
                "--trigger",
                "kind",
                type=click.Choice(kinds),
                help="stage (changed to), status (changed to), created, stale (idle N days).",
            ),
            click.option(
                "--stage", help="Stage it moves to (stage trigger) or the stage to watch (stale)."
            ),
            click.option("--from-stage", help="Only moves out of this stage (stage trigger)."),
            click.option(
                "--status",
                type=click.Choice(["open", "won", "lost"]),
                help="Status trigger: the new status.",
            ),
            click.option(
                "--days",
                type=click.IntRange(1, 3650),
                help="Stale trigger: idle days in the stage.",
            ),
            click.option("--pipeline", help="Filter: only deals in this pipeline ('' clears)."),
            click.option(
                "--assignee", help="Filter: only deals assigned to this member ('' clears)."
            ),
            click.option(
                "--tag", help="Filter: only deals whose contact has this tag ('' clears)."
            ),
            click.option(
                "--min-value", help="Filter: only deals worth at least this (250k; '' clears)."
            ),
        ]
    ):
        f = option(f)
    return f


ACTION_HELP = (
    "An action, in order (repeatable): 'add_tag hot', 'note Moved to {stage.name}', "
    "'task \"Call {contact.first_name}\" days=2', 'command timeout=20 -- ./notify.sh', "
    "'webhook https://example.com/hook'. See `jtek automation actions`."
)


def _actions(texts: tuple[str, ...]) -> list[dict]:
    return [parse_action(t) for t in texts]


def _min_value(text: str | None) -> int | None:
    return parse_money(text, field="filters") if text else None


@automation.command("add")
@click.argument("name")
@_trigger_options
@click.option("--action", "actions", multiple=True, metavar="ACTION", help=ACTION_HELP)
@click.option("--disabled", is_flag=True, help="Save it switched off.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def add(
    state: State,
    name: str,
    kind: str | None,
    stage: str | None,
    from_stage: str | None,
    status: str | None,
    days: int | None,
    pipeline: str | None,
    assignee: str | None,
    tag: str | None,
    min_value: str | None,
    actions: tuple[str, ...],
    disabled: bool,
    as_json: bool,
) -> None:
    """Add an automation called NAME."""
    if not kind:
        raise ValidationError(
            "Choose a trigger with --trigger (stage, status, created or stale).", "trigger"
        )
    spec = A.AutomationSpec(
        name,
        TriggerSpec(kind, stage, from_stage, status, days),
        Filters(pipeline, assignee, tag, _min_value(min_value)),
        _actions(actions),
        not disabled,
    )
    a = A.create_automation(state.db(), spec)
    _done(state, a.id, as_json, "Added")


@automation.command("edit")
@click.argument("ref", metavar="AUTOMATION")
@click.option("--name", "new_name", help="New name.")
@_trigger_options
@click.option(
    "--action",
    "actions",
    multiple=True,
    metavar="ACTION",
    help="Replace the actions with these (repeatable).",
)
@click.option(
    "--add-action", "more", multiple=True, metavar="ACTION", help="Append an action (repeatable)."
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def edit(
    state: State,
    ref: str,
    new_name: str | None,
    kind: str | None,
    stage: str | None,
    from_stage: str | None,
    status: str | None,
    days: int | None,
    pipeline: str | None,
    assignee: str | None,
    tag: str | None,
    min_value: str | None,
    actions: tuple[str, ...],
    more: tuple[str, ...],
    as_json: bool,
) -> None:
    """Change an automation; options not given stay as they are. --trigger starts the
    trigger afresh (give its --stage/--status/--days again). You become its owner."""
    db = state.db()
    with db.read() as s:
        automation_id = A.find_automation(s, ref).id
    spec = A.automation_spec(db, automation_id)
    if new_name is not None:
        spec.name = new_name
    if kind is not None:
        spec.trigger = TriggerSpec(kind)
    t = spec.trigger
    for attr, value in (
        ("stage", stage),
        ("from_stage", from_stage),
        ("status", status),
        ("days", days),
    ):
        if value is not None:
            setattr(t, attr, value or None)
    f = spec.filters
    for attr, value in (("pipeline", pipeline), ("assignee", assignee), ("tag", tag)):
        if value is not None:
            setattr(f, attr, value or None)
    if min_value is not None:
        f.min_value_cents = _min_value(min_value)
    if actions:
        spec.actions = _actions(actions)
    spec.actions = spec.actions + _actions(more)
    A.update_automation(db, automation_id, spec)
    _done(state, automation_id, as_json, "Saved")


def _done(state: State, automation_id: int, as_json: bool, verb: str) -> None:
    row = A.get_automation(state.db(), automation_id)
    if as_json:
        emit_json(row.to_json())
    else:
        state_word = "on" if row.enabled else "off"
        say(
            f"{verb} automation #{row.id} {row.name} ({state_word}): {row.trigger_text}, "
            f"{len(row.actions)} action{'s' if len(row.actions) != 1 else ''}."
        )


def _last(run: A.RunRow | None, *, short: bool = False) -> str:
    if run is None:
        return "never"
    when = local(run.started_at, "%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")
    return f"{when} {'running' if run.running else run.outcome}"


@automation.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, as_json: bool) -> None:
    """List automations in firing order, with their last run."""
    rows = A.list_automations(state.db())
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    console.print(
        table(
            f"Automations ({len(rows)})",
            [("#", "right"), "Name", "When", "Last run"],
            (
                [
                    r.id,
                    r.name + ("" if r.enabled else " (off)"),
                    r.trigger_text + (f" · {r.filters_text}" if r.filters_text else ""),
                    _last(r.last_run, short=True),
                ]
                for r in rows
            ),
        )
    )


@automation.command("show")
@click.argument("ref", metavar="AUTOMATION")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: State, ref: str, as_json: bool) -> None:
    """Show an automation: trigger, filters, each action, owner, last run."""
    row = A.get_automation(state.db(), ref)
    if as_json:
        emit_json(row.to_json())
        return
    console.print(
        fields(
            [
                ("Automation", f"#{row.id} {row.name}"),
                ("Enabled", "yes" if row.enabled else "no"),
                ("Trigger", row.trigger_text),
                ("Filters", row.filters_text or "—"),
                (
                    "Owner",
                    f"{row.owner_login or '—'}"
                    + (" (its commands run only in this user's jtek)" if row.has_command else ""),
                ),
                ("Last run", _last(row.last_run)),
            ]
        )
    )
    console.print(
        table(
            "Actions",
            [("#", "right"), "Action"],
            ([i, text] for i, text in enumerate(row.action_texts, 1)),
        )
    )


@automation.command("enable")
@click.argument("ref", metavar="AUTOMATION")
@pass_state
def enable(state: State, ref: str) -> None:
    """Switch an automation on."""
    a = A.set_enabled(state.db(), ref, True)
    say(f"Automation #{a.id} {a.name} is on.")


@automation.command("disable")
@click.argument("ref", metavar="AUTOMATION")
@pass_state
def disable(state: State, ref: str) -> None:
    """Switch an automation off (it stays, with its run log)."""
    a = A.set_enabled(state.db(), ref, False)
    say(f"Automation #{a.id} {a.name} is off.")


@automation.command("delete")
@click.argument("ref", metavar="AUTOMATION")
@pass_state
def delete(state: State, ref: str) -> None:
    """Delete an automation and its run log."""
    name = A.delete_automation(state.db(), ref)
    say(f"Deleted automation {name}.")


def _since(text: str) -> datetime:
    """`7d` (days ago), `today`, `2026-03-01`: local midnight of that day, as UTC."""
    ago = re.fullmatch(r"(\d{1,4})d", text.strip().lower())
    day = (
        clock.today() - timedelta(days=int(ago[1]))
        if ago
        else parse_date(text, required=True, field="since")
    )
    assert day is not None
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def _run_table(title: str, runs: list[A.RunRow], detail: bool) -> None:
    if detail:
        for r in runs:
            console.print(
                fields(
                    [
                        ("Run", f"#{r.id} {local(r.started_at)} {r.automation}"),
                        (
                            "Deal",
                            f"#{r.opportunity_id} {r.opportunity}" if r.opportunity_id else "—",
                        ),
                        ("Outcome", "running" if r.running else r.outcome),
                        ("Detail", r.detail),
                    ]
                )
            )
        return
    console.print(
        table(
            title,
            [("#", "right"), "When (local)", "Automation", "Deal", "Outcome", "Detail"],
            (
                [
                    r.id,
                    local(r.started_at),
                    r.automation,
                    r.opportunity or "—",
                    "running" if r.running else r.outcome,
                    r.summary,
                ]
                for r in runs
            ),
        )
    )


@automation.command("runs")
@click.option("--automation", "automation_ref", help="Only this automation.")
@click.option("--opp", "opp_ref", help="Only this deal.")
@click.option("--outcome", type=click.Choice(["ok", "error", "skipped", "running"]))
@click.option("--since", help="From this day: 7d (days ago), today, 2026-03-01.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--detail", is_flag=True, help="Show every action's result, not just the summary.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def runs(
    state: State,
    automation_ref: str | None,
    opp_ref: str | None,
    outcome: str | None,
    since: str | None,
    limit: int,
    detail: bool,
    as_json: bool,
) -> None:
    """The run log, newest first."""
    db = state.db()
    query = A.RunQuery(outcome=outcome, limit=limit, since=_since(since) if since else None)
    with db.read() as s:
        if automation_ref:
            query.automation_id = A.find_automation(s, automation_ref).id
        if opp_ref:
            query.opportunity_id = O.find_opportunity(s, opp_ref).id
    rows = A.list_runs(db, query)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    _run_table(f"Automation runs ({len(rows)})", rows, detail)


@automation.command("run-due")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def run_due(state: State, as_json: bool) -> None:
    """Fire 'idle N days' automations on deals that are due (for cron)."""
    report = A.run_due(state.db())
    if as_json:
        emit_json([r.to_json() for r in report.runs])
        return
    if not report.runs:
        say("No idle deals were due.")
        return
    _run_table(
        f"Fired {report.fired} automation run{'s' if report.fired != 1 else ''}", report.runs, False
    )


@automation.command("export")
@click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--automation", "refs", multiple=True, help="Only this automation (repeatable; default all)."
)
@pass_state
def export(state: State, path: str | None, refs: tuple[str, ...]) -> None:
    """Write automations as TOML to PATH (default: standard output)."""
    text = export_toml(state.db(), list(refs) or None)
    if path in (None, "-"):
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}.") from None
    count = text.count("[[automation]]")
    say(f"Wrote {count} automation{'s' if count != 1 else ''} to {path}.")


@automation.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; write nothing."
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def import_(state: State, path: str, dry_run: bool, as_json: bool) -> None:
    """Add or replace automations from a TOML file (all of them, or none)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"There is no file {path}.", "file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"Cannot read {path}: {getattr(error, 'strerror', None) or error}.", "file"
        ) from None
    report = import_toml(state.db(), text, dry_run=dry_run)
    if as_json:
        emit_json(report.to_json())
        return
    would = "Would add" if dry_run else "Added"
    would_replace = "would replace" if dry_run else "replaced"
    say(
        f"{would} {len(report.created)}, {would_replace} {len(report.updated)} automation"
        f"{'s' if len(report.created) + len(report.updated) != 1 else ''}."
    )


@automation.command("fields")
@click.option("--json", "as_json", is_flag=True)
def fields_(as_json: bool) -> None:
    """Template fields ({contact.first_name} …) and the matching JTEK_* variables."""
    aliases = {v: k for k, v in ENV_ALIASES.items()}
    data = [
        {
            "field": "{" + k + "}",
            "env": env_name(k) + (f" ({aliases[k]})" if k in aliases else ""),
            "meaning": v,
        }
        for k, v in FIELDS.items()
    ]
    if as_json:
        emit_json(data)
        return
    console.print(
        table(
            "Template fields",
            ["Field", "Command variable", "Meaning"],
            ([d["field"], d["env"], d["meaning"]] for d in data),
        )
    )


@automation.command("actions")
@click.option("--json", "as_json", is_flag=True)
def actions_(as_json: bool) -> None:
    """Action types, their fields, and which run after the change is saved."""
    data = [
        {
            "type": a.type,
            "label": a.label,
            "slow": a.slow,
            "fields": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "required": p.required,
                    "default": p.default,
                    "help": p.help,
                }
                for p in a.params
            ],
        }
        for a in ACTIONS.values()
    ]
    if as_json:
        emit_json(data)
        return
    console.print(
        table(
            "Actions",
            ["Type", "What it does", "When", "Fields"],
            (
                [
                    a["type"],
                    a["label"],
                    "after save" if a["slow"] else "with the move",
                    ", ".join(p["name"] + ("" if p["required"] else "?") for p in a["fields"]),
                ]
                for a in data
            ),
        )
    )


COMMANDS = [automation]
