"""Printing for people (Rich tables) and for scripts (JSON).

Every user-supplied string goes into a `Text`, never a markup string, so a
contact called `[bold]x[/]` prints exactly like that.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def cell(value: Any) -> Text:
    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value))


def table(title: str | None, columns: Sequence[str | tuple[str, str]], rows: Iterable[Sequence[Any]]) -> Table:
    """A table that stays readable when narrow: short columns (ids, money, dates)
    keep their width, long text is cut with an ellipsis instead of wrapping.
    A column given as (name, "right") is right-aligned (numbers)."""
    cells = [[cell(v) for v in row] for row in rows]
    t = Table(title=Text(title) if title else None, title_justify="left", header_style="bold")
    for i, col in enumerate(columns):
        name, justify = col if isinstance(col, tuple) else (col, "left")
        widest = max((c[i].cell_len for c in cells), default=0)
        keep = justify == "right" or widest <= 10
        if keep:
            t.add_column(name, justify=justify, no_wrap=True, min_width=max(len(name), widest))  # type: ignore[arg-type]
        else:
            t.add_column(name, min_width=min(len(name), 8))
            for c in cells:  # shrinkable column whose cells are cut, not wrapped
                c[i].no_wrap, c[i].overflow = True, "ellipsis"
    for row in cells:
        t.add_row(*row)
    return t


def fields(pairs: Sequence[tuple[str, Any]]) -> Table:
    """Two-column "label: value" block for show commands."""
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    for label, value in pairs:
        t.add_row(Text(label), cell(value))
    return t


def say(message: str) -> None:
    """A one-line confirmation (plain text, literal)."""
    console.print(Text(message))


def warn(message: str) -> None:
    err_console.print(Text(message))
