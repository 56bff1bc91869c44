"""`jtek opp …`"""

from __future__ import annotations

import click

from jtek_tui.cli.output import console, emit_json, fields, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.formatting import day, duration, local, money
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.parsing import parse_date, parse_money


@click.group("opp")
def opp() -> None:
    """Opportunities (deals): add, list, show, move, won, lost."""


def resolve(state: State, ref: str) -> int:
    with state.db().read() as s:
        return O.find_opportunity(s, ref).id


@opp.command("add")
@click.option("--contact", required=True, help="Contact id, exact name or email.")
@click.option("--create-contact", is_flag=True, help="Create the contact if nobody matches.")
@click.option("--name", help='Deal name (default: "Contact — Pipeline").')
@click.option("--value", help="Deal value: 750000, 750,000, $750k, 1.2m.")
@click.option("--pipeline", help="Pipeline name or id (default: the first).")
@click.option("--stage", help="Starting stage (default: the first).")
@click.option("--close", "close_date", help="Expected close: 2027-01-31, today, tomorrow, +30d, eom.")
@click.option("--assignee", help="Team member (default: you).")
@click.option("--notes", default="", help="Notes.")
@click.option("--source", help="Lead source.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def add(state: State, contact: str, create_contact: bool, name: str | None, value: str | None,
        pipeline: str | None, stage: str | None, close_date: str | None, assignee: str | None,
        notes: str, source: str | None, as_json: bool) -> None:
    """Add an opportunity for a contact."""
    value_cents = parse_money(value)
    close = parse_date(close_date)
    extra = {} if assignee is None else {"assignee": assignee}
    o = O.create_opportunity(
        state.db(), contact=contact, create_missing_contact=create_contact, name=name,
        value_cents=value_cents, pipeline=pipeline, stage=stage, expected_close=close,
        notes=notes, source=source, **extra,
    )
    row = O.get_row(state.db(), o.id)
    if as_json:
        emit_json(row.to_json())
    else:
        say(f"Added opportunity #{row.id} {row.name} in {row.pipeline} › {row.stage}.")


@opp.command("list")
@click.option("--pipeline", help="Only this pipeline.")
@click.option("--stage", help="Only this stage (needs --pipeline when names repeat).")
@click.option("--status", type=click.Choice(["open", "won", "lost", "closed", "all"]), default="open",
              show_default=True)
@click.option("--assignee", help="Only deals assigned to this member.")
@click.option("--search", "text", help="Words that must appear in the name, contact or notes.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, pipeline: str | None, stage: str | None, status: str, assignee: str | None,
          text: str | None, as_json: bool) -> None:
    """List opportunities."""
    db = state.db()
    q = OppQuery(status=None if status == "all" else status, text=(text or "").split())
    with db.read() as s:
        if pipeline:
            q.pipeline_id = P.find_pipeline(s, pipeline).id
        if stage:
            q.stage_id = P.find_stage(s, q.pipeline_id or P.find_pipeline(s, None).id, stage).id
        if assignee:
            q.assignee_ids = [M.find_member(s, assignee).id]
    rows = O.list_opportunities(db, q)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    one_pipeline = q.pipeline_id is not None
    columns = [("#", "right"), "Name", "Contact", "Pipeline", "Stage", ("Value", "right"), "Close", "Owner", "Flags"]
    if one_pipeline:
        columns.remove("Pipeline")

    def cells(r: O.OppRow) -> list:
        flags = " ".join(f for f, on in (("overdue", r.is_overdue()), ("rotting", r.is_rotting())) if on)
        out = [r.id, r.name, r.contact, r.pipeline, r.stage, money(r.value_cents), day(r.expected_close),
               r.assignee_initials, flags]
        if one_pipeline:
            del out[3]
        return out

    console.print(table(
        f"Opportunities ({len(rows)}) · {money(sum(r.value_cents or 0 for r in rows))}",
        columns, (cells(r) for r in rows),
    ))


@opp.command("show")
@click.argument("ref", metavar="OPP")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: State, ref: str, as_json: bool) -> None:
    """Show an opportunity (id or unambiguous name) with its stage history."""
    db = state.db()
    oid = resolve(state, ref)
    row = O.get_row(db, oid)
    history = O.opportunity_history(db, oid)
    if as_json:
        data = row.to_json()
        data["history"] = [h.to_json() for h in history]
        data["time_in_stage"] = {name: int(d.total_seconds()) for name, d in O.time_in_stages(history)}
        emit_json(data)
        return
    console.print(fields([
        ("Opportunity", f"#{row.id} {row.name}"), ("Contact", row.contact),
        ("Pipeline", row.pipeline), ("Stage", f"{row.stage} ({row.status})"),
        ("Value", money(row.value_cents)), ("Expected close", day(row.expected_close)),
        ("Assignee", row.assignee or "—"), ("Lost reason", row.lost_reason or "—"),
        ("Notes", row.notes or "—"),
    ]))
    console.print(table(
        "History",
        ["When (local)", "From", "To", "By", ("Time in stage", "right")],
        ([local(h.at), h.from_stage or "(created)", h.to_stage + (f" — {h.reason}" if h.reason else ""),
          h.by or "", duration(h.duration) + (" so far" if h.current else "")] for h in history),
    ))


def _report(row_id: int, state: State, verb: str) -> None:
    row = O.get_row(state.db(), row_id)
    say(f"{verb} #{row.id} {row.name}: now {row.pipeline} › {row.stage}.")


@opp.command("move")
@click.argument("ref", metavar="OPP")
@click.argument("stage")
@pass_state
def move(state: State, ref: str, stage: str) -> None:
    """Move an opportunity to STAGE of its pipeline."""
    oid = resolve(state, ref)
    before = O.get_row(state.db(), oid).stage_id
    O.move_opportunity(state.db(), oid, stage)
    row = O.get_row(state.db(), oid)
    if row.stage_id == before:
        say(f"#{row.id} {row.name} is already in {row.stage}; nothing changed.")
        return
    _report(oid, state, "Moved")


@opp.command("won")
@click.argument("ref", metavar="OPP")
@pass_state
def won(state: State, ref: str) -> None:
    """Mark an opportunity Closed Won."""
    oid = resolve(state, ref)
    O.mark_won(state.db(), oid)
    _report(oid, state, "Won")


@opp.command("lost")
@click.argument("ref", metavar="OPP")
@click.option("--reason", required=True, help="Why it was lost.")
@pass_state
def lost(state: State, ref: str, reason: str) -> None:
    """Mark an opportunity Closed Lost."""
    oid = resolve(state, ref)
    O.mark_lost(state.db(), oid, reason)
    _report(oid, state, "Lost")


@opp.command("reopen")
@click.argument("ref", metavar="OPP")
@click.argument("stage", required=False)
@pass_state
def reopen(state: State, ref: str, stage: str | None) -> None:
    """Reopen a closed opportunity (into STAGE, or the stage it closed from)."""
    oid = resolve(state, ref)
    O.reopen(state.db(), oid, stage)
    _report(oid, state, "Reopened")


COMMANDS = [opp]
