"""A board column: a header (stage, count, total, "+") above its card list."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget

from jtek_tui.domain.formatting import money_short
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.ui.messages import NewOpportunity
from jtek_tui.ui.widgets.card_list import CARD_HEIGHT, CardList


class ColumnHeader(Widget):
    """Stage name with its "+" (new deal here), then card count and total value.

    A plain widget with `render()`: updating it repaints two lines, where
    `Static.update` would ask for a layout pass of the whole screen.
    """

    def __init__(self, stage: StageInfo) -> None:
        super().__init__()
        self.stage = stage
        self.count = 0
        self.total_cents = 0
        self.position: int | None = None  # the cursor's card number, shown in long columns

    def show(self, count: int, total_cents: int) -> None:
        if (count, total_cents) != (self.count, self.total_cents):
            self.count, self.total_cents = count, total_cents
            self.refresh()

    def show_position(self, position: int | None) -> None:
        if position != self.position:
            self.position = position
            self.refresh()

    def render(self) -> Content:
        inner = max(4, self.size.width)
        title = Content(self.stage.name).truncate(inner - 2, ellipsis=True).stylize("bold")
        plus = Content("+").stylize("bold $accent")
        pad = max(1, inner - title.cell_length - 1)
        count = self.count
        deals = f"{count:,} deal{'s' if count != 1 else ''}"
        if self.position is not None:
            deals = f"{self.position:,} of {count:,}"  # no scrollbar: say where the cursor is
        stats = Content(f"{deals} · {money_short(self.total_cents)}").stylize("dim")
        return Content.assemble(title, " " * pad, plus, "\n", stats)

    def on_click(self, event: events.Click) -> None:
        if event.y == 0 and event.x >= self.size.width - 3:
            self.post_message(NewOpportunity(pipeline_id=self.stage.pipeline_id, stage_id=self.stage.id))


class KanbanColumn(Vertical):
    """One stage of the pipeline."""

    def __init__(self, stage: StageInfo) -> None:
        super().__init__(classes="column", id=f"column-{stage.id}")
        self.stage = stage
        self.header = ColumnHeader(stage)
        self.card_list = CardList(stage, id=f"cards-{stage.id}")

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.card_list

    def set_stats(self, count: int, total_cents: int) -> None:
        self.header.show(count, total_cents)

    def set_current(self, current: bool, lit: bool) -> None:
        """The board's current column: highlighted header, lit cursor card."""
        self.header.set_class(current, "-focused")
        self.card_list.set_active(current, lit)
        self._show_position()

    def on_card_list_highlighted(self, event: CardList.Highlighted) -> None:
        self._show_position()

    def _show_position(self) -> None:
        cards = self.card_list
        visible = max(1, cards.size.height // CARD_HEIGHT)
        long = len(cards.rows) > visible
        self.header.show_position(cards.cursor + 1 if cards.active and long else None)

