"""A state store that lives only as long as the process: for a one-shot `sheetsync sync`
without `[state] path`.

The pass then runs through the same worker as with SQLite, but nothing is written to
disk (no database, no key file, no lock file) and every pass starts from an empty
memory, as if it were the first.
"""

from __future__ import annotations

import secrets

from sheetsync.core.memory import WorkerState
from sheetsync.core.pipeline import StageEntry, current_stages
from sheetsync.core.rows import Fingerprinter, hmac_fingerprinter
from sheetsync.state.port import RunRecord


class MemoryStateStore:
    """The state store in a variable. Its fingerprint key is random unless given: the
    fingerprints are comparable within this process only, which is all a store that
    is never persisted needs."""

    def __init__(self, key: bytes | None = None) -> None:
        self.state = WorkerState()
        self.runs: list[RunRecord] = []
        self.history: set[StageEntry] = set()
        self._fingerprint = hmac_fingerprinter(key if key is not None else secrets.token_bytes(32))

    @property
    def fingerprint(self) -> Fingerprinter:
        return self._fingerprint

    def load(self) -> WorkerState:
        return self.state

    def stage_history(self) -> list[StageEntry]:
        return sorted(self.history)

    def save(self, state: WorkerState, run: RunRecord | None = None) -> None:
        self.state = state
        self.history.update(
            current_stages({k: r.first_seen for k, r in state.rows.items()}).values()
        )
        if run is not None:
            self.runs.append(run)
