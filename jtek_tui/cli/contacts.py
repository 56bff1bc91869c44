"""`jtek contact …`"""

from __future__ import annotations

import click
from rich.console import Group
from rich.padding import Padding
from rich.text import Text

from jtek_tui.cli.output import console, emit_json, fields, say, table, warn
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import RefusedError, ValidationError
from jtek_tui.domain.formatting import DASH, day, local, money
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.parsing import parse_datetime
from jtek_tui.domain.unset import UNSET

#: `contact show` prints this many recent timeline entries unless --all.
SHOWN_ACTIVITY = 20
#: `contact list` adds the "Last seen" column from this terminal width on.
WIDE_LIST = 100


@click.group("contact")
def contact() -> None:
    """People: add, list, show, edit, tag, log, delete."""


def resolve(state: State, ref: str) -> int:
    with state.db().read() as s:
        return C.find_contact(s, ref).id


def _warn_duplicate_email(state: State, email: str | None, exclude_id: int | None = None) -> None:
    if email and C.contacts_by_email(state.db(), email, exclude_id=exclude_id):
        warn(f"Note: another contact already uses {email}.")


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
    _warn_duplicate_email(state, email)
    c = C.create_contact(db, name, email=email, phone=phone, company=company, source=source, tags=list(tags))
    if as_json:
        emit_json(C.contact_row(db, c.id).to_json())
    else:
        say(f"Added contact #{c.id} {c.name}.")


