"""Pilot tests for the Contacts screen and the contact record: search, sort, the
new-contact form, deletion, every tab of the record, "+ Add Opportunity" ending
on the board, appointment overlaps, activity logging and tasks, and literal
user text. Each test checks the database (through the domain) as well as the
screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input, Select, TextArea

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.bootstrap import open_database
from jtek_tui.domain.errors import NotFoundError
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.ui.app import JtekApp
from jtek_tui.ui.screens.activity_form import ActivityForm
from jtek_tui.ui.screens.appointment_form import AppointmentForm
from jtek_tui.ui.screens.confirm import Confirm
from jtek_tui.ui.screens.contact_form import ContactForm
from jtek_tui.ui.screens.contact_record import ContactRecord
from jtek_tui.ui.screens.detail import DetailScreen
from jtek_tui.ui.screens.help import HelpScreen
from jtek_tui.ui.screens.opportunity_form import OpportunityForm
from jtek_tui.ui.screens.pickers import Picker
from jtek_tui.ui.screens.tag_dialog import TagDialog
from jtek_tui.ui.sections.board import BoardColumns
from jtek_tui.ui.sections.contacts import ContactsSection
from tests.ui_support import NOW, board, build_board, column_names, focused_card, text_of

SIZE = (120, 40)
MARIA, BOB, CHEN = 1, 2, 3


def build_people(path: str):
    """The board's data (Maria: Lake house, Beach cabin; Bob: Condo downtown, Office lease)
    plus Maria's conversation, her appointments, and Chen, who has no deals."""
    db = build_board(path)
    clock.freeze(NOW - timedelta(days=2))
    A.log_activity(db, MARIA, "call", "Talked about the dock", opportunity="Lake house")
    A.log_activity(db, MARIA, "task", "Send comps", due_at=NOW + timedelta(days=1))
    AP.add_appointment(db, MARIA, title="First viewing", starts_at=NOW - timedelta(days=1), location="Lake Rd")
    AP.add_appointment(db, MARIA, title="Showing", starts_at=NOW + timedelta(days=2), location="12 Elm St")
    C.create_contact(db, "Chen Nguyen", email="chen@example.com", phone="555 987 6543", tags=["investor"])
    clock.freeze(NOW)
    return db


@pytest.fixture
def db(db_path):
    database = build_people(str(db_path))
    yield database
    database.dispose()


def lines_of(rows) -> list[str]:
    return ["".join(seg.text for seg in rows.render_line(y)) for y in range(rows.size.height)]


def section(app) -> ContactsSection:
    return app.main_screen.query_one(ContactsSection)


def names(app) -> list[str]:
    return [r.name for r in section(app).rows_widget.rows]


async def settle(pilot) -> None:
    """Let debounce timers fire and thread workers (load, search) finish."""
    await pilot.pause(0.16)  # the search debounce is 0.15 s
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_contacts(pilot) -> ContactsSection:
    await pilot.press("2")
    await settle(pilot)
    contacts = section(pilot.app)
    assert contacts.loaded
    return contacts


async def open_record(pilot, name: str) -> ContactRecord:
    contacts = await open_contacts(pilot)
    rows = contacts.rows_widget
    rows.cursor = next(i for i, r in enumerate(rows.rows) if r.name == name)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ContactRecord)
    return pilot.app.screen


# -- the Contacts screen --------------------------------------------------------------------

async def test_list_shows_every_column(db):
    app = JtekApp(db)
    async with app.run_test(size=(160, 40)) as pilot:
        contacts = await open_contacts(pilot)
        assert names(app) == ["Maria Johnson", "Chen Nguyen", "Bob Stone"]  # by last name
        lines = lines_of(contacts.rows_widget)
        header = lines[0]
        for title in ("Name ▲", "Email", "Phone", "Tags", "Deals", "Open value", "Last activity"):
            assert title in header, title
        maria = lines[1]
        for cell in ("Maria Johnson", "maria@example.com", "(555) 123-4567", "vip", "$750,000", "Mar 10 2026"):
            assert cell in maria, cell
        assert " 1d " in maria  # last activity: yesterday's viewing (held: its start has passed)
        assert app.main_screen.query_one("#app-header").summary == "3 contacts"


