"""The contact form (new and edit), a panel sliding in from the right like the
opportunity form, whose layout helpers it shares.

Each field says what is wrong as you type (email syntax, phone digits) and
what will be stored (the phone as it will be shown). A duplicate email is a
warning, not an error: families share addresses. Nothing is saved until
ctrl+s, and the save is one domain call. Dismisses with the contact id, or
None when cancelled.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label

from jtek_tui.domain import contacts as C
from jtek_tui.domain.errors import JtekError, ValidationError
from jtek_tui.ui.screens.form_panel import (
    FormPanel,
    field_row,
    panel_buttons,
    show_banner,
    show_message,
)
from jtek_tui.ui.text import clean, cut

FIELDS = ("name", "email", "phone", "company", "source", "tags")


class ContactForm(FormPanel):
    FIELDS = FIELDS

    def __init__(self, contact_id: int | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self._loaded: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        editing = self.contact_id is not None
        with Vertical(classes="panel"):
            yield Label("Edit contact" if editing else "New contact", classes="panel-title")
            yield Label("", id="form-banner", classes="form-banner")
            with VerticalScroll(classes="form"):
                yield field_row("Name", "name", Input(placeholder="First Last", id="name", compact=True))
                yield field_row("Email", "email", Input(placeholder="optional", id="email", compact=True))
                yield field_row("Phone", "phone", Input(placeholder="optional: (555) 123-4567, +44 20…",
                                                         id="phone", compact=True))
                yield field_row("Company", "company", Input(placeholder="optional", id="company", compact=True))
                yield field_row("Source", "source", Input(placeholder="optional: Zillow, Referral, Open house…",
                                                          id="source", compact=True))
                if not editing:
                    yield field_row("Tags", "tags", Input(placeholder="optional: buyer, vip", id="tags",
                                                          compact=True))
            yield panel_buttons()

    def on_mount(self) -> None:
        self.clear_messages()
        if self.contact_id is not None:
            contact = C.get_contact(self.db, self.contact_id)
            values = {"name": contact.name, "email": contact.email, "phone": C.format_phone(contact.phone),
                      "company": contact.company, "source": contact.source}
            for field, value in values.items():
                widget = self.query_one(f"#{field}", Input)
                with widget.prevent(Input.Changed):
                    widget.value = value or ""
                self._loaded[field] = value or ""
        self.query_one("#name", Input).focus()

    # -- live feedback ------------------------------------------------------------------
    @on(Input.Changed, "#name")
    def _name_typed(self, event: Input.Changed) -> None:
        show_message(self, "name", "")

    @on(Input.Changed, "#email")
    def _email_typed(self, event: Input.Changed) -> None:
        try:
            email = C.clean_email(event.value)
        except ValidationError as error:
            show_message(self, "email", str(error))  # muted while typing; red if saved like this
            return
        others = C.contacts_by_email(self.db, email, exclude_id=self.contact_id) if email else []
        if others:
            names = ", ".join(f"{clean(c.name)} (#{c.id})" for c in others[:3])
            more = f" and {len(others) - 3} more" if len(others) > 3 else ""
            show_message(self, "email", f"⚠ Also the email of {cut(names, 120)}{more}. You can still save.",
                         "warning")
        else:
            show_message(self, "email", "")

    @on(Input.Changed, "#phone")
    def _phone_typed(self, event: Input.Changed) -> None:
        try:
            phone = C.clean_phone(event.value)
        except ValidationError as error:
            show_message(self, "phone", str(error))  # muted while typing; red if saved like this
            return
        shown = C.format_phone(phone)
        show_message(self, "phone", f"= {shown}" if phone and shown != event.value.strip() else "")

    @on(Input.Changed, "#tags")
    def _tags_typed(self, event: Input.Changed) -> None:
        last = event.value.split(",")[-1].strip()
        if not last:
            show_message(self, "tags", "")
            return
        chosen = {t.strip().lower() for t in event.value.split(",")[:-1]}
        known = [t for t in C.tag_suggestions(self.db, last, limit=8) if t.lower() not in chosen]
        if known:
            show_message(self, "tags", Content.assemble(("existing: ", "dim"), ", ".join(clean(t) for t in known)))
        else:
            show_message(self, "tags", Content.styled(f"new tag “{clean(last)}”", "dim"))

    # -- saving ---------------------------------------------------------------------------
    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def action_save(self) -> None:
        show_banner(self, "")
        fields = {f: self._value(f) for f in ("name", "email", "phone", "company", "source")}
        errors: dict[str, str] = {}
        if not fields["name"].strip():
            errors["name"] = "A contact needs a name."
        for field, check in (("email", C.clean_email), ("phone", C.clean_phone)):
            try:
                check(fields[field])
            except ValidationError as error:
                errors[field] = str(error)
        if errors:
            self.show_errors(errors)
            return
        try:
            if self.contact_id is None:
                tags = [t for t in (x.strip() for x in self._value("tags").split(",")) if t]
                contact = C.create_contact(self.db, fields.pop("name"), tags=tags, **fields)
                self.dismiss(contact.id)
            else:
                changed = {f: v for f, v in fields.items() if v != self._loaded.get(f)}
                if changed:
                    C.update_contact(self.db, self.contact_id, **changed)
                self.dismiss(self.contact_id if changed else None)
        except ValidationError as error:
            self.show_errors({error.field if error.field in FIELDS else "name": str(error)})
        except JtekError as error:
            show_banner(self, str(error))

