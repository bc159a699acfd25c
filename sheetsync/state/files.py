"""The state store's file, looked at before SQLite opens it: what it is and whether we may use it.

Each answer says what is wrong in the operator's words, with the path, and changes
nothing: a file we may not open is a permission problem (never "corrupt"), a file
without SQLite's header is someone else's (never replaced), a mode is never changed.
A missing store is created here, 0600 from the start, so SQLite never makes it with
the process's umask.
"""

from __future__ import annotations

import logging
import os
import stat
from enum import Enum
from pathlib import Path

from sheetsync.errors import StateError

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
_KEEP = "sheetsync leaves it as it is"


class Found(Enum):
    NEW = "new"  # created just now, empty
    EMPTY = "empty"  # was there, 0 bytes
    DATABASE = "database"  # an SQLite database: ours, damaged or another program's


def examine(path: Path, *, create: bool = True) -> Found:
    """What is at `path`; creates a missing store (0600) when `create`. Raises
    StateError for anything sheetsync must not or cannot use."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if not create:
            raise StateError(f"state store {path} does not exist") from None
        _create(path)
        return Found.NEW
    except PermissionError:
        raise StateError(
            f"cannot look at the state store {path}: permission denied on its folder "
            f"{path.parent}: give the service user access to it (enter and read); {_KEEP}"
        ) from None
    except OSError as exc:
        raise StateError(f"cannot look at the state store {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise StateError(f"state store {path} is not a file: point [state] path at a file")
    mode = stat.S_IMODE(info.st_mode)
    if not os.access(path, os.R_OK):
        raise StateError(
            f"state store {path} is not readable by this user (mode {mode:04o}, owner uid "
            f"{info.st_uid}): give the service user read and write access; {_KEEP}"
        )
    if create and (not mode & 0o222 or not os.access(path, os.W_OK)):
        # Root may write a 0444 file, but the mode says someone wants it kept.
        raise StateError(
            f"state store {path} is read-only (mode {mode:04o}, owner uid {info.st_uid}): "
            f"make it writable for the service user (chmod 600) or point [state] path "
            f"elsewhere; {_KEEP}"
        )
    if create and not os.access(path.parent, os.W_OK | os.X_OK):
        raise StateError(
            f"the folder of the state store {path} is not writable by this user (SQLite "
            "keeps its journal beside the database): give the service user write access"
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "state store %s is open to other users (mode %04o): it holds client names; "
            "chmod 600 it",
            path,
            mode,
        )
    if info.st_size == 0:
        return Found.EMPTY
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StateError(f"cannot read the state store {path}: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        raise StateError(
            f"{path} is not a sheetsync state store (not an SQLite database): point "
            f"[state] path at another file, or move this one away; {_KEEP}"
        )
    return Found.DATABASE


def _create(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return
    except OSError as exc:
        raise StateError(f"cannot create the state store {path}: {exc.strerror}") from None
    os.close(fd)
    log.warning("state store %s not found: starting a new one (no memory yet)", path)
