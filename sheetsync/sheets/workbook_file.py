"""The workbook file on disk: whether it is ours to replace, and replacing it safely.

A file is not ours to replace while it is read-only, while a lock file beside it says a
person has it open in Excel or LibreOffice, or once it changed since the pass read it:
`refusal` says why in one line (who holds it, from the lock file), and the write waits
for the next pass. A replacement is written beside the original, takes its owner,
group and mode, and is renamed over it only if the file is still the one that was read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sheetsync.errors import SheetAccessError

_LOCK_READ_LIMIT = 4096  # bytes: a lock file is a line or a few hundred bytes


@dataclass(frozen=True)
class Version:
    """What identifies the file's content as read: size, modification time, digest."""

    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True)
class Loaded:
    data: bytes
    version: Version


def target(path: Path) -> Path:
    """The file to read and replace: a symbolic link is followed, never replaced."""
    return Path(os.path.realpath(path))


def load(path: Path) -> Loaded:
    """The file's bytes and version (OSError as raised)."""
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        data = handle.read()
    return Loaded(data, _version(before, data))


def current(path: Path) -> Version | None:
    """The version on disk now; None if the file is gone."""
    try:
        return load(path).version
    except FileNotFoundError:
        return None


def _version(info: os.stat_result, data: bytes) -> Version:
    return Version(
        info.st_size, info.st_mtime_ns, hashlib.blake2b(data, digest_size=16).hexdigest()
    )


def refusal(path: Path, then: str | None = None) -> str | None:
    """Why the file at `path` must not be replaced now, in one line; None if it may be.
    `then`: what to do once it may be (a command to run again), instead of the sync's
    "the next sync retries"."""
    locked = lock_holder(path, then)
    if locked:
        return locked
    try:
        info = path.stat()
    except OSError:
        return None  # reading it already failed or will: that error says more
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"{path.name} is read-only (mode {stat.S_IMODE(info.st_mode):04o}): nothing written; "
            f"make it writable (chmod u+w {path}) "
            + (f"and {then}" if then else "for sheetsync to fill in its status columns")
        )
    if not os.access(path, os.W_OK):
        return (
            f"{path.name} is not writable for this user (owner uid {info.st_uid}, mode "
            f"{stat.S_IMODE(info.st_mode):04o}): nothing written; give the user running "
            "sheetsync write access to it"
        )
    if not _can_keep_owner(info):
        return _foreign(path, info)
    return None


def _can_keep_owner(info: os.stat_result) -> bool:
    """Whether a new copy can be given the file's owner and group: only root can give a
    file to another user, or to a group it is not in (what `replace` does with chown)."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        return True
    groups = {os.getegid(), *os.getgroups()}
    return info.st_uid == os.geteuid() and info.st_gid in groups


def _foreign(path: Path, info: os.stat_result) -> str:
    return (
        f"{path.name} belongs to another user (uid {info.st_uid}) and a copy cannot "
        "keep that owner: nothing written; run sheetsync as the file's owner"
    )


def lock_holder(path: Path, then: str | None = None) -> str | None:
    """A sentence naming who has the workbook open, from Excel's or LibreOffice's lock
    file beside it; None without one."""
    folder, name = path.parent, path.name
    libre = folder / f".~lock.{name}#"
    excel = [folder / f"~${name}", folder / f"~${name[2:]}"]  # Word-style short form too
    if libre.is_file():
        who, since = _libreoffice_owner(libre)
        return _opened("LibreOffice", name, who, since, libre, then)
    for lock in excel:
        if lock.is_file():
            return _opened("Excel", name, _excel_owner(lock), None, lock, then)
    return None


def _opened(
    app: str, name: str, who: str | None, since: str | None, lock: Path, then: str | None
) -> str:
    person = f" by {who}" if who else ""
    when = f" since {since}" if since else ""
    retry = f"; {then} once it is closed" if then else ", the next sync retries once it is closed"
    return (
        f"{name} is open in {app}{person}{when} (lock file {lock.name}): nothing written{retry}; "
        f"if nobody has it open, delete the lock file {lock}"
    )


def _head(lock: Path) -> bytes:
    try:
        with open(lock, "rb") as handle:
            return handle.read(_LOCK_READ_LIMIT)
    except OSError:
        return b""


def _libreoffice_owner(lock: Path) -> tuple[str | None, str | None]:
    """LibreOffice writes one CSV line: `name,system user,host,date,profile URL;`."""
    fields = _head(lock).decode("utf-8", "replace").split(";", 1)[0].split(",")
    fields += [""] * (5 - len(fields))
    name, user, host, date = (f.strip() for f in fields[:4])
    who = name or user or None
    if who and host:
        who = f"{who} on {host.lstrip('%')}"
    return _printable(who), _printable(date) or None


def _excel_owner(lock: Path) -> str | None:
    """Excel's owner file starts with the user name: a length byte, then that many bytes
    (the Windows code page); the rest is padding and a UTF-16 copy."""
    head = _head(lock)
    if not head:
        return None
    size = head[0]
    return _printable(head[1 : 1 + size].decode("cp1252", "replace").strip()) or None


def _printable(text: str | None) -> str | None:
    if text is None:
        return None
    return "".join(c for c in text if c.isprintable())[:80] or None


def replace(
    path: Path, write: Callable[[BinaryIO], None], read: Version, then: str | None = None
) -> str | None:
    """Write what `write` writes over `path` if it is still the `read` version and ours to replace:
    beside it, fsynced, with its owner, group and mode, then renamed over it. Returns
    why it was not replaced (nothing written), or None once it is. A folder that
    cannot hold the new copy is a SheetAccessError naming it."""
    folder = path.parent
    try:
        handle, temp = tempfile.mkstemp(prefix=".~sheetsync-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise SheetAccessError(
            f"cannot write in the folder {folder} ({exc.strerror}): sheetsync saves the "
            "workbook by writing a new copy beside it and renaming it over the old one; "
            "give the user running sheetsync write access to that folder"
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        info = path.stat()
        try:
            os.chown(temp, info.st_uid, info.st_gid)
        except PermissionError:
            return _foreign(path, info)
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        why = refusal(path, then)
        if why is None and current(path) != read:
            why = (
                f"{path.name} changed on disk meanwhile (saved by someone): nothing written; "
                f"{then} (it works from the saved file)"
                if then
                else f"{path.name} changed on disk during the sync (saved by someone): nothing "
                "written, the next sync works from the saved file"
            )
        if why is not None:
            return why
        os.replace(temp, path)
        temp = ""
        _sync_folder(folder)
        return None
    except OSError as exc:
        raise SheetAccessError(f"could not save {path}: {exc.strerror or exc}") from None
    finally:
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def modified_seconds_ago(path: Path, now: datetime) -> float | None:
    try:
        return now.timestamp() - path.stat().st_mtime
    except OSError:
        return None
