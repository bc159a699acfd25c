"""An in-process VerdictCache: verdicts remembered until they expire, for one process's life."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from sheetsync.core.model import DomainVerdict
from sheetsync.domains.port import CachedVerdict


class MemoryVerdictCache:
    """Thread-safe (scheduler passes run in worker threads). The state store's
    SQLite cache replaces it where verdicts should survive a restart."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[DomainVerdict, datetime]] = {}
        self._lock = threading.Lock()

    def get_many(self, ascii_names: Iterable[str], now: datetime) -> dict[str, DomainVerdict]:
        out = {}
        with self._lock:
            for name in ascii_names:
                entry = self._entries.get(name)
                if entry is None:
                    continue
                if now >= entry[1]:
                    del self._entries[name]
                else:
                    out[name] = entry[0]
        return out

    def put_many(self, verdicts: Iterable[CachedVerdict], now: datetime) -> None:
        with self._lock:
            expired = [name for name, (_, until) in self._entries.items() if now >= until]
            for name in expired:
                del self._entries[name]
            for name, verdict, expires_at in verdicts:
                self._entries[name] = (verdict, expires_at)