@contact.command("list")
@click.option("--search", "query", help="Fuzzy search on name, email, phone and tags (#tag: only that tag).")
@click.option("--sort", "sort", type=click.Choice(list(C.SORT_COLUMNS)), help="Sort by this column.")
@click.option("--desc", is_flag=True, help="Sort descending.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, query: str | None, sort: str | None, desc: bool, as_json: bool) -> None:
    """List contacts (by last name, best match first with --search, or --sort).

    Columns: open deals, their total value, and (in terminals 100 columns or
    wider) the day something last happened.
    """
    db = state.db()
    rows = C.list_contacts(db)
    if query:
        rows = C.order_by_ids(rows, C.search_contact_ids(db, query))
    if sort:
        rows = C.sort_rows(rows, sort, descending=desc)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    columns = [("#", "right"), "Name", "Email", "Phone", "Tags", ("Open", "right"), ("Value", "right")]
    wide = console.width >= WIDE_LIST  # at 80 columns names matter more than dates
    if wide:
        columns.append("Last seen")

    def cells(r: C.ContactRow) -> list:
        out = [r.id, r.name, r.email or "", C.format_phone(r.phone), ", ".join(r.tags), r.open_deals,
               money(r.open_value_cents) if r.open_deals else ""]
        return out + [local(r.last_activity_at, "%Y-%m-%d")] if wide else out

    console.print(table(f"Contacts ({len(rows)})", columns, (cells(r) for r in rows)))


def _timeline(entries: list[A.TimelineEntry]) -> Group:
    """A log, not a table: a header line per entry, then its text wrapped and indented,
    so a long note stays readable at 80 columns."""
    parts = []
    for e in entries:
        kind = f"{e.label} #{e.activity_id}" if e.editable else e.label  # the number `contact done` takes
        head = Text.assemble((local(e.at), "bold"), "  ", kind)
        if e.author:
            head.append(f" · {e.author}", style="dim")
        if e.opportunity and e.source == "activity":
            head.append(f" · {e.opportunity}", style="dim")
        text = e.text
        if e.is_task:
            text = f"{'[x]' if e.is_done else '[ ]'} {text}"
            if e.due_at:
                text += f" (due {local(e.due_at)})"
            if e.is_overdue():
                text += " OVERDUE"
        parts += [head, Padding(Text(text), (0, 0, 0, 2))]
    return Group(*parts)


@contact.command("show")
@click.argument("ref", metavar="CONTACT")
@click.option("--all", "show_all", is_flag=True, help=f"The whole timeline (default: the last {SHOWN_ACTIVITY}).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: State, ref: str, show_all: bool, as_json: bool) -> None:
    """Show a contact (id, exact name or email): summary, deals, appointments, timeline."""
    db = state.db()
    cid = resolve(state, ref)
    row = C.contact_row(db, cid)
    summary = C.contact_summary(db, cid)
    opps = O.list_opportunities(db, OppQuery(contact_id=cid, status=None, order="created"))
    appointments = AP.list_appointments(db, contact_id=cid)
    entries = A.timeline(db, cid)
    if as_json:
        data = row.to_json()
        data["summary"] = summary.to_json()
        data["opportunities"] = [o.to_json() for o in opps]
        data["appointments"] = [a.to_json() for a in appointments]
        data["activity"] = [e.to_json() for e in entries]
        emit_json(data)
        return
    upcoming = summary.next_appointment
    console.print(fields([
        ("Contact", f"#{row.id} {row.name}"), ("Email", row.email or DASH),
        ("Phone", C.format_phone(row.phone) or DASH), ("Company", row.company or DASH),
        ("Source", row.source or DASH), ("Tags", ", ".join(row.tags) or DASH),
        ("Created", local(row.created_at)),
        ("Open deals", f"{summary.open_deals} · {money(summary.open_value_cents)}"),
        ("Won", f"{summary.won_deals} · {money(summary.won_value_cents)}"),
        ("Next appointment", f"{upcoming.title} — {upcoming.when()}" if upcoming else DASH),
        ("Last activity", local(summary.last_activity_at)),
        ("Open tasks", f"{summary.open_tasks}"
         + (f" ({summary.overdue_tasks} overdue)" if summary.overdue_tasks else "")),
    ]))
    console.print(table(
        f"Opportunities ({len(opps)})",
        [("#", "right"), "Name", "Pipeline", "Stage", "Status", ("Value", "right"), "Close"],
        ([o.id, o.name, o.pipeline, o.stage, o.status, money(o.value_cents), day(o.expected_close)]
         for o in opps),
    ))
    if appointments:
        console.print(table(
            f"Appointments ({len(appointments)})",
            [("#", "right"), "When (local)", "Title", "Status", "Location"],
            ([a.id, a.when(), a.title, a.status, a.location] for a in appointments),
        ))
    shown = entries if show_all else entries[-SHOWN_ACTIVITY:]
    title = f"Activity ({len(entries)})"
    if len(shown) < len(entries):
        title += f" — the last {len(shown)}; --all for everything"
    console.print(Text(title, style="italic"))
    console.print(_timeline(shown))


@contact.command("edit")
@click.argument("ref", metavar="CONTACT")
@click.option("--name", help="Full name.")
@click.option("--email", help='Email address ("" clears it).')
@click.option("--phone", help='Phone number ("" clears it).')
@click.option("--company", help='Company ("" clears it).')
@click.option("--source", help='Lead source ("" clears it).')
@click.option("--json", "as_json", is_flag=True, help="Print the contact as JSON.")
@pass_state
def edit(state: State, ref: str, name: str | None, email: str | None, phone: str | None, company: str | None,
         source: str | None, as_json: bool) -> None:
    """Change a contact's name, email, phone, company or source."""
    given = {"name": name, "email": email, "phone": phone, "company": company, "source": source}
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise ValidationError("Nothing to change: give --name, --email, --phone, --company or --source.")
    db = state.db()
    cid = resolve(state, ref)
    _warn_duplicate_email(state, email, exclude_id=cid)
    c = C.update_contact(db, cid, **{k: changes.get(k, UNSET) for k in given})  # type: ignore[arg-type]
    if as_json:
        emit_json(C.contact_row(db, c.id).to_json())
    else:
        say(f"Updated contact #{c.id} {c.name}.")


def _retag(state: State, ref: str, tags: tuple[str, ...], remove: bool) -> None:
    cid = resolve(state, ref)
    change = C.retag_contact(state.db(), cid, **{"remove" if remove else "add": tags})
    name = C.contact_row(state.db(), cid).name
    done = change.removed if remove else change.added
    parts = []
    if done:
        parts.append(f"{'Untagged' if remove else 'Tagged'} {name}: {', '.join(done)}.")
    if change.unchanged:
        parts.append(f"{'Did not have' if remove else 'Already had'}: {', '.join(change.unchanged)}.")
    say(" ".join(parts))


@contact.command("tag")
@click.argument("ref", metavar="CONTACT")
@click.argument("tags", metavar="TAG...", nargs=-1, required=True)
@pass_state
def tag(state: State, ref: str, tags: tuple[str, ...]) -> None:
    """Add tags to a contact."""
    _retag(state, ref, tags, remove=False)


@contact.command("untag")
@click.argument("ref", metavar="CONTACT")
@click.argument("tags", metavar="TAG...", nargs=-1, required=True)
@pass_state
def untag(state: State, ref: str, tags: tuple[str, ...]) -> None:
    """Remove tags from a contact."""
    _retag(state, ref, tags, remove=True)


@contact.command("log")
@click.argument("ref", metavar="CONTACT")
@click.argument("words", metavar="TEXT", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(list(A.KINDS)), default="note", show_default=True)
@click.option("--due", help="Tasks: when it is due (tomorrow, +3d, 2027-01-31 09:00; no time = 17:00).")
@click.option("--opp", help="Link one of the contact's deals (id or name).")
@click.option("--at", "at_text", help="When it happened, if not now: yesterday 15:00, -2h, 2027-01-31 09:30.")
@click.option("--json", "as_json", is_flag=True, help="Print the new entry as JSON.")
@pass_state
def log(state: State, ref: str, words: tuple[str, ...], kind: str, due: str | None, opp: str | None,
        at_text: str | None, as_json: bool) -> None:
    """Log a note, call, email, SMS, meeting or task on a contact's timeline."""
    due_at = parse_datetime(due, field="due", default_time=A.TASK_DUE_TIME)
    at = parse_datetime(at_text, field="at")
    if due_at is not None and kind != "task":
        raise ValidationError("Only tasks have a due date (use --kind task).", "due")
    cid = resolve(state, ref)
    entry = A.log_activity(state.db(), cid, kind, " ".join(words), opportunity=opp, due_at=due_at, at=at)
    if as_json:
        emit_json(entry.to_json())
    else:
        due_text = f", due {local(entry.due_at)}" if entry.due_at else ""
        say(f"Logged {entry.kind} #{entry.activity_id}{due_text}.")


@contact.command("done")
@click.argument("task_id", metavar="TASK")
@click.option("--undo", is_flag=True, help="Mark it not done again.")
@pass_state
def done(state: State, task_id: str, undo: bool) -> None:
    """Tick a task done (TASK is its number, shown by `contact show` and `contact tasks`)."""
    with state.db().read() as s:
        activity_id = A.find_activity(s, task_id).id
    entry = A.set_task_done(state.db(), activity_id, not undo)
    say(f"Task #{entry.activity_id} {'done' if entry.is_done else 'not done'}: {entry.text}")


@contact.command("tasks")
@click.argument("ref", metavar="CONTACT", required=False)
@click.option("--all", "include_done", is_flag=True, help="Include tasks already done.")
@click.option("--mine", is_flag=True, help="Only tasks I logged.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def tasks(state: State, ref: str | None, include_done: bool, mine: bool, as_json: bool) -> None:
    """Open tasks (of one contact, or everyone's), soonest due first."""
    db = state.db()
    cid = resolve(state, ref) if ref else None
    rows = A.list_tasks(db, contact_id=cid, author_id=db.actor_id if mine else None, open_only=not include_done)
    if as_json:
        emit_json([e.to_json() for e in rows])
        return
    console.print(table(
        f"Tasks ({len(rows)})",
        [("#", "right"), "Due (local)", "Contact", "Task", "Status"],
        ([e.activity_id, local(e.due_at), e.contact, e.text,
          "done" if e.is_done else ("overdue" if e.is_overdue() else "open")] for e in rows),
    ))


@contact.command("delete")
@click.argument("ref", metavar="CONTACT")
@click.option("--force", is_flag=True, help="Also delete the contact's deals (and their history).")
@pass_state
def delete(state: State, ref: str, force: bool) -> None:
    """Delete a contact with its activity and appointments; refused while it has deals unless --force."""
    db = state.db()
    cid = resolve(state, ref)
    impact = C.deletion_impact(db, cid)
    if impact.deals and not force:
        raise RefusedError(
            f"{impact.name} has {impact.deals} deal{'s' if impact.deals != 1 else ''} "
            f"({impact.open_deals} open); not deleted. Use --force to delete the contact with its deals."
        )
    deals = C.delete_contact(db, cid, force=force)
    extra = f" and {deals} deal{'s' if deals != 1 else ''}" if deals else ""
    say(f"Deleted contact {impact.name}{extra}.")


COMMANDS = [contact]
