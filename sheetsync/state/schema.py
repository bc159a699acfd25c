"""The state store's schema, and how the file at `[state] path` becomes a usable store.

`prepare` looks at the file first (`state.files`), then has SQLite check it: a
database SQLite calls damaged is set aside and rebuilt, with a warning; one without
sheetsync's tables, or from a newer sheetsync, is refused; an older one is migrated.
Any other SQLite error (locked, read-only, cannot open, I/O) is an error naming the
path, never taken for damage. A read-only store (a dry run, `status`) is never
changed: an older one is read through a private in-memory copy, migrated there
(`migrated_copy`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from sheetsync.errors import StateError
from sheetsync.state.files import Found, examine

log = logging.getLogger(__name__)

# Each entry migrates from version i to i + 1; PRAGMA user_version holds the version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL, finished_at TEXT NOT NULL, outcome TEXT NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0, cells_written INTEGER NOT NULL DEFAULT 0,
        counts TEXT NOT NULL DEFAULT '{}', error_class TEXT, error_message TEXT);
    CREATE TABLE client_rows (key TEXT PRIMARY KEY, row INTEGER NOT NULL, status TEXT);
    CREATE TABLE first_seen (
        key TEXT NOT NULL, fact TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (key, fact));
    CREATE TABLE fingerprints (
        key TEXT NOT NULL, column_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        PRIMARY KEY (key, column_key));
    CREATE TABLE credential_changes (
        key TEXT NOT NULL, column_key TEXT NOT NULL, detected_at TEXT NOT NULL,
        PRIMARY KEY (key, column_key));
    CREATE TABLE domain_verdicts (
        ascii TEXT PRIMARY KEY, verdict TEXT NOT NULL, source TEXT NOT NULL,
        checked_at TEXT, reason TEXT, details TEXT NOT NULL DEFAULT '{}',
        expires_at TEXT NOT NULL);
    """,
    # 2: the pipeline's history, each stage a client was first seen in and when (kept
    # when the client leaves the sheet; rewriting the clients never deletes it).
    """
    CREATE TABLE stage_entries (
        key TEXT NOT NULL, stage TEXT NOT NULL, entered_at TEXT NOT NULL,
        PRIMARY KEY (key, stage, entered_at));
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
ROW_TABLES = ("client_rows", "first_seen", "fingerprints", "credential_changes")
TABLES = frozenset({"meta", "runs", *ROW_TABLES, "domain_verdicts"})  # schema 1's
# SQLite's own word that the file is damaged: only these set a store aside.
_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
Connect = Callable[[], sqlite3.Connection]


class Prepared(Enum):
    """What `prepare` found at the path."""

    READY = "ready"  # a store at the current schema
    NOTHING = "nothing"  # read-only: empty or damaged, read as holding no history
    OLDER = "older"  # read-only: an older schema, to be read through `migrated_copy`


def prepare(path: Path, connect: Connect, *, read_only: bool = False) -> Prepared:
    """Make `path` a store at the current schema (READY). A read-only store is never
    changed: NOTHING when it is empty or damaged, OLDER when its schema is older."""
    if examine(path, create=not read_only) is Found.EMPTY:
        next_sync = (
            "the next sync starts a new store in it"
            if os.access(path, os.W_OK) and path.stat().st_mode & 0o222
            else "it is read-only, so the next sync will fail until it is made writable"
        )
        log.warning(
            "state store %s is empty (0 bytes): %s; if it held history, restore it from a backup",
            path,
            f"read as holding no history ({next_sync})"
            if read_only
            else "starting a new store in it",
        )
    why = _damaged(path, connect)
    if why is not None:
        if read_only:
            log.warning(
                "state store %s is damaged (%s): read as holding no history; the next sync "
                "sets it aside and rebuilds it",
                path,
                why,
            )
            return Prepared.NOTHING
        _set_aside(path, why)
        examine(path)
    try:
        return _migrate(path, connect, read_only)
    except sqlite3.Error as exc:
        raise StateError(f"cannot open the state store {path}: {exc}") from None


def _damaged(path: Path, connect: Connect) -> str | None:
    """Why SQLite calls the database damaged, or None when it is whole."""
    try:
        db = connect()
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) in _DAMAGED:
            return str(exc)
        raise StateError(f"cannot open the state store {path}: {exc}") from None
    return None if verdict == "ok" else "integrity check failed"


def _set_aside(path: Path, why: str) -> None:
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    log.warning(
        "state store %s is damaged (%s): moved to %s and rebuilt; first-seen times and "
        "fingerprints start anew",
        path,
        why,
        aside.name,
    )
    os.replace(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def migrated_copy(connect: Connect, uri: str) -> sqlite3.Connection:
    """Copy the older store `connect` opens (read-only) into the in-memory database `uri`
    (`file:…?mode=memory&cache=shared`) and migrate the copy there: a read-only command
    reads what the store holds, and nothing is written anywhere. The connection returned
    keeps the copy alive (an in-memory database ends with its last connection)."""
    keeper = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        source = connect()
        try:
            source.backup(keeper)
        finally:
            source.close()
        _upgrade(keeper, int(keeper.execute("PRAGMA user_version").fetchone()[0]))
    except BaseException:
        keeper.close()
        raise
    return keeper


def _migrate(path: Path, connect: Connect, read_only: bool) -> Prepared:
    """Check the database is sheetsync's, and bring its schema up to date."""
    db = connect()
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        tables = {name for (name,) in db.execute(query)}
        if (version == 0 and tables) or (version > 0 and not tables >= TABLES):
            shown = ", ".join(sorted(tables)[:5]) or "none"
            raise StateError(
                f"{path} is an SQLite database without sheetsync's tables (it has: {shown}): "
                "point [state] path at another file; sheetsync leaves it as it is"
            )
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state store {path} has schema {version}, newer than this sheetsync knows "
                f"({SCHEMA_VERSION}): upgrade sheetsync or point [state] path elsewhere"
            )
        if read_only:
            if version == SCHEMA_VERSION:
                return Prepared.READY
            return Prepared.OLDER if version > 0 else Prepared.NOTHING  # 0: no tables yet
        _upgrade(db, version)
        return Prepared.READY
    finally:
        db.close()


def _upgrade(db: sqlite3.Connection, version: int) -> None:
    """Run the migrations from `version` on."""
    for number in range(version, SCHEMA_VERSION):
        # One transaction per step, inside the script: executescript would commit a
        # transaction opened outside it.
        script = f"BEGIN IMMEDIATE;{MIGRATIONS[number]};PRAGMA user_version = {number + 1};"
        try:
            db.executescript(script + "COMMIT;")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
