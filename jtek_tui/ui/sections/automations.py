"""The Automations section (key 4): every automation in firing order, on or off,
with its last run, and a preview of the highlighted one's trigger, filters and
actions.

All changes go through `jtek_tui.domain.automations` (one call each); the
editor and the run log are screens pushed on top. `reload()` re-reads the list
(a handful of rows) keeping the cursor on the same automation.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from jtek_tui.domain import automations as A
from jtek_tui.domain.automations import AutomationRow
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.messages import SummaryChanged
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.row_list import Cells, RowList
from jtek_tui.ui.widgets.run_outcome import long_when, outcome_label, short_when

ON, OFF = "● on", "○ off"

INTRO = (
    "An automation watches your deals. When something happens to one — it moves to a stage, "
    "is won or lost, is created, or sits idle too long — it does a list of actions: tag the "
    "contact, log a note, add a follow-up task, book an appointment, move the deal, send an "
    "email, call a webhook or run a command.\n\n"
    "Press n to create one. For example: when a deal reaches “Offer Made”, add the tag "
    "“offer” and create a task “Call {contact.first_name}” due in 2 days."
)


class AutomationsSection(Section):
    SECTION_ID = "automations"
    TITLE = "Automations"

    BINDINGS = [
        Binding("n", "new", "New", tooltip="New automation"),
        Binding("enter,e", "edit", "Edit", tooltip="Edit the highlighted automation"),
        Binding("space,t", "toggle", "On/off", key_display="space",
                tooltip="Turn the highlighted automation on or off"),
        Binding("r", "runs", "Run log", tooltip="The run log: every run, newest first"),
        Binding("d", "delete", "Delete", tooltip="Delete it and its run log (asks first)"),
        Binding("c", "copy", "Copy", tooltip="Start a new automation as a copy of this one"),
        Binding("shift+up,K", "reorder(-1)", "Earlier", show=False,
                tooltip="Fire earlier: move up in firing order"),
        Binding("shift+down,J", "reorder(1)", "Later", show=False,
                tooltip="Fire later: move down in firing order"),
    ]

    def __init__(self) -> None:
        super().__init__(id=self.SECTION_ID)
        self.rows: list[AutomationRow] = []

    def help_groups(self) -> list[tuple[str, list[type]]]:
        return [("Automations", [type(self)]), ("List", [RowList])]

    # -- layout --------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield RowList(self._cells, header=self._header, empty="No automations yet: press n to create one.",
                      id="automation-list")
        with VerticalScroll(id="automation-preview"):
            yield Static("", id="automation-preview-text", markup=False)

    @property
    def table(self) -> RowList:
        return self.query_one("#automation-list", RowList)

    def on_mount(self) -> None:
        self.reload()

    def focus_default(self) -> None:
        """Shown again: runs may have happened meanwhile (only the visible section follows
        live changes), so re-read first."""
        self.reload()
        self.table.focus()

    # -- loading ----------------------------------------------------------------------
    def reload(self) -> None:
        try:
            rows = A.list_automations(self.db)
        except JtekError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.rows = rows
        current = self.table.current_row
        self.table.set_rows(rows, keep_id=current.id if current else None)
        self.show_preview(self.table.current_row)
        self.post_message(SummaryChanged(self.SECTION_ID, self.summary()))

    def select(self, automation_id: int | None) -> None:
        """Put the cursor on an automation (after saving it)."""
        self.table.set_rows(self.rows, keep_id=automation_id)
        self.show_preview(self.table.current_row)

    def summary(self) -> str:
        on = sum(1 for r in self.rows if r.enabled)
        count = len(self.rows)
        if not count:
            return "none yet"
        failed = sum(1 for r in self.rows if r.last_run and r.last_run.outcome == A.ERROR)
        text = f"{count} automation{'s' if count != 1 else ''} · {on} on"
        if failed:
            text += f" · ✗ {failed} last run{'s' if failed != 1 else ''} failed"
        return text

    def current(self) -> AutomationRow | None:
        return self.table.current_row

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        self.show_preview(event.row)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        self.action_edit()

    # -- the preview pane ----------------------------------------------------------------
    def show_preview(self, row: AutomationRow | None) -> None:
        text = self.query_one("#automation-preview-text", Static)
        if row is None:
            text.update(Content(INTRO))
            return
        label = ("bold", "dim")
        lines = [Content.assemble(
            (clean(row.name), "bold"), "   ",
            (ON, "$success") if row.enabled else (OFF, "$text-muted"),
            (f"   fires #{self.rows.index(row) + 1} in order" if len(self.rows) > 1 else "", "dim"),
        )]
        lines.append(Content.assemble(("When     ", label[0]), clean(row.trigger_text)))
        lines.append(Content.assemble(("Only if  ", label[0]),
                                      clean(row.filters_text) if row.filters_text else ("any deal", "dim")))
        for number, action in enumerate(row.action_texts, 1):
            lead = "Then     " if number == 1 else "         "
            lines.append(Content.assemble((lead, label[0]), f"{number}. ", clean(action)))
        run = row.last_run
        word, _ = outcome_label(run)
        if run is None:
            lines.append(Content.assemble(("Last run ", label[0]), ("never", "dim")))
        else:
            lines.append(Content.assemble(
                ("Last run ", label[0]), (word, _outcome_style(word)), f" · {long_when(run.started_at)}",
                f" · {clean(run.opportunity or 'a deleted deal')}",
            ))
            if run.outcome != A.OK:
                lines.append(Content.assemble(("         ", ""), (clean(run.summary), "dim")))
        me = self.db.actor_login
        if row.has_command and row.owner_login != me:
            lines.append(Content.assemble(
                ("⚠ ", "$warning"),
                (f"Its command runs only in {row.owner_login or 'nobody'}'s jtek, not yours "
                 "(saving it makes it yours).", "dim")))
        text.update(Content("\n").join(lines))

    # -- rows --------------------------------------------------------------------------
    @staticmethod
    def _header(width: int) -> Cells:
        return [(_layout(width, "", "Name", "When", "Only if", "Do", "Last run"), "")]

    @staticmethod
    def _cells(row: AutomationRow, width: int) -> Cells:
        state = ON if row.enabled else OFF
        count = len(row.actions)
        word, style = outcome_label(row.last_run)
        last = f"{word} {short_when(row.last_run.started_at)}" if row.last_run else word
        line = _layout(width, state, clean(row.name), clean(row.trigger_text), clean(row.filters_text),
                       f"{count} action{'s' if count != 1 else ''}", "")
        state_style = "rows--good" if row.enabled else "rows--dim"
        return [(line[:5], state_style), (line[5:], "" if row.enabled else "rows--dim"), (last, style)]

    # -- actions -------------------------------------------------------------------------
    def action_new(self) -> None:
        self._open_editor(None)

    def action_copy(self) -> None:
        row = self.current()
        if row is None:
            return
        spec = A.AutomationSpec(f"{row.name} (copy)"[: A.MAX_NAME], row.spec.trigger, row.spec.filters,
                                [dict(a) for a in row.spec.actions], row.enabled)
        self._open_editor(None, spec=spec)

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            self.action_new()
            return
        self._open_editor(row)

    def _open_editor(self, row: AutomationRow | None, *, spec: A.AutomationSpec | None = None) -> None:
        from jtek_tui.ui.screens.automation_editor import AutomationEditor

        def saved(automation_id: int | None) -> None:
            if automation_id is not None:
                self.reload()
                self.select(automation_id)
                self.app.broadcast_change()  # type: ignore[attr-defined]
            self.focus_default()

        self.app.push_screen(AutomationEditor(row, spec=spec), saved)

    def action_toggle(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            A.set_enabled(self.db, row.id, not row.enabled)
        except JtekError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.reload()
        if row.enabled:
            self.notify(f"“{row.name}” is off: it won't fire until you turn it on again (space).",
                        markup=False)
        else:
            self.notify(f"“{row.name}” is on.", markup=False)

    def action_delete(self) -> None:
        from jtek_tui.ui.screens.confirm import ConfirmScreen

        row = self.current()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                name = A.delete_automation(self.db, row.id)
            except JtekError as error:
                self.notify(str(error), severity="error", markup=False)
            else:
                self.notify(f"Deleted “{name}”.", markup=False)
            self.reload()

        self.app.push_screen(ConfirmScreen(
            "Delete automation",
            f"Delete “{row.name}” and its run log? This can't be undone. "
            "(To stop it for a while, turn it off with space instead.)"), answered)

    def action_reorder(self, delta: int) -> None:
        row = self.current()
        if row is None or len(self.rows) < 2:
            return
        index = self.rows.index(row)
        target = max(0, min(len(self.rows) - 1, index + delta))
        if target == index:
            return
        try:
            A.reorder_automation(self.db, row.id, target + 1)
        except JtekError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.reload()

    def action_runs(self) -> None:
        from jtek_tui.ui.screens.automation_runs import RunLogScreen

        self.app.push_screen(RunLogScreen(), lambda _: self.focus_default())


def _outcome_style(word: str) -> str:
    return {"✓": "$success", "✗": "$error"}.get(word[:1], "$text-muted")


def _layout(width: int, state: str, name: str, when: str, filters: str, actions: str, last: str) -> str:
    """Columns that fit the width; filters get a column of their own only when wide."""
    last_w, actions_w, state_w = 16, 10, 5
    flexible = max(20, width - state_w - actions_w - last_w - 4)
    if width >= 120:
        name_w = flexible * 3 // 10
        filters_w = flexible * 3 // 10
        when_w = flexible - name_w - filters_w
        return (f"{fit(state, state_w)} {fit(name, name_w)} {fit(when, when_w)} {fit(filters, filters_w)} "
                f"{fit(actions, actions_w)}{cut(last, last_w)}")
    name_w = flexible * 4 // 10
    when_w = flexible - name_w
    when = when.replace("Stage changed to ", "Stage → ").replace("Status changed to ", "Status → ")
    if filters and state:  # no room of their own: after the trigger
        when = f"{when} · {filters}"
    return f"{fit(state, state_w)} {fit(name, name_w)} {fit(when, when_w)} {fit(actions, actions_w)}{cut(last, last_w)}"
