"""One Kanban column's cards, drawn with the Line API.

A column can hold thousands of deals, so this is a single `ScrollView` that
draws only the lines on screen (cached per card, version, state and width)
instead of one widget per card: cursor moves repaint two cards, not the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jtek_tui.domain import clock
from jtek_tui.domain.formatting import money
from jtek_tui.domain.opportunities import OppRow
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.ui.text import clean, cut, fit

CARD_LINES = 3
CARD_HEIGHT = CARD_LINES + 1  # one blank line between cards
OVERDUE = "⚠"
ROTTING = "◷"


def short_date(d: date | None, today: date) -> str:
    if d is None:
        return ""
    return d.strftime("%b %d") if d.year == today.year else d.strftime("%b %d %Y")


@dataclass(frozen=True)
class CardFlags:
    """What a card shows beside its value; computed once per load, not per paint."""

    overdue: bool
    idle_days: int | None  # set when rotting


class CardList(ScrollView, can_focus=False, inherit_bindings=False):
    """The cards of one stage, with a cursor.

    Not focusable: the board's `BoardColumns` holds focus and sends the keys to
    the active column. Moving between columns then changes no focus, which in
    Textual repaints the whole screen.
    """

    COMPONENT_CLASSES = {
        "cards--title",
        "cards--meta",
        "cards--value",
        "cards--flag",
        "cards--bar",
        "cards--cursor",
        "cards--cursor-bar",
        "cards--cursor-blur",
        "cards--empty",
    }

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another card (or the column got focus)."""

        def __init__(self, cards: CardList, row: OppRow | None) -> None:
            super().__init__()
            self.cards = cards
            self.row = row

    class Clicked(Message):
        """A card was clicked: the board makes this the current column."""

        def __init__(self, cards: CardList) -> None:
            super().__init__()
            self.cards = cards

    class Activated(Message):
        """A card was double-clicked."""

        def __init__(self, cards: CardList, row: OppRow) -> None:
            super().__init__()
            self.cards = cards
            self.row = row

    class Dropped(Message):
        """A card was dragged with the mouse and released over another column."""

        def __init__(self, source: CardList, row: OppRow, target: CardList) -> None:
            super().__init__()
            self.source = source
            self.row = row
            self.target = target

    def __init__(self, stage: StageInfo, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.stage = stage
        self.rows: list[OppRow] = []
        self._flags: dict[int, CardFlags] = {}  # computed when a card is first drawn
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}  # component styles, reset when CSS changes
        self._fingerprint: tuple[Style, ...] = ()
        self._styles_checked = False
        self._drag_row: OppRow | None = None
        self._drag_hover: CardList | None = None
        #: The board's current column; its cursor card is drawn as focused
        #: while the board has focus (`lit`).
        self.active = False
        self.lit = False

    # -- data -----------------------------------------------------------------
    def set_rows(self, rows: list[OppRow], *, keep_id: int | None = None) -> None:
        """Replace the cards, keeping the cursor on `keep_id` (or the same card) if present."""
        current = self.current_row
        wanted = keep_id if keep_id is not None else (current.id if current else None)
        self.rows = rows  # drawn lines stay cached: they are keyed by card id and version
        self._set_height(len(rows))
        index = self.index_of(wanted) if wanted is not None else None
        self.set_cursor(index if index is not None else min(self.cursor, max(0, len(rows) - 1)))
        self.refresh()

    def forget_drawing(self) -> None:
        """Drop drawn lines and flags (time has passed, names may have changed)."""
        self._flags = {}
        self._cache.clear()

    def flags_for(self, row: OppRow) -> CardFlags:
        """Overdue / rotting for one card, worked out when it is first drawn
        (a column of thousands only pays for the cards on screen)."""
        flags = self._flags.get(row.id)
        if flags is None:
            now = clock.now()
            flags = CardFlags(row.is_overdue(clock.today()), int(row.idle_days(now)) if row.is_rotting(now) else None)
            self._flags[row.id] = flags
        return flags

    def index_of(self, opp_id: int) -> int | None:
        for i, row in enumerate(self.rows):
            if row.id == opp_id:
                return i
        return None

    @property
    def current_row(self) -> OppRow | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- cursor ----------------------------------------------------------------
    def set_cursor(self, index: int) -> None:
        index = max(0, min(index, len(self.rows) - 1)) if self.rows else 0
        self.cursor = index

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_card(old)
        self._refresh_card(new)
        top = new * CARD_HEIGHT
        view_top, height = int(self.scroll_offset.y), self.size.height
        if self.rows and not (view_top <= top and top + CARD_LINES <= view_top + height):
            # Off screen: jump so the card sits mid-column. Scrolling repaints the
            # whole column; half-page jumps mean one repaint per several key presses.
            self.scroll_to(y=max(0, top - (height - CARD_LINES) // 2), animate=False, immediate=True)
        self.post_message(self.Highlighted(self, self.current_row))

    def _refresh_card(self, index: int) -> None:
        top = index * CARD_HEIGHT - int(self.scroll_offset.y)
        if -CARD_HEIGHT < top < self.size.height:
            self.refresh(Region(0, max(0, top), self.size.width, CARD_LINES))

    def move_cursor(self, how: str) -> None:
        """`up`, `down`, `first`, `last`, `page_up`, `page_down`."""
        per_page = max(1, self.size.height // CARD_HEIGHT)
        target = {
            "up": self.cursor - 1, "down": self.cursor + 1, "first": 0, "last": len(self.rows) - 1,
            "page_up": self.cursor - per_page, "page_down": self.cursor + per_page,
        }[how]
        self.set_cursor(target)

    def set_active(self, active: bool, lit: bool) -> None:
        """Mark this the board's current column (and whether the board has focus)."""
        if (active, lit) != (self.active, self.lit):
            self.active, self.lit = active, lit
            self._refresh_card(self.cursor)
            if active:
                self.post_message(self.Highlighted(self, self.current_row))

    def notify_style_update(self) -> None:
        # Textual restyles on every focus change even when no rule depends on it;
        # drawn lines are only thrown away if a style they use really changed.
        super().notify_style_update()
        self._styles = {}
        self._styles_checked = False

    def _check_styles(self) -> None:
        fingerprint = tuple(self._style(name) for name in ("base", *sorted(self.COMPONENT_CLASSES)))
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._cache.clear()
        self._styles_checked = True

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.rich_style if name == "base" else self.get_component_rich_style(name)
        return style

    def on_resize(self, event: events.Resize) -> None:
        self._set_height(len(self.rows), width=event.size.width)

    def _set_height(self, cards: int, *, width: int | None = None) -> None:
        """Set the scrollable height without a screen-wide layout pass.

        `virtual_size` is a layout reactive; a card more or less in a column
        changes nothing outside it, so set it quietly and repaint this widget.
        """
        size = Size(self.size.width if width is None else width, max(0, cards * CARD_HEIGHT - 1))
        if size != self.virtual_size:
            self.set_reactive(CardList.virtual_size, size)
            self._scroll_update(size)
            self.refresh()

    # -- mouse -----------------------------------------------------------------
    def _row_at(self, y: int) -> int | None:
        line = y + int(self.scroll_offset.y)
        index, sub = divmod(line, CARD_HEIGHT)
        if sub < CARD_LINES and 0 <= index < len(self.rows):
            return index
        return None

    def on_click(self, event: events.Click) -> None:
        index = self._row_at(event.y)
        if index is None:
            return
        self.post_message(self.Clicked(self))
        self.set_cursor(index)
        if event.chain >= 2:
            self.post_message(self.Activated(self, self.rows[index]))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._row_at(event.y)
        if index is None or event.button != 1:
            return
        self._drag_row = self.rows[index]
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_row is None:
            return
        target = self._list_at(event.screen_x, event.screen_y)
        if target is not self._drag_hover:
            if self._drag_hover is not None:
                self._drag_hover.remove_class("-drop-target")
            if target is not None and target is not self:
                target.add_class("-drop-target")
            self._drag_hover = target if target is not self else None

    def on_mouse_up(self, event: events.MouseUp) -> None:
        row, self._drag_row = self._drag_row, None
        if self._drag_hover is not None:
            self._drag_hover.remove_class("-drop-target")
            self._drag_hover = None
        self.release_mouse()
        if row is None:
            return
        target = self._list_at(event.screen_x, event.screen_y)
        if target is not None and target is not self:
            self.post_message(self.Dropped(self, row, target))

    def _list_at(self, x: int, y: int) -> CardList | None:
        """The card list under a screen point (its column header counts too)."""
        try:
            node, _ = self.screen.get_widget_at(x, y)
        except NoWidget:  # released outside every widget
            return None
        while node is not None:
            if isinstance(node, CardList):
                return node
            cards = getattr(node, "card_list", None)
            if isinstance(cards, CardList):
                return cards
            node = node.parent
        return None

    # -- drawing ---------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        if not self._styles_checked:
            self._check_styles()
        width = self.size.width
        line = y + int(self.scroll_offset.y)
        base = self._style("base")
        if not self.rows:
            if line == 1:
                text = fit("  No deals here", width)
                return Strip([Segment(text, base + self._style("cards--empty"))], width)
            return Strip.blank(width, base)
        index, sub = divmod(line, CARD_HEIGHT)
        if index >= len(self.rows) or sub >= CARD_LINES:
            return Strip.blank(width, base)
        row = self.rows[index]
        is_cursor = index == self.cursor
        state = 2 if is_cursor and self.active and self.lit else 1 if is_cursor else 0
        flags = self.flags_for(row)
        key = (row.id, row.version, sub, state, width, flags)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw(row, sub, state, width, flags, base)
            self._cache[key] = strip
        return strip

    def _draw(self, row: OppRow, sub: int, state: int, width: int, flags: CardFlags | None, base: Style) -> Strip:
        style = self._style
        bg = Style()
        if state == 2:
            bg = style("cards--cursor")
        elif state == 1:
            bg = style("cards--cursor-blur")
        bar_style = base + style("cards--cursor-bar" if state == 2 else "cards--bar") + bg
        if state == 2:
            bar = "▶" if sub == 0 else "┃"
        else:
            bar = "│"
        inner = max(1, width - 3)
        segments = [Segment(bar, bar_style), Segment(" ", base + bg)]
        if sub == 0:
            segments.append(Segment(fit(clean(row.name), inner), base + style("cards--title") + bg))
        elif sub == 1:
            initials = row.assignee_initials
            room = inner - (len(initials) + 1 if initials else 0)
            segments.append(Segment(fit(clean(row.contact), room), base + style("cards--meta") + bg))
            if initials:
                segments.append(Segment(" " + initials, base + style("cards--meta") + bg))
        else:
            value = money(row.value_cents)
            when = short_date(row.expected_close, clock.today())
            flag_text = ""
            if flags and flags.overdue:
                flag_text = f"{OVERDUE} late"
            if flags and flags.idle_days is not None:
                flag_text = (flag_text + " " if flag_text else "") + f"{ROTTING} {flags.idle_days}d"
            if len(flag_text) > inner // 2:
                flag_text = flag_text.replace(" late", "").replace(f"{ROTTING} ", ROTTING)
            left = value + (f" · {when}" if when else "")
            room = inner - (len(flag_text) + 1 if flag_text else 0)
            segments.append(Segment(fit(cut(left, room), room), base + style("cards--value") + bg))
            if flag_text:
                segments.append(Segment(" " + flag_text, base + style("cards--flag") + bg))
        segments.append(Segment(" ", base + bg))
        return Strip(segments).crop_extend(0, width, base + bg)
