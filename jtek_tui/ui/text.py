"""Putting user text on screen safely and tidily.

User text (names, notes, reasons) is never parsed as markup: it travels as
plain `str` into `Content`/`Segment`s. Control characters are replaced so a
stray escape sequence in a note cannot repaint the terminal, and text is cut
to a cell width (not a character count) so emoji and CJK keep columns aligned.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size
from textual.content import Content

ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str | None) -> str:
    """One line of literal text: control characters (newlines too) become spaces."""
    if not text:
        return ""
    return _CONTROL.sub(" ", text)


def fit(text: str, width: int) -> str:
    """Exactly `width` cells: padded, or cut with an ellipsis (wide characters respected)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ELLIPSIS


def cut(text: str, width: int) -> str:
    """At most `width` cells, ellipsis when cut, no padding."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + ELLIPSIS


def literal(text: str | None) -> Content:
    """User text as Content that no markup parser will ever see."""
    return Content(clean(text))
