"""`l` on a contact record: log a note, call, email, SMS, meeting or task (and `e`
corrects one). The kind is a row of choices picked with ←/→; a task also takes
a due time (a date alone means 17:00); any entry can be back-dated ("I called
her yesterday at 3") and linked to one of the contact's deals.
Dismisses with the activity id, or None when cancelled.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from jtek_tui.domain import activities as A
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.errors import JtekError, ValidationError
from jtek_tui.domain.opportunities import OppQuery
from jtek_tui.domain.parsing import parse_datetime
from jtek_tui.ui.screens.appointment_form import deal_option
from jtek_tui.ui.screens.form_panel import (
    FormPanel,
    field_row,
    panel_buttons,
    show_banner,
    show_message,
)
from jtek_tui.ui.text import clean, cut

FIELDS = ("kind", "text", "due", "at", "opportunity")
#: The domain's error fields -> this form's fields ("text" is not "body": #body is the main screen's).
FIELD_OF = {"body": "text", "due": "due", "kind": "kind", "opportunity": "opportunity"}


class KindPicker(Static, can_focus=True):
    """The six kinds in a row; ←/→ or the first letter (n c e s m t) picks, a click too."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous kind", show=False),
        Binding("right", "step(1)", "Next kind", show=False),
    ]

    class Changed(Message):
        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    def __init__(self, kind: str, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.kind = kind

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        parts: list = []
        for i, kind in enumerate(A.KINDS):
            if i:
                parts.append((" │ ", "dim"))
            parts.append((f"{kind}", "bold reverse") if kind == self.kind else (kind, ""))
        self.update(Content.assemble(*parts))

    def choose(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self._draw()
            self.post_message(self.Changed(kind))

    def action_step(self, delta: int) -> None:
        self.choose(A.KINDS[(A.KINDS.index(self.kind) + delta) % len(A.KINDS)])

    def on_key(self, event: events.Key) -> None:
        for kind in A.KINDS:
            if event.character == kind[0]:
                event.stop()
                self.choose(kind)
                return

    def on_click(self, event: events.Click) -> None:
        x = 0
        for kind in A.KINDS:
            if x <= event.x < x + len(kind):
                self.choose(kind)
                return
            x += len(kind) + 3


class ActivityForm(FormPanel):
    FIELDS = FIELDS

    def __init__(self, contact_id: int, *, activity_id: int | None = None, kind: str = "note") -> None:
        super().__init__()
        self.contact_id = contact_id
        self.activity_id = activity_id
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Label("", classes="panel-title")
            yield Label("", id="form-banner", classes="form-banner")
            with VerticalScroll(classes="form"):
                yield field_row("Kind", "kind", KindPicker(self.kind, id="kind"))
                yield field_row("What", "text",
                                TextArea(id="text", compact=True, soft_wrap=True, show_line_numbers=False))
                yield field_row("Due", "due", Input(
                    placeholder="tomorrow, +2d 10:00, 2027-01-31 (a date alone: 17:00)", id="due", compact=True))
                if self.activity_id is None:
                    yield field_row("When", "at", Input(placeholder="now (or: yesterday 3pm, -2h)", id="at",
                                                        compact=True))
                yield field_row("Deal", "opportunity",
                                Select[int]([], id="opportunity", prompt="No deal", compact=True))
            yield panel_buttons()

    def on_mount(self) -> None:
        self.clear_messages()
        contact = C.get_contact(self.db, self.contact_id)
        deals = O.list_opportunities(self.db, OppQuery(contact_id=self.contact_id, status=None, order="created"))
        deal_select = self.query_one("#opportunity", Select)
        deal_select.set_options([(deal_option(d), d.id) for d in deals])
        title = "Edit entry" if self.activity_id is not None else "Log activity"
        self.query_one(".panel-title", Label).update(
            Content.assemble(title, " · ", (cut(clean(contact.name), 40), "bold")))
        if self.activity_id is not None:
            entry = A.get_activity(self.db, self.activity_id)
            self._set_kind(entry.kind)
            self.query_one("#text", TextArea).text = entry.text
            if entry.due_at is not None:
                self.query_one("#due", Input).value = entry.due_at.astimezone().strftime("%Y-%m-%d %H:%M")
            if entry.opportunity_id is not None:
                deal_select.value = entry.opportunity_id
        else:
            open_deals = [d for d in deals if d.status == "open"]
            if len(open_deals) == 1:  # link the deal only when it's unambiguous
                deal_select.value = open_deals[0].id
        self._show_due()
        show_message(self, "kind", "←/→ or n c e s m t picks · tab to the text")
        if self.activity_id is None:
            self.query_one(KindPicker).focus()
        else:
            self.query_one("#text", TextArea).focus()

    def _set_kind(self, kind: str) -> None:
        self.kind = kind
        self.query_one(KindPicker).choose(kind)

    def _show_due(self) -> None:
        self.query_one("#row-due").display = self.kind == "task"

    @on(KindPicker.Changed)
    def _kind_changed(self, event: KindPicker.Changed) -> None:
        self.kind = event.kind
        self._show_due()

    @on(Input.Changed, "#due")
    def _due_typed(self, event: Input.Changed) -> None:
        self._echo("due", event.value, default_time=A.TASK_DUE_TIME)

    @on(Input.Changed, "#at")
    def _at_typed(self, event: Input.Changed) -> None:
        self._echo("at", event.value)

    def _echo(self, field: str, text: str, **options) -> None:
        try:
            when = parse_datetime(text, field=field, **options)
        except ValidationError as error:
            show_message(self, field, str(error), "error")
            return
        show_message(self, field, f"= {when.astimezone():%a %b %d %Y, %H:%M}" if when else "")

    # -- saving --------------------------------------------------------------------------
    def action_save(self) -> None:
        show_banner(self, "")
        errors: dict[str, str] = {}
        body = self.query_one("#text", TextArea).text
        if not body.strip():
            errors["text"] = "Write what happened."
        due = at = None
        if self.kind == "task":
            try:
                due = parse_datetime(self.query_one("#due", Input).value, field="due",
                                     default_time=A.TASK_DUE_TIME)
            except ValidationError as error:
                errors["due"] = str(error)
        if self.activity_id is None:
            try:
                at = parse_datetime(self.query_one("#at", Input).value, field="at")
            except ValidationError as error:
                errors["at"] = str(error)
        if errors:
            self.show_errors(errors)
            return
        deal = self.query_one("#opportunity", Select).value
        opportunity = deal if isinstance(deal, int) else None
        try:
            if self.activity_id is None:
                entry = A.log_activity(self.db, self.contact_id, self.kind, body, opportunity=opportunity,
                                       due_at=due, at=at)
            else:
                entry = A.update_activity(self.db, self.activity_id, kind=self.kind, body=body, due_at=due,
                                          opportunity=opportunity)
        except ValidationError as error:
            self.show_errors({FIELD_OF.get(error.field or "", "text"): str(error)})
            return
        except JtekError as error:
            show_banner(self, str(error))
            return
        self.dismiss(entry.source_id)

