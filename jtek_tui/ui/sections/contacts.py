"""The Contacts screen (`2`): every contact, searchable and sortable, instant at 50,000.

All rows are read once by `contacts.list_contacts` in a thread (about a second
at 50,000; a "Loading…" line meanwhile) and kept in memory. Typing searches
through the domain's ranked `search_contact_ids`, debounced and in a thread;
sorting is `sort_rows` over the rows in memory. The list is a `RowList`, which
draws only the visible lines, so a key press repaints in milliseconds whatever
the size. Changes from elsewhere re-read in the background, at most a tenth of
the time (a full read is costly at 50,000), keeping the cursor on its contact.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain.contacts import ContactRow
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.changes import announce_change
from jtek_tui.ui.messages import OpenContact, SummaryChanged
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.text import clean, cut
from jtek_tui.ui.widgets.contact_list import WIDE, ContactList, header_text, layout, row_text
from jtek_tui.ui.widgets.row_list import Cells, RowList

SEARCH_DELAY = 0.15
#: Full reloads caused by others' changes use at most this share of the time.
RELOAD_SHARE = 0.1


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while building or sorting 50,000 rows.

    A sort makes ~100,000 short-lived tuples and a load ~150,000 lasting objects;
    left to the collector, they trigger full collections that walk every loaded
    row (80–350 ms pauses measured, felt as a frozen screen). The tuples are
    freed by reference counting anyway, and the load pays for one collection
    afterwards instead of several during it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_memory() -> None:
    """After (re)loading the rows: one full collection, then freeze what is alive.

    Every full collection walks every live object, and 50,000 rows make the heap
    big enough for each walk to stall the screen (80–350 ms, several times a
    minute while records are opened and closed). Frozen objects are skipped by
    later collections, which then only see what is new (a closed record's
    widgets) and stay short. Unfreezing first lets the previous freeze's
    leftovers (a removed widget's cycles) be collected now, so nothing leaks
    across reloads; the rows themselves are freed by reference counting.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class SearchBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("/", id="contact-search-prompt", markup=False)
        yield Input(placeholder="type to search: name, email, phone digits, #tag", id="contact-search",
                    select_on_focus=False, compact=True)
        yield Static("", id="contact-count", markup=False)


class ContactsSection(Section):
    SECTION_ID = "contacts"
    TITLE = "Contacts"

    BINDINGS = [
        Binding("enter", "open_contact", "Open", tooltip="Open the contact's record"),
        Binding("n", "new_contact", "New", tooltip="New contact (name, email, phone, company, source, tags)"),
        Binding("d", "delete_contact", "Delete", tooltip="Delete the contact (asks; deals only if you say so)"),
        Binding("s", "sort", "Sort", tooltip="Sort by a column (again: reverse); or click a column title"),
        Binding("slash", "search", "Search", key_display="/",
                tooltip="Search: name, email, phone digits, #tag — or just start typing a name"),
        Binding("escape", "clear_search", "Clear search", show=False, tooltip="Clear the search"),
    ]

    def __init__(self) -> None:
        super().__init__(id=self.SECTION_ID)
        self.all_rows: list[ContactRow] = []
        self.loaded = False
        self.search_text = ""
        self.search_ids: list[int] | None = None
        self.sort_column: str | None = None  # None: by name, or best match first while searching
        self.descending = False
        self._search_timer: Timer | None = None
        self._search_seq = 0
        self._loading = False
        self._reload_wanted = False
        self._next_reload_at = 0.0
        self._reload_timer: Timer | None = None
        self._rows_widget: ContactList | None = None
        self._loaded_version: int | None = None

    def help_groups(self) -> list[tuple[str, list[type]]]:
        return [("Contacts", [type(self)])]

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SearchBar(id="contact-search-bar")
        yield ContactList(self._row_cells, header=self._header_cells, empty="Loading contacts…",
                          id="contact-list", classes="jtek-list")

    @property
    def rows_widget(self) -> ContactList:
        if self._rows_widget is None:
            self._rows_widget = self.query_one("#contact-list", ContactList)
        return self._rows_widget

    @property
    def search_input(self) -> Input:
        return self.query_one("#contact-search", Input)

    def _header_cells(self, width: int) -> Cells:
        return [(header_text(self.rows_widget.row_width, self._shown_sort(), self.descending), "")]

    def _row_cells(self, row: ContactRow, width: int) -> Cells:
        return [(row_text(row, self.rows_widget.row_width, clock.now()), "")]

    def _shown_sort(self) -> str | None:
        if self.sort_column is None and not self.search_text:
            return "name"
        return self.sort_column

    # -- loading --------------------------------------------------------------------------
    def focus_default(self) -> None:
        if self.search_input.has_focus:
            return
        self.rows_widget.focus()
        if not self.loaded and not self._loading:
            self._start_load()
        elif self.loaded:
            self.reload()  # hidden sections miss changes: catch up in the background

    def _data_version(self) -> int | None:
        try:
            return self.db.data_version() if self.db.is_sqlite else None
        except JtekError:
            return None

    def _start_load(self) -> None:
        self._loading = True
        self._reload_wanted = False
        self._loaded_version = self._data_version()  # read before the rows: a later change reloads again
        self._search_seq += 1
        self.run_worker(self._load_rows(self._search_seq, self.search_text), thread=True,
                        group="contacts-load")
        self.update_count()

    def _load_rows(self, seq: int, text: str):
        def work() -> None:
            started = time.perf_counter()
            try:
                with gc_paused():
                    rows = C.list_contacts(self.db)
                ids = C.search_contact_ids(self.db, text) if text else None
                view = self._view(rows, ids)
            except JtekError as error:
                self.app.call_from_thread(self._load_failed, str(error))
                return
            elapsed = time.perf_counter() - started
            self.app.call_from_thread(self._loaded, seq, rows, ids, view, elapsed)

        return work

    def _loaded(self, seq: int, rows: list[ContactRow], ids: list[int] | None, view: list[ContactRow],
                elapsed: float) -> None:
        self._loading = False
        self.loaded = True
        self.all_rows = rows
        settle_memory()
        self._next_reload_at = time.monotonic() + elapsed / RELOAD_SHARE
        if seq == self._search_seq:
            self.search_ids = ids
            self.show(view)
        else:  # the search changed meanwhile: redo it over the fresh rows
            self._run_search(self.search_text)
        if self._reload_wanted:
            self.reload()

    def _load_failed(self, message: str) -> None:
        self._loading = False
        self.rows_widget.empty = message
        self.rows_widget.refresh()
        self.notify(message, markup=False, severity="error")

    def reload(self) -> None:
        """Someone changed data: read everything again in the background (rate-limited)."""
        if not self.loaded:
            return
        if self._loading:
            self._reload_wanted = True
            return
        version = self._data_version()
        if version is not None and version == self._loaded_version:
            return  # nothing was committed since the rows were read
        wait = self._next_reload_at - time.monotonic()
        if wait > 0:
            self._reload_wanted = True
            if self._reload_timer is None:
                self._reload_timer = self.set_timer(wait, self._delayed_reload)
            return
        self._start_load()

    def _delayed_reload(self) -> None:
        self._reload_timer = None
        if self._reload_wanted:
            self._reload_wanted = False
            self.reload()

    # -- the view: search, sort -------------------------------------------------------------
    def _view(self, rows: list[ContactRow], ids: list[int] | None) -> list[ContactRow]:
        """What the list shows: the search hits (best first) or everyone, then the chosen sort."""
        view = C.order_by_ids(rows, ids) if ids is not None else rows
        if self.sort_column is not None:
            with gc_paused():
                view = C.sort_rows(view, self.sort_column, descending=self.descending)
        return view

    def show(self, view: list[ContactRow], *, keep_id: int | None = None) -> None:
        rows = self.rows_widget
        rows.empty = (f"No contact matches “{cut(clean(self.search_text), 40)}”." if self.search_text
                      else "No contacts yet: n adds one.")
        rows.set_rows(view, keep_id=keep_id)
        self.update_count()

    def update_count(self) -> None:
        shown, total = len(self.rows_widget.rows), len(self.all_rows)
        if not self.loaded:
            text = "Loading…"
        elif self.search_text:
            text = f"{shown:,} of {total:,}"
        else:
            text = f"{total:,} contact{'s' if total != 1 else ''}"
        self.query_one("#contact-count", Static).update(text)
        self.post_message(SummaryChanged(self.SECTION_ID, self.summary()))

    def summary(self) -> str:
        if not self.loaded:
            return "loading…"
        total = len(self.all_rows)
        if self.search_text:
            return f"{len(self.rows_widget.rows):,} of {total:,} match “{cut(clean(self.search_text), 30)}”"
        return f"{total:,} contact{'s' if total != 1 else ''}"

    # -- searching -----------------------------------------------------------------------------
    def action_search(self) -> None:
        field = self.search_input
        field.focus()
        field.cursor_position = len(field.value)

    def on_key(self, event: events.Key) -> None:
        """Type to search: a printable key that isn't a command starts (or continues) the search."""
        if self.search_input.has_focus:
            if event.key == "escape":
                event.stop()
                if self.search_input.value:
                    self.search_input.value = ""
                    self.set_search("")
                else:
                    self.rows_widget.focus()
            elif event.key in ("down", "pagedown"):
                event.stop()
                self._flush_search()
                self.rows_widget.focus()
            return
        if not event.is_printable or not event.character or event.character.isspace():
            return
        if event.key in self.screen.active_bindings:
            return
        event.stop()
        field = self.search_input
        field.focus()
        field.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#contact-search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, lambda: self.set_search(event.value))

    @on(Input.Submitted, "#contact-search")
    def _search_done(self, event: Input.Submitted) -> None:
        self._flush_search()
        self.rows_widget.focus()

    def _flush_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if self.search_input.value.strip() != self.search_text:
            self.set_search(self.search_input.value, wait=True)

    def set_search(self, text: str, *, wait: bool = False) -> None:
        text = text.strip()
        if text == self.search_text and (text or self.search_ids is None):
            return
        self.search_text = text
        self._run_search(text, wait=wait)

    def _run_search(self, text: str, *, wait: bool = False) -> None:
        self._search_seq += 1
        seq = self._search_seq
        if not self.loaded:
            self.update_count()
            return  # the load in progress searches when it is done
        if not text:
            self.search_ids = None
            self.show(self._view(self.all_rows, None))
            return
        rows = self.all_rows
        if wait:  # enter / ↓: the user wants the result now (tens of ms)
            ids = C.search_contact_ids(self.db, text)
            self.search_ids = ids
            self.show(self._view(rows, ids))
            self.rows_widget.cursor = 0
            return

        def work() -> None:
            try:
                ids = C.search_contact_ids(self.db, text)
                view = self._view(rows, ids)
            except JtekError as error:
                self.app.call_from_thread(self.notify, str(error), markup=False, severity="error")
                return
            self.app.call_from_thread(self._searched, seq, ids, view)

        self.run_worker(work, thread=True, group="contacts-search")

    def _searched(self, seq: int, ids: list[int], view: list[ContactRow]) -> None:
        if seq != self._search_seq:
            return  # a newer search (or load) is on its way
        self.search_ids = ids
        self.show(view)
        self.rows_widget.cursor = 0

    def action_clear_search(self) -> None:
        if self.search_text or self.search_input.value:
            current = self.rows_widget.current_row
            self.search_input.value = ""
            self.set_search("")
            if current is not None:
                self.show(self.rows_widget.rows, keep_id=current.id)

    # -- sorting ---------------------------------------------------------------------------------
    def action_sort(self) -> None:
        from jtek_tui.ui.screens.pickers import Picker

        shown = self._shown_sort()
        keys = [c.key for c in layout(WIDE)]
        titles = {"name": "Name", "email": "Email", "phone": "Phone", "tags": "Tags", "open_deals": "Open deals",
                  "open_value": "Open value", "last_activity": "Last activity"}
        options = []
        for i, key in enumerate(keys):
            mark = ("▼ " if self.descending else "▲ ") if key == shown else "  "
            hint = "  (again: reverse)" if key == shown else ""
            options.append(Option(Content.assemble(mark, titles[key], (hint, "dim")), id=str(i)))
        if self.search_text:
            options.append(Option(Content.assemble("  Best match first", ("  (search order)", "dim")),
                                  id=str(len(keys))))
        current = keys.index(shown) if shown in keys else len(keys)

        def chosen(index: int | None) -> None:
            if index is None:
                return
            self.sort_by(keys[index] if index < len(keys) else None)

        self.app.push_screen(Picker("Sort contacts by…", options, highlighted=current), chosen)

    def on_contact_list_header_clicked(self, event: ContactList.HeaderClicked) -> None:
        self.sort_by(event.column)

    def sort_by(self, column: str | None) -> None:
        """Sort by a column; the same column again reverses. Recent activity and money start high."""
        if column is None:
            self.descending = False
        elif column == self._shown_sort():
            self.descending = not self.descending
        else:
            self.descending = column in ("open_deals", "open_value", "last_activity")
        self.sort_column = column
        current = self.rows_widget.current_row
        self.show(self._view(self.all_rows, self.search_ids), keep_id=current.id if current else None)

    # -- actions ----------------------------------------------------------------------------------
    def action_open_contact(self) -> None:
        row = self.rows_widget.current_row
        if row is not None:
            self.post_message(OpenContact(row.id))

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        self.post_message(OpenContact(event.row.id))

    def action_new_contact(self) -> None:
        from jtek_tui.ui.screens.contact_form import ContactForm

        def saved(contact_id: int | None) -> None:
            self.rows_widget.focus()
            if contact_id is None:
                return
            row = C.contact_row(self.db, contact_id)
            self.all_rows = [*self.all_rows, row]
            if self.search_text:
                self.search_input.value = ""
                self.search_text = ""
                self.search_ids = None
            self.show(self._view(C.sort_rows(self.all_rows, "name"), None), keep_id=contact_id)
            self.notify(Content.assemble("Added ", (clean(row.name), "bold"), (" · enter opens the record", "dim")))

        self.app.push_screen(ContactForm(), saved)

    def action_delete_contact(self) -> None:
        row = self.rows_widget.current_row
        if row is None:
            return
        from jtek_tui.ui.screens.confirm import Choice, Confirm

        try:
            impact = C.deletion_impact(self.db, row.id)
        except JtekError as error:
            self.notify(str(error), markup=False, severity="error")
            return
        name = cut(clean(impact.name), 40)
        history = _history_words(impact.activities, impact.appointments)
        if impact.deals:
            deals = f"{impact.deals} deal{'s' if impact.deals != 1 else ''}"
            open_part = f" ({impact.open_deals} open)" if impact.open_deals else ""
            title = Content.assemble(("Delete ", ""), (name, "bold"), "?")
            body = Content.assemble(
                (name, "bold"), f" has {deals}{open_part}. A contact with deals is not deleted on its own.\n\n",
                "Delete the contact ", ("and its " + deals, "bold"), ", with all their history", history,
                "? This cannot be undone.")
            choices = [Choice("force", f"Delete contact and {deals}", "D", "error"), Choice("keep", "Keep", "k")]
        else:
            title = Content.assemble("Delete ", (name, "bold"), "?")
            body = Content.assemble("The contact and its history", history, " will be deleted. "
                                    "This cannot be undone.")
            choices = [Choice("delete", "Delete", "D", "error"), Choice("keep", "Keep", "k")]

        def answered(choice: str | None) -> None:
            self.rows_widget.focus()
            if choice not in ("delete", "force"):
                return
            try:
                gone = C.delete_contact(self.db, row.id, force=choice == "force")
            except JtekError as error:
                self.notify(str(error), markup=False, severity="error")
                return
            self.remove_row(row.id)
            deals_note = f" and {gone} deal{'s' if gone != 1 else ''}" if gone else ""
            self.notify(Content.assemble("Deleted ", (clean(row.name), "bold"), deals_note, "."))
            if gone:
                announce_change(self)  # the board (even hidden) must drop the deals

        self.app.push_screen(Confirm(title, body, choices, focus="keep"), answered)

    def remove_row(self, contact_id: int) -> None:
        rows = self.rows_widget
        index = rows.cursor
        self.all_rows = [r for r in self.all_rows if r.id != contact_id]
        if self.search_ids is not None:
            self.search_ids = [i for i in self.search_ids if i != contact_id]
        view = [r for r in rows.rows if r.id != contact_id]
        after = view[min(index, len(view) - 1)].id if view else None
        self.show(view, keep_id=after)


def _history_words(activities: int, appointments: int) -> str:
    parts = []
    if activities:
        parts.append(f"{activities} activity entr{'ies' if activities != 1 else 'y'}")
    if appointments:
        parts.append(f"{appointments} appointment{'s' if appointments != 1 else ''}")
    return (" (" + ", ".join(parts) + ")") if parts else ""
