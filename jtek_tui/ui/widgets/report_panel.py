"""The Reports dashboard's building blocks: titled panels, width-aware chart
bodies, the grid that holds them, and the focusable deal lists."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.layout import Layout
from textual.layouts.grid import GridLayout
from textual.widget import Widget

from jtek_tui.domain.reports import DealLine
from jtek_tui.ui.messages import OpenOpportunity
from jtek_tui.ui.widgets.report_charts import deal_cells, deal_header, deal_natural
from jtek_tui.ui.widgets.row_list import RowList

Draw = Callable[[int], Content]


class Drawn(Widget):
    """Lines drawn for the width the layout gives: `draw(width) -> Content`.

    Layout asks `get_content_height` at the width it will give and `render`
    draws at that width, so tables re-lay themselves out on resize without
    re-reading the database (and without a resize-then-update round trip)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._draw: Draw | None = None
        self._drawn: dict[int, Content] = {}  # by width, for the current draw

    def show(self, draw: Draw) -> None:
        self._draw = draw
        self._drawn.clear()
        self.refresh(layout=True)

    def content_for(self, width: int) -> Content:
        if self._draw is None or width <= 0:
            return Content("")
        content = self._drawn.get(width)
        if content is None:
            if len(self._drawn) > 8:
                self._drawn.clear()
            content = self._drawn[width] = self._draw(width)
        return content

    def render(self) -> Content:
        return self.content_for(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        content = self.content_for(width)
        return content.plain.count("\n") + 1 if content.plain else 1

    @property
    def text(self) -> str:
        """What is on screen, as plain text (tests read it)."""
        return self.content_for(self.content_size.width).plain


class Chart(Drawn, can_focus=True):
    """A panel's figures. Focusable, so tab reaches every panel and, in one
    column, scrolls it into view; arrows then scroll the dashboard."""


class ReportPanel(Vertical):
    """A titled, bordered panel; bold heavy border when focus is inside (a
    glyph change, not only a colour, so NO_COLOR shows it)."""

    def __init__(self, title: str, body: Widget, *, id: str, classes: str = "") -> None:
        super().__init__(body, id=id, classes=f"report-panel {classes}".strip())
        self.body = body
        self.set_title(title)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Textual's grid sizes an auto row by measuring each cell at the width
        of its *first column*, even when it spans several: measure at the
        spanned width instead, or a spanned panel gets the wrong height."""
        span = self.styles.column_span or 1
        grid = self.parent
        if span > 1 and isinstance(grid, ReportGrid):
            columns = grid.styles.grid_size_columns or 1
            between = grid.styles.grid_gutter_vertical
            one_column = (grid.content_size.width - between * (columns - 1)) / columns
            gutter = self.styles.gutter.width
            if abs(width + gutter - one_column) <= 1:  # measured at one column's width
                width = round(one_column * span + between * (span - 1)) - gutter
        return super().get_content_height(container, viewport, width)

    def set_title(self, title: str, subtitle: str | None = None) -> None:
        """Plain text (never markup): the figures and the period in words."""
        self.title_text = title
        self.border_title = Content(title)
        self.border_subtitle = Content(subtitle) if subtitle else None


class ReportGrid(Widget):
    """The dashboard grid. Rows are as tall as their tallest panel and every
    panel in a row is stretched to it, so borders line up."""

    def pre_layout(self, layout: Layout) -> None:
        if isinstance(layout, GridLayout):
            layout.stretch_height = True


class DealRows(RowList[DealLine]):
    """Deals in a report list: `enter` (or a double click) opens the deal."""

    BINDINGS = [Binding("enter", "open", "Open", tooltip="Open the deal's detail panel")]

    def __init__(self, *, overdue: bool, empty: str, id: str) -> None:
        # A cell at the left marks the cursor (seen without colour too); one at
        # the right is kept for the scrollbar, which draws over the last column.
        super().__init__(self._cells, header=self._header, empty=empty, id=id)
        self.overdue = overdue
        self.natural = deal_natural([])

    def _cells(self, row: DealLine, width: int) -> list[tuple[str, str]]:
        mark = "▸" if self.has_focus and row is self.current_row else " "
        return [(mark, "rows--strong"), *deal_cells(row, width - 2, self.overdue, self.natural)]

    def _header(self, width: int) -> list[tuple[str, str]]:
        return [(" ", ""), *deal_header(width - 2, self.overdue, self.natural)]

    def set_rows(self, rows: list[DealLine], *, keep_id: object = None) -> None:
        self.natural = deal_natural(rows)  # columns as wide as their widest entry
        super().set_rows(rows, keep_id=keep_id)

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(OpenOpportunity(row.id))

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        self.post_message(OpenOpportunity(event.row.id))
