"""Creating and editing an automation: name, trigger, filters, and the ordered
list of actions.

The form edits an `AutomationSpec` (names, not ids) and saves it with one domain
call. Problems come from `validate_automation`, whose field names (`name`,
`trigger`, `filters`, `actions`, `actions.<i>`) say where each message goes:
under the field, or inside the action's own row. After a failed save the form
re-checks as you type, so messages go away as soon as they are fixed.
Dismisses with the automation's id, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.widgets.select import InvalidSelectValueError

from jtek_tui.db import Database
from jtek_tui.domain import automations as A
from jtek_tui.domain import members as M
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.automation_actions import ACTIONS, action_type
from jtek_tui.domain.automation_triggers import (
    CREATED,
    STAGE_CHANGED,
    STALE,
    STATUS_CHANGED,
    Filters,
    TriggerSpec,
)
from jtek_tui.domain.errors import JtekError, ValidationError
from jtek_tui.domain.formatting import money
from jtek_tui.domain.parsing import parse_money
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.ui.screens.automation_action_form import ActionForm, ActionTypePicker, summary_of
from jtek_tui.ui.screens.form_panel import field_row, show_banner, show_message
from jtek_tui.ui.text import clean
from jtek_tui.ui.widgets.footer import StableFooter

#: The trigger picker, in words.
KINDS: list[tuple[str, str]] = [
    ("A deal moves to a stage", STAGE_CHANGED),
    ("A deal is won, lost or reopened", STATUS_CHANGED),
    ("A deal is created", CREATED),
    ("A deal sits idle in its stage", STALE),
]
STATUSES: list[tuple[str, str]] = [("won", "won"), ("lost", "lost"), ("reopened (open again)", "open")]
ADD = "add"


@dataclass
class ActionItem:
    """One row of the action list: the action as people name it, and its problem."""

    action: dict
    text: str
    error: str = ""


class ActionList(OptionList):
    """The ordered actions, plus a last row that adds one. Keys act on the highlighted row."""

    BINDINGS = [
        Binding("a,n,insert,plus", "request('add')", "Add", tooltip="Add an action (choose what it does)"),
        Binding("enter,e", "request('edit')", "Edit", tooltip="Edit the highlighted action (or add, on the last row)"),
        Binding("delete,x,d,minus", "request('remove')", "Remove", tooltip="Remove the highlighted action"),
        Binding("shift+up,K", "request('up')", "Up", key_display="⇧↑",
                tooltip="Move the highlighted action up (actions run top to bottom)"),
        Binding("shift+down,J", "request('down')", "Down", key_display="⇧↓",
                tooltip="Move the highlighted action down"),
    ]

    class Requested(Message):
        def __init__(self, what: str, index: int | None) -> None:
            super().__init__()
            self.what = what
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, compact=True, **kwargs)
        self.items: list[ActionItem] = []

    def show(self, items: list[ActionItem], *, highlight: int | None = None) -> None:
        keep = self.highlighted if highlight is None else highlight
        self.items = items
        options = []
        for number, item in enumerate(items, 1):
            prompt = Content.assemble((f"{number}. ", "bold"), clean(item.text))
            if item.error:
                prompt = Content.assemble(prompt, "\n   ", ("✗ " + item.error, "$text-error"))
            options.append(Option(prompt, id=str(number - 1)))
        options.append(Option(Content.assemble(("+ Add an action", "$accent"), ("   a", "dim")), id=ADD))
        self.set_options(options)
        if keep is not None:
            self.highlighted = max(0, min(keep, len(options) - 1))

    def current_index(self) -> int | None:
        """The highlighted action's position, None on the add row."""
        index = self.highlighted
        return index if index is not None and index < len(self.items) else None

    def action_request(self, what: str) -> None:
        self.post_message(self.Requested(what, self.current_index()))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Requested("edit", self.current_index()))


