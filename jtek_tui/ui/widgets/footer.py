"""A Footer that redraws only when the keys it shows change.

Textual's Footer rebuilds itself (thirty-odd widgets and a layout pass) on
every focus change. On the board focus moves from column to column with each
card move while the keys stay the same, and that rebuild cost more than the
move itself.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (key, active.binding.description, active.binding.show, active.enabled, active.tooltip)
            for key, active in screen.active_bindings.items()
        )
        if shown == self._shown and self._bindings_ready:
            return
        self._shown = shown
        super().bindings_changed(screen)
