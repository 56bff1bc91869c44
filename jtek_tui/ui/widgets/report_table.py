"""Small text tables for the Reports dashboard, laid out for a given width.

A dashboard panel is 56 cells wide in the three-column grid and 70 in one
column at 80x24, so every table fits its columns to the width it gets: long
names are cut a little, then the least useful columns go, then names are cut
more, and a bar column takes whatever room is left. Numbers are right-aligned
so they line up.

Cells are plain `str` (user text included: it never meets a markup parser) or
`Content` for styled pieces such as bars. Bars are block characters
(`formatting.bar`), so their length reads the same in NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from textual.content import Content

from jtek_tui.domain.formatting import bar
from jtek_tui.ui.text import fit

GAP = 2
#: Styles (theme variables and text styles; each also has a glyph or a word).
HEADER = "bold $text-muted"
GROUP = "bold $accent"
TOTAL = "bold"
NOTE = "$text-muted"
BAR = "$accent"
BAR_REST = "$text-muted"


@dataclass(frozen=True)
class Bar:
    """A bar cell, drawn once the table knows its column width: `fraction` of
    the width solid; with `part`, only `part` is solid and light shade runs on
    to `fraction` (weighted value inside open value)."""

    fraction: float | None
    part: float | None = None

    def draw(self, width: int) -> Content:
        if self.part is None:
            return Content.styled(bar(self.fraction, width), BAR)
        return stacked_bar(self.fraction, self.part, width)


Cell = str | Content | Bar


@dataclass(frozen=True)
class Col:
    """A column: `right` for numbers, `shrink` for names that may be cut, `bar`
    for the chart column (takes the room left over), `drop` > 0 for columns that
    go when space is short (the highest first)."""

    title: str
    right: bool = False
    shrink: bool = False
    bar: bool = False
    drop: int = 0


@dataclass
class Row:
    cells: Sequence[Cell] = ()
    style: str = ""
    #: A full-width line instead of cells (a group heading, a note).
    text: Cell | None = None


@dataclass
class Table:
    """Columns fitted to `width`: `widths[i]` is 0 for a dropped column."""

    cols: list[Col]
    rows: list[Row]
    width: int
    min_shrink: int = 8
    comfortable: int = 16
    min_bar: int = 6
    max_bar: int = 40
    widths: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.widths = self._fit()

    @property
    def dropped(self) -> int:
        """How many columns (besides the bar) did not fit."""
        return sum(1 for c, w in zip(self.cols, self.widths, strict=True) if w == 0 and not c.bar)

    @property
    def squeezed(self) -> bool:
        """Was a name cut below `comfortable` cells to make things fit?"""
        return any(0 < w < min(n, self.comfortable)
                   for c, w, n in zip(self.cols, self.widths, self._natural(), strict=True) if c.shrink)

    @property
    def bar_width(self) -> int:
        return next((w for c, w in zip(self.cols, self.widths, strict=True) if c.bar), 0)

    def _natural(self) -> list[int]:
        natural = []
        for i, col in enumerate(self.cols):
            if col.bar:
                natural.append(self.max_bar)
                continue
            cells = [r.cells[i] for r in self.rows if r.text is None and i < len(r.cells)]
            natural.append(max([cell_len(col.title)] + [_len(c) for c in cells]))
        return natural

    def _fit(self) -> list[int]:
        """Names are cut to `comfortable` cells first, then optional columns go
        (highest `drop` first), then names are cut down to `min_shrink`, then
        the bar goes; the bar finally takes the room left (up to `max_bar`)."""
        natural = self._natural()
        active = [True] * len(self.cols)

        def need(widths: list[int]) -> int:
            shown = [w for w, on in zip(widths, active, strict=True) if on]
            return sum(shown) + GAP * max(0, len(shown) - 1)

        def shrink(widths: list[int], floor: int) -> int:
            excess = need(widths) - self.width
            for i, col in enumerate(self.cols):
                if excess <= 0:
                    break
                if active[i] and col.shrink:
                    give = min(excess, max(0, widths[i] - floor))
                    widths[i] -= give
                    excess -= give
            return excess

        while True:
            widths = [
                (self.min_bar if c.bar else n) if on else 0
                for c, n, on in zip(self.cols, natural, active, strict=True)
            ]
            if shrink(widths, self.comfortable) <= 0:
                break
            droppable = [(c.drop, i) for i, c in enumerate(self.cols) if active[i] and c.drop]
            if droppable:
                active[max(droppable)[1]] = False
                continue
            if shrink(widths, self.min_shrink) <= 0:
                break
            bars = [i for i, c in enumerate(self.cols) if active[i] and c.bar]
            if bars:
                active[bars[0]] = False
                continue
            break  # nothing left to give: the line is cropped
        for i, col in enumerate(self.cols):  # the bar takes what is left
            if col.bar and active[i]:
                widths[i] = max(self.min_bar, min(self.max_bar, widths[i] + self.width - need(widths)))
        return widths

    def header(self) -> Content:
        return self._line([c.title for c in self.cols], HEADER)

    def render(self, *, header: bool = True) -> Content:
        lines = [self.header()] if header else []
        for row in self.rows:
            if row.text is not None:
                text = row.text if isinstance(row.text, Content) else Content(row.text)
                lines.append(text.truncate(self.width, ellipsis=True).stylize(row.style))
            else:
                lines.append(self._line(row.cells, row.style))
        return Content("\n").join(lines)

    def _line(self, cells: Sequence[Cell], style: str) -> Content:
        parts: list[Content] = []
        for col, width, cell in zip(self.cols, self.widths, cells, strict=False):
            if not width:
                continue
            parts.append(_place(cell, width, col.right))
        line = Content(" " * GAP).join(parts).rstrip().truncate(self.width)
        return line.stylize(style) if style else line


def _len(cell: Cell) -> int:
    if isinstance(cell, Bar):
        return 0
    return cell.cell_length if isinstance(cell, Content) else cell_len(cell)


def _place(cell: Cell, width: int, right: bool) -> Content:
    """A cell exactly `width` cells wide (names cut with an ellipsis)."""
    if isinstance(cell, Bar):
        cell = cell.draw(width)
    if isinstance(cell, Content):
        if cell.cell_length > width:
            return cell.truncate(width, ellipsis=True)
        pad = " " * (width - cell.cell_length)
        return Content.assemble(pad, cell) if right else Content.assemble(cell, pad)
    if right:
        return Content(fit(cell, width) if cell_len(cell) > width else " " * (width - cell_len(cell)) + cell)
    return Content(fit(cell, width))


def share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def stacked_bar(whole: float | None, part: float | None, width: int) -> Content:
    """`█████░░░`: the solid part is `part` (e.g. weighted value), the light
    shade runs on to `whole` (e.g. open value); both fractions of the width."""
    solid = bar(part, width)
    full = bar(whole, width)
    rest = "░" * max(0, len(full) - len(solid))
    return Content.assemble((solid, BAR), (rest, BAR_REST))
