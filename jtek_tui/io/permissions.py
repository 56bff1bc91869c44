"""Who may read and write a database file: describing it, and sharing it with a group.

A database starts private (0600 in a 0700 folder). `share_database` turns it
into a team database: the folder becomes group-owned with the setgid bit
(2770) so every file created in it — SQLite's `-wal`/`-shm`, backups — belongs
to the team group, and the database files become group read/write (0660).
SQLite gives new `-wal`/`-shm` files the database file's own mode, so no
agent's umask can make them unreadable to the others; agents should still use
`umask 007` so everything else they create there stays shared (see
docs/shared-box.md).
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass, field
from pathlib import Path

from jtek_tui.config import data_dir
from jtek_tui.db import translating
from jtek_tui.domain.errors import InputError, NotFoundError, RefusedError

FILE_MODE = 0o660
DIR_MODE = 0o2770


def _name(table, key: int, attr: str) -> str:
    try:
        return getattr(table(key), attr)
    except KeyError:
        return str(key)


@dataclass
class FileAccess:
    path: Path
    mode: int  # permission bits only (0o660, 0o2770…)
    permissions: str  # `ls -l` style, e.g. -rw-rw----
    owner: str
    group: str

    @property
    def shared(self) -> bool:
        return bool(self.mode & 0o060)

    def to_json(self) -> dict:
        return {"path": str(self.path), "mode": f"{self.mode:04o}", "permissions": self.permissions,
                "owner": self.owner, "group": self.group}


def describe(path: Path) -> FileAccess:
    st = os.stat(path)
    return FileAccess(path, stat.S_IMODE(st.st_mode), stat.filemode(st.st_mode),
                      _name(pwd.getpwuid, st.st_uid, "pw_name"), _name(grp.getgrgid, st.st_gid, "gr_name"))


@dataclass
class ShareReport:
    group: str
    changed: list[tuple[Path, int, int]] = field(default_factory=list)  # path, old mode, new mode
    warnings: list[str] = field(default_factory=list)


def _sidecars(db_path: Path) -> list[Path]:
    return [p for p in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists()]


def share_database(db_path: Path, group: str) -> ShareReport:
    """Make `db_path`, its `-wal`/`-shm`, its folder and its backups usable by `group`."""
    db_path = Path(db_path).absolute()
    if not db_path.is_file():
        raise NotFoundError(f"There is no database file {db_path}.")
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise InputError(f"There is no group {group!r} on this machine.") from None
    folder = db_path.parent
    if folder == data_dir():
        raise RefusedError(
            f"{folder} also holds your private files, so it will not be shared. Put the team database "
            "in a folder of its own, e.g. `jtek backup /srv/jtek/team.db`, then "
            "`jtek --db /srv/jtek/team.db db share --group GROUP`."
        )
    me = os.geteuid()
    if me != 0:
        if os.stat(db_path).st_uid != me:
            raise RefusedError(f"Only the owner of {db_path} (or root) can share it.")
        if gid not in os.getgroups() and gid != os.getegid():
            raise RefusedError(f"You are not a member of the group {group!r}, so you cannot hand files to it.")
    backups = folder / "backups"
    targets: list[tuple[Path, int]] = [(folder, DIR_MODE), (db_path, FILE_MODE)]
    targets += [(p, FILE_MODE) for p in _sidecars(db_path)]
    if backups.is_dir():
        targets.append((backups, DIR_MODE))
        targets += [(p, FILE_MODE) for p in sorted(backups.glob(f"{db_path.stem}-*.db"))]
    report = ShareReport(group)
    with translating():
        for path, mode in targets:
            st = os.stat(path)
            if st.st_gid != gid:
                os.chown(path, -1, gid)
            old = stat.S_IMODE(st.st_mode)
            os.chmod(path, mode)  # after chown: chown clears the setgid bit
            if old != mode or st.st_gid != gid:
                report.changed.append((path, old, mode))
    report.warnings += _unreachable(folder, gid)
    return report


def _unreachable(folder: Path, gid: int) -> list[str]:
    """Parents the group cannot pass through: members could not reach the database."""
    out = []
    for parent in folder.parents:
        st = os.stat(parent)
        ok = st.st_mode & stat.S_IXOTH or (st.st_gid == gid and st.st_mode & stat.S_IXGRP)
        if not ok:
            out.append(f"{parent} is closed to the group: members cannot reach the database until "
                       f"it is searchable (e.g. `chmod o+x {parent}`).")
    return out
