"""An in-process VerdictCache: verdicts remembered until they expire, for one process's life."""

from __future__ import annotations

import threading
from datetime import datetime

from ..model import DomainVerdict


class MemoryVerdictCache:
    """Thread-safe (scheduler passes run in worker threads). The state store's
    SQLite cache replaces it where verdicts should survive a restart."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[DomainVerdict, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, ascii_name: str, now: datetime) -> DomainVerdict | None:
        with self._lock:
            entry = self._entries.get(ascii_name)
            if entry is None:
                return None
            if now >= entry[1]:
                del self._entries[ascii_name]
                return None
            return entry[0]

    def put(self, ascii_name: str, verdict: DomainVerdict, expires_at: datetime) -> None:
        with self._lock:
            self._entries[ascii_name] = (verdict, expires_at)
