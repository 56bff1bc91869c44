"""A focusable, virtualised list of one-line rows with a cursor.

Used where a table of thousands of rows must open instantly (closed deals):
`DataTable` measures every row up front, this draws only the visible lines.
Rows are any objects with an `id`; a `format_row(row, width) -> list[(text, style
component)]` callback lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jtek_tui.ui.text import fit

T = TypeVar("T")
Cells = Sequence[tuple[str, str]]  # (text, component class) pieces, left to right


class RowList(ScrollView, Generic[T], can_focus=True, inherit_bindings=False):
    COMPONENT_CLASSES = {"rows--cursor", "rows--cursor-blur", "rows--dim", "rows--strong",
                         "rows--good", "rows--bad", "rows--header", "rows--empty"}
    BINDINGS = [
        Binding("up,k", "cursor_by(-1)", "Previous", show=False),
        Binding("down,j", "cursor_by(1)", "Next", show=False),
        Binding("home,g", "cursor_to(0)", "First", show=False),
        Binding("end,G", "cursor_to(-1)", "Last", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, rows: RowList, row: Any) -> None:
            super().__init__()
            self.rows = rows
            self.row = row

    class Activated(Message):
        def __init__(self, rows: RowList, row: Any) -> None:
            super().__init__()
            self.rows = rows
            self.row = row

    def __init__(
        self,
        format_row: Callable[[T, int], Cells],
        *,
        header: Callable[[int], Cells] | None = None,
        empty: str = "Nothing here",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.format_row = format_row
        self.header = header
        self.empty = empty
        self.rows: list[T] = []
        self._cache: LRUCache[tuple, Strip] = LRUCache(512)

    @property
    def top(self) -> int:
        return 1 if self.header else 0

    def set_rows(self, rows: list[T], *, keep_id: Any = None) -> None:
        current = self.current_row
        wanted = keep_id if keep_id is not None else getattr(current, "id", None)
        self.rows = rows
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(rows) + self.top)
        index = next((i for i, r in enumerate(rows) if getattr(r, "id", None) == wanted), None)
        self.cursor = index if index is not None else min(self.cursor, max(0, len(rows) - 1))
        self.refresh()

    @property
    def current_row(self) -> T | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        if self.rows:
            self.scroll_to_region(Region(0, new + self.top, 1, 1), animate=False, force=True, immediate=True)
        self.post_message(self.Highlighted(self, self.current_row))

    def action_cursor_by(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_cursor_to(self, index: int) -> None:
        if self.rows:
            self.cursor = index % len(self.rows)

    def action_page(self, direction: int) -> None:
        self.action_cursor_by(direction * max(1, self.size.height - self.top - 1))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y) - self.top
        if 0 <= index < len(self.rows):
            self.focus()
            self.cursor = index
            if event.chain >= 2:
                self.post_message(self.Activated(self, self.rows[index]))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) + self.top)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        style = self.get_component_rich_style
        if self.header and y == 0:
            return self._strip(self.header(width), width, base, style("rows--header"))
        index = y + int(self.scroll_offset.y) - self.top
        if not self.rows:
            if index == 0:
                return Strip([Segment(fit("  " + self.empty, width), base + style("rows--empty"))], width)
            return Strip.blank(width, base)
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        state = 0
        if index == self.cursor:
            state = 2 if self.has_focus else 1
        key = (getattr(row, "id", index), getattr(row, "version", 0), state, width)
        strip = self._cache.get(key)
        if strip is None:
            bg = style("rows--cursor") if state == 2 else style("rows--cursor-blur") if state == 1 else None
            strip = self._strip(self.format_row(row, width), width, base, bg)
            self._cache[key] = strip
        return strip

    def _strip(self, cells: Cells, width: int, base, bg) -> Strip:
        style = self.get_component_rich_style
        segments = []
        for text, component in cells:
            seg_style = base + (style(component) if component else base)
            if bg is not None:
                seg_style = seg_style + bg
            segments.append(Segment(text, seg_style))
        fill = base + bg if bg is not None else base
        return Strip(segments).crop_extend(0, width, fill)
