"""The Jtek Textual application: screens, global keys, routing, live refresh."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from jtek_tui.db import Database
from jtek_tui.domain import automations as automations_domain
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.commands import JtekCommands
from jtek_tui.ui.messages import DataChanged, NewOpportunity, OpenContact, OpenOpportunity
from jtek_tui.ui.sections import SECTIONS

POLL_SECONDS = 1.0
#: How often idle-deal ("sits N days in a stage") automations are checked.
RUN_DUE_SECONDS = 300.0


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
        self._quieted_listeners: list[Callable[[automations_domain.RunRow], None]] = []
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
        self._listen_to_automations()
        self.run_due_automations()
        self.set_interval(RUN_DUE_SECONDS, self.run_due_automations)
        self.call_after_refresh(self._settle_memory)
        for notice in self.db.notices:  # read-only mode, a failed daily backup, …
            self.notify(notice, severity="warning", timeout=10)

    def _settle_memory(self) -> None:
        """Move everything alive after start-up (modules, the first board load)
        out of the garbage collector's sight: full collections over thousands
        of long-lived objects were pausing key presses by ~80 ms."""
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        self._stop_listening_to_automations()

    # -- automations: slow actions, idle deals, failures -------------------------------
    def _run_after_commit(self, callbacks: list[Callable[[], Any]]) -> None:
        """Slow after-commit work (automation commands, webhooks, mail) runs off the UI thread,
        so the key press that moved a card returns at once. Work committed on a worker
        (idle-deal checks, a slow action finishing its run) continues on that worker."""
        if threading.current_thread() is not threading.main_thread():
            self._run_callbacks(callbacks)
            return
        self.run_worker(partial(self._run_callbacks, callbacks), thread=True, group="after-commit",
                        exit_on_error=False)

    def _run_callbacks(self, callbacks: list[Callable[[], Any]]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception as error:  # noqa: BLE001 - a failing action must never take the app down
                from jtek_tui.logfile import log_exception

                log_exception(error)
                self._on_ui(self.notify, f"An automation failed: {error}", severity="error", markup=False)

    def run_due_automations(self) -> None:
        """Fire idle-deal automations (on a worker: it may run slow actions too)."""
        if self.db.readonly or any(w.group == "run-due" and not w.is_finished for w in self.workers):
            return
        self.run_worker(self._run_due, thread=True, group="run-due", exit_on_error=False)

    def _run_due(self) -> None:
        try:
            automations_domain.run_due(self.db)
        except JtekError:
            pass  # busy or read-only now: the next round (or another agent's jtek) gets them
        except Exception as error:  # noqa: BLE001 - never take the app down from a timer
            from jtek_tui.logfile import log_exception

            log_exception(error)

    def _listen_to_automations(self) -> None:
        """Failed runs become notifications here; the CLI's stderr reporter would scribble
        over the screen, so it is switched off while the TUI runs."""
        cli = sys.modules.get("jtek_tui.cli.automations")
        reporter = getattr(cli, "_report_problem", None)
        if reporter is not None:
            automations_domain.remove_run_listener(reporter)
            self._quieted_listeners.append(reporter)
        automations_domain.add_run_listener(self._automation_ran)

    def _stop_listening_to_automations(self) -> None:
        automations_domain.remove_run_listener(self._automation_ran)
        for listener in self._quieted_listeners:  # slow work finishing after the screen closed
            automations_domain.add_run_listener(listener)
        self._quieted_listeners.clear()

    def _automation_ran(self, run: automations_domain.RunRow) -> None:
        """Called after every run, usually from a worker thread."""
        if run.outcome == automations_domain.ERROR:
            self._on_ui(self.report_failed_run, run)

    def report_failed_run(self, run: automations_domain.RunRow) -> None:
        deal = f"#{run.opportunity_id} {run.opportunity}" if run.opportunity_id else "a deleted deal"
        self.notify(
            f"“{run.automation}” on {deal}: {run.summary}\n"
            "The change itself was saved. The run log (4, then r) has the details.",
            title="Automation failed", severity="error", timeout=12, markup=False,
        )

    def _on_ui(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run on the UI thread, from whichever thread we are on; silently skipped once the
        app is closing (the run log keeps the outcome)."""
        if not self.is_running:
            return
        if threading.current_thread() is threading.main_thread():
            callback(*args, **kwargs)
            return
        try:
            self.call_from_thread(callback, *args, **kwargs)
        except Exception:  # noqa: BLE001 - the app stopped meanwhile: a notice is not worth a crash
            pass

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
        main = self.main_screen
        for screen in self.screen_stack:
            if hasattr(screen, "reload") or screen is main:
                screen.post_message(DataChanged(opportunity_id=opportunity_id, external=external))

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
        pending = sum(1 for w in self.workers if w.group == "after-commit" and not w.is_finished)
        if pending:
            from rich.text import Text

            self._exit_renderables.append(Text(
                f"Jtek is finishing {pending} automation run{'s' if pending != 1 else ''} still in progress "
                "(commands, webhooks, email stop at their time limit)…"))
        main = self.main_screen
        if main is not None:
            from jtek_tui.ui.sections.base import Section

            for section in main.query(Section):
                section.remember()
        self.exit()

    def action_help(self) -> None:
        from jtek_tui.ui.screens.help import HelpScreen

        groups: list[tuple[str, list[type]]] = []
        screen_groups = getattr(self.screen, "HELP_GROUPS", None)
        if screen_groups:  # a pushed screen (record, panel) lists its own keys first
            groups.extend(screen_groups)
        main = self.main_screen
        if main is not None:
            section = main.current
            groups.extend(section.help_groups())
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
            if board is not None and self.screen is self.main_screen and self.main_screen.current is board:
                board.after_form(opp_id)  # re-reads and focuses the new card itself
                return
            if opp_id is not None:
                self.broadcast_change(opportunity_id=opp_id)
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
