"""The per-install fingerprint key, in a file beside the state store (never in it)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from sheetsync.errors import StateError
from sheetsync.paths import missing

log = logging.getLogger(__name__)


def read_key(path: Path) -> bytes:
    """The key if there is one, else a key for this process only (a dry run creates no
    file; without the install's key no credential change can be told)."""
    if missing(path):
        return secrets.token_bytes(32)
    return load_or_create_key(path)  # a key it may not look at: reading says so


def load_or_create_key(path: Path) -> bytes:
    """The per-install fingerprint key: 32 random bytes, hex, in a file only the owner
    can read. Kept outside the database so a copy of the database alone cannot be used
    to test guessed passwords against the fingerprints."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = secrets.token_hex(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_key(path)
        except OSError as exc:
            raise StateError(
                f"cannot create the fingerprint key {path} ({exc.strerror}): give the user "
                f"running sheetsync write access to {path.parent}, or set [state] path"
            ) from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
        log.warning("created the fingerprint key %s (keep it with the state store)", path)
    except OSError as exc:
        raise StateError(f"cannot read the fingerprint key {path}: {exc.strerror}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise StateError(f"the fingerprint key {path} is damaged (expected hex)") from None
    if len(key) < 16:
        raise StateError(f"the fingerprint key {path} is too short")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the fingerprint key %s is readable by others: chmod 600 it", path)
    return key
