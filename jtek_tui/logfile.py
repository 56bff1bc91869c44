"""Where unexpected errors go, so users see a sentence and developers get the trace."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from jtek_tui.config import data_dir


def log_path() -> Path:
    return data_dir() / "jtek.log"


def log_exception(error: BaseException) -> Path:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Tracebacks can hold deal names and notes: readable by the owner only.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} ---\n")
            fh.write("".join(traceback.format_exception(error)))
    except OSError:
        pass
    return path
