"""The Jtek Textual application: screens, global keys, routing, live refresh."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from jtek_tui.db import Database
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.commands import JtekCommands
from jtek_tui.ui.messages import DataChanged, NewOpportunity, OpenContact, OpenOpportunity
from jtek_tui.ui.sections import SECTIONS

POLL_SECONDS = 1.0


class JtekApp(App):
    #: Every stylesheet in ui/styles (one per area), absolute so subclasses elsewhere find them.
    CSS_PATH = sorted((Path(__file__).parent / "styles").glob("*.tcss"))
    TITLE = "Jtek"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {JtekCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("1", "section('opportunities')", "Opportunities", show=False),
        Binding("2", "section('contacts')", "Contacts", show=False),
        Binding("3", "section('reports')", "Reports", show=False),
        Binding("4", "section('automations')", "Automations", show=False),
        Binding("question_mark", "help", "Keys", key_display="?", tooltip="All keys (this screen)"),
        Binding("ctrl+p", "command_palette", "Commands", show=False,
                tooltip="Command palette: every action, pipelines, find a deal or contact"),
        Binding("q", "quit", "Quit", tooltip="Quit Jtek"),
    ]

    def __init__(self, db: Database, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.db = db
        self._data_version: int | None = None
        db.after_commit_runner = self._run_after_commit

    # -- start-up ----------------------------------------------------------------
    def on_mount(self) -> None:
        from jtek_tui.ui.screens.main import MainScreen

        self.push_screen(MainScreen())
        try:
            self._data_version = self.db.data_version()
        except JtekError:
            self._data_version = None
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def _run_after_commit(self, callbacks: list[Callable[[], Any]]) -> None:
        """Slow after-commit work (automation commands, webhooks, mail) runs off the UI thread."""

        def run_all() -> None:
            for callback in callbacks:
                try:
                    callback()
                except Exception as error:  # noqa: BLE001 - a failing action must never take the app down
                    self.call_from_thread(self.notify, f"An automation failed: {error}", severity="error")

        self.run_worker(run_all, thread=True, group="after-commit")

    # -- live refresh ---------------------------------------------------------------
    def poll_changes(self) -> None:
        """Cheap check (PRAGMA data_version) for changes by other connections."""
        try:
            version = self.db.data_version()
        except JtekError:
            return
        if version != self._data_version:
            self._data_version = version
            self.broadcast_change(external=True)

    def broadcast_change(self, *, opportunity_id: int | None = None, external: bool = False) -> None:
        """Tell the visible screens to re-read (the main screen forwards to its section)."""
        message = DataChanged(opportunity_id=opportunity_id, external=external)
        for screen in self.screen_stack:
            if hasattr(screen, "reload") or screen is self.main_screen:
                screen.post_message(DataChanged(opportunity_id=opportunity_id, external=external))
        del message

    @property
    def main_screen(self):
        from jtek_tui.ui.screens.main import MainScreen

        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    # -- navigation ----------------------------------------------------------------
    def section_titles(self) -> list[tuple[str, str]]:
        return [(section_id, title) for section_id, title, _ in SECTIONS]

    def action_section(self, section_id: str) -> None:
        main = self.main_screen
        if main is None:
            return
        while self.screen is not main:
            self.pop_screen()
        main.show_section(section_id)

    def board_action(self, action: str, *args: Any) -> None:
        """Run a board action from anywhere (the command palette)."""
        from jtek_tui.ui.sections.board import BoardSection

        self.action_section("opportunities")
        board = self.main_screen.query_one(BoardSection)
        if action == "show_pipeline_by_id":
            self.run_worker(board._switch(*args), exclusive=True, group="pipeline")
            return
        getattr(board, f"action_{action}")(*args)

    async def action_quit(self) -> None:
        """Quit, remembering each section's place (pipeline, column, card) first."""
        main = self.main_screen
        if main is not None:
            from jtek_tui.ui.sections.base import Section

            for section in main.query(Section):
                section.remember()
        self.exit()

    def action_help(self) -> None:
        from jtek_tui.ui.screens.help import HelpScreen
        from jtek_tui.ui.sections.board import BoardSection
        from jtek_tui.ui.widgets.card_list import CardList

        groups: list[tuple[str, list[type]]] = []
        screen_groups = getattr(self.screen, "HELP_GROUPS", None)
        if screen_groups:  # a pushed screen (record, panel) lists its own keys first
            groups.extend(screen_groups)
        main = self.main_screen
        if main is not None:
            section = main.current
            groups.extend(section.help_groups())
        if not any(BoardSection in classes for _, classes in groups):
            groups.append(("Board", [BoardSection, CardList]))
        groups.append(("Everywhere", [type(self)]))
        self.push_screen(HelpScreen(groups))

    # -- routing of cross-screen requests ----------------------------------------------
    def on_open_opportunity(self, message: OpenOpportunity) -> None:
        from jtek_tui.ui.screens.detail import DetailScreen

        def closed(changed: bool | None) -> None:
            if changed:
                self.broadcast_change(opportunity_id=message.opportunity_id)
            self._refocus()

        self.push_screen(DetailScreen(message.opportunity_id), closed)

    def on_new_opportunity(self, message: NewOpportunity) -> None:
        from jtek_tui.ui.screens.opportunity_form import OpportunityForm
        from jtek_tui.ui.sections.board import BoardSection

        form = OpportunityForm(contact_id=message.contact_id, pipeline_id=message.pipeline_id,
                               stage_id=message.stage_id, fixed_contact=message.fixed_contact)
        board = self.main_screen.query_one(BoardSection) if self.main_screen else None

        def saved(opp_id: int | None) -> None:
            if opp_id is not None:
                self.broadcast_change(opportunity_id=opp_id)
            if board is not None and self.screen is self.main_screen and self.main_screen.current is board:
                board.after_form(opp_id)
            else:
                self._refocus()

        self.push_screen(form, saved)

    def on_open_contact(self, message: OpenContact) -> None:
        from jtek_tui.ui.screens.contact_record import ContactRecord

        # Already open underneath (record → deal panel → "o"): go back to it rather than stack a copy.
        open_record = next((s for s in reversed(self.screen_stack)
                            if isinstance(s, ContactRecord) and s.contact_id == message.contact_id), None)
        if open_record is not None:
            while self.screen is not open_record:
                self.pop_screen()
            return
        self.push_screen(ContactRecord(message.contact_id), lambda changed: self._refocus())

    def _refocus(self) -> None:
        main = self.main_screen
        if main is not None and self.screen is main:
            main.current.focus_default()

    # -- the last line of defence ---------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: log the traceback, tell the user in one sentence."""
        from jtek_tui.logfile import log_exception

        self._crash_log = log_exception(error)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        from rich.text import Text

        where = getattr(self, "_crash_log", "the log file")
        self.bell()
        self._exit_renderables.append(Text(
            f"Jtek hit an unexpected error and closed. Every change you saved is in the database.\n"
            f"Details for the developers: {where}"
        ))
        self._close_messages_no_wait()
