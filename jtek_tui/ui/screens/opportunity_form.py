"""The opportunity form (create and edit), a panel that slides in from the right.

Used by the board (`n`, `a`, `e`), the detail panel (`e`) and the contact record
("+ Add Opportunity", contact fixed). Every error appears next to its field and
nothing is saved until all fields are valid; the save itself is one domain call.
Dismisses with the opportunity id, or None when cancelled.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Select, Static, TextArea

from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.errors import ConflictError, InputError, JtekError, ValidationError
from jtek_tui.domain.formatting import money
from jtek_tui.domain.parsing import parse_date, parse_money
from jtek_tui.domain.unset import UNSET
from jtek_tui.ui.screens.form_panel import (
    FormPanel,
    field_row,
    panel_buttons,
    show_banner,
    show_message,
)
from jtek_tui.ui.text import clean
from jtek_tui.ui.widgets.contact_picker import ContactPicker

#: form field -> the widget id its message sits under
FIELDS = ("contact", "new_name", "new_email", "new_phone", "name", "pipeline", "stage", "value",
          "expected_close", "assignee", "notes")


class OpportunityForm(FormPanel):
    FIELDS = FIELDS

    def __init__(
        self,
        *,
        opportunity_id: int | None = None,
        contact_id: int | None = None,
        pipeline_id: int | None = None,
        stage_id: int | None = None,
        fixed_contact: bool = False,
    ) -> None:
        super().__init__()
        self.opportunity_id = opportunity_id
        self.contact_id = contact_id
        self.pipeline_id = pipeline_id
        self.stage_id = stage_id
        self.fixed_contact = fixed_contact and contact_id is not None
        self.version: int | None = None
        self.creating_contact = False
        self._contact_name = ""
        self._suggested_name = ""

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        editing = self.opportunity_id is not None
        with Vertical(classes="panel"):
            yield Label("Edit opportunity" if editing else "New opportunity", classes="panel-title")
            yield Label("", id="form-banner", classes="form-banner")
            with VerticalScroll(classes="form"):
                if self.fixed_contact:
                    yield field_row("Contact", "contact", Static("", id="contact-fixed", markup=False))
                else:
                    yield field_row("Contact", "contact",
                                    Input(placeholder="type a name, email or phone", id="contact", compact=True))
                yield Vertical(
                    field_row("  New name", "new_name", Input(id="new_name", compact=True)),
                    field_row("  Email", "new_email", Input(placeholder="optional", id="new_email", compact=True)),
                    field_row("  Phone", "new_phone", Input(placeholder="optional", id="new_phone", compact=True)),
                    id="new-contact",
                )
                yield field_row("Name", "name",
                                Input(placeholder="Contact name — property or product", id="name", compact=True,
                                      select_on_focus=False))
                yield field_row("Pipeline", "pipeline", Select[int]([], id="pipeline", prompt="Pick a pipeline", compact=True))
                yield field_row("Stage", "stage", Select[int]([], id="stage", prompt="Pick a stage", compact=True))
                yield field_row("Value", "value", Input(placeholder="750000, 750k, $1.2m", id="value", compact=True))
                yield field_row("Close date", "expected_close",
                                Input(placeholder="2027-01-31, +30d, eom", id="expected_close", compact=True))
                yield field_row("Assigned to", "assignee",
                                Select[int]([], id="assignee", prompt="Unassigned", compact=True))
                yield field_row("Notes", "notes",
                                TextArea(id="notes", compact=True, soft_wrap=True, show_line_numbers=False))
            yield panel_buttons()
        if not self.fixed_contact:
            yield ContactPicker("#contact", self.db)

    def on_mount(self) -> None:
        self.query_one("#new-contact").display = False
        self.query_one("#form-banner").display = False
        pipelines = P.list_pipelines(self.db)
        pipeline_select = self.query_one("#pipeline", Select)
        pipeline_select.set_options([(clean(p.name), p.id) for p in pipelines])
        members = M.list_members(self.db)
        self.query_one("#assignee", Select).set_options([(clean(m.name), m.id) for m in members])
        if self.opportunity_id is not None:
            self._load_existing()
        else:
            pipeline_id = self.pipeline_id or (pipelines[0].id if pipelines else None)
            if pipeline_id is not None:
                pipeline_select.value = pipeline_id
            self._fill_stages(pipeline_id, self.stage_id)
            if self.db.actor_id is not None and any(m.id == self.db.actor_id for m in members):
                self.query_one("#assignee", Select).value = self.db.actor_id
            if self.contact_id is not None:
                contact = C.get_contact(self.db, self.contact_id)
                self._contact_name = contact.name
                self._set_contact_display(contact.name)
                self._suggest_name(contact.name)
        self.clear_messages()
        if self.fixed_contact or self.opportunity_id is not None:
            self.query_one("#name", Input).focus()
        else:
            self.query_one("#contact", Input).focus()

    def _load_existing(self) -> None:
        assert self.opportunity_id is not None
        row = O.get_row(self.db, self.opportunity_id)
        self.version = row.version
        self.contact_id = row.contact_id
        self._contact_name = row.contact
        self._set_contact_display(row.contact)
        self.query_one("#name", Input).value = row.name
        self.query_one("#pipeline", Select).value = row.pipeline_id
        self._fill_stages(row.pipeline_id, row.stage_id, include_closed=True)
        self.query_one("#value", Input).value = _plain_amount(row.value_cents)
        self.query_one("#expected_close", Input).value = row.expected_close.isoformat() if row.expected_close else ""
        assignee = self.query_one("#assignee", Select)
        if row.assignee_id is not None:
            assignee.value = row.assignee_id
        else:
            assignee.clear()
        self.query_one("#notes", TextArea).text = row.notes

    def _set_contact_display(self, name: str) -> None:
        if self.fixed_contact:
            self.query_one("#contact-fixed", Static).update(Content(clean(name)))
        else:
            field = self.query_one("#contact", Input)
            with field.prevent(Input.Changed):
                field.value = name

    def _fill_stages(self, pipeline_id: int | None, selected: int | None = None, *, include_closed: bool = False) -> None:
        stage_select = self.query_one("#stage", Select)
        if pipeline_id is None:
            stage_select.set_options([])
            return
        stages = P.list_stages(self.db, pipeline_id)
        if not include_closed:
            stages = [st for st in stages if st.is_open or st.id == selected]
        stage_select.set_options([(clean(st.name), st.id) for st in stages])
        if selected is None or not any(st.id == selected for st in stages):
            selected = stages[0].id if stages else None
        if selected is not None:
            stage_select.value = selected

    def _suggest_name(self, contact_name: str) -> None:
        name = self.query_one("#name", Input)
        if not name.value.strip() or name.value == self._suggested_name:
            self._suggested_name = f"{contact_name} — "
            name.value = self._suggested_name
            name.cursor_position = len(name.value)

    # -- live feedback ---------------------------------------------------------------
    @on(Select.Changed, "#pipeline")
    def _pipeline_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            keep = self.query_one("#stage", Select).value
            self._fill_stages(event.value, keep if isinstance(keep, int) else None,
                              include_closed=self.opportunity_id is not None)

    @on(Input.Changed, "#contact")
    def _contact_typed(self, event: Input.Changed) -> None:
        if event.value.strip() != self._contact_name:
            self.contact_id = None
        show_message(self, "contact", "")

    @on(ContactPicker.Chosen)
    def _contact_chosen(self, event: ContactPicker.Chosen) -> None:
        new_contact = self.query_one("#new-contact")
        if event.contact_id is None:
            self.creating_contact = True
            self.contact_id = None
            new_contact.display = True
            self.query_one("#new_name", Input).value = event.name
            show_message(self, "contact", "A new contact will be created with this deal.")
            self._suggest_name(event.name)
            self.query_one("#new_email", Input).focus()
        else:
            self.creating_contact = False
            new_contact.display = False
            self.contact_id = event.contact_id
            self._contact_name = event.name
            show_message(self, "contact", "")
            self._suggest_name(event.name)
            self.query_one("#name", Input).focus()

    @on(Input.Changed, "#new_name")
    def _new_name_typed(self, event: Input.Changed) -> None:
        self._suggest_name(event.value.strip())

    @on(Input.Changed, "#value")
    def _value_typed(self, event: Input.Changed) -> None:
        try:
            cents = parse_money(event.value)
        except ValidationError as error:
            show_message(self, "value", str(error), "error")
            return
        show_message(self, "value", f"= {money(cents)}" if cents is not None else
                     "No value yet: the card shows “—” (a value counts towards the pipeline total).")

    @on(Input.Changed, "#expected_close")
    def _date_typed(self, event: Input.Changed) -> None:
        try:
            when = parse_date(event.value)
        except ValidationError as error:
            show_message(self, "expected_close", str(error), "error")
            return
        show_message(self, "expected_close", f"= {when:%a %b %d, %Y}" if when else "")

    # -- saving ----------------------------------------------------------------------
    def action_save(self) -> None:
        for field in FIELDS:
            if field not in ("value", "expected_close"):
                show_message(self, field, "")
        errors: dict[str, str] = {}
        values: dict = {}
        try:
            values["value_cents"] = parse_money(self.query_one("#value", Input).value)
        except ValidationError as error:
            errors["value"] = str(error)
        try:
            values["expected_close"] = parse_date(self.query_one("#expected_close", Input).value)
        except ValidationError as error:
            errors["expected_close"] = str(error)
        contact_ref = self._contact_ref(errors)
        stage = self.query_one("#stage", Select).value
        if not isinstance(stage, int):
            errors["stage"] = "Pick a stage."
        pipeline = self.query_one("#pipeline", Select).value
        if not isinstance(pipeline, int):
            errors["pipeline"] = "Pick a pipeline."
        assignee = self.query_one("#assignee", Select).value
        if errors:
            self.show_errors(errors)
            return
        name = self.query_one("#name", Input).value.strip()
        if name == self._suggested_name.strip():
            name = name.rstrip(" —").strip()
        notes = self.query_one("#notes", TextArea).text
        try:
            if self.opportunity_id is None:
                opp = O.create_opportunity(
                    self.db, contact=contact_ref, name=name or None, pipeline=pipeline, stage=stage,
                    value_cents=values["value_cents"], expected_close=values["expected_close"],
                    assignee=assignee if isinstance(assignee, int) else None, notes=notes,
                    create_missing_contact=self.creating_contact, contact_fields=self._new_contact_fields(),
                )
                self.dismiss(opp.id)
            else:
                O.update_opportunity(
                    self.db, self.opportunity_id, expected_version=self.version, name=name,
                    contact=contact_ref, value_cents=values["value_cents"],
                    expected_close=values["expected_close"],
                    assignee=assignee if isinstance(assignee, int) else None, notes=notes,
                    stage=stage if stage != O.get_row(self.db, self.opportunity_id).stage_id else UNSET,
                )
                self.dismiss(self.opportunity_id)
        except ConflictError as error:
            show_banner(self, str(error) + " The form now shows their version.")
            self._load_existing()
        except ValidationError as error:
            self.show_errors({self._field_for(error.field): str(error)})
        except InputError as error:
            show_banner(self, str(error))
        except JtekError as error:
            show_banner(self, str(error))

    def _contact_ref(self, errors: dict[str, str]) -> int | str:
        if self.contact_id is not None:
            return self.contact_id
        if self.creating_contact:
            name = self.query_one("#new_name", Input).value.strip()
            if not name:
                errors["new_name"] = "The new contact needs a name."
            for field, check in (("new_email", C.clean_email), ("new_phone", C.clean_phone)):
                try:
                    check(self.query_one(f"#{field}", Input).value)
                except ValidationError as error:
                    errors[field] = str(error)
            return name
        typed = self.query_one("#contact", Input).value.strip() if not self.fixed_contact else ""
        if not typed:
            errors["contact"] = "Choose who this deal is for (type to search, or create a new contact)."
            return ""
        try:
            with self.db.read() as s:
                return C.find_contact(s, typed).id
        except InputError:
            errors["contact"] = f"No single contact matches “{typed}”: pick one from the list or create a new contact."
            return ""

    def _new_contact_fields(self) -> dict:
        if not self.creating_contact:
            return {}
        return {"email": self.query_one("#new_email", Input).value,
                "phone": self.query_one("#new_phone", Input).value}

    @staticmethod
    def _field_for(field: str | None) -> str:
        mapping = {"email": "new_email", "phone": "new_phone", "reason": "stage", None: "name"}
        return mapping.get(field, field or "name")  # type: ignore[arg-type]

    def show_errors(self, errors: dict[str, str]) -> None:
        """New-contact fields answer for the Contact field unless that part is open."""
        if not self.creating_contact:
            errors = {("contact" if f.startswith("new_") else f): m for f, m in errors.items()}
        super().show_errors(errors)



def _plain_amount(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents // 100}.{cents % 100:02d}"
