"""`jtek contact …`"""

from __future__ import annotations

import click

from jtek_tui.cli.output import console, emit_json, fields, say, table, warn
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.formatting import day, local, money
from jtek_tui.domain.opportunities import OppQuery


@click.group("contact")
def contact() -> None:
    """People: add, list, show."""


def resolve(state: State, ref: str) -> int:
    with state.db().read() as s:
        return C.find_contact(s, ref).id


@contact.command("add")
@click.argument("name")
@click.option("--email", help="Email address.")
@click.option("--phone", help="Phone number (any common format).")
@click.option("--company")
@click.option("--source", help="Where the lead came from.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the new contact as JSON.")
@pass_state
def add(state: State, name: str, email: str | None, phone: str | None, company: str | None,
        source: str | None, tags: tuple[str, ...], as_json: bool) -> None:
    """Add a contact called NAME."""
    db = state.db()
    if email and C.contacts_by_email(db, email):
        warn(f"Note: another contact already uses {email}.")
    c = C.create_contact(db, name, email=email, phone=phone, company=company, source=source, tags=list(tags))
    if as_json:
        emit_json(C.contact_row(db, c.id).to_json())
    else:
        say(f"Added contact #{c.id} {c.name}.")


@contact.command("list")
@click.option("--search", "query", help="Fuzzy search on name, email and phone.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, query: str | None, as_json: bool) -> None:
    """List contacts."""
    db = state.db()
    rows = C.list_contacts(db)
    if query:
        keep = {c.id: i for i, c in enumerate(C.search_contacts(db, query, limit=500))}
        rows = sorted((r for r in rows if r.id in keep), key=lambda r: keep[r.id])
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    console.print(table(
        f"Contacts ({len(rows)})",
        [("#", "right"), "Name", "Email", "Phone", "Tags", ("Open deals", "right"), ("Open value", "right")],
        ([r.id, r.name, r.email or "", C.format_phone(r.phone), ", ".join(r.tags), r.open_deals,
          money(r.open_value_cents) if r.open_deals else ""] for r in rows),
    ))


@contact.command("show")
@click.argument("ref", metavar="CONTACT")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: State, ref: str, as_json: bool) -> None:
    """Show a contact (id, exact name or email) with all its deals, open and closed."""
    db = state.db()
    cid = resolve(state, ref)
    row = C.contact_row(db, cid)
    opps = O.list_opportunities(db, OppQuery(contact_id=cid, status=None, order="created"))
    if as_json:
        data = row.to_json()
        data["opportunities"] = [o.to_json() for o in opps]
        emit_json(data)
        return
    console.print(fields([
        ("Contact", f"#{row.id} {row.name}"), ("Email", row.email or "—"),
        ("Phone", C.format_phone(row.phone) or "—"), ("Company", row.company or "—"),
        ("Source", row.source or "—"), ("Tags", ", ".join(row.tags) or "—"),
        ("Created", local(row.created_at)),
    ]))
    console.print(table(
        f"Opportunities ({len(opps)})",
        [("#", "right"), "Name", "Pipeline", "Stage", "Status", ("Value", "right"), "Close"],
        ([o.id, o.name, o.pipeline, o.stage, o.status, money(o.value_cents), day(o.expected_close)]
         for o in opps),
    ))


COMMANDS = [contact]
