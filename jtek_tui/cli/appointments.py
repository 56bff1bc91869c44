"""`jtek appointment …`"""

from __future__ import annotations

import click
from rich.text import Text

from jtek_tui.cli.contacts import WIDE_LIST
from jtek_tui.cli.contacts import resolve as resolve_contact
from jtek_tui.cli.output import console, emit_json, err_console, say, table
from jtek_tui.cli.root import State, pass_state
from jtek_tui.domain import appointments as AP
from jtek_tui.domain.members import find_member
from jtek_tui.domain.parsing import parse_datetime, parse_duration
from jtek_tui.domain.unset import UNSET

WHEN_HELP = "Local time: 2027-01-31 14:00, tomorrow 9:30, +2d 10:00, 2pm."


@click.group("appointment")
def appointment() -> None:
    """Appointments with contacts: add, list, edit, cancel, done."""


def resolve(state: State, ref: str) -> int:
    with state.db().read() as s:
        return AP.find_appointment(s, ref).id


def _warn_clashes(result: AP.AppointmentResult) -> None:
    """Overlaps are saved anyway: one line each on stderr (unwrapped, like errors), exit 0."""
    for other in result.clashes:
        err_console.print(Text(
            f"jtek: warning: this overlaps your appointment #{other.id} {other.title!r} with {other.contact} "
            f"({other.when()}); saved anyway."
        ), soft_wrap=True)


def _times(start: str | None, end: str | None, duration: str | None, *, current_start=None):
    """Parse --start/--end/--duration. An end given as a bare time (15:30) or a
    relative one (+90m) counts from the (new or current) start."""
    starts_at = parse_datetime(start, field="start")
    base = starts_at or current_start
    ends_at = parse_datetime(end, field="end", base=base) if end else None
    return starts_at, ends_at, parse_duration(duration)


@appointment.command("add")
@click.argument("contact_ref", metavar="CONTACT")
@click.option("--title", required=True, help="What it is: Showing at 12 Elm St, Listing presentation…")
@click.option("--start", required=True, help=WHEN_HELP)
@click.option("--duration", help="30m, 1h, 1h30m, 90 (minutes). Default 1h.")
@click.option("--end", help="End time instead of a duration (15:30 means the same day).")
@click.option("--location", default="", help="Where.")
@click.option("--notes", default="", help="Notes.")
@click.option("--opp", help="Link one of the contact's deals (id or name).")
@click.option("--json", "as_json", is_flag=True, help="Print the appointment (and any clashes) as JSON.")
@pass_state
def add(state: State, contact_ref: str, title: str, start: str, duration: str | None, end: str | None,
        location: str, notes: str, opp: str | None, as_json: bool) -> None:
    """Book an appointment with a contact (warns about overlaps with yours, saves anyway)."""
    starts_at, ends_at, length = _times(start, end, duration)
    assert starts_at is not None
    cid = resolve_contact(state, contact_ref)
    result = AP.add_appointment(state.db(), cid, title=title, starts_at=starts_at, ends_at=ends_at,
                                duration=length, location=location, notes=notes, opportunity=opp)
    _warn_clashes(result)
    a = result.appointment
    if as_json:
        data = a.to_json()
        data["clashes"] = [c.to_json() for c in result.clashes]
        emit_json(data)
    else:
        say(f"Booked appointment #{a.id}: {a.title} with {a.contact}, {a.when()}.")


@appointment.command("edit")
@click.argument("ref", metavar="ID")
@click.option("--title")
@click.option("--start", help=WHEN_HELP + " Keeps the length unless --duration/--end.")
@click.option("--duration", help="30m, 1h, 1h30m, 90 (minutes).")
@click.option("--end", help="End time (15:30 means the start's day).")
@click.option("--location")
@click.option("--notes")
@click.option("--opp", help='Link one of the contact\'s deals ("" unlinks).')
@click.option("--json", "as_json", is_flag=True)
@pass_state
def edit(state: State, ref: str, title: str | None, start: str | None, duration: str | None, end: str | None,
         location: str | None, notes: str | None, opp: str | None, as_json: bool) -> None:
    """Change an appointment (moving it is noted on the contact's timeline)."""
    aid = resolve(state, ref)
    current = AP.get_appointment(state.db(), aid).starts_at if end and not start else None
    starts_at, ends_at, length = _times(start, end, duration, current_start=current)
    changes = {
        "title": title, "starts_at": starts_at, "ends_at": ends_at, "duration": length,
        "location": location, "notes": notes, "opportunity": opp,
    }
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise click.UsageError("nothing to change")
    fields = {k: given.get(k, UNSET) for k in changes}
    result = AP.update_appointment(state.db(), aid, **fields)  # type: ignore[arg-type]
    _warn_clashes(result)
    a = result.appointment
    if as_json:
        emit_json(a.to_json())
    else:
        say(f"Updated appointment #{a.id}: {a.title} with {a.contact}, {a.when()}.")


@appointment.command("list")
@click.option("--contact", "contact_ref", help="Only this contact's appointments.")
@click.option("--upcoming", "when", flag_value="upcoming", help="Not over yet, soonest first.")
@click.option("--past", "when", flag_value="past", help="Over, most recent first.")
@click.option("--owner", help="Only this team member's appointments.")
@click.option("--mine", is_flag=True, help="Only my appointments.")
@click.option("--status", type=click.Choice(list(AP.STATUSES)), help="Only this status.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_(state: State, contact_ref: str | None, when: str | None, owner: str | None, mine: bool,
          status: str | None, as_json: bool) -> None:
    """List appointments (all by start time, or --upcoming / --past).

    Location and owner are shown in terminals 100 columns or wider (and always in --json).
    """
    db = state.db()
    cid = resolve_contact(state, contact_ref) if contact_ref else None
    owner_id = db.actor_id if mine else None
    if owner:
        with db.read() as s:
            owner_id = find_member(s, owner).id
    rows = AP.list_appointments(db, contact_id=cid, owner_id=owner_id, when=when,
                                statuses=(status,) if status else None)
    if as_json:
        emit_json([a.to_json() for a in rows])
        return
    columns = [("#", "right"), "When (local)", "Title", "Contact", "Status"]
    wide = console.width >= WIDE_LIST  # at 80 columns who and when matter most
    if wide:
        columns += ["Location", "Owner"]

    def cells(a: AP.AppointmentRow) -> list:
        out = [a.id, a.when(), a.title, a.contact, a.status]
        return out + [a.location, a.owner or ""] if wide else out

    console.print(table(f"Appointments ({len(rows)})", columns, (cells(a) for a in rows)))


@appointment.command("cancel")
@click.argument("ref", metavar="ID")
@pass_state
def cancel(state: State, ref: str) -> None:
    """Cancel a scheduled appointment (it stays listed as cancelled)."""
    a = AP.cancel_appointment(state.db(), resolve(state, ref))
    say(f"Cancelled appointment #{a.id}: {a.title} with {a.contact}.")


@appointment.command("done")
@click.argument("ref", metavar="ID")
@click.option("--undo", is_flag=True, help="Mark it not done again.")
@pass_state
def done(state: State, ref: str, undo: bool) -> None:
    """Mark an appointment that has started as held."""
    a = AP.mark_appointment_done(state.db(), resolve(state, ref), done=not undo)
    say(f"Appointment #{a.id} {a.title}: {a.status}.")


COMMANDS = [appointment]
