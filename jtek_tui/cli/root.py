"""The root `jtek` group: global options and the lazily opened database."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import click

from jtek_tui import __version__
from jtek_tui.db import Database


@dataclass
class State:
    """What every subcommand shares: where the database is, opened on first use."""

    target: str | None = None
    no_mouse: bool = False
    _db: Database | None = field(default=None, repr=False)

    def db(self) -> Database:
        if self._db is None:
            from jtek_tui.domain.bootstrap import open_database

            self._db = open_database(self.target)
            NOTICES.extend(self._db.notices)  # printed after a successful command
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


pass_state = click.make_pass_decorator(State)

#: Remarks made while opening the database (read-only mode, a failed daily
#: backup): shown on stderr after a command succeeds, so an error stays one line.
NOTICES: list[str] = []

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@click.option("--db", "target", metavar="PATH_OR_URL", envvar="JTEK_DB",
              help="Database file or SQLAlchemy URL (default: jtek.db in the user data folder; env JTEK_DB).")
@click.option("--no-mouse", is_flag=True, help="Do not capture the mouse (faster over slow SSH links).")
@click.version_option(__version__, prog_name="jtek")
@click.pass_context
def cli(ctx: click.Context, target: str | None, no_mouse: bool) -> None:
    """Jtek: a keyboard-driven sales-pipeline CRM. With no command, opens the board."""
    state = State(target=target, no_mouse=no_mouse)
    ctx.obj = state
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        open_tui(state.db(), no_mouse=no_mouse)


def open_tui(db: Database, *, no_mouse: bool = False) -> None:
    """Run the TUI on an opened database (needs a real terminal)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException(
            "the board needs an interactive terminal; use subcommands (jtek --help) in scripts."
        )
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        raise click.ClickException(
            f"the board needs a terminal with cursor control (TERM is {os.environ['TERM']!r}); "
            "set TERM=xterm-256color, or use the subcommands (jtek --help)."
        )
    from jtek_tui.ui.app import JtekApp

    JtekApp(db).run(mouse=not no_mouse)


def register() -> None:
    """Attach every `jtek_tui.cli.<area>` module's COMMANDS (one module per area,
    so adding an area never touches this file)."""
    import importlib
    import pkgutil

    import jtek_tui.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in ("root", "output"):
            continue
        module = importlib.import_module(f"jtek_tui.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            cli.add_command(command)


register()
