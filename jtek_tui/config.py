"""Where things live and who is acting.

Kept free of SQLAlchemy and Textual so every front end (and the tests) can ask
"which database?" and "who am I?" without paying for heavy imports.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "jtek"
ENV_DB = "JTEK_DB"
ENV_USER = "JTEK_USER"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_db_path() -> Path:
    return data_dir() / "jtek.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def is_url(target: str) -> bool:
    return "://" in target


def resolve_db_url(target: str | os.PathLike[str] | None = None) -> str:
    """Turn `--db`, `JTEK_DB` or the default into an SQLAlchemy URL.

    A bare path is the common case (agents pass file names), so anything without
    a scheme is treated as an SQLite file path.
    """
    if target is None:
        target = os.environ.get(ENV_DB) or default_db_path()
    target = str(target)
    if is_url(target):
        return target
    return "sqlite:///" + str(Path(target).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for memory/other databases."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix):].split("?", 1)[0]
    if rest in ("", ":memory:"):
        return None
    return Path(rest)


def current_login() -> str:
    """The OS login that acts. JTEK_USER overrides it for tests and demos."""
    env = os.environ.get(ENV_USER)
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no passwd entry (containers): use the uid
        return f"uid{os.getuid()}"


@dataclass
class Settings:
    """Optional settings from `settings.toml`; every key has a sensible default."""

    backup_keep: int = 7
    smtp: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, tomllib.TOMLDecodeError):
        return Settings()
    backup = raw.get("backup", {})
    keep = backup.get("keep", 7) if isinstance(backup, dict) else 7
    return Settings(
        # a typo in the settings file must not stop Jtek from opening
        backup_keep=keep if isinstance(keep, int) and not isinstance(keep, bool) else 7,
        smtp=dict(raw.get("smtp", {})),
        raw=raw,
    )
