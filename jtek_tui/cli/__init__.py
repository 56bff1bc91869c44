"""The `jtek` command: opens the TUI, or runs a subcommand.

Subcommands call the same domain functions as the TUI. Errors become one plain
line on stderr: exit code 2 for bad input, 1 for failures. No traceback reaches
the user; unexpected ones are written to the log file instead.
"""

from __future__ import annotations

import sys

import click

from jtek_tui.cli.root import cli
from jtek_tui.domain.errors import JtekError


def main(argv: list[str] | None = None) -> None:
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    from rich.text import Text

    from jtek_tui.cli.output import err_console

    def fail(message: str, code: int) -> int:
        err_console.print(Text(f"jtek: {message}"), soft_wrap=True)
        return code

    from jtek_tui.cli.root import NOTICES

    NOTICES.clear()
    try:
        result = cli.main(args=argv, prog_name="jtek", standalone_mode=False)
        for notice in NOTICES:
            err_console.print(Text(f"jtek: note: {notice}"), soft_wrap=True)
        return result if isinstance(result, int) else 0
    except click.exceptions.Abort:
        return fail("aborted.", 1)
    except click.UsageError as error:
        path = error.ctx.command_path if error.ctx else "jtek"
        message = error.format_message().replace("\n", " ").rstrip(".")
        return fail(f"{message} (see `{path} --help`).", 2)
    except click.ClickException as error:
        return fail(error.format_message(), error.exit_code)
    except JtekError as error:
        return fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        return fail("interrupted.", 130)
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - last resort: never a traceback on screen
        from jtek_tui.logfile import log_exception

        where = log_exception(error)
        return fail(f"unexpected error: {error} (details in {where}).", 1)
