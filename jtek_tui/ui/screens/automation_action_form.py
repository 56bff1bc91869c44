"""Adding or editing one action of an automation: pick a kind, then fill its fields.

The fields come from the domain's catalogue (`automation_actions.ACTIONS`), so a
new kind of action shows up here without UI work. The form holds actions the
way people name things (a member's login, a stage's name), exactly as
`AutomationSpec.actions` does, and checks each one with `check_action` before
handing it back, so the action list never holds one that can't be saved.
"""

from __future__ import annotations

import shlex
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from jtek_tui.db import Database
from jtek_tui.domain import automations as A
from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.automation_actions import ACTIONS, ActionType, Param
from jtek_tui.domain.automation_templates import FIELDS
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.screens.form_panel import field_row
from jtek_tui.ui.text import clean

#: What each field is called on screen (the catalogue's names are for files and the CLI).
LABELS: dict[str, str] = {
    "tag": "Tag", "member": "Team member", "date": "Close date", "title": "Title", "time": "At",
    "minutes": "Minutes", "location": "Location", "stage": "Move to", "reason": "Lost reason",
    "argv": "Command", "timeout": "Timeout (s)", "url": "URL", "retries": "Retries", "to": "To",
    "subject": "Subject", "body": "Body",
}
KIND_LABELS: dict[tuple[str, str], str] = {
    ("log_note", "template"): "Note",
    ("create_task", "template"): "Task",
    ("create_task", "days"): "Due in days",
    ("create_appointment", "days"): "In days",
}
#: Fields the form fills itself: a move's pipeline comes with its stage, and a close
#: date's "days" is written `+30d` in the date field.
HIDDEN = {("move", "pipeline"), ("set_close_date", "days")}
PLACEHOLDERS: dict[str, str] = {
    "tag": "hot", "date": "+30d, or 2027-01-31", "time": "10:00", "argv": "/home/me/bin/notify --urgent",
    "url": "https://hooks.example.com/jtek", "to": "{contact.email}",
}
#: Hints where the catalogue's help says too little for a form.
HELP: dict[tuple[str, str], str] = {
    ("add_tag", "tag"): "added to the deal's contact; tags in use are suggested as you type",
    ("remove_tag", "tag"): "taken off the deal's contact",
    ("log_note", "template"): "logged on the contact's history, linked to the deal",
    ("create_appointment", "title"): "booked for the deal's assignee (else whoever made the change)",
}
COMMON_FIELDS = ("contact.first_name", "contact.name", "opportunity.name", "opportunity.value", "stage.name")


def label_of(kind: str, param: Param) -> str:
    return KIND_LABELS.get((kind, param.name)) or LABELS.get(param.name) or param.name.replace("_", " ").capitalize()


def summary_of(action: dict) -> str:
    """A one-line stand-in for an action the domain can't describe (it has a problem)."""
    spec = ACTIONS.get(str(action.get("type")))
    if spec is None:
        return str(action.get("type") or "?")
    main = action.get(spec.positional) if spec.positional else action.get("subject")
    if isinstance(main, list):
        main = shlex.join(main)
    return f"{spec.label}: {main}" if main not in (None, "") else spec.label


# -- choosing a kind ------------------------------------------------------------------


