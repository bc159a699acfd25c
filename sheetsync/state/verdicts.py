"""The domain verdict cache in the state store's `domain_verdicts` table."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sheetsync.core.model import DomainVerdict, Verdict
from sheetsync.domains.port import CachedVerdict
from sheetsync.errors import StateError
from sheetsync.state.entries import aware_time

log = logging.getLogger(__name__)

# ascii, verdict, source, checked_at, reason, details, expires_at
_VerdictRow = tuple[str, str, str, str | None, str | None, str, str]


class Database(Protocol):
    """What the cache needs of the state store (`SqliteStateStore`)."""

    @property
    def path(self) -> Path: ...

    @property
    def read_only(self) -> bool: ...

    def usable(self) -> bool: ...

    def dropped(self, kind: str, count: int) -> None: ...

    def connect(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...


class SqliteVerdictCache:
    """The `VerdictCache` port on the state store's `domain_verdicts` table: one
    connection per call, whatever the number of names.

    Every call reads the table, so another process's write is seen. A damaged entry
    is not an answer (the name is asked again); a read-only store (a dry run) keeps
    no new verdict."""

    def __init__(self, store: Database, names_per_query: int = 500) -> None:
        self._store = store
        self._names_per_query = names_per_query  # SQLite's smallest variable limit is 999

    def get_many(self, ascii_names: Iterable[str], now: datetime) -> dict[str, DomainVerdict]:
        names = list(dict.fromkeys(ascii_names))
        if not names or not self._store.usable():
            return {}
        rows: list[_VerdictRow] = []
        try:
            with self._store.connect() as db:
                for start in range(0, len(names), self._names_per_query):
                    chunk = names[start : start + self._names_per_query]
                    rows += db.execute(_select_verdicts(len(chunk)), chunk)
        except sqlite3.Error as exc:
            raise StateError(f"cannot read the state store {self._store.path}: {exc}") from None
        found, damaged = {}, 0
        for row in rows:
            try:
                fresh = now < aware_time(row[6])
                if fresh:
                    found[row[0]] = _verdict(row)
            except (ValueError, TypeError, KeyError):
                damaged += 1
        if damaged:
            log.warning(
                "state store %s: %d damaged domain verdicts ignored", self._store.path, damaged
            )
            self._store.dropped("verdict", damaged)
        return found

    def put_many(self, verdicts: Iterable[CachedVerdict], now: datetime) -> None:
        if self._store.read_only:
            return
        rows = [
            (
                name,
                verdict.verdict.value,
                verdict.source,
                verdict.checked_at.isoformat() if verdict.checked_at else None,
                verdict.reason,
                json.dumps(dict(verdict.details), ensure_ascii=False),
                expires_at.isoformat(),
            )
            for name, verdict, expires_at in verdicts
        ]
        try:
            with self._store.transaction() as db:
                # julianday() reads the stored ISO times with their offsets; an unreadable
                # one compares as NULL and stays.
                db.execute(
                    "DELETE FROM domain_verdicts WHERE julianday(expires_at) <= julianday(?)",
                    (now.isoformat(),),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO domain_verdicts VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            raise StateError(f"cannot write the state store {self._store.path}: {exc}") from None


def _select_verdicts(count: int) -> str:
    marks = ", ".join("?" * count)
    return (
        "SELECT ascii, verdict, source, checked_at, reason, details, expires_at "
        f"FROM domain_verdicts WHERE ascii IN ({marks})"  # only placeholders are formatted in
    )


def _verdict(row: _VerdictRow) -> DomainVerdict:
    _, verdict, source, checked_at, reason, details, _ = row
    checked = aware_time(checked_at) if checked_at else None
    extra = json.loads(details)
    if not isinstance(extra, dict):
        raise ValueError("details")
    return DomainVerdict(Verdict(verdict), source, checked, reason, extra)
