"""Helpers for the shared-box tests: acting without root's override, worker scripts.

CI and the dev machines run as root, and root passes every file permission
check, so "a database I can read but not write" cannot happen to root. The
tests switch the *effective* user to `nobody` for the part that must feel the
permissions (and back afterwards); as a normal user they just run as is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534
ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as `nobody` when we are root (no-op otherwise)."""
    if not ROOT:
        yield
        return
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


@contextmanager
def public_dir() -> Iterator[Path]:
    """A temporary folder `nobody` can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="jtek-test-"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        if ROOT:
            shutil.rmtree(path, ignore_errors=True)
        else:  # give ourselves back write access before cleaning up
            for p in [path, *path.rglob("*")]:
                if p.is_dir():
                    os.chmod(p, 0o755)
            shutil.rmtree(path, ignore_errors=True)


def python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    """Start `code` in a fresh Python process (the package importable, test env kept)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
