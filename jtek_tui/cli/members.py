"""`jtek member …`: the team. Your OS login is your member (created on first use)."""

from __future__ import annotations

import click

from jtek_tui.cli.output import console, emit_json, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import members as M


@click.group("member")
def member() -> None:
    """Team members: who acts (your OS login) and who deals are assigned to."""


@member.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated members.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON list: id, name, login, email, active, initials, open_deals, is_me.")
@pass_state
def list_(state: State, include_inactive: bool, as_json: bool) -> None:
    """List team members (active ones unless --all)."""
    rows = M.member_rows(state.db(), include_inactive=include_inactive)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    console.print(table(
        f"Team members ({len(rows)})",
        [("#", "right"), "Name", "Initials", "Login", "Email", ("Open deals", "right"), "Status"],
        ([r.id, r.name + (" (you)" if r.is_me else ""), r.initials, r.login or "", r.email or "",
          r.open_deals, "active" if r.active else "deactivated"] for r in rows),
    ))


@member.command("add")
@click.argument("name")
@click.option("--login", help="Their OS login on this box: they act as this member from their first run.")
@click.option("--email", help="Email address.")
@click.option("--json", "as_json", is_flag=True, help="Print the new member as JSON.")
@pass_state
def add(state: State, name: str, login: str | None, email: str | None, as_json: bool) -> None:
    """Add a team member called NAME (e.g. someone who works without an account here)."""
    m = M.add_member(state.db(), name, login=login, email=email)
    if as_json:
        emit_json(next(r for r in M.member_rows(state.db(), include_inactive=True) if r.id == m.id).to_json())
    else:
        say(f"Added team member #{m.id} {m.name}.")


@member.command("rename")
@click.argument("ref", metavar="MEMBER")
@click.argument("name")
@pass_state
def rename(state: State, ref: str, name: str) -> None:
    """Rename a team member (by id, login, name or initials)."""
    m = M.rename_member(state.db(), ref, name)
    say(f"Renamed team member #{m.id} to {m.name}.")


@member.command("deactivate")
@click.argument("ref", metavar="MEMBER")
@pass_state
def deactivate(state: State, ref: str) -> None:
    """Deactivate a member: no longer offered as an assignee; history and deals are kept."""
    m = M.set_member_active(state.db(), ref, False)
    left = next(r for r in M.member_rows(state.db(), include_inactive=True) if r.id == m.id).open_deals
    tail = f" {left} open deal(s) are still assigned to them." if left else ""
    say(f"Deactivated team member #{m.id} {m.name}.{tail}")


@member.command("activate")
@click.argument("ref", metavar="MEMBER")
@pass_state
def activate(state: State, ref: str) -> None:
    """Activate a deactivated member again."""
    m = M.set_member_active(state.db(), ref, True)
    say(f"Activated team member #{m.id} {m.name}.")


COMMANDS = [member]
