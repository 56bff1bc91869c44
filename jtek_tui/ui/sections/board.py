"""The pipeline board: one column per open stage, keyboard first.

All changes go through `jtek_tui.domain.opportunities` (one call, one
transaction). After its own change the board patches its in-memory columns
(fast: no full reload on a key press); changes from elsewhere arrive as
`reload()`, which re-reads and keeps the focused card.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Key
from textual.timer import Timer
from textual.widgets import Input, Static

from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.board_filter import apply_filter, describe
from jtek_tui.domain.errors import ConflictError, JtekError, ValidationError
from jtek_tui.domain.formatting import day, money, money_short
from jtek_tui.domain.opportunities import OppQuery, OppRow
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.domain.preferences import load_prefs, save_prefs
from jtek_tui.ui.messages import NewOpportunity, OpenContact, OpenOpportunity, SummaryChanged
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.text import clean, cut, fit
from jtek_tui.ui.widgets.card_list import CardList
from jtek_tui.ui.widgets.column import KanbanColumn
from jtek_tui.ui.widgets.row_list import Cells, RowList

UNDO_DEPTH = 50
MIN_COLUMN = 26


@dataclass(frozen=True)
class Move:
    """A move this board made, for undo: where the deal came from and went."""

    opportunity_id: int
    name: str
    from_stage_id: int
    to_stage_id: int


class FilterBar(Horizontal):
    """`/`: the filter input, or the active filter shown as a line."""

    def compose(self) -> ComposeResult:
        yield Static("/", id="filter-prompt", markup=False)
        yield Input(placeholder='words  @member  #tag  closing:month  overdue  value>100k', id="filter-input",
                    select_on_focus=False, compact=True)
        yield Static("", id="filter-status", markup=False)


class BoardColumns(Horizontal, can_focus=True):
    """The row of columns; holds keyboard focus for the whole board.

    Cursor keys go to the board's current column. Keeping focus here (instead
    of in each column) means moving between columns changes no focus, which
    Textual answers with a full-screen repaint.
    """

    BINDINGS = [
        Binding("up,k", "cursor('up')", "Previous card", show=False, tooltip="Previous card"),
        Binding("down,j", "cursor('down')", "Next card", show=False, tooltip="Next card"),
        Binding("home,g", "cursor('first')", "First card", show=False, tooltip="First card in the column"),
        Binding("end,G", "cursor('last')", "Last card", show=False, tooltip="Last card in the column"),
        Binding("pageup", "cursor('page_up')", "Page up", show=False, tooltip="A page of cards up"),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False, tooltip="A page of cards down"),
    ]

    def action_cursor(self, how: str) -> None:
        board = self.parent
        cards = board.focused_list() if isinstance(board, BoardSection) else None
        if cards is not None:
            cards.move_cursor(how)

    def _on_focus(self, event) -> None:
        self._light(True)

    def _on_blur(self, event) -> None:
        self._light(False)

    def _light(self, lit: bool) -> None:
        board = self.parent
        cards = board.focused_list() if isinstance(board, BoardSection) else None
        if cards is not None and isinstance(cards.parent, KanbanColumn):
            cards.parent.set_current(True, lit)


class BoardSection(Section):
    SECTION_ID = "opportunities"
    TITLE = "Opportunities"

    BINDINGS = [
        Binding("left,h", "focus_column(-1)", "Prev column", show=False, tooltip="Focus the previous column"),
        Binding("right,l", "focus_column(1)", "Next column", show=False, tooltip="Focus the next column"),
        Binding("enter", "open_card", "Open", tooltip="Open the opportunity: fields, stage, history"),
        Binding("n", "new_opportunity", "New", tooltip="New opportunity"),
        Binding("shift+left,H", "move_card(-1)", "Move back", key_display="⇧←", show=False,
                tooltip="Move the card to the previous stage"),
        Binding("shift+right,L", "move_card(1)", "Move", key_display="⇧←→",
                tooltip="Move the card to the next stage"),
        Binding("s", "pick_stage", "Stage", tooltip="Change the stage from a list"),
        Binding("w", "mark_won", "Won", tooltip="Mark Closed Won"),
        Binding("x", "mark_lost", "Lost", tooltip="Mark Closed Lost (asks for a reason)"),
        Binding("slash", "filter", "Filter", key_display="/",
                tooltip="Filter: words, @member, #tag, closing:month, overdue, value>100k"),
        Binding("u,ctrl+z", "undo", "Undo", tooltip="Undo the last move (the undo is logged too)"),
        Binding("a", "new_in_column", "Add here", tooltip="New opportunity in the focused column"),
        Binding("e", "edit_card", "Edit", tooltip="Edit the focused opportunity"),
        Binding("p", "switch_pipeline", "Pipeline", tooltip="Switch pipeline"),
        Binding("c", "toggle_closed", "Closed", tooltip="Show closed deals (won and lost) / the board"),
        Binding("o", "open_contact", "Contact", tooltip="Open the deal's contact record"),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter"),
    ]

    def __init__(self) -> None:
        super().__init__(id=self.SECTION_ID)
        self.pipeline_id: int | None = None
        self.pipeline_name = ""
        self.stages: list[StageInfo] = []
        self.filter_text = ""
        self.showing_closed = False
        self.undo_stack: list[Move] = []
        self._filter_timer: Timer | None = None
        self._totals = (0, 0)
        self._visible = (0, 0)
        #: The column that had focus last (focus may be in a dialog meanwhile).
        self._last_list: CardList | None = None

    def help_groups(self) -> list[tuple[str, list[type]]]:
        return [("Board", [type(self)]), ("Cards", [BoardColumns])]

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        yield BoardColumns(id="columns")  # scrolls via CSS; no scroll keys of its own
        yield RowList(self._closed_cells, header=self._closed_header, empty="No closed deals yet.",
                      id="closed")

    @property
    def columns(self) -> BoardColumns:
        return self.query_one("#columns", BoardColumns)

    @property
    def closed_list(self) -> RowList:
        return self.query_one("#closed", RowList)

    def card_lists(self) -> list[CardList]:
        return list(self.query(CardList))

    async def on_mount(self) -> None:
        self.query_one("#filter-bar").display = False
        self.query_one("#filter-input").display = False
        self.query_one("#filter-prompt").display = False
        self.closed_list.display = False
        prefs = load_prefs(self.db)
        pipeline_id = _int(prefs.get("board.pipeline"))
        await self.show_pipeline(pipeline_id, focus_stage=_int(prefs.get("board.stage")),
                                 focus_card=_int(prefs.get("board.card")))

    def remember(self) -> None:
        """The last pipeline, column and card, for the next run."""
        if self.pipeline_id is None:
            return
        cards = self.focused_list()
        row = self.current_row()
        try:
            save_prefs(self.db, {
                "board.pipeline": self.pipeline_id,
                "board.stage": cards.stage.id if cards else None,
                "board.card": row.id if row else None,
            })
        except JtekError:
            pass  # busy or read-only: forgetting the cursor is harmless

    # -- loading -----------------------------------------------------------------
    async def show_pipeline(self, pipeline_id: int | None, *, focus_stage: int | None = None,
                            focus_card: int | None = None) -> None:
        """Build the columns of a pipeline (the first one if `pipeline_id` is gone)."""
        try:
            pipeline = P.get_pipeline(self.db, pipeline_id)
        except JtekError:
            pipeline = P.get_pipeline(self.db, None)
        self.pipeline_id, self.pipeline_name = pipeline.id, pipeline.name
        self.stages = P.list_stages(self.db, pipeline.id)
        await self.columns.remove_children()
        await self.columns.mount_all(KanbanColumn(st) for st in self.stages if st.is_open)
        self.size_columns()
        self.load(focus_card=focus_card)
        target = next((c for c in self.card_lists() if c.stage.id == focus_stage), None)
        if focus_card is not None:
            target = next((c for c in self.card_lists() if c.index_of(focus_card) is not None), target)
        if not self.showing_closed:
            self.focus_list(target or (self.card_lists() or [None])[0])

    def base_query(self) -> OppQuery:
        return OppQuery(pipeline_id=self.pipeline_id, status="closed" if self.showing_closed else "open",
                        order="closed" if self.showing_closed else "board")

    def query_rows(self) -> list[OppRow]:
        query = self.base_query()
        if self.filter_text:
            try:
                query = apply_filter(self.db, query, self.filter_text)
            except ValidationError:
                pass  # the filter bar shows the error; show everything meanwhile
        return O.list_opportunities(self.db, query)

    def load(self, *, focus_card: int | None = None) -> None:
        """Read the pipeline's deals (filtered) and hand each column its cards."""
        rows = self.query_rows()
        self._totals = O.open_totals(self.db, self.pipeline_id)
        if self.showing_closed:
            self.closed_list.set_rows(rows, keep_id=focus_card)
        else:
            by_stage: dict[int, list[OppRow]] = {st.id: [] for st in self.stages}
            for row in rows:
                by_stage.setdefault(row.stage_id, []).append(row)
            for cards in self.card_lists():
                cards.forget_drawing()
                cards.set_rows(by_stage.get(cards.stage.id, []), keep_id=focus_card)
        self.update_stats()

    def reload(self) -> None:
        """Another agent (or screen) changed something: re-read, keep the cursor."""
        if self.pipeline_id is None:
            return
        row = self.current_row()
        stage_ids = [st.id for st in P.list_stages(self.db, self.pipeline_id)]
        if stage_ids != [st.id for st in self.stages]:
            self.run_worker(self.show_pipeline(self.pipeline_id, focus_card=row.id if row else None),
                            exclusive=True, group="pipeline")
            return
        self.stages = P.list_stages(self.db, self.pipeline_id)  # names may have changed
        self.load(focus_card=row.id if row else None)

    def update_stats(self, *, totals_from_board: bool = False) -> None:
        """Column headers and the header summary from the cards in memory.

        Unfiltered, the board holds every open deal of the pipeline, so its sums
        are the pipeline totals and need no query after a move.
        """
        count = total = 0
        for column in self.query(KanbanColumn):
            rows = column.card_list.rows
            value = sum(r.value_cents or 0 for r in rows)
            column.set_stats(len(rows), value)
            count += len(rows)
            total += value
        self._visible = (count, total)
        if totals_from_board and not self.filter_text and not self.showing_closed:
            self._totals = (count, total)
        status = self.query_one("#filter-status", Static)
        if self.filter_text:
            status.update(Content.assemble(
                ("Filter: ", "bold"), describe(self.filter_text), ("   esc clears", "dim")))
        self.query_one("#filter-bar").display = bool(self.filter_text) or self._filter_input_open()
        self.post_message(SummaryChanged(self.SECTION_ID, self.summary()))

    def summary(self) -> str:
        open_count, open_value = self._totals
        view = "closed deals" if self.showing_closed else None
        if view:
            return f"{self.pipeline_name} · {view}"
        if self.filter_text:
            shown, value = self._visible
            return (f"{self.pipeline_name} · {shown} of {open_count} open · "
                    f"{money_short(value)} of {money_short(open_value)}")
        return f"{self.pipeline_name} · {open_count} open deal{'s' if open_count != 1 else ''} · {money(open_value)}"

    def on_resize(self) -> None:
        self.size_columns()

    def size_columns(self) -> None:
        """Whole columns only: as many as fit at a readable width, the rest scroll."""
        columns = list(self.query(KanbanColumn))
        if not columns:
            return
        available = self.size.width - 1
        fit_count = max(1, min(len(columns), available // (MIN_COLUMN + 1)))
        width = max(MIN_COLUMN, available // fit_count - 1)
        for column in columns:
            column.styles.width = width

    # -- focus -------------------------------------------------------------------
    def focused_list(self) -> CardList | None:
        """The board's current column (focus itself stays on `BoardColumns`)."""
        lists = self.card_lists()
        current = self._last_list
        return current if current in lists else (lists[0] if lists else None)

    def current_row(self) -> OppRow | None:
        if self.showing_closed:
            return self.closed_list.current_row
        cards = self.focused_list()
        return cards.current_row if cards else None

    def focus_list(self, cards: CardList | None) -> None:
        if cards is None:
            return
        previous = self._last_list
        self._last_list = cards
        columns = self.columns
        if previous is not None and previous is not cards and isinstance(previous.parent, KanbanColumn):
            previous.parent.set_current(False, False)
        columns.focus()
        column = cards.parent
        if isinstance(column, KanbanColumn):
            column.set_current(True, columns.has_focus or self.screen.focused is columns)
        if column is not None:
            self.columns.scroll_to_widget(column, animate=False)

    def focus_default(self) -> None:
        if self.showing_closed:
            self.closed_list.focus()
        else:
            self.focus_list(self.focused_list())

    def on_card_list_clicked(self, event: CardList.Clicked) -> None:
        self.focus_list(event.cards)

    def action_focus_column(self, delta: int) -> None:
        if self.showing_closed:
            return
        lists = self.card_lists()
        current = self.focused_list()
        if not lists or current is None:
            return
        index = max(0, min(len(lists) - 1, lists.index(current) + delta))
        self.focus_list(lists[index])

    # -- moving ------------------------------------------------------------------
    def action_move_card(self, delta: int) -> None:
        if self.showing_closed:
            self.notify("Closed deals move with s (pick an open stage to reopen).", severity="warning")
            return
        cards = self.focused_list()
        row = self.current_row()
        if cards is None or row is None:
            return
        open_stages = [st for st in self.stages if st.is_open]
        index = next(i for i, st in enumerate(open_stages) if st.id == cards.stage.id) + delta
        if not 0 <= index < len(open_stages):
            self.notify("That is the last stage that way; use w (won) or x (lost) to close the deal.")
            return
        self.move_card(row, open_stages[index].id)

    def move_card(self, row: OppRow, stage_id: int, *, lost_reason: str | None = None,
                  record_undo: bool = True) -> OppRow | None:
        """Move through the domain (history row + automations), then patch the columns."""
        try:
            O.move_opportunity(self.db, row.id, stage_id, expected_version=row.version, lost_reason=lost_reason)
        except ConflictError as error:
            self.notify(str(error), title="Changed by someone else", severity="warning", timeout=8)
            self.load(focus_card=row.id)
            return None
        except JtekError as error:
            self.notify(str(error), severity="error")
            return None
        if record_undo:
            self.undo_stack.append(Move(row.id, row.name, row.stage_id, stage_id))
            del self.undo_stack[:-UNDO_DEPTH]
        return self.place(row.id, previous=row)

    def place(self, opp_id: int, *, previous: OppRow | None = None) -> OppRow | None:
        """Put a deal's fresh row where it now belongs on this board and focus it."""
        try:
            fresh = O.get_row(self.db, opp_id)
        except JtekError:
            fresh = None
        if self.showing_closed or (self.filter_text and fresh is not None):
            # Filters and the closed list are SQL-driven: re-read them.
            self.load(focus_card=opp_id)
            self._focus_card(opp_id)
            return fresh
        for cards in self.card_lists():
            index = cards.index_of(opp_id)
            if index is not None:
                cards.set_rows(cards.rows[:index] + cards.rows[index + 1:])
        if fresh is not None and fresh.pipeline_id == self.pipeline_id and fresh.status == "open":
            target = next((c for c in self.card_lists() if c.stage.id == fresh.stage_id), None)
            if target is not None:
                target.set_rows([fresh] + target.rows, keep_id=fresh.id)
                self.focus_list(target)
        self.update_stats(totals_from_board=True)
        return fresh

    def _focus_card(self, opp_id: int) -> None:
        if self.showing_closed:
            return
        for cards in self.card_lists():
            index = cards.index_of(opp_id)
            if index is not None:
                cards.set_cursor(index)
                self.focus_list(cards)
                return

    def on_card_list_dropped(self, event: CardList.Dropped) -> None:
        self.focus_list(event.source)
        self.move_card(event.row, event.target.stage.id)

    def on_card_list_activated(self, event: CardList.Activated) -> None:
        self.post_message(OpenOpportunity(event.row.id))

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        self.post_message(OpenOpportunity(event.row.id))

    def action_pick_stage(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from jtek_tui.ui.screens.pickers import StagePicker

        def chosen(stage_id: int | None) -> None:
            if stage_id is None or stage_id == row.stage_id:
                return
            stage = next(st for st in self.stages if st.id == stage_id)
            if stage.kind == "lost":
                self._ask_lost_reason(row)
            else:
                self.move_card(row, stage_id)

        self.app.push_screen(StagePicker(self.stages, row), chosen)

    def action_mark_won(self) -> None:
        row = self.current_row()
        if row is None:
            return
        won = next(st for st in self.stages if st.kind == "won")
        if row.stage_id == won.id:
            return
        if self.move_card(row, won.id) is not None:
            self.notify(Content.assemble("Closed Won: ", clean(row.name), (" · u undoes", "dim")),
                        title="Won")

    def action_mark_lost(self) -> None:
        row = self.current_row()
        if row is not None and row.status != "lost":
            self._ask_lost_reason(row)

    def _ask_lost_reason(self, row: OppRow) -> None:
        from jtek_tui.ui.screens.pickers import LostReasonScreen

        def chosen(reason: str | None) -> None:
            if not reason:
                return
            lost = next(st for st in self.stages if st.kind == "lost")
            if self.move_card(row, lost.id, lost_reason=reason) is not None:
                self.notify(Content.assemble("Closed Lost: ", clean(row.name), (" · u undoes", "dim")),
                            title="Lost")

        self.app.push_screen(LostReasonScreen(row.name, O.lost_reasons(self.db)), chosen)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.")
            return
        move = self.undo_stack.pop()
        try:
            row = O.get_row(self.db, move.opportunity_id)
        except JtekError as error:
            self.notify(str(error), severity="error")
            return
        if row.stage_id != move.to_stage_id:
            self.notify(Content.assemble(clean(move.name), " was moved again since; nothing undone."),
                        severity="warning")
            return
        if self.move_card(row, move.from_stage_id, record_undo=False) is not None:
            stage = next((st.name for st in self.stages if st.id == move.from_stage_id), "its stage")
            self.notify(Content.assemble("Undone: ", clean(move.name), " is back in ", clean(stage), "."))

    # -- opening and creating ------------------------------------------------------
    def action_open_card(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(OpenOpportunity(row.id))

    def action_open_contact(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(OpenContact(row.contact_id))

    def action_new_opportunity(self) -> None:
        self.post_message(NewOpportunity(pipeline_id=self.pipeline_id))

    def action_new_in_column(self) -> None:
        cards = None if self.showing_closed else self.focused_list()
        self.post_message(NewOpportunity(pipeline_id=self.pipeline_id, stage_id=cards.stage.id if cards else None))

    def action_edit_card(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from jtek_tui.ui.screens.opportunity_form import OpportunityForm

        self.app.push_screen(OpportunityForm(opportunity_id=row.id), self.after_form)

    def after_form(self, opp_id: int | None) -> None:
        """The form saved (or was cancelled): show the deal where it now is."""
        if opp_id is None:
            self.focus_default()
            return
        row = O.get_row(self.db, opp_id)
        if row.pipeline_id != self.pipeline_id:
            self.run_worker(self.show_pipeline(row.pipeline_id, focus_card=opp_id), exclusive=True,
                            group="pipeline")
            return
        if self.showing_closed and row.status == "open":
            self.run_worker(self._set_closed(False, focus_card=opp_id), exclusive=True, group="pipeline")
            return
        self.load(focus_card=opp_id)
        self._focus_card(opp_id)

    # -- pipelines and views -----------------------------------------------------------
    def action_switch_pipeline(self) -> None:
        from jtek_tui.ui.screens.pickers import PipelinePicker

        def chosen(pipeline_id: int | None) -> None:
            if pipeline_id is not None and pipeline_id != self.pipeline_id:
                self.undo_stack.clear()
                self.run_worker(self._switch(pipeline_id), exclusive=True, group="pipeline")

        self.app.push_screen(PipelinePicker(P.list_pipelines(self.db), self.pipeline_id), chosen)

    async def _switch(self, pipeline_id: int) -> None:
        await self.show_pipeline(pipeline_id)
        self.remember()

    def action_toggle_closed(self) -> None:
        self.run_worker(self._set_closed(not self.showing_closed), exclusive=True, group="pipeline")

    async def _set_closed(self, closed: bool, *, focus_card: int | None = None) -> None:
        self.showing_closed = closed
        self.columns.display = not closed
        self.closed_list.display = closed
        self.load(focus_card=focus_card)
        if closed:
            self.closed_list.focus()
        elif focus_card is not None:
            self._focus_card(focus_card)
        else:
            self.focus_list(self.focused_list())

    # -- filtering ---------------------------------------------------------------------
    def _filter_input_open(self) -> bool:
        return self.query_one("#filter-input", Input).display

    def action_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        field = self.query_one("#filter-input", Input)
        bar.display = True
        field.display = True
        self.query_one("#filter-prompt").display = True
        self.query_one("#filter-status").display = False
        field.value = self.filter_text
        field.cursor_position = len(field.value)
        field.focus()

    @on(Input.Changed, "#filter-input")
    def _filter_typed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, lambda: self.set_filter(event.value, keep_input=True))

    @on(Input.Submitted, "#filter-input")
    def _filter_done(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if self.set_filter(event.value):
            self._close_filter_input()

    def on_key(self, event: Key) -> None:
        if event.key == "escape" and self._filter_input_open():
            event.stop()
            self.set_filter("")
            self._close_filter_input()

    def _close_filter_input(self) -> None:
        self.query_one("#filter-input", Input).display = False
        self.query_one("#filter-prompt").display = False
        self.query_one("#filter-status").display = True
        self.query_one("#filter-bar").display = bool(self.filter_text)
        self.focus_default()

    def set_filter(self, text: str, *, keep_input: bool = False) -> bool:
        """Apply a filter; on a bad term say why in the bar and keep the previous one."""
        text = text.strip()
        status = self.query_one("#filter-status", Static)
        if text:
            try:
                apply_filter(self.db, self.base_query(), text)
            except ValidationError as error:
                status.display = True
                status.update(Content.styled(str(error), "$error"))
                return False
        row = self.current_row()
        self.filter_text = text
        self.load(focus_card=row.id if row else None)
        if keep_input:
            status.display = False
        return True

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.set_filter("")
            self._close_filter_input()

    # -- closed view rows ----------------------------------------------------------------
    @staticmethod
    def _closed_header(width: int) -> Cells:
        return [(_closed_layout(width, "", "Deal", "Contact", "Value", "Closed", "Reason"), "")]

    @staticmethod
    def _closed_cells(row: OppRow, width: int) -> Cells:
        mark = "✓ Won " if row.status == "won" else "✗ Lost"
        return [(_closed_layout(width, mark, clean(row.name), clean(row.contact), money(row.value_cents),
                                day(row.closed_at.astimezone().date() if row.closed_at else None),
                                clean(row.lost_reason or "")), "rows--good" if row.status == "won" else "")]


def _closed_layout(width: int, mark: str, name: str, contact: str, value: str, closed: str, reason: str) -> str:
    fixed = 7 + 13 + 11 + 4
    flexible = max(10, width - fixed)
    name_w = flexible * 4 // 10
    contact_w = flexible * 3 // 10
    reason_w = max(0, flexible - name_w - contact_w)
    return (f"{fit(mark, 7)}{fit(name, name_w)} {fit(contact, contact_w)} {value:>12} "
            f"{fit(closed, 10)} {cut(reason, reason_w)}")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