class AutomationEditor(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving (asks when you changed something)"),
        Binding("ctrl+s", "save", "Save", tooltip="Check and save the automation"),
        Binding("question_mark", "app.help", "Keys", key_display="?", tooltip="All keys of this screen"),
    ]
    HELP_GROUPS: list[tuple[str, list[type]]] = []  # filled below (the classes exist then)

    def __init__(self, row: A.AutomationRow | None = None, *, spec: A.AutomationSpec | None = None) -> None:
        super().__init__(classes="sheet")
        self.row = row
        self.automation_id = row.id if row else None
        self.initial = spec or (row.spec if row else None)
        self.stages: list[StageInfo] = []
        self.pipelines: dict[int, str] = {}
        self.members: list = []
        self.items: list[ActionItem] = []
        self.checking = False  # after a failed save, re-check as the user types
        self._timer: Timer | None = None
        self._start: A.AutomationSpec | None = None

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = "Edit automation" if self.automation_id else "New automation"
        with Vertical(classes="panel sheet-panel"):
            yield Label(title, classes="panel-title")
            yield Label("", id="form-banner", classes="form-banner")
            yield Label("", id="form-note", classes="form-note")
            with VerticalScroll(classes="form", id="automation-form"):
                yield field_row("Name", "name", Input(placeholder="e.g. Offer made: tag and follow up", id="name",
                                                      compact=True, select_on_focus=False))
                with Vertical(classes="form-row", id="row-trigger"):
                    with Horizontal(classes="form-line"):
                        yield Label("When", classes="form-label")
                        yield Select(KINDS, id="kind", allow_blank=False, value=STAGE_CHANGED, compact=True)
                    with Horizontal(classes="form-line trigger-part", id="part-stage"):
                        yield Label("", classes="form-label")
                        yield Label("to", classes="inline-label")
                        yield Select[int]([], id="stage", prompt="choose a stage", compact=True)
                        yield Label("from", classes="inline-label")
                        yield Select[int]([], id="from-stage", prompt="any stage", compact=True)
                    with Horizontal(classes="form-line trigger-part", id="part-status"):
                        yield Label("", classes="form-label")
                        yield Label("it is", classes="inline-label")
                        yield Select(STATUSES, id="status", prompt="choose", compact=True)
                    with Horizontal(classes="form-line trigger-part", id="part-created"):
                        yield Label("", classes="form-label")
                        yield Static(Content.styled("whenever a new deal is saved, from any screen or the command line", "dim"),
                                     markup=False)
                    with Horizontal(classes="form-line trigger-part", id="part-stale"):
                        yield Label("", classes="form-label")
                        yield Label("for", classes="inline-label")
                        yield Input(placeholder="14", id="days", type="integer", compact=True)
                        yield Label("days in", classes="inline-label")
                        yield Select[int]([], id="stale-stage", prompt="any open stage", compact=True)
                    yield Label("", id="msg-trigger", classes="field-msg")
                with Vertical(classes="form-row", id="row-filters"):
                    with Horizontal(classes="form-line"):
                        yield Label("Only if", classes="form-label")
                        yield Label("pipeline", classes="inline-label")
                        yield Select[int]([], id="pipeline", prompt="any pipeline", compact=True)
                        yield Label("assigned to", classes="inline-label")
                        yield Select[int]([], id="assignee", prompt="anyone", compact=True)
                    with Horizontal(classes="form-line"):
                        yield Label("", classes="form-label")
                        yield Label("contact tag", classes="inline-label")
                        yield Input(placeholder="any", id="tag", compact=True)
                        yield Label("value at least", classes="inline-label")
                        yield Input(placeholder="any, e.g. 250k", id="min-value", compact=True)
                    yield Label("", id="msg-filters", classes="field-msg")
                with Vertical(classes="form-row", id="row-actions"):
                    with Horizontal(classes="form-line"):
                        yield Label("Then", classes="form-label")
                        yield ActionList(id="actions")
                    yield Label("", id="msg-actions", classes="field-msg")
                with Horizontal(classes="form-line", id="row-enabled"):
                    yield Label("Enabled", classes="form-label")
                    yield Checkbox("on: fires when its trigger happens", value=True, id="enabled", compact=True)
            with Horizontal(classes="panel-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Label(Content.styled("ctrl+s save · esc cancel", "dim"), classes="panel-hint")
        yield StableFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#form-banner").display = False
        self._load_choices()
        spec = self.initial
        if spec is not None:
            self._fill(spec)
        else:
            self.items = []
        self._show_kind(self.query_one("#kind", Select).value)
        self.query_one(ActionList).show(self.items, highlight=0)
        for field in ("name", "trigger", "filters", "actions"):
            show_message(self, field, "")
        self._owner_note()
        self._start = self.spec_or_none()
        if spec is not None and self.automation_id is not None:
            self.check()  # an older automation may point at something gone
        self.query_one("#name", Input).focus()

    def _load_choices(self) -> None:
        pipelines = P.list_pipelines(self.db)
        self.pipelines = {p.id: p.name for p in pipelines}
        self.stages = [st for p in pipelines for st in P.list_stages(self.db, p.id)]
        self.query_one("#pipeline", Select).set_options([(clean(p.name), p.id) for p in pipelines])
        members = M.list_members(self.db)
        self.members = members
        self.query_one("#assignee", Select).set_options([(clean(m.name), m.id) for m in members])
        self._fill_stages()

    def _stage_label(self, st: StageInfo, *, with_pipeline: bool) -> str:
        name = clean(st.name)
        if with_pipeline:
            name = f"{clean(self.pipelines.get(st.pipeline_id, ''))} › {name}"
        return name

    def _fill_stages(self) -> None:
        """The stage pickers list the filter pipeline's stages, or every pipeline's."""
        pipeline = self.query_one("#pipeline", Select).value
        pipeline_id = pipeline if isinstance(pipeline, int) else None
        stages = [st for st in self.stages if pipeline_id is None or st.pipeline_id == pipeline_id]
        with_pipeline = pipeline_id is None and len(self.pipelines) > 1
        target = self.query_one("#stage", Select)
        _set_options(target, [(self._stage_label(st, with_pipeline=with_pipeline), st.id) for st in stages])
        stale = self.query_one("#stale-stage", Select)
        _set_options(stale, [(self._stage_label(st, with_pipeline=with_pipeline), st.id)
                             for st in stages if st.is_open])
        self._fill_from_stages()

    def _fill_from_stages(self) -> None:
        """'from' offers the other stages of the chosen stage's pipeline."""
        target = self.query_one("#stage", Select).value
        chosen = next((st for st in self.stages if st.id == target), None)
        source = self.query_one("#from-stage", Select)
        stages = [st for st in self.stages if chosen and st.pipeline_id == chosen.pipeline_id and st.id != chosen.id]
        _set_options(source, [(self._stage_label(st, with_pipeline=False), st.id) for st in stages])

    def _stage_id(self, name: str | int | None, pipeline: str | int | None) -> int | None:
        if name is None or name == "":
            return None
        pipeline_id = self._pipeline_id(pipeline)
        for st in self.stages:
            if (str(name).lower() == st.name.lower() or str(name) == str(st.id)) and (
                    pipeline_id is None or st.pipeline_id == pipeline_id):
                return st.id
        return None

    def _pipeline_id(self, ref: str | int | None) -> int | None:
        if ref is None or ref == "":
            return None
        return next((pid for pid, name in self.pipelines.items()
                     if str(ref).lower() == name.lower() or str(ref) == str(pid)), None)

    def _fill(self, spec: A.AutomationSpec) -> None:
        self.query_one("#name", Input).value = spec.name
        t, f = spec.trigger, spec.filters
        kind = t.kind if t.kind in {value for _, value in KINDS} else STAGE_CHANGED
        self.query_one("#kind", Select).value = kind
        pipeline_id = self._pipeline_id(f.pipeline)
        if pipeline_id is not None:
            self.query_one("#pipeline", Select).value = pipeline_id
        self._fill_stages()
        if kind == STAGE_CHANGED:
            _set_value(self.query_one("#stage", Select), self._stage_id(t.stage, f.pipeline))
            self._fill_from_stages()
            _set_value(self.query_one("#from-stage", Select), self._stage_id(t.from_stage, f.pipeline))
        elif kind == STATUS_CHANGED:
            _set_value(self.query_one("#status", Select), t.status)
        elif kind == STALE:
            self.query_one("#days", Input).value = str(t.days or "")
            _set_value(self.query_one("#stale-stage", Select), self._stage_id(t.stage, f.pipeline))
        if f.assignee:
            member = next((m.id for m in self.members
                           if str(f.assignee).lower() in ((m.login or "").lower(), m.name.lower())), None)
            _set_value(self.query_one("#assignee", Select), member)
        self.query_one("#tag", Input).value = f.tag or ""
        self.query_one("#min-value", Input).value = money(f.min_value_cents) if f.min_value_cents is not None else ""
        self.query_one("#enabled", Checkbox).value = spec.enabled
        self.items = [self._item(dict(action), i) for i, action in enumerate(spec.actions)]

    def _item(self, action: dict, index: int) -> ActionItem:
        try:
            return ActionItem(action, A.check_action(self.db, action, index))
        except JtekError as error:
            return ActionItem(action, summary_of(action), str(error))

    def _owner_note(self) -> None:
        note = self.query_one("#form-note", Label)
        row = self.row
        text = ""
        if row is not None and row.has_command and row.owner_login != self.db.actor_login:
            text = (f"This automation's command runs in {row.owner_login or 'nobody'}'s jtek. "
                    "Saving it makes you the owner: it will run in yours.")
        note.update(Content(text))
        note.display = bool(text)

    # -- the trigger's parts ----------------------------------------------------------------
    def _show_kind(self, kind: object) -> None:
        for part, wanted in (("stage", STAGE_CHANGED), ("status", STATUS_CHANGED), ("created", CREATED),
                             ("stale", STALE)):
            self.query_one(f"#part-{part}").display = kind == wanted

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(event.value)
        self._changed()

    @on(Select.Changed, "#pipeline")
    def _pipeline_changed(self, event: Select.Changed) -> None:
        keep = {sel: self.query_one(sel, Select).value for sel in ("#stage", "#from-stage", "#stale-stage")}
        self._fill_stages()
        for sel, value in keep.items():
            _set_value(self.query_one(sel, Select), value if isinstance(value, int) else None)
            if sel == "#stage":
                self._fill_from_stages()
        self._changed()

    @on(Select.Changed, "#stage")
    def _stage_changed(self, event: Select.Changed) -> None:
        keep = self.query_one("#from-stage", Select).value
        self._fill_from_stages()
        _set_value(self.query_one("#from-stage", Select), keep if isinstance(keep, int) else None)
        self._changed()

    @on(Select.Changed, "#from-stage, #status, #stale-stage, #assignee")
    @on(Input.Changed, "#name, #days, #tag")
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        self._changed()

    @on(Input.Changed, "#min-value")
    def _value_typed(self, event: Input.Changed) -> None:
        try:
            cents = parse_money(event.value)
        except ValidationError as error:
            show_message(self, "filters", str(error), "error")
            return
        show_message(self, "filters", f"value at least {money(cents)}" if cents is not None else "")
        self._changed()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # -- building the spec --------------------------------------------------------------
    def spec(self) -> A.AutomationSpec:
        """What the form says; raises ValidationError (field `filters`) for an unreadable value."""
        kind = self.query_one("#kind", Select).value
        trigger = TriggerSpec(str(kind))
        if kind == STAGE_CHANGED:
            trigger.stage = _value(self.query_one("#stage", Select))
            trigger.from_stage = _value(self.query_one("#from-stage", Select))
        elif kind == STATUS_CHANGED:
            trigger.status = _value(self.query_one("#status", Select))
        elif kind == STALE:
            days = self.query_one("#days", Input).value.strip()
            trigger.days = days or None  # type: ignore[assignment]  # the domain reads and checks it
            trigger.stage = _value(self.query_one("#stale-stage", Select))
        try:
            min_value = parse_money(self.query_one("#min-value", Input).value)
        except ValidationError as error:
            raise ValidationError(str(error), "filters") from None
        filters = Filters(
            pipeline=_value(self.query_one("#pipeline", Select)),
            assignee=_value(self.query_one("#assignee", Select)),
            tag=self.query_one("#tag", Input).value.strip() or None,
            min_value_cents=min_value,
        )
        return A.AutomationSpec(self.query_one("#name", Input).value, trigger, filters,
                                [dict(item.action) for item in self.items],
                                self.query_one("#enabled", Checkbox).value)

    def spec_or_none(self) -> A.AutomationSpec | None:
        try:
            return self.spec()
        except ValidationError:
            return None

    def holds_unsaved_work(self) -> bool:
        """Something typed that isn't saved (escape asks before throwing it away)."""
        if self._start is None:
            return True
        return self.spec_or_none() != self._start

    # -- checking -------------------------------------------------------------------------
    def _changed(self) -> None:
        if not self.checking:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.3, self.check)

    def check(self) -> list[ValidationError]:
        """Ask the domain what is wrong and put each message where it belongs."""
        try:
            spec = self.spec()
        except ValidationError as error:
            errors = [error]
        else:
            try:
                errors = A.validate_automation(self.db, spec, exclude=self.automation_id)
            except JtekError as error:
                show_banner(self, str(error))
                return [ValidationError(str(error))]
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: list[ValidationError]) -> None:
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field or "name", []).append(str(error))
        for field in ("name", "trigger", "filters", "actions"):
            show_message(self, field, " ".join(by_field.get(field, [])), "error")
        for index, item in enumerate(self.items):
            item.error = " ".join(by_field.get(f"actions.{index}", []))
            if not item.error:
                item.text = self._item(item.action, index).text
        self.query_one(ActionList).show(self.items)
        if errors:
            count = len(errors)
            show_banner(self, f"Not saved: {count} problem{'s' if count != 1 else ''} to fix (marked ✗ below).")
        else:
            self.query_one("#form-banner").display = False

    # -- the action list --------------------------------------------------------------------
    @on(ActionList.Requested)
    def _action_requested(self, event: ActionList.Requested) -> None:
        index = event.index
        if event.what == "add" or (event.what == "edit" and index is None):
            self._add_action()
        elif index is None:
            return
        elif event.what == "edit":
            self._edit_action(index)
        elif event.what == "remove":
            del self.items[index]
            self._actions_changed(highlight=min(index, len(self.items)))
        elif event.what in ("up", "down"):
            target = index + (-1 if event.what == "up" else 1)
            if 0 <= target < len(self.items):
                self.items[index], self.items[target] = self.items[target], self.items[index]
                self._actions_changed(highlight=target)

    def _add_action(self) -> None:
        def kind_chosen(kind: str | None) -> None:
            if kind is None:
                self.query_one(ActionList).focus()
                return
            self.app.push_screen(ActionForm(kind, index=len(self.items)), added)

        def added(action: dict | None) -> None:
            if action is not None:
                self.items.append(self._item(action, len(self.items)))
                self._actions_changed(highlight=len(self.items) - 1)
            self.query_one(ActionList).focus()

        self.app.push_screen(ActionTypePicker(), kind_chosen)

    def _edit_action(self, index: int) -> None:
        item = self.items[index]

        def edited(action: dict | None) -> None:
            if action is not None:
                self.items[index] = self._item(action, index)
                self._actions_changed(highlight=index)
            self.query_one(ActionList).focus()

        kind = action_type(item.action.get("type"))
        if kind not in ACTIONS:
            self.notify("This action's kind is unknown: remove it and add a new one.", severity="warning")
            return
        self.app.push_screen(ActionForm(kind, item.action, index=index), edited)

    def _actions_changed(self, *, highlight: int) -> None:
        # positions moved: each row's own problem is re-read for its new index
        self.items = [self._item(item.action, i) for i, item in enumerate(self.items)]
        self.query_one(ActionList).show(self.items, highlight=highlight)
        if self.checking:
            self.check()
        elif self.items:
            show_message(self, "actions", "")

    # -- saving -----------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.checking = True
        errors = self.check()
        if errors:
            self._focus_first(errors[0].field)
            return
        spec = self.spec()
        try:
            if self.automation_id is None:
                saved_id = A.create_automation(self.db, spec).id
            else:
                saved_id = A.update_automation(self.db, self.automation_id, spec).id
        except A.AutomationInvalid as error:
            self.show_errors(error.errors)
            return
        except JtekError as error:
            show_banner(self, f"Not saved: {error}")
            return
        self.notify(f"Saved “{spec.name.strip()}”{'' if spec.enabled else ' (off)'}.", markup=False)
        self.dismiss(saved_id)

    def _focus_first(self, field: str | None) -> None:
        target = {"name": "#name", "trigger": "#kind", "filters": "#pipeline"}.get(field or "", "#actions")
        widget = self.query_one(target)
        widget.focus()
        if field and field.startswith("actions.") and isinstance(widget, ActionList):
            widget.highlighted = int(field.split(".")[1])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.holds_unsaved_work():
            self.dismiss(None)
            return
        from jtek_tui.ui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard changes?", "Close the editor and lose what you changed?",
                                           yes="Discard", no="Keep editing"), answered)


AutomationEditor.HELP_GROUPS = [("Automation editor", [AutomationEditor]), ("Actions", [ActionList])]


def _value(select: Select) -> int | str | None:
    value = select.value
    return None if value is Select.NULL else value  # type: ignore[return-value]


def _set_value(select: Select, value: object) -> None:
    """Select `value` when it is one of the options, else clear it."""
    if value is None:
        select.clear()
        return
    try:
        select.value = value
    except InvalidSelectValueError:
        select.clear()


def _set_options(select: Select, options: list[tuple[str, int]]) -> None:
    """New options, keeping the current choice when it is still offered."""
    keep = select.value
    with select.prevent(Select.Changed):
        select.set_options(options)
        if keep is not Select.NULL and any(v == keep for _, v in options):
            select.value = keep