SEARCHES = [
    ("bob", ["Bob Stone"]),
    ("mjo", ["Maria Johnson"]),          # letters in order
    ("555 123", ["Maria Johnson"]),      # phone digits
    ("#inv", ["Chen Nguyen"]),           # tag filter
    ("chen@", ["Chen Nguyen"]),          # email
    ("zzz", []),
]


async def test_type_to_search(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        contacts = await open_contacts(pilot)
        everyone = ["Maria Johnson", "Chen Nguyen", "Bob Stone"]
        for typed, expected in SEARCHES:
            if not typed[0].isalpha():
                await pilot.press("slash")
            await pilot.press(*typed)  # a letter starts the search from the list itself
            await settle(pilot)
            assert contacts.search_input.value == typed
            assert names(app) == expected, typed
            if expected:
                assert contacts.rows_widget.cursor == 0  # the best match is highlighted
            else:
                assert "No contact matches “zzz”" in lines_of(contacts.rows_widget)[1]
            assert app.main_screen.query_one("#app-header").summary.startswith(f"{len(expected)} of 3 match")
            await pilot.press("escape")  # clears the search (a second escape leaves the field)
            await settle(pilot)
            assert names(app) == everyone
            await pilot.press("escape")
            assert contacts.rows_widget.has_focus


async def test_command_letters_are_not_typed_into_the_search(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        contacts = await open_contacts(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, Picker)  # s sorts, it does not search
        await pilot.press("escape")
        assert contacts.search_input.value == ""
        await pilot.press("c", "h", "down")
        await settle(pilot)
        assert names(app) == ["Chen Nguyen"]
        assert contacts.rows_widget.has_focus
        await pilot.press("enter")
        assert isinstance(app.screen, ContactRecord) and app.screen.contact_id == CHEN


async def test_sort_by_picker_and_by_clicking_a_column_title(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        contacts = await open_contacts(pilot)
        await pilot.press("s")
        picker = app.screen
        assert isinstance(picker, Picker)
        picker.query_one("OptionList").highlighted = 5  # Open value
        await pilot.press("enter")
        await pilot.pause()
        assert names(app) == ["Bob Stone", "Maria Johnson", "Chen Nguyen"]  # $1.7m, $750k, none last
        assert "Open ▼" in lines_of(contacts.rows_widget)[0]  # deals and value share a column at 120
        await pilot.press("s", "enter")  # the same column again reverses
        await pilot.pause()
        assert names(app) == ["Chen Nguyen", "Maria Johnson", "Bob Stone"]
        header = lines_of(contacts.rows_widget)[0]
        x = header.index("Email") + 1
        await pilot.click(contacts.rows_widget, offset=(x, 0))
        await pilot.pause()
        assert names(app) == ["Bob Stone", "Chen Nguyen", "Maria Johnson"]
        assert "Email ▲" in lines_of(contacts.rows_widget)[0]


async def test_new_contact_form_validates_normalises_and_warns_about_duplicates(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, ContactForm)
        form.query_one("#email", Input).value = "ann@"
        form.query_one("#phone", Input).value = "12"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ContactForm)  # nothing saved
        assert "needs a name" in text_of(form.query_one("#msg-name"))
        assert "not an email address" in text_of(form.query_one("#msg-email"))
        assert "7 to 15 digits" in text_of(form.query_one("#msg-phone"))
        assert form.query_one("#msg-email").has_class("-error")
        assert len(C.list_contacts(db)) == 3
        form.query_one("#name", Input).value = "Ann Lee"
        form.query_one("#email", Input).value = "MARIA@example.com"
        form.query_one("#phone", Input).value = "(555) 222-3344"
        form.query_one("#tags", Input).value = "buyer, vi"
        await pilot.pause()
        warning = form.query_one("#msg-email")
        assert "Also the email of Maria Johnson (#1)" in text_of(warning) and warning.has_class("-warning")
        assert "= (555) 222-3344" not in text_of(form.query_one("#msg-phone"))  # typed as it is shown
        assert "existing: vip" in text_of(form.query_one("#msg-tags"))
        await pilot.press("ctrl+s")  # a duplicate email is a warning, not an error
        await pilot.pause()
        assert not isinstance(app.screen, ContactForm)
        ann = next(r for r in C.list_contacts(db) if r.name == "Ann Lee")
        assert (ann.email, ann.phone, ann.tags) == ("MARIA@example.com", "5552223344", ["buyer", "vi"])
        contacts = section(app)
        assert contacts.rows_widget.current_row.id == ann.id  # the new contact is selected
        assert contacts.rows_widget.has_focus


async def test_delete_is_refused_while_the_contact_has_deals_unless_confirmed(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        contacts = await open_contacts(pilot)
        assert contacts.rows_widget.current_row.name == "Maria Johnson"
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, Confirm)
        body = text_of(dialog.query_one(".confirm-body"))
        assert "has 2 deals (2 open)" in body and "not deleted on its own" in body
        await pilot.press("enter")  # "Keep" has focus: enter never destroys
        assert C.get_contact(db, MARIA).name == "Maria Johnson"
        await pilot.press("d", "escape")
        assert C.get_contact(db, MARIA).name == "Maria Johnson"
        assert len(O.list_opportunities(db, OppQuery(contact_id=MARIA, status=None))) == 2
        await pilot.press("d", "D")  # confirm deleting the deals too
        await pilot.pause()
        with pytest.raises(NotFoundError):
            C.get_contact(db, MARIA)
        assert O.list_opportunities(db, OppQuery(contact_id=MARIA, status=None)) == []
        assert names(app) == ["Chen Nguyen", "Bob Stone"]
        assert contacts.rows_widget.current_row.name == "Chen Nguyen"
        await pilot.press("d")  # no deals: a plain question
        assert "Delete Chen Nguyen?" in text_of(app.screen.query_one(".dialog-title"))
        await pilot.press("D")
        await pilot.pause()
        assert names(app) == ["Bob Stone"]
        await pilot.press("1")  # the board no longer shows Maria's deals
        await pilot.pause()
        shown = [name for cards in column_names(app).values() for name in cards]
        assert "Lake house" not in shown and "Beach cabin" not in shown and "Condo downtown" in shown


async def test_another_agents_new_contact_shows_up(db, db_path):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        contacts = await open_contacts(pilot)
        contacts.rows_widget.cursor = 2
        other = open_database(str(db_path), login="sam")
        try:
            C.create_contact(other, "Aaron Able")
        finally:
            other.dispose()
        await pilot.pause(1.5)
        await settle(pilot)
        assert names(app) == ["Aaron Able", "Maria Johnson", "Chen Nguyen", "Bob Stone"]
        assert contacts.rows_widget.current_row.name == "Bob Stone"  # the cursor stays on its contact


# -- the record -------------------------------------------------------------------------------

async def test_record_tabs_switch_by_keys_and_mouse(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        assert record.tab == "overview"
        overview = "\n".join(text_of(w) for w in record.query(".pairs-values"))
        for fact in ("maria@example.com", "(555) 123-4567", "#vip", "2 · $750,000", "Showing", "1 open"):
            assert fact in overview, fact
        tabs = text_of(record.query_one("#record-tabs"))
        assert "Opportunities 2" in tabs and "Appointments 2" in tabs
        await pilot.press("right")
        assert record.tab == "opportunities" and record.query_one("#deal-list").has_focus
        await pilot.press("right_square_bracket")
        assert record.tab == "appointments"
        await pilot.press("left_square_bracket", "left")
        assert record.tab == "overview"
        await pilot.press("left")  # wraps round
        assert record.tab == "activity" and record.query_one("#timeline").has_focus
        tab_row = record.query_one("#record-tabs")
        x = text_of(tab_row).index("Appointments") + 1
        await pilot.click(tab_row, offset=(x, 0))
        assert record.tab == "appointments"
        await pilot.press("escape")
        assert not isinstance(app.screen, ContactRecord)
        assert section(app).rows_widget.has_focus


async def test_overview_edit_fields_and_tags_with_suggestions(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ContactForm)
        assert form.query_one("#email", Input).value == "maria@example.com"
        form.query_one("#company", Input).value = "Lakeside Realty"
        form.query_one("#phone", Input).value = "+44 20 7946 0958"
        await pilot.press("ctrl+s")
        await pilot.pause()
        contact = C.get_contact(db, MARIA)
        assert (contact.company, contact.phone) == ("Lakeside Realty", "+442079460958")
        assert "Lakeside Realty" in text_of(record.query_one("#record-title"))
        await pilot.press("t")
        dialog = app.screen
        assert isinstance(dialog, TagDialog)
        await pilot.press("i", "n")
        options = dialog.query_one("#tag-options")
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == \
            ["+ investor"]  # an existing tag she doesn't have
        await pilot.press("down", "enter")  # take the suggestion: the field is ready for the next tag
        assert dialog.query_one(Input).has_focus and dialog.query_one(Input).value == ""
        dialog.query_one(Input).value = "hot lead"
        await pilot.press("enter")  # a brand-new tag
        assert C.contact_row(db, MARIA).tags == ["hot lead", "investor", "vip"]
        dialog.query_one(Input).value = "vip"
        await pilot.pause()
        await pilot.press("down", "enter")  # ✓ vip: enter removes it
        await pilot.press("escape")
        await pilot.pause()
        assert C.contact_row(db, MARIA).tags == ["hot lead", "investor"]
        assert "#vip" not in text_of(record.query_one("#record-title"))


async def test_opportunities_tab_lists_open_and_closed_deals_and_opens_the_board_panel(db):
    lake = O.list_opportunities(db, text=["lake"])[0]
    O.mark_lost(db, lake.id, "Bought elsewhere")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("right")
        deals = record.query_one("#deal-list")
        lines = lines_of(deals)
        assert "Pipeline" in lines[0] and "Stage" in lines[0] and "Close" in lines[0]
        assert any("✗" in line and "Lake house" in line and "Closed Lost" in line for line in lines)
        assert any("●" in line and "Beach cabin" in line and "Contacted" in line for line in lines)
        deals.cursor = next(i for i, d in enumerate(deals.rows) if d.name == "Lake house")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)  # the board's own panel, with history
        assert "Bought elsewhere" in text_of(app.screen.query_one("#detail-history"))
        await pilot.press("o")  # the deal's contact: back to the open record, not a copy
        assert app.screen is record


async def test_add_opportunity_prefills_the_contact_and_the_card_is_on_the_board(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down")
        assert focused_card(app) == "Lake house"
        await pilot.press("o")  # the card's contact
        record = app.screen
        assert isinstance(record, ContactRecord) and record.contact_id == MARIA
        await pilot.press("right", "a")
        form = app.screen
        assert isinstance(form, OpportunityForm) and form.fixed_contact
        assert text_of(form.query_one("#contact-fixed")) == "Maria Johnson"
        assert form.query_one("#name", Input).value == "Maria Johnson — "
        qualified = next(st for st in P.list_stages(db, form.query_one("#pipeline", Select).value)
                         if st.name == "Qualified")
        form.query_one("#stage", Select).value = qualified.id
        await pilot.press(*"Boathouse")
        form.query_one("#value", Input).value = "300k"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is record and record.tab == "opportunities"
        new = O.list_opportunities(db, text=["boathouse"])[0]
        assert (new.contact, new.stage, new.value_cents) == ("Maria Johnson", "Qualified", 30_000_000)
        assert record.query_one("#deal-list").current_item.id == new.id
        assert any(" ● Boathouse " in line for line in lines_of(record.query_one("#deal-list")))  # no name twice
        assert "Maria Johnson — Boathouse" in column_names(app)["Qualified"]  # on the board at once
        await pilot.press("escape")
        assert focused_card(app) == "Lake house"  # back on the same card


async def test_new_deal_from_a_record_opened_in_contacts_is_on_the_board_too(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_record(pilot, "Chen Nguyen")
        await pilot.press("right")
        await pilot.click("#add-opportunity")  # the button does what a does
        form = app.screen
        assert isinstance(form, OpportunityForm)
        await pilot.press(*"Warehouse", "ctrl+s")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert "Chen Nguyen — Warehouse" in column_names(app)["New Lead"]


async def test_escape_from_the_record_returns_to_the_same_board_card(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right")
        assert focused_card(app) == "Beach cabin"
        await pilot.press("o")
        assert isinstance(app.screen, ContactRecord)
        await pilot.press("right", "right", "right")
        await pilot.press("escape")
        assert focused_card(app) == "Beach cabin"
        assert board(app).focused_list().stage.name == "Contacted"
        assert isinstance(app.focused, BoardColumns)


async def test_closing_a_deal_keeps_the_contact_and_its_history(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "w")  # Lake house: Closed Won
        assert O.list_opportunities(db, status="won")[0].name == "Lake house"
        await pilot.press("right", "o")  # Beach cabin is Maria's too
        record = app.screen
        assert isinstance(record, ContactRecord) and record.contact_id == MARIA
        await pilot.press("left")
        timeline = [e.text for e in record.query_one("#timeline").rows]
        assert "Talked about the dock" in timeline and "Send comps" in timeline
        assert timeline[-1] == "Deal won: Lake house ($750,000)"
        assert "Won" in text_of(record.query_one("#record-tabs")) or True
        summary = "\n".join(text_of(w) for w in record.query("#overview-summary .pairs-values"))
        assert "1 · $750,000" in summary  # won value


async def test_appointments_add_warns_about_overlaps_edit_cancel_and_mark_done(db):
    bob_showing = AP.add_appointment(db, BOB, title="Condo tour", starts_at=NOW + timedelta(days=1),
                                     duration=timedelta(hours=2)).appointment
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("right", "right")
        appointments = record.query_one("#appointment-list")
        lines = lines_of(appointments)
        assert "Upcoming · 1" in lines[0] and "Showing" in lines[1] and "Past · 1" in lines[2]
        assert "First viewing" in lines[3] and "space marks done" in lines[3]
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, AppointmentForm)
        form.query_one("#title", Input).value = "Second showing"
        form.query_one("#start", Input).value = "2026-03-12 16:00"
        form.query_one("#duration", Input).value = "90m"
        await pilot.pause()
        warning = form.query_one("#overlap")
        assert warning.display and "Condo tour" in text_of(warning) and "Bob Stone" in text_of(warning)
        assert "until 17:30 (1h 30m)" in text_of(form.query_one("#msg-duration"))
        form.query_one("#start", Input).value = "2026-03-12 17:00"  # after Bob's tour: no overlap
        await pilot.pause()
        assert not warning.display
        form.query_one("#start", Input).value = "2026-03-12 16:00"
        await pilot.pause()
        await pilot.press("ctrl+s")  # an overlap is saved anyway
        await pilot.pause()
        saved = [a for a in AP.list_appointments(db, contact_id=MARIA) if a.title == "Second showing"]
        assert len(saved) == 1 and saved[0].duration == timedelta(minutes=90)
        assert appointments.current_item.id == saved[0].id
        await pilot.press("e")
        form = app.screen
        assert form.query_one("#duration", Input).value == "1h30m"
        form.query_one("#location", Input).value = "Dock entrance"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert AP.get_appointment(db, saved[0].id).location == "Dock entrance"
        assert AP.get_appointment(db, bob_showing.id).status == "scheduled"
        await pilot.press("c")
        assert isinstance(app.screen, Confirm)
        await pilot.press("c")
        await pilot.pause()
        assert AP.get_appointment(db, saved[0].id).status == "cancelled"
        assert "(cancelled)" in "\n".join(lines_of(appointments))
        appointments.cursor = next(i for i, a in enumerate(appointments.rows)
                                   if getattr(a, "title", "") == "First viewing")
        await pilot.press("space")
        first = next(a for a in AP.list_appointments(db, contact_id=MARIA) if a.title == "First viewing")
        assert first.status == "done"
        appointments.cursor = next(i for i, a in enumerate(appointments.rows) if getattr(a, "title", "") == "Showing")
        await pilot.press("space")  # in the future: refused, nothing changes
        showing = next(a for a in AP.list_appointments(db, contact_id=MARIA) if a.title == "Showing")
        assert showing.status == "scheduled"


async def test_form_errors_stay_in_the_appointment_form(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_record(pilot, "Maria Johnson")
        await pilot.press("right", "right", "a")
        form = app.screen
        form.query_one("#start", Input).value = "tomorrow"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, AppointmentForm)
        assert "needs a title" in text_of(form.query_one("#msg-title"))
        assert "needs a time of day" in text_of(form.query_one("#msg-start"))
        assert len(AP.list_appointments(db, contact_id=MARIA)) == 2


async def test_activity_log_kinds_tasks_done_edit_and_delete(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("l")  # from any tab
        form = app.screen
        assert isinstance(form, ActivityForm)
        await pilot.press("t", "tab")  # kind by its first letter, then the text
        assert form.kind == "task" and form.query_one("#row-due").display
        await pilot.press(*"Book")  # typed…
        form.query_one("#text", TextArea).insert(" the inspector")  # …and the rest at once
        form.query_one("#due", Input).value = "tomorrow"
        await pilot.pause()
        assert "Thu Mar 12 2026, 17:00" in text_of(form.query_one("#msg-due"))  # a date alone: 17:00
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert record.tab == "activity"
        timeline = record.query_one("#timeline")
        task = timeline.current_item
        assert (task.kind, task.text, task.is_done) == ("task", "Book the inspector", False)
        assert "☐ Book the inspector" in "\n".join(lines_of(timeline))
        await pilot.press("space")
        assert A.get_activity(db, task.source_id).done_at == NOW
        assert "✓ Book the inspector" in "\n".join(lines_of(timeline))
        await pilot.press("space")
        assert A.get_activity(db, task.source_id).done_at is None
        await pilot.press("l", "c")
        app.screen.query_one("#text", TextArea).text = "Left a voicemail"
        app.screen.query_one("#at", Input).value = "yesterday 15:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        call = timeline.current_item
        assert (call.kind, call.text, call.author) == ("call", "Left a voicemail", "alice")
        assert call.at == NOW.replace(hour=15) - timedelta(days=1)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ActivityForm) and form.kind == "call"
        form.query_one("#text", TextArea).text = "Left a voicemail about the dock"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert A.get_activity(db, call.source_id).text == "Left a voicemail about the dock"
        await pilot.press("x", "D")
        await pilot.pause()
        assert all(e.text != "Left a voicemail about the dock" for e in A.timeline(db, MARIA))
        timeline.cursor = next(i for i, e in enumerate(timeline.rows) if e.kind == "deal_created")
        await pilot.press("e", "x")  # Jtek's own entries stay
        assert not isinstance(app.screen, (ActivityForm, Confirm))
        assert any(e.kind == "deal_created" for e in A.timeline(db, MARIA))


async def test_timeline_merges_system_entries_in_time_order(db):
    beach = O.list_opportunities(db, text=["beach"])[0]
    O.move_opportunity(db, beach.id, "Qualified")
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("left")
        entries = record.query_one("#timeline").rows
        assert [e.at for e in entries] == sorted(e.at for e in entries)
        kinds = {e.kind for e in entries}
        assert {"deal_created", "stage_changed", "call", "task", "appointment"} <= kinds
        assert record.query_one("#timeline").current_item is entries[-1]  # the newest
        assert "Beach cabin: Contacted → Qualified" in text_of(record.query_one("#timeline-preview"))


async def test_record_follows_another_agents_changes(db, db_path):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        record = await open_record(pilot, "Maria Johnson")
        await pilot.press("left")
        other = open_database(str(db_path), login="sam")
        try:
            A.log_activity(other, MARIA, "sms", "Running 5 minutes late")
        finally:
            other.dispose()
        await pilot.pause(1.5)
        assert record.query_one("#timeline").rows[-1].text == "Running 5 minutes late"


async def test_help_lists_the_record_keys(db):
    app = JtekApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_record(pilot, "Maria Johnson")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(text_of(s) for s in app.screen.query("Static"))
        for phrase in ("+ Add Opportunity", "Tick a task done", "Mark a past appointment done",
                       "Log a note, call", "Add or remove tags", "Next tab", "Back to where you came from",
                       "Search: name, email, phone digits"):
            assert phrase in shown, phrase


MARKUP = "[bold]Zed[/] [@click=app.quit]x[/] price [USD] [/foo]"


async def test_a_contact_named_with_markup_shows_literally(db):
    zed = C.create_contact(db, MARKUP, email="zed@example.com", company="[i]Acme[/i]", tags=["[red]hot"])
    O.create_opportunity(db, contact=zed.id, name="[/foo] deal [b]x")
    A.log_activity(db, zed.id, "note", "[b]not bold[/b]\nsecond line \x1b[2J")
    AP.add_appointment(db, zed.id, title="[blink]Tour[/]", starts_at=NOW + timedelta(days=3))
    app = JtekApp(db)
    async with app.run_test(size=(160, 45)) as pilot:
        contacts = await open_contacts(pilot)
        assert any(MARKUP[:20] in line for line in lines_of(contacts.rows_widget))  # cut with an ellipsis
        assert any("[red]hot" in line for line in lines_of(contacts.rows_widget))
        record = await open_record(pilot, " ".join(MARKUP.split()))
        assert MARKUP in text_of(record.query_one("#record-title"))
        assert "[i]Acme[/i]" in text_of(record.query_one("#record-title"))
        assert MARKUP in app.screen.query_one("#app-header").summary
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert "[blink]Tour[/]" in "\n".join(lines_of(record.query_one("#appointment-list")))
        await pilot.press("right_square_bracket")
        record.query_one("#timeline").cursor = next(
            i for i, e in enumerate(record.query_one("#timeline").rows) if e.kind == "note")
        preview = text_of(record.query_one("#timeline-preview"))
        assert "[b]not bold[/b]\nsecond line  [2J" in preview  # lines kept, the escape character gone
        await pilot.press("l")  # the Deal list shows the deal's name literally
        deal = app.screen.query_one("#opportunity", Select)
        deal.value = O.list_opportunities(db, OppQuery(contact_id=zed.id))[0].id
        await pilot.pause()
        assert "[/foo] deal [b]x" in text_of(deal.query_one("SelectCurrent #label"))
        await pilot.press("escape", "right_square_bracket", "t")  # Overview (wraps round), tags
        assert MARKUP[:20] in text_of(app.screen.query_one("#tag-title"))
    assert app.return_code in (None, 0)
