"""The automation run log (`r` on the Automations screen) and one run's detail.

Newest first, filtered by automation, outcome and deal through `list_runs`.
It follows live changes (`reload()`), so a run whose slow actions are still
going turns from `… running` to `✓ ok` or `✗ error` by itself.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from jtek_tui.db import Database
from jtek_tui.domain import automations as A
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.automations import RunQuery, RunRow
from jtek_tui.domain.errors import JtekError
from jtek_tui.domain.formatting import local
from jtek_tui.ui.messages import DataChanged, OpenOpportunity
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.footer import StableFooter
from jtek_tui.ui.widgets.row_list import Cells, RowList
from jtek_tui.ui.widgets.run_outcome import OUTCOMES, long_when, outcome_label, short_when

LIMIT = 500
OUTCOME_CHOICES = [(label, key) for key, (label, _) in OUTCOMES.items()]


def literal_lines(text: str) -> Content:
    """Multi-line user/program text, shown exactly: control characters made harmless,
    line breaks kept."""
    return Content("\n".join(clean(line) for line in text.replace("\r\n", "\n").split("\n")))


class RunLogScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the list (from a filter), or close the run log"),
        Binding("enter", "open_run", "Details", tooltip="Everything the highlighted run did, in full"),
        Binding("o", "open_deal", "Open deal", tooltip="Open the highlighted run's deal"),
        Binding("f,slash", "filters", "Filter", key_display="f",
                tooltip="Filter by automation, outcome or deal (tab between them)"),
        Binding("x", "clear_filters", "Clear filters", tooltip="Show every run again"),
        Binding("question_mark", "app.help", "Keys", key_display="?", tooltip="All keys of this screen"),
    ]

    def __init__(self, *, automation_id: int | None = None, opportunity_id: int | None = None) -> None:
        super().__init__(classes="sheet")
        self.query_filter = RunQuery(automation_id=automation_id, opportunity_id=opportunity_id, limit=LIMIT)
        self._deal_timer: Timer | None = None

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel sheet-panel"):
            yield Label("Automation run log", classes="panel-title")
            with Horizontal(id="run-filters"):
                yield Select[int]([], id="filter-automation", prompt="every automation", compact=True)
                yield Select(OUTCOME_CHOICES, id="filter-outcome", prompt="any outcome", compact=True)
                yield Input(placeholder="deal: name or #id", id="filter-deal", compact=True)
            yield Label("", id="run-filter-msg", classes="field-msg")
            yield RowList(self._cells, header=self._header, empty="No runs match.", id="run-list")
            with VerticalScroll(id="run-preview"):
                yield Static("", id="run-preview-text", markup=False)
        yield StableFooter(compact=True, show_command_palette=False)

    @property
    def runs(self) -> RowList:
        return self.query_one("#run-list", RowList)

    def on_mount(self) -> None:
        self.query_one("#run-filter-msg").display = False
        automations = A.list_automations(self.db)
        select = self.query_one("#filter-automation", Select)
        with select.prevent(Select.Changed):
            select.set_options([(clean(a.name), a.id) for a in automations])
            if self.query_filter.automation_id is not None:
                select.value = self.query_filter.automation_id
        if self.query_filter.opportunity_id is not None:
            self.query_one("#filter-deal", Input).value = f"#{self.query_filter.opportunity_id}"
        self.reload()
        self.runs.focus()

    # -- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            rows = A.list_runs(self.db, self.query_filter)
        except JtekError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        current = self.runs.current_row
        self.runs.set_rows(rows, keep_id=current.id if current else None)
        self.show_preview(self.runs.current_row)
        title = "Automation run log"
        if len(rows) >= LIMIT:
            title += f" · newest {LIMIT} shown"
        self.query_one(".panel-title", Label).update(title)

    def on_data_changed(self, event: DataChanged) -> None:
        self.reload()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        self.show_preview(event.row)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        self.action_open_run()

    def show_preview(self, run: RunRow | None) -> None:
        text = self.query_one("#run-preview-text", Static)
        if run is None:
            text.update(Content.styled("Every time an automation fires it is logged here, with what each "
                                       "action did.", "dim"))
            return
        word, _ = outcome_label(run)
        head = Content.assemble((clean(run.automation), "bold"), " on ",
                                (clean(run.opportunity or "a deleted deal"), "bold"),
                                f" · {word} · {long_when(run.started_at)}")
        text.update(Content.assemble(head, "\n", literal_lines(run.detail)))

    # -- rows ------------------------------------------------------------------------------
    @staticmethod
    def _header(width: int) -> Cells:
        return [(_layout(width, "When", "Outcome", "Automation", "Deal", "What happened"), "")]

    @staticmethod
    def _cells(run: RunRow, width: int) -> Cells:
        word, style = outcome_label(run)
        line = _layout(width, short_when(run.started_at), "", clean(run.automation),
                       clean(run.opportunity or "(deleted)"), clean(run.summary))
        return [(line[:9], ""), (fit(word, 11), style), (line[20:], "")]

    # -- filters -----------------------------------------------------------------------------
    @on(Select.Changed, "#filter-automation")
    def _automation_chosen(self, event: Select.Changed) -> None:
        self.query_filter.automation_id = event.value if isinstance(event.value, int) else None
        self.reload()

    @on(Select.Changed, "#filter-outcome")
    def _outcome_chosen(self, event: Select.Changed) -> None:
        self.query_filter.outcome = event.value if isinstance(event.value, str) else None
        self.reload()

    @on(Input.Changed, "#filter-deal")
    def _deal_typed(self, event: Input.Changed) -> None:
        if self._deal_timer is not None:
            self._deal_timer.stop()
        self._deal_timer = self.set_timer(0.3, lambda: self.set_deal(event.value))

    @on(Input.Submitted, "#filter-deal")
    def _deal_done(self, event: Input.Submitted) -> None:
        if self._deal_timer is not None:
            self._deal_timer.stop()
        if self.set_deal(event.value):
            self.runs.focus()

    def set_deal(self, text: str) -> bool:
        """Filter by a deal named or numbered; say why when it names none or several."""
        message = self.query_one("#run-filter-msg", Label)
        text = text.strip()
        opportunity_id = None
        if text:
            try:
                with self.db.read() as s:
                    opp = O.find_opportunity(s, text)
                    opportunity_id, name = opp.id, opp.name
            except JtekError as error:
                message.update(Content(f"✗ {error}"))
                message.set_class(True, "-error")
                message.display = True
                return False
            message.update(Content(f"Runs on #{opportunity_id} {clean(name)}"))
            message.set_class(False, "-error")
        message.display = bool(text)
        self.query_filter.opportunity_id = opportunity_id
        self.reload()
        return True

    def action_filters(self) -> None:
        self.query_one("#filter-automation", Select).focus()

    def action_clear_filters(self) -> None:
        for sel in ("#filter-automation", "#filter-outcome"):
            self.query_one(sel, Select).clear()
        self.query_one("#filter-deal", Input).value = ""
        self.query_filter = RunQuery(limit=LIMIT)
        self.set_deal("")
        self.runs.focus()

    # -- opening -----------------------------------------------------------------------------
    def action_open_run(self) -> None:
        run = self.runs.current_row
        if run is not None:
            self.app.push_screen(RunDetailScreen(run), lambda _: self.runs.focus())

    def action_open_deal(self) -> None:
        run = self.runs.current_row
        if run is None:
            return
        if run.opportunity_id is None:
            self.notify("That deal has been deleted.", severity="warning")
            return
        self.post_message(OpenOpportunity(run.opportunity_id))

    def action_back(self) -> None:
        if self.focused is not self.runs:
            self.runs.focus()
            return
        self.dismiss(None)


RunLogScreen.HELP_GROUPS = [("Run log", [RunLogScreen]), ("List", [RowList])]


class RunDetailScreen(ModalScreen[None]):
    """One run in full: what fired it, on which deal, and every action's line, literally."""

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("o", "open_deal", "Open deal", tooltip="Open the run's deal (enter on the deal does too)"),
    ]

    def __init__(self, run: RunRow) -> None:
        super().__init__(classes="picker")
        self.run = run

    def compose(self) -> ComposeResult:
        run = self.run
        word, _ = outcome_label(run)
        with Vertical(classes="dialog run-dialog"):
            yield Label(Content.assemble(f"Run #{run.id} · ", word), classes="dialog-title")
            with Horizontal(classes="run-line"):
                yield Label("Automation", classes="form-label")
                yield Static(Content(clean(run.automation)), markup=False)
            with Horizontal(classes="run-line"):
                yield Label("Deal", classes="form-label")
                if run.opportunity_id is not None:
                    yield Button(Content.assemble(f"#{run.opportunity_id} ", clean(run.opportunity or ""), "  ▸"),
                                 id="open-deal", compact=True)
                else:
                    yield Static(Content.styled("deleted", "dim"), markup=False)
            with Horizontal(classes="run-line"):
                yield Label("Started", classes="form-label")
                yield Static(local(run.started_at, "%Y-%m-%d %H:%M:%S"), markup=False)
            with Horizontal(classes="run-line"):
                yield Label("Finished", classes="form-label")
                yield Static(local(run.finished_at, "%Y-%m-%d %H:%M:%S") if run.finished_at
                             else "not yet: its slow actions are still running", markup=False)
            yield Label("What happened", classes="section-title")
            with VerticalScroll(id="run-detail-body"):
                yield Static(literal_lines(run.detail), id="run-detail", markup=False)
            yield Label(Content.styled("enter on the deal (or o) opens it · esc closes", "dim"))

    def on_mount(self) -> None:
        for button in self.query("#open-deal"):
            button.focus()

    @on(Button.Pressed, "#open-deal")
    def action_open_deal(self) -> None:
        if self.run.opportunity_id is not None:
            self.post_message(OpenOpportunity(self.run.opportunity_id))

    def action_close(self) -> None:
        self.dismiss(None)


def _layout(width: int, when: str, outcome: str, automation: str, deal: str, what: str) -> str:
    """when (8) · outcome (10) · automation · deal · what happened (the rest)."""
    fixed = 9 + 11
    flexible = max(20, width - fixed)
    automation_w = min(28, flexible * 3 // 10)
    deal_w = min(28, flexible * 3 // 10)
    what_w = max(0, flexible - automation_w - deal_w - 2)
    return (f"{fit(when, 8)} {fit(outcome, 10)} {fit(automation, automation_w)} {fit(deal, deal_w)} "
            f"{cut(what, what_w)}")
