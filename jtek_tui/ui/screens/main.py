"""The main screen: header, sidebar, the current section, footer."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from jtek_tui.ui.messages import DataChanged, SummaryChanged
from jtek_tui.ui.sections import SECTIONS
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.widgets.chrome import AppHeader, Sidebar
from jtek_tui.ui.widgets.footer import StableFooter

#: Below this the board can't show a readable column: say so instead of drawing rubble.
MIN_WIDTH, MIN_HEIGHT = 60, 16


class MainScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        #: Sections that missed a change while hidden.
        self._stale: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static("", id="too-small", markup=False)
        yield AppHeader()
        with Horizontal(id="body"):
            yield Sidebar([(section_id, title) for section_id, title, _ in SECTIONS])
            with ContentSwitcher(initial=SECTIONS[0][0], id="sections"):
                for _, _, factory in SECTIONS:
                    yield factory()
        yield StableFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        self.query_one(AppHeader).show(who=db.actor_login or "", readonly=db.readonly)
        self.show_section(SECTIONS[0][0])

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"The terminal is too small ({width}x{height}).\n"
                f"Jtek needs at least {MIN_WIDTH}x{MIN_HEIGHT}: make the window bigger.\n\nq quits."
            )

    @property
    def current(self) -> Section:
        switcher = self.query_one(ContentSwitcher)
        return switcher.query_one(f"#{switcher.current}", Section)

    def show_section(self, section_id: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = section_id
        section = self.current
        if section_id in self._stale:  # changed while hidden: catch up now
            self._stale.discard(section_id)
            section.reload()
        self.query_one(Sidebar).select(section_id)
        self.query_one(AppHeader).show(section=section.TITLE or {i: t for i, t, _ in SECTIONS}[section_id], summary=section.summary())
        section.focus_default()

    def on_sidebar_selected(self, event: Sidebar.Selected) -> None:
        self.show_section(event.section_id)

    def on_summary_changed(self, event: SummaryChanged) -> None:
        if event.section_id == self.current.id:
            self.query_one(AppHeader).show(summary=event.text)

    def on_data_changed(self, event: DataChanged) -> None:
        """Data changed (another agent, a panel): the visible section re-reads now,
        hidden ones when they are next shown."""
        current = self.current
        self._stale.update(s.id for s in self.query(Section) if s is not current and s.id)
        current.reload()
