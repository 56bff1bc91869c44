"""The opportunity detail panel: every field, a Stage dropdown, history, notes.

Changing the Stage dropdown is a move (through the domain move function, with
the version this panel read, so another agent's change is reported instead of
overwritten). `e` opens the form to edit the other fields. Dismisses with True
when something changed, so the opener can refresh.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from jtek_tui.db import Database
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.errors import ConflictError, JtekError
from jtek_tui.domain.formatting import DASH, day, duration, local, money
from jtek_tui.domain.opportunities import OppRow
from jtek_tui.ui.messages import DataChanged, OpenContact
from jtek_tui.ui.text import clean


class DetailScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("e", "edit", "Edit"),
        Binding("s", "focus_stage", "Stage"),
        Binding("o", "open_contact", "Contact"),
        Binding("question_mark", "app.help", "Keys", key_display="?"),
    ]

    HELP_GROUPS: list = []  # filled below: the panel's own keys first in ?

    def __init__(self, opportunity_id: int) -> None:
        super().__init__(classes="slide-panel detail")
        self.opportunity_id = opportunity_id
        self.row: OppRow | None = None
        self.changed = False

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("", id="detail-title", classes="panel-title", markup=False)
            with VerticalScroll(id="detail-body"):
                with Grid(id="detail-fields"):
                    for label, key in FIELDS:
                        yield Label(label, classes="detail-label")
                        if key == "stage":
                            yield Select[int]([], id="detail-stage", prompt="Stage", compact=True)
                        else:
                            yield Static("", id=f"detail-{key}", classes="detail-value", markup=False)
                yield Label("History", classes="section-title")
                yield Static("", id="detail-history", markup=False)
                yield Label("Time in stage", classes="section-title")
                yield Static("", id="detail-times", markup=False)
                yield Label("Notes", classes="section-title")
                yield Static("", id="detail-notes", markup=False)
            yield Label(Content.styled("e edit · s stage · o contact · esc close", "dim"), classes="panel-hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#detail-body").focus()

    def reload(self) -> None:
        try:
            row = O.get_row(self.db, self.opportunity_id)
        except JtekError as error:
            self.notify(str(error), severity="error")
            self.dismiss(True)
            return
        self.row = row
        status = {"open": ("open", "$success"), "won": ("won ✓", "$success"), "lost": ("lost ✗", "$error")}[row.status]
        self.query_one("#detail-title", Static).update(
            Content.assemble((clean(row.name), "bold"), "  ", (f"[{status[0]}]", status[1])))
        flags = []
        if row.is_overdue():
            flags.append("⚠ overdue")
        if row.is_rotting():
            flags.append(f"◷ idle {int(row.idle_days())}d (rots after {row.rot_days}d)")
        values = {
            "contact": clean(row.contact) + ("   #" + " #".join(clean(t) for t in row.tags) if row.tags else ""),
            "pipeline": clean(row.pipeline),
            "value": money(row.value_cents),
            "expected_close": day(row.expected_close) + ("   " + "  ".join(flags) if flags else ""),
            "assignee": clean(row.assignee) or "Unassigned",
            "source": clean(row.source) or DASH,
            "lost_reason": clean(row.lost_reason) or DASH,
            "created": local(row.created_at),
            "updated": local(row.updated_at) + (f"  by {clean(row.updated_by)}" if row.updated_by else ""),
        }
        for key, value in values.items():
            self.query_one(f"#detail-{key}", Static).update(Content(value))
        stage_select = self.query_one("#detail-stage", Select)
        stages = P.list_stages(self.db, row.pipeline_id)
        with stage_select.prevent(Select.Changed):
            stage_select.set_options([(clean(st.name), st.id) for st in stages])
            stage_select.value = row.stage_id
        history = O.opportunity_history(self.db, row.id)
        lines = []
        for entry in history:
            move = f"{clean(entry.from_stage)} → {clean(entry.to_stage)}" if entry.from_stage else f"created in {clean(entry.to_stage)}"
            reason = f" ({clean(entry.reason)})" if entry.reason else ""
            stay = f"{clean(entry.to_stage)} · {duration(entry.duration)}{' so far' if entry.current else ''}"
            lines.append(Content.assemble(
                (local(entry.at), "dim"), "  ", move, reason, ("  by " + clean(entry.by or "someone"), "dim"),
                "\n", ("    ", ""), (stay, "italic"),
            ))
        self.query_one("#detail-history", Static).update(Content("\n").join(lines) if lines else Content(DASH))
        times = O.time_in_stages(history)
        self.query_one("#detail-times", Static).update(
            Content(" · ".join(f"{clean(name)} {duration(spent)}" for name, spent in times)))
        self.query_one("#detail-notes", Static).update(Content(row.notes.replace("\r", "") or DASH))

    def on_data_changed(self, event: DataChanged) -> None:
        self.reload()

    @on(Select.Changed, "#detail-stage")
    def _stage_changed(self, event: Select.Changed) -> None:
        row = self.row
        if row is None or not isinstance(event.value, int) or event.value == row.stage_id:
            return
        stage = next(st for st in P.list_stages(self.db, row.pipeline_id) if st.id == event.value)
        if stage.kind == "lost":
            from jtek_tui.ui.screens.pickers import LostReasonScreen

            def chosen(reason: str | None) -> None:
                if reason:
                    self._move(row, stage.id, reason)
                else:
                    self.reload()

            self.app.push_screen(LostReasonScreen(row.name, O.lost_reasons(self.db)), chosen)
        else:
            self._move(row, stage.id, None)

    def _move(self, row: OppRow, stage_id: int, reason: str | None) -> None:
        try:
            O.move_opportunity(self.db, row.id, stage_id, expected_version=row.version, lost_reason=reason)
            self.changed = True
        except ConflictError as error:
            self.notify(str(error), title="Changed by someone else", severity="warning", timeout=8)
        except JtekError as error:
            self.notify(str(error), severity="error")
        self.reload()

    def action_edit(self) -> None:
        from jtek_tui.ui.screens.opportunity_form import OpportunityForm

        def saved(opp_id: int | None) -> None:
            if opp_id is not None:
                self.changed = True
            self.reload()

        self.app.push_screen(OpportunityForm(opportunity_id=self.opportunity_id), saved)

    def action_focus_stage(self) -> None:
        self.query_one("#detail-stage", Select).focus()

    def action_open_contact(self) -> None:
        if self.row is not None:
            self.post_message(OpenContact(self.row.contact_id))

    def action_close(self) -> None:
        self.dismiss(self.changed)


FIELDS = [
    ("Contact", "contact"),
    ("Pipeline", "pipeline"),
    ("Stage", "stage"),
    ("Value", "value"),
    ("Close date", "expected_close"),
    ("Assigned to", "assignee"),
    ("Source", "source"),
    ("Lost reason", "lost_reason"),
    ("Created", "created"),
    ("Updated", "updated"),
]


DetailScreen.HELP_GROUPS = [("Opportunity panel", [DetailScreen])]
