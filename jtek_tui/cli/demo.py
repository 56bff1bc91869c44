"""`jtek demo`"""

from __future__ import annotations

import sys

import click

from jtek_tui.cli.output import say
from jtek_tui.cli.root import State, open_tui, pass_state
from jtek_tui.config import demo_db_path


@click.command("demo")
@click.option("--reset", is_flag=True, help="Rebuild the demo database from scratch.")
@click.option("--no-open", is_flag=True, help="Only build it; do not open the board.")
@pass_state
def demo(state: State, reset: bool, no_open: bool) -> None:
    """Open the board on a ready demo database (built once in the data folder)."""
    from jtek_tui.demo import build_demo

    path = demo_db_path()
    if reset or not path.exists():
        build_demo(path)
        say(f"Demo database ready: {path}")
    state.target = str(path)
    if no_open or not (sys.stdin.isatty() and sys.stdout.isatty()):
        if not no_open:
            say("Not a terminal: run `jtek demo` in a terminal to open the board.")
        return
    open_tui(state.db(), no_mouse=state.no_mouse)


COMMANDS = [demo]