class ActionTypePicker(ModalScreen[str | None]):
    """Every kind of action, quick ones first; dismisses with the type or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__(classes="picker")

    def compose(self) -> ComposeResult:
        options: list[Option | None] = []
        for slow, heading in ((False, "Quick: saved together with the change that fired it"),
                              (True, "Slow: run in the background once the change is saved")):
            options.append(Option(Content.styled(heading, "bold $text-muted"), disabled=True))
            for spec in ACTIONS.values():
                if spec.slow == slow:
                    options.append(Option(Content.assemble("  ", spec.label), id=spec.type))
        with Vertical(classes="dialog"):
            yield Label("Add an action: what should it do?", classes="dialog-title")
            yield OptionList(*options, id="action-types", markup=False)
            yield Label(Content.styled("↑↓ or a letter choose · enter pick · esc cancel", "dim"))

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = 1
        choices.focus()

    def on_key(self, event: events.Key) -> None:
        """A letter jumps to the next kind starting with it (`c` → Create a follow-up task)."""
        letter = (event.character or "").lower()
        if not letter.isalpha():
            return
        choices = self.query_one(OptionList)
        start = choices.highlighted or 0
        count = choices.option_count
        for step in range(1, count + 1):
            option = choices.get_option_at_index((start + step) % count)
            spec = ACTIONS.get(option.id or "")
            if spec is not None and spec.label.lower().startswith(letter):
                choices.highlighted = (start + step) % count
                event.stop()
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FieldPicker(ModalScreen[str | None]):
    """The template fields and what they hold; dismisses with `{field}` or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__(classes="picker")

    def compose(self) -> ComposeResult:
        width = max(len(name) for name in FIELDS) + 4
        options = [Option(Content.assemble((f"{{{name}}}".ljust(width), "bold"), (meaning, "dim")), id=name)
                   for name, meaning in FIELDS.items()]
        with Vertical(classes="dialog field-dialog"):
            yield Label("Insert a field: it is filled in from the deal when the action runs",
                        classes="dialog-title")
            yield OptionList(*options, id="template-fields", markup=False)
            yield Label(Content.styled("enter inserts · esc cancel · {{ and }} write a literal brace", "dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(f"{{{event.option.id}}}")

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the form ----------------------------------------------------------------------


class ActionForm(ModalScreen[dict | None]):
    """One action's fields; ctrl+s or enter in a one-line field checks and returns it."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "ok", "OK"),
        Binding("ctrl+f", "insert_field", "Insert field", tooltip="Insert a {field} at the cursor (text fields)"),
    ]

    def __init__(self, kind: str, action: dict | None = None, *, index: int = 0) -> None:
        super().__init__(classes="picker")
        self.kind = kind
        self.spec: ActionType = ACTIONS[kind]
        self.action = dict(action or {"type": kind})
        self.index = index
        self.stage_names: dict[int, tuple[str, str]] = {}

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def params(self) -> list[Param]:
        return [p for p in self.spec.params if (self.kind, p.name) not in HIDDEN]

    def compose(self) -> ComposeResult:
        editing = len(self.action) > 1
        with Vertical(classes="dialog action-dialog"):
            yield Label(Content.assemble("Edit: " if editing else "Add: ", self.spec.label), classes="dialog-title")
            if self.spec.slow:
                yield Static(Content.styled(_slow_note(self.kind), "dim"), classes="action-note", markup=False)
            yield Label("", id="action-error", classes="form-banner")
            with VerticalScroll(classes="form action-fields"):
                for param in self.params():
                    yield field_row(label_of(self.kind, param), param.name, self._widget(param))
            if any(p.kind == "template" for p in self.params()):
                yield Static(_fields_hint(), id="fields-hint", markup=False)
            with Horizontal(classes="panel-buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Label(Content.styled("ctrl+s OK · esc cancel", "dim"), classes="panel-hint")

    def _widget(self, param: Param):
        wid = f"field-{param.name}"
        placeholder = PLACEHOLDERS.get(param.name, "")
        if param.kind == "template" and not placeholder:
            placeholder = "text with {fields}, e.g. Call {contact.first_name}"
        if param.kind == "member":
            return Select[str]([], id=wid, prompt="Choose a team member", compact=True)
        if param.kind == "stage":
            return Select[int]([], id=wid, prompt="Choose a stage", compact=True)
        if self.kind == "email" and param.name == "body":
            return TextArea(id=wid, compact=True, soft_wrap=True, show_line_numbers=False)
        if param.kind == "int":
            return Input(placeholder=f"{param.default}" if param.default is not None else "",
                         id=wid, type="integer", compact=True)
        if param.name == "tag":
            return Input(placeholder=placeholder, id=wid, compact=True,
                         suggester=SuggestFromList(self._tags(), case_sensitive=False))
        return Input(placeholder=placeholder, id=wid, compact=True, select_on_focus=False)

    def _tags(self) -> list[str]:
        try:
            return C.all_tags(self.db)
        except JtekError:
            return []

    def on_mount(self) -> None:
        self.query_one("#action-error").display = False
        for param in self.params():
            self._fill(param)
            self._hint(param.name, _help(self.kind, param))
        first = next(iter(self.query(".form-line > Input, .form-line > Select, .form-line > TextArea")), None)
        if first is not None:
            first.focus()

    def _fill(self, param: Param) -> None:
        widget = self.query_one(f"#field-{param.name}")
        value = self.action.get(param.name)
        if param.kind == "member":
            members = M.list_members(self.db)
            widget.set_options([(clean(m.name), m.login or m.name) for m in members])
            if value:
                match = next((m.login or m.name for m in members
                              if str(value).lower() in ((m.login or "").lower(), m.name.lower())), None)
                if match:
                    widget.value = match
            return
        if param.kind == "stage":
            options = []
            pipelines = P.list_pipelines(self.db)
            for pipeline in pipelines:
                for st in P.list_stages(self.db, pipeline.id):
                    self.stage_names[st.id] = (pipeline.name, st.name)
                    label = f"{pipeline.name} › {st.name}" if len(pipelines) > 1 else st.name
                    options.append((clean(label) + _kind_suffix(st.kind), st.id))
            widget.set_options(options)
            wanted = (str(self.action.get("pipeline") or "").lower(), str(value or "").lower())
            for stage_id, (pipeline_name, stage_name) in self.stage_names.items():
                if stage_name.lower() == wanted[1] and (not wanted[0] or pipeline_name.lower() == wanted[0]):
                    widget.value = stage_id
                    break
            return
        if self.kind == "set_close_date" and param.name == "date" and value in (None, ""):
            days = self.action.get("days")
            value = f"+{days}d" if days not in (None, "") else ""
        if param.kind == "argv" and isinstance(value, list):
            value = shlex.join(value)
        if value is None and param.default is not None and len(self.action) == 1:  # a new action
            value = param.default
        if isinstance(widget, TextArea):
            widget.text = str(value or "")
        else:
            widget.value = "" if value is None else str(value)

    def _hint(self, field: str, text: str, *, error: bool = False) -> None:
        label = self.query_one(f"#msg-{field}", Label)
        label.update(Content(text))
        label.set_class(error, "-error")
        label.display = bool(text)

    # -- building and checking ------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """The action as the form holds it; raises ValueError for a command it can't split."""
        out: dict[str, Any] = {"type": self.kind}
        for param in self.params():
            widget = self.query_one(f"#field-{param.name}")
            if param.kind == "stage":
                value = widget.value
                if isinstance(value, int) and value in self.stage_names:
                    pipeline_name, stage_name = self.stage_names[value]
                    out["pipeline"], out["stage"] = pipeline_name, stage_name
                continue
            if param.kind == "member":
                if isinstance(widget.value, str):
                    out["member"] = widget.value
                continue
            raw = widget.text if isinstance(widget, TextArea) else widget.value
            if param.kind == "argv":
                if raw.strip():
                    out["argv"] = shlex.split(raw)
                continue
            if param.kind == "int" and not raw.strip():
                continue  # the default applies
            if param.kind in ("text", "url", "date", "time", "int") and not raw.strip() and not param.required:
                continue
            out[param.name] = raw
        return out

    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        error = self.query_one("#action-error", Label)
        try:
            action = self.build()
        except ValueError as problem:
            error.update(Content(f"Can't split the command into words: {problem}. Check its quotes."))
            error.display = True
            self.query_one("#field-argv").focus()
            return
        try:
            A.check_action(self.db, action, self.index)
        except JtekError as problem:
            error.update(Content(f"✗ {problem}"))
            error.display = True
            return
        self.dismiss(action)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_insert_field(self) -> None:
        target = self.focused
        names = {f"field-{p.name}" for p in self.params() if p.kind == "template"}
        if target is None or target.id not in names:
            self.notify("Put the cursor in a text field that takes {fields} first (a note, task, title, email).",
                        markup=False)
            return

        def chosen(text: str | None) -> None:
            target.focus()
            if not text:
                return
            if isinstance(target, TextArea):
                target.insert(text)
            elif isinstance(target, Input):
                target.insert_text_at_cursor(text)

        self.app.push_screen(FieldPicker(), chosen)


def _help(kind: str, param: Param) -> str:
    text = HELP.get((kind, param.name), param.help)
    if param.kind == "int" and param.default is not None:
        text = f"{text} (default {param.default})" if text else f"default {param.default}"
    if param.kind == "template" and not text:
        text = "may use {fields}"
    if param.required:
        text = f"required · {text}" if text else "required"
    return text[:1].upper() + text[1:] if text else ""


def _kind_suffix(kind: str) -> str:
    return {"won": "  (closes as won)", "lost": "  (closes as lost)"}.get(kind, "")


def _slow_note(kind: str) -> str:
    if kind == "command":
        return ("Runs in the background after the change is saved, without a shell, with the deal in "
                "JTEK_* environment variables. It runs only in your own jtek (you own what you save).")
    if kind == "webhook":
        return "Runs in the background after the change is saved: POSTs the deal as JSON, with retries."
    return "Runs in the background after the change is saved, through the [smtp] server in your settings.toml."


def _fields_hint() -> Content:
    sample = " ".join(f"{{{name}}}" for name in COMMON_FIELDS)
    return Content.assemble(("Fields ", "bold"), (sample, "$accent"), " …  ", ("ctrl+f", "bold"), " lists all")
