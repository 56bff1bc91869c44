"""A board column: a header (stage, count, total, "+") above its card list."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from jtek_tui.domain.formatting import money_short
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.ui.messages import NewOpportunity
from jtek_tui.ui.widgets.card_list import CardList


class ColumnHeader(Static):
    """Stage name with its "+" (new deal here), then card count and total value."""

    def __init__(self, stage: StageInfo) -> None:
        super().__init__(markup=False)
        self.stage = stage

    def show(self, count: int, total_cents: int, width: int) -> None:
        name = self.stage.name
        inner = max(4, width - 2)
        title = Content(name).truncate(inner - 2, ellipsis=True).stylize("bold")
        plus = Content("+").stylize("bold $accent")
        pad = max(1, inner - title.cell_length - 1)
        stats = Content(f"{count} deal{'s' if count != 1 else ''} · {money_short(total_cents)}").stylize("dim")
        self.update(Content.assemble(title, " " * pad, plus, "\n", stats))

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
        self._stats = (0, 0)

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.card_list

    def set_stats(self, count: int, total_cents: int) -> None:
        self._stats = (count, total_cents)
        self.header.show(count, total_cents, self.size.width or 28)

    def on_resize(self, event: events.Resize) -> None:
        self.header.show(*self._stats, event.size.width)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.remove_class("-focused")
